"""The chat-completions family: its requests and its JSON output (pure, no I/O).

Replicate's vLLM-based language models (IBM's Granite 3.3 / 4.0 / 4.1 and
others on the same predictor) take OpenAI chat requests as model inputs:
`messages`, `tools`, `tool_choice`, `response_format`, `documents`,
`chat_template_kwargs`, `stop`, `stream`. Their declared output is a text
iterator, but with `messages` every item is JSON: one `ChatCompletionResponse`
(`stream: false`), or one `ChatCompletionStreamResponse` per item (`stream:
true`). The schema alone does not tell that output from text, so the family is
recognised by its inputs: `messages` **and** `tools` (`is_chat_completions`).

Requests: `ToolRequest` holds a call's tools, choice and response format
(from `bind_tools`, `with_structured_output` or the call's own kwargs);
`completion_inputs` turns it into the family's inputs.

Output: `CompletionReader` reads the items (whole or streamed, even split or joined by
polling: it decodes JSON objects off a buffer) into `AIMessageChunk`s: content deltas,
cut at the first stop sequence, and `tool_call_chunks` (ids kept), and the
`reasoning_content` (or `reasoning`) a reasoning model's JSON carries (Granite with
thinking on, vLLM's reasoning parsers) into `additional_kwargs["reasoning_content"]`.
Usage goes on the last chunk only, from the JSON `usage` when the model sent one (4.0: a
final usage-only chunk) else from the prediction's metrics (either naming), else absent
(a streamed 4.1 prediction may report none). `finish_reason` is the model's (`stop`,
`length`, `tool_calls`), or `stop_sequence` when a stop sequence ended it: the model's
own (vLLM's `stop_reason` is the stop string), or ours, which cuts the content and
cancels the prediction for a model that ignores `stop`. `message_from_chunks` sums them
into an `AIMessage` whose tool calls are parsed strictly (`invalid_tool_calls` for
arguments that are not JSON).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.ai import OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_replicate._outputs.metadata import generation_info, usage_from_prediction
from langchain_replicate._outputs.stop import StopSequenceFinder
from langchain_replicate._tool_use.tool_calling import (
    ToolChoice,
    convert_tools,
    final_message,
    normalize_tool_choice,
    response_format_input,
    tool_choice_input,
    tool_names,
)
from langchain_replicate.errors import ReplicatePredictionError

if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping, Sequence

    from langchain_core.messages.tool import ToolCallChunk

    from langchain_replicate._inputs.calls import PreparedCall
    from langchain_replicate._inputs.schema import InputSchema

__all__ = [
    "TOOL_KWARGS",
    "CompletionReader",
    "ToolRequest",
    "completion_inputs",
    "is_chat_completions",
    "message_from_chunks",
    "returns_completion_json",
]

TOOL_KWARGS = (
    "tools",
    "tool_choice",
    "response_format",
    "strict",
    "parallel_tool_calls",
)
"""Call kwargs that describe tools or the reply's format, not model inputs as such."""


def is_chat_completions(schema: InputSchema | None) -> bool:
    """Whether a model is of the chat-completions family (`messages` + `tools`)."""
    return schema is not None and {"messages", "tools"} <= set(schema.properties)


def returns_completion_json(call: PreparedCall) -> bool:
    """Whether the call's output is chat-completion JSON (a family model, messages)."""
    return is_chat_completions(call.schema) and bool(call.model_input.get("messages"))


@dataclass(frozen=True)
class ToolRequest:
    """A call's tools, tool choice and response format, normalized."""

    tools: tuple[dict[str, Any], ...] = ()
    choice: ToolChoice | None = None
    response_format: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        """No tools, no choice, no response format."""
        return not self.tools and self.choice is None and self.response_format is None

    @classmethod
    def pop_from(cls, kwargs: MutableMapping[str, Any]) -> ToolRequest:
        """Take the tool kwargs out of a call's kwargs and normalize them.

        Accepts what `bind_tools` binds and what a caller may pass directly
        (`tools=[...]` of any kind `convert_tools` takes, `tool_choice` in any
        form `normalize_tool_choice` takes, also the family's JSON string).
        `strict` and `parallel_tool_calls` are dropped: the family has neither.

        Args:
            kwargs: The call's kwargs; the tool kwargs are removed.

        Returns:
            The request.

        Raises:
            ValueError: On a tool that cannot be converted or a choice that
                names no tool.
        """
        values = {name: kwargs.pop(name) for name in TOOL_KWARGS if name in kwargs}
        tools = convert_tools(values.get("tools") or [])
        choice = values.get("tool_choice")
        if isinstance(choice, str) and choice.lstrip().startswith("{"):
            try:
                choice = json.loads(choice)
            except ValueError:
                msg = f"tool_choice {choice!r} is not valid JSON."
                raise ValueError(msg) from None
        response_format = values.get("response_format")
        return cls(
            tools=tuple(tools),
            choice=normalize_tool_choice(choice, tool_names(tools)),
            response_format=(
                None
                if response_format is None
                else response_format_input(response_format)
            ),
        )


def completion_inputs(
    request: ToolRequest,
    schema: InputSchema,
    *,
    stream: bool,
    stop: Sequence[str] | None,
) -> dict[str, Any]:
    """The family's inputs for a request (besides `messages`).

    Args:
        request: The call's tools and formats.
        schema: The model's input schema.
        stream: Ask for one JSON chunk per item.
        stop: Stop sequences, also sent to the model as `stop` (it stops
            there itself; we cut and cancel as well, as for any model).

    Returns:
        `tools`, `tool_choice`, `response_format`, `stop`, `stream` as set.
    """
    inputs: dict[str, Any] = {}
    if request.tools:
        inputs["tools"] = list(request.tools)
    if request.choice is not None and request.tools:
        # vLLM refuses any tool_choice without tools; with none, none is meant.
        inputs["tool_choice"] = tool_choice_input(request.choice)
    if request.response_format is not None:
        inputs["response_format"] = request.response_format
    if stop and "stop" in schema.properties:
        inputs["stop"] = list(stop)
    if "stream" in schema.properties:
        inputs["stream"] = stream
    return inputs


# --- output ------------------------------------------------------------------------


def _usage(usage: object) -> UsageMetadata | None:
    if not isinstance(usage, dict):
        return None
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    if not isinstance(prompt, int) and not isinstance(completion, int):
        return None
    prompt = prompt if isinstance(prompt, int) else 0
    completion = completion if isinstance(completion, int) else 0
    total = usage.get("total_tokens")
    result = UsageMetadata(
        input_tokens=prompt,
        output_tokens=completion,
        total_tokens=total if isinstance(total, int) else prompt + completion,
    )
    details = usage.get("completion_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else None
    if isinstance(reasoning, int):
        result["output_token_details"] = OutputTokenDetails(reasoning=reasoning)
    return result


@dataclass
class CompletionReader:
    """Reads one prediction's chat-completion JSON into message chunks."""

    call: PreparedCall
    finder: StopSequenceFinder = field(init=False)
    buffer: str = ""
    usage: UsageMetadata | None = None
    finish_reason: str | None = None
    completion_id: str | None = None
    served_model: str | None = None
    malformed: str = ""
    """Output that decoded as JSON but not as a chat-completion object."""
    _calls: int = 0

    def __post_init__(self) -> None:
        self.finder = StopSequenceFinder(self.call.stop)

    @property
    def stopped(self) -> bool:
        """Whether our stop sequence cut the content (stop reading; cancel)."""
        return self.finder.stopped

    def feed(self, text: str) -> list[ChatGenerationChunk]:
        """Take output text; return the chunks of every JSON object it completes.

        Args:
            text: The next output text (one item, part of one, or several).

        Returns:
            Chunks with content and/or tool call chunks (none for usage-only
            or empty items).
        """
        self.buffer += text
        decoder = json.JSONDecoder()
        chunks: list[ChatGenerationChunk] = []
        while True:
            rest = self.buffer.lstrip()
            if not rest:
                self.buffer = ""
                return chunks
            try:
                item, end = decoder.raw_decode(rest)
            except ValueError:
                self.buffer = rest
                return chunks
            self.buffer = rest[end:]
            if (chunk := self._item(item)) is not None:
                chunks.append(chunk)

    def _item(self, item: object) -> ChatGenerationChunk | None:
        if not isinstance(item, dict):
            self.malformed += json.dumps(item)
            return None
        self.completion_id = item.get("id") or self.completion_id
        self.served_model = item.get("model") or self.served_model
        self.usage = _usage(item.get("usage")) or self.usage
        choices = item.get("choices")
        if not isinstance(choices, list) or not choices or self.stopped:
            return None
        choice = choices[0] if isinstance(choices[0], dict) else {}
        if isinstance(choice.get("finish_reason"), str):
            self.finish_reason = choice["finish_reason"]
        if isinstance(choice.get("stop_reason"), str):
            self.finish_reason = "stop_sequence"  # vLLM: a stop string ended it
        part = choice.get("delta") or choice.get("message") or {}
        if not isinstance(part, dict):
            return None
        content = part.get("content")
        text = self.finder.feed(content) if isinstance(content, str) else ""
        tool_chunks = self._tool_chunks(
            part.get("tool_calls"), whole="message" in choice
        )
        reasoning = part.get("reasoning_content") or part.get("reasoning")
        extra = {"reasoning_content": reasoning} if isinstance(reasoning, str) else {}
        if not text and not tool_chunks and not extra:
            return None
        return ChatGenerationChunk(
            message=AIMessageChunk(
                content=text, tool_call_chunks=tool_chunks, additional_kwargs=extra
            )
        )

    def _tool_chunks(self, calls: object, *, whole: bool) -> list[ToolCallChunk]:
        if not isinstance(calls, list):
            return []
        chunks: list[ToolCallChunk] = []
        for position, call in enumerate(calls):
            if not isinstance(call, dict):
                continue
            given = call.get("function")
            function: dict[str, Any] = given if isinstance(given, dict) else {}
            index = call.get("index")
            if whole or not isinstance(index, int):
                index = self._calls + position if whole else position
            arguments = function.get("arguments")
            if arguments is not None and not isinstance(arguments, str):
                arguments = json.dumps(arguments, ensure_ascii=False)
            chunks.append(
                tool_call_chunk(
                    name=function.get("name"),
                    args=arguments,
                    id=call.get("id"),
                    index=index,
                )
            )
        if whole:
            self._calls += len(chunks)
        return chunks

    def finish(self, prediction: Mapping[str, Any] | None) -> list[ChatGenerationChunk]:
        """The held-back content and the last chunk (usage, metadata).

        Args:
            prediction: The finished prediction; `None` after our stop sequence
                ended the stream (the prediction was canceled).

        Returns:
            The closing chunks.

        Raises:
            ReplicatePredictionError: If the output held text that is not
                chat-completion JSON (the model did not answer in its format).
        """
        known = dict(prediction or {"status": "canceled"})
        leftover = (self.malformed + self.buffer).strip()
        if leftover and not self.stopped:
            msg = (
                f"Prediction {known.get('id', '?')} of {self.call.ref}: the output is "
                f"not chat-completion JSON (starts {leftover[:120]!r}). The model "
                "took `messages`, so it should answer in JSON; check its version."
            )
            raise ReplicatePredictionError(known, msg)
        chunks: list[ChatGenerationChunk] = []
        if tail := self.finder.flush():
            chunks.append(ChatGenerationChunk(message=AIMessageChunk(content=tail)))
        metadata = generation_info(self.call, known, stopped=self.stopped)
        if self.stopped:
            metadata["finish_reason"] = "stop_sequence"
        elif self.finish_reason is not None:
            metadata["finish_reason"] = self.finish_reason
        if self.served_model:
            metadata["served_model"] = self.served_model
        usage = self.usage or usage_from_prediction(known)
        chunks.append(
            ChatGenerationChunk(
                message=AIMessageChunk(
                    content="",
                    usage_metadata=usage,
                    response_metadata=metadata,
                    chunk_position="last",
                )
            )
        )
        return chunks

    def read_all(self, text: str, prediction: Mapping[str, Any]) -> ChatResult:
        """Read a finished prediction's whole output.

        Args:
            text: The output, items joined.
            prediction: The prediction.

        Returns:
            The result, one `AIMessage`.
        """
        return message_from_chunks([*self.feed(text), *self.finish(prediction)])


def message_from_chunks(chunks: Sequence[ChatGenerationChunk]) -> ChatResult:
    """Sum a reply's chunks into one `AIMessage`, tool calls parsed strictly.

    Args:
        chunks: The reply's chunks, last one included.

    Returns:
        The result.
    """
    total = AIMessageChunk(content="")
    for chunk in chunks:
        total += chunk.message  # type: ignore[assignment]
    message = final_message(total, make_id=lambda i: f"call_{i}")
    return ChatResult(generations=[ChatGeneration(message=message)])
