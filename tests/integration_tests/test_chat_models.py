"""`ChatReplicate` against the local Replicate server: real HTTP, real models' schemas.

The server's language models log the prompt they formatted, so these tests see
exactly what a model was given (one template, not two).
"""

from __future__ import annotations

import base64
import io
import random
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.rate_limiters import InMemoryRateLimiter
from PIL import Image

from langchain_replicate import ChatReplicate, ReplicateTimeoutError
from langchain_replicate._chat.prompts import BUILTIN_TEMPLATES, render_prompt
from langchain_replicate.testing import ModelPace
from tests.modes import MODES, invoke

if TYPE_CHECKING:
    from replicate.client import Client

    from langchain_replicate.testing import LocalReplicateServer

LLAMA_3 = "meta/meta-llama-3-8b-instruct"
GPT_5_NANO = "openai/gpt-5-nano"
LLAMA_2_CHAT = (
    "a16z-infra/llama13b-v2-chat:"
    "df7690f1994d94e96ad9d568eac121aecf50684a0b0963b25a41cc40061269e5"
)

DOLLY = (
    "replicate/dolly-v2-12b:"
    "ef0e1aefc61f8e096ebe4db6b2bacc297daf2ef6899f0f7e001ec445893500e5"
)
LLAVA = (
    "yorickvp/llava-13b:"
    "b5f6212d032508382d61ff00469ddda3e32fd8a0e75dc39d8a4191bb742157fb"
)
CONVERSATION: list[BaseMessage] = [
    SystemMessage("Answer briefly."),
    HumanMessage("Hi!"),
    AIMessage("Hello, how can I help?"),
    HumanMessage("Can a dog drive a car?"),
]
ASKED = 'You asked: "Can a dog drive a car?".'


def chat(server: LocalReplicateServer, model: str, **kwargs: Any) -> ChatReplicate:
    return ChatReplicate(
        model=model, api_key=server.api_token, base_url=server.base_url, **kwargs
    )


def prediction_input(client: Client, result: AIMessage) -> dict[str, Any]:
    """The input the server received for the result's prediction."""
    prediction = client.predictions.get(result.response_metadata["prediction_id"])
    assert prediction.input is not None
    return prediction.input


def formatted_prompt(client: Client, result: AIMessage) -> str:
    """The prompt the server's model formatted, from the prediction's logs."""
    logs = client.predictions.get(result.response_metadata["prediction_id"]).logs
    assert logs is not None
    head, _, rest = logs.partition("Formatted prompt: ")
    assert head.startswith("Random seed used")
    return rest.rsplit("\nGenerated ", 1)[0]


def png(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def noise(width: int, height: int) -> Image.Image:
    """An image PNG cannot compress, so its file is large."""
    pixels = random.Random(0).randbytes(width * height * 3)  # noqa: S311 - test data
    return Image.frombytes("RGB", (width, height), pixels)


# -- templates: what each model was given ---------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_llama_3_conversation_is_templated_once(
    replicate_server: LocalReplicateServer, client: Client, mode: str
) -> None:
    result = await invoke(
        chat(replicate_server, LLAMA_3, max_tokens=30), mode, CONVERSATION
    )
    assert result.text.startswith(ASKED)
    assert formatted_prompt(client, result) == render_prompt(
        CONVERSATION, BUILTIN_TEMPLATES["llama-3"]
    )


@pytest.mark.parametrize("mode", MODES)
async def test_llama_3_single_turn_uses_the_models_own_template(
    replicate_server: LocalReplicateServer, client: Client, mode: str
) -> None:
    messages = [
        SystemMessage("Answer briefly."),
        HumanMessage("Can a dog drive a car?"),
    ]
    result = await invoke(
        chat(replicate_server, LLAMA_3, max_tokens=30), mode, messages
    )
    assert result.text.startswith(ASKED)
    assert formatted_prompt(client, result) == render_prompt(
        messages, BUILTIN_TEMPLATES["llama-3"]
    )


@pytest.mark.parametrize("mode", MODES)
async def test_llama_2_chat_conversation_fills_the_models_template(
    replicate_server: LocalReplicateServer, client: Client, mode: str
) -> None:
    result = await invoke(
        chat(replicate_server, LLAMA_2_CHAT, max_tokens=30), mode, CONVERSATION
    )
    assert result.text.startswith(ASKED)
    assert formatted_prompt(client, result) == (
        "[INST] <<SYS>>\nAnswer briefly.\n<</SYS>>\n\nHi! [/INST] Hello, how can I "
        "help? </s><s>[INST] Can a dog drive a car? [/INST]"
    )


@pytest.mark.parametrize("mode", MODES)
async def test_gpt_5_nano_conversation_goes_as_messages(
    replicate_server: LocalReplicateServer, client: Client, mode: str
) -> None:
    result = await invoke(
        chat(replicate_server, GPT_5_NANO, max_tokens=30), mode, CONVERSATION
    )
    assert result.text.startswith(ASKED)
    assert prediction_input(client, result)["messages"][-1] == {
        "role": "user",
        "content": "Can a dog drive a car?",
    }


@pytest.mark.parametrize("mode", MODES)
async def test_prompt_only_model_with_a_chosen_template(
    replicate_server: LocalReplicateServer, client: Client, mode: str
) -> None:
    model = chat(replicate_server, DOLLY, max_tokens=30, prompt_template="chatml")
    result = await invoke(model, mode, CONVERSATION)
    assert render_prompt(CONVERSATION, BUILTIN_TEMPLATES["chatml"]) in (
        formatted_prompt(client, result)
    )


# -- images ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_small_image_goes_inline_to_a_single_image_model(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    message = HumanMessage(
        [
            {"type": "text", "text": "What is in this image?"},
            {
                "type": "image",
                "base64": png(Image.new("RGB", (64, 32), (255, 0, 0))),
                "mime_type": "image/png",
            },
        ]
    )
    result = await invoke(chat(replicate_server, LLAVA, max_tokens=60), mode, [message])
    assert "The image is 64x32 pixels in PNG format" in result.text
    assert not any(path == "/v1/files" for _, path in replicate_server.request_log())


@pytest.mark.parametrize("mode", MODES)
async def test_large_image_is_uploaded_through_the_files_api(
    replicate_server: LocalReplicateServer, client: Client, mode: str
) -> None:
    data = png(noise(320, 320))
    assert len(base64.b64decode(data)) > 256 * 1024
    message = HumanMessage(
        [
            {"type": "text", "text": "Describe it."},
            {
                "type": "image_url",
                "image_url": {"url": f"data:image/png;base64,{data}"},
            },
        ]
    )
    result = await invoke(
        chat(replicate_server, GPT_5_NANO, max_tokens=60), mode, [message]
    )
    assert "The image is 320x320 pixels in PNG format" in result.text
    assert ("POST", "/v1/files") in replicate_server.request_log()
    (url,) = prediction_input(client, result)["image_input"]
    assert url.startswith(f"{replicate_server.base_url}/v1/files/")


# -- usage, metadata, finish reasons --------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_usage_metadata_and_finish_reasons(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    short = await invoke(
        chat(replicate_server, LLAMA_3, max_tokens=5), mode, "Hi there"
    )
    assert short.usage_metadata is not None
    assert short.usage_metadata["output_tokens"] == 5
    metadata = short.response_metadata
    assert metadata["finish_reason"] == "length"
    assert metadata["model_name"] == LLAMA_3
    assert metadata["model_provider"] == "replicate"
    assert metadata["status"] == "succeeded"
    assert metadata["web_url"] == (
        f"{replicate_server.base_url}/p/{metadata['prediction_id']}"
    )
    assert metadata["metrics"]["output_token_count"] == 5
    full = await invoke(
        chat(replicate_server, LLAMA_3, max_tokens=500), mode, "Hi there"
    )
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.usage_metadata is not None
    assert 5 < full.usage_metadata["output_tokens"] < 500


@pytest.mark.parametrize("mode", MODES)
async def test_stop_sequence_cancels_the_prediction(
    replicate_server: LocalReplicateServer, client: Client, mode: str
) -> None:
    model = chat(replicate_server, DOLLY, max_tokens=200)
    result = await invoke(model, mode, "Hi there", stop=["reference"])
    assert result.text == 'You asked: "Hi there". This is a '
    assert result.response_metadata["finish_reason"] == "stop_sequence"
    prediction = client.predictions.get(result.response_metadata["prediction_id"])
    assert prediction.status == "canceled"


@pytest.mark.parametrize("mode", MODES)
async def test_stream_gives_tokens_then_one_last_chunk_with_usage(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    model = chat(replicate_server, GPT_5_NANO, max_tokens=20)
    if mode == "sync":
        chunks = list(model.stream("Hi there"))
    else:
        chunks = [chunk async for chunk in model.astream("Hi there")]
    assert len(chunks) == 21
    assert [c.chunk_position for c in chunks].count("last") == 1
    assert chunks[-1].chunk_position == "last"
    assert [c.usage_metadata is not None for c in chunks].count(True) == 1
    assert chunks[-1].response_metadata["finish_reason"] == "length"


@pytest.mark.parametrize("mode", MODES)
async def test_per_call_model_and_params(
    replicate_server: LocalReplicateServer, client: Client, mode: str
) -> None:
    model = chat(replicate_server, LLAMA_3, max_tokens=10, temperature=0.5)
    result = await invoke(
        model, mode, "Hi there", model=LLAMA_2_CHAT, max_tokens=7, temperature=0.2
    )
    assert result.response_metadata["model_name"] == LLAMA_2_CHAT
    sent = prediction_input(client, result)
    assert sent["max_new_tokens"] == 7
    assert sent["temperature"] == 0.2


@pytest.mark.parametrize("mode", MODES)
async def test_timeout_cancels_the_prediction(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    replicate_server.set_pace(ModelPace(time_to_first_token=5.0))
    model = chat(replicate_server, LLAMA_3, timeout=0.5)
    with pytest.raises(ReplicateTimeoutError) as caught:
        await invoke(model, mode, "Hi there")
    prediction_id = caught.value.prediction_id
    assert ("POST", f"/v1/predictions/{prediction_id}/cancel") in (
        replicate_server.request_log()
    )


# -- inherited features ---------------------------------------------------------------


def test_cache_answers_the_second_call_without_a_prediction(
    replicate_server: LocalReplicateServer,
) -> None:
    model = chat(replicate_server, LLAMA_3, max_tokens=10, cache=InMemoryCache())
    first = model.invoke("Hi there")
    second = model.invoke("Hi there")
    assert first.text == second.text
    creates = [p for m, p in replicate_server.request_log() if m == "POST"]
    assert creates == [f"/v1/models/{LLAMA_3}/predictions"]


def test_disable_streaming_streams_one_invoke(
    replicate_server: LocalReplicateServer,
) -> None:
    model = chat(replicate_server, LLAMA_3, max_tokens=10, disable_streaming=True)
    chunks = list(model.stream("Hi there"))
    assert len(chunks) == 1
    assert chunks[0].usage_metadata is not None


def test_rate_limiter_and_batch(replicate_server: LocalReplicateServer) -> None:
    limiter = InMemoryRateLimiter(requests_per_second=100, check_every_n_seconds=0.01)
    model = chat(replicate_server, LLAMA_3, max_tokens=10, rate_limiter=limiter)
    results = model.batch(["Hi there", "Hello there", "Hey there"])
    assert [r.text.split(".")[0] for r in results] == [
        'You asked: "Hi there"',
        'You asked: "Hello there"',
        'You asked: "Hey there"',
    ]
