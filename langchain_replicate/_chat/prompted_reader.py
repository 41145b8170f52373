"""Reading a reply to a call whose tools went by prompt (pure).

`prompted_reader` rebuilds, from the call's tools, tool choice and the model's
schema, what `_chat.prompted_tools.prompted_request` decided (the pre-filled
opening of a forced call); `PromptedReader` feeds the reply, streamed or
whole, through `_tool_use.call_parser.ToolCallStreamParser` into content and tool
calls, and says `finish_reason="tool_calls"` when it found one. A
chat-completions model forced onto the prompt path has its chunks or result
re-read the same way (`reparse`, `reparse_result`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_replicate._chat.prompted_tools import (
    PromptedRequest,
    call_opening,
    prompt_style,
    tool_choice_name,
)
from langchain_replicate._chat.tool_prompts import ToolPrompt
from langchain_replicate._outputs.metadata import generation_info, usage_from_prediction
from langchain_replicate._tool_use.call_deltas import ParsedDelta, merge_deltas

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_replicate._core.protocol import Prediction
    from langchain_replicate._core.streaming import StreamPiece
    from langchain_replicate._inputs.calls import PreparedCall
    from langchain_replicate._inputs.schema import InputSchema

__all__ = ["PromptedReader", "prompted_reader"]


def prompted_reader(
    schema: InputSchema | None,
    *,
    tools: Sequence[Mapping[str, Any]] = (),
    tool_choice: Any = None,  # noqa: ANN401 - see tool_choice_name
) -> PromptedReader:
    """The reader of a reply to a call that `prompted_request` prepared.

    It needs only what decided the prompt: the tools, the choice and the
    model's schema (which says whether the call was pre-filled).

    Args:
        schema: The model's input schema.
        tools: OpenAI tool definitions.
        tool_choice: The tool choice.

    Returns:
        The reader.
    """
    prompt = ToolPrompt(tuple(tools), tool_choice_name(tool_choice)) if tools else None
    prefill = call_opening(prompt, schema) if prompt_style(schema) == "template" else ""
    return PromptedReader(PromptedRequest(prompt, prefill, prompt_style(schema)))


class PromptedReader:
    """Read one prompted reply into chunks (streamed) or a result (whole)."""

    def __init__(self, request: PromptedRequest) -> None:
        """Start reading a reply to `request`.

        Args:
            request: The call's prompt-path decisions.
        """
        self._parser = request.parser()
        self._prefill = request.prefill if self._parser is not None else ""
        self._started = False
        self._calls = False

    @property
    def prefilled(self) -> bool:
        """Whether the reply continues a tool call's opening we pre-filled."""
        return bool(self._prefill) or self._started

    def _delta(self, text: str, *, last: bool) -> ParsedDelta:
        if self._parser is None:
            return ParsedDelta(text)
        delta = ParsedDelta()
        if self._prefill:
            delta, self._prefill = self._parser.feed(self._prefill), ""
            self._started = True
        delta += self._parser.feed(text)
        if last:
            delta += self._parser.finish()
        self._calls = self._calls or bool(delta.tool_call_chunks)
        return delta

    def _metadata(
        self, call: PreparedCall, prediction: Prediction, *, stopped: bool
    ) -> dict[str, Any]:
        info = generation_info(call, prediction, stopped=stopped)
        if self._calls:
            info["finish_reason"] = "tool_calls"
        return info

    def chunk(self, call: PreparedCall, piece: StreamPiece) -> ChatGenerationChunk:
        """One streamed piece → a chunk (the last one carries the metadata).

        Args:
            call: The prepared call.
            piece: The piece of output (stop sequences already applied).

        Returns:
            The chunk: content text and tool call chunks.
        """
        last = piece.prediction is not None
        delta = self._delta(piece.text, last=last)
        if piece.prediction is None:
            return ChatGenerationChunk(
                message=AIMessageChunk(
                    content=delta.text, tool_call_chunks=delta.tool_call_chunks
                )
            )
        return ChatGenerationChunk(
            message=AIMessageChunk(
                content=delta.text,
                tool_call_chunks=delta.tool_call_chunks,
                usage_metadata=usage_from_prediction(piece.prediction),
                response_metadata=self._metadata(
                    call, piece.prediction, stopped=piece.stopped
                ),
                chunk_position="last",
            )
        )

    def reparse(
        self, chunks: Sequence[ChatGenerationChunk], *, last: bool
    ) -> list[ChatGenerationChunk]:
        """Read chat-completion chunks' content for tool calls (prompt path).

        For a chat-completions model forced onto the prompt path.

        Args:
            chunks: The chunks of one stream step, as `CompletionReader` made
                them (content, usage and metadata).
            last: Whether these end the reply (the held-back text is released).

        Returns:
            The chunks, content split into text and tool call chunks.
        """
        out = []
        for index, chunk in enumerate(chunks):
            message = chunk.message
            final = last and index == len(chunks) - 1
            delta = self._delta(message.text, last=final)
            metadata = dict(message.response_metadata)
            if self._calls and "finish_reason" in metadata:
                metadata["finish_reason"] = "tool_calls"
            usage = getattr(message, "usage_metadata", None)
            position = getattr(message, "chunk_position", None)
            out.append(
                ChatGenerationChunk(
                    message=AIMessageChunk(
                        content=delta.text,
                        tool_call_chunks=delta.tool_call_chunks,
                        additional_kwargs=message.additional_kwargs,
                        usage_metadata=usage,
                        response_metadata=metadata,
                        chunk_position=position,
                    ),
                    generation_info=chunk.generation_info,
                )
            )
        if last and not chunks:
            delta = self._delta("", last=True)
            out.append(
                ChatGenerationChunk(
                    message=AIMessageChunk(
                        content=delta.text, tool_call_chunks=delta.tool_call_chunks
                    )
                )
            )
        return out

    def reparse_result(self, result: ChatResult) -> ChatResult:
        """A chat-completion result with its content read for tool calls.

        Args:
            result: The result `CompletionReader.read_all` made.

        Returns:
            The result, content split into text and tool calls.
        """
        message = result.generations[0].message
        reply = merge_deltas([self._delta(message.text, last=True)])
        metadata = dict(message.response_metadata)
        if self._calls:
            metadata["finish_reason"] = "tool_calls"
        parsed = AIMessage(
            content=reply.content,
            tool_calls=reply.tool_calls,
            invalid_tool_calls=reply.invalid_tool_calls,
            additional_kwargs=message.additional_kwargs,
            usage_metadata=getattr(message, "usage_metadata", None),
            response_metadata=metadata,
        )
        return ChatResult(generations=[ChatGeneration(message=parsed)])

    def result(
        self, call: PreparedCall, text: str, prediction: Prediction
    ) -> ChatResult:
        """A whole reply → the result.

        Args:
            call: The prepared call.
            text: The reply text.
            prediction: The finished prediction.

        Returns:
            The result: one `AIMessage` with content and tool calls.
        """
        reply = merge_deltas([self._delta(text, last=True)])
        message = AIMessage(
            content=reply.content,
            tool_calls=reply.tool_calls,
            invalid_tool_calls=reply.invalid_tool_calls,
            usage_metadata=usage_from_prediction(prediction),
            response_metadata=self._metadata(call, prediction, stopped=False),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
