"""The `Replicate` LLM over a real `replicate.Client` wired to `httpx.MockTransport`."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import (
    ModelAuthenticationError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_core.load import dumpd, dumps
from langchain_core.prompts import PromptTemplate
from pydantic import ValidationError
from replicate.exceptions import ModelError as SdkModelError
from replicate.exceptions import ReplicateError as SdkReplicateError

from langchain_replicate import (
    Replicate,
    ReplicateAuthenticationError,
    ReplicateInputError,
    ReplicateInvalidRequestError,
    ReplicateNotFoundError,
    ReplicatePaymentRequiredError,
    ReplicatePredictionCanceledError,
    ReplicatePredictionError,
    ReplicateRateLimitError,
    ReplicateServerError,
    ReplicateTimeoutError,
)
from tests.modes import invoke, stream
from tests.unit_tests.fake_replicate import (
    TOKEN,
    VERSION,
    FakeReplicate,
    image_schema,
    llm_schema,
)

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput
    from syrupy.assertion import SnapshotAssertion


@pytest.fixture
def fake() -> FakeReplicate:
    return FakeReplicate()


def make_llm(
    fake: FakeReplicate, *, use_async: bool = False, **kwargs: Any
) -> Replicate:
    params: dict[str, Any] = {
        "model": "meta/llama",
        "api_key": TOKEN,
        "base_url": fake.base_url,
        "client_kwargs": {"transport": fake.transport(use_async=use_async)},
    }
    params.update(kwargs)
    return Replicate(**params)


async def generate_info(llm: Replicate, mode: str, prompt: str) -> dict[str, Any]:
    result = llm.generate([prompt]) if mode == "sync" else await llm.agenerate([prompt])
    info = result.generations[0][0].generation_info
    assert info is not None
    return info


# -- auth ------------------------------------------------------------------------------


async def test_constructor_token_is_used_not_the_environment(
    fake: FakeReplicate, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_from_the_environment")
    llm = make_llm(fake, prompt_key="prompt")
    assert await invoke(llm, mode, "Hi") == "Hello world!"
    assert {r.headers["authorization"] for r in fake.requests} == {f"Bearer {TOKEN}"}


async def test_token_from_environment(
    fake: FakeReplicate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLICATE_API_KEY", TOKEN)
    llm = Replicate(
        model="meta/llama",
        base_url=fake.base_url,
        client_kwargs={"transport": fake.transport()},
    )
    assert llm.invoke("Hi") == "Hello world!"


async def test_missing_token_fails_before_any_request(
    fake: FakeReplicate, mode: str
) -> None:
    llm = make_llm(fake, api_key=None)
    with pytest.raises(ReplicateAuthenticationError, match="REPLICATE_API_TOKEN") as e:
        await invoke(llm, mode, "Hi")
    assert "api_key" in str(e.value)
    assert fake.requests == []


async def test_token_never_in_repr_str_dumps_or_errors(fake: FakeReplicate) -> None:
    llm = make_llm(fake)
    for text in (repr(llm), str(llm), dumps(llm), json.dumps(llm._identifying_params)):
        assert TOKEN not in text
    assert TOKEN not in str(llm._get_ls_params())
    assert dumpd(llm)["kwargs"]["replicate_api_token"] == {
        "lc": 1,
        "type": "secret",
        "id": ["REPLICATE_API_TOKEN"],
    }
    fake.create_errors.append(httpx.Response(401, json={"detail": "Invalid token"}))
    with pytest.raises(ReplicateAuthenticationError) as e:
        llm.invoke("Hi")
    assert TOKEN not in str(e.value)
    assert TOKEN not in repr(e.value)


def test_serialization_snapshot(snapshot: SnapshotAssertion) -> None:
    llm = Replicate(
        model="meta/meta-llama-3-8b-instruct",
        api_key=TOKEN,
        temperature=0.5,
        max_tokens=100,
        model_kwargs={"presence_penalty": 1.15},
    )
    assert dumpd(llm) == snapshot


# -- construction ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref", ["meta", "a/b/c", "a/b:", "/b", "", "owner/name:ver:sion", "a b/c"]
)
def test_malformed_model_fails_at_construction(ref: str) -> None:
    with pytest.raises(ValidationError, match=r"Malformed|No model"):
        Replicate(model=ref, api_key=TOKEN)


def test_model_and_deployment_are_exclusive() -> None:
    with pytest.raises(ValidationError, match="either model= or deployment="):
        Replicate(model="a/b", deployment="c/d", api_key=TOKEN)


def test_unknown_kwargs_move_to_model_kwargs_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="image_dimensions"):
        llm = Replicate(model="a/b", api_key=TOKEN, image_dimensions="512x512")
    assert llm.model_kwargs == {"image_dimensions": "512x512"}


def test_input_alias_and_standard_aliases() -> None:
    llm = Replicate(
        model_name="a/b:" + VERSION,
        api_key=TOKEN,
        input={"presence_penalty": 5},
        max_tokens=9,
    )
    assert llm.model == "a/b:" + VERSION
    assert llm.model_kwargs == {"presence_penalty": 5}
    assert llm.replicate_api_token is not None
    assert llm.replicate_api_token.get_secret_value() == TOKEN


def test_lc_and_tracing_params(fake: FakeReplicate) -> None:
    llm = make_llm(fake, temperature=0.2, max_tokens=64)
    assert Replicate.is_lc_serializable()
    assert llm._llm_type == "replicate"
    ls = llm._get_ls_params(stop=["x"])
    assert ls["ls_provider"] == "replicate"
    assert ls["ls_model_type"] == "llm"
    assert ls["ls_model_name"] == "meta/llama"
    assert ls["ls_temperature"] == 0.2
    assert ls["ls_max_tokens"] == 64
    assert ls["ls_stop"] == ["x"]
    assert llm._get_ls_params(model="other/model")["ls_model_name"] == "other/model"
    assert llm._identifying_params["model"] == "meta/llama"


# -- models ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"model": "meta/llama"}, "/v1/models/meta/llama/predictions"),
        ({"model": f"meta/llama:{VERSION}"}, "/v1/predictions"),
        ({"model": "deployments/acme/llama"}, "/v1/deployments/acme/llama/predictions"),
        (
            {"model": None, "deployment": "acme/llama"},
            "/v1/deployments/acme/llama/predictions",
        ),
    ],
)
async def test_model_references_pick_the_create_endpoint(
    fake: FakeReplicate, mode: str, kwargs: dict[str, Any], path: str
) -> None:
    llm = make_llm(fake, **kwargs)
    assert await invoke(llm, mode, "Hi") == "Hello world!"
    (create,) = fake.creates()
    assert create.url.path == path
    body = json.loads(create.content)
    assert body.get("version") == (VERSION if path == "/v1/predictions" else None)


@pytest.mark.parametrize("base_url", ["{}/", "{}/v1", "{}/v1/"])
async def test_base_url_is_normalized(fake: FakeReplicate, base_url: str) -> None:
    llm = make_llm(fake, base_url=base_url.format(fake.base_url))
    llm.invoke("Hi")
    assert (
        str(fake.creates()[0].url)
        == f"{fake.base_url}/v1/models/meta/llama/predictions"
    )


async def test_base_url_from_environment(
    fake: FakeReplicate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLICATE_BASE_URL", fake.base_url)
    llm = Replicate(
        model="meta/llama",
        api_key=TOKEN,
        client_kwargs={"transport": fake.transport()},
    )
    llm.invoke("Hi")
    assert str(fake.requests[0].url).startswith(fake.base_url)


# -- no polling on the common path -----------------------------------------------------


@pytest.mark.parametrize("status", ["processing", "succeeded"])
async def test_invoke_is_one_sync_request(
    fake: FakeReplicate, mode: str, status: str
) -> None:
    fake.create_status = status
    llm = make_llm(fake, prompt_key="prompt")
    info = await generate_info(llm, mode, "Hi")
    assert [(r.method, r.url.path) for r in fake.requests] == [
        ("POST", "/v1/models/meta/llama/predictions")
    ]
    create = fake.creates()[0]
    assert create.headers["prefer"] == "wait=60"
    assert "stream" not in json.loads(create.content)
    assert info["prediction_id"] == "pred1"
    assert info["status"] == status
    assert info["model_name"] == "meta/llama"
    assert info["version"] == VERSION
    assert info["metrics"] == ({} if status == "processing" else fake.metrics)


async def test_wait_expired_follows_the_stream(fake: FakeReplicate, mode: str) -> None:
    fake.create_status = "starting"
    llm = make_llm(fake, prompt_key="prompt", wait=5)
    info = await generate_info(llm, mode, "Hi")
    assert fake.creates()[0].headers["prefer"] == "wait=5"
    assert fake.paths("GET") == ["/v1/streams/pred1", "/v1/predictions/pred1"]
    assert info["status"] == "succeeded"
    assert info["metrics"]["output_token_count"] == 3


async def test_wait_expired_without_stream_polls_with_backoff(
    fake: FakeReplicate, mode: str
) -> None:
    fake.create_status = "starting"
    fake.stream_url = False
    fake.polls_before_done = 3
    llm = make_llm(fake, prompt_key="prompt")
    assert await invoke(llm, mode, "Hi") == "Hello world!"
    assert fake.paths("GET") == ["/v1/predictions/pred1"] * 4
    # The backoff between the polls (0.2, 0.3, 0.45 s) is checked on a fake clock:
    # test_core_flows.py::test_run_polls_with_backoff_when_the_wait_ran_out.


async def test_deadline_cancels_a_prediction_that_runs_too_long(
    fake: FakeReplicate, mode: str
) -> None:
    fake.create_status = "starting"
    fake.stream_url = False
    fake.polls_before_done = 10_000
    llm = make_llm(fake, prompt_key="prompt", timeout=0.5)
    # When it gives up is checked on a fake clock: test_core_flows.py::
    # test_run_past_its_deadline_raises_and_leaves_the_prediction_to_cancel.
    with pytest.raises(ReplicateTimeoutError, match="pred1") as e:
        await invoke(llm, mode, "Hi")
    assert isinstance(e.value, ModelTimeoutError)
    assert e.value.prediction_id == "pred1"
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]
    assert fake.creates()[0].headers["cancel-after"] == "5s"


# -- streaming -------------------------------------------------------------------------


class Recorder(BaseCallbackHandler):
    def __init__(self, events: list[str], *, fail_at: int | None = None) -> None:
        self.events = events
        self.fail_at = fail_at

    def on_llm_new_token(self, token: str | list[Any], **kwargs: Any) -> None:
        self.events.append(f"token:{token}")
        if self.fail_at is not None and len(self.events) >= self.fail_at:
            msg = "callback failed"
            raise RuntimeError(msg)


async def test_stream_uses_sse_and_calls_back_before_each_yield(
    fake: FakeReplicate, mode: str
) -> None:
    events: list[str] = []
    llm = make_llm(fake, prompt_key="prompt", callbacks=[Recorder(events)])
    if mode == "sync":
        for chunk in llm.stream("Hi"):
            events.append(f"yield:{chunk}")  # noqa: PERF401 - order vs callbacks
    else:
        async for chunk in llm.astream("Hi"):
            events.append(f"yield:{chunk}")  # noqa: PERF401 - order vs callbacks
    assert events[:6] == [
        "token:Hello",
        "yield:Hello",
        "token: world",
        "yield: world",
        "token:!",
        "yield:!",
    ]
    create = fake.creates()[0]
    assert json.loads(create.content)["stream"] is True
    assert "prefer" not in create.headers
    assert fake.paths("GET")[0] == "/v1/streams/pred1"


async def test_sse_text_is_never_a_file_and_odd_events_are_skipped(
    fake: FakeReplicate, mode: str
) -> None:
    fake.sse_events = [
        ("output", "https://example.com"),
        ("logs", "loading weights"),
        ("start", "{}"),  # not a Replicate event name: skipped, not fatal
        ("output", " is a site\n\n"),
        ("output", "ok"),
        ("done", "{}"),
    ]
    fake.tokens = ["https://example.com", " is a site\n\n", "ok"]
    llm = make_llm(fake, prompt_key="prompt")
    chunks = await stream(llm, mode, "Hi")
    assert "".join(chunks) == "https://example.com is a site\n\nok"
    assert all(isinstance(c, str) for c in chunks)


async def test_broken_stream_resumes_by_polling_without_repeats(
    fake: FakeReplicate, mode: str
) -> None:
    fake.cut_stream_after = 2
    llm = make_llm(fake, prompt_key="prompt")
    assert "".join(await stream(llm, mode, "Hi")) == "Hello world!"
    assert fake.cancels() == []


async def test_streaming_flag_streams_inside_invoke(
    fake: FakeReplicate, mode: str
) -> None:
    events: list[str] = []
    llm = make_llm(
        fake, prompt_key="prompt", streaming=True, callbacks=[Recorder(events)]
    )
    assert await invoke(llm, mode, "Hi") == "Hello world!"
    assert events[:3] == ["token:Hello", "token: world", "token:!"]
    assert json.loads(fake.creates()[0].content)["stream"] is True


# -- stop sequences --------------------------------------------------------------------


async def test_stop_across_tokens_same_text_and_cancels(
    fake: FakeReplicate, mode: str
) -> None:
    fake.tokens = ["Hello wor", "ld ST", "OP after", " more"]
    llm = make_llm(fake, prompt_key="prompt")
    chunks = await stream(llm, mode, "Hi", stop=["STOP"])
    assert "".join(chunks) == "Hello world "
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]
    fake.requests.clear()
    assert await invoke(llm, mode, "Hi", stop=["STOP"]) == "Hello world "
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]
    assert "prefer" not in fake.creates()[0].headers


async def test_stop_sent_when_the_schema_takes_it(
    fake: FakeReplicate, mode: str
) -> None:
    fake.schema = llm_schema(stop=True)
    llm = make_llm(fake, stop=["\n\n", "User:"])
    await invoke(llm, mode, "Hi")
    assert fake.bodies()[0]["input"]["stop_sequences"] == "\n\n,User:"
    fake.schema = llm_schema()
    llm = make_llm(fake, model="other/llama", stop=["\n\n"])
    await invoke(llm, mode, "Hi")
    assert "stop_sequences" not in fake.bodies()[1]["input"]


async def test_finish_reason_length_when_output_reaches_max_tokens(
    fake: FakeReplicate, mode: str
) -> None:
    fake.create_status = "succeeded"
    info = await generate_info(
        make_llm(fake, prompt_key="prompt", max_tokens=3), mode, "Hi"
    )
    assert info["finish_reason"] == "length"
    info = await generate_info(
        make_llm(fake, prompt_key="prompt", max_tokens=4), mode, "Hi"
    )
    assert info["finish_reason"] == "stop"


async def test_generation_info_on_stop(fake: FakeReplicate, mode: str) -> None:
    fake.tokens = ["a", "b", "STOP", "c"]
    llm = make_llm(fake, prompt_key="prompt", stop=["STOP"])
    info = await generate_info(llm, mode, "Hi")
    assert info["finish_reason"] == "stop_sequence"
    assert info["prediction_id"] == "pred1"


# -- nothing left running --------------------------------------------------------------


async def test_consumer_stopping_cancels_sync(fake: FakeReplicate) -> None:
    llm = make_llm(fake, prompt_key="prompt")
    for _ in llm.stream("Hi"):
        break
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


async def test_consumer_stopping_cancels_async(fake: FakeReplicate) -> None:
    llm = make_llm(fake, prompt_key="prompt")
    gen = llm.astream("Hi")
    async for _ in gen:
        break
    await gen.aclose()  # type: ignore[attr-defined]
    # core's astream leaves our generator to the loop's async-generator finalizer,
    # which closes it (and so cancels) on the next turns of the loop.
    for _ in range(50):
        if fake.cancels():
            break
        await asyncio.sleep(0.01)
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


async def test_failing_callback_cancels(fake: FakeReplicate, mode: str) -> None:
    events: list[str] = []
    recorder = Recorder(events, fail_at=1)
    recorder.raise_error = True
    llm = make_llm(fake, prompt_key="prompt", callbacks=[recorder])
    with pytest.raises(RuntimeError, match="callback failed"):
        await stream(llm, mode, "Hi")
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


class Interrupter(BaseCallbackHandler):
    def on_llm_new_token(self, token: str | list[Any], **kwargs: Any) -> None:
        raise KeyboardInterrupt


async def test_keyboard_interrupt_cancels(fake: FakeReplicate) -> None:
    llm = make_llm(fake, prompt_key="prompt", callbacks=[Interrupter()])
    with pytest.raises(KeyboardInterrupt):
        llm.invoke("Hi", stop=["never"])
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


async def test_asyncio_cancellation_cancels_the_prediction(fake: FakeReplicate) -> None:
    fake.create_status = "starting"
    fake.stream_url = False
    fake.polls_before_done = 10_000
    llm = make_llm(fake, prompt_key="prompt")
    task = asyncio.ensure_future(llm.ainvoke("Hi"))
    for _ in range(200):
        if fake.paths("GET"):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


async def test_task_cancelled_during_the_sync_wait_cancels_once_created(
    fake: FakeReplicate,
) -> None:
    fake.delay = 0.3  # the create's `Prefer: wait`
    fake.create_status = "starting"  # ... ran out; the prediction is still running
    llm = make_llm(fake, prompt_key="prompt", use_async=True)
    task = asyncio.ensure_future(llm.ainvoke("Hi"))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert fake.cancels() == []  # the id is not known yet
    for _ in range(100):
        if fake.cancels():
            break
        await asyncio.sleep(0.01)
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


# -- schema: once, and only when needed ------------------------------------------------


async def test_official_model_with_a_prompt_needs_no_lookup(
    fake: FakeReplicate, mode: str
) -> None:
    llm = make_llm(fake)
    assert await invoke(llm, mode, "Hi") == "Hello world!"
    assert fake.lookups() == []
    assert fake.bodies() == [{"input": {"prompt": "Hi"}}]


async def test_schema_fetched_once_across_instances_and_calls(
    fake: FakeReplicate, mode: str
) -> None:
    for _ in range(2):
        llm = make_llm(fake, temperature=0.1, max_tokens=10)
        await invoke(llm, mode, "Hi")
        await invoke(llm, mode, "Hi again")
    prompts: list[LanguageModelInput] = [f"p{i}" for i in range(8)]
    if mode == "sync":
        make_llm(fake, top_p=0.5).batch(prompts)
    else:
        await make_llm(fake, top_p=0.5).abatch(prompts)
    assert fake.lookups() == ["/v1/models/meta/llama"]
    assert len(fake.creates()) == 12


async def test_versioned_model_looks_up_its_version(
    fake: FakeReplicate, mode: str
) -> None:
    llm = make_llm(fake, model=f"meta/llama:{VERSION}", max_tokens=3)
    await invoke(llm, mode, "Hi")
    assert fake.lookups() == [f"/v1/models/meta/llama/versions/{VERSION}"]


async def test_wrong_guessed_prompt_key_is_corrected_from_the_schema(
    fake: FakeReplicate, mode: str
) -> None:
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
    llm = make_llm(fake)
    assert await invoke(llm, mode, "What is it?") == "Hello world!"
    assert [b["input"] for b in fake.bodies()] == [
        {"prompt": "What is it?"},
        {"question": "What is it?"},
    ]
    assert fake.lookups() == ["/v1/models/meta/llama"]


def test_version_obj_schema_is_used_without_a_lookup(fake: FakeReplicate) -> None:
    class Version:
        id = VERSION
        openapi_schema = llm_schema(max_name="max_new_tokens")

    llm = make_llm(fake, version_obj=Version(), max_tokens=5)
    llm.invoke("Hi")
    assert fake.lookups() == []
    assert fake.creates()[0].url.path == "/v1/predictions"
    assert fake.bodies()[0] == {
        "input": {"prompt": "Hi", "max_new_tokens": 5},
        "version": VERSION,
    }


# -- standard params and validation ----------------------------------------------------


@pytest.mark.parametrize(
    "max_name", ["max_tokens", "max_new_tokens", "max_length", "max_completion_tokens"]
)
async def test_max_tokens_and_its_aliases_use_the_schema_name(
    fake: FakeReplicate, mode: str, max_name: str
) -> None:
    fake.schema = llm_schema(max_name=max_name)
    llm = make_llm(fake, max_tokens=7, temperature=0.3, seed=1, validate_inputs=False)
    await invoke(llm, mode, "Hi")
    llm = make_llm(fake, model_kwargs={"max_length": 500, "top_p": 1})
    await invoke(llm, mode, "Hi")
    await invoke(llm, mode, "Hi", max_new_tokens=9)
    first, second, third = (b["input"] for b in fake.bodies())
    assert first == {"prompt": "Hi", max_name: 7, "temperature": 0.3, "seed": 1}
    assert second == {"prompt": "Hi", max_name: 500, "top_p": 1}
    assert third == {"prompt": "Hi", max_name: 9, "top_p": 1}


async def test_unknown_inputs_rejected_before_any_prediction(
    fake: FakeReplicate, mode: str
) -> None:
    llm = make_llm(fake, model_kwargs={"image_dimensions": "512x512"}, top_k=3)
    with pytest.raises(ReplicateInputError) as e:
        await invoke(llm, mode, "Hi")
    message = str(e.value)
    assert "'image_dimensions'" in message
    assert "'top_k'" in message
    assert "prompt, max_tokens, temperature, top_p" in message
    assert "validate_inputs=False" in message
    assert isinstance(e.value, ModelInvalidRequestError)
    assert isinstance(e.value, ValueError)
    assert fake.creates() == []
    llm = make_llm(
        fake, model_kwargs={"image_dimensions": "512x512"}, validate_inputs=False
    )
    await invoke(llm, mode, "Hi")
    assert fake.bodies()[0]["input"]["image_dimensions"] == "512x512"


# -- outputs ---------------------------------------------------------------------------


async def test_file_outputs_give_the_first_url(fake: FakeReplicate, mode: str) -> None:
    fake.schema = image_schema()
    fake.output = ["https://replicate.delivery/a/out-0.png", "https://x/out-1.png"]
    llm = make_llm(fake, model_kwargs={"image_dimensions": "512x512"})
    assert await invoke(llm, mode, "A cat") == "https://replicate.delivery/a/out-0.png"


async def test_sync_data_uri_outputs_are_resolved_to_urls(
    fake: FakeReplicate, mode: str
) -> None:
    fake.schema = image_schema()
    llm = make_llm(fake, model_kwargs={"image_dimensions": "512x512"})
    fake.output = ["data:image/png;base64,iVBORw0KGgo="]
    fake.create_status = "processing"
    # The create answers with the data: URI; the finished prediction links it.
    fake.final_status = "succeeded"

    original = fake._create

    def create_then_link(request: httpx.Request) -> httpx.Response:
        response = original(request)
        fake.output = ["https://replicate.delivery/b/out-0.png"]
        return response

    fake._create = create_then_link  # type: ignore[method-assign]
    assert await invoke(llm, mode, "A cat") == "https://replicate.delivery/b/out-0.png"
    assert fake.paths("GET")[-1] == "/v1/predictions/pred1"


async def test_text_starting_with_https_stays_text(
    fake: FakeReplicate, mode: str
) -> None:
    fake.tokens = ["https://example.com", " is a site"]
    llm = make_llm(fake, max_tokens=5)
    assert await invoke(llm, mode, "Hi") == "https://example.com is a site"


async def test_structured_output_is_json(fake: FakeReplicate) -> None:
    fake.output = {"image": "https://x/1.png", "seed": 3}
    llm = make_llm(fake)
    assert json.loads(llm.invoke("Hi")) == {"image": "https://x/1.png", "seed": 3}


# -- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls", "core_cls", "hint"),
    [
        (
            401,
            ReplicateAuthenticationError,
            ModelAuthenticationError,
            "REPLICATE_API_TOKEN",
        ),
        (402, ReplicatePaymentRequiredError, ModelPermissionDeniedError, "billing"),
        (404, ReplicateNotFoundError, ModelNotFoundError, "owner/name"),
        (422, ReplicateInvalidRequestError, ModelInvalidRequestError, "input"),
        (429, ReplicateRateLimitError, ModelRateLimitError, "max_retries"),
    ],
)
async def test_http_errors_are_typed(
    fake: FakeReplicate,
    mode: str,
    *,
    status: int,
    cls: type[Exception],
    core_cls: type[Exception],
    hint: str,
) -> None:
    fake.create_errors = [
        httpx.Response(status, json={"detail": f"detail {status}"}) for _ in range(5)
    ]
    llm = make_llm(fake, prompt_key="prompt", max_retries=0)
    with pytest.raises(cls) as e:
        await invoke(llm, mode, "Hi")
    assert isinstance(e.value, SdkReplicateError)
    assert isinstance(e.value, core_cls)
    assert e.value.status == status
    assert f"detail {status}" in str(e.value)
    assert hint in str(e.value)
    assert len(fake.creates()) == 1


@pytest.mark.usefixtures("short_pacing_window")
async def test_429_on_create_is_retried_honouring_retry_after(
    fake: FakeReplicate, mode: str
) -> None:
    fake.create_errors = [
        httpx.Response(429, headers={"retry-after": "0.2"}, json={"detail": "slow"}),
        httpx.Response(429, headers={"retry-after": "0.2"}, json={"detail": "slow"}),
    ]
    llm = make_llm(fake, prompt_key="prompt", max_retries=2)
    assert await invoke(llm, mode, "Hi") == "Hello world!"
    assert len(fake.creates()) == 3
    # The Retry-After sleeps (0.2 s, twice) are checked on a fake clock:
    # test_core_flows.py::test_create_429s_are_retried_after_retry_after.


async def test_5xx_on_create_is_not_retried(fake: FakeReplicate, mode: str) -> None:
    fake.create_errors = [httpx.Response(500, json={"detail": "boom"})] * 3
    llm = make_llm(fake, prompt_key="prompt", max_retries=2)
    with pytest.raises(ReplicateServerError) as e:
        await invoke(llm, mode, "Hi")
    assert e.value.is_retryable
    assert len(fake.creates()) == 1


async def test_failed_prediction_error_has_id_error_and_log_tail(
    fake: FakeReplicate, mode: str
) -> None:
    fake.create_status = "failed"
    fake.error = "CUDA out of memory"
    fake.logs = "\n".join(f"line {i}" for i in range(40))
    llm = make_llm(fake, prompt_key="prompt")
    with pytest.raises(ReplicatePredictionError) as e:
        await invoke(llm, mode, "Hi")
    err = e.value
    assert isinstance(err, SdkModelError)
    assert err.prediction.id == "pred1"
    assert err.prediction_id == "pred1"
    assert err.model_error == "CUDA out of memory"
    assert "pred1" in str(err)
    assert "CUDA out of memory" in str(err)
    assert "line 39" in str(err)
    assert "line 5\n" not in str(err)
    assert "line 39" in err.logs_tail


async def test_failed_stream_raises_the_prediction_error(
    fake: FakeReplicate, mode: str
) -> None:
    fake.final_status = "failed"
    fake.error = "boom"
    fake.sse_events = [
        ("output", "Hel"),
        ("error", '{"detail": "boom"}'),
        ("done", '{"reason": "error"}'),
    ]
    llm = make_llm(fake, prompt_key="prompt")
    with pytest.raises(ReplicatePredictionError, match="boom"):
        await stream(llm, mode, "Hi")


async def test_canceled_prediction_raises_clearly(
    fake: FakeReplicate, mode: str
) -> None:
    fake.final_status = "canceled"
    fake.sse_events = [("output", "Hel"), ("done", '{"reason": "canceled"}')]
    llm = make_llm(fake, prompt_key="prompt")
    with pytest.raises(ReplicatePredictionCanceledError, match="canceled"):
        await stream(llm, mode, "Hi")


# -- batching --------------------------------------------------------------------------


async def test_batch_runs_concurrently_and_respects_max_concurrency(
    fake: FakeReplicate,
) -> None:
    fake.delay = 0.2
    llm = make_llm(fake, prompt_key="prompt")
    assert llm.batch([f"p{i}" for i in range(20)]) == ["Hello world!"] * 20
    assert fake.max_in_flight > 10
    fake.max_in_flight = 0
    llm.batch([f"p{i}" for i in range(6)], config={"max_concurrency": 2})
    assert fake.max_in_flight == 2


async def test_abatch_runs_concurrently_and_respects_max_concurrency(
    fake: FakeReplicate,
) -> None:
    fake.delay = 0.2
    llm = make_llm(fake, prompt_key="prompt", use_async=True)
    results = await llm.abatch([f"p{i}" for i in range(100)])
    assert results == ["Hello world!"] * 100
    assert fake.max_in_flight > 50
    fake.max_in_flight = 0
    await llm.abatch([f"p{i}" for i in range(6)], config={"max_concurrency": 3})
    assert fake.max_in_flight == 3


# -- compatibility ---------------------------------------------------------------------


def test_call_and_lcel(fake: FakeReplicate) -> None:
    llm = make_llm(fake)
    assert llm("Hi") == "Hello world!"
    chain = PromptTemplate.from_template("Say {x}") | llm
    assert chain.invoke({"x": "hi"}) == "Hello world!"
    assert fake.bodies()[-1]["input"]["prompt"] == "Say hi"
