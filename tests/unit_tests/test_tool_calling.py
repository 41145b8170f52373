"""Tool calling, pure parts: conversion out, JSON output in, message conversion."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypedDict

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableBinding
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_replicate import ChatReplicate, ReplicateInputError
from langchain_replicate._chat.inputs import chat_prompt
from langchain_replicate._chat.openai_messages import to_chat_completion_messages
from langchain_replicate._inputs.calls import CallPlan
from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate._tool_use.completions import (
    CompletionReader,
    ToolRequest,
    is_chat_completions,
)
from langchain_replicate._tool_use.profiles import model_profile
from langchain_replicate._tool_use.tool_calling import (
    RawToolCall,
    ai_chunk,
    convert_tools,
    final_message,
    normalize_tool_choice,
    parse_tool_calls,
    response_format_input,
    tool_choice_input,
)
from langchain_replicate.errors import ReplicatePredictionError, decode_model_error
from langchain_replicate.testing.catalogue.granite import GRANITE_4_0_H_SMALL
from langchain_replicate.testing.catalogue.text import LLAMA_3
from tests.modes import invoke
from tests.unit_tests.fake_replicate import TOKEN, FakeReplicate

if TYPE_CHECKING:
    from langchain_core.messages.ai import UsageMetadata
    from langchain_core.outputs import ChatGenerationChunk


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"sunny in {location}"


class Person(BaseModel):
    """A person."""

    name: str = Field(description="Full name")
    age: int | None = None


class Movie(TypedDict):
    """A movie."""

    title: str


def schema_of(model: Any) -> InputSchema:
    schema = InputSchema.from_openapi(model.openapi_schema)
    assert schema is not None
    return schema


GRANITE = schema_of(GRANITE_4_0_H_SMALL)
LLAMA = schema_of(LLAMA_3)


# --- out: tools, choices, formats ------------------------------------------------


def test_convert_tools_takes_every_kind_langchain_does() -> None:
    raw = {
        "type": "function",
        "function": {"name": "f", "parameters": {"type": "object", "properties": {}}},
    }
    converted = convert_tools([get_weather, Person, Movie, raw])
    assert [t["function"]["name"] for t in converted] == [
        "get_weather",
        "Person",
        "Movie",
        "f",
    ]
    assert converted[0]["function"]["parameters"]["required"] == ["location"]
    assert converted[3] == raw


def test_a_tool_that_cannot_be_converted_is_named() -> None:
    with pytest.raises(ValueError, match=r"tools\[1\] \(42\) cannot be converted"):
        convert_tools([get_weather, 42])


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        (False, "none"),
        ("get_weather", "get_weather"),
        ({"type": "function", "function": {"name": "get_weather"}}, "get_weather"),
        ({"type": "any"}, "required"),
    ],
)
def test_tool_choice_forms(choice: object, expected: str | None) -> None:
    assert normalize_tool_choice(choice, ["get_weather"]) == expected


def test_a_choice_naming_no_bound_tool_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"'nope' names no bound tool \(bound: f\)"):
        normalize_tool_choice("nope", ["f"])
    with pytest.raises(ValueError, match="no tools are bound"):
        normalize_tool_choice("any", [])


def test_the_family_takes_strings_and_named_choices_as_json() -> None:
    assert tool_choice_input("required") == "required"
    assert json.loads(tool_choice_input("f")) == {
        "type": "function",
        "function": {"name": "f"},
    }


def test_response_format_drops_strict_and_wraps_schemas() -> None:
    openai = {
        "type": "json_schema",
        "json_schema": {"name": "P", "schema": {"type": "object"}, "strict": True},
    }
    assert response_format_input(openai) == {
        "type": "json_schema",
        "json_schema": {"name": "P", "schema": {"type": "object"}},
    }
    wrapped = response_format_input(Person)
    assert wrapped["json_schema"]["name"] == "Person"
    assert wrapped["json_schema"]["schema"]["required"] == ["name"]
    assert response_format_input({"type": "json_object"}) == {"type": "json_object"}


def test_bind_tools_returns_a_binding_with_the_family_forms() -> None:
    model = ChatReplicate(model="ibm-granite/granite-4.0-h-small", api_key=TOKEN)
    bound = model.bind_tools([get_weather], tool_choice="any")
    assert isinstance(bound, RunnableBinding)
    assert bound.kwargs["tool_choice"] == "required"
    assert bound.kwargs["tools"][0]["function"]["name"] == "get_weather"
    with pytest.raises(ValueError, match="names no bound tool"):
        model.bind_tools([get_weather], tool_choice="get_time")


def test_profile_says_what_the_family_can_do() -> None:
    granite = model_profile("ibm-granite/granite-4.0-h-small")
    assert granite["tool_calling"] is True
    assert granite["structured_output"] is True
    assert model_profile("ibm-granite/granite-4.1-8b:abc")["tool_calling"] is True
    assert model_profile("openai/gpt-5-nano")["image_inputs"] is True
    llama = model_profile("meta/meta-llama-3-8b-instruct")
    assert llama["tool_calling"] is True  # by prompt
    assert llama["structured_output"] is False  # no native response format
    model = ChatReplicate(model="ibm-granite/granite-4.0-h-small", api_key=TOKEN)
    assert model.profile is not None
    assert model.profile["tool_calling"] is True


# --- messages in OpenAI form ---------------------------------------------------------


def test_history_with_tool_calls_and_results_in_openai_form() -> None:
    messages = [
        SystemMessage("Be brief."),
        HumanMessage("What is 1 + 2"),
        AIMessage(
            [
                {"type": "text", "text": "some text"},
                {"type": "tool_use", "id": "abc", "name": "add", "input": {"a": 1}},
            ],
            tool_calls=[{"name": "add", "args": {"a": "你好"}, "id": "abc"}],
        ),
        ToolMessage('{"result": 3}', tool_call_id="abc", status="error"),
    ]
    assert to_chat_completion_messages(messages) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 1 + 2"},
        {
            "role": "assistant",
            "content": "some text",
            "tool_calls": [
                {
                    "id": "abc",
                    "type": "function",
                    "function": {"name": "add", "arguments": '{"a": "你好"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "abc", "content": '{"result": 3}'},
    ]


def test_images_are_image_url_parts_and_tool_only_turns_have_null_content() -> None:
    messages = [
        HumanMessage(
            [
                {"type": "text", "text": "What is this?"},
                {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"},
            ]
        ),
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "x"}]),
    ]
    user, assistant = to_chat_completion_messages(messages)
    assert user["content"] == [
        {"type": "text", "text": "What is this?"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="},
        },
    ]
    assert assistant["content"] is None
    assert assistant["tool_calls"][0]["function"]["arguments"] == "{}"


def test_function_messages_are_refused() -> None:
    with pytest.raises(ValueError, match="not supported"):
        to_chat_completion_messages([FunctionMessage(content="x", name="f")])


# --- the prompt inputs ---------------------------------------------------------


def test_the_family_is_recognised_by_messages_and_tools() -> None:
    assert is_chat_completions(GRANITE)
    assert not is_chat_completions(LLAMA)


def test_max_tokens_goes_to_the_input_that_is_not_deprecated() -> None:
    assert GRANITE.max_tokens_name() == "max_completion_tokens"
    assert LLAMA.max_tokens_name() == "max_tokens"


def test_chat_prompt_sends_tools_choice_format_stop_and_stream() -> None:
    request = ToolRequest.pop_from(
        {"tools": [get_weather], "tool_choice": "get_weather"}
    )
    prompt = chat_prompt(
        [HumanMessage("hi")],
        GRANITE,
        model="ibm-granite/granite-4.0-h-small",
        tool_request=request,
        stream=True,
        stop=["END"],
    )
    assert prompt.prompt_key == "messages"
    assert prompt.prompt == [{"role": "user", "content": "hi"}]
    assert prompt.inputs["tool_choice"] == json.dumps(
        {"type": "function", "function": {"name": "get_weather"}}
    )
    assert prompt.inputs["stop"] == ["END"]
    assert prompt.inputs["stream"] is True
    assert prompt.inputs["tools"][0]["function"]["name"] == "get_weather"


def test_no_tool_choice_is_sent_without_tools() -> None:
    request = ToolRequest.pop_from({"tools": [], "tool_choice": "auto"})
    prompt = chat_prompt(
        [HumanMessage("hi")],
        GRANITE,
        model="ibm-granite/granite-4.0-h-small",
        tool_request=request,
    )
    assert "tool_choice" not in prompt.inputs
    assert "tools" not in prompt.inputs


def test_native_tools_for_a_model_without_a_tools_input_fail_before_any_request() -> (
    None
):
    request = ToolRequest.pop_from({"tools": [get_weather]})
    with pytest.raises(ReplicateInputError, match="takes no `tools` input"):
        chat_prompt(
            [HumanMessage("hi")],
            LLAMA,
            model="meta/meta-llama-3-8b-instruct",
            tool_request=request,
            tool_calling="native",
        )


def test_tools_for_a_model_without_a_tools_input_go_by_prompt() -> None:
    request = ToolRequest.pop_from({"tools": [get_weather]})
    prompt = chat_prompt(
        [HumanMessage("hi")],
        LLAMA,
        model="meta/meta-llama-3-8b-instruct",
        tool_request=request,
    )
    assert '"name": "get_weather"' in prompt.inputs["system_prompt"]
    assert prompt.prompt == "hi"


def test_prompt_path_for_a_chat_completions_model_sends_no_tools_input() -> None:
    request = ToolRequest.pop_from({"tools": [get_weather], "tool_choice": "any"})
    prompt = chat_prompt(
        [HumanMessage("hi")],
        GRANITE,
        model="ibm-granite/granite-4.0-h-small",
        tool_request=request,
        tool_calling="prompt",
    )
    assert prompt.prompt_key == "messages"
    assert "tools" not in prompt.inputs
    assert "tool_choice" not in prompt.inputs
    roles = [m["role"] for m in prompt.prompt]
    assert roles == ["system", "user", "assistant"]
    assert '"name": "get_weather"' in prompt.prompt[0]["content"]
    assert prompt.prompt[-1]["content"] == "<tool_call>\n"


# --- in: chat-completion JSON -------------------------------------------------------


def reader(stop: list[str] | None = None) -> CompletionReader:
    plan = CallPlan.make(
        ref=parse_model_ref("ibm-granite/granite-4.0-h-small"),
        standard={},
        model_kwargs={},
        stop=stop,
        call_kwargs={},
    )
    call = plan.prepare([{"role": "user", "content": "hi"}], GRANITE)
    return CompletionReader(call)


PREDICTION = {"id": "p1", "status": "succeeded", "metrics": {}}


def usage(chunk: ChatGenerationChunk) -> UsageMetadata | None:
    assert isinstance(chunk.message, AIMessageChunk)
    return chunk.message.usage_metadata


def stream_items(*deltas: dict[str, Any], usage: bool = True) -> list[str]:
    items = [
        json.dumps({"id": "c", "choices": [{"index": 0, "delta": d}]}) for d in deltas
    ]
    items.append(
        json.dumps(
            {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        )
    )
    if usage:
        items.append(
            json.dumps(
                {
                    "id": "c",
                    "choices": [],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 2},
                }
            )
        )
    return items


def test_a_whole_response_becomes_one_message() -> None:
    body = {
        "choices": [
            {
                "message": {
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "t1",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"x": 1}'},
                        },
                        {
                            "id": "t2",
                            "type": "function",
                            "function": {"name": "g", "arguments": '{"x": '},
                        },
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }
    result = reader().read_all(json.dumps(body), PREDICTION)
    message = result.generations[0].message
    assert isinstance(message, AIMessage)
    assert message.content == ""
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("f", {"x": 1}, "t1")
    ]
    (invalid,) = message.invalid_tool_calls
    assert (invalid["name"], invalid["args"], invalid["id"]) == ("g", '{"x": ', "t2")
    assert message.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
    }
    assert message.response_metadata["finish_reason"] == "tool_calls"


def test_streamed_items_split_and_joined_anyhow_give_the_same_chunks() -> None:
    items = stream_items(
        {"role": "assistant", "content": ""},
        {"content": "Hel"},
        {"content": "lo"},
        {"tool_calls": [{"index": 0, "id": "t", "function": {"name": "f"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"a"'}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]},
    )
    text = "".join(items)
    for pieces in (items, [text[i : i + 7] for i in range(0, len(text), 7)], [text]):
        read = reader()
        chunks = [c for piece in pieces for c in read.feed(piece)]
        chunks += read.finish(PREDICTION)
        total = chunks[0].message
        for chunk in chunks[1:]:
            total += chunk.message
        assert isinstance(total, AIMessageChunk)
        assert total.content == "Hello"
        assert total.tool_calls == [
            {"name": "f", "args": {"a": 1}, "id": "t", "type": "tool_call"}
        ]
        assert [usage(c) is not None for c in chunks].count(True) == 1
        assert usage(chunks[-1]) == {
            "input_tokens": 3,
            "output_tokens": 2,
            "total_tokens": 5,
        }


def test_no_usage_chunk_and_no_metrics_means_usage_absent_not_zero() -> None:
    read = reader()
    chunks = read.feed("".join(stream_items({"content": "x"}, usage=False)))
    chunks += read.finish(PREDICTION)
    assert all(usage(c) is None for c in chunks)
    read = reader()
    read.feed("".join(stream_items({"content": "x"}, usage=False)))
    metrics = {"token_input_count": 4, "token_output_count": 1}
    (last,) = read.finish({**PREDICTION, "metrics": metrics})
    assert usage(last) == {
        "input_tokens": 4,
        "output_tokens": 1,
        "total_tokens": 5,
    }


def test_our_stop_sequence_cuts_content_and_ends_reading() -> None:
    read = reader(stop=["STOP"])
    chunks = read.feed(
        "".join(stream_items({"content": "abc ST"}, {"content": "OP x"}))
    )
    assert read.stopped
    chunks += read.finish(None)
    assert "".join(str(c.message.content) for c in chunks) == "abc "
    assert chunks[-1].message.response_metadata["finish_reason"] == "stop_sequence"
    assert chunks[-1].message.response_metadata["status"] == "canceled"


def test_output_that_is_not_chat_completion_json_is_a_typed_error() -> None:
    read = reader()
    read.feed("Hello, I am plain text")
    with pytest.raises(ReplicatePredictionError, match="not chat-completion JSON"):
        read.finish(PREDICTION)
    read = reader()
    read.feed("[1, 2]")
    with pytest.raises(ReplicatePredictionError, match="not chat-completion JSON"):
        read.finish(PREDICTION)


def test_final_message_parses_streamed_arguments_strictly() -> None:
    chunk = AIMessageChunk(
        content="",
        tool_call_chunks=[{"name": "f", "args": '{"a": 1', "id": None, "index": 0}],
    )
    assert chunk.tool_calls  # lenient partial parsing while streaming...
    message = final_message(chunk, make_id=lambda i: f"call_{i}")
    assert message.tool_calls == []  # ...but a finished message is strict
    assert message.invalid_tool_calls[0]["id"] == "call_0"


def test_ai_chunks_from_raw_calls_sum_into_one_call() -> None:
    first = ai_chunk("", [RawToolCall("f", "", "id1", index=0)])
    rest = ai_chunk("ok", [RawToolCall("", '{"a": 2}', None, index=0)])
    total = first + rest
    assert total.content == "ok"
    assert final_message(total).tool_calls == [
        {"name": "f", "args": {"a": 2}, "id": "id1", "type": "tool_call"}
    ]


def test_parse_tool_calls_keeps_ids_and_rejects_non_objects() -> None:
    valid, invalid = parse_tool_calls(
        [RawToolCall("f", "", "a"), RawToolCall("g", "[1]", "b")]
    )
    assert valid == [{"name": "f", "args": {}, "id": "a", "type": "tool_call"}]
    assert invalid[0]["id"] == "b"
    assert "not a JSON object" in str(invalid[0]["error"])


def test_vllm_error_json_is_decoded() -> None:
    body = {"object": "error", "message": "Tool 'x' is unknown.", "type": "BadRequest"}
    assert decode_model_error(json.dumps(body)) == "Tool 'x' is unknown. (BadRequest)"
    assert decode_model_error("CUDA out of memory") == "CUDA out of memory"
    assert decode_model_error(json.dumps({"error": {"message": "m"}})) == "m"


# --- the client on a scripted chat-completions model (no sockets) ------------------


def granite_fake(tokens: list[str]) -> FakeReplicate:
    schema = {
        "components": {
            "schemas": {
                "Input": GRANITE_4_0_H_SMALL.input_schema,
                "Output": GRANITE_4_0_H_SMALL.output_schema,
            }
        }
    }
    return FakeReplicate(schema=schema, tokens=tokens, metrics={})


def granite_chat(fake: FakeReplicate, mode: str) -> ChatReplicate:
    return ChatReplicate(
        model="ibm-granite/granite-4.0-h-small",
        api_key=TOKEN,
        base_url=fake.base_url,
        client_kwargs={"transport": fake.transport(use_async=mode == "async")},
    )


def delta_items(*texts: str) -> list[str]:
    return [
        json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]})
        for text in texts
    ]


async def test_a_model_that_ignores_stop_is_cut_and_canceled(mode: str) -> None:
    fake = granite_fake(delta_items("Hello", " wor", "ld STO", "P and more"))
    chat = granite_chat(fake, mode)
    result = await invoke(chat, mode, "Hi", stop=["STOP"])
    assert result.content == "Hello world "
    assert result.response_metadata["finish_reason"] == "stop_sequence"
    assert fake.bodies()[0]["input"]["stop"] == ["STOP"]
    assert fake.bodies()[0]["input"]["stream"] is True
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


async def test_malformed_model_json_is_a_typed_error_or_an_invalid_call(
    mode: str,
) -> None:
    fake = granite_fake(["I am not JSON"])
    chat = granite_chat(fake, mode)
    with pytest.raises(ReplicatePredictionError, match="not chat-completion JSON"):
        await invoke(chat, mode, "Hi")
    bad_call = {
        "choices": [
            {
                "message": {
                    "tool_calls": [
                        {
                            "id": "t1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": "{'x'"},
                        }
                    ]
                },
                "finish_reason": "tool_calls",
            }
        ]
    }
    fake = granite_fake([json.dumps(bad_call)])
    bound = granite_chat(fake, mode).bind_tools([get_weather])
    message = await invoke(bound, mode, "Hi")
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["id"] == "t1"
    assert message.invalid_tool_calls[0]["args"] == "{'x'"
