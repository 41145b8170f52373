"""Tool calling, the pure parts: requests out, tool calls back in (no I/O).

Shared by every way `ChatReplicate` calls tools: natively on the
chat-completions family (models with `messages` and `tools` inputs, e.g. IBM's
Granite models) and by prompt on other models. Nothing here knows how a model
takes its tools; it turns LangChain's inputs into OpenAI's forms and a model's
tool calls into LangChain messages.

Out:

* `convert_tools`: tools (`BaseTool`, functions, Pydantic/TypedDict classes,
  JSON schemas, OpenAI dicts) → OpenAI tool params, via langchain-core's
  `convert_to_openai_tool`; a tool it cannot convert is a `ValueError`
  naming it.
* `normalize_tool_choice`: `"auto"`, `"none"`, `"required"`, `"any"`, `True`,
  `False`, a tool name or an OpenAI dict → `ToolChoice` (`"auto"`, `"none"`,
  `"required"` or a tool name), checked against the bound tools before any
  request; `tool_choice_input` gives the chat-completions family's string form
  (a named choice is a JSON string).
* `response_format_input`: a JSON schema / Pydantic class / OpenAI
  `response_format` → the family's `response_format` object (no `strict`).

In:

* `RawToolCall` + `parse_tool_calls`: `(name, JSON-string arguments, id)` →
  `ToolCall`s and `InvalidToolCall`s (arguments that are not a JSON object);
* `ai_message`: content + raw calls + metadata → `AIMessage`;
* `ai_chunk`: content + raw calls (whole or partial arguments) → an
  `AIMessageChunk` with `tool_call_chunks`, for streaming;
* `final_message`: a summed `AIMessageChunk` → `AIMessage`, its tool calls
  parsed strictly (a streamed chunk parses arguments leniently, as partial
  JSON; a finished message must not).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AIMessageChunk, InvalidToolCall, ToolCall
from langchain_core.messages.tool import (
    invalid_tool_call,
    tool_call,
    tool_call_chunk,
)
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import (
    convert_to_json_schema,
    convert_to_openai_tool,
)

if TYPE_CHECKING:
    from langchain_core.messages.ai import UsageMetadata

__all__ = [
    "FAMILY_TOOL_CHOICES",
    "RawToolCall",
    "ToolChoice",
    "ai_chunk",
    "ai_message",
    "convert_tools",
    "final_message",
    "normalize_tool_choice",
    "parse_tool_calls",
    "response_format_input",
    "tool_choice_input",
    "tool_names",
]

ToolChoice = str
"""A normalized choice: `auto`, `none`, `required`, or the name of one tool."""

FAMILY_TOOL_CHOICES = frozenset({"auto", "none", "required"})
"""The string forms the chat-completions family takes (a named choice aside)."""

_FORCING = frozenset({"any", "required"})


def _label(tool: object) -> str:
    """A name for a tool in an error message."""
    if isinstance(tool, BaseTool):
        return repr(tool.name)
    if isinstance(tool, Mapping):
        function = tool.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        name = name or tool.get("name") or tool.get("title")
        return repr(name) if name else f"a dict with keys {sorted(tool)}"
    name = getattr(tool, "__name__", None)
    return repr(name) if name else repr(tool)


def convert_tools(tools: Sequence[Any]) -> list[dict[str, Any]]:
    """Convert tools to OpenAI tool params (`{"type": "function", "function": ...}`).

    Args:
        tools: `BaseTool`s, functions, Pydantic or TypedDict classes, JSON
            schemas, or OpenAI tool dicts.

    Returns:
        One tool param per tool, in order.

    Raises:
        ValueError: If a tool cannot be converted (naming it).
    """
    converted: list[dict[str, Any]] = []
    for index, tool in enumerate(tools):
        try:
            param = convert_to_openai_tool(tool)
        except Exception as e:
            msg = (
                f"tools[{index}] ({_label(tool)}) cannot be converted to a tool "
                f"schema: {e}. Pass a BaseTool, a function with a docstring, a "
                "Pydantic or TypedDict class, or an OpenAI tool dict."
            )
            raise ValueError(msg) from e
        if param.get("type") != "function" or "function" not in param:
            msg = (
                f"tools[{index}] ({_label(tool)}) is a {param.get('type')!r} tool; "
                "Replicate models take function tools only."
            )
            raise ValueError(msg)
        converted.append(param)
    return converted


def tool_names(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    """The names of OpenAI tool params, in order."""
    return [str(t["function"]["name"]) for t in tools]


def _choice_name(choice: object) -> str:
    """A bool or an OpenAI dict as the string it stands for."""
    if isinstance(choice, bool):
        return "required" if choice else "none"
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return str(function["name"])
        if isinstance(choice.get("name"), str):
            return str(choice["name"])
        if isinstance(choice.get("type"), str) and choice["type"] != "function":
            return str(choice["type"])
        msg = f"tool_choice {dict(choice)!r} names no function."
        raise ValueError(msg)
    if not isinstance(choice, str):
        msg = (
            f"tool_choice must be a string, a bool or a dict; got "
            f"{type(choice).__name__}."
        )
        raise TypeError(msg)
    return choice


def normalize_tool_choice(choice: object, names: Sequence[str]) -> ToolChoice | None:
    """Check a `tool_choice` against the bound tools and normalize it.

    Args:
        choice: `None`, `"auto"`, `"none"`, `"required"`, `"any"`, `True`
            (required), `False` (none), a tool name, or an OpenAI dict
            (`{"type": "function", "function": {"name": ...}}`, or
            `{"type": "auto" | "none" | "required" | "any"}`).
        names: The bound tools' names.

    Returns:
        `None` (the model's default), `auto`, `none`, `required`, or a tool name.

    Raises:
        ValueError: If the choice names no bound tool, forces a call with no
            tools, or is of an unknown form.
    """
    if choice is None:
        return None
    choice = _choice_name(choice)
    if choice in _FORCING:
        choice = "required"
    if choice in FAMILY_TOOL_CHOICES:
        if choice == "required" and not names:
            msg = "tool_choice forces a tool call, but no tools are bound."
            raise ValueError(msg)
        return choice
    if choice not in names:
        bound = ", ".join(names) or "none"
        msg = (
            f"tool_choice {choice!r} names no bound tool (bound: {bound}); use "
            "'auto', 'none', 'required'/'any' or one of the bound tools' names."
        )
        raise ValueError(msg)
    return choice


def tool_choice_input(choice: ToolChoice) -> str:
    """The chat-completions family's `tool_choice` input for a normalized choice.

    Args:
        choice: From `normalize_tool_choice`.

    Returns:
        `auto`, `none`, `required`, or a named choice as a JSON string.
    """
    if choice in FAMILY_TOOL_CHOICES:
        return choice
    return json.dumps({"type": "function", "function": {"name": choice}})


def response_format_input(response_format: object) -> dict[str, Any]:
    """The family's `response_format` input.

    Args:
        response_format: `{"type": "json_object" | "text"}`, an OpenAI
            `{"type": "json_schema", "json_schema": {name, schema, strict?}}`,
            or a schema (Pydantic/TypedDict class, JSON schema dict).

    Returns:
        `{"type": ..., "json_schema": {"name", "description"?, "schema"}}`
        without `strict`, which the family does not take (its decoding is
        always constrained by the schema).

    Raises:
        ValueError: If it is not a response format or a schema.
    """
    if isinstance(response_format, Mapping) and response_format.get("type") in {
        "json_object",
        "text",
    }:
        return {"type": response_format["type"]}
    if isinstance(response_format, Mapping) and response_format.get("type") == (
        "json_schema"
    ):
        spec = response_format.get("json_schema")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
            msg = "response_format json_schema needs a 'json_schema' with a 'schema'."
            raise ValueError(msg)
        kept = {k: spec[k] for k in ("name", "description", "schema") if k in spec}
        return {"type": "json_schema", "json_schema": kept}
    try:
        schema = convert_to_json_schema(response_format)  # type: ignore[arg-type]
    except Exception as e:
        msg = f"response_format {response_format!r} is not a schema: {e}"
        raise ValueError(msg) from e
    spec = {"name": schema.get("title", "response"), "schema": schema}
    if schema.get("description"):
        spec["description"] = schema["description"]
    return {"type": "json_schema", "json_schema": spec}


# --- in: tool calls back to messages ---------------------------------------------


@dataclass(frozen=True)
class RawToolCall:
    """A tool call as a model wrote it: arguments are a JSON string."""

    name: str
    arguments: str
    id: str | None = None
    index: int | None = None


def _parse_arguments(arguments: str) -> dict[str, Any]:
    parsed = json.loads(arguments) if arguments.strip() else {}
    if not isinstance(parsed, dict):
        msg = f"arguments are a JSON {type(parsed).__name__}, not an object"
        raise TypeError(msg)
    return parsed


def parse_tool_calls(
    raw_calls: Sequence[RawToolCall],
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Parse tool calls' arguments strictly.

    Args:
        raw_calls: The calls as the model wrote them.

    Returns:
        The valid calls (arguments a JSON object; empty arguments are `{}`),
        and the invalid ones with the parse error, ids kept in both.
    """
    valid: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for raw in raw_calls:
        try:
            args = _parse_arguments(raw.arguments)
        except (ValueError, TypeError) as e:  # noqa: PERF203 - one call each
            invalid.append(
                invalid_tool_call(
                    name=raw.name,
                    args=raw.arguments,
                    id=raw.id,
                    error=f"Arguments of {raw.name!r} are not a JSON object: {e}",
                )
            )
        else:
            valid.append(tool_call(name=raw.name, args=args, id=raw.id))
    return valid, invalid


def ai_message(
    content: str,
    raw_calls: Sequence[RawToolCall] = (),
    *,
    usage_metadata: UsageMetadata | None = None,
    response_metadata: Mapping[str, Any] | None = None,
    message_id: str | None = None,
    additional_kwargs: Mapping[str, Any] | None = None,
) -> AIMessage:
    """An `AIMessage` from a reply's text and tool calls.

    Args:
        content: The text.
        raw_calls: The tool calls (arguments as JSON strings).
        usage_metadata: Token usage, if known.
        response_metadata: Metadata of the reply.
        message_id: The message id, if any.
        additional_kwargs: Further fields (e.g. `reasoning_content`).

    Returns:
        The message, with `tool_calls` and `invalid_tool_calls`.
    """
    valid, invalid = parse_tool_calls(raw_calls)
    return AIMessage(
        content=content,
        tool_calls=valid,
        invalid_tool_calls=invalid,
        usage_metadata=usage_metadata,
        response_metadata=dict(response_metadata or {}),
        additional_kwargs=dict(additional_kwargs or {}),
        id=message_id,
    )


def ai_chunk(content: str, raw_calls: Sequence[RawToolCall] = ()) -> AIMessageChunk:
    """A streamed piece of a reply: text and/or tool call chunks.

    Args:
        content: The new text.
        raw_calls: New tool call pieces: a call's name and id (once, with its
            `index`), then fragments of its arguments under the same `index`.

    Returns:
        The chunk; summing a reply's chunks merges calls by `index`.
    """
    return AIMessageChunk(
        content=content,
        tool_call_chunks=[
            tool_call_chunk(
                name=raw.name or None,
                args=raw.arguments,
                id=raw.id,
                index=raw.index if raw.index is not None else position,
            )
            for position, raw in enumerate(raw_calls)
        ],
    )


def final_message(
    chunk: AIMessageChunk, *, make_id: Callable[[int], str] | None = None
) -> AIMessage:
    """A finished message from summed chunks, tool calls parsed strictly.

    Args:
        chunk: The sum of a reply's chunks.
        make_id: Gives an id to a call that came without one (by position).

    Returns:
        The message.
    """
    raw_calls = [
        RawToolCall(
            name=part.get("name") or "",
            arguments=part.get("args") or "",
            id=part.get("id") or (make_id(i) if make_id else None),
            index=part.get("index"),
        )
        for i, part in enumerate(chunk.tool_call_chunks)
    ]
    content = chunk.content if isinstance(chunk.content, str) else chunk.text
    return ai_message(
        content,
        raw_calls,
        usage_metadata=chunk.usage_metadata,
        response_metadata=chunk.response_metadata,
        message_id=chunk.id,
        additional_kwargs=chunk.additional_kwargs,
    )
