"""Fidelity of the local Replicate server, driven by the official `replicate` client.

Each test checks a shape or behaviour against `shared/replicate-api.md` (spec §).
"""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from PIL import Image
from replicate.client import Client
from replicate.exceptions import ModelError, ReplicateError
from replicate.helpers import FileOutput
from replicate.pagination import paginate
from replicate.stream import ServerSentEvent

if TYPE_CHECKING:
    from replicate.prediction import Prediction

    from langchain_replicate.testing import LocalReplicateServer

from langchain_replicate.testing import ModelPace

LLAMA = "meta/meta-llama-3-8b-instruct"
FLUX = "black-forest-labs/flux-schnell"
SD = "stability-ai/stable-diffusion:db21e45d3f7023abc2a46ee38a23973f6dce16bb082a930b0c49861f96d1e5bf"  # noqa: E501
DOLLY = "replicate/dolly-v2-12b:ef0e1aefc61f8e096ebe4db6b2bacc297daf2ef6899f0f7e001ec445893500e5"  # noqa: E501
LLAVA = "yorickvp/llava-13b:b5f6212d032508382d61ff00469ddda3e32fd8a0e75dc39d8a4191bb742157fb"  # noqa: E501
FAILS = "replicate-testing/fails"
COLD = "replicate-testing/cold-start"
BIG = "replicate-testing/big-file"
ECHO = "replicate-testing/echo"
OUTPUT = ServerSentEvent.EventType.OUTPUT
DONE = ServerSentEvent.EventType.DONE
PROMPT = {"prompt": "Why is the sky blue?", "max_tokens": 24, "seed": 7}


def _version(client: Client, ref: str) -> str:
    latest = client.models.get(ref).latest_version
    assert latest is not None
    return latest.id


def _pinned(client: Client, ref: str) -> str:
    """`owner/name:version`, how non-official models are run by name."""
    return f"{ref}:{_version(client, ref)}"


def _status(prediction: Prediction) -> str:
    """The status, read afresh (mypy narrows `prediction.status` for good)."""
    return prediction.status


def _text(output: Any) -> str:
    """Join a text model's output (a list, or an iterator for versioned models)."""
    assert not isinstance(output, str)
    return "".join(str(token) for token in output)


# -- run / stream (spec §0.3, §4) --------------------------------------------------- --


def test_run_official_text_model(client: Client) -> None:
    output = client.run(LLAMA, input=PROMPT)
    assert all(isinstance(token, str) for token in output)
    assert _text(output).strip()


def test_run_versioned_model(client: Client) -> None:
    output = client.run(DOLLY, input={"prompt": "Name a colour.", "max_length": 20})
    assert _text(output).strip()


def test_stream_matches_run(client: Client) -> None:
    events = list(client.stream(LLAMA, input=PROMPT))
    tokens = [str(e) for e in events if e.event == OUTPUT]
    assert events[-1].event == DONE
    assert len(tokens) > 1
    assert "".join(tokens) == _text(client.run(LLAMA, input=PROMPT))


async def test_async_run_and_stream(client: Client) -> None:
    output = await client.async_run(LLAMA, input=PROMPT)
    tokens = [
        str(e)
        async for e in await client.async_stream(LLAMA, input=PROMPT)
        if e.event == OUTPUT
    ]
    assert "".join(tokens) == _text(output)


def test_stream_first_token_arrives_at_the_configured_ttft(
    client: Client, replicate_server: LocalReplicateServer
) -> None:
    replicate_server.set_pace(ModelPace(time_to_first_token=0.25, token_interval=0.03))
    started = time.monotonic()
    arrivals = [
        time.monotonic() - started
        for e in client.stream(
            LLAMA, input={**PROMPT, "max_tokens": 40, "min_tokens": 40}
        )
        if e.event == OUTPUT
    ]
    assert len(arrivals) >= 40
    # The first token comes at the TTFT, long before the end (~1.4 s): the
    # server streams tokens as they are made, it does not buffer the reply.
    assert 0.2 <= arrivals[0] < 0.9
    assert arrivals[-1] - arrivals[0] > 0.6


# -- predictions (spec §3) ------------------------------------------------------------


def test_prediction_shape_and_metrics(client: Client, http: httpx.Client) -> None:
    prediction = client.models.predictions.create(model=LLAMA, input=PROMPT)
    assert prediction.status == "starting"
    assert prediction.version.startswith("dp-")
    assert prediction.urls is not None
    assert prediction.urls["stream"].startswith(str(http.base_url).rstrip("/"))
    prediction.wait()
    assert _status(prediction) == "succeeded"
    body = http.get(f"/v1/predictions/{prediction.id}").json()
    assert body["source"] == "api"
    assert body["created_at"].endswith("Z")
    assert body["completed_at"].endswith("Z")
    assert set(body["urls"]) == {"get", "cancel", "stream", "web"}
    metrics = body["metrics"]
    assert metrics["output_token_count"] == len(body["output"])
    assert metrics["input_token_count"] > 0
    for key in (
        "predict_time",
        "total_time",
        "time_to_first_token",
        "tokens_per_second",
    ):
        assert metrics[key] > 0


def test_predictions_list_pages_newest_first(client: Client) -> None:
    version = _version(client, ECHO)
    created = [
        client.predictions.create(version=version, input={"text": str(i)}).id
        for i in range(101)
    ]
    first = client.predictions.list()
    assert len(first.results) == 100
    assert first.next is not None
    assert first.next.startswith("http://")
    assert [p.id for p in first.results[:101]][:100] == created[::-1][:100]
    seen = [p.id for page in paginate(client.predictions.list) for p in page]
    assert seen[: len(created)] == created[::-1]


def test_cancel_mid_stream_stops_generation(
    client: Client, replicate_server: LocalReplicateServer
) -> None:
    replicate_server.set_pace(ModelPace(time_to_first_token=0.005, token_interval=0.01))
    prediction = client.models.predictions.create(
        model=LLAMA, input={**PROMPT, "max_tokens": 400, "min_tokens": 400}, stream=True
    )
    received = []
    for event in prediction.stream():
        if event.event == OUTPUT:
            received.append(str(event))
            if len(received) == 5:
                prediction.cancel()
    assert event.event == DONE
    prediction.reload()
    assert prediction.status == "canceled"
    produced = len(prediction.output or [])
    assert 5 <= produced < 100
    assert len(received) <= produced
    metrics = prediction.metrics or {}
    assert metrics["output_token_count"] == produced
    assert metrics["predict_time"] > 0
    assert metrics["total_time"] > 0
    time.sleep(0.1)
    prediction.reload()
    assert len(prediction.output or []) == produced


def test_failed_model(client: Client) -> None:
    with pytest.raises(ModelError) as caught:
        client.run(_pinned(client, FAILS), input={})
    failed = caught.value.prediction
    assert failed.status == "failed"
    assert failed.error
    assert "Loading weights" in (failed.logs or "")


# -- sync mode (spec §4) --------------------------------------------------------- -----


def test_prefer_wait_running_out_returns_starting(
    client: Client, replicate_server: LocalReplicateServer
) -> None:
    replicate_server.set_pace(ModelPace(cold_start=3.0))
    started = time.monotonic()
    prediction = client.predictions.create(
        version=_version(client, COLD), input={"prompt": "hi"}, wait=1
    )
    assert 0.9 < time.monotonic() - started < 2.5
    assert prediction.status == "starting"
    assert prediction.output is None
    prediction.cancel()


def test_sync_file_outputs_are_data_uris(client: Client) -> None:
    outputs = client.run(
        FLUX, input={"prompt": "a red barn", "num_outputs": 2, "output_format": "png"}
    )
    assert isinstance(outputs, list)
    assert len(outputs) == 2
    for output in outputs:
        assert isinstance(output, FileOutput)
        assert output.url.startswith("data:image/png;base64,")
        assert output.read().startswith(b"\x89PNG")


def test_polled_file_outputs_are_urls_with_bytes(
    client: Client, http: httpx.Client
) -> None:
    prediction = client.predictions.create(
        version=SD.rsplit(":", maxsplit=1)[-1],
        input={"prompt": "a lighthouse", "image_dimensions": "512x512"},
    )
    prediction.wait()
    assert prediction.status == "succeeded"
    (url,) = prediction.output or []
    assert url.startswith(str(http.base_url).rstrip("/"))
    response = http.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (512, 512)
    assert "%|" in (prediction.logs or "")  # tqdm-style progress


def test_sync_large_file_gets_a_url(
    client: Client, replicate_server: LocalReplicateServer, http: httpx.Client
) -> None:
    replicate_server.configure(sync_data_uri_max_bytes=200_000)
    big = _pinned(client, BIG)
    small = client.run(big, input={"size_mb": 0.1})
    assert isinstance(small, FileOutput)
    assert small.url.startswith("data:image/bmp;base64,")
    large = client.run(big, input={"size_mb": 0.5})
    assert isinstance(large, str)
    assert large.startswith("http://")
    with http.stream("GET", large) as response:
        size = sum(len(chunk) for chunk in response.iter_bytes())
    assert size == round(0.5 * 1024 * 1024)


# -- models, versions, deployments (spec §6, §11) ----------------------------------- --


def test_models_and_versions(client: Client) -> None:
    model = client.models.get(LLAMA)
    assert model.latest_version is not None
    assert model.owner == "meta"
    assert model.visibility == "public"
    schema = model.latest_version.openapi_schema["components"]["schemas"]
    assert schema["Output"]["x-cog-array-type"] == "iterator"
    versions = model.versions.list()
    assert [v.id for v in versions] == [model.latest_version.id]
    assert model.versions.get(model.latest_version.id).cog_version
    names = {f"{m.owner}/{m.name}" for m in client.models.list().results}
    assert {LLAMA, FLUX, FAILS, COLD, BIG} <= names


def test_deployment(client: Client) -> None:
    deployment = client.deployments.get("replicate-testing/llama-3")
    assert deployment.current_release is not None
    assert deployment.current_release.model == LLAMA
    prediction = deployment.predictions.create(input=PROMPT)
    prediction.wait()
    assert prediction.status == "succeeded"
    assert _text(prediction.output).strip()


# -- files (spec §9) ----------------------------------------------------------------- -


def test_files_crud(client: Client) -> None:
    created = client.files.create(
        io.BytesIO(b"hello"), filename="hello.txt", metadata={"k": "v"}
    )
    assert created.name == "hello.txt"
    assert created.size == 5
    assert created.etag == "5d41402abc4b2a76b9719d911017c592"
    assert created.metadata == {"k": "v"}
    assert client.files.get(created.id).checksums["md5"] == created.etag
    assert created.id in {f.id for f in client.files.list()}
    client.files.delete(created.id)
    with pytest.raises(ReplicateError) as caught:
        client.files.get(created.id)
    assert caught.value.status == 404


def test_file_inputs_are_uploaded_and_read(client: Client) -> None:
    image = io.BytesIO()
    Image.new("RGB", (48, 32), (200, 20, 20)).save(image, format="PNG")
    image.seek(0)
    image.name = "red.png"
    output = client.run(LLAVA, input={"image": image, "prompt": "Describe it."})
    answer = _text(output)
    assert "48" in answer
    assert "32" in answer


# -- errors (spec §7) ------------------------------------------------------------ -----


def test_401(replicate_server: LocalReplicateServer, http: httpx.Client) -> None:
    wrong = Client(api_token="r8_wrong", base_url=replicate_server.base_url)
    with pytest.raises(ReplicateError) as caught:
        wrong.models.get(LLAMA)
    assert caught.value.status == 401
    assert caught.value.title == "Unauthenticated"
    response = httpx.get(f"{replicate_server.base_url}/v1/account")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    token = replicate_server.api_token
    assert http.get(
        "/v1/account", headers={"Authorization": f"Token {token}"}
    ).is_success


def test_404(client: Client) -> None:
    with pytest.raises(ReplicateError) as caught:
        client.models.get("nobody/nothing")
    assert caught.value.status == 404
    with pytest.raises(ReplicateError) as caught:
        client.models.predictions.create(
            model=DOLLY.partition(":")[0], input={"prompt": "x"}
        )
    assert caught.value.status == 404
    assert caught.value.detail == "The requested resource could not be found."


def test_422_invalid_input(client: Client, http: httpx.Client) -> None:
    with pytest.raises(ReplicateError) as caught:
        client.run(FLUX, input={"prompt": "x", "output_format": "gif"})
    assert caught.value.status == 422
    assert caught.value.title == "Input validation failed"
    assert (caught.value.detail or "").startswith("- input.output_format: ")
    body = http.post(
        f"/v1/models/{FLUX}/predictions", json={"input": {"num_outputs": "2"}}
    ).json()
    assert {(f["type"], f["field"]) for f in body["invalid_fields"]} == {
        ("required", "input"),
        ("invalid_type", "input.num_outputs"),
    }
    bad_version = http.post("/v1/predictions", json={"version": "0" * 64, "input": {}})
    assert bad_version.status_code == 422
    assert bad_version.json()["title"] == "Invalid version or not permitted"


def test_429_with_retry_after(
    client: Client, replicate_server: LocalReplicateServer
) -> None:
    replicate_server.configure(create_rate_limit="2/minute")
    version = _version(client, ECHO)
    for _ in range(2):
        client.predictions.create(version=version, input={"text": "x"})
    with pytest.raises(ReplicateError) as caught:
        client.predictions.create(version=version, input={"text": "x"})
    assert caught.value.status == 429
    assert (caught.value.detail or "").startswith("Request was throttled.")
    replicate_server.reset()
    client.predictions.create(version=version, input={"text": "x"})


# -- configuration (fault injection, request log) ---------------------------------- ---


def test_injected_create_failures(
    client: Client, replicate_server: LocalReplicateServer
) -> None:
    echo = _pinned(client, ECHO)
    replicate_server.inject_faults(fail_creates=2, status=503)
    for _ in range(2):
        with pytest.raises(ReplicateError) as caught:
            client.run(echo, input={"text": "x"})
        assert caught.value.status == 503
    assert client.run(echo, input={"text": "x"}) == "x"


def test_injected_delay(client: Client, replicate_server: LocalReplicateServer) -> None:
    replicate_server.inject_faults(delay=0.3)
    started = time.monotonic()
    client.models.get(ECHO)
    assert time.monotonic() - started >= 0.3


def test_request_log_counts_requests(
    client: Client, replicate_server: LocalReplicateServer
) -> None:
    replicate_server.clear_request_log()
    client.run(LLAMA, input=PROMPT)
    client.models.get(LLAMA)
    assert replicate_server.request_log() == [
        ("POST", f"/v1/models/{LLAMA}/predictions"),
        ("GET", f"/v1/models/{LLAMA}"),
    ]


def test_cancel_after_aborts_a_queued_prediction_and_cancels_a_running_one(
    client: Client, http: httpx.Client, replicate_server: LocalReplicateServer
) -> None:
    replicate_server.set_pace(
        ModelPace(cold_start=30.0, time_to_first_token=0.01, token_interval=0.5)
    )
    ids = {}
    creates: tuple[tuple[str, dict[str, str], str], ...] = (
        ("/v1/predictions", {"version": _version(client, COLD)}, "queued"),
        (f"/v1/models/{LLAMA}/predictions", {}, "running"),
    )
    for path, target, prompt in creates:
        response = http.post(
            path,
            json={**target, "input": {"prompt": prompt}},
            headers={"Cancel-After": "5s"},
        )
        assert response.status_code == 201
        assert response.json()["deadline"]
        ids[prompt] = response.json()["id"]

    def status(prediction_id: str) -> str:
        return next(
            p.status for p in replicate_server.predictions() if p.id == prediction_id
        )

    assert status(ids["running"]) in {"starting", "processing"}
    for _ in range(200):  # up to 10 s; the deadline is 5 s after the creates
        if status(ids["queued"]) != "starting" and status(ids["running"]) not in {
            "starting",
            "processing",
        }:
            break
        time.sleep(0.05)
    assert status(ids["queued"]) == "aborted"
    assert status(ids["running"]) == "canceled"
