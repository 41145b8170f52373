"""The JSON of model-written tool calls: finding it, loading it, reading calls (pure).

What `_tool_use.call_parser.ToolCallStreamParser` uses to read the JSON inside a
call region:

* `BracketScan`: incremental bracket matching that skips strings, to find
  where a JSON object or list ends as text streams in;
* `load_json`: JSON as written, else as `json_repair` repairs it (trailing
  commas, single quotes, a value cut off at the end); `json_repair` is a
  maintained library for exactly LLM-written JSON, so no hand-written repair
  lives here;
* `calls_from` / `call_arguments`: the call shapes families write
  (`{"name", "arguments"}`, Llama's `"parameters"`, `{"type": "function",
  "function": {...}}`, `langchain_experimental`'s `"tool"` / `"tool_input"`,
  a forced tool's bare arguments); untagged JSON is a call only when it names
  a bound tool;
* `STREAM_HEAD`: the head of a call object whose tool name can be streamed
  before the arguments end; `drop_trailing_comma` for a streamed `{"a": 1,}`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import json_repair

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = [
    "FENCE",
    "STREAM_HEAD",
    "BracketScan",
    "call_arguments",
    "calls_from",
    "drop_trailing_comma",
    "load_json",
]

FENCE = "```"
"""A Markdown code fence; a fenced call is loaded without it."""
_NAME_KEYS = ("name", "tool", "tool_name", "function", "recipient_name")
_ARGS_KEYS = ("arguments", "parameters", "tool_input", "args", "input", "kwargs")
_IGNORED_KEYS = frozenset({"type", "id", "call_id", "index"})
STREAM_HEAD = re.compile(
    r'\s*\{\s*"(?:name|tool|tool_name)"\s*:\s*"(?P<name>[^"\\]*)"\s*,\s*'
    r'"(?:arguments|parameters|tool_input|args)"\s*:\s*(?=\{\s*["}])'
)
"""The head of a `<tool_call>` body whose name can be streamed before its end."""


@dataclass
class BracketScan:
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


def load_json(text: str) -> Any:  # noqa: ANN401 - any JSON value
    """Parse JSON as written, else as `json_repair` repairs it (`None`: nothing)."""
    text = text.strip()
    if text.startswith(FENCE):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    value = json_repair.loads(text)
    return None if value == "" else value  # json_repair's "nothing found"


def call_arguments(value: Any) -> dict[str, Any] | None:  # noqa: ANN401 - any JSON
    if isinstance(value, str):
        value = load_json(value) if value.strip() else {}
    return value if isinstance(value, dict) else None


def _call_from(
    value: dict[str, Any], names: Collection[str], *, tagged: bool
) -> tuple[str, dict[str, Any] | None] | None:
    """Read one call object: `(name, args)` (`args` None if unreadable)."""
    inner = value.get("function")
    if isinstance(inner, dict) and isinstance(inner.get("name"), str):
        return inner["name"], call_arguments(inner.get("arguments", {}))
    name = next((value[k] for k in _NAME_KEYS if isinstance(value.get(k), str)), None)
    if name is None:
        return None
    args_key = next((k for k in _ARGS_KEYS if k in value), None)
    if args_key is not None:
        if not tagged and name not in names:
            return None
        return name, call_arguments(value[args_key])
    rest = set(value) - _IGNORED_KEYS - set(_NAME_KEYS)
    if rest or name not in names:
        return None
    return name, {}


def calls_from(
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


def drop_trailing_comma(text: str) -> str:
    """Drop a comma just before the closing bracket of `text` (`{"a": 1,}`)."""
    body = text[:-1].rstrip()
    if body.endswith(","):
        return body[:-1] + text[-1]
    return text
