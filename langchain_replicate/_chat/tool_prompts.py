r"""Tools and output schemas described in the prompt, for models with no `tools` input.

Pure: a conversation with tool calls and tool results, plus the bound tools,
becomes a conversation of plain system, human and AI messages that every
path of `_chat.inputs.chat_prompt` can send (a `messages` list, a model's own
template, or our family template).

The convention is the one Hermes and Qwen 2.5 models are trained on (and that
others follow well when told): the tools' OpenAI function definitions as JSON,
one per line, inside `<tools>…</tools>` in the system turn, and each call as
`<tool_call>{"name": ..., "arguments": {...}}</tool_call>`. Earlier calls are
written back into the AI turns in that form, and tool results become user
turns: `<tool_response>…</tool_response>` for prompt models (as the Qwen 2.5
template renders them), a plain sentence for `messages` models, whose own
template has no such tag. So a multi-step agent loop reads as the model was
trained to read it.

`tool_choice`: `"none"` leaves the tools out of the prompt altogether (the
Berkeley Function Calling Leaderboard shows prompted models call irrelevant
tools far more often than native ones, so "do not call" is not left to an
instruction); `"required"`/`"any"` adds a must-call instruction; a tool name
narrows the list to that tool and requires it.

`structured_output_instruction` is the same idea for structured output: the
JSON schema in the system turn and "reply with only JSON".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_replicate._tool_use.call_parser import TOOL_CALL_CLOSE, TOOL_CALL_OPEN

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "PromptStyle",
    "ToolPrompt",
    "lower_tool_messages",
    "render_tool_call",
    "structured_output_instruction",
    "tools_instruction",
]

PromptStyle = Literal["template", "messages"]
"""How tool results are written back: `<tool_response>` user turns for prompt
models (`template`), plain user turns for `messages` models."""


def _dumps(value: Any) -> str:  # noqa: ANN401 - any JSON value
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class ToolPrompt:
    """The bound tools and the tool choice, normalised."""

    tools: tuple[Mapping[str, Any], ...]
    """OpenAI tool definitions (`{"type": "function", "function": {...}}`)."""
    choice: str = "auto"
    """`auto`, `none`, `required`, or the name of the tool that must be called."""

    @property
    def names(self) -> list[str]:
        """The tools' names, in order."""
        return [str(t["function"]["name"]) for t in self.tools]

    @property
    def forced(self) -> str | None:
        """The one tool a reply must call, if there is one."""
        if self.choice in {"auto", "none"}:
            return None
        if self.choice == "required":
            names = self.names
            return names[0] if len(names) == 1 else None
        return self.choice

    def offered(self) -> list[Mapping[str, Any]]:
        """The definitions the prompt lists (none for `none`; one for a name)."""
        if self.choice == "none":
            return []
        if self.choice in {"auto", "required"}:
            return list(self.tools)
        return [t for t in self.tools if t["function"]["name"] == self.choice]


def tools_instruction(prompt: ToolPrompt) -> str | None:
    """The system-turn text that describes the tools (`None`: no tools offered).

    Args:
        prompt: The tools and the tool choice.

    Returns:
        The instruction, or `None` when `tool_choice` is `none` or no tools
        are bound.
    """
    offered = prompt.offered()
    if not offered:
        return None
    signatures = "\n".join(_dumps(dict(t)) for t in offered)
    lines = [
        "# Tools",
        "",
        (
            "You can call functions to help answer the user. Their signatures, "
            "one JSON object per line, are inside <tools></tools> XML tags:"
        ),
        f"<tools>\n{signatures}\n</tools>",
        "",
        (
            "To call a function, write a JSON object with its name and arguments "
            "inside <tool_call></tool_call> XML tags, one block per call:"
        ),
        (
            f'{TOOL_CALL_OPEN}\n{{"name": <function-name>, "arguments": '
            f"<args-json-object>}}\n{TOOL_CALL_CLOSE}"
        ),
        "",
    ]
    if prompt.choice == "auto":
        lines.append(
            "Call a function only when it is needed to answer; otherwise reply "
            "in plain text. Function results come back inside "
            "<tool_response></tool_response> XML tags."
        )
    elif prompt.choice == "required":
        lines.append(
            "You must call at least one of these functions now: reply with "
            "<tool_call> blocks only."
        )
    else:
        lines.append(
            f"You must call the function {prompt.choice!r} now: reply with one "
            "<tool_call> block only."
        )
    return "\n".join(lines)


def render_tool_call(name: str, args: Mapping[str, Any]) -> str:
    """Write one call in the prompt convention.

    Args:
        name: The tool's name.
        args: Its arguments.

    Returns:
        The `<tool_call>` block.
    """
    body = _dumps({"name": name, "arguments": dict(args)})
    return f"{TOOL_CALL_OPEN}\n{body}\n{TOOL_CALL_CLOSE}"


def _text(message: BaseMessage) -> str:
    """The message's text blocks (tool-use and reasoning blocks dropped)."""
    if isinstance(message.content, str):
        return message.content
    blocks = cast("list[dict[str, Any]]", message.content_blocks)
    texts = [str(block["text"]) for block in blocks if block.get("type") == "text"]
    return "\n".join(texts)


def _tool_result(message: ToolMessage) -> str:
    text = _text(message)
    if not text and not isinstance(message.content, str):
        text = _dumps(message.content)
    if message.status == "error":
        text = f"Error: {text}"
    return text


def _ai_turn(message: AIMessage) -> AIMessage:
    calls = [render_tool_call(c["name"], c["args"]) for c in message.tool_calls]
    calls += [
        f"{TOOL_CALL_OPEN}\n{c.get('args') or ''}\n{TOOL_CALL_CLOSE}"
        for c in message.invalid_tool_calls
    ]
    text = _text(message)
    return AIMessage(content="\n".join([text, *calls] if text else calls))


def _result_turn(
    results: Sequence[ToolMessage], names: Mapping[str, str], style: PromptStyle
) -> HumanMessage:
    parts = []
    for result in results:
        name = result.name or names.get(result.tool_call_id, "the tool")
        text = _tool_result(result)
        if style == "template":
            parts.append(f"<tool_response>\n{text}\n</tool_response>")
        else:
            parts.append(f"The function {name} returned:\n{text}")
    return HumanMessage(content="\n".join(parts))


def lower_tool_messages(
    messages: Sequence[BaseMessage],
    prompt: ToolPrompt | None,
    *,
    style: PromptStyle,
) -> list[BaseMessage]:
    """Rewrite a tool-calling conversation as plain system, human and AI turns.

    The tools instruction joins the system turn (after the caller's system
    messages); AI messages with tool calls carry them as `<tool_call>` blocks;
    each run of tool messages becomes one user turn.

    Args:
        messages: The conversation, possibly with tool calls and tool messages.
        prompt: The bound tools and choice (`None`: no tools bound; only the
            history is rewritten).
        style: How tool results are written (see `PromptStyle`).

    Returns:
        The conversation with no tool calls and no tool messages.
    """
    names = {
        call["id"]: call["name"]
        for m in messages
        if isinstance(m, AIMessage)
        for call in m.tool_calls
        if call["id"]
    }
    lowered: list[BaseMessage] = []
    pending: list[ToolMessage] = []
    for message in messages:
        if isinstance(message, ToolMessage):
            pending.append(message)
            continue
        if pending:
            lowered.append(_result_turn(pending, names, style))
            pending = []
        if isinstance(message, AIMessage) and (
            message.tool_calls or message.invalid_tool_calls
        ):
            lowered.append(_ai_turn(message))
        elif isinstance(message, AIMessage) and not isinstance(message.content, str):
            lowered.append(AIMessage(content=_text(message)))
        else:
            lowered.append(message)
    if pending:
        lowered.append(_result_turn(pending, names, style))
    instruction = tools_instruction(prompt) if prompt is not None else None
    if instruction is not None:
        leading = 0
        while leading < len(lowered) and isinstance(lowered[leading], SystemMessage):
            leading += 1
        lowered.insert(leading, SystemMessage(content=instruction))
    return lowered


def structured_output_instruction(schema: Mapping[str, Any] | None) -> str:
    """The system-turn text asking for JSON only (matching `schema` if given).

    Args:
        schema: A JSON schema, or `None` for any JSON object (JSON mode: the
            schema `{"type": "object"}`).

    Returns:
        The instruction.
    """
    if schema is None:
        schema = {"type": "object"}
    return (
        "Reply with only one JSON object that matches this JSON schema, with no "
        "prose before or after it and no code fences:\n"
        f"<schema>\n{_dumps(dict(schema))}\n</schema>"
    )
