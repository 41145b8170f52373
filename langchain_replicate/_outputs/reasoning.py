r"""Reasoning written in a reply's text → reasoning and answer (pure, no I/O).

Replicate's reasoning models think in the one text stream they return:
`<think>…</think>` (DeepSeek-R1, QwQ, Qwen3, Phi-4-reasoning),
`[THINK]…[/THINK]` (Magistral 2507+), `<thinking>`, `<thought>`, or gpt-oss's
harmony channels when they leak raw. `ReasoningSplitter` takes that text, whole
or token by token, and gives back two streams, the reasoning and the answer.

Rules (each one split-invariant: feeding the text in any pieces gives the
same two texts as feeding it whole):

* **Where a block may open.** A block opens at the start of the reply (after
  whitespace), or later at the start of a line (after spaces/tabs) outside a
  ```` ``` ```` code fence (interleaved thinking: think → answer → think). An
  opening tag anywhere else (mid-sentence, inside code) is answer text: an
  answer that *mentions* `<think>` keeps it. (Which models are split at all
  is decided by family, in `_outputs.thinking_models`.)
* **Forced thinking** (`opened=True`): templates that put the opening tag in
  the prompt (DeepSeek-R1's newer template, QwQ, Qwen3-Thinking-2507) make
  the reply start inside the block; it then holds only the closing tag. An
  opening tag the model writes anyway at the start is consumed.
* **Tags split across pieces** (`"<thi"`, `"nk>"`): the longest tail that may
  still become a tag being looked for is held back, and released as soon as
  it cannot (or at `finish`). Outside a block only a line start is held.
* **Nesting**: inside a block, opening and closing tags are counted; inner
  ones stay in the reasoning text.
* **Whitespace**: a block's reasoning is stripped (so an empty or
  whitespace-only block, `<think>\n\n</think>`, gives no reasoning at all);
  the whitespace after a closing tag is dropped (the answer starts at its
  first character). Several blocks' reasoning is joined by a blank line.
  A reply with no block is returned unchanged, whitespace included.
* **Unclosed block** (the token budget ran out while thinking): everything
  after the opening is reasoning, the answer is empty (or what came before),
  and `incomplete` is true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "BRACKET_THINK",
    "HARMONY",
    "HARMONY_TURN",
    "THINK",
    "THINKING",
    "THOUGHT",
    "ReasoningSplitter",
    "SplitReply",
    "ThinkTags",
    "split_reasoning",
]


@dataclass(frozen=True)
class ThinkTags:
    """The opening and closing markers of a reasoning block."""

    open: str
    close: str


THINK = ThinkTags("<think>", "</think>")
"""DeepSeek-R1, QwQ, Qwen3, Phi-4-reasoning, Magistral 2506, Kimi K2 Thinking."""
BRACKET_THINK = ThinkTags("[THINK]", "[/THINK]")
"""Magistral 2507 and later (special tokens, written out)."""
THINKING = ThinkTags("<thinking>", "</thinking>")
THOUGHT = ThinkTags("<thought>", "</thought>")
HARMONY = ThinkTags(
    "<|channel|>analysis<|message|>",
    "<|end|><|start|>assistant<|channel|>final<|message|>",
)
"""gpt-oss's harmony format when the server leaves the channels in the text."""
HARMONY_TURN = ThinkTags("<|start|>assistant" + HARMONY.open, HARMONY.close)
"""The same, with the assistant turn's header written out."""

_TICKS = re.compile(r"`+")
_FENCE = 3
"""Backticks that open or close a code fence."""

# States.
_START = 0  # nothing but whitespace yet; a block may open
_LEAD = 1  # forced thinking: inside the block, its opening tag may still come
_THINKING = 2  # inside a block
_AFTER = 3  # just after a closing tag: whitespace is dropped
_ANSWER = 4  # answer text


class SplitReply(NamedTuple):
    """A whole reply, split."""

    reasoning: str
    answer: str
    incomplete: bool
    """The reply ended inside a reasoning block."""


def _partial(text: str, tags: Sequence[str]) -> int:
    """Length of the longest tail of `text` that is a proper prefix of a tag."""
    best = 0
    size = len(text)
    for tag in tags:
        i = text.find(tag[0], max(0, size - len(tag) + 1))
        while i >= 0 and size - i > best:
            if tag.startswith(text[i:]):
                best = size - i
                break
            i = text.find(tag[0], i + 1)
    return best


class ReasoningSplitter:
    """Split reasoning from answer in text fed piece by piece.

    `feed` returns the reasoning and answer text that are certain so far;
    `finish` releases what was held back. Concatenating all the returned
    pieces gives the same as `split_reasoning` on the whole text.
    """

    def __init__(self, spellings: Sequence[ThinkTags], *, opened: bool = False) -> None:
        """Start a reply.

        Args:
            spellings: The block markers to recognise; the first one that opens
                a block is the only one looked for afterwards. With `opened`,
                the first is the one the template opened.
            opened: The reply starts inside a block (the template wrote the
                opening tag into the prompt).

        Raises:
            ValueError: If `spellings` is empty.
        """
        if not spellings:
            msg = "ReasoningSplitter needs at least one ThinkTags."
            raise ValueError(msg)
        self._spellings = tuple(spellings)
        self._tags: ThinkTags | None = self._spellings[0] if opened else None
        self._opens = tuple(tags.open for tags in self._spellings)
        self._state = _LEAD if opened else _START
        self._held = ""
        self._pending = ""
        """Whitespace at the end of the reasoning so far (dropped at a close)."""
        self._block_text = False
        self._reasoned = False
        self._depth = 0
        self._line_start = True
        self._ticks = 0
        self._fenced = False
        self.incomplete = False
        """Whether the reply ended inside a block (set by `finish`)."""

    def feed(self, text: str) -> tuple[str, str]:
        """Take the next piece of the reply.

        Args:
            text: The piece.

        Returns:
            The new reasoning text and the new answer text (either may be
            empty while a possible tag is held back).
        """
        if (
            self._state == _ANSWER
            and not self._line_start
            and not self._held
            and "\n" not in text
        ):  # Fast path: answer text in mid-line.
            if "`" in text or self._ticks:
                self._fence(text)
            return "", text
        reasoning: list[str] = []
        answer: list[str] = []
        rest = self._held + text
        self._held = ""
        while rest:
            state = self._state
            if state in {_START, _LEAD}:
                rest = self._lead(rest)
            elif state == _THINKING:
                rest = self._think(rest, reasoning)
            elif state == _AFTER:
                rest = rest.lstrip()
                if rest:
                    self._state = _ANSWER
                    self._line_start = True
            else:
                rest = self._answer(rest, answer)
        return "".join(reasoning), "".join(answer)

    def finish(self) -> tuple[str, str]:
        """End the reply: release the held-back text.

        Returns:
            The last reasoning text and answer text.
        """
        held, self._held = self._held, ""
        reasoning: list[str] = []
        if self._state == _START:
            return "", held
        if self._state == _ANSWER:
            self._fence(held)
            return "", held
        if self._state == _LEAD:
            held = held.lstrip()
            if not held:
                return "", ""
            self._enter_block()
        if self._state == _THINKING:
            self._reason(held, reasoning)
            self._pending = ""
            self.incomplete = True
        return "".join(reasoning), ""

    # -- states ------------------------------------------------------------------

    def _enter_block(self) -> None:
        self._state = _THINKING
        self._depth = 1
        self._block_text = False
        self._pending = ""

    def _lead(self, text: str) -> str:
        """Start of the reply: an opening tag, or not."""
        body = text.lstrip()
        if not body:
            self._held = text
            return ""
        candidates = self._spellings if self._tags is None else (self._tags,)
        for tags in candidates:
            if body.startswith(tags.open):
                self._tags = tags
                self._enter_block()
                return body[len(tags.open) :]
            if tags.open.startswith(body):
                self._held = text
                return ""
        if self._state == _LEAD:
            self._enter_block()
            return body
        self._state = _ANSWER
        self._line_start = True
        return text

    def _think(self, text: str, reasoning: list[str]) -> str:
        """Inside a block: reasoning up to the matching closing tag."""
        tags = self._tags
        assert tags is not None  # noqa: S101 - set when the block opened
        close_at = text.find(tags.close)
        open_at = text.find(tags.open)
        if open_at >= 0 and (close_at < 0 or open_at < close_at):
            self._depth += 1
            end = open_at + len(tags.open)
            self._reason(text[:end], reasoning)
            return text[end:]
        if close_at >= 0:
            end = close_at + len(tags.close)
            self._depth -= 1
            if self._depth > 0:
                self._reason(text[:end], reasoning)
                return text[end:]
            self._reason(text[:close_at], reasoning)
            self._pending = ""
            self._state = _AFTER
            return text[end:]
        keep = _partial(text, (tags.close, tags.open))
        if keep:
            self._held = text[-keep:]
            text = text[:-keep]
        self._reason(text, reasoning)
        return ""

    def _reason(self, piece: str, out: list[str]) -> None:
        """Emit reasoning text: a block's leading and trailing whitespace dropped."""
        if not piece:
            return
        core = piece.rstrip()
        if not core:
            if self._block_text:
                self._pending += piece
            return
        trail = piece[len(core) :]
        if self._block_text:
            out.append(self._pending + core)
        else:
            core = core.lstrip()
            out.append("\n\n" + core if self._reasoned else core)
            self._block_text = self._reasoned = True
        self._pending = trail

    def _answer(self, text: str, out: list[str]) -> str:
        """Answer text: a block may open only at a line start, outside fences."""
        candidates = self._opens if self._tags is None else (self._tags.open,)
        size = len(text)
        pos = 0
        line = 0 if self._line_start else text.find("\n") + 1 or -1
        while line >= 0:
            here = line
            while here < size and text[here] in " \t":
                here += 1
            self._emit(text[pos:here], out)
            pos = here
            if here == size:
                self._line_start = True
                return ""
            if not self._fenced:
                rest = text[here:]
                for tag in candidates:
                    if rest.startswith(tag):
                        self._tags = self._spellings[self._opens.index(tag)]
                        self._enter_block()
                        return rest[len(tag) :]
                    if tag.startswith(rest):
                        self._held = rest
                        self._line_start = True
                        return ""
            line = text.find("\n", here) + 1 or -1
        self._emit(text[pos:], out)
        self._line_start = False
        return ""

    def _emit(self, segment: str, out: list[str]) -> None:
        if segment:
            self._fence(segment)
            out.append(segment)

    def _fence(self, segment: str) -> None:
        """Track ```` ``` ```` code fences in the answer (runs of 3+ backticks)."""
        if not segment:
            return
        carry, self._ticks = self._ticks, 0
        runs = [(m.start(), m.end()) for m in _TICKS.finditer(segment)]
        if carry and not (runs and runs[0][0] == 0):
            if carry >= _FENCE:
                self._fenced = not self._fenced
            carry = 0
        for start, end in runs:
            count = end - start + (carry if start == 0 else 0)
            if end == len(segment):
                self._ticks = count
            elif count >= _FENCE:
                self._fenced = not self._fenced


def split_reasoning(
    text: str, spellings: Sequence[ThinkTags], *, opened: bool = False
) -> SplitReply:
    """Split a whole reply (see `ReasoningSplitter`).

    Args:
        text: The reply.
        spellings: The block markers to recognise.
        opened: The reply starts inside a block (forced thinking).

    Returns:
        The reasoning, the answer, and whether the last block was unclosed.
    """
    splitter = ReasoningSplitter(spellings, opened=opened)
    reasoning, answer = splitter.feed(text)
    more_reasoning, more_answer = splitter.finish()
    return SplitReply(
        reasoning + more_reasoning, answer + more_answer, splitter.incomplete
    )
