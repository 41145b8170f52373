"""`stream` skips LangChain's per-token work only when nothing observes the stream.

The unobserved path must yield exactly what `BaseLLM.stream` and
`BaseChatModel.stream` yield; any observer (a callback handler, `verbose`,
tracing, a rate limiter) takes LangChain's own path.
"""

from __future__ import annotations

import functools
import json
import operator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessageChunk
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.tracers.context import collect_runs

from langchain_replicate import ChatReplicate, Replicate
from langchain_replicate._chat.results import _TEXT_CHUNK_FIELDS, text_chunk
from langchain_replicate._settings import unobserved
from langchain_replicate.testing.catalogue.granite import GRANITE_4_0_H_SMALL
from langchain_replicate.testing.catalogue.text import LLAMA_3
from tests.modes import stream
from tests.unit_tests.fake_replicate import TOKEN, FakeReplicate
from tests.unit_tests.test_chat_models import make_chat, make_fake

if TYPE_CHECKING:
    from langchain_replicate.testing import ReferenceModel


class Counter(BaseCallbackHandler):
    """An observer: counts the tokens it is called back with."""

    def __init__(self) -> None:
        self.tokens = 0

    def on_llm_new_token(self, token: str | list[Any], **kwargs: Any) -> None:
        self.tokens += 1


def llm(fake: FakeReplicate, **kwargs: Any) -> Replicate:
    return Replicate(
        model="meta/llama",
        api_key=TOKEN,
        base_url=fake.base_url,
        client_kwargs={"transport": fake.transport()},
        **kwargs,
    )


async def test_an_unobserved_llm_stream_yields_what_an_observed_one_does(
    mode: str,
) -> None:
    fake = FakeReplicate(tokens=["Hel", "lo", " wor", "ld"])
    model = llm(fake)
    quiet = await stream(model, mode, "Hi")
    counter = Counter()
    observed = await stream(model, mode, "Hi", config={"callbacks": [counter]})
    assert quiet == observed == ["Hel", "lo", " wor", "ld", ""]
    assert counter.tokens == len(observed)


async def test_an_unobserved_chat_stream_yields_what_an_observed_one_does(
    mode: str,
) -> None:
    fake = make_fake(LLAMA_3, tokens=["Hel", "lo", "!"])
    model = make_chat(fake)
    counter = Counter()
    quiet = await stream(model, mode, "Hi", config={"run_id": None})
    observed = await stream(model, mode, "Hi", config={"callbacks": [counter]})

    def seen(chunks: list[Any]) -> list[Any]:
        return [
            (c.content, c.response_metadata, c.usage_metadata, c.chunk_position)
            for c in chunks
        ]

    assert seen(quiet) == seen(observed)
    assert [c.content for c in quiet] == ["Hel", "lo", "!", ""]
    assert quiet[-1].chunk_position == "last"
    assert counter.tokens == len(observed)
    for chunks in (quiet, observed):  # one run id per stream, as LangChain sets it
        (run_id,) = {c.id for c in chunks}
        assert run_id.startswith("lc_run--")
    assert quiet[0].id != observed[0].id


async def test_an_unobserved_stream_splits_reasoning_as_an_observed_one_does(
    mode: str,
) -> None:
    tokens = ["Okay", ", France", ".", "\n</", "think", ">\n\n", "Paris", "."]
    fake = make_fake(LLAMA_3, tokens=tokens)
    model = make_chat(fake, mode=mode, model="deepseek-ai/deepseek-r1")  # forced-think
    quiet = await stream(model, mode, "Capital?", config={"run_id": None})
    observed = await stream(model, mode, "Capital?", config={"callbacks": [Counter()]})

    def seen(chunks: list[Any]) -> list[Any]:
        return [
            (c.content, c.additional_kwargs, c.response_metadata, c.chunk_position)
            for c in chunks
        ]

    assert seen(quiet) == seen(observed)
    full = functools.reduce(operator.add, quiet)
    assert (full.content, full.additional_kwargs) == (
        "Paris.",
        {"reasoning_content": "Okay, France."},
    )


@pytest.mark.parametrize("text", ["Hel", "", " wor\n", "€ 🦙"])
def test_a_text_chunk_is_the_validated_chunk(text: str) -> None:
    made = text_chunk(text, "lc_run--1")
    validated = AIMessageChunk(content=text, id="lc_run--1")
    assert _TEXT_CHUNK_FIELDS is not None  # the pinned langchain-core: built
    assert made == validated
    assert repr(made) == repr(validated)
    assert made.model_fields_set == validated.model_fields_set
    assert made.model_dump() == validated.model_dump()
    assert made.content_blocks == validated.content_blocks
    assert made + made == validated + validated
    assert made + validated == validated + made
    last = AIMessageChunk(content="!", id="lc_run--1", chunk_position="last")
    assert made + last == validated + last


def test_text_chunks_share_no_mutable_field() -> None:
    first, second = text_chunk("a", "i"), text_chunk("b", "i")
    first.additional_kwargs["x"] = 1
    first.response_metadata["y"] = 2
    first.tool_call_chunks.append({"name": "f", "args": "", "id": "c", "index": 0})
    assert second == AIMessageChunk(content="b", id="i")
    assert text_chunk("b", "i") == second


@pytest.mark.parametrize(
    "observer",
    [
        {"callbacks": [Counter()]},
        {"verbose": True},
        {"rate_limiter": InMemoryRateLimiter(requests_per_second=100)},
    ],
    ids=["callbacks", "verbose", "rate_limiter"],
)
def test_an_observer_takes_langchains_own_path(observer: dict[str, Any]) -> None:
    plain = ChatReplicate(model=LLAMA_3.ref, api_key=TOKEN)
    assert unobserved(plain, None)
    assert not unobserved(plain.model_copy(update=observer), None)


def test_a_configured_callback_or_a_run_collector_takes_langchains_own_path() -> None:
    model = Replicate(model="meta/llama", api_key=TOKEN)
    assert not unobserved(model, {"callbacks": [Counter()]})
    with collect_runs():  # a handler from a context variable, as tracing adds one
        assert not unobserved(model, None)


async def test_an_unobserved_chat_stream_left_early_cancels(mode: str) -> None:
    fake = make_fake(LLAMA_3, tokens=["a", "b", "c"])
    model = make_chat(fake)
    if mode == "sync":
        for _ in model.stream("Hi"):
            break
    else:
        chunks = model.astream("Hi")
        async for _ in chunks:
            break
        await chunks.aclose()  # type: ignore[attr-defined]
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return f"Sunny in {city}"


def completion_delta(text: str) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]})


@pytest.mark.parametrize(
    ("model", "tokens"),
    [
        (  # tools by prompt: the reply is read for a <tool_call>
            LLAMA_3,
            [
                "<tool_call>",
                '{"name": "get_weather", ',
                '"arguments": {"city": ',
                '"Paris"}}',
                "</tool_call>",
            ],
        ),
        (  # a chat-completions model: JSON deltas
            GRANITE_4_0_H_SMALL,
            [completion_delta("Hel"), completion_delta("lo")],
        ),
    ],
    ids=["prompted-tools", "chat-completions"],
)
async def test_an_unobserved_stream_of_tools_or_json_yields_what_an_observed_one_does(
    mode: str, model: ReferenceModel, tokens: list[str]
) -> None:
    fake = make_fake(model, tokens=tokens, metrics={})
    bound = make_chat(fake, model).bind_tools([get_weather])
    quiet = await stream(bound, mode, "Weather in Paris?")
    observed = await stream(
        bound, mode, "Weather in Paris?", config={"callbacks": [Counter()]}
    )

    def seen(chunks: list[Any]) -> list[Any]:
        return [
            (
                c.content,
                [{**t, "id": None} for t in c.tool_call_chunks],  # ids are random
                c.response_metadata,
                c.chunk_position,
            )
            for c in chunks
        ]

    assert seen(quiet) == seen(observed)
    merged = functools.reduce(operator.add, quiet)
    assert merged.content or merged.tool_calls


@pytest.mark.parametrize("observed", [False, True], ids=["unobserved", "observed"])
async def test_a_stream_retries_a_wrongly_guessed_prompt_key(
    mode: str, observed: bool
) -> None:
    fake = FakeReplicate()
    fake.schema = {
        "components": {
            "schemas": {
                "Input": {
                    "properties": {
                        "image": {"type": "string", "format": "uri", "x-order": 0},
                        "question": {"type": "string", "x-order": 1},
                    },
                    "required": ["image", "question"],
                }
            }
        }
    }
    fake.create_errors.append(
        httpx.Response(422, json={"detail": "input: question is required"})
    )
    config = {"callbacks": [Counter()]} if observed else None
    texts = await stream(llm(fake), mode, "What is it?", config=config)
    assert "".join(texts) == "Hello world!"
    assert [b["input"] for b in fake.bodies()] == [
        {"prompt": "What is it?"},
        {"question": "What is it?"},
    ]
