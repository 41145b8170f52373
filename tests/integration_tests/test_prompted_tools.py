"""Tool calling and structured output by prompt, over HTTP to the local server.

The reference text models answer tool prompts as Hermes-trained models do
(`langchain_replicate/testing/_prompted.py`), so these runs go through the
whole path: the prompt, the model's reply, the parser, the agent loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ToolStrategy
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    ToolMessage,
)
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_replicate import ChatReplicate, ReplicateInputError
from tests.modes import MODES, invoke

if TYPE_CHECKING:
    from replicate.client import Client

    from langchain_replicate.testing import LocalReplicateServer

MODELS = ["meta/meta-llama-3-8b-instruct", "openai/gpt-5-nano"]


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"It is sunny in {location}"


@tool
def magic_function(input: int) -> int:  # noqa: A002 - the standard tests' name
    """Apply a magic function to an input."""
    return input + 2


def chat(server: LocalReplicateServer, model: str, **kwargs: Any) -> ChatReplicate:
    return ChatReplicate(
        model=model, api_key=server.api_token, base_url=server.base_url, **kwargs
    )


@pytest.mark.parametrize("model", MODELS)
def test_agent_loop_calls_the_tool_and_answers_with_its_result(
    replicate_server: LocalReplicateServer, model: str
) -> None:
    agent = create_agent(chat(replicate_server, model), [get_weather])
    result = agent.invoke(
        {"messages": [HumanMessage("What is the weather in Paris? Use get_weather.")]}
    )
    messages = result["messages"]
    call, tool_result, answer = messages[1], messages[2], messages[-1]
    assert isinstance(call, AIMessage)
    assert [(c["name"], c["args"]) for c in call.tool_calls] == [
        ("get_weather", {"location": "Paris"})
    ]
    assert isinstance(tool_result, ToolMessage)
    assert tool_result.tool_call_id == call.tool_calls[0]["id"]
    assert isinstance(answer, AIMessage)
    assert "It is sunny in Paris" in str(answer.content)
    assert len(messages) == 4


@pytest.mark.parametrize("model", MODELS)
async def test_async_agent_loop(
    replicate_server: LocalReplicateServer, model: str
) -> None:
    agent = create_agent(chat(replicate_server, model), [get_weather, magic_function])
    result = await agent.ainvoke(
        {"messages": [HumanMessage("What is magic_function(5)?")]}
    )
    assert result["messages"][1].tool_calls[0]["args"] == {"input": 5}
    # Template models get `<tool_response>` turns, messages models plain ones.
    assert result["messages"][-1].content in {
        'The tool returned: "7".',
        'The tool returned: "The function magic_function returned: 7".',
    }


class WeatherReport(BaseModel):
    """The final answer of a weather agent."""

    location: str
    summary: str


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("strategy", ["default", "tool"])
@pytest.mark.parametrize("model", [*MODELS, "ibm-granite/granite-4.0-h-small"])
async def test_agent_with_a_response_format_answers_with_the_schema(
    replicate_server: LocalReplicateServer, model: str, strategy: str, mode: str
) -> None:
    # By default `create_agent` takes Granite (its profile) and openai/gpt-5* (its
    # name) for native structured output and binds `response_format` next to the
    # tools; llama gets the tool strategy, which forces a call to an answer tool
    # after the results. Every path must end in a WeatherReport after the tool ran.
    response_format = (
        WeatherReport if strategy == "default" else ToolStrategy(WeatherReport)
    )
    agent = create_agent(
        chat(replicate_server, model), [get_weather], response_format=response_format
    )
    result = await invoke(
        agent, mode, {"messages": [HumanMessage("What is the weather in Paris?")]}
    )
    messages = result["messages"]
    assert messages[1].tool_calls[0]["name"] == "get_weather"
    assert isinstance(messages[2], ToolMessage)
    assert "It is sunny in Paris" in str(messages[2].content)
    report = result["structured_response"]
    assert isinstance(report, WeatherReport)
    assert "Paris" in report.location


@pytest.mark.parametrize("model", MODELS)
def test_streamed_call_names_its_tool_before_the_arguments_end(
    replicate_server: LocalReplicateServer, model: str
) -> None:
    bound = chat(replicate_server, model).bind_tools([get_weather])
    chunks = [
        chunk
        for chunk in bound.stream("What is the weather in Paris?")
        if isinstance(chunk, AIMessageChunk)
    ]
    pieces = [c for c in chunks if c.tool_call_chunks]
    assert pieces[0].tool_call_chunks[0]["name"] == "get_weather"
    assert len(pieces) > 3  # the arguments arrive in several fragments
    assert all(c.content == "" for c in chunks)
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [
        ("get_weather", {"location": "Paris"})
    ]
    assert full.response_metadata["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("stream", [False, True])
def test_stop_sequence_still_cancels_the_prediction(
    replicate_server: LocalReplicateServer, client: Client, stream: bool
) -> None:
    # gpt-5-nano takes no stop input: the client stops and cancels. No tool
    # fits the question, so the reply is the long reference text.
    bound = chat(replicate_server, MODELS[1], max_tokens=200).bind_tools([get_weather])
    if stream:
        message: Any = None
        for chunk in bound.stream("Hi there", stop=["reference"]):
            message = chunk if message is None else message + chunk
    else:
        message = bound.invoke("Hi there", stop=["reference"])
    assert message.content == 'You asked: "Hi there". This is a '
    assert message.tool_calls == []
    assert message.response_metadata["finish_reason"] == "stop_sequence"
    prediction = client.predictions.get(message.response_metadata["prediction_id"])
    assert prediction.status == "canceled"


def test_stop_sequence_inside_a_call_keeps_the_call(
    replicate_server: LocalReplicateServer,
) -> None:
    bound = chat(replicate_server, MODELS[0]).bind_tools([get_weather])
    message = bound.invoke("What is the weather in Paris?", stop=["</tool_call>"])
    # Cut before the closing tag: the parser forgives it at the end.
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"location": "Paris"})
    ]


def test_tool_choice_none_leaves_the_tools_out(
    replicate_server: LocalReplicateServer, client: Client
) -> None:
    bound = chat(replicate_server, MODELS[0]).bind_tools(
        [get_weather], tool_choice="none"
    )
    message = bound.invoke("What is the weather in Paris?")
    assert message.tool_calls == []
    prediction = client.predictions.get(message.response_metadata["prediction_id"])
    assert "get_weather" not in str(prediction.input)


def test_named_choice_prefills_the_call_for_a_template_model(
    replicate_server: LocalReplicateServer, client: Client
) -> None:
    bound = chat(replicate_server, MODELS[0]).bind_tools(
        [get_weather, magic_function], tool_choice="magic_function"
    )
    message = bound.invoke("Hello!")
    assert [c["name"] for c in message.tool_calls] == ["magic_function"]
    prediction = client.predictions.get(message.response_metadata["prediction_id"])
    assert prediction.input is not None
    assert prediction.input["prompt"].endswith(
        '<tool_call>\n{"name": "magic_function", "arguments": '
    )


class Joke(BaseModel):
    """Joke to tell user."""

    setup: str = Field(description="question to set up a joke")
    punchline: str = Field(description="answer to resolve the joke")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
def test_structured_output_by_prompt(
    replicate_server: LocalReplicateServer, model: str, method: str
) -> None:
    structured = chat(replicate_server, model).with_structured_output(
        Joke,
        method=method,  # type: ignore[arg-type]
    )
    joke = structured.invoke(
        "Tell me a joke about cats, with a 'setup' and a 'punchline'."
    )
    assert isinstance(joke, Joke)


def test_native_path_refused_for_a_model_without_a_tools_input(
    replicate_server: LocalReplicateServer, client: Client
) -> None:
    bound = chat(replicate_server, MODELS[0], tool_calling="native").bind_tools(
        [get_weather]
    )
    before = len(client.predictions.list().results)
    with pytest.raises(ReplicateInputError, match="cannot call tools natively"):
        bound.invoke("What is the weather in Paris?")
    assert len(client.predictions.list().results) == before


GRANITE = "ibm-granite/granite-4.0-h-small"


@pytest.mark.parametrize("stream", [False, True])
def test_prompt_path_forced_on_a_chat_completions_model(
    replicate_server: LocalReplicateServer, client: Client, stream: bool
) -> None:
    bound = chat(replicate_server, GRANITE, tool_calling="prompt").bind_tools(
        [get_weather]
    )
    if stream:
        message: Any = None
        for chunk in bound.stream("What is the weather in Paris?"):
            message = chunk if message is None else message + chunk
    else:
        message = bound.invoke("What is the weather in Paris?")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"location": "Paris"})
    ]
    assert message.content == ""
    assert message.response_metadata["finish_reason"] == "tool_calls"
    prediction = client.predictions.get(message.response_metadata["prediction_id"])
    assert prediction.input is not None
    assert not prediction.input.get("tools")  # the default, []
    assert "<tools>" in prediction.input["messages"][0]["content"]


def test_agent_loop_on_the_prompt_path_of_a_chat_completions_model(
    replicate_server: LocalReplicateServer,
) -> None:
    model = chat(replicate_server, GRANITE, tool_calling="prompt")
    result = create_agent(model, [get_weather]).invoke(
        {"messages": [HumanMessage("What is the weather in Paris?")]}
    )
    assert [type(m).__name__ for m in result["messages"]] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]
    assert "It is sunny in Paris" in str(result["messages"][-1].content)
