"""The reference text models' replies to tool and JSON-schema prompts (pure)."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_replicate._chat.prompted_tools import prompted_request
from langchain_replicate._chat.prompts import BUILTIN_TEMPLATES, render_prompt
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate._tool_use.call_parser import parse_tool_calls
from langchain_replicate.testing._models.prompted import prompted_reply, reply_pieces


def magic_function(input: int) -> int:  # noqa: A002 - the standard tests' name
    """Apply a magic function to an input."""
    return input + 2


def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return location


TOOLS = [convert_to_openai_tool(magic_function), convert_to_openai_tool(get_weather)]
LLAMA = InputSchema({"prompt": {}, "system_prompt": {}, "prompt_template": {}})
MESSAGES = InputSchema({"prompt": {}, "messages": {}})
LLAMA3 = BUILTIN_TEMPLATES["llama-3"]


def _prompt(messages: list[BaseMessage], **kwargs: Any) -> tuple[str, str]:
    request = prompted_request(messages, LLAMA, **kwargs)
    return request.prefill, render_prompt(request.messages, LLAMA3)


def _messages(messages: list[BaseMessage], **kwargs: Any) -> list[dict[str, str]]:
    request = prompted_request(messages, MESSAGES, **kwargs)
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    return [
        {"role": roles[m.type], "content": str(m.content)} for m in request.messages
    ]


QUESTION = HumanMessage("What is the value of magic_function(3)? Use the tool.")


def test_a_tool_named_in_the_question_is_called() -> None:
    prefill, prompt = _prompt([QUESTION], tools=TOOLS)
    assert prefill == ""
    reply = prompted_reply(prompt)
    assert reply == (
        '<tool_call>\n{"name": "magic_function", "arguments": {"input": 3}}\n'
        "</tool_call>"
    )


def test_no_matching_tool_means_the_usual_reply() -> None:
    _, prompt = _prompt([HumanMessage("Hello!")], tools=TOOLS)
    assert prompted_reply(prompt) is None


def test_a_prefilled_named_call_is_continued() -> None:
    prefill, prompt = _prompt(
        [HumanMessage("Hello!")], tools=TOOLS, tool_choice="get_weather"
    )
    reply = prompted_reply(prompt)
    assert reply is not None
    assert reply.endswith("}\n</tool_call>")
    parsed = parse_tool_calls(prefill + reply, ["magic_function", "get_weather"])
    assert [c["name"] for c in parsed.tool_calls] == ["get_weather"]
    assert parsed.content == ""


def test_a_prefilled_required_call_picks_the_first_tool() -> None:
    prefill, prompt = _prompt([HumanMessage("Hello!")], tools=TOOLS, tool_choice="any")
    assert prefill == "<tool_call>\n"
    reply = prompted_reply(prompt)
    assert reply is not None
    assert json.loads(reply.removesuffix("\n</tool_call>"))["name"] == "magic_function"


def test_after_tool_results_the_reply_quotes_them() -> None:
    history: list[BaseMessage] = [
        QUESTION,
        AIMessage(
            "",
            tool_calls=[{"name": "magic_function", "args": {"input": 3}, "id": "1"}],
        ),
        ToolMessage("5", tool_call_id="1"),
    ]
    _, prompt = _prompt(history, tools=TOOLS)
    assert prompted_reply(prompt) == 'The tool returned: "5".'
    chat = _messages(history, tools=TOOLS)
    assert prompted_reply(chat) == (
        'The tool returned: "The function magic_function returned: 5".'
    )


def test_messages_models_read_the_same_convention() -> None:
    assert prompted_reply(_messages([QUESTION], tools=TOOLS)) == (
        '<tool_call>\n{"name": "magic_function", "arguments": {"input": 3}}\n'
        "</tool_call>"
    )
    assert prompted_reply(_messages([HumanMessage("Hello!")], tools=TOOLS)) is None
    forced = _messages([HumanMessage("Hello!")], tools=TOOLS, tool_choice="any")
    assert forced[-1] == {"role": "assistant", "content": "<tool_call>\n"}
    reply = prompted_reply(forced)
    assert reply is not None
    assert reply.startswith('<tool_call>\n{"name": "magic_function"')


def test_a_json_schema_in_the_system_turn_gets_a_json_reply() -> None:
    schema = {
        "type": "object",
        "properties": {"setup": {"type": "string"}, "rating": {"type": "integer"}},
        "required": ["setup", "rating"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "Joke", "schema": schema}}
    _, prompt = _prompt(
        [HumanMessage("A joke about cats, 7 out of 10")], response_format=fmt
    )
    reply = prompted_reply(prompt)
    assert reply is not None
    assert json.loads(reply) == {"setup": "cats, 7 out of 10", "rating": 7}
    mode = {"type": "json_object"}
    chat = _messages(
        [HumanMessage("Use the keys 'setup' and 'punchline'.")], response_format=mode
    )
    assert set(json.loads(prompted_reply(chat) or "")) == {"setup", "punchline"}


def test_it_does_not_depend_on_our_wording() -> None:
    # Another client's wording: only the JSON definitions and the tags count.
    tool = json.dumps(TOOLS[1])
    prompt = (
        "<|im_start|>system\nTools you may use:\n"
        f"{tool}\nWrap calls in <tool_call></tool_call>.<|im_end|>\n"
        "<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    reply = prompted_reply(prompt)
    assert reply is not None
    assert json.loads(reply.split("\n")[1])["name"] == "get_weather"


def test_plain_prompts_are_left_alone() -> None:
    assert prompted_reply("Tell me about {braces} and JSON.") is None
    assert prompted_reply([{"role": "user", "content": "hi"}]) is None
    assert prompted_reply(None) is None


def test_reply_pieces_add_up_to_the_reply() -> None:
    text = '<tool_call>\n{"name": "x", "arguments": {"a": "b  c"}}\n</tool_call>'
    pieces = reply_pieces(text)
    assert "".join(pieces) == text
    assert len(pieces) > 10


def _after_results(**kwargs: Any) -> tuple[str, list[dict[str, str]]]:
    history: list[BaseMessage] = [
        HumanMessage("What is the weather in Paris?"),
        AIMessage(
            "",
            tool_calls=[{"name": "get_weather", "args": {"location": "x"}, "id": "1"}],
        ),
        ToolMessage("It is sunny in Paris", tool_call_id="1"),
    ]
    return _prompt(history, **kwargs)[1], _messages(history, **kwargs)


def test_after_results_a_required_call_goes_to_a_tool_not_called_yet() -> None:
    # An agent forcing its answer tool (create_agent's ToolStrategy) must not get
    # the same call again, or its loop never ends.
    for prompt in _after_results(tools=TOOLS, tool_choice="any"):
        reply = prompted_reply(prompt)
        assert reply is not None
        call = json.loads(reply.removeprefix("<tool_call>").split("</tool_call>")[0])
        assert call == {"name": "magic_function", "arguments": {"input": 0}}


def test_after_results_a_reply_schema_gets_json_built_from_them() -> None:
    schema = {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "Report", "schema": schema}}
    for prompt in _after_results(tools=TOOLS, response_format=fmt):
        assert json.loads(prompted_reply(prompt) or "") == {"location": "Paris"}


UPSCALE = {
    "type": "function",
    "function": {
        "name": "upscale",
        "description": "Upscale an image.",
        "parameters": {
            "type": "object",
            "properties": {"image": {"type": "string", "description": "Image URL"}},
            "required": ["image"],
        },
    },
}


def test_after_results_the_next_tool_the_question_names_gets_their_url() -> None:
    url = "https://replicate.delivery/abc/out-0.webp"
    tools = [*TOOLS, UPSCALE]
    history: list[BaseMessage] = [
        HumanMessage("Use get_weather for 'Paris', then upscale its map."),
        AIMessage(
            "",
            tool_calls=[{"name": "get_weather", "args": {"location": "P"}, "id": "1"}],
        ),
        ToolMessage(f"Sunny, map at {url} (image/webp)", tool_call_id="1"),
    ]
    expected = {"name": "upscale", "arguments": {"image": url}}
    _, prompt = _prompt(history, tools=tools)
    chat = _messages(history, tools=tools)
    for reply in (prompted_reply(prompt), prompted_reply(chat)):
        assert reply is not None
        call = json.loads(reply.removeprefix("<tool_call>").split("</tool_call>")[0])
        assert call == expected
    done = [
        *history,
        AIMessage(
            "", tool_calls=[{"name": "upscale", "args": {"image": url}, "id": "2"}]
        ),
        ToolMessage("big.png", tool_call_id="2"),
    ]
    _, prompt = _prompt(done, tools=tools)
    assert prompted_reply(prompt) == 'The tool returned: "big.png".'
