"""`ChatReplicate` over a real `replicate.Client` wired to `httpx.MockTransport`.

The fake serves the reference models' real schemas, so each test sees the
input a real model would receive.
"""

from __future__ import annotations

import asyncio
import base64
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumps
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
)

from langchain_replicate import (
    ChatReplicate,
    ReplicateAuthenticationError,
    ReplicateInputError,
    ReplicatePredictionError,
    ReplicateRateLimitError,
)
from langchain_replicate._chat.prompts import (
    BUILTIN_TEMPLATES,
    ChatTemplate,
    render_prompt,
    split_system_prompt,
)
from langchain_replicate.testing.catalogue.text import (
    DOLLY,
    GPT_5_NANO,
    LLAMA_2_CHAT,
    LLAMA_3,
    LLAVA,
)
from tests.modes import invoke, stream
from tests.unit_tests.fake_replicate import TOKEN, FakeReplicate

if TYPE_CHECKING:
    from langchain_replicate.testing import ReferenceModel

PNG_1PX = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
        "0000000c4944415478da63f8cfc000000301010018dd8db00000000049454e44ae426082"
    )
).decode()
CONVERSATION: list[BaseMessage] = [
    SystemMessage("Answer briefly."),
    HumanMessage("Hi!"),
    AIMessage("Hello, how can I help?"),
    HumanMessage("Can a dog drive a car?"),
]


def openapi(model: ReferenceModel) -> dict[str, Any]:
    return {
        "components": {
            "schemas": {"Input": model.input_schema, "Output": model.output_schema}
        }
    }


def ref(model: ReferenceModel) -> str:
    slug = f"{model.owner}/{model.name}"
    return slug if model.official else f"{slug}:{model.version}"


def make_fake(model: ReferenceModel = LLAMA_3, **kwargs: Any) -> FakeReplicate:
    return FakeReplicate(schema=openapi(model), **kwargs)


def make_chat(
    fake: FakeReplicate,
    reference: ReferenceModel = LLAMA_3,
    *,
    mode: str = "sync",
    **kwargs: Any,
) -> ChatReplicate:
    params: dict[str, Any] = {
        "model": ref(reference),
        "api_key": TOKEN,
        "base_url": fake.base_url,
        "client_kwargs": {"transport": fake.transport(use_async=mode == "async")},
    }
    return ChatReplicate(**{**params, **kwargs})


def sent(fake: FakeReplicate) -> dict[str, Any]:
    (body,) = fake.bodies()
    model_input: dict[str, Any] = body["input"]
    return model_input


# -- messages → input, by each reference model's schema --------------------------------


async def test_llama_3_single_turn_uses_system_prompt_and_the_models_template(
    mode: str,
) -> None:
    fake = make_fake()
    chat = make_chat(fake, mode=mode)
    messages = [SystemMessage("Answer briefly."), HumanMessage("Can a dog drive?")]
    await invoke(chat, mode, messages)
    assert sent(fake) == {
        "prompt": "Can a dog drive?",
        "system_prompt": "Answer briefly.",
    }


async def test_llama_3_conversation_is_rendered_once_with_prompt_template_verbatim(
    mode: str,
) -> None:
    fake = make_fake()
    await invoke(make_chat(fake, mode=mode), mode, CONVERSATION)
    expected = render_prompt(CONVERSATION, BUILTIN_TEMPLATES["llama-3"])
    assert sent(fake) == {"prompt": expected, "prompt_template": "{prompt}"}
    assert expected.count("<|begin_of_text|>") == 1


async def test_messages_model_gets_the_openai_message_list(mode: str) -> None:
    fake = make_fake(GPT_5_NANO)
    chat = make_chat(fake, GPT_5_NANO, mode=mode, max_tokens=50)
    await invoke(chat, mode, CONVERSATION)
    assert sent(fake) == {
        "messages": [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": "Hi!"},
            {"role": "assistant", "content": "Hello, how can I help?"},
            {"role": "user", "content": "Can a dog drive a car?"},
        ],
        "max_completion_tokens": 50,
    }


async def test_system_prompt_model_without_template_input_gets_the_split_body(
    mode: str,
) -> None:
    fake = make_fake(LLAMA_2_CHAT)
    chat = make_chat(fake, LLAMA_2_CHAT, mode=mode, max_tokens=64)
    await invoke(chat, mode, CONVERSATION)
    split = split_system_prompt(CONVERSATION, BUILTIN_TEMPLATES["llama-2"])
    assert sent(fake) == {
        "prompt": split.prompt,
        "system_prompt": "Answer briefly.",
        "max_new_tokens": 64,
    }
    assert "[/INST] Hello, how can I help? </s><s>[INST] Can a dog" in split.prompt


async def test_prompt_only_model_single_message_is_sent_as_is(mode: str) -> None:
    fake = make_fake(DOLLY)
    await invoke(make_chat(fake, DOLLY, mode=mode), mode, "Can a dog drive?")
    assert sent(fake) == {"prompt": "Can a dog drive?"}


async def test_prompt_only_model_conversation_needs_a_template(mode: str) -> None:
    fake = make_fake(DOLLY)
    with pytest.raises(ReplicateInputError, match=r"prompt_template=.*chatml"):
        await invoke(make_chat(fake, DOLLY, mode=mode), mode, CONVERSATION)
    assert fake.creates() == []


@pytest.mark.parametrize("template", sorted(BUILTIN_TEMPLATES))
async def test_prompt_template_field_chooses_the_template(
    mode: str, template: str
) -> None:
    fake = make_fake(DOLLY)
    chat = make_chat(fake, DOLLY, mode=mode, prompt_template=template)
    await invoke(chat, mode, CONVERSATION)
    assert sent(fake) == {
        "prompt": render_prompt(CONVERSATION, BUILTIN_TEMPLATES[template])
    }


async def test_prompt_template_field_takes_a_custom_template() -> None:
    fake = make_fake(DOLLY)
    alpaca = ChatTemplate(
        name="alpaca",
        system="{content}\n\n",
        user="### Instruction:\n{content}\n\n",
        assistant="### Response:\n{content}\n\n",
    )
    make_chat(fake, DOLLY, prompt_template=alpaca).invoke(CONVERSATION)
    assert sent(fake)["prompt"] == (
        "Answer briefly.\n\n### Instruction:\nHi!\n\n### Response:\nHello, how can "
        "I help?\n\n### Instruction:\nCan a dog drive a car?\n\n### Response:\n"
    )


async def test_model_name_chooses_the_template() -> None:
    fake = make_fake(DOLLY)
    chat = make_chat(fake, DOLLY, model="someone/qwen2.5-7b-instruct")
    chat.invoke(CONVERSATION)
    assert sent(fake)["prompt"].startswith("<|im_start|>system\nAnswer briefly.")


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        (
            [FunctionMessage(content="42", name="f")],
            "'function' messages are not supported",
        ),
        (
            [HumanMessage([{"type": "audio", "base64": "AAAA", "mime_type": "a/b"}])],
            "unsupported 'audio' content block",
        ),
        ([SystemMessage("Be brief.")], "no user \\(human\\) message"),
        ([], "No messages"),
    ],
)
async def test_unsupported_messages_fail_before_any_prediction(
    mode: str, messages: list[BaseMessage], error: str
) -> None:
    fake = make_fake()
    with pytest.raises(ReplicateInputError, match=error):
        await invoke(make_chat(fake, mode=mode), mode, messages)
    assert fake.creates() == []


# -- images ---------------------------------------------------------------------------


def image_message(*blocks: dict[str, Any]) -> HumanMessage:
    return HumanMessage([{"type": "text", "text": "What is this?"}, *blocks])


async def test_images_go_to_the_schemas_image_input(mode: str) -> None:
    fake = make_fake(GPT_5_NANO)
    message = image_message(
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "image", "base64": PNG_1PX, "mime_type": "image/png"},
        {"type": "image", "file_id": "abc123"},
    )
    await invoke(make_chat(fake, GPT_5_NANO, mode=mode), mode, [message])
    assert sent(fake) == {
        "messages": [{"role": "user", "content": "What is this?"}],
        "image_input": [
            "https://example.com/a.png",
            f"data:image/png;base64,{PNG_1PX}",
            f"{fake.base_url}/v1/files/abc123",
        ],
    }


async def test_single_image_model_takes_one_image_as_a_string(mode: str) -> None:
    fake = make_fake(LLAVA)
    message = image_message({"type": "image", "url": "https://example.com/a.png"})
    await invoke(make_chat(fake, LLAVA, mode=mode), mode, [message])
    assert sent(fake) == {
        "prompt": "What is this?",
        "image": "https://example.com/a.png",
    }


async def test_images_for_a_model_without_image_input_fail_early(mode: str) -> None:
    fake = make_fake()
    message = image_message({"type": "image", "url": "https://example.com/a.png"})
    with pytest.raises(ReplicateInputError, match="takes no image input"):
        await invoke(make_chat(fake, mode=mode), mode, [message])
    assert fake.creates() == []


async def test_two_images_for_a_single_image_model_fail_early() -> None:
    fake = make_fake(LLAVA)
    url = {"type": "image", "url": "https://example.com/a.png"}
    with pytest.raises(ReplicateInputError, match="takes a single image"):
        make_chat(fake, LLAVA).invoke([image_message(url, url)])
    assert fake.creates() == []


# -- parameters -----------------------------------------------------------------------


async def test_standard_params_map_through_the_schema_and_calls_override(
    mode: str,
) -> None:
    fake = make_fake(LLAMA_2_CHAT)
    chat = make_chat(
        fake,
        LLAMA_2_CHAT,
        mode=mode,
        temperature=0.5,
        max_tokens=10,
        top_p=0.9,
        top_k=40,
        seed=7,
        model_kwargs={"debug": True},
    )
    await invoke(chat, mode, "Hi", temperature=0.1, max_tokens=20)
    assert sent(fake) == {
        "prompt": "Hi",
        "temperature": 0.1,
        "max_new_tokens": 20,
        "top_p": 0.9,
        "top_k": 40,
        "seed": 7,
        "debug": True,
    }


async def test_unknown_inputs_fail_before_any_prediction(mode: str) -> None:
    fake = make_fake(GPT_5_NANO)
    chat = make_chat(fake, GPT_5_NANO, mode=mode, temperature=0.2)
    with pytest.raises(ReplicateInputError, match="'temperature'"):
        await invoke(chat, mode, "Hi")
    assert fake.creates() == []


async def test_per_call_model_runs_that_model_and_reports_it(mode: str) -> None:
    fake = make_fake()
    chat = make_chat(fake, mode=mode)
    result = await invoke(chat, mode, "Hi", model="meta/meta-llama-3-70b-instruct")
    assert fake.creates()[0].url.path == (
        "/v1/models/meta/meta-llama-3-70b-instruct/predictions"
    )
    assert result.response_metadata["model_name"] == "meta/meta-llama-3-70b-instruct"
    ls = chat._get_ls_params(model="meta/meta-llama-3-70b-instruct")
    assert ls["ls_model_name"] == "meta/meta-llama-3-70b-instruct"
    assert ls["ls_provider"] == "replicate"


def test_unknown_constructor_kwargs_go_to_model_kwargs() -> None:
    fake = make_fake()
    with pytest.warns(UserWarning, match="presence_penalty"):
        chat = make_chat(fake, presence_penalty=1.0)
    assert chat.model_kwargs == {"presence_penalty": 1.0}


def test_malformed_model_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="model"):
        ChatReplicate(model="not a model", api_key=TOKEN)


def test_token_never_in_repr_dumps_or_tracing() -> None:
    chat = make_chat(make_fake())
    for text in (repr(chat), str(chat), dumps(chat), str(chat._get_ls_params())):
        assert TOKEN not in text


# -- results: usage, metadata, finish reasons -----------------------------------------


async def test_invoke_reports_usage_and_metadata_from_the_prediction(
    mode: str,
) -> None:
    fake = make_fake()  # sync mode answers `processing`, without metrics
    result = await invoke(make_chat(fake, mode=mode), mode, "Hi")
    assert result.content == "Hello world!"
    assert result.usage_metadata == {
        "input_tokens": 7,
        "output_tokens": 3,
        "total_tokens": 10,
    }
    metadata = result.response_metadata
    assert metadata["model_name"] == "meta/meta-llama-3-8b-instruct"
    assert metadata["model_provider"] == "replicate"
    assert metadata["prediction_id"] == "pred1"
    assert metadata["status"] == "succeeded"
    assert metadata["metrics"]["predict_time"] == 0.1
    assert metadata["finish_reason"] == "stop"
    # One create (sync mode), then one GET for the metrics; no stream.
    calls = [r for r in fake.requests if r.url.path not in fake.lookups()]
    assert [(r.method, r.url.path) for r in calls] == [
        ("POST", "/v1/models/meta/meta-llama-3-8b-instruct/predictions"),
        ("GET", "/v1/predictions/pred1"),
    ]


async def test_finish_reason_length_when_output_reaches_max_tokens(mode: str) -> None:
    fake = make_fake(create_status="succeeded")
    result = await invoke(make_chat(fake, mode=mode, max_tokens=3), mode, "Hi")
    assert result.response_metadata["finish_reason"] == "length"
    fake = make_fake(create_status="succeeded")
    result = await invoke(make_chat(fake, mode=mode, max_tokens=4), mode, "Hi")
    assert result.response_metadata["finish_reason"] == "stop"


async def test_stop_sequence_cuts_cancels_and_says_so(mode: str) -> None:
    fake = make_fake(DOLLY, tokens=["Hello", " wor", "ld", "!", " More"])
    chat = make_chat(fake, DOLLY, mode=mode)
    result = await invoke(chat, mode, "Hi", stop=["world"])
    assert result.content == "Hello "
    assert result.response_metadata["finish_reason"] == "stop_sequence"
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


async def test_stream_yields_tokens_then_one_last_chunk_with_usage(mode: str) -> None:
    fake = make_fake()
    chunks = await stream(make_chat(fake, mode=mode), mode, "Hi")
    assert [c.content for c in chunks] == ["Hello", " world", "!", ""]
    assert [c.chunk_position for c in chunks] == [None, None, None, "last"]
    assert [c.usage_metadata is not None for c in chunks] == [False] * 3 + [True]
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert full.usage_metadata == {
        "input_tokens": 7,
        "output_tokens": 3,
        "total_tokens": 10,
    }
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.response_metadata["model_name"] == "meta/meta-llama-3-8b-instruct"
    assert fake.bodies()[0]["stream"] is True


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[tuple[str | list[Any], Any]] = []

    def on_llm_new_token(self, token: str | list[Any], **kwargs: Any) -> None:
        self.tokens.append((token, kwargs.get("chunk")))


async def test_streaming_invoke_sends_tokens_with_chunks_to_callbacks(
    mode: str,
) -> None:
    fake = make_fake()
    handler = _Tokens()
    chat = make_chat(fake, mode=mode, streaming=True)
    result = await invoke(chat, mode, "Hi", config={"callbacks": [handler]})
    assert result.content == "Hello world!"
    assert result.usage_metadata is not None
    assert [t for t, _ in handler.tokens] == ["Hello", " world", "!", ""]
    assert all(chunk is not None for _, chunk in handler.tokens)


async def test_abandoned_stream_cancels_the_prediction(mode: str) -> None:
    fake = make_fake()
    chat = make_chat(fake, mode=mode)
    if mode == "sync":
        chunks = chat.stream("Hi")
        next(chunks)
        chunks.close()  # type: ignore[attr-defined]
    else:
        achunks = chat.astream("Hi")
        await anext(achunks)
        await achunks.aclose()  # type: ignore[attr-defined]
        # core's astream leaves our generator to the loop's async-generator
        # finalizer, which closes it (and so cancels) on a later turn.
        for _ in range(50):
            if fake.cancels():
                break
            await asyncio.sleep(0.01)
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


# -- errors and retries (the shared client) --------------------------------------------


async def test_missing_token_fails_before_any_request(mode: str) -> None:
    fake = make_fake()
    with pytest.raises(ReplicateAuthenticationError, match="REPLICATE_API_TOKEN"):
        await invoke(make_chat(fake, mode=mode, api_key=None), mode, "Hi")
    assert fake.requests == []


async def test_failed_prediction_raises_with_its_error(mode: str) -> None:
    fake = make_fake(create_status="failed", error="CUDA out of memory")
    with pytest.raises(ReplicatePredictionError, match="CUDA out of memory"):
        await invoke(make_chat(fake, mode=mode), mode, "Hi")


@pytest.mark.usefixtures("short_pacing_window")
async def test_429_on_create_is_retried(mode: str) -> None:
    fake = make_fake()
    fake.create_errors = [
        httpx.Response(429, headers={"retry-after": "0.01"}, json={"detail": "slow"})
    ]
    result = await invoke(make_chat(fake, mode=mode), mode, "Hi")
    assert result.content == "Hello world!"
    assert len(fake.creates()) == 2


@pytest.mark.usefixtures("short_pacing_window")
async def test_rate_limit_after_retries_is_a_typed_error(mode: str) -> None:
    fake = make_fake()
    fake.create_errors = [
        httpx.Response(429, headers={"retry-after": "0.01"}, json={"detail": "slow"})
    ] * 2
    chat = make_chat(fake, mode=mode, max_retries=1)
    with pytest.raises(ReplicateRateLimitError):
        await invoke(chat, mode, "Hi")
