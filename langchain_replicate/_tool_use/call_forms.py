"""The special-token call forms of other model families (pure).

`FamilyForms` is the part of `_tool_use.call_parser.ToolCallStreamParser` that
reads, once its opening marker is seen, the forms models trained on other
conventions write instead of Hermes' `<tool_call>` blocks:

* Llama 3.1: `<|python_tag|>` before a JSON call, and
  `<function=name>{...}</function>`;
* Mistral: `[TOOL_CALLS]` and a JSON list of calls;
* DeepSeek V3 and V3.1: `<｜tool▁calls▁begin｜>` ... `<｜tool▁calls▁end｜>`
  around one `<｜tool▁call▁begin｜>` entry per call.

Each handler consumes its region from the parser's held-back text and writes
the calls it holds (or an invalid tool call); at the end of the reply a
missing closing marker is forgiven.
"""  # noqa: RUF002 - DeepSeek's own tokens

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from langchain_replicate._tool_use.call_deltas import DeltaWriter
from langchain_replicate._tool_use.call_json import (
    BracketScan,
    call_arguments,
    calls_from,
    load_json,
)

if TYPE_CHECKING:
    from langchain_replicate._tool_use.call_deltas import ParsedDelta

__all__ = [
    "DEEPSEEK_OPEN",
    "FUNCTION_OPEN",
    "MISTRAL",
    "PYTHON_TAG",
    "FamilyForms",
]

PYTHON_TAG = "<|python_tag|>"
FUNCTION_OPEN = "<function="
FUNCTION_CLOSE = "</function>"
MISTRAL = "[TOOL_CALLS]"
DEEPSEEK_OPEN = "<｜tool▁calls▁begin｜>"  # noqa: RUF001 - DeepSeek's own token
DEEPSEEK_CLOSE = "<｜tool▁calls▁end｜>"  # noqa: RUF001
_DEEPSEEK_CALL = re.compile(
    r"<｜tool▁call▁begin｜>(?:function<｜tool▁sep｜>(?P<name>[^\n<]+)\s*"  # noqa: RUF001
    r"(?:```(?:json)?\s*(?P<args>.*?)\s*```)?"
    r"|(?P<name31>[^<]+?)<｜tool▁sep｜>(?P<args31>.*?))"  # noqa: RUF001
    r"\s*<｜tool▁call▁end｜>",  # noqa: RUF001
    re.DOTALL,
)


class FamilyForms(DeltaWriter):
    """Readers of the other families' call regions (a base of the parser)."""

    _pending: str
    """Text held back (the parser's): the region starts it."""
    _names: frozenset[str]
    """The bound tools' names."""
    _forced: str | None
    """The tool a call must use, if one is forced."""

    def _closed(self, opening: str, closing: str, *, final: bool) -> str | None:
        """Consume `opening…closing` from `_pending`; the body, or `None` to wait.

        At the end of the reply a missing `closing` is forgiven.
        """
        text = self._pending
        end = text.find(closing, len(opening))
        if end < 0 and not final:
            return None
        if end < 0:
            self._pending = ""
            return text[len(opening) :]
        self._pending = text[end + len(closing) :]
        return text[len(opening) : end]

    def _python_tag(self, _out: ParsedDelta, *, final: bool) -> int:
        del final  # the tag alone says nothing more
        self._ws = ""
        self._pending = self._pending[len(PYTHON_TAG) :].lstrip()
        self._line_blank = True
        return 1

    def _function_tag(self, out: ParsedDelta, *, final: bool) -> int | None:
        body = self._closed(FUNCTION_OPEN, FUNCTION_CLOSE, final=final)
        if body is None:
            return None
        name, sep, raw = body.partition(">")
        args = call_arguments(raw) if sep else None
        if args is None:
            self._invalid(out, body)
        else:
            self._calls(out, [(name.strip(), args)], raw)
        return 1

    def _deepseek(self, out: ParsedDelta, *, final: bool) -> int | None:
        body = self._closed(DEEPSEEK_OPEN, DEEPSEEK_CLOSE, final=final)
        if body is None:
            return None
        found = list(_DEEPSEEK_CALL.finditer(body))
        if not found:
            self._invalid(out, body)
        for call in found:
            name = (call["name"] or call["name31"] or "").strip()
            raw = call["args"] or call["args31"] or ""
            args = call_arguments(raw)
            if args is None:
                self._invalid(out, raw)
            else:
                self._calls(out, [(name, args)], raw)
        return 1

    def _mistral(self, out: ParsedDelta, *, final: bool) -> int | None:
        """`[TOOL_CALLS]` and a JSON list of calls."""
        stripped = self._pending[len(MISTRAL) :].lstrip()
        end = BracketScan().feed(stripped)
        if end < 0 and not final:
            return None
        raw = stripped if end < 0 else stripped[:end]
        self._pending = "" if end < 0 else stripped[end:]
        calls = calls_from(load_json(raw), self._names, self._forced, tagged=True)
        if calls is None:
            self._invalid(out, raw)
        else:
            self._calls(out, calls, raw)
        return 1
