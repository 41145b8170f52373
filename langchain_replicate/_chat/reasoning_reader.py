r"""A chat reply's reasoning → `additional_kwargs["reasoning_content"]` (pure).

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

Forced thinking (DeepSeek-R1, QwQ, Qwen3-Thinking): when ChatReplicate renders
the chat template itself, `open_block` ends the prompt with the opening tag,
as the families' own current templates do ("enforce the model to initiate its
response with `<think>\n`", DeepSeek-R1's usage recommendations), so the
reply starts in the block, as the splitter expects. A prompt that ends with a
pre-fill (an AI message, a tool call's opening) is left alone, and its reply
read unforced.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_replicate._chat.template_choice import select_template
from langchain_replicate._outputs.reasoning import split_reasoning

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from langchain_core.messages import BaseMessage

    from langchain_replicate._chat.inputs import ChatPrompt
    from langchain_replicate._chat.prompts import ChatTemplate
    from langchain_replicate._core.streaming import StreamPiece
    from langchain_replicate._inputs.calls import PreparedCall
    from langchain_replicate._outputs.thinking_models import ReasoningFormat

__all__ = [
    "REASONING_KEY",
    "ReasoningReader",
    "add_reasoning",
    "for_messages",
    "open_block",
    "without_reasoning",
]

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


def for_messages(
    fmt: ReasoningFormat | None, messages: Sequence[BaseMessage]
) -> ReasoningFormat | None:
    """The format for a reply to `messages`: unforced if it continues an AI turn.

    Args:
        fmt: The model's format.
        messages: The conversation sent.

    Returns:
        The format to read the reply with.
    """
    if (
        fmt is not None
        and fmt.forced
        and messages
        and isinstance(messages[-1], AIMessage)
    ):
        return fmt.unforced()
    return fmt


def without_reasoning(
    messages: Sequence[BaseMessage], fmt: ReasoningFormat | None
) -> list[BaseMessage]:
    """The conversation with reasoning blocks cut out of earlier AI turns' text.

    Our own replies keep their reasoning apart already (it is never sent);
    this covers a history whose AI text still holds a block (written by
    another client, or read with `reasoning=None`), as the families' own
    templates drop past thinking. An AI turn is changed only when a whole
    block is found (a closing tag): an ordinary answer is sent as it is, and
    so is a last AI turn (a pre-fill the model continues). For forced-thinking
    families the text up to `</think>` is the block, as in
    DeepSeek-R1's own template (`content.split("</think>")[-1]`).

    Args:
        messages: The conversation.
        fmt: The model's reasoning format (`None`: nothing is cut).

    Returns:
        The messages to send.
    """
    if fmt is None:
        return list(messages)
    out: list[BaseMessage] = []
    last = len(messages) - 1
    for index, message in enumerate(messages):
        content = message.content
        if isinstance(message, AIMessage) and index < last and isinstance(content, str):
            split = split_reasoning(content, fmt.spellings, opened=fmt.forced)
            if split.reasoning and not split.incomplete:
                message = message.model_copy(update={"content": split.answer})  # noqa: PLW2901
        out.append(message)
    return out


def open_block(
    prompt: ChatPrompt,
    fmt: ReasoningFormat | None,
    *,
    model: str,
    prompt_template: str | ChatTemplate | None,
) -> ChatPrompt:
    """End a prompt we rendered with the opening tag, for forced-thinking families.

    Only when the rendered prompt ends with the template's open assistant
    turn (no pre-fill): then the model starts inside the block.

    Args:
        prompt: The prompt inputs `chat_prompt` built.
        fmt: The model's reasoning format (`None`: not split).
        model: The model, to choose the template as `chat_prompt` did.
        prompt_template: The template choice, as given to `chat_prompt`.

    Returns:
        The prompt, with the opening tag appended where it applies.
    """
    if fmt is None or not fmt.forced or not isinstance(prompt.prompt, str):
        return prompt
    try:
        template = select_template(model, prompt_template)
    except ValueError:
        return prompt
    opening = template.generation_prompt
    if opening is None:
        opening = template.assistant.split("{content}", 1)[0]
    if not opening or not prompt.prompt.endswith(opening):
        return prompt
    tag = fmt.spellings[0].open
    return dataclasses.replace(prompt, prompt=f"{prompt.prompt}{tag}\n")


Read = TypeVar("Read", ChatGenerationChunk, AIMessageChunk)
"""What a piece reader makes: a generation chunk, or (unobserved) a message chunk."""


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
        self, inner: Callable[[PreparedCall, StreamPiece], Read]
    ) -> Callable[[PreparedCall, StreamPiece], Read]:
        """A piece reader that splits each piece before `inner` reads the answer.

        Args:
            inner: The reader of the answer's pieces (`chat_chunk`, a
                `PromptedReader`'s, or `message_chunk` on an unobserved stream).

        Returns:
            The piece reader.
        """

        def read(call: PreparedCall, piece: StreamPiece) -> Read:
            last = piece.prediction is not None
            reasoning, answer = self._split(piece.text, last=last)
            out = inner(call, piece._replace(text=answer))
            message = out if isinstance(out, AIMessageChunk) else out.message
            self._mark(message, reasoning, last=last)
            return out

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
