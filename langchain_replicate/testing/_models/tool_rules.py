"""How the local server's reference models pick the tool to call (pure).

The reference models (`chat_completions.py`, `prompted.py`) do not think: they
follow the documented rules below, so a test can predict every reply from its request
alone. The rules read only the request (tools, tool choice, JSON schema) and
the text of the last user message; they never look at any test's wording.

Which tool (`choose_tool`):

1. a named choice (`{"type": "function", "function": {"name": ...}}`) picks
   that tool (`UnknownToolError` if no tool has that name);
2. else the tool whose name appears in the text (as a whole word,
   case-insensitively; the longest name wins);
3. else the tool with the most *name words* in the text: names are split on
   `_`, `-` and camelCase, and the words get, set, create, my, tool and
   function are ignored (`get_current_weather` → current, weather);
4. else, when a call is required (`required` or a named choice), the first
   tool; else no tool (the model answers with text).

`none` (or no tools) never calls a tool.

The next step (`next_named_tool`), right after tool results (the
chat-completions models with `auto` or no choice; the prompted models when
no call is forced and no JSON schema is asked for): the tools the question
(the last user message that is no tool result) names, whole names as in
rule 2 (a name inside a longer named one does not count), are a plan, in the
order they are named. The first of them that no assistant turn since the
question has called is called next, its arguments built from the question
with the tool results' URLs first (`argument_rules`: a URL argument takes
them), so "make an image with flux-schnell, then upscale it with
real-esrgan" passes the image's URL on. When every named tool has been
called (or none is named), the model answers with text.

The arguments of the chosen tool, and JSON replies, follow the rules of
`_models/argument_rules.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "IGNORED_NAME_WORDS",
    "UnknownToolError",
    "choose_tool",
    "name_words",
    "next_named_tool",
    "tool_name",
    "tool_parameters",
]

IGNORED_NAME_WORDS = frozenset({"get", "set", "create", "my", "tool", "function"})
"""Words of a tool's name that do not count when matching it to the text."""

_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


class UnknownToolError(ValueError):
    """A named tool choice names no tool of the request."""


def tool_name(tool: Mapping[str, Any]) -> str:
    """The name of an OpenAI tool param (`{"type": "function", "function": ...}`)."""
    function = tool.get("function")
    if isinstance(function, Mapping):
        return str(function.get("name", ""))
    return str(tool.get("name", ""))


def _parameters(tool: Mapping[str, Any]) -> dict[str, Any]:
    function = tool.get("function")
    source = function if isinstance(function, Mapping) else tool
    parameters = source.get("parameters")
    return dict(parameters) if isinstance(parameters, Mapping) else {}


def name_words(name: str) -> list[str]:
    """The words of a tool name that count for matching, lowercase.

    Args:
        name: A tool name, e.g. `get_current_weather` or `getCurrentWeather`.

    Returns:
        Its words without the ignored ones, e.g. `["current", "weather"]`.
    """
    words: list[str] = []
    for part in re.split(r"[_\-\s]+", name):
        words.extend(w.lower() for w in _CAMEL.findall(part))
    return [w for w in words if w not in IGNORED_NAME_WORDS]


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


def _named(choice: object) -> str | None:
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return str(function["name"])
    return None


def choose_tool(
    tools: Sequence[Mapping[str, Any]], choice: object, last_user_text: str
) -> Mapping[str, Any] | None:
    """Pick the tool to call, by the rules in the module docstring.

    Args:
        tools: OpenAI tool params.
        choice: `None`, `"none"`, `"auto"`, `"required"` or a parsed named choice.
        last_user_text: The text of the last user message.

    Returns:
        The tool to call, or `None` to answer with text.

    Raises:
        UnknownToolError: If a named choice names no tool.
    """
    if choice == "none" or not tools:
        return None
    if (name := _named(choice)) is not None:
        for tool in tools:
            if tool_name(tool) == name:
                return tool
        msg = f"Tool '{name}' has not been passed in `tools`."
        raise UnknownToolError(msg)
    lowered = last_user_text.lower()
    present = [
        tool
        for tool in tools
        if tool_name(tool)
        and re.search(rf"(?<!\w){re.escape(tool_name(tool).lower())}(?!\w)", lowered)
    ]
    if present:
        return max(present, key=lambda t: len(tool_name(t)))
    words = _words(last_user_text)
    scores = [(sum(w in words for w in name_words(tool_name(t))), t) for t in tools]
    best = max((score for score, _ in scores), default=0)
    if best > 0:
        return next(t for score, t in scores if score == best)
    return tools[0] if choice == "required" else None


def tool_parameters(tool: Mapping[str, Any]) -> dict[str, Any]:
    """The `parameters` schema of an OpenAI tool param (`{}` when it has none)."""
    return _parameters(tool)


def next_named_tool(
    tools: Sequence[Mapping[str, Any]], last_user_text: str, called: Sequence[str]
) -> Mapping[str, Any] | None:
    """The next step of the plan the text names (see the module docstring).

    Args:
        tools: OpenAI tool params.
        last_user_text: The text of the last user message.
        called: Names of the tools called since that message.

    Returns:
        The first named tool not called yet, or `None` (answer with text).
    """
    lowered = last_user_text.lower()
    spans: list[tuple[int, int, Mapping[str, Any]]] = []
    for tool in tools:
        name = tool_name(tool).lower()
        match = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", lowered) if name else None
        if match is not None:
            spans.append((match.start(), match.end(), tool))
    named = [
        (start, tool)
        for start, end, tool in spans
        if not any(
            s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans
        )
    ]
    for _, tool in sorted(named, key=lambda item: item[0]):
        if tool_name(tool) not in called:
            return tool
    return None
