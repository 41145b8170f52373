"""Tool calling, structured output and agents on the chat-completions models.

Real HTTP against the local server's Granite models (4.0: nulls omitted, a
usage chunk, `input_token_count` metrics; 4.1: nulls written, no usage chunk,
`token_*_count` metrics, none when streamed). Their replies follow the rules
documented in `langchain_replicate.testing._models.chat_completions` and `_tool_rules`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_replicate import (
    ChatReplicate,
    ReplicateInputError,
    ReplicatePredictionError,
)
from tests.modes import MODES, invoke, stream

if TYPE_CHECKING:
    from replicate.client import Client

    from langchain_replicate.testing import LocalReplicateServer

GRANITE_40 = "ibm-granite/granite-4.0-h-small"
GRANITE_41 = "ibm-granite/granite-4.1-8b"
GRANITES = [GRANITE_40, GRANITE_41]
LLAMA_3 = "meta/meta-llama-3-8b-instruct"


@tool
def get_weather(location: str) -> str:
    """Get the current weather at a location."""
    return f"It is sunny and 21 degrees in {location}."


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


class Forecast(BaseModel):
    """A weather forecast."""

    city: str = Field(description="The city")
    degrees: int = Field(description="Temperature in degrees Celsius")


def chat(server: LocalReplicateServer, model: str, **kwargs: Any) -> ChatReplicate:
    return ChatReplicate(
        model=model, api_key=server.api_token, base_url=server.base_url, **kwargs
    )


def prediction_input(client: Client, message: AIMessage) -> dict[str, Any]:
    prediction = client.predictions.get(message.response_metadata["prediction_id"])
    assert prediction.input is not None
    return prediction.input


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", GRANITES)
async def test_tool_call_round_trip(
    replicate_server: LocalReplicateServer, client: Client, mode: str, model: str
) -> None:
    bound = chat(replicate_server, model).bind_tools([get_weather, add])
    question = HumanMessage("What is the weather in Lisbon?")
    call = await invoke(bound, mode, [question])
    assert isinstance(call, AIMessage)
    (tool_call,) = call.tool_calls
    assert tool_call["name"] == "get_weather"
    assert tool_call["args"] == {"location": "Lisbon"}
    assert str(tool_call["id"]).startswith("chatcmpl-tool-")
    assert call.response_metadata["finish_reason"] == "tool_calls"
    assert call.usage_metadata is not None
    assert call.usage_metadata["output_tokens"] > 0
    sent = prediction_input(client, call)
    assert [t["function"]["name"] for t in sent["tools"]] == ["get_weather", "add"]
    assert "tool_choice" not in sent

    result = get_weather.invoke(tool_call)
    assert isinstance(result, ToolMessage)
    answer = await invoke(bound, mode, [question, call, result])
    assert answer.tool_calls == []
    assert "It is sunny and 21 degrees in Lisbon." in answer.text
    history = prediction_input(client, answer)["messages"]
    assert history[1]["tool_calls"][0]["id"] == tool_call["id"]
    assert json.loads(history[1]["tool_calls"][0]["function"]["arguments"]) == {
        "location": "Lisbon"
    }
    assert history[2] == {
        "role": "tool",
        "tool_call_id": tool_call["id"],
        "content": "It is sunny and 21 degrees in Lisbon.",
    }


@pytest.mark.parametrize("mode", MODES)
async def test_streamed_tool_calls_arrive_in_chunks_with_usage_once(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    bound = chat(replicate_server, GRANITE_40).bind_tools([add], tool_choice="add")
    chunks = await stream(bound, mode, "What is add(2, 40)?")
    assert sum(bool(c.tool_call_chunks) for c in chunks) > 2  # split arguments
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.tool_calls[0]["args"] == {"a": 2, "b": 40}
    assert [c.usage_metadata is not None for c in chunks].count(True) == 1
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].response_metadata["finish_reason"] == "stop"  # a named choice


@pytest.mark.parametrize("mode", MODES)
async def test_granite_4_1_streamed_usage_is_absent_not_zero(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = chat(replicate_server, GRANITE_41, max_tokens=6)
    chunks = await stream(model, mode, "Hi there")
    assert "".join(c.text for c in chunks) == 'You asked: "Hi there'
    assert all(c.usage_metadata is None for c in chunks)
    whole = await invoke(model, mode, "Hi there")
    assert whole.usage_metadata == {
        "input_tokens": 2,
        "output_tokens": 6,
        "total_tokens": 8,
    }
    assert whole.response_metadata["metrics"]["token_output_count"] == 6
    assert whole.response_metadata["finish_reason"] == "length"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", GRANITES)
async def test_stop_sequence_cuts_the_content(
    replicate_server: LocalReplicateServer, client: Client, mode: str, model: str
) -> None:
    result = await invoke(chat(replicate_server, model), mode, "Hi", stop=["reference"])
    assert result.text == 'You asked: "Hi". This is a '
    assert result.response_metadata["finish_reason"] == "stop_sequence"
    assert prediction_input(client, result)["stop"] == ["reference"]


@pytest.mark.parametrize("mode", MODES)
async def test_tool_choice_errors_come_before_any_request(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = chat(replicate_server, GRANITE_40)
    with pytest.raises(ValueError, match="'get_time' names no bound tool"):
        model.bind_tools([get_weather], tool_choice="get_time")
    with pytest.raises(ValueError, match=r"tools\[0\] \(42\) cannot be converted"):
        model.bind_tools([42])
    replicate_server.clear_request_log()
    with pytest.raises(ReplicateInputError, match="names no bound tool"):
        await invoke(model, mode, "hi", tools=[get_weather], tool_choice="nope")
    assert replicate_server.request_log() == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_failed_prediction_carries_the_models_decoded_error(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    # The named function reaches the model unchecked through model_kwargs.
    named = json.dumps({"type": "function", "function": {"name": "nope"}})
    model = chat(replicate_server, GRANITE_40, model_kwargs={"tool_choice": named})
    with pytest.raises(ReplicatePredictionError) as info:
        await invoke(model.bind_tools([get_weather]), mode, "hi")
    assert "Tool 'nope' has not been passed in `tools`. (BadRequestError)" in str(
        info.value
    )


@pytest.mark.parametrize("mode", MODES)
async def test_models_without_a_tools_input_refuse_tools_before_any_request(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    # Native tool calling only: by default such models get the tools by prompt.
    model = chat(replicate_server, LLAMA_3, tool_calling="native")
    replicate_server.clear_request_log()
    with pytest.raises(ReplicateInputError, match="takes no `tools` input"):
        await invoke(model.bind_tools([get_weather]), mode, "weather?")
    with pytest.raises(ReplicateInputError, match="documents"):
        await invoke(model, mode, "hi", documents=[{"text": "x"}])
    assert all(method == "GET" for method, _ in replicate_server.request_log())


@pytest.mark.parametrize("mode", MODES)
async def test_documents_and_chat_template_kwargs_reach_the_model(
    replicate_server: LocalReplicateServer, client: Client, mode: str
) -> None:
    documents = [{"doc_id": "1", "title": "Court", "text": "She joined the Supreme"}]
    result = await invoke(
        chat(replicate_server, GRANITE_40, max_tokens=120),
        mode,
        "Who joined?",
        documents=documents,
        chat_template_kwargs={"thinking": False},
    )
    assert 'According to document "Court": She joined the Supreme' in result.text
    sent = prediction_input(client, result)
    assert sent["documents"] == documents
    assert sent["chat_template_kwargs"] == {"thinking": False}
    # Both are chat-template variables: documents may come either way.
    via_template = await invoke(
        chat(replicate_server, GRANITE_40, max_tokens=120),
        mode,
        "Who joined?",
        chat_template_kwargs={"documents": documents},
    )
    assert 'According to document "Court"' in via_template.text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
async def test_structured_output(
    replicate_server: LocalReplicateServer, mode: str, method: str
) -> None:
    model = chat(replicate_server, GRANITE_40)
    structured = model.with_structured_output(Forecast, method=method)  # type: ignore[arg-type]
    result = await invoke(structured, mode, "The forecast for 'Porto' is 18 degrees")
    assert result == Forecast(city="Porto", degrees=18)
    raw = model.with_structured_output(Forecast, method=method, include_raw=True)  # type: ignore[arg-type]
    out = await invoke(raw, mode, "The forecast for 'Porto' is 18 degrees")
    assert isinstance(out["raw"], AIMessage)
    assert out["parsed"] == Forecast(city="Porto", degrees=18)
    assert out["parsing_error"] is None


@pytest.mark.parametrize("mode", MODES)
async def test_json_mode_without_a_schema(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    structured = chat(replicate_server, GRANITE_41).with_structured_output(
        method="json_mode"
    )
    result = await invoke(structured, mode, "Give 'city' and 'country' for Lisbon.")
    assert result == {"city": "Lisbon", "country": "Lisbon"}


@pytest.mark.parametrize("mode", MODES)
async def test_agent_runs_the_full_loop(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    agent = create_agent(chat(replicate_server, GRANITE_40), [get_weather, add])
    state = await invoke(
        agent, mode, {"messages": [HumanMessage("What is the weather in Oslo?")]}
    )
    kinds = [type(m).__name__ for m in state["messages"]]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    assert state["messages"][2].content == "It is sunny and 21 degrees in Oslo."
    assert "It is sunny and 21 degrees in Oslo." in state["messages"][-1].text


@pytest.mark.parametrize("mode", MODES)
async def test_agent_gives_a_structured_final_answer(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    agent = create_agent(
        chat(replicate_server, GRANITE_40),
        [get_weather],
        response_format=Forecast,
    )
    state = await invoke(
        agent,
        mode,
        {"messages": [HumanMessage("What is the weather in 'Oslo', 21 degrees?")]},
    )
    kinds = [type(m).__name__ for m in state["messages"]]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    assert state["structured_response"] == Forecast(city="Oslo", degrees=21)
