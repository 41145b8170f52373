r"""Tool calls written as text by a prompted model → LangChain tool calls (pure).

Models without a `tools` input are told, in their prompt, to call tools as
Hermes/Qwen-trained models do (`_tool_prompts.py`)::

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
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import json_repair
from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import ToolCallChunk, tool_call_chunk

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from langchain_core.messages import InvalidToolCall, ToolCall

__all__ = [
    "ParsedDelta",
    "ParsedReply",
    "ToolCallStreamParser",
    "parse_tool_calls",
]

TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
_PYTHON_TAG = "<|python_tag|>"
_FUNCTION_OPEN = "<function="
_FUNCTION_CLOSE = "</function>"
_MISTRAL = "[TOOL_CALLS]"
_DEEPSEEK_OPEN = "<｜tool▁calls▁begin｜>"  # noqa: RUF001 - DeepSeek's own token
_DEEPSEEK_CLOSE = "<｜tool▁calls▁end｜>"  # noqa: RUF001
_FENCE = "```"
_MARKERS = (
    TOOL_CALL_OPEN,
    TOOL_CALL_CLOSE,
    _PYTHON_TAG,
    _FUNCTION_OPEN,
    _MISTRAL,
    _DEEPSEEK_OPEN,
)
"""Texts that open a call region; a held-back `<` or `[` is one of their starts."""

_CANDIDATE = re.compile(r"[<`\[{]")
"""Characters that may start a call (a `{` or `[` only at the start of a line)."""
_NAME_KEYS = ("name", "tool", "tool_name", "function", "recipient_name")
_ARGS_KEYS = ("arguments", "parameters", "tool_input", "args", "input", "kwargs")
_IGNORED_KEYS = frozenset({"type", "id", "call_id", "index"})
_STREAM_HEAD = re.compile(
    r'\s*\{\s*"(?:name|tool|tool_name)"\s*:\s*"(?P<name>[^"\\]*)"\s*,\s*'
    r'"(?:arguments|parameters|tool_input|args)"\s*:\s*(?=\{\s*["}])'
)
"""The head of a `<tool_call>` body whose name can be streamed before its end."""
_DEEPSEEK_CALL = re.compile(
    r"<｜tool▁call▁begin｜>(?:function<｜tool▁sep｜>(?P<name>[^\n<]+)\s*"  # noqa: RUF001
    r"(?:```(?:json)?\s*(?P<args>.*?)\s*```)?"
    r"|(?P<name31>[^<]+?)<｜tool▁sep｜>(?P<args31>.*?))"  # noqa: RUF001
    r"\s*<｜tool▁call▁end｜>",  # noqa: RUF001
    re.DOTALL,
)


@dataclass
class ParsedDelta:
    """What one piece of streamed text adds to the message."""

    text: str = ""
    """Content text (never part of a call)."""
    tool_call_chunks: list[ToolCallChunk] = field(default_factory=list)
    """Tool call pieces, merged by `index` as `AIMessageChunk`s merge them."""

    def __add__(self, other: ParsedDelta) -> ParsedDelta:
        """Concatenate two deltas (text, then chunks in order)."""
        return ParsedDelta(
            self.text + other.text, self.tool_call_chunks + other.tool_call_chunks
        )


@dataclass(frozen=True)
class ParsedReply:
    """A whole reply, split into text and tool calls."""

    content: str
    tool_calls: list[ToolCall]
    invalid_tool_calls: list[InvalidToolCall]


@dataclass
class _Scan:
    """Incremental JSON bracket matching that knows about strings."""

    depth: int = 0
    in_string: str = ""
    escape: bool = False

    def feed(self, text: str) -> int:
        """Scan `text`; return the index just past the closing bracket, or -1."""
        for i, char in enumerate(text):
            if self.in_string:
                if self.escape:
                    self.escape = False
                elif char == "\\":
                    self.escape = True
                elif char == self.in_string:
                    self.in_string = ""
            elif char in "\"'":
                self.in_string = char
            elif char in "{[":
                self.depth += 1
            elif char in "}]":
                self.depth -= 1
                if self.depth <= 0:
                    return i + 1
        return -1


def _loads(text: str) -> Any:  # noqa: ANN401 - any JSON value
    """Parse JSON as written, else as `json_repair` repairs it (`None`: nothing)."""
    text = text.strip()
    if text.startswith(_FENCE):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    value = json_repair.loads(text)
    return None if value == "" else value  # json_repair's "nothing found"


def _arguments(value: Any) -> dict[str, Any] | None:  # noqa: ANN401 - any JSON
    if isinstance(value, str):
        value = _loads(value) if value.strip() else {}
    return value if isinstance(value, dict) else None


def _call_from(
    value: dict[str, Any], names: Collection[str], *, tagged: bool
) -> tuple[str, dict[str, Any] | None] | None:
    """Read one call object: `(name, args)` (`args` None if unreadable)."""
    inner = value.get("function")
    if isinstance(inner, dict) and isinstance(inner.get("name"), str):
        return inner["name"], _arguments(inner.get("arguments", {}))
    name = next((value[k] for k in _NAME_KEYS if isinstance(value.get(k), str)), None)
    if name is None:
        return None
    args_key = next((k for k in _ARGS_KEYS if k in value), None)
    if args_key is not None:
        if not tagged and name not in names:
            return None
        return name, _arguments(value[args_key])
    rest = set(value) - _IGNORED_KEYS - set(_NAME_KEYS)
    if rest or name not in names:
        return None
    return name, {}


def _calls_from(
    value: Any,  # noqa: ANN401 - any JSON
    names: Collection[str],
    forced: str | None,
    *,
    tagged: bool,
) -> list[tuple[str, dict[str, Any] | None]] | None:
    """The calls a JSON value holds, or `None` when it is not a call."""
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    calls = [_call_from(item, names, tagged=tagged) for item in items]
    if all(call is not None for call in calls):
        return [call for call in calls if call is not None]
    if forced is not None and isinstance(value, dict):
        return [(forced, value)]
    return None


class ToolCallStreamParser:
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
        self._names = frozenset(tool_names)
        self._forced = forced
        self._id_prefix = id_prefix or f"call_{uuid.uuid4().hex[:16]}_"
        self._index = 0
        self._pending = ""
        """Text held back: it may start a call."""
        self._ws = ""
        """Whitespace held back: dropped before a call, else emitted."""
        self._line_blank = True
        """Whether the current line holds only whitespace so far."""
        self._after_call = False
        """Whether the last thing emitted was a call (drop whitespace after it)."""
        # The `<tool_call>` block being streamed, once its name is out.
        self._streaming = False
        self._args_scan = _Scan()
        self._args_done = False

    # -- emitting ----------------------------------------------------------------

    def _text(self, text: str, out: ParsedDelta) -> None:
        if not text:
            return
        if self._after_call:
            text = text.lstrip().lstrip(";,").lstrip()
            if not text:
                return
            self._after_call = False
        body = text.rstrip()
        if body:
            out.text += self._ws + body
            self._ws = text[len(body) :]
        else:
            self._ws += text
        last_line = text.rsplit("\n", 1)[-1]
        self._line_blank = (self._line_blank or "\n" in text) and not last_line.strip()

    def _chunk(self, out: ParsedDelta, name: str | None, args: str) -> None:
        out.tool_call_chunks.append(
            tool_call_chunk(
                name=name,
                args=args,
                id=f"{self._id_prefix}{self._index}",
                index=self._index,
            )
        )
        self._index += 1
        self._after_call = True
        self._line_blank = True

    def _args(self, out: ParsedDelta, args: str) -> None:
        if not args:
            return
        index = self._index - 1
        last = out.tool_call_chunks[-1] if out.tool_call_chunks else None
        if last is not None and last["index"] == index:
            last["args"] = (last["args"] or "") + args
        else:
            out.tool_call_chunks.append(tool_call_chunk(index=index, args=args))

    def _calls(
        self,
        out: ParsedDelta,
        calls: Sequence[tuple[str, dict[str, Any] | None]],
        raw: str,
    ) -> None:
        for name, args in calls:
            if args is None:  # unreadable arguments: filed as invalid (see below)
                self._chunk(out, name, json.dumps(raw.strip()))
            else:
                self._chunk(out, name, json.dumps(args, ensure_ascii=False))

    def _invalid(self, out: ParsedDelta, raw: str) -> None:
        """A call region that holds no readable call: an invalid tool call."""
        match = re.search(r'"name"\s*:\s*"([^"\\]+)"', raw)
        # The raw text as the arguments: LangChain's chunk merge files a call
        # whose arguments do not parse to an object as invalid. JSON-encode it
        # so even text that happens to parse partially stays invalid.
        self._chunk(out, match[1] if match else None, json.dumps(raw.strip()))

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
            _PYTHON_TAG: self._python_tag,
            TOOL_CALL_OPEN: self._tool_call_open,
            TOOL_CALL_CLOSE: self._stray_close,
            _FUNCTION_OPEN: self._function_tag,
            _DEEPSEEK_OPEN: self._deepseek,
            _MISTRAL: self._mistral,
        }
        return handlers[marker](out, final=final)

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
        self._pending = self._pending[len(_PYTHON_TAG) :].lstrip()
        self._line_blank = True
        return 1

    def _stray_close(self, _out: ParsedDelta, *, final: bool) -> int:
        """A closing tag with no opening (the model continued a pre-filled call)."""
        del final
        self._pending = self._pending[len(TOOL_CALL_CLOSE) :]
        return 1

    def _function_tag(self, out: ParsedDelta, *, final: bool) -> int | None:
        body = self._closed(_FUNCTION_OPEN, _FUNCTION_CLOSE, final=final)
        if body is None:
            return None
        name, sep, raw = body.partition(">")
        args = _arguments(raw) if sep else None
        if args is None:
            self._invalid(out, body)
        else:
            self._calls(out, [(name.strip(), args)], raw)
        return 1

    def _deepseek(self, out: ParsedDelta, *, final: bool) -> int | None:
        body = self._closed(_DEEPSEEK_OPEN, _DEEPSEEK_CLOSE, final=final)
        if body is None:
            return None
        found = list(_DEEPSEEK_CALL.finditer(body))
        if not found:
            self._invalid(out, body)
        for call in found:
            name = (call["name"] or call["name31"] or "").strip()
            raw = call["args"] or call["args31"] or ""
            args = _arguments(raw)
            if args is None:
                self._invalid(out, raw)
            else:
                self._calls(out, [(name, args)], raw)
        return 1

    def _mistral(self, out: ParsedDelta, *, final: bool) -> int | None:
        """`[TOOL_CALLS]` and a JSON list of calls."""
        stripped = self._pending[len(_MISTRAL) :].lstrip()
        end = _Scan().feed(stripped)
        if end < 0 and not final:
            return None
        raw = stripped if end < 0 else stripped[:end]
        self._pending = "" if end < 0 else stripped[end:]
        calls = _calls_from(_loads(raw), self._names, self._forced, tagged=True)
        if calls is None:
            self._invalid(out, raw)
        else:
            self._calls(out, calls, raw)
        return 1

    def _tool_call_open(self, out: ParsedDelta, *, final: bool) -> int | None:
        body = self._pending[len(TOOL_CALL_OPEN) :]
        end = body.find(TOOL_CALL_CLOSE)
        if end >= 0 or final:
            block = body[:end] if end >= 0 else body
            self._pending = body[end + len(TOOL_CALL_CLOSE) :] if end >= 0 else ""
            value = _loads(block)
            calls = _calls_from(value, self._names, self._forced, tagged=True)
            if calls is None:
                self._invalid(out, block)
            else:
                self._calls(out, calls, block)
            return 1
        head = _STREAM_HEAD.match(body)
        if head is None:
            return None
        self._chunk(out, head["name"], "")
        self._pending = body[head.end() :]
        self._streaming = True
        self._args_scan = _Scan()
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
            self._args(out, _drop_trailing_comma(text[:end]))
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
        if not text.startswith(_FENCE):
            return None if _FENCE.startswith(text) and not final else 0
        if not self._line_blank:
            return 0
        line_end = text.find("\n")
        if line_end < 0:
            return None if not final else 0
        info = text[len(_FENCE) : line_end].strip().lower()
        body = text[line_end + 1 :]
        if info not in {"", "json", "tool_call", "tool_code"}:
            return 0
        if not body.strip():
            return None if not final else 0
        if body.lstrip()[0] not in "{[":
            return 0
        close = body.find(_FENCE)
        if close < 0:
            return None if not final else 0
        value = _loads(body[:close])
        calls = _calls_from(value, self._names, self._forced, tagged=False)
        if calls is None:
            region = text[: line_end + 1 + close + len(_FENCE)]
            self._text(region, out)
            self._pending = text[len(region) :]
            return 1
        self._pending = body[close + len(_FENCE) :]
        self._calls(out, calls, body[:close])
        return 1

    def _bare(self, out: ParsedDelta) -> int | None:
        text = self._pending
        end = _Scan().feed(text)
        if end < 0:
            return None
        value = _loads(text[:end])
        calls = _calls_from(value, self._names, self._forced, tagged=False)
        if calls is None:
            self._text(text[:end], out)
        else:
            self._calls(out, calls, text[:end])
        self._pending = text[end:]
        return 1


def _drop_trailing_comma(text: str) -> str:
    """Drop a comma just before the closing bracket of `text` (`{"a": 1,}`)."""
    body = text[:-1].rstrip()
    if body.endswith(","):
        return body[:-1] + text[-1]
    return text


def merge_deltas(deltas: Sequence[ParsedDelta]) -> ParsedReply:
    """Merge streamed deltas as LangChain merges the message chunks.

    Args:
        deltas: The deltas of one reply, in order.

    Returns:
        The reply's content, tool calls and invalid tool calls.
    """
    chunks = [
        AIMessageChunk(content=d.text, tool_call_chunks=d.tool_call_chunks)
        for d in deltas
    ]
    message = AIMessageChunk(content="")
    for chunk in chunks:
        message += chunk
    content = message.content if isinstance(message.content, str) else ""
    return ParsedReply(
        content, list(message.tool_calls), list(message.invalid_tool_calls)
    )


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
