"""The prompt path's request (turns, prefill, constraint inputs) and reader."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_replicate._chat.prompted_reader import PromptedReader
from langchain_replicate._chat.prompted_tools import (
    JSON_GRAMMAR,
    constraint_inputs,
    prompted_request,
    tool_choice_name,
)
from langchain_replicate._chat.prompts import BUILTIN_TEMPLATES, render_prompt
from langchain_replicate._inputs.schema import InputSchema


def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return city


def search(query: str) -> str:
    """Search the web."""
    return query


TOOLS = [convert_to_openai_tool(get_weather), convert_to_openai_tool(search)]
LLAMA = InputSchema(
    {"prompt": {"type": "string"}, "system_prompt": {}, "prompt_template": {}}
)
OWN_TEMPLATE = InputSchema({"prompt": {"type": "string"}, "system_prompt": {}})
MESSAGES = InputSchema({"prompt": {"type": "string"}, "messages": {"type": "array"}})


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, "auto"),
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        (True, "required"),
        ("search", "search"),
        ({"type": "function", "function": {"name": "search"}}, "search"),
        ('{"type": "function", "function": {"name": "search"}}', "search"),
    ],
)
def test_tool_choice_forms(choice: object, expected: str) -> None:
    assert tool_choice_name(choice) == expected


def test_auto_on_a_template_model_adds_the_tools_and_no_prefill() -> None:
    request = prompted_request([HumanMessage("hi")], LLAMA, tools=TOOLS)
    assert request.prefill == ""
    assert [m.type for m in request.messages] == ["system", "human"]
    assert request.parser() is not None


def test_named_choice_on_a_template_model_prefills_the_call() -> None:
    request = prompted_request(
        [HumanMessage("hi")], LLAMA, tools=TOOLS, tool_choice="search"
    )
    assert request.prefill == '<tool_call>\n{"name": "search", "arguments": '
    assert request.messages[-1] == AIMessage(content=request.prefill)
    prompt = render_prompt(request.messages, BUILTIN_TEMPLATES["llama-3"])
    assert prompt.endswith(
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
        '<tool_call>\n{"name": "search", "arguments": '
    )


def test_required_on_a_messages_model_ends_with_an_assistant_opening() -> None:
    request = prompted_request(
        [HumanMessage("hi")], MESSAGES, tools=TOOLS, tool_choice="any"
    )
    assert request.style == "messages"
    assert request.prefill == ""
    assert request.messages[-1] == AIMessage(content="<tool_call>\n")


def test_model_that_templates_itself_gets_the_instruction_only() -> None:
    request = prompted_request(
        [HumanMessage("hi")], OWN_TEMPLATE, tools=TOOLS, tool_choice="any"
    )
    assert request.prefill == ""
    assert [m.type for m in request.messages] == ["system", "human"]
    assert "must call" in str(request.messages[0].content)


def test_none_sends_no_tools_and_reads_text() -> None:
    request = prompted_request(
        [HumanMessage("hi")], LLAMA, tools=TOOLS, tool_choice="none"
    )
    assert request.messages == [HumanMessage("hi")]
    assert request.parser() is None


def test_unknown_named_choice_is_rejected() -> None:
    with pytest.raises(ValueError, match="'nope', which is not a bound tool"):
        prompted_request([HumanMessage("hi")], LLAMA, tools=TOOLS, tool_choice="nope")


SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}}
FORMAT = {"type": "json_schema", "json_schema": {"name": "A", "schema": SCHEMA}}


def test_structured_output_puts_the_schema_in_the_system_turn() -> None:
    request = prompted_request(
        [SystemMessage("Be brief."), HumanMessage("hi")], LLAMA, response_format=FORMAT
    )
    assert [m.type for m in request.messages] == ["system", "system", "human"]
    assert json.dumps(SCHEMA) in str(request.messages[1].content)
    assert request.inputs == {}
    assert request.parser() is None


@pytest.mark.parametrize(
    ("properties", "fmt", "expected"),
    [
        ({"response_format": {"type": "object"}}, FORMAT, {"response_format": FORMAT}),
        (
            {"json_schema": {"type": "string"}},
            FORMAT,
            {"json_schema": json.dumps(SCHEMA)},
        ),
        ({"jsonschema": {"type": "object"}}, FORMAT, {"jsonschema": SCHEMA}),
        (
            {"json_schema": {"type": "string"}},
            {"type": "json_object"},
            {"json_schema": '{"type": "object"}'},
        ),
        ({"grammar": {"type": "string"}}, FORMAT, {"grammar": JSON_GRAMMAR}),
        ({"prompt": {"type": "string"}}, FORMAT, {}),
    ],
)
def test_constraint_inputs(
    properties: dict[str, object], fmt: dict[str, object], expected: object
) -> None:
    schema = InputSchema({"prompt": {"type": "string"}, **properties})  # type: ignore[dict-item]
    assert constraint_inputs(schema, fmt) == expected


def test_reader_joins_the_prefill_and_the_continuation() -> None:
    request = prompted_request(
        [HumanMessage("hi")], LLAMA, tools=TOOLS, tool_choice="search"
    )
    reader = PromptedReader(request)
    delta = reader._delta('{"query": "x"}}\n</tool_call>', last=True)
    assert delta.text == ""
    names = [c["name"] for c in delta.tool_call_chunks if c["name"]]
    assert names == ["search"]
    args = "".join(c["args"] or "" for c in delta.tool_call_chunks)
    assert json.loads(args) == {"query": "x"}


def test_reparse_reads_completion_content_and_keeps_the_metadata() -> None:
    request = prompted_request([HumanMessage("hi")], MESSAGES, tools=TOOLS)
    reader = PromptedReader(request)
    raw = ['Sure.\n<tool_call>\n{"name": "search", ', '"arguments": {"query": "x"}}']
    first = reader.reparse(
        [ChatGenerationChunk(message=AIMessageChunk(content=raw[0]))], last=False
    )
    usage = {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}
    closing = AIMessageChunk(
        content="",
        usage_metadata=usage,
        response_metadata={"finish_reason": "stop"},
        chunk_position="last",
    )
    rest = reader.reparse(
        [
            ChatGenerationChunk(message=AIMessageChunk(content=raw[1])),
            ChatGenerationChunk(message=closing),
        ],
        last=True,
    )
    total = AIMessageChunk(content="")
    for chunk in [*first, *rest]:
        total += chunk.message  # type: ignore[assignment]
    assert total.content == "Sure."
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [
        ("search", {"query": "x"})
    ]
    assert total.usage_metadata == usage
    assert total.response_metadata["finish_reason"] == "tool_calls"
    assert total.chunk_position == "last"
