"""The local server's app over ASGI (Starlette's TestClient; no TCP sockets)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

from langchain_replicate.testing import (
    GeneratedFile,
    ModelPace,
    PredictionContext,
    ReferenceDeployment,
    ReferenceModel,
    create_app,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from langchain_replicate.testing._models.reference import Output
from langchain_replicate.testing._engine.state import ServerState
from langchain_replicate.testing._http.app import build_app

TOKEN = "r8_" + "t" * 37
ITERATOR = {
    "type": "array",
    "items": {"type": "string"},
    "title": "Output",
    "x-cog-array-type": "iterator",
    "x-cog-array-display": "concatenate",
}


async def _echo(ctx: PredictionContext) -> AsyncIterator[Output]:
    ctx.metrics["input_token_count"] = 3
    await ctx.sleep(ctx.pace.time_to_first_token)
    for i, word in enumerate(str(ctx.input["prompt"]).split()):
        if i:
            await ctx.sleep(ctx.pace.token_interval)
        yield word if i == 0 else f" {word}"


async def _file(ctx: PredictionContext) -> AsyncIterator[Output]:
    content = await ctx.read_file(str(ctx.input["image"]))
    ctx.log("  0%|          | 0/1 [00:00<?, ?it/s]\n")
    yield GeneratedFile(
        "out-0.bin", "application/octet-stream", len(content), lambda: iter([content])
    )


ECHO = ReferenceModel(
    owner="acme",
    name="echo",
    version="e" * 64,
    description="Echoes the prompt word by word.",
    input_schema={
        "type": "object",
        "title": "Input",
        "required": ["prompt"],
        "properties": {"prompt": {"type": "string", "title": "Prompt", "x-order": 0}},
    },
    output_schema=ITERATOR,
    predict=_echo,
    official=True,
)
FILE = ReferenceModel(
    owner="acme",
    name="copy",
    version="f" * 64,
    description="Copies its input file.",
    input_schema={
        "type": "object",
        "title": "Input",
        "required": ["image"],
        "properties": {
            "image": {"type": "string", "format": "uri", "title": "Image", "x-order": 0}
        },
    },
    output_schema={"type": "string", "format": "uri", "title": "Output"},
    predict=_file,
)


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(
        api_token=TOKEN,
        pace=ModelPace(time_to_first_token=0.002, token_interval=0.001),
        models=[ECHO, FILE],
        deployments=[ReferenceDeployment("acme", "echo-prod", ECHO)],
        page_size=2,
    )
    with TestClient(app, base_url="http://local.test") as test_client:
        test_client.headers["Authorization"] = f"Bearer {TOKEN}"
        yield test_client


def _wait(client: TestClient, prediction_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/v1/predictions/{prediction_id}").json()
        if body["status"] in {"succeeded", "failed", "canceled"}:
            return body
        time.sleep(0.01)
    pytest.fail("prediction did not finish")


def test_create_by_model_then_poll(client: TestClient) -> None:
    response = client.post(
        "/v1/models/acme/echo/predictions", json={"input": {"prompt": "a b c"}}
    )
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "starting"
    assert created["version"].startswith("dp-")
    assert "source" not in created
    assert created["urls"]["stream"] == f"http://local.test/v1/streams/{created['id']}"
    done = _wait(client, created["id"])
    assert done["output"] == ["a", " b", " c"]
    assert done["source"] == "api"
    assert done["metrics"]["output_token_count"] == 3
    assert done["metrics"]["input_token_count"] == 3
    assert done["completed_at"].endswith("Z")


def test_sync_wait_inlines_files_as_data_uris(client: TestClient) -> None:
    response = client.post(
        "/v1/predictions",
        json={"version": "f" * 64, "input": {"image": "data:text/plain,abc"}},
        headers={"Prefer": "wait=5"},
    )
    assert response.status_code == 201
    assert response.headers["Preference-Applied"] == "wait=5"
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["output"] == "data:application/octet-stream;base64,YWJj"
    polled = client.get(f"/v1/predictions/{body['id']}").json()
    url = polled["output"]
    assert url == f"http://local.test/delivery/{body['id']}/out-0.bin"
    assert client.get(url).content == b"abc"
    assert polled["logs"].startswith("  0%|")


def test_bad_prefer_header(client: TestClient) -> None:
    response = client.post(
        "/v1/predictions",
        json={"version": "e" * 64, "input": {"prompt": "x"}},
        headers={"Prefer": "wait=0"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_auth(client: TestClient) -> None:
    for header in ({}, {"Authorization": "Bearer r8_wrong"}):
        client.headers.pop("Authorization", None)
        client.headers.update(header)
        response = client.get("/v1/models/acme/echo")
        assert response.status_code == 401
        assert response.json()["title"] == "Unauthenticated"
    client.headers["Authorization"] = f"Token {TOKEN}"
    assert client.get("/v1/models/acme/echo").status_code == 200


def test_not_found_and_non_official(client: TestClient) -> None:
    response = client.post(
        "/v1/models/acme/copy/predictions", json={"input": {"image": "data:,x"}}
    )
    assert response.status_code == 404
    assert response.json() == {
        "detail": "The requested resource could not be found.",
        "status": 404,
    }
    assert client.get("/v1/nowhere").status_code == 404
    assert client.get("/v1/predictions/nope").status_code == 404


def test_invalid_version(client: TestClient) -> None:
    response = client.post(
        "/v1/predictions", json={"version": "0" * 64, "input": {"prompt": "x"}}
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Invalid version or not permitted"


def test_model_file_error_fails_the_prediction(client: TestClient) -> None:
    created = client.post(
        "/v1/predictions",
        json={"version": "f" * 64, "input": {"image": "https://example.com/a.png"}},
    ).json()
    done = _wait(client, created["id"])
    assert done["status"] == "failed"
    assert "only data: URIs" in done["error"]


def test_deployment(client: TestClient) -> None:
    body = client.get("/v1/deployments/acme/echo-prod").json()
    assert body["current_release"]["model"] == "acme/echo"
    created = client.post(
        "/v1/deployments/acme/echo-prod/predictions", json={"input": {"prompt": "x"}}
    ).json()
    assert created["version"] == "e" * 64
    assert created["deployment"] == "acme/echo-prod"


def test_list_pages(client: TestClient) -> None:
    ids = [
        client.post(
            "/v1/predictions", json={"version": "e" * 64, "input": {"prompt": "x"}}
        ).json()["id"]
        for _ in range(3)
    ]
    first = client.get("/v1/predictions").json()
    assert [p["id"] for p in first["results"]] == ids[::-1][:2]
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert [p["id"] for p in second["results"]] == ids[:1]
    assert second["next"] is None
    back = client.get(second["previous"]).json()
    assert [p["id"] for p in back["results"]] == ids[::-1][:2]
    assert client.get("/v1/predictions?cursor=garbage").status_code == 404


def test_rate_limit_and_admin(client: TestClient) -> None:
    response = client.post("/_admin/config", json={"create_rate_limit": "1/minute"})
    assert response.json()["create_rate_limit"] == "1/minute"
    body = {"version": "e" * 64, "input": {"prompt": "x"}}
    assert client.post("/v1/predictions", json=body).status_code == 201
    throttled = client.post("/v1/predictions", json=body)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert client.post("/_admin/reset").status_code == 200
    assert client.post("/v1/predictions", json=body).status_code == 201
    log = client.get("/_admin/requests").json()
    assert log == [["POST", "/v1/predictions"]]


def test_injected_create_failures(client: TestClient) -> None:
    client.post("/_admin/faults", json={"fail_creates": 1, "status": 500})
    body = {"version": "e" * 64, "input": {"prompt": "x"}}
    failed = client.post("/v1/predictions", json=body)
    assert failed.status_code == 500
    assert failed.json() == {"detail": "Injected failure", "status": 500}
    assert client.post("/v1/predictions", json=body).status_code == 201


def test_files_round_trip(client: TestClient) -> None:
    response = client.post(
        "/v1/files",
        files={"content": ("a.txt", b"hello", "text/plain")},
        data={"metadata": '{"k": "v"}'},
    )
    assert response.status_code == 201
    stored = response.json()
    assert stored["etag"] == "5d41402abc4b2a76b9719d911017c592"
    assert stored["metadata"] == {"k": "v"}
    assert client.get(f"/v1/files/{stored['id']}/download").content == b"hello"
    assert client.delete(f"/v1/files/{stored['id']}").status_code == 204
    assert client.get(f"/v1/files/{stored['id']}").json() == {
        "detail": "File not found",
        "status": 404,
    }


def test_upload_over_the_limit_is_413() -> None:
    state = ServerState(api_token=TOKEN, models=(ECHO,), max_upload_bytes=4)
    with TestClient(build_app(state), base_url="http://local.test") as test_client:
        response = test_client.post(
            "/v1/files",
            files={"content": ("a.txt", b"hello", "text/plain")},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 413
    assert response.json() == {"detail": "Files must be less than 0MB in size"}


def test_bad_metadata_is_422(client: TestClient) -> None:
    response = client.post(
        "/v1/files",
        files={"content": ("a.txt", b"x", "text/plain")},
        data={"metadata": "[1]"},
    )
    assert response.status_code == 422
    assert response.json()["invalid_fields"][0]["field"] == "metadata"


def test_cancel_before_the_first_token(client: TestClient) -> None:
    client.post("/_admin/pace", json={"time_to_first_token": 5.0})
    created = client.post(
        "/v1/predictions", json={"version": "e" * 64, "input": {"prompt": "a b"}}
    ).json()
    canceled = client.post(f"/v1/predictions/{created['id']}/cancel").json()
    assert canceled["status"] == "canceled"
    assert canceled["output"] == []
    metrics = canceled["metrics"]
    assert metrics["output_token_count"] == 0
    assert metrics["predict_time"] >= 0
    assert metrics["total_time"] > 0
    assert client.get("/_admin/config").json()["pace"]["time_to_first_token"] == 5.0


def test_models_listing_and_versions(client: TestClient) -> None:
    models = client.get("/v1/models").json()
    assert [m["name"] for m in models["results"]] == ["echo", "copy"]
    versions = client.get("/v1/models/acme/echo/versions").json()
    assert [v["id"] for v in versions["results"]] == ["e" * 64]
    assert client.get("/v1/models/acme/echo/versions/" + "0" * 64).status_code == 404
    assert client.get("/v1/hardware").json()[0] == {"sku": "cpu", "name": "CPU"}
    assert client.get("/v1/account").json()["type"] == "user"
