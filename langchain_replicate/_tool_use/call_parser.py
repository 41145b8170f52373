r"""Tool calls written as text by a prompted model → LangChain tool calls (pure).

Models without a `tools` input are told, in their prompt, to call tools as
Hermes/Qwen-trained models do (`_chat/tool_prompts.py`)::

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>

Real models slip, so the parser also reads the forms other families were
trained on or drift to:

* `<tool_call>` blocks with prose before or after, several blocks in a
  reply, a missing closing tag at the end of the reply;
* fenced code blocks (```` ```json ````) holding a call, or a list of calls;
* a bare JSON object (or list) at the start of a line: Llama 3.1's
  `{"name": ..., "parameters": ...}`, Llama 3.2's `{"type": "function", ...}`,
  `langchain_experimental`'s `{"tool": ..., "tool_input": ...}`, and, when one
  tool is forced, the arguments object alone;
* Llama 3.1's `<|python_tag|>` and `<function=name>{...}</function>` forms,
  Mistral's `[TOOL_CALLS] [...]`, and DeepSeek V3's and V3.1's special-token
  forms (`tool▁calls▁begin` ... `tool▁calls▁end`);
* JSON with trailing commas, single quotes, or cut off at the end, repaired
  by `json_repair` (a maintained library for exactly LLM-written JSON, so no
  hand-written repair lives here).

Bare or fenced JSON is a call only when it names a bound tool (or a tool is
forced): any other JSON, and any text with braces, stays text. A `<tool_call>`
block that cannot be read becomes an invalid tool call.

One state machine serves streaming and whole replies: `ToolCallStreamParser`
is fed text as it arrives and returns `ParsedDelta`s (text, plus
`tool_call_chunk`s); `parse_tool_calls` feeds the whole reply at once and
merges the deltas with LangChain's own chunk arithmetic. So a reply gives the
same message however it was split. While streaming, the parser holds back
only what may start a call (a `<`, a fence, a `{` or `[` at the start of a
line) and releases it as text as soon as it cannot; a `<tool_call>` block
yields a `tool_call_chunk` as soon as the tool's name is known, then the
arguments as they arrive. Whitespace around calls is kept only between texts.

Its parts: the JSON is found and read by `_tool_use/call_json.py`, the other
families' special-token forms by `_tool_use/call_forms.py`, and the deltas are
written by `_tool_use/call_deltas.py`; the machine itself (where a call region
starts, `<tool_call>` blocks, fenced and bare JSON) is here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from langchain_replicate._tool_use.call_deltas import (
    ParsedDelta,
    ParsedReply,
    merge_deltas,
)
from langchain_replicate._tool_use.call_forms import (
    DEEPSEEK_OPEN,
    FUNCTION_OPEN,
    MISTRAL,
    PYTHON_TAG,
    FamilyForms,
)
from langchain_replicate._tool_use.call_json import (
    FENCE,
    STREAM_HEAD,
    BracketScan,
    calls_from,
    drop_trailing_comma,
    load_json,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "TOOL_CALL_CLOSE",
    "TOOL_CALL_OPEN",
    "ParsedDelta",
    "ParsedReply",
    "ToolCallStreamParser",
    "merge_deltas",
    "parse_tool_calls",
]

TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
_MARKERS = (
    TOOL_CALL_OPEN,
    TOOL_CALL_CLOSE,
    PYTHON_TAG,
    FUNCTION_OPEN,
    MISTRAL,
    DEEPSEEK_OPEN,
)
"""Texts that open a call region; a held-back `<` or `[` is one of their starts."""

_CANDIDATE = re.compile(r"[<`\[{]")
"""Characters that may start a call (a `{` or `[` only at the start of a line)."""


class ToolCallStreamParser(FamilyForms):
    """Split streamed model text into content and tool call chunks.

    Feed it text with `feed` as it arrives and call `finish` at the end; add up
    the returned deltas (or the `AIMessageChunk`s made from them) to get the
    message. See the module docstring for the forms it reads.
    """

    def __init__(
        self,
        tool_names: Sequence[str],
        *,
        forced: str | None = None,
        id_prefix: str | None = None,
    ) -> None:
        """Start a parser for one reply.

        Args:
            tool_names: The bound tools' names.
            forced: The tool the call must use (a named `tool_choice`, or the
                only tool under `required`), so a bare JSON object is its
                arguments.
            id_prefix: Prefix of the tool call ids (default: a random one);
                the ids are the prefix followed by the call's index.
        """
        super().__init__(id_prefix)
        self._names = frozenset(tool_names)
        self._forced = forced
        self._pending = ""
        """Text held back: it may start a call."""
        # The `<tool_call>` block being streamed, once its name is out.
        self._streaming = False
        self._args_scan = BracketScan()
        self._args_done = False

    # -- public ------------------------------------------------------------------

    def feed(self, text: str) -> ParsedDelta:
        """Take the next piece of the reply.

        Args:
            text: The new text.

        Returns:
            What it adds: content text and tool call chunks.
        """
        out = ParsedDelta()
        self._pending += text
        self._run(out, final=False)
        return out

    def finish(self) -> ParsedDelta:
        """End the reply: release or parse everything held back.

        Returns:
            The last content text and tool call chunks.
        """
        out = ParsedDelta()
        self._run(out, final=True)
        if not self._after_call:
            out.text += self._ws
        self._ws = ""
        return out

    # -- the state machine -------------------------------------------------------

    def _run(self, out: ParsedDelta, *, final: bool) -> None:
        while self._pending:
            if self._streaming:
                if not self._stream_block(out, final=final):
                    return
                continue
            match = _CANDIDATE.search(self._pending)
            if match is None:
                self._text(self._pending, out)
                self._pending = ""
                return
            start = match.start()
            self._text(self._pending[:start], out)
            self._pending = self._pending[start:]
            taken = self._region(out, final=final)
            if taken is None:  # needs more text
                if not final:
                    return
                self._text(self._pending, out)
                self._pending = ""
                return
            if taken == 0:  # not a call after all: the character is text
                self._text(self._pending[0], out)
                self._pending = self._pending[1:]

    def _region(self, out: ParsedDelta, *, final: bool) -> int | None:  # noqa: PLR0911 - one exit per case
        """Read a possible call region at the start of `_pending`.

        Returns:
            `None` if more text is needed, 0 if the first character is plain
            text, else the call region was handled (consumed from `_pending`).
        """
        text = self._pending
        head = text[0]
        if head in "<[":
            for marker in _MARKERS:
                if text.startswith(marker):
                    return self._marker(marker, out, final=final)
            if any(m.startswith(text) for m in _MARKERS) and not final:
                return None
            if head == "<" or not self._line_blank:
                return 0
            return self._bare(out)
        if head == "`":
            return self._fenced(out, final=final)
        if not self._line_blank:
            return 0
        return self._bare(out)

    def _marker(self, marker: str, out: ParsedDelta, *, final: bool) -> int | None:
        handlers = {
            PYTHON_TAG: self._python_tag,
            TOOL_CALL_OPEN: self._tool_call_open,
            TOOL_CALL_CLOSE: self._stray_close,
            FUNCTION_OPEN: self._function_tag,
            DEEPSEEK_OPEN: self._deepseek,
            MISTRAL: self._mistral,
        }
        return handlers[marker](out, final=final)

    def _stray_close(self, _out: ParsedDelta, *, final: bool) -> int:
        """A closing tag with no opening (the model continued a pre-filled call)."""
        del final
        self._pending = self._pending[len(TOOL_CALL_CLOSE) :]
        return 1

    def _tool_call_open(self, out: ParsedDelta, *, final: bool) -> int | None:
        body = self._pending[len(TOOL_CALL_OPEN) :]
        end = body.find(TOOL_CALL_CLOSE)
        if end >= 0 or final:
            block = body[:end] if end >= 0 else body
            self._pending = body[end + len(TOOL_CALL_CLOSE) :] if end >= 0 else ""
            value = load_json(block)
            calls = calls_from(value, self._names, self._forced, tagged=True)
            if calls is None:
                self._invalid(out, block)
            else:
                self._calls(out, calls, block)
            return 1
        head = STREAM_HEAD.match(body)
        if head is None:
            return None
        self._chunk(out, head["name"], "")
        self._pending = body[head.end() :]
        self._streaming = True
        self._args_scan = BracketScan()
        self._args_done = False
        return 1

    def _stream_block(self, out: ParsedDelta, *, final: bool) -> bool:
        """Stream a `<tool_call>` block's arguments; False if it needs more text."""
        text = self._pending
        if not self._args_done:
            end = self._args_scan.feed(text)
            if end < 0:
                # Hold back a trailing comma and whitespace: `,}` is a slip the
                # next character may reveal.
                keep = len(text) - len(text.rstrip().rstrip(","))
                if final:
                    keep = 0
                emit, self._pending = text[: len(text) - keep], text[len(text) - keep :]
                self._args(out, emit)
                if final:
                    self._streaming = False
                return final
            self._args(out, drop_trailing_comma(text[:end]))
            self._args_done = True
            text = text[end:]
        # The end of the block: the object's `}`, then the closing tag (which
        # models sometimes leave out).
        rest = text.lstrip()
        if rest.startswith("}"):
            rest = rest[1:].lstrip()
        if rest.startswith(TOOL_CALL_CLOSE):
            rest = rest[len(TOOL_CALL_CLOSE) :]
        elif not final and (not rest or TOOL_CALL_CLOSE.startswith(rest)):
            self._pending = text
            return False
        self._pending = rest
        self._streaming = False
        return True

    def _fenced(self, out: ParsedDelta, *, final: bool) -> int | None:  # noqa: PLR0911 - one exit per case
        text = self._pending
        if not text.startswith(FENCE):
            return None if FENCE.startswith(text) and not final else 0
        if not self._line_blank:
            return 0
        line_end = text.find("\n")
        if line_end < 0:
            return None if not final else 0
        info = text[len(FENCE) : line_end].strip().lower()
        body = text[line_end + 1 :]
        if info not in {"", "json", "tool_call", "tool_code"}:
            return 0
        if not body.strip():
            return None if not final else 0
        if body.lstrip()[0] not in "{[":
            return 0
        close = body.find(FENCE)
        if close < 0:
            return None if not final else 0
        value = load_json(body[:close])
        calls = calls_from(value, self._names, self._forced, tagged=False)
        if calls is None:
            region = text[: line_end + 1 + close + len(FENCE)]
            self._text(region, out)
            self._pending = text[len(region) :]
            return 1
        self._pending = body[close + len(FENCE) :]
        self._calls(out, calls, body[:close])
        return 1

    def _bare(self, out: ParsedDelta) -> int | None:
        text = self._pending
        end = BracketScan().feed(text)
        if end < 0:
            return None
        value = load_json(text[:end])
        calls = calls_from(value, self._names, self._forced, tagged=False)
        if calls is None:
            self._text(text[:end], out)
        else:
            self._calls(out, calls, text[:end])
        self._pending = text[end:]
        return 1


def parse_tool_calls(
    text: str,
    tool_names: Sequence[str],
    *,
    forced: str | None = None,
    id_prefix: str | None = None,
) -> ParsedReply:
    """Parse a whole reply (the same state machine as streaming, in one piece).

    Args:
        text: The model's reply.
        tool_names: The bound tools' names.
        forced: The tool the reply must call, if one is forced.
        id_prefix: Prefix of the tool call ids (default: random).

    Returns:
        The reply's content, tool calls and invalid tool calls.
    """
    parser = ToolCallStreamParser(tool_names, forced=forced, id_prefix=id_prefix)
    return merge_deltas([parser.feed(text), parser.finish()])
