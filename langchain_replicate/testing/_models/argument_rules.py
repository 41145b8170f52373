"""How the local server's reference models fill in tool arguments and JSON (pure).

The tool is chosen by `_models.tool_rules.choose_tool`; its arguments, and any JSON
reply, are built from the text of the last user message by these documented
rules, so a test can predict them from its request alone.

Arguments (`build_arguments`), from the text, property by property in schema
order:

* `name(a, b)` in the text (the chosen tool's own name): the literals `a, b`
  (Python/JSON literals; bare words as strings) go onto the properties in
  order, converted to each property's type;
* a *URL argument* (a string with `format: uri`, or whose description has
  the word URL) takes the next URL (`http://`, `https://`, `data:`) of the
  supply: the URLs given with the call (an agent's next step: those of the
  tool results just returned, see `tool_rules`), then those of the text. The
  text's URLs are blanked out before its quoted and numeric literals are
  read (a port or a path is no number);
* otherwise numbers take the next numeric literal of the text (else 0, clamped
  into the schema's bounds), strings the next quoted literal ('...', "...",
  “...”) (else the text after the last about/in/for/named/called, up to the end
  of that sentence; else the whole text), enums a value the text mentions
  (else the first value), booleans whether the property's name appears in the
  text, objects are built by the same rules, arrays hold one such item;
* an optional property is set only when the text supplies it: a literal for
  it, a mentioned enum value, its name (booleans); `anyOf`/`oneOf` take the
  first non-null branch; `$ref`s are resolved against the root's `$defs`.

JSON replies: `json_instance(schema, text)` builds an instance of any schema by
the argument rules; `json_object_for(text)` is the `json_object` reply: an
object keyed by the quoted identifiers of the text, each value a string built
by the string rule.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["build_arguments", "find_urls", "json_instance", "json_object_for"]

_KEYWORDS = ("about", "in", "for", "named", "called")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"|“([^”]*)”")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SENTENCE_END = re.compile(r"[.?!\n]")
_URL = re.compile(r"(?<!\w)(?:https?://|data:)[^\s'\"<>()\[\]{}]+")
_URL_WORD = re.compile(r"(?<![A-Za-z])URL(?![A-Za-z])", re.IGNORECASE)


def find_urls(text: str) -> list[str]:
    """The URLs of a text, in order (trailing punctuation left out)."""
    return [m.group().rstrip(".,;:!?") for m in _URL.finditer(text)]


def _is_url_argument(spec: Mapping[str, Any]) -> bool:
    description = spec.get("description")
    return spec.get("format") == "uri" or (
        isinstance(description, str) and _URL_WORD.search(description) is not None
    )


@dataclass
class _Supply:
    """The literals of the text, consumed in order as properties take them."""

    text: str
    urls: list[str] = field(default_factory=list)
    """URLs given with the call (before the text's own)."""
    numbers: list[str] = field(init=False)
    quoted: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.urls = [*self.urls, *find_urls(self.text)]
        plain = _URL.sub(" ", self.text)
        self.quoted = [
            next(g for g in m.groups() if g is not None)
            for m in _QUOTED.finditer(plain)
        ]
        unquoted = _QUOTED.sub(" ", plain)
        self.numbers = _NUMBER.findall(unquoted)

    def fallback_string(self) -> str:
        """The text after the last keyword, to the end of its sentence; else all."""
        best = -1
        for keyword in _KEYWORDS:
            for match in re.finditer(rf"(?<!\w){keyword}\s+", self.text, re.IGNORECASE):
                best = max(best, match.end())
        if best < 0:
            return self.text.strip()
        rest = self.text[best:]
        end = _SENTENCE_END.search(rest)
        phrase = (rest[: end.start()] if end else rest).strip()
        return phrase or self.text.strip()


def _resolve(spec: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while "$ref" in spec and seen < 32:  # noqa: PLR2004 - a bound on ref chains
        path = str(spec["$ref"]).removeprefix("#/").split("/")
        target: Any = root
        for part in path:
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        spec = {**target, **{k: v for k, v in spec.items() if k != "$ref"}}
        seen += 1
    for key in ("anyOf", "oneOf"):
        branches = spec.get(key)
        if isinstance(branches, list):
            real = [
                b
                for b in branches
                if isinstance(b, Mapping) and b.get("type") != "null"
            ]
            if real:
                merged = {k: v for k, v in spec.items() if k != key}
                return _resolve({**merged, **real[0]}, root)
    if "allOf" in spec and isinstance(spec["allOf"], list) and spec["allOf"]:
        merged = {k: v for k, v in spec.items() if k != "allOf"}
        for branch in spec["allOf"]:
            if isinstance(branch, Mapping):
                merged = {**merged, **_resolve(branch, root)}
        return merged
    return spec


def _kind(spec: Mapping[str, Any]) -> str:
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind is None:
        if "enum" in spec:
            return "enum"
        if "properties" in spec:
            return "object"
        return "string"
    if "enum" in spec:
        return "enum"
    return str(kind)


def _clamp(value: float, spec: Mapping[str, Any], *, integer: bool) -> float:
    step = 1 if integer else 1e-9
    low = spec.get("minimum")
    if isinstance(spec.get("exclusiveMinimum"), (int, float)):
        low = max(
            low if low is not None else float("-inf"), spec["exclusiveMinimum"] + step
        )
    high = spec.get("maximum")
    if isinstance(spec.get("exclusiveMaximum"), (int, float)):
        high = min(
            high if high is not None else float("inf"), spec["exclusiveMaximum"] - step
        )
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value


def _number(spec: Mapping[str, Any], literal: object, *, integer: bool) -> int | float:
    try:
        value = float(literal)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = 0.0
    value = _clamp(value, spec, integer=integer)
    return int(value) if integer else value


def _mentioned(values: Sequence[Any], text: str) -> Any | None:  # noqa: ANN401 - JSON
    lowered = text.lower()
    for value in values:
        if re.search(rf"(?<!\w){re.escape(str(value).lower())}(?!\w)", lowered):
            return value
    return None


def _value(  # noqa: C901, PLR0911 - one branch per JSON type
    spec: Mapping[str, Any],
    root: Mapping[str, Any],
    supply: _Supply,
    *,
    name: str,
    required: bool,
) -> tuple[bool, Any]:
    """(supplied?, value) for one property; optional ones only when supplied."""
    spec = _resolve(spec, root)
    kind = _kind(spec)
    if kind == "enum":
        values = list(spec.get("enum") or [])
        hit = _mentioned(values, supply.text)
        if hit is not None:
            return True, hit
        return required, values[0] if values else None
    if kind in {"integer", "number"}:
        integer = kind == "integer"
        if supply.numbers:
            return True, _number(spec, supply.numbers.pop(0), integer=integer)
        return required, _number(spec, 0, integer=integer)
    if kind == "boolean":
        present = _mentioned([name.replace("_", " "), name], supply.text) is not None
        return present or required, present
    if kind == "object":
        return True, _object(spec, root, supply)
    if kind == "array":
        items = spec.get("items")
        if isinstance(items, Mapping):
            supplied, item = _value(items, root, supply, name=name, required=required)
            if supplied:
                return True, [item]
        return required, []
    if kind == "null":
        return required, None
    if _is_url_argument(spec) and supply.urls:
        return True, supply.urls.pop(0)
    if supply.quoted:
        return True, supply.quoted.pop(0)
    return required, supply.fallback_string()


def _object(
    schema: Mapping[str, Any], root: Mapping[str, Any], supply: _Supply
) -> dict[str, Any]:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return {}
    required = set(schema.get("required") or ())
    result: dict[str, Any] = {}
    for name, spec in properties.items():
        if not isinstance(spec, Mapping):
            continue
        supplied, value = _value(
            spec, root, supply, name=name, required=name in required
        )
        if supplied:
            result[name] = value
    return result


def _call_literals(name: str, text: str) -> list[Any] | None:
    """The literals of `name(a, b)` in the text, or `None` when it is not there."""
    match = re.search(rf"(?<!\w){re.escape(name)}\s*\(([^()]*)\)", text)
    if match is None:
        return None
    inner = match.group(1).strip()
    if not inner:
        return []
    try:
        parsed = ast.literal_eval(f"({inner},)")
    except (ValueError, SyntaxError):
        return [part.strip().strip("'\"") for part in inner.split(",")]
    return list(parsed)


def _convert(literal: Any, spec: Mapping[str, Any], root: Mapping[str, Any]) -> Any:  # noqa: ANN401 - JSON
    spec = _resolve(spec, root)
    kind = _kind(spec)
    if kind in {"integer", "number"}:
        return _number(spec, literal, integer=kind == "integer")
    if kind == "boolean":
        return literal if isinstance(literal, bool) else str(literal).lower() == "true"
    if kind == "string":
        return str(literal)
    return literal


def build_arguments(
    schema: Mapping[str, Any],
    text: str,
    *,
    name: str | None = None,
    urls: Sequence[str] = (),
) -> dict[str, Any]:
    """The arguments of a call to a tool with this parameters schema.

    Args:
        schema: The tool's `parameters` (a JSON schema object).
        text: The last user message.
        name: The tool's name, to find `name(a, b)` in the text.
        urls: URLs URL arguments take before the text's (the tool results'
            URLs, for an agent's next step).

    Returns:
        The arguments, by the rules in the module docstring.
    """
    properties = schema.get("properties")
    if name is not None and (literals := _call_literals(name, text)) is not None:
        if not isinstance(properties, Mapping):
            return {}
        return {
            key: _convert(literal, spec, schema)
            for (key, spec), literal in zip(properties.items(), literals, strict=False)
            if isinstance(spec, Mapping)
        }
    return _object(schema, schema, _Supply(text, list(urls)))


def json_instance(schema: Mapping[str, Any], text: str) -> Any:  # noqa: ANN401 - JSON
    """An instance of `schema` built from the text by the argument rules.

    Args:
        schema: Any JSON schema.
        text: The last user message.

    Returns:
        The instance (an object for object schemas).
    """
    resolved = _resolve(schema, schema)
    if _kind(resolved) == "object":
        return _object(resolved, schema, _Supply(text))
    return _value(resolved, schema, _Supply(text), name="value", required=True)[1]


def json_object_for(text: str) -> dict[str, str]:
    """The `json_object` reply: the text's quoted identifiers as keys.

    Args:
        text: The last user message.

    Returns:
        `{identifier: the string-rule value}` for each quoted identifier.
    """
    supply = _Supply(text)
    keys = [q for q in supply.quoted if _IDENTIFIER.fullmatch(q)]
    supply.quoted = []
    value = supply.fallback_string()
    return dict.fromkeys(keys, value)
