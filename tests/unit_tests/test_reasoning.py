"""Reasoning kept apart from the answer: the splitter, the family table, ChatReplicate.

The corpus (`reasoning_corpus.py`) is fed whole, split in two at every
position, one character at a time and in random pieces; `ChatReplicate` is
run on a scripted Replicate (`fake_replicate.py`) sync and async.
"""

from __future__ import annotations

import copy
import json
import random
from typing import TYPE_CHECKING, Any, Literal

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_replicate import ChatReplicate
from langchain_replicate._chat.reasoning_reader import ReasoningReader
from langchain_replicate._inputs.calls import CallPlan
from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate._inputs.reasoning import thinking_off_inputs
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate._outputs.reasoning import (
    THINK,
    ReasoningSplitter,
    ThinkTags,
    split_reasoning,
)
from langchain_replicate._outputs.thinking_models import ANY_SPELLING, reasoning_format
from langchain_replicate._tool_use.completions import CompletionReader
from langchain_replicate.errors import ReplicateInputError
from langchain_replicate.testing.catalogue.granite import GRANITE_4_0_H_SMALL
from langchain_replicate.testing.catalogue.text import LLAMA_3
from tests.modes import invoke, stream
from tests.unit_tests.fake_replicate import TOKEN, FakeReplicate, llm_schema
from tests.unit_tests.reasoning_corpus import CORPUS, Reply

if TYPE_CHECKING:
    from collections.abc import Iterable

    from langchain_replicate.testing import ReferenceModel

IDS = [reply.name for reply in CORPUS]


def feed(reply: Reply, pieces: Iterable[str]) -> tuple[str, str, bool, list[str]]:
    """Feed pieces; the joined reasoning and answer, `incomplete`, and the deltas."""
    splitter = ReasoningSplitter(reply.spellings, opened=reply.forced)
    reasoning: list[str] = []
    answer: list[str] = []
    for piece in pieces:
        r, a = splitter.feed(piece)
        reasoning.append(r)
        answer.append(a)
    r, a = splitter.finish()
    reasoning.append(r)
    answer.append(a)
    return "".join(reasoning), "".join(answer), splitter.incomplete, reasoning


# -- the splitter ----------------------------------------------------------------------


@pytest.mark.parametrize("reply", CORPUS, ids=IDS)
def test_whole_reply_splits_as_expected(reply: Reply) -> None:
    got = split_reasoning(reply.text, reply.spellings, opened=reply.forced)
    assert (got.reasoning, got.answer, got.incomplete) == (
        reply.reasoning,
        reply.answer,
        reply.incomplete,
    )


@pytest.mark.parametrize("reply", CORPUS, ids=IDS)
def test_every_two_piece_split_gives_the_same(reply: Reply) -> None:
    expected = (reply.reasoning, reply.answer, reply.incomplete)
    text = reply.text
    for cut in range(len(text) + 1):
        assert feed(reply, [text[:cut], text[cut:]])[:3] == expected, cut


@pytest.mark.parametrize("reply", CORPUS, ids=IDS)
def test_one_character_at_a_time_and_random_pieces_give_the_same(
    reply: Reply,
) -> None:
    expected = (reply.reasoning, reply.answer, reply.incomplete)
    assert feed(reply, reply.text)[:3] == expected
    rng = random.Random(reply.name)  # noqa: S311 - reproducible splits
    text = reply.text
    for _ in range(40):
        cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, 6)))
        pieces = [
            text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True)
        ]
        assert "".join(pieces) == text
        assert feed(reply, pieces)[:3] == expected, pieces


def test_reasoning_streams_as_it_arrives_not_at_the_close() -> None:
    reply = CORPUS[1]  # forced thinking: no opening tag
    tokens = ["Okay", ",", " the", " user", "\n", "</", "think", ">\n\n", "Paris", "."]
    splitter = ReasoningSplitter(reply.spellings, opened=True)
    out = [splitter.feed(token) for token in tokens]
    assert out[:4] == [("Okay", ""), (",", ""), (" the", ""), (" user", "")]
    assert out[4:8] == [("", "")] * 4  # a newline, then the split closing tag
    assert out[8:] == [("", "Paris"), ("", ".")]
    assert splitter.finish() == ("", "")


def test_a_bare_angle_bracket_in_the_answer_is_not_held_back() -> None:
    splitter = ReasoningSplitter((THINK,))
    assert splitter.feed("<think>x</think>a") == ("x", "a")
    assert splitter.feed(" <") == ("", " <")
    assert splitter.feed(" b") == ("", " b")


def test_a_splitter_needs_a_spelling() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ReasoningSplitter(())


# -- the family table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "family", "forced"),
    [
        ("deepseek-ai/deepseek-r1", "deepseek-r1", True),
        ("deepseek-ai/deepseek-r1:d0426501", "deepseek-r1", True),
        ("someone/deepseek-r1-distill-qwen-32b", "deepseek-r1", True),
        ("qwen/qwq-32b", "qwq", True),
        ("qwen/qwen3-235b-a22b-thinking-2507", "qwen3-thinking", True),
        ("qwen/qwen3-8b", "qwen3", False),
        ("mistralai/magistral-small-2509", "magistral", False),
        ("microsoft/phi-4-reasoning", "phi-4-reasoning", False),
        ("moonshotai/kimi-k2-thinking", "kimi-k2-thinking", False),
        ("openai/gpt-oss-120b", "gpt-oss", False),
    ],
)
def test_known_families_are_split_by_default(
    model: str, family: str, *, forced: bool
) -> None:
    fmt = reasoning_format(model, switch=None)
    assert fmt is not None
    assert (fmt.family, fmt.forced, fmt.keep) == (family, forced, True)


@pytest.mark.parametrize(
    "model",
    [
        "meta/meta-llama-3-8b-instruct",
        "qwen/qwen3-235b-a22b-instruct-2507",
        "openai/gpt-5",
        "anthropic/claude-4-sonnet",
        "deepseek-ai/deepseek-v3",
        "deployments/acme/prod",
    ],
)
def test_other_models_are_not_split_by_default(model: str) -> None:
    assert reasoning_format(model, switch=None) is None
    forced_on = reasoning_format(model, switch=True)
    assert forced_on is not None
    assert (forced_on.family, forced_on.forced, forced_on.keep) == ("any", False, True)


def test_reasoning_false_splits_and_drops() -> None:
    for model in ("deepseek-ai/deepseek-r1", "meta/meta-llama-3-8b-instruct"):
        fmt = reasoning_format(model, switch=False)
        assert fmt is not None
        assert not fmt.keep


def test_thinking_off_inputs_only_for_boolean_switches_in_the_schema() -> None:
    schema = InputSchema(
        {
            "prompt": {"type": "string"},
            "thinking": {"type": "boolean"},
            "enable_thinking": {"type": "string"},
        }
    )
    assert thinking_off_inputs(schema) == {"thinking": False}
    assert thinking_off_inputs(InputSchema({"prompt": {"type": "string"}})) == {}
    assert thinking_off_inputs(None) == {}


# -- ChatReplicate ---------------------------------------------------------------------

R1 = "deepseek-ai/deepseek-r1"
THOUGHT_TOKENS = ["Okay", ",", " France", ".", "\n", "</", "think", ">", "\n\n"]
ANSWER_TOKENS = ["The", " capital", " is", " Paris", "."]


def openapi(model: ReferenceModel) -> dict[str, Any]:
    return {
        "components": {
            "schemas": {"Input": model.input_schema, "Output": model.output_schema}
        }
    }


def make_chat(
    tokens: list[str],
    *,
    mode: str,
    model: str = R1,
    schema: dict[str, Any] | None = None,
    **kwargs: Any,
) -> tuple[ChatReplicate, FakeReplicate]:
    fake = FakeReplicate(tokens=tokens, schema=schema or openapi(LLAMA_3))
    chat = ChatReplicate(
        model=model,
        api_key=TOKEN,
        base_url=fake.base_url,
        client_kwargs={"transport": fake.transport(use_async=mode == "async")},
        **kwargs,
    )
    return chat, fake


def total(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    return full


async def test_invoke_puts_reasoning_apart_and_content_blocks_show_it_first(
    mode: str,
) -> None:
    chat, _ = make_chat(THOUGHT_TOKENS + ANSWER_TOKENS, mode=mode)
    message = await invoke(chat, mode, "What is the capital of France?")
    assert message.content == "The capital is Paris."
    assert message.additional_kwargs == {"reasoning_content": "Okay, France."}
    assert message.content_blocks == [
        {"type": "reasoning", "reasoning": "Okay, France."},
        {"type": "text", "text": "The capital is Paris."},
    ]
    assert "reasoning_incomplete" not in message.response_metadata


async def test_stream_gives_reasoning_chunks_then_answer_chunks(mode: str) -> None:
    chat, _ = make_chat(THOUGHT_TOKENS + ANSWER_TOKENS, mode=mode)
    chunks = await stream(chat, mode, "What is the capital of France?")
    seen = [
        (c.additional_kwargs.get("reasoning_content", ""), c.content) for c in chunks
    ]
    assert [r for r, _ in seen if r] == ["Okay", ",", " France", "."]
    assert [a for _, a in seen if a] == ANSWER_TOKENS
    last_reasoning = max(i for i, (r, _) in enumerate(seen) if r)
    first_answer = min(i for i, (_, a) in enumerate(seen) if a)
    assert last_reasoning < first_answer
    full = total(chunks)
    assert full.content == "The capital is Paris."
    assert full.additional_kwargs == {"reasoning_content": "Okay, France."}
    assert full.content_blocks[0] == {
        "type": "reasoning",
        "reasoning": "Okay, France.",
    }
    assert chunks[-1].chunk_position == "last"


async def test_output_version_v1_has_a_reasoning_block_then_text(mode: str) -> None:
    chat, _ = make_chat(
        ["<think>", "hm", "</think>", "Yes."], mode=mode, output_version="v1"
    )
    message = await invoke(chat, mode, "Is it?")
    assert [
        (b["type"], b.get("reasoning", b.get("text"))) for b in message.content
    ] == [
        ("reasoning", "hm"),
        ("text", "Yes."),
    ]


async def test_a_model_of_no_reasoning_family_keeps_its_think_tags(mode: str) -> None:
    tokens = ["<think>", "a", "</think>", "b"]
    chat, _ = make_chat(tokens, mode=mode, model="meta/meta-llama-3-8b-instruct")
    message = await invoke(chat, mode, "Hi")
    assert message.content == "<think>a</think>b"
    assert message.additional_kwargs == {}
    chunks = await stream(chat, mode, "Hi")
    assert total(chunks).content == "<think>a</think>b"


async def test_reasoning_true_splits_any_model(mode: str) -> None:
    tokens = ["<think>", "a", "</think>", "b"]
    chat, _ = make_chat(
        tokens, mode=mode, model="meta/meta-llama-3-8b-instruct", reasoning=True
    )
    message = await invoke(chat, mode, "Hi")
    assert (message.content, message.additional_kwargs) == (
        "b",
        {"reasoning_content": "a"},
    )


async def test_reasoning_false_drops_it_and_a_call_may_override(mode: str) -> None:
    chat, fake = make_chat(THOUGHT_TOKENS + ANSWER_TOKENS, mode=mode, reasoning=False)
    message = await invoke(chat, mode, "Capital?")
    assert (message.content, message.additional_kwargs) == ("The capital is Paris.", {})
    chunks = await stream(chat, mode, "Capital?")
    assert total(chunks).additional_kwargs == {}
    kept = await invoke(chat, mode, "Capital?", reasoning=True)
    assert kept.additional_kwargs == {"reasoning_content": "Okay, France."}
    assert all("reasoning" not in body["input"] for body in fake.bodies())


async def test_reasoning_false_turns_thinking_off_where_the_schema_can(
    mode: str,
) -> None:
    schema = copy.deepcopy(openapi(LLAMA_3))  # never the catalogue's own dicts
    properties = schema["components"]["schemas"]["Input"]["properties"]
    properties["thinking"] = {"type": "boolean", "default": True, "x-order": 99}
    chat, fake = make_chat(ANSWER_TOKENS, mode=mode, schema=schema, reasoning=False)
    await invoke(chat, mode, "Capital?")
    assert fake.bodies()[0]["input"]["thinking"] is False
    on, fake_on = make_chat(ANSWER_TOKENS, mode=mode, schema=schema)
    await invoke(on, mode, "Capital?")
    assert "thinking" not in fake_on.bodies()[0]["input"]


async def test_a_switch_that_is_not_a_bool_is_refused_before_any_request(
    mode: str,
) -> None:
    chat, fake = make_chat(ANSWER_TOKENS, mode=mode)
    with pytest.raises(ReplicateInputError, match="reasoning must be True"):
        await invoke(chat, mode, "Hi", reasoning="high")
    assert fake.creates() == []


async def test_budget_ran_out_while_thinking(mode: str) -> None:
    chat, _ = make_chat(["Let", " me", " think", " about"], mode=mode)
    message = await invoke(chat, mode, "Hard question")
    assert message.content == ""
    assert message.additional_kwargs == {"reasoning_content": "Let me think about"}
    assert message.response_metadata["reasoning_incomplete"] is True
    chunks = await stream(chat, mode, "Hard question")
    assert chunks[-1].response_metadata["reasoning_incomplete"] is True
    assert total(chunks).content == ""


@tool
def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return city


CALL_TOKENS = [
    "I need",
    " the tool.",
    "\n</th",
    "ink>\n\n<tool_",
    'call>\n{"name": "get_weather", ',
    '"arguments": {"city": "Paris"}}\n</tool_call>',
]


async def test_a_tool_call_after_thinking_is_one_call(mode: str) -> None:
    chat, _ = make_chat(CALL_TOKENS, mode=mode)
    bound = chat.bind_tools([get_weather])
    message = await invoke(bound, mode, "Weather in Paris?")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    assert message.content == ""
    assert message.additional_kwargs == {"reasoning_content": "I need the tool."}
    assert message.response_metadata["finish_reason"] == "tool_calls"
    full = total(await stream(bound, mode, "Weather in Paris?"))
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    assert full.additional_kwargs == {"reasoning_content": "I need the tool."}


class City(BaseModel):
    city: str


@pytest.mark.parametrize("method", ["json_mode", "json_schema"])
async def test_structured_output_after_thinking_parses_the_answer(
    mode: str, method: Literal["json_mode", "json_schema"]
) -> None:
    tokens = ["The schema", " wants a city.", "</think>", '{"city": ', '"Paris"}']
    chat, _ = make_chat(tokens, mode=mode)
    structured = chat.with_structured_output(
        City if method == "json_schema" else None, method=method
    )
    parsed = await invoke(structured, mode, "Which city?")
    assert parsed in ({"city": "Paris"}, City(city="Paris"))


async def test_reasoning_is_not_sent_back_in_the_next_turn(mode: str) -> None:
    chat, fake = make_chat(ANSWER_TOKENS, mode=mode)
    previous = AIMessage(
        "The capital is Paris.",
        additional_kwargs={"reasoning_content": "SECRET-THOUGHT about France"},
    )
    v1 = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "SECRET-THOUGHT v1"},
            {"type": "text", "text": "Lyon is second."},
        ]
    )
    await invoke(
        chat,
        mode,
        [
            HumanMessage("Capital?"),
            previous,
            HumanMessage("Second?"),
            v1,
            HumanMessage("Ok"),
        ],
    )
    sent = json.dumps(fake.bodies()[0]["input"])
    assert "SECRET-THOUGHT" not in sent
    assert "The capital is Paris." in sent
    assert "Lyon is second." in sent


# -- chat-completion JSON (Granite) ----------------------------------------------------


def _completion_call() -> Any:
    schema = InputSchema.from_openapi(GRANITE_4_0_H_SMALL.openapi_schema)
    plan = CallPlan.make(
        ref=parse_model_ref("ibm-granite/granite-4.0-h-small"),
        standard={},
        model_kwargs={},
        stop=None,
        call_kwargs={},
    )
    return plan.prepare([{"role": "user", "content": "hi"}], schema)


def _delta(**delta: Any) -> str:
    return json.dumps({"id": "c", "choices": [{"index": 0, "delta": delta}]})


def test_granite_reasoning_content_in_json_becomes_reasoning() -> None:
    reader = CompletionReader(_completion_call())
    chunks = [
        *reader.feed(_delta(reasoning_content="Weigh it.")),
        *reader.feed(_delta(reasoning_content=None, content="Done.")),
        *reader.finish({"id": "p", "status": "succeeded", "metrics": {}}),
    ]
    full = total([c.message for c in chunks])  # type: ignore[misc]
    assert (full.content, full.additional_kwargs) == (
        "Done.",
        {"reasoning_content": "Weigh it."},
    )
    dropped = ReasoningReader(reasoning_format("x/granite", switch=False))  # type: ignore[arg-type]
    kept = total([c.message for c in dropped.chunks(chunks, last=True)])  # type: ignore[misc]
    assert (kept.content, kept.additional_kwargs) == ("Done.", {})


async def test_granite_reasoning_through_chat_replicate(mode: str) -> None:
    items = [
        _delta(role="assistant", reasoning_content="Think"),
        _delta(reasoning_content=" more."),
        _delta(content="Answer."),
        json.dumps(
            {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        ),
    ]
    chat, _ = make_chat(
        items,
        mode=mode,
        model="ibm-granite/granite-4.0-h-small",
        schema=openapi(GRANITE_4_0_H_SMALL),
    )
    full = total(await stream(chat, mode, "Hi"))
    assert (full.content, full.additional_kwargs) == (
        "Answer.",
        {"reasoning_content": "Think more."},
    )


async def test_a_stop_sequence_in_the_answer_keeps_the_reasoning(mode: str) -> None:
    chat, fake = make_chat(THOUGHT_TOKENS + ANSWER_TOKENS, mode=mode)
    message = await invoke(chat, mode, "Capital?", stop=[" Paris"])
    assert message.content == "The capital is"
    assert message.additional_kwargs == {"reasoning_content": "Okay, France."}
    assert message.response_metadata["finish_reason"] == "stop_sequence"
    assert fake.cancels()


# -- forced thinking: the prompt we render opens the block ---------------------------


def r1_schema() -> dict[str, Any]:
    """deepseek-ai/deepseek-r1's inputs: a prompt and sampling (no system prompt)."""
    return llm_schema()


async def test_the_rendered_r1_prompt_ends_with_the_opening_tag(mode: str) -> None:
    chat, fake = make_chat(
        THOUGHT_TOKENS + ANSWER_TOKENS, mode=mode, schema=r1_schema()
    )
    message = await invoke(chat, mode, "Capital of France?")
    prompt = fake.bodies()[0]["input"]["prompt"]
    assert prompt.endswith("Capital of France?<｜Assistant｜><think>\n")  # noqa: RUF001
    assert message.content == "The capital is Paris."
    other, fake_other = make_chat(
        ANSWER_TOKENS, mode=mode, schema=r1_schema(), model="deepseek-ai/deepseek-v3"
    )
    await invoke(other, mode, "Capital of France?")
    assert "<think>" not in fake_other.bodies()[0]["input"]["prompt"]


async def test_a_reply_continuing_an_ai_prefill_is_answer(mode: str) -> None:
    chat, fake = make_chat([" Paris", "."], mode=mode, schema=r1_schema())
    message = await invoke(
        chat, mode, [HumanMessage("Capital?"), AIMessage("The capital is")]
    )
    assert fake.bodies()[0]["input"]["prompt"].endswith("The capital is")
    assert (message.content, message.additional_kwargs) == (" Paris.", {})
    assert "reasoning_incomplete" not in message.response_metadata


async def test_a_forced_tool_call_prefill_is_read_unforced(mode: str) -> None:
    tokens = ['{"city": ', '"Paris"}}', "\n</tool_call>"]
    chat, fake = make_chat(tokens, mode=mode, schema=r1_schema())
    structured = chat.with_structured_output(City)
    assert await invoke(structured, mode, "Which city?") == City(city="Paris")
    assert fake.bodies()[0]["input"]["prompt"].endswith('"arguments": ')


async def test_tools_on_r1_think_then_call(mode: str) -> None:
    chat, fake = make_chat(CALL_TOKENS, mode=mode, schema=r1_schema())
    message = await invoke(chat.bind_tools([get_weather]), mode, "Weather in Paris?")
    assert fake.bodies()[0]["input"]["prompt"].endswith("<think>\n")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    assert message.additional_kwargs == {"reasoning_content": "I need the tool."}


# -- fuzz: any text splits the same in any pieces ------------------------------------

_ATOMS = (
    "<think>",
    "</think>",
    "[THINK]",
    "[/THINK]",
    "<",
    "</",
    "think",
    ">",
    "[",
    "\n",
    " ",
    "\t",
    "`",
    "```",
    "a",
    "b c",
    "<thinking>",
    "é",
)


@pytest.mark.parametrize("forced", [False, True])
@pytest.mark.parametrize("spellings", [(THINK,), ANY_SPELLING], ids=["think", "any"])
def test_random_texts_split_the_same_in_any_pieces(
    spellings: tuple[ThinkTags, ...], *, forced: bool
) -> None:
    rng = random.Random(f"{forced}{len(spellings)}")  # noqa: S311 - reproducible
    for _ in range(150):
        text = "".join(rng.choice(_ATOMS) for _ in range(rng.randint(0, 14)))
        reply = Reply("fuzz", None, text, "", "", spellings=spellings, forced=forced)
        whole = split_reasoning(text, spellings, opened=forced)
        expected = (whole.reasoning, whole.answer, whole.incomplete)
        assert feed(reply, text)[:3] == expected, text
        for cut in range(len(text) + 1):
            assert feed(reply, [text[:cut], text[cut:]])[:3] == expected, (text, cut)
        # nothing is made up: only the blank line that joins two blocks
        kept = whole.reasoning + whole.answer
        assert set(kept) <= {*text, "\n"}, text


async def test_think_blocks_left_in_history_text_are_cut(mode: str) -> None:
    history = [
        HumanMessage("Capital?"),
        AIMessage("<think>\nSECRET one\n</think>\n\nParis."),
        HumanMessage("Second city?"),
        AIMessage("SECRET two</think>Lyon."),
        HumanMessage("Third?"),
        AIMessage("Plain answer, no tags."),
        HumanMessage("Ok"),
    ]
    chat, fake = make_chat(ANSWER_TOKENS, mode=mode, schema=r1_schema())
    await invoke(chat, mode, history)
    prompt = fake.bodies()[0]["input"]["prompt"]
    assert "SECRET" not in prompt
    for kept in ("Paris.", "Lyon.", "Plain answer, no tags."):
        assert kept in prompt
    llama, fake_llama = make_chat(
        ANSWER_TOKENS, mode=mode, schema=r1_schema(), model="meta/llama-2-70b-chat"
    )
    await invoke(llama, mode, history)
    assert "SECRET one" in fake_llama.bodies()[0]["input"]["prompt"]


async def test_output_version_v1_streams_reasoning_blocks_then_text(mode: str) -> None:
    tokens = ["<think>", "hm", " yes", "</think>", "Yes", "."]
    chat, _ = make_chat(tokens, mode=mode, output_version="v1")
    full = total(await stream(chat, mode, "Is it?"))
    assert full.content == [
        {"type": "reasoning", "reasoning": "hm yes", "index": 0},
        {"type": "text", "text": "Yes.", "index": 1},
    ]


def test_profile_says_reasoning_output_for_reasoning_families() -> None:
    profile = ChatReplicate(model=R1, api_key=TOKEN).profile
    assert profile is not None
    assert profile["reasoning_output"] is True
    llama = ChatReplicate(model="meta/meta-llama-3-8b-instruct", api_key=TOKEN)
    assert "reasoning_output" not in (llama.profile or {})
