"""Tools and tool history rendered into plain prompt turns."""

from __future__ import annotations

import json

from langchain_core.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_replicate._chat.prompts import BUILTIN_TEMPLATES, render_prompt
from langchain_replicate._chat.tool_prompts import (
    ToolPrompt,
    lower_tool_messages,
    render_tool_call,
    structured_output_instruction,
    tools_instruction,
)
from langchain_replicate._tool_use.call_parser import parse_tool_calls


@tool
def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return f"sunny in {city}"


@tool
def search(query: str) -> str:
    """Search the web."""
    return query


TOOLS = (convert_to_openai_tool(get_weather), convert_to_openai_tool(search))


def _signatures(text: str) -> list[dict[str, object]]:
    body = text.split("<tools>\n", 1)[1].split("\n</tools>", 1)[0]
    return [json.loads(line) for line in body.splitlines()]


def test_instruction_lists_the_openai_definitions_as_json_lines() -> None:
    text = tools_instruction(ToolPrompt(TOOLS))
    assert text is not None
    assert _signatures(text) == list(TOOLS)
    assert "<tool_call>" in text
    assert "only when it is needed" in text


def test_tool_choice_none_leaves_the_tools_out() -> None:
    assert tools_instruction(ToolPrompt(TOOLS, "none")) is None
    lowered = lower_tool_messages(
        [HumanMessage("hi")], ToolPrompt(TOOLS, "none"), style="template"
    )
    assert lowered == [HumanMessage("hi")]


def test_required_and_named_choices() -> None:
    required = tools_instruction(ToolPrompt(TOOLS, "required"))
    assert required is not None
    assert "must call at least one" in required
    assert len(_signatures(required)) == 2
    named = tools_instruction(ToolPrompt(TOOLS, "search"))
    assert named is not None
    assert [s["function"]["name"] for s in _signatures(named)] == ["search"]  # type: ignore[index]
    assert "must call the function 'search'" in named
    assert ToolPrompt(TOOLS, "search").forced == "search"
    assert ToolPrompt(TOOLS, "required").forced is None
    assert ToolPrompt(TOOLS[:1], "required").forced == "get_weather"


def _history() -> list[object]:
    return [
        SystemMessage("Be brief."),
        HumanMessage("Weather in Paris and Rome?"),
        AIMessage(
            content=[
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "a", "name": "get_weather", "input": {}},
            ],
            tool_calls=[
                {"name": "get_weather", "args": {"city": "Paris"}, "id": "a"},
                {"name": "get_weather", "args": {"city": "Rome"}, "id": "b"},
            ],
        ),
        ToolMessage("sunny", tool_call_id="a"),
        ToolMessage(
            [{"type": "text", "text": "no data"}], tool_call_id="b", status="error"
        ),
    ]


def test_history_with_calls_and_results_for_prompt_models() -> None:
    lowered = lower_tool_messages(_history(), ToolPrompt(TOOLS), style="template")  # type: ignore[arg-type]
    assert [m.type for m in lowered] == ["system", "system", "human", "ai", "human"]
    assert lowered[0].content == "Be brief."
    assert "<tools>" in str(lowered[1].content)
    ai = lowered[3]
    assert isinstance(ai.content, str)
    assert ai.content.startswith("Checking.\n<tool_call>")
    # The calls written back read as the parser reads them.
    again = parse_tool_calls(ai.content, ["get_weather"])
    assert [(c["name"], c["args"]) for c in again.tool_calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Rome"}),
    ]
    assert lowered[4].content == (
        "<tool_response>\nsunny\n</tool_response>\n"
        "<tool_response>\nError: no data\n</tool_response>"
    )


def test_history_for_messages_models_uses_plain_turns() -> None:
    lowered = lower_tool_messages(_history(), None, style="messages")  # type: ignore[arg-type]
    assert [m.type for m in lowered] == ["system", "human", "ai", "human"]
    assert lowered[3].content == (
        "The function get_weather returned:\nsunny\n"
        "The function get_weather returned:\nError: no data"
    )


def test_lowered_conversation_renders_with_a_family_template() -> None:
    lowered = lower_tool_messages(_history(), ToolPrompt(TOOLS), style="template")  # type: ignore[arg-type]
    prompt = render_prompt(lowered, BUILTIN_TEMPLATES["chatml"])
    assert prompt.startswith("<|im_start|>system\nBe brief.\n\n# Tools")
    assert "<|im_start|>assistant\nChecking.\n<tool_call>\n" in prompt
    assert prompt.endswith("</tool_response><|im_end|>\n<|im_start|>assistant\n")


def test_render_tool_call_keeps_unicode() -> None:
    block = render_tool_call("search", {"query": "天气"})
    assert block == (
        '<tool_call>\n{"name": "search", "arguments": {"query": "天气"}}\n</tool_call>'
    )


def test_structured_output_instruction() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    text = structured_output_instruction(schema)
    assert json.loads(text.split("<schema>\n")[1].split("\n</schema>")[0]) == schema
    assert '<schema>\n{"type": "object"}\n</schema>' in structured_output_instruction(
        None
    )
