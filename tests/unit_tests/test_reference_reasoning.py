"""The reference reasoning models, driven directly through a fake prediction context."""

from __future__ import annotations

import json
import re

import pytest

from langchain_replicate.testing._models.reasoning import CLOSE_TAG, OPEN_TAG
from langchain_replicate.testing.catalogue import find_model
from langchain_replicate.testing.catalogue.reasoning import (
    CLAUDE_4_SONNET,
    DEEPSEEK_R1,
    DEEPSEEK_R1_OLDER,
    GEMINI_2_5_FLASH,
    GPT_5,
    GPT_5_MINI,
    MODELS,
    QWEN3,
)
from tests.unit_tests.test_reference_models import run

QUESTION = "What is the capital of France?"
_GPT5_LOG = re.compile(
    r"Model variant: (?P<variant>\S+)\n"
    r"Input token count: (?P<input>\d+)\n"
    r"Output token count: (?P<output>\d+)\n"
    r"  - Reasoning tokens: (?P<reasoning>\d+)\n"
    r"Total token count: (?P<total>\d+)\n"
    r"TTFT: \d+\.\d\ds\n\Z"
)


def test_the_reasoning_models_have_the_real_refs_and_versions() -> None:
    assert {(model.ref, model.version[:8], model.official) for model in MODELS} == {
        ("deepseek-ai/deepseek-r1", "f5c66b7a", True),
        ("deepseek-ai/deepseek-r1", "d0426501", True),
        ("replicate-testing/qwen3-8b", QWEN3.version[:8], False),
        ("openai/gpt-5", "feacd077", True),
        ("openai/gpt-5-mini", "8fd5dbfb", True),
        ("anthropic/claude-4-sonnet", "3380fe4c", True),
        ("google/gemini-2.5-flash", "6585308f", True),
    }
    assert all(re.fullmatch("[0-9a-f]{64}", model.version) for model in MODELS)


def test_deepseek_r1_by_name_is_the_current_version_and_both_can_be_pinned() -> None:
    assert find_model("deepseek-ai/deepseek-r1") is DEEPSEEK_R1
    older = f"deepseek-ai/deepseek-r1:{DEEPSEEK_R1_OLDER.version}"
    assert find_model(older) is DEEPSEEK_R1_OLDER
    assert find_model(DEEPSEEK_R1_OLDER.version) is DEEPSEEK_R1_OLDER
    properties = DEEPSEEK_R1.input_schema["properties"]
    assert list(properties) == [
        "prompt",
        "max_tokens",
        "temperature",
        "top_p",
        "presence_penalty",
        "frequency_penalty",
    ]
    assert properties["max_tokens"]["default"] == 2048
    assert DEEPSEEK_R1_OLDER.input_schema["properties"]["max_tokens"]["default"] == (
        20480
    )


async def test_r1_current_template_replies_without_the_opening_tag() -> None:
    outputs, ctx = await run(DEEPSEEK_R1, prompt=QUESTION)
    reply = "".join(outputs)
    thoughts, _, answer = reply.partition(f"\n{CLOSE_TAG}\n\n")
    assert OPEN_TAG not in reply
    assert thoughts.startswith(("Okay", "Alright", "Hmm"))
    assert "capital" in thoughts
    assert answer.startswith(f'You asked: "{QUESTION}".')
    assert CLOSE_TAG in outputs  # one token, as in R1's vocabulary
    assert ctx.metrics["input_token_count"] > 0
    assert (await run(DEEPSEEK_R1, prompt=QUESTION))[0] == outputs


async def test_r1_older_version_writes_the_opening_tag() -> None:
    outputs, _ = await run(DEEPSEEK_R1_OLDER, prompt=QUESTION)
    reply = "".join(outputs)
    assert reply.startswith(f"{OPEN_TAG}\n")
    assert reply.count(OPEN_TAG) == reply.count(CLOSE_TAG) == 1
    assert outputs[:2] == [OPEN_TAG, "\n"]


async def test_r1_greeting_gets_an_empty_think_block() -> None:
    current = "".join((await run(DEEPSEEK_R1, prompt="Hello"))[0])
    older = "".join((await run(DEEPSEEK_R1_OLDER, prompt="Hello"))[0])
    assert current.startswith(f"\n{CLOSE_TAG}\n\nYou asked")
    assert older.startswith(f"{OPEN_TAG}\n\n{CLOSE_TAG}\n\nYou asked")


async def test_r1_max_tokens_counts_thoughts_so_a_small_budget_leaves_them_open() -> (
    None
):
    outputs, _ = await run(DEEPSEEK_R1_OLDER, prompt=QUESTION, max_tokens=12)
    assert len(outputs) == 12
    assert outputs[0] == OPEN_TAG
    assert CLOSE_TAG not in outputs


async def test_r1_reads_its_chat_template_and_thinks_before_a_tool_call() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    prompt = (
        "<｜begin▁of▁sentence｜>You may call tools:\n<tools>\n"  # noqa: RUF001
        f"{json.dumps(tool)}\n</tools>"
        "<｜User｜>What is the weather in Paris?<｜Assistant｜>"  # noqa: RUF001
    )
    reply = "".join((await run(DEEPSEEK_R1, prompt=prompt))[0])
    thoughts, _, answer = reply.partition(f"\n{CLOSE_TAG}\n\n")
    assert '"What is the weather in Paris?"' in thoughts
    assert answer.startswith("<tool_call>\n")
    call = json.loads(answer.removeprefix("<tool_call>").removesuffix("</tool_call>"))
    assert call["name"] == "get_weather"
    # A reply the prompt already began is continued, without thinking.
    prefilled = "".join((await run(DEEPSEEK_R1, prompt=prompt + "<tool_call>"))[0])
    assert CLOSE_TAG not in prefilled
    assert '"name": "get_weather"' in prefilled


async def test_qwen3_thinks_unless_switched_off() -> None:
    question = "Why is the sky blue?"
    thinking = "".join((await run(QWEN3, prompt=question, seed=1))[0])
    assert thinking.startswith(f"{OPEN_TAG}\n")
    assert f"\n{CLOSE_TAG}\n\nYou asked" in thinking
    off = "".join((await run(QWEN3, prompt=question, seed=1, enable_thinking=False))[0])
    assert off.startswith(f'You asked: "{question}"')
    assert OPEN_TAG not in off
    assert CLOSE_TAG not in off
    soft = "".join((await run(QWEN3, prompt=f"{question} /no_think", seed=1))[0])
    assert soft.startswith(f'{OPEN_TAG}\n\n{CLOSE_TAG}\n\nYou asked: "{question}"')
    again = "".join(
        (await run(QWEN3, prompt=f"{question} /no_think /think", seed=1))[0]
    )
    assert f"{OPEN_TAG}\n\n{CLOSE_TAG}" not in again


async def test_gpt5_spends_reasoning_by_effort_and_logs_it_as_gpt5_does() -> None:
    counts = {}
    for effort in ("minimal", "low", "medium", "high"):
        outputs, ctx = await run(GPT_5, prompt=QUESTION, reasoning_effort=effort)
        log = _GPT5_LOG.search(ctx.logs)
        assert log is not None, ctx.logs
        reasoning = int(log["reasoning"])
        assert log["variant"] == "gpt-5"
        assert int(log["output"]) == len(outputs) + reasoning
        assert int(log["total"]) == int(log["input"]) + int(log["output"])
        assert ctx.metrics["output_token_count"] == int(log["output"])
        assert ctx.metrics["input_token_count"] == int(log["input"])
        assert "".join(outputs).startswith(f'You asked: "{QUESTION}"')
        counts[effort] = reasoning
    assert counts["minimal"] == 0
    assert 0 < counts["low"] < counts["medium"] < counts["high"]


async def test_gpt5_empty_output_when_reasoning_uses_the_whole_budget() -> None:
    outputs, ctx = await run(
        GPT_5_MINI, prompt=QUESTION, reasoning_effort="high", max_completion_tokens=300
    )
    assert outputs == []
    log = _GPT5_LOG.search(ctx.logs)
    assert log is not None
    assert (log["variant"], log["output"], log["reasoning"]) == (
        "gpt-5-mini",
        "300",
        "300",
    )
    assert ctx.metrics["output_token_count"] == 300
    # Some budget left after the reasoning: that much answer.
    outputs, ctx = await run(
        GPT_5, prompt=QUESTION, reasoning_effort="low", max_completion_tokens=120
    )
    log = _GPT5_LOG.search(ctx.logs)
    assert log is not None
    assert 0 < len(outputs) == 120 - int(log["reasoning"])


async def test_gpt5_verbosity_shortens_or_lengthens_the_answer() -> None:
    lengths = {
        verbosity: len((await run(GPT_5, prompt=QUESTION, verbosity=verbosity))[0])
        for verbosity in ("low", "medium", "high")
    }
    assert lengths["low"] < lengths["medium"] < lengths["high"]
    assert lengths["high"] >= 300


async def test_claude_thinks_silently_within_its_budget_only_when_extended() -> None:
    plain, ctx = await run(CLAUDE_4_SONNET, prompt=QUESTION)
    assert ctx.metrics["output_token_count"] == len(plain)
    thinking, ctx = await run(
        CLAUDE_4_SONNET,
        prompt=QUESTION,
        extended_thinking=True,
        thinking_budget_tokens=1500,
    )
    assert OPEN_TAG not in "".join(thinking)
    hidden = ctx.metrics["output_token_count"] - len(thinking)
    assert 1024 <= hidden <= 1500
    small, ctx = await run(
        CLAUDE_4_SONNET,
        prompt=QUESTION,
        extended_thinking=True,
        thinking_budget_tokens=1024,
        max_tokens=1030,
    )
    assert len(small) == 6  # max_tokens covers thinking and answer
    assert ctx.metrics["output_token_count"] == 1030


async def test_gemini_thinking_budget_zero_is_off_and_a_budget_caps_it() -> None:
    off, ctx = await run(GEMINI_2_5_FLASH, prompt=QUESTION, thinking_budget=0)
    assert ctx.metrics["output_token_count"] == len(off)
    dynamic, ctx = await run(GEMINI_2_5_FLASH, prompt=QUESTION)
    wanted = ctx.metrics["output_token_count"] - len(dynamic)
    assert wanted > 0
    capped, ctx = await run(GEMINI_2_5_FLASH, prompt=QUESTION, thinking_budget=100)
    assert ctx.metrics["output_token_count"] - len(capped) == min(100, wanted)
    overridden, ctx = await run(
        GEMINI_2_5_FLASH, prompt=QUESTION, thinking_budget=100, dynamic_thinking=True
    )
    assert ctx.metrics["output_token_count"] - len(overridden) == wanted


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.ref)
async def test_replies_are_deterministic(model: object) -> None:
    values = {"prompt": QUESTION}
    first, _ = await run(model, **values)  # type: ignore[arg-type]
    second, _ = await run(model, **values)  # type: ignore[arg-type]
    assert first == second
    assert first
