"""`ReplicateEmbeddings` over a scripted API (httpx.MockTransport, no sockets).

Batching, order, concurrency, cancellation on failure, retries and edge cases;
the shapes of real models are covered against the local server in the
integration tests.
"""

from __future__ import annotations

import itertools
import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_replicate import ReplicateEmbeddings
from langchain_replicate.errors import (
    ReplicateInputError,
    ReplicatePredictionError,
    ReplicateRateLimitError,
)
from langchain_replicate.testing.catalogue.embeddings import (
    GRANITE_EMBEDDING,
    SNOWFLAKE_ARCTIC,
)
from tests.modes import embed_documents
from tests.unit_tests.fake_replicate import TOKEN, FakeReplicate

GRANITE = GRANITE_EMBEDDING.ref


@dataclass
class FakeEmbedder(FakeReplicate):
    """Embeds each text as `[float(text), 1.0]`; `FAIL` fails, `SLOW` never ends."""

    schema: dict[str, Any] | None = field(
        default_factory=lambda: GRANITE_EMBEDDING.openapi_schema
    )
    stream_url: bool = False
    inputs: list[dict[str, Any]] = field(default_factory=list)
    hanging: set[str] = field(default_factory=set)
    canceled: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def _create(self, request: httpx.Request) -> httpx.Response:
        if self.create_errors:
            return self.create_errors.pop(0)
        model_input = json.loads(request.content)["input"]
        with self._lock:
            self.inputs.append(model_input)
            pid = f"p{next(self._ids)}"
        texts = model_input.get("texts") or [model_input.get("prompt")]
        if "FAIL" in texts:
            self.error = "CUDA out of memory"
            return httpx.Response(201, json=self._prediction("failed", None, pid))
        if "SLOW" in texts:
            self.hanging.add(pid)
            return httpx.Response(201, json=self._prediction("starting", None, pid))
        vectors = [[float(text) if text.isdigit() else -1.0, 1.0] for text in texts]
        output = vectors if "texts" in model_input else vectors[0]
        return httpx.Response(201, json=self._prediction("processing", output, pid))

    def _route(self, request: httpx.Request) -> httpx.Response:
        pid = request.url.path.split("/")[3] if request.url.path.count("/") > 2 else ""
        if pid in self.hanging and request.url.path.startswith("/v1/predictions/"):
            if request.method == "POST":
                self.canceled.append(pid)
                return httpx.Response(200, json=self._prediction("canceled", None, pid))
            return httpx.Response(200, json=self._prediction("processing", None, pid))
        return super()._route(request)


def make(fake: FakeEmbedder, *, use_async: bool = False, **kwargs: Any) -> Any:
    return ReplicateEmbeddings(
        model=kwargs.pop("model", GRANITE),
        api_key=TOKEN,
        base_url=fake.base_url,
        client_kwargs={"transport": fake.transport(use_async=use_async)},
        **kwargs,
    )


class TestReplicateEmbeddingsStandard(EmbeddingsUnitTests):
    """The standard unit tests (construction makes no request)."""

    @property
    def embeddings_class(self) -> type[ReplicateEmbeddings]:
        return ReplicateEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": GRANITE, "api_key": TOKEN}

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "REPLICATE_API_TOKEN": TOKEN,
                "REPLICATE_BASE_URL": "https://replicate.example.test",
            },
            {"model": GRANITE},
            {
                "replicate_api_token": TOKEN,
                "base_url": "https://replicate.example.test",
            },
        )


def test_construction_checks_the_reference_and_options() -> None:
    with pytest.raises(ValueError, match="Malformed Replicate reference"):
        ReplicateEmbeddings(model="not a model", api_key=TOKEN)
    with pytest.raises(ValueError, match="either model= or deployment="):
        ReplicateEmbeddings(model=GRANITE, deployment="acme/embed", api_key=TOKEN)
    with pytest.raises(ValueError, match="chunk_size"):
        ReplicateEmbeddings(model=GRANITE, api_key=TOKEN, chunk_size=0)
    with pytest.warns(UserWarning, match="batch_size"):
        typo = ReplicateEmbeddings(model=GRANITE, api_key=TOKEN, batch_size=4)
    assert typo.model_kwargs == {"batch_size": 4}
    assert TOKEN not in repr(ReplicateEmbeddings(model=GRANITE, api_key=TOKEN))


def test_model_kwargs_are_kept_as_given() -> None:
    given = {"dimensions": 8, "batch_size": 4}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing moved, nothing to warn about
        embeddings = ReplicateEmbeddings(
            model=GRANITE, api_key=TOKEN, model_kwargs=given
        )
    assert embeddings.model_kwargs == {"dimensions": 8, "batch_size": 4}
    assert embeddings.dimensions is None
    assert embeddings.model_kwargs is not given
    with pytest.raises(ValueError, match="supplied twice"):
        ReplicateEmbeddings(
            model=GRANITE, api_key=TOKEN, batch_size=2, model_kwargs=given
        )


async def test_no_texts_make_no_request(mode: str) -> None:
    fake = FakeEmbedder()
    assert await embed_documents(make(fake, use_async=mode == "async"), mode, []) == []
    assert fake.requests == []
    # Not even a token is needed for nothing.
    no_token = ReplicateEmbeddings(model=GRANITE, api_key="")
    assert no_token.embed_documents([]) == []


async def test_batches_run_concurrently_and_keep_input_order(mode: str) -> None:
    fake = FakeEmbedder(delay=0.05)
    model = make(fake, use_async=mode == "async", chunk_size=3, max_concurrency=3)
    texts = [str(i) for i in range(20)]
    vectors = await embed_documents(model, mode, texts)
    assert vectors == [[float(i), 1.0] for i in range(20)]
    assert [len(i["texts"]) for i in fake.inputs] == [3, 3, 3, 3, 3, 3, 2]
    assert sorted(t for i in fake.inputs for t in i["texts"]) == sorted(texts)
    assert 1 < fake.max_in_flight <= 3
    assert fake.lookups().count(f"/v1/models/{GRANITE}") <= 1


async def test_one_text_models_run_one_prediction_per_text(mode: str) -> None:
    fake = FakeEmbedder(schema=SNOWFLAKE_ARCTIC.openapi_schema)
    model = make(fake, use_async=mode == "async", model="lucataco/arctic:abc")
    assert await embed_documents(model, mode, ["1", "2", "3"]) == [
        [1.0, 1.0],
        [2.0, 1.0],
        [3.0, 1.0],
    ]
    assert sorted(i["prompt"] for i in fake.inputs) == ["1", "2", "3"]
    query = make(fake, model="lucataco/arctic:abc").embed_query("7")
    assert query == [7.0, 1.0]


async def test_a_failure_cancels_the_running_predictions_and_starts_no_more(
    mode: str,
) -> None:
    fake = FakeEmbedder()
    model = make(fake, use_async=mode == "async", chunk_size=1, max_concurrency=3)
    texts = ["SLOW", "SLOW", "FAIL", *(str(i) for i in range(20))]
    with pytest.raises(ReplicatePredictionError, match="CUDA out of memory"):
        await embed_documents(model, mode, texts)
    assert sorted(fake.canceled) == sorted(fake.hanging)
    assert len(fake.hanging) == 2
    assert len(fake.inputs) < len(texts)


@pytest.mark.usefixtures("short_pacing_window")
async def test_a_429_on_create_is_retried(mode: str) -> None:
    refused = httpx.Response(
        429,
        headers={"Retry-After": "0"},
        json={"detail": "Request was throttled.", "status": 429},
    )
    fake = FakeEmbedder(create_errors=[refused])
    model = make(fake, use_async=mode == "async")
    assert await embed_documents(model, mode, ["4"]) == [[4.0, 1.0]]
    assert len(fake.creates()) == 2
    fake = FakeEmbedder(create_errors=[refused, refused])
    model = make(fake, use_async=mode == "async", max_retries=1)
    with pytest.raises(ReplicateRateLimitError):
        await embed_documents(model, mode, ["4"])


async def test_bad_options_fail_before_any_prediction(mode: str) -> None:
    fake = FakeEmbedder()
    model = make(fake, use_async=mode == "async", dimensions=32)
    with pytest.raises(ReplicateInputError, match="no output dimension"):
        await embed_documents(model, mode, ["1"])
    assert fake.creates() == []


def test_a_wrong_count_is_a_prediction_error() -> None:
    fake = FakeEmbedder(schema=SNOWFLAKE_ARCTIC.openapi_schema)
    # A batch model forced to one text per prediction but returning one vector
    # per call is fine; forcing JSON batches on it breaks the count.
    model = make(
        fake,
        model="lucataco/arctic:abc",
        text_input="prompt",
        text_format="json",
    )
    with pytest.raises(ReplicatePredictionError, match=r"1 vector\(s\) for 2"):
        model.embed_documents(["1", "2"])


def test_a_deployment_runs_through_its_own_route() -> None:
    fake = FakeEmbedder()
    model = ReplicateEmbeddings(
        deployment="acme/embedder",
        api_key=TOKEN,
        base_url=fake.base_url,
        client_kwargs={"transport": fake.transport()},
    )
    assert model.embed_documents(["5", "6"]) == [[5.0, 1.0], [6.0, 1.0]]
    assert fake.paths("POST") == ["/v1/deployments/acme/embedder/predictions"]
    assert "/v1/deployments/acme/embedder" in fake.paths("GET")


def test_unknown_constructor_kwargs_are_checked_against_the_schema() -> None:
    fake = FakeEmbedder()
    with pytest.warns(UserWarning, match="batchsize"):
        model = make(fake, batchsize=4)
    with pytest.raises(ReplicateInputError, match=r"'batchsize'.*Valid inputs: texts"):
        model.embed_documents(["1"])
    assert fake.creates() == []
