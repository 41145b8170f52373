"""Reading reasoning, over HTTP to the local server.

`replicate-testing/think-echo` thinks deterministically (`<think>…</think>`,
each tag split over two SSE tokens), then echoes the prompt, so the tests
choose the answer: text, a `<tool_call>`, JSON. It belongs to no reasoning
family, so these calls set `reasoning=True`; the family defaults run on
`deepseek-ai/deepseek-r1` when the server has that reference model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.tools import tool
from langchain_tests.integration_tests import ChatModelIntegrationTests
from pydantic import BaseModel

from langchain_replicate import ChatReplicate
from langchain_replicate.testing.catalogue.replicate_testing import THINK_ECHO
from tests.modes import invoke, stream

if TYPE_CHECKING:
    from langchain_replicate.testing import LocalReplicateServer

MODEL = f"replicate-testing/think-echo:{THINK_ECHO.version}"
PROMPT = "Paris is the capital of France."
THOUGHT = "The user wrote 6 words. I will repeat them exactly."


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def chat(server: LocalReplicateServer, **kwargs: Any) -> ChatReplicate:
    params: dict[str, Any] = {"model": MODEL, "reasoning": True}
    return ChatReplicate(
        api_key=server.api_token, base_url=server.base_url, **{**params, **kwargs}
    )


def total(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    return full


async def test_invoke_separates_the_thinking(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    message = await invoke(chat(replicate_server), mode, PROMPT)
    assert message.content == PROMPT
    assert message.additional_kwargs == {"reasoning_content": THOUGHT}
    assert [block["type"] for block in message.content_blocks] == [
        "reasoning",
        "text",
    ]


async def test_stream_gives_the_thinking_first_then_the_answer(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    chunks = await stream(chat(replicate_server), mode, PROMPT)
    kinds = [
        "r" if c.additional_kwargs.get("reasoning_content") else "a"
        for c in chunks
        if c.content or c.additional_kwargs
    ]
    assert "".join(kinds) == "r" * 10 + "a" * 6  # one chunk per token, tags held
    full = total(chunks)
    assert (full.content, full.additional_kwargs) == (
        PROMPT,
        {"reasoning_content": THOUGHT},
    )


async def test_without_the_switch_the_text_is_left_as_is(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    message = await invoke(chat(replicate_server, reasoning=None), mode, PROMPT)
    assert message.content == f"<think>\n{THOUGHT}\n</think>\n\n{PROMPT}"
    assert message.additional_kwargs == {}


async def test_a_budget_spent_on_thinking_leaves_an_empty_answer(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = chat(replicate_server, max_tokens=6)
    message = await invoke(model, mode, PROMPT)
    assert message.content == ""
    assert message.additional_kwargs == {"reasoning_content": "The user wrote"}
    assert message.response_metadata["reasoning_incomplete"] is True
    assert message.response_metadata["finish_reason"] == "length"


async def test_reasoning_false_drops_it(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    message = await invoke(chat(replicate_server, reasoning=False), mode, PROMPT)
    assert (message.content, message.additional_kwargs) == (PROMPT, {})


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"It is sunny in {location}"


CALL = (
    '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n'
    "</tool_call>"
)


async def test_a_tool_call_after_thinking_is_one_call(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    # The echo model repeats the user's text: here the user scripts the reply's
    # tool call on purpose, so the tags are sent live (the documented opt-out).
    echo = chat(replicate_server, escape_special_tokens=False)
    bound = echo.bind_tools([get_weather])
    message = await invoke(bound, mode, CALL)
    assert isinstance(message, AIMessage)
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"location": "Paris"})
    ]
    assert message.content == ""
    assert "reasoning_content" in message.additional_kwargs
    full = total(await stream(bound, mode, CALL))
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [
        ("get_weather", {"location": "Paris"})
    ]


class City(BaseModel):
    city: str


async def test_json_mode_after_thinking_parses_the_answer(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    structured = chat(replicate_server).with_structured_output(
        City, method="json_schema"
    )
    assert await invoke(structured, mode, '{"city": "Paris"}') == City(city="Paris")
    loose = chat(replicate_server).with_structured_output(method="json_mode")
    assert await invoke(loose, mode, '{"n": 1}') == {"n": 1}


async def test_the_thinking_is_not_sent_back(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = chat(replicate_server, prompt_template="deepseek")
    first = await invoke(model, mode, PROMPT)
    await invoke(model, mode, [HumanMessage(PROMPT), first, HumanMessage("Again.")])
    sent = replicate_server.predictions()[-1].input
    assert PROMPT in str(sent)
    assert "I will repeat" not in str(sent)


async def test_a_stop_sequence_in_the_answer_cancels_and_keeps_the_thinking(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    long_prompt = " ".join([PROMPT] * 30)  # 180 tokens left after the stop
    message = await invoke(chat(replicate_server), mode, long_prompt, stop=[" capital"])
    assert message.content == "Paris is the"
    thought = "The user wrote 180 words. I will repeat them exactly."
    assert message.additional_kwargs == {"reasoning_content": thought}
    assert replicate_server.predictions()[-1].status == "canceled"


R1 = "deepseek-ai/deepseek-r1"


async def test_deepseek_r1_is_separated_by_default(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = ChatReplicate(
        model=R1, api_key=replicate_server.api_token, base_url=replicate_server.base_url
    )
    message = await invoke(model, mode, "What is the capital of France?")
    assert message.additional_kwargs.get("reasoning_content")
    assert "<think>" not in message.text
    assert "</think>" not in message.text
    full = total(await stream(model, mode, "What is the capital of France?"))
    assert (full.content, full.additional_kwargs) == (
        message.content,
        message.additional_kwargs,
    )


class TestChatReplicateThinkEcho(ChatModelIntegrationTests):
    """langchain-tests' standard suite on a thinking model, reasoning split.

    The echo model cannot choose tools or write a joke as JSON, so the tool
    calling and structured output tests are off (`test_prompted_tools.py` and
    the tests above cover those paths after thinking).
    """

    @pytest.fixture(autouse=True)
    def _point_at_the_server(
        self, replicate_server: LocalReplicateServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("REPLICATE_BASE_URL", replicate_server.base_url)
        monkeypatch.setenv("REPLICATE_API_TOKEN", replicate_server.api_token)

    @property
    def chat_model_class(self) -> type[ChatReplicate]:
        return ChatReplicate

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": MODEL, "reasoning": True, "prompt_template": "deepseek"}

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def supports_model_override(self) -> bool:
        return False
