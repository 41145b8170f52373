r"""Tool calling and structured output by prompt: the request and the reply (pure).

For models with no `tools` input (every official Replicate language model:
meta, openai, deepseek, ...). `prompted_request` turns a call's tools, tool
choice and response format into plain conversation turns (`_chat/tool_prompts.py`)
plus any constraint input the model's schema offers; `PromptedReader`
(`_chat/prompted_reader.py`) reads the reply, streamed or whole, into content and
tool calls (`_tool_use/call_parser.py`).

A forced call (`tool_choice` `required`/`any` or a tool's name) is also
started for the model where that can be done without relying on the
instruction alone: when we render the chat template ourselves, the
assistant turn is pre-filled with the call's opening (`<tool_call>` and, for
a named tool, `{"name": ..., "arguments": `), and the model writes the rest;
for `messages` models, the conversation ends with an assistant message
holding `<tool_call>` (chat APIs answer it with a new message, which the
parser reads without the prefill). Models with a `system_prompt` input that
template the turns themselves cannot be pre-filled and get the instruction
only.

Structured output by prompt (`response_format` from `with_structured_output`):
the JSON schema goes in the system turn with "reply with only JSON"; a model
that takes a constraint input gets it too: `response_format` (the OpenAI
object), `json_schema`/`jsonschema` (the schema), or `grammar` (a GBNF
grammar for any JSON object, as llama.cpp's `json.gbnf`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage

from langchain_replicate._chat.tool_prompts import (
    PromptStyle,
    ToolPrompt,
    lower_tool_messages,
    structured_output_instruction,
)
from langchain_replicate._tool_use.call_parser import (
    TOOL_CALL_OPEN,
    ToolCallStreamParser,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_replicate._inputs.schema import InputSchema

__all__ = [
    "JSON_GRAMMAR",
    "PromptedRequest",
    "ToolCalling",
    "call_opening",
    "constraint_inputs",
    "prompt_style",
    "prompted_request",
    "tool_choice_name",
]

JSON_GRAMMAR = r"""root ::= object
value ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ( "," ws string ":" ws value )* )? "}" ws
array ::= "[" ws ( value ( "," ws value )* )? "]" ws
string ::= "\"" (
  [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})
)* "\"" ws
number ::= "-"? ([0-9] | [1-9] [0-9]*) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
ws ::= ([ \t\n] ws)?
"""
"""A GBNF grammar for one JSON object, for models with a `grammar` input."""

_SCHEMA_INPUTS = ("json_schema", "jsonschema")

ToolCalling = Literal["auto", "native", "prompt"]
"""`ChatReplicate.tool_calling`: which path tools take (see `chat_prompt`)."""


def tool_choice_name(choice: Any) -> str:  # noqa: ANN401 - every form LangChain passes
    """Normalise a tool choice: `auto`, `none`, `required`, or a tool's name.

    Args:
        choice: `None`, `"auto"`, `"none"`, `"any"`, `"required"`, `True`, a
            tool name, an OpenAI `{"type": "function", "function": {"name"}}`
            dict, or that dict JSON-encoded.

    Returns:
        The normalised choice.
    """
    if choice is True:
        return "required"
    if choice is None or (isinstance(choice, str) and choice in {"", "auto"}):
        return "auto"
    if isinstance(choice, str) and choice in {"any", "required"}:
        return "required"
    if isinstance(choice, str) and choice.lstrip().startswith("{"):
        choice = json.loads(choice)
    if isinstance(choice, dict):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        return str(name or choice.get("name") or "required")
    return str(choice)


@dataclass(frozen=True)
class PromptedRequest:
    """What the prompt path decided for one call (to read the reply)."""

    tools: ToolPrompt | None = None
    """The tools described in the prompt (`None`: structured output only)."""
    prefill: str = ""
    """The pre-filled start of the assistant turn (template path)."""
    style: PromptStyle = "template"
    messages: list[BaseMessage] = field(default_factory=list)
    """The conversation as plain turns, to send the usual way."""
    inputs: dict[str, Any] = field(default_factory=dict)
    """Constraint inputs for the model's own schema (structured output)."""

    def parser(self) -> ToolCallStreamParser | None:
        """A parser for the reply, or `None` when there are no tools to read."""
        if self.tools is None or self.tools.choice == "none":
            return None
        return ToolCallStreamParser(self.tools.names, forced=self.tools.forced)


def _can_prefill(schema: InputSchema | None) -> bool:
    """Whether we render the whole chat template (so the reply can be pre-filled).

    `_chat.inputs` renders it for models without `messages`, unless a
    `system_prompt` input with no `prompt_template` input lets the model
    template the turns itself.
    """
    if schema is None:
        return True
    names = schema.properties
    if "messages" in names:
        return False
    return "prompt_template" in names or "system_prompt" not in names


def constraint_inputs(
    schema: InputSchema | None, response_format: Mapping[str, Any]
) -> dict[str, Any]:
    """The model's own constraint input for a response format, if it has one.

    Args:
        schema: The model's input schema.
        response_format: `{"type": "json_object"}` or `{"type": "json_schema",
            "json_schema": {"name", "schema", ...}}`.

    Returns:
        At most one input: `response_format`, `json_schema`/`jsonschema` or
        `grammar`; empty when the model takes none.
    """
    if schema is None:
        return {}
    properties = schema.properties
    if "response_format" in properties:
        return {"response_format": dict(response_format)}
    json_schema = _schema_of(response_format) or {"type": "object"}
    for name in _SCHEMA_INPUTS:
        if name in properties:
            is_text = properties[name].get("type") == "string"
            return {name: json.dumps(json_schema) if is_text else json_schema}
    if properties.get("grammar", {}).get("type") == "string":
        return {"grammar": JSON_GRAMMAR}
    return {}


def _schema_of(response_format: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not response_format or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema") or {}
    schema = spec.get("schema") if isinstance(spec, dict) else None
    return dict(schema) if isinstance(schema, dict) else None


def prompted_request(
    messages: Sequence[BaseMessage],
    schema: InputSchema | None,
    *,
    tools: Sequence[Mapping[str, Any]] = (),
    tool_choice: Any = None,  # noqa: ANN401 - see tool_choice_name
    response_format: Mapping[str, Any] | None = None,
) -> PromptedRequest:
    """Describe tools and a response format in the conversation itself.

    Args:
        messages: The conversation (tool calls and tool messages allowed).
        schema: The model's input schema.
        tools: OpenAI tool definitions.
        tool_choice: The tool choice (any form `tool_choice_name` takes).
        response_format: An OpenAI response format, if structured output is
            wanted.

    Returns:
        The plain conversation, constraint inputs and how to read the reply.

    Raises:
        ValueError: If `tool_choice` names a tool that is not bound.
    """
    style: PromptStyle = (
        "messages"
        if schema is not None and "messages" in schema.properties
        else "template"
    )
    prompt = None
    if tools:
        prompt = ToolPrompt(tuple(tools), tool_choice_name(tool_choice))
        if prompt.choice not in {"auto", "none", "required"} and not prompt.offered():
            msg = (
                f"tool_choice names {prompt.choice!r}, which is not a bound tool; "
                f"bound tools: {', '.join(prompt.names)}."
            )
            raise ValueError(msg)
    lowered = lower_tool_messages(messages, prompt, style=style)
    inputs: dict[str, Any] = {}
    if response_format is not None and response_format.get("type") != "text":
        instruction = structured_output_instruction(_schema_of(response_format))
        lowered = _with_system(lowered, instruction)
        inputs = constraint_inputs(schema, response_format)
    opening = call_opening(prompt, schema)
    if opening:
        lowered.append(AIMessage(content=opening))
    prefill = opening if style == "template" else ""
    return PromptedRequest(prompt, prefill, style, lowered, inputs)


def prompt_style(schema: InputSchema | None) -> PromptStyle:
    if schema is not None and "messages" in schema.properties:
        return "messages"
    return "template"


def call_opening(prompt: ToolPrompt | None, schema: InputSchema | None) -> str:
    """The assistant turn's start for a forced call ("" when none is sent).

    Template path: the call's opening as a prefill (with the tool's name when
    one tool is forced). `messages` path: an assistant message holding
    `<tool_call>` (answered with a new message, read without it).
    """
    if prompt is None or prompt.choice in {"auto", "none"}:
        return ""
    if prompt_style(schema) == "messages":
        return f"{TOOL_CALL_OPEN}\n"
    if not _can_prefill(schema):
        return ""
    if prompt.forced is None:
        return f"{TOOL_CALL_OPEN}\n"
    return f'{TOOL_CALL_OPEN}\n{{"name": {json.dumps(prompt.forced)}, "arguments": '


def _with_system(messages: list[BaseMessage], text: str) -> list[BaseMessage]:
    leading = 0
    while leading < len(messages) and isinstance(messages[leading], SystemMessage):
        leading += 1
    return [*messages[:leading], SystemMessage(content=text), *messages[leading:]]
