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
from pydantic import BaseModel

from langchain_replicate._chat.prompted_reader import PromptedReader, prompted_reader
from langchain_replicate._chat.reasoning_reader import ReasoningReader
from langchain_replicate._outputs.metadata import generation_info, usage_from_prediction
from langchain_replicate._outputs.text import output_to_text
from langchain_replicate._tool_use.completions import (
    CompletionReader,
    ToolRequest,
    message_from_chunks,
    returns_completion_json,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from langchain_replicate._chat.prompted_tools import ToolCalling
    from langchain_replicate._core.protocol import Prediction
    from langchain_replicate._core.streaming import StreamPiece
    from langchain_replicate._inputs.calls import PreparedCall
    from langchain_replicate._outputs.thinking_models import ReasoningFormat

__all__ = [
    "by_stream",
    "chat_chunk",
    "chat_result",
    "completion_step",
    "piece_reader",
    "prompted_for",
    "whole_result",
]


def chat_result(
    call: PreparedCall,
    prediction: Prediction,
    reasoning: ReasoningFormat | None = None,
) -> ChatResult:
    """A finished prediction → the result (chat-completion JSON or plain text).

    `reasoning`: the model's reasoning format; the reasoning is split off the
    answer into `additional_kwargs["reasoning_content"]`.
    """
    text = output_to_text(prediction.get("output"), call.kind)
    splitter = None if reasoning is None else ReasoningReader(reasoning)
    if returns_completion_json(call):
        reader = CompletionReader(call)
        chunks = [*reader.feed(text), *reader.finish(prediction)]
        if splitter is not None:
            chunks = splitter.chunks(chunks, last=True)
        return message_from_chunks(chunks)
    mark = None
    if splitter is not None:
        text, mark = splitter.whole(text)
    message = AIMessage(
        content=text,
        usage_metadata=usage_from_prediction(prediction),
        response_metadata=generation_info(call, prediction, stopped=False),
    )
    if mark is not None:
        mark(message)
    return ChatResult(generations=[ChatGeneration(message=message)])


_new = object.__new__
_set = object.__setattr__
_set_fields_set, _set_extra, _set_private = (
    vars(BaseModel)[f"__pydantic_{slot}__"].__set__
    for slot in ("fields_set", "extra", "private")
)
"""Pydantic's slots, set through their descriptors (cheaper than `_set`)."""


def _text_chunk_fields() -> tuple[str, ...] | None:
    """The fields of a validated plain-text chunk, if `text_chunk` makes the same.

    `AIMessageChunk(content=text, id=run_id)` runs pydantic validation and two
    validators, several microseconds per streamed token. For plain text they
    only fill defaults, listed in `text_chunk`; checked once here against a
    validated chunk (`None`: this langchain-core differs, so validate).
    """
    validated = AIMessageChunk(content="t", id="i")
    made = text_chunk("t", "i", check=False)
    same = (
        list(validated.__dict__.items()) == list(made.__dict__.items())
        and validated.__pydantic_extra__ == made.__pydantic_extra__
        and validated.__pydantic_private__ == made.__pydantic_private__
        and validated.model_fields_set == made.model_fields_set
    )
    return tuple(validated.__dict__) if same else None


def text_chunk(text: str, run_id: str, *, check: bool = True) -> AIMessageChunk:
    """`AIMessageChunk(content=text, id=run_id)`, built without validation.

    The same object (fields, their order, fresh mutable defaults, the fields
    set), made by assigning what validation would set: one is made per
    streamed token of a plain-text chat stream. Falls back to validation when
    the installed langchain-core's chunk has other fields (`check`).
    """
    if check and _TEXT_CHUNK_FIELDS is None:
        return AIMessageChunk(content=text, id=run_id)
    chunk = _new(AIMessageChunk)
    _set(
        chunk,
        "__dict__",
        {
            "content": text,
            "additional_kwargs": {},
            "response_metadata": {},
            "type": "AIMessageChunk",
            "name": None,
            "id": run_id,
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": None,
            "tool_call_chunks": [],
            "chunk_position": None,
        },
    )
    _set_fields_set(chunk, {"content", "id"})
    _set_extra(chunk, {})
    _set_private(chunk, None)
    return chunk


_TEXT_CHUNK_FIELDS = _text_chunk_fields()


def message_chunk(
    call: PreparedCall, piece: StreamPiece, run_id: str | None = None
) -> AIMessageChunk:
    """A streamed piece of plain text → a message chunk (the last one: metadata).

    `run_id`: the message id (what `BaseChatModel.stream` sets), if known.
    """
    if piece.prediction is None:
        if run_id is not None:  # (an unobserved stream's: one per token)
            return text_chunk(piece.text, run_id)
        return AIMessageChunk(content=piece.text, id=run_id)
    return AIMessageChunk(
        content=piece.text,
        usage_metadata=usage_from_prediction(piece.prediction),
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
    call: PreparedCall,
    kwargs: Mapping[str, Any],
    *,
    tool_calling: ToolCalling,
    reasoning: ReasoningFormat | None = None,
) -> Callable[[PreparedCall, StreamPiece], ChatGenerationChunk]:
    """How streamed pieces become chunks: reasoning split off, tool calls parsed."""
    reader = prompted_for(call, kwargs, tool_calling=tool_calling)
    inner = chat_chunk if reader is None else reader.chunk
    if reasoning is None:
        return inner
    if reader is not None and reader.prefilled:
        reasoning = reasoning.unforced()
    return ReasoningReader(reasoning).wrap(inner)


def whole_result(
    call: PreparedCall,
    prediction: Prediction,
    kwargs: Mapping[str, Any],
    *,
    tool_calling: ToolCalling,
    reasoning: ReasoningFormat | None = None,
) -> ChatResult:
    """A finished prediction → the result, reasoning and tool calls read out of it."""
    reader = prompted_for(call, kwargs, tool_calling=tool_calling)
    if reader is None:
        return chat_result(call, prediction, reasoning)
    if returns_completion_json(call):
        return reader.reparse_result(chat_result(call, prediction, reasoning))
    text = output_to_text(prediction.get("output"), call.kind)
    if reasoning is None:
        return reader.result(call, text, prediction)
    if reader.prefilled:
        reasoning = reasoning.unforced()
    answer, mark = ReasoningReader(reasoning).whole(text)
    result = reader.result(call, answer, prediction)
    mark(result.generations[0].message)
    return result


def completion_step(
    reader: CompletionReader,
    prompted: PromptedReader | None,
    piece: StreamPiece,
    splitter: ReasoningReader | None = None,
) -> list[ChatGenerationChunk]:
    """One streamed piece of chat-completion JSON → the chunks to emit.

    The stream ends after these when the prediction has ended or the reader
    met a stop sequence (`reader.stopped`: the caller closes the stream, which
    cancels the prediction). `prompted`: the tools went by prompt, so the
    content is read for tool calls. `splitter`: the reply's reasoning reader
    (one per reply), which takes reasoning out of the content first.
    """
    chunks = reader.feed(piece.text)
    done = piece.prediction is not None or reader.stopped
    if done:
        chunks += reader.finish(piece.prediction)
    if splitter is not None:
        chunks = splitter.chunks(chunks, last=done)
    if prompted is not None:
        chunks = prompted.reparse(chunks, last=done)
    return chunks


def by_stream(call: PreparedCall) -> bool:
    """Whether a non-streaming call runs over the stream.

    Text calls with stop sequences do, so the prediction is canceled as soon
    as a stop sequence appears; others wait in one `Prefer: wait` create.
    """
    return bool(call.stop) and call.is_text
