"""A chat call's output → LangChain results, whole or streamed (pure, no I/O).

`ChatReplicate` runs the I/O; these decide what its answers become:

* plain text output: `chat_result` (a finished prediction → one `AIMessage`
  with usage and metadata) and `chat_chunk` (a streamed piece → a chunk; the
  last one carries usage, metadata and `chunk_position="last"`);
* chat-completion JSON (`_tool_use.completions.CompletionReader`): `completion_step`
  turns one streamed piece into chunks, for the sync and async loops alike;
* tools that went by prompt: `prompted_for` gives the call's
  `PromptedReader` (or `None`), which `piece_reader` and `whole_result` put
  in front of the plain or chat-completion reading;
* `by_stream`: whether a non-streaming call runs over the stream anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_replicate._chat.prompted_reader import PromptedReader, prompted_reader
from langchain_replicate._outputs.metadata import generation_info, usage_from_metrics
from langchain_replicate._outputs.text import output_to_text
from langchain_replicate._tool_use.completions import (
    CompletionReader,
    ToolRequest,
    returns_completion_json,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from langchain_replicate._chat.prompted_tools import ToolCalling
    from langchain_replicate._client import Prediction, StreamPiece
    from langchain_replicate._inputs.calls import PreparedCall

__all__ = [
    "by_stream",
    "chat_chunk",
    "chat_result",
    "completion_step",
    "piece_reader",
    "prompted_for",
    "whole_result",
]


def chat_result(call: PreparedCall, prediction: Prediction) -> ChatResult:
    """A finished prediction → the result (chat-completion JSON or plain text)."""
    if returns_completion_json(call):
        text = output_to_text(prediction.get("output"), call.kind)
        return CompletionReader(call).read_all(text, prediction)
    message = AIMessage(
        content=output_to_text(prediction.get("output"), call.kind),
        usage_metadata=usage_from_metrics(prediction.get("metrics")),
        response_metadata=generation_info(call, prediction, stopped=False),
    )
    return ChatResult(generations=[ChatGeneration(message=message)])


def message_chunk(
    call: PreparedCall, piece: StreamPiece, run_id: str | None = None
) -> AIMessageChunk:
    """A streamed piece of plain text → a message chunk (the last one: metadata).

    `run_id`: the message id (what `BaseChatModel.stream` sets), if known.
    """
    if piece.prediction is None:
        return AIMessageChunk(content=piece.text, id=run_id)
    return AIMessageChunk(
        content=piece.text,
        usage_metadata=usage_from_metrics(piece.prediction.get("metrics")),
        response_metadata=generation_info(
            call, piece.prediction, stopped=piece.stopped
        ),
        chunk_position="last",
        id=run_id,
    )


def chat_chunk(call: PreparedCall, piece: StreamPiece) -> ChatGenerationChunk:
    """A streamed piece of plain text → a chunk (the last one carries metadata)."""
    return ChatGenerationChunk(message=message_chunk(call, piece))


def is_plain(
    call: PreparedCall, kwargs: Mapping[str, Any], *, tool_calling: ToolCalling
) -> bool:
    """Whether the call's streamed pieces are plain text (`message_chunk` reads them).

    Not when the model answers chat-completion JSON or tools went by prompt.
    """
    return not returns_completion_json(call) and (
        prompted_for(call, kwargs, tool_calling=tool_calling) is None
    )


def prompted_for(
    call: PreparedCall, kwargs: Mapping[str, Any], *, tool_calling: ToolCalling
) -> PromptedReader | None:
    """The reply reader of a call whose tools went by prompt, else `None`."""
    native = returns_completion_json(call) and tool_calling != "prompt"
    if not kwargs.get("tools") or native:
        return None
    request = ToolRequest.pop_from(dict(kwargs))
    return prompted_reader(call.schema, tools=request.tools, tool_choice=request.choice)


def piece_reader(
    call: PreparedCall, kwargs: Mapping[str, Any], *, tool_calling: ToolCalling
) -> Callable[[PreparedCall, StreamPiece], ChatGenerationChunk]:
    """How streamed pieces become chunks: through the tool call parser or not."""
    reader = prompted_for(call, kwargs, tool_calling=tool_calling)
    return chat_chunk if reader is None else reader.chunk


def whole_result(
    call: PreparedCall,
    prediction: Prediction,
    kwargs: Mapping[str, Any],
    *,
    tool_calling: ToolCalling,
) -> ChatResult:
    """A finished prediction → the result, tool calls by prompt read out of it."""
    reader = prompted_for(call, kwargs, tool_calling=tool_calling)
    if reader is None:
        return chat_result(call, prediction)
    if returns_completion_json(call):
        return reader.reparse_result(chat_result(call, prediction))
    text = output_to_text(prediction.get("output"), call.kind)
    return reader.result(call, text, prediction)


def completion_step(
    reader: CompletionReader, prompted: PromptedReader | None, piece: StreamPiece
) -> list[ChatGenerationChunk]:
    """One streamed piece of chat-completion JSON → the chunks to emit.

    The stream ends after these when the prediction has ended or the reader
    met a stop sequence (`reader.stopped`: the caller closes the stream, which
    cancels the prediction). `prompted`: the tools went by prompt, so the
    content is read for tool calls.
    """
    chunks = reader.feed(piece.text)
    done = piece.prediction is not None or reader.stopped
    if done:
        chunks += reader.finish(piece.prediction)
    if prompted is not None:
        chunks = prompted.reparse(chunks, last=done)
    return chunks


def by_stream(call: PreparedCall) -> bool:
    """Whether a non-streaming call runs over the stream.

    Text calls with stop sequences do, so the prediction is canceled as soon
    as a stop sequence appears; others wait in one `Prefer: wait` create.
    """
    return bool(call.stop) and call.is_text
