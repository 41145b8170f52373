"""A chat reply's reasoning → `additional_kwargs["reasoning_content"]` (pure).

`ReasoningReader` sits in front of the other readers of a reply (plain text,
the prompted tool call parser, chat-completion JSON): it splits each streamed
piece (or the whole text) with the model's `ReasoningSplitter`
(`_outputs.reasoning`, family from `_outputs.thinking_models`), hands the
answer on, and puts the reasoning in the resulting message's
`additional_kwargs["reasoning_content"]`, as langchain-deepseek, -ollama and
-groq do. langchain-core then shows it as a `{"type": "reasoning"}` block
before the text in `content_blocks` (and in `output_version="v1"` content);
summed chunks concatenate it. So the tool call parser and the JSON readers of
structured output only ever see the answer.

With `reasoning=False` (`ReasoningFormat.keep` false) the reasoning is split
off and dropped. Chat-completion JSON that carries its own
`reasoning_content` (Granite) is already separate; it is dropped too.
A reply that ends inside a block gets `response_metadata["reasoning_incomplete"]
= True` on its last chunk (or message): the token budget ran out while the
model was thinking, so the answer is empty.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from langchain_core.messages import BaseMessage

    from langchain_replicate._client import StreamPiece
    from langchain_replicate._inputs.calls import PreparedCall
    from langchain_replicate._outputs.thinking_models import ReasoningFormat

__all__ = ["REASONING_KEY", "ReasoningReader", "add_reasoning"]

REASONING_KEY = "reasoning_content"
"""Where a message carries its reasoning (`additional_kwargs`)."""


def add_reasoning(
    message: BaseMessage, reasoning: str, *, incomplete: bool = False
) -> None:
    """Put reasoning (and whether it was cut short) on a message, in place.

    Args:
        message: The message or chunk.
        reasoning: Its reasoning text (nothing is added when empty).
        incomplete: The reply ended inside a reasoning block.
    """
    if reasoning:
        message.additional_kwargs[REASONING_KEY] = reasoning
    if incomplete:
        message.response_metadata["reasoning_incomplete"] = True


class ReasoningReader:
    """Splits one reply's reasoning from its answer, in front of another reader."""

    def __init__(self, fmt: ReasoningFormat) -> None:
        """Start reading a reply.

        Args:
            fmt: The model's reasoning format (and whether to keep it).
        """
        self._splitter = fmt.splitter()
        self._keep = fmt.keep

    def _split(self, text: str, *, last: bool) -> tuple[str, str]:
        reasoning, answer = self._splitter.feed(text) if text else ("", "")
        if last:
            more_reasoning, more_answer = self._splitter.finish()
            reasoning += more_reasoning
            answer += more_answer
        return (reasoning if self._keep else ""), answer

    def _mark(self, message: BaseMessage, reasoning: str, *, last: bool) -> None:
        add_reasoning(message, reasoning, incomplete=last and self._splitter.incomplete)

    def wrap(
        self, inner: Callable[[PreparedCall, StreamPiece], ChatGenerationChunk]
    ) -> Callable[[PreparedCall, StreamPiece], ChatGenerationChunk]:
        """A piece reader that splits each piece before `inner` reads the answer.

        Args:
            inner: The reader of the answer's pieces (`chat_chunk`, or a
                `PromptedReader`'s).

        Returns:
            The piece reader.
        """

        def read(call: PreparedCall, piece: StreamPiece) -> ChatGenerationChunk:
            last = piece.prediction is not None
            reasoning, answer = self._split(piece.text, last=last)
            chunk = inner(call, dataclasses.replace(piece, text=answer))
            self._mark(chunk.message, reasoning, last=last)
            return chunk

        return read

    def whole(self, text: str) -> tuple[str, Callable[[BaseMessage], None]]:
        """Split a whole reply.

        Args:
            text: The reply.

        Returns:
            The answer, and what to do to its message (add the reasoning).
        """
        reasoning, answer = self._split(text, last=True)
        return answer, lambda message: self._mark(message, reasoning, last=True)

    def chunks(
        self, chunks: Sequence[ChatGenerationChunk], *, last: bool
    ) -> list[ChatGenerationChunk]:
        """Split the content of chat-completion chunks (one stream step).

        Reasoning the JSON carried itself (`reasoning_content`) stays, or is
        dropped with `keep` false.

        Args:
            chunks: The step's chunks, as `CompletionReader` made them.
            last: Whether these end the reply.

        Returns:
            The chunks, content holding the answer only.
        """
        out: list[ChatGenerationChunk] = []
        for index, chunk in enumerate(chunks):
            final = last and index == len(chunks) - 1
            message = chunk.message
            reasoning, answer = self._split(message.text, last=final)
            extra: dict[str, Any] = dict(message.additional_kwargs)
            given = extra.pop(REASONING_KEY, "")
            reasoning = (given if self._keep and isinstance(given, str) else "") + (
                reasoning
            )
            if answer == message.text and reasoning == given and not final:
                out.append(chunk)
                continue
            update = {"content": answer, "additional_kwargs": extra}
            copy = message.model_copy(update=update)
            self._mark(copy, reasoning, last=final)
            out.append(
                ChatGenerationChunk(message=copy, generation_info=chunk.generation_info)
            )
        if last and not chunks:
            reasoning, answer = self._split("", last=True)
            message = AIMessageChunk(content=answer)
            self._mark(message, reasoning, last=True)
            out.append(ChatGenerationChunk(message=message))
        return out
