"""Reasoning settings and reasoning token counts against the local server's models.

The settings must reach each model under the name its schema gives them; a
model without such an input must fail before any prediction is created
(asserted on the server's own record, `server.predictions()`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from langchain_replicate import ChatReplicate, Replicate, ReplicateInputError
from langchain_replicate.testing._models.reasoning import CLOSE_TAG, OPEN_TAG
from langchain_replicate.testing.catalogue.reasoning import QWEN3
from tests.modes import MODES, invoke, stream

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage, AIMessageChunk

    from langchain_replicate.testing import LocalReplicateServer

QUESTION = "Why is the sky blue?"
QWEN3_REF = f"{QWEN3.ref}:{QWEN3.version}"  # a community model: run by version


def chat(server: LocalReplicateServer, model: str, **kwargs: Any) -> ChatReplicate:
    return ChatReplicate(
        model=model, api_key=server.api_token, base_url=server.base_url, **kwargs
    )


def last_input(server: LocalReplicateServer) -> dict[str, Any]:
    return dict(server.predictions()[-1].input)


@pytest.mark.parametrize("mode", MODES)
async def test_gpt5_effort_reaches_the_model_and_its_reasoning_tokens_the_usage(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = chat(replicate_server, "openai/gpt-5", reasoning_effort="high")
    message: AIMessage = await invoke(model, mode, QUESTION)
    assert last_input(replicate_server)["reasoning_effort"] == "high"
    usage = message.usage_metadata
    assert usage is not None
    reasoning = usage.get("output_token_details", {}).get("reasoning")
    assert isinstance(reasoning, int)
    assert reasoning > 1000
    assert usage["output_tokens"] > reasoning  # the answer's tokens on top
    assert message.content.startswith(f'You asked: "{QUESTION}"')  # type: ignore[union-attr]
    # A call's own setting wins over the instance's.
    low: AIMessage = await invoke(model, mode, QUESTION, reasoning_effort="low")
    assert last_input(replicate_server)["reasoning_effort"] == "low"
    assert low.usage_metadata is not None
    low_reasoning = low.usage_metadata.get("output_token_details", {})["reasoning"]
    assert 0 < low_reasoning < reasoning


@pytest.mark.parametrize("mode", MODES)
async def test_streamed_usage_carries_the_reasoning_tokens(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = chat(replicate_server, "openai/gpt-5-mini", reasoning_effort="medium")
    chunks: list[AIMessageChunk] = await stream(model, mode, QUESTION)
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.usage_metadata is not None
    reasoning = total.usage_metadata.get("output_token_details", {}).get("reasoning")
    assert isinstance(reasoning, int)
    assert reasoning > 0
    prediction = replicate_server.predictions()[-1]
    assert total.usage_metadata["output_tokens"] == prediction.token_count + reasoning


@pytest.mark.parametrize("mode", MODES)
async def test_gpt5_budget_spent_on_reasoning_gives_an_empty_answer(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = chat(
        replicate_server, "openai/gpt-5", reasoning_effort="high", max_tokens=300
    )
    message: AIMessage = await invoke(model, mode, QUESTION)
    assert last_input(replicate_server)["max_completion_tokens"] == 300
    assert message.content == ""
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 300
    assert message.usage_metadata.get("output_token_details") == {"reasoning": 300}
    assert message.response_metadata["finish_reason"] == "length"


@pytest.mark.parametrize("mode", MODES)
async def test_claude_budget_turns_extended_thinking_on(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = chat(replicate_server, "anthropic/claude-4-sonnet", thinking_budget=2048)
    message: AIMessage = await invoke(model, mode, QUESTION)
    sent = last_input(replicate_server)
    assert (sent["extended_thinking"], sent["thinking_budget_tokens"]) == (True, 2048)
    prediction = replicate_server.predictions()[-1]
    assert message.usage_metadata is not None
    # Claude reports no reasoning count: its thinking shows only in the output count.
    assert message.usage_metadata["output_tokens"] > prediction.token_count + 1000
    assert "output_token_details" not in message.usage_metadata


@pytest.mark.parametrize("mode", MODES)
async def test_gemini_budget_and_effort_none_go_to_thinking_budget(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    await invoke(
        chat(replicate_server, "google/gemini-2.5-flash", thinking_budget=256),
        mode,
        QUESTION,
    )
    assert last_input(replicate_server)["thinking_budget"] == 256
    off = chat(replicate_server, "google/gemini-2.5-flash", reasoning_effort="none")
    message: AIMessage = await invoke(off, mode, QUESTION)
    sent = last_input(replicate_server)
    assert (sent["thinking_budget"], sent["dynamic_thinking"]) == (0, False)
    assert message.usage_metadata is not None
    # No thinking at all: the output count is the answer's tokens alone.
    assert message.usage_metadata["output_tokens"] == (
        replicate_server.predictions()[-1].token_count
    )


@pytest.mark.parametrize("mode", MODES)
async def test_effort_none_turns_qwen3_thinking_off(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    thinking: AIMessage = await invoke(
        chat(replicate_server, QWEN3_REF), mode, QUESTION
    )
    assert thinking.additional_kwargs.get("reasoning_content")
    off = chat(replicate_server, QWEN3_REF, reasoning_effort="none")
    message: AIMessage = await invoke(off, mode, QUESTION)
    assert last_input(replicate_server)["enable_thinking"] is False
    assert "reasoning_content" not in message.additional_kwargs
    assert OPEN_TAG not in str(message.content)
    assert CLOSE_TAG not in str(message.content)


@pytest.mark.parametrize(
    ("model", "settings", "names"),
    [
        (
            "deepseek-ai/deepseek-r1",
            {"reasoning_effort": "high"},
            "takes no reasoning effort input",
        ),
        ("openai/gpt-5", {"thinking_budget": 1000}, "takes no thinking budget input"),
        ("openai/gpt-5", {"reasoning_effort": "extreme"}, "'minimal', 'low'"),
        ("anthropic/claude-4-sonnet", {"thinking_budget": 100}, "1024 to 64000"),
        ("meta/meta-llama-3-8b-instruct", {"reasoning_effort": "low"}, "Its inputs"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
async def test_an_unmappable_setting_fails_before_any_prediction(
    replicate_server: LocalReplicateServer,
    mode: str,
    model: str,
    settings: dict[str, Any],
    names: str,
) -> None:
    before = len(replicate_server.predictions())
    with pytest.raises(ReplicateInputError, match=names):
        await invoke(chat(replicate_server, model, **settings), mode, QUESTION)
    with pytest.raises(ReplicateInputError, match=names):
        await stream(chat(replicate_server, model), mode, QUESTION, **settings)
    assert len(replicate_server.predictions()) == before


@pytest.mark.parametrize("mode", MODES)
async def test_the_llm_class_maps_the_settings_too(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    llm = Replicate(
        model="openai/gpt-5",
        reasoning_effort="medium",
        api_key=replicate_server.api_token,
        base_url=replicate_server.base_url,
    )
    text = await invoke(llm, mode, QUESTION)
    assert text.startswith(f'You asked: "{QUESTION}"')
    assert last_input(replicate_server)["reasoning_effort"] == "medium"
    r1 = Replicate(
        model="deepseek-ai/deepseek-r1",
        thinking_budget=512,
        api_key=replicate_server.api_token,
        base_url=replicate_server.base_url,
    )
    before = len(replicate_server.predictions())
    with pytest.raises(ReplicateInputError, match="Its inputs: prompt, max_tokens"):
        await invoke(r1, mode, QUESTION)
    assert len(replicate_server.predictions()) == before


@pytest.mark.parametrize("mode", MODES)
async def test_deepseek_r1_versions_think_in_the_text(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    def llm(model: str) -> Replicate:
        # The LLM sends the prompt as given and returns the text as written.
        return Replicate(
            model=model,
            api_key=replicate_server.api_token,
            base_url=replicate_server.base_url,
        )

    older_ref = (
        "deepseek-ai/deepseek-r1:"
        "d0426501ce0499770ac3d3494e9f3c7c03f9b10e569212f6148a4fd337ec3ece"
    )
    current = await invoke(llm("deepseek-ai/deepseek-r1"), mode, QUESTION)
    before = len(replicate_server.predictions())
    older = await invoke(llm(older_ref), mode, QUESTION)
    assert f"\n{CLOSE_TAG}\n\n" in current
    assert not current.startswith(OPEN_TAG)
    assert older.startswith(f"{OPEN_TAG}\n")
    (older_run,) = replicate_server.predictions()[before:]
    assert older_run.model == "deepseek-ai/deepseek-r1"
