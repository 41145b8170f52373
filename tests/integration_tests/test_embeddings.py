"""`ReplicateEmbeddings` against the local server's reference embedding models.

Every model of `/work/shared/model-families.md` §4, sync and async: the text
input each one needs, the output shape each one returns, batching, order,
options, edge cases, and cancellation on a failure, over real HTTP.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import TYPE_CHECKING, Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_replicate import ReplicateEmbeddings
from langchain_replicate.errors import ReplicatePredictionError
from langchain_replicate.testing import ModelPace
from langchain_replicate.testing._models.embeddings import embed_text
from langchain_replicate.testing.catalogue.embeddings import (
    BGE_LARGE,
    CLIP_FEATURES,
    GRANITE_EMBEDDING,
    JINA_CLIP_V2,
    MPNET,
    MULTILINGUAL_E5,
    NOMIC_EMBED,
    SNOWFLAKE_ARCTIC,
)
from langchain_replicate.testing.catalogue.embeddings import (
    MODELS as EMBEDDING_MODELS,
)
from tests.modes import MODES, embed_documents, embed_query

if TYPE_CHECKING:
    import httpx

    from langchain_replicate.testing import LocalReplicateServer
    from langchain_replicate.testing._models.reference import ReferenceModel

QUERY = "What is the capital of France?"
DOCS = ["Paris is the capital of France.", "Cats are mammals.", "two\nlines"]
DIMS = {
    MPNET.ref: 768,
    BGE_LARGE.ref: 1024,
    MULTILINGUAL_E5.ref: 1024,
    GRANITE_EMBEDDING.ref: 768,
    CLIP_FEATURES.ref: 768,
    SNOWFLAKE_ARCTIC.ref: 1024,
    "mark3labs/embeddings-gte-base": 768,
    "daanelson/imagebind": 1024,
    NOMIC_EMBED.ref: 768,
    JINA_CLIP_V2.ref: 64,
}
NEWLINE_MODELS = (CLIP_FEATURES, NOMIC_EMBED)


def ref(model: ReferenceModel) -> str:
    """How a user names the model: official ones by name, others with a version."""
    return model.ref if model.official else f"{model.ref}:{model.version}"


def make(
    server: LocalReplicateServer, model: ReferenceModel, **kwargs: Any
) -> ReplicateEmbeddings:
    return ReplicateEmbeddings(
        model=ref(model),
        api_key=server.api_token,
        base_url=server.base_url,
        **kwargs,
    )


def dot(a: list[float], b: list[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def norm(vector: list[float]) -> float:
    return math.sqrt(dot(vector, vector))


class TestReplicateEmbeddingsStandard(EmbeddingsIntegrationTests):
    """The standard integration suite, on the official granite embedding model."""

    @pytest.fixture(autouse=True)
    def _server(self, replicate_server: LocalReplicateServer) -> None:
        self._server_params = {
            "api_key": replicate_server.api_token,
            "base_url": replicate_server.base_url,
        }

    @property
    def embeddings_class(self) -> type[ReplicateEmbeddings]:
        return ReplicateEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": GRANITE_EMBEDDING.ref, **self._server_params}


class TestReplicateEmbeddingsStandardOneText(TestReplicateEmbeddingsStandard):
    """The same suite on a one-text-per-prediction model with a bare vector."""

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": ref(SNOWFLAKE_ARCTIC), **self._server_params}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", EMBEDDING_MODELS, ids=lambda m: m.ref)
async def test_every_model_embeds_documents_and_queries(
    replicate_server: LocalReplicateServer, model: ReferenceModel, mode: str
) -> None:
    embeddings = make(replicate_server, model)
    vectors = await embed_documents(embeddings, mode, DOCS)
    question = await embed_query(embeddings, mode, QUERY)
    dims = DIMS[model.ref]
    assert [len(vector) for vector in vectors] == [dims] * len(DOCS)
    assert len(question) == dims
    assert all(type(x) is float for vector in vectors for x in vector)
    # The right text reached the model, in order (e5 with its passage prefix).
    prefix = "passage: " if model is MULTILINGUAL_E5 else ""
    expected = embed_text(
        prefix + DOCS[0], dims, salt=model.ref, normalize=model is not SNOWFLAKE_ARCTIC
    )
    assert vectors[0] == pytest.approx(expected, rel=1e-5, abs=1e-6)
    # Meaning survives: the question is nearer Paris than cats.
    paris, cats = (dot(question, v) / norm(question) / norm(v) for v in vectors[:2])
    assert paris > 0.4 > cats


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "model",
    [m for m in EMBEDDING_MODELS if m not in NEWLINE_MODELS],
    ids=lambda m: m.ref,
)
async def test_the_empty_text_is_embedded(
    replicate_server: LocalReplicateServer, model: ReferenceModel, mode: str
) -> None:
    embeddings = make(replicate_server, model, document_prefix="")
    vectors = await embed_documents(embeddings, mode, ["a", "", "b"])
    assert len(vectors) == 3
    assert len({len(v) for v in vectors}) == 1
    assert any(vectors[1])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", NEWLINE_MODELS, ids=lambda m: m.ref)
async def test_newline_models_keep_the_count_and_embed_blank_texts_in_place(
    replicate_server: LocalReplicateServer, model: ReferenceModel, mode: str
) -> None:
    embeddings = make(replicate_server, model)
    texts = ["one\ntwo", "\nthree\n", "four\r\nfive\n\nsix"]
    vectors = await embed_documents(embeddings, mode, texts)
    assert len(vectors) == 3
    assert vectors[1] == pytest.approx(embed_text("three", 768, salt=model.ref))
    blanks = ["", "a", " ", "b", ""]
    vectors = await embed_documents(embeddings, mode, blanks)
    empty = embed_text("", 768, salt=model.ref)
    assert vectors == [
        pytest.approx(embed_text(text.strip(), 768, salt=model.ref)) for text in blanks
    ]
    assert vectors[0] == vectors[2] == vectors[4] == pytest.approx(empty)


@pytest.mark.parametrize("mode", MODES)
async def test_clip_features_embeds_a_url_like_text_as_text(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    embeddings = make(replicate_server, CLIP_FEATURES)
    texts = ["https://example.com/cat.png is a cat", "a cat"]
    vectors = await embed_documents(embeddings, mode, texts)
    assert vectors == [
        pytest.approx(embed_text(text, 768, salt=CLIP_FEATURES.ref)) for text in texts
    ]
    (prediction,) = replicate_server.predictions()[-1:]
    assert prediction.status == "succeeded"  # no image was fetched


@pytest.mark.parametrize("mode", MODES)
async def test_many_texts_in_batches_come_back_in_order(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    embeddings = make(replicate_server, BGE_LARGE, chunk_size=7, max_concurrency=3)
    texts = [f"document number {i} about topic {i % 5}" for i in range(50)]
    vectors = await embed_documents(embeddings, mode, texts)
    expected = [embed_text(t, 1024, salt=BGE_LARGE.ref) for t in texts]
    for got, want in zip(vectors, expected, strict=True):
        assert got == pytest.approx(want, rel=1e-5, abs=1e-6)
    creates = [p for m, p in replicate_server.request_log() if m == "POST"]
    assert len(creates) == 8  # ceil(50 / 7)


@pytest.mark.parametrize("mode", MODES)
async def test_options_reach_the_model(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    jina = make(replicate_server, JINA_CLIP_V2, dimensions=256)
    assert len(await embed_query(jina, mode, "a")) == 256
    base64_jina = make(
        replicate_server, JINA_CLIP_V2, model_kwargs={"output_format": "base64"}
    )
    (vector,) = await embed_documents(base64_jina, mode, ["a"])
    assert vector == pytest.approx(embed_text("a", 64, salt=JINA_CLIP_V2.ref))
    raw_bge = make(replicate_server, BGE_LARGE, normalize=False)
    (raw,) = await embed_documents(raw_bge, mode, ["word word word other"])
    assert norm(raw) > 1.5
    snowflake = make(replicate_server, SNOWFLAKE_ARCTIC, normalize=True)
    assert norm(await embed_query(snowflake, mode, "word word word other")) == (
        pytest.approx(1.0)
    )
    e5 = make(replicate_server, MULTILINGUAL_E5, query_prefix="")
    assert await embed_query(e5, mode, QUERY) == pytest.approx(
        embed_text(QUERY, 1024, salt=MULTILINGUAL_E5.ref)
    )


def _statuses(http: httpx.Client, texts: list[str]) -> dict[str, str]:
    """The status of each listed prediction of one of these texts."""
    listed = http.get("/v1/predictions").json()["results"]
    return {
        p["id"]: p["status"] for p in listed if p.get("input", {}).get("text") in texts
    }


@pytest.mark.parametrize("mode", MODES)
async def test_a_failed_batch_cancels_the_running_ones(
    replicate_server: LocalReplicateServer, http: httpx.Client, mode: str
) -> None:
    replicate_server.set_pace(ModelPace(token_interval=5.0))
    # mpnet's one-text input: an empty `text` (and no `text_batch`) crashes
    # the model, as the real one does.
    embeddings = make(
        replicate_server,
        MPNET,
        text_input="text",
        max_concurrency=3,
        wait=1,
        document_prefix="",
    )
    texts = [f"slow one {mode}", "", f"slow two {mode}"]
    texts += [f"never sent {i} {mode}" for i in range(10)]
    earlier = set(_statuses(http, texts))  # the other mode's "" prediction
    started = time.monotonic()
    with pytest.raises(ReplicatePredictionError, match="NoneType"):
        await embed_documents(embeddings, mode, texts)
    statuses: dict[str, str] = {}
    while time.monotonic() - started < 8:
        statuses = {
            pid: status
            for pid, status in _statuses(http, texts).items()
            if pid not in earlier
        }
        if "processing" not in statuses.values():
            break
        await asyncio.sleep(0.1)
    # The failed one, and every other prediction canceled, not finished; the
    # texts after the first few were never sent.
    assert sorted(set(statuses.values())) == ["canceled", "failed"]
    assert list(statuses.values()).count("failed") == 1
    assert 3 <= len(statuses) < len(texts)


@pytest.mark.parametrize("mode", MODES)
async def test_a_batch_longer_than_the_wait_is_followed_to_its_output(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    replicate_server.set_pace(ModelPace(token_interval=0.6))
    embeddings = make(replicate_server, GRANITE_EMBEDDING, wait=1)
    texts = ["first text", "second text", "third text"]
    vectors = await embed_documents(embeddings, mode, texts)
    expected = [embed_text(t, 768, salt=GRANITE_EMBEDDING.ref) for t in texts]
    for got, want in zip(vectors, expected, strict=True):
        assert got == pytest.approx(want, rel=1e-5, abs=1e-6)
    (create,) = [p for m, p in replicate_server.request_log() if m == "POST"]
    assert create.endswith("/predictions")
    assert any(m == "GET" for m, _ in replicate_server.request_log())
