"""The local server's reference embedding models, driven through a fake context."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

from langchain_replicate.testing import (
    JsonOutput,
    ModelPace,
    ReferenceModel,
    create_app,
)
from langchain_replicate.testing._models.embeddings import embed_text
from langchain_replicate.testing.catalogue import REFERENCE_MODELS, find_model
from langchain_replicate.testing.catalogue.embeddings import (
    BGE_LARGE,
    CLIP_FEATURES,
    GRANITE_EMBEDDING,
    GTE_BASE,
    IMAGEBIND,
    JINA_CLIP_V2,
    MPNET,
    MULTILINGUAL_E5,
    NOMIC_EMBED,
    SNOWFLAKE_ARCTIC,
)
from langchain_replicate.testing.catalogue.embeddings import (
    MODELS as EMBEDDING_MODELS,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass
class Context:
    input: Mapping[str, Any]
    pace: ModelPace = field(default_factory=lambda: ModelPace(token_interval=0.001))
    metrics: dict[str, Any] = field(default_factory=dict)
    logs: str = ""
    sleeps: list[float] = field(default_factory=list)

    def log(self, text: str) -> None:
        self.logs += text

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def read_file(self, url: str) -> bytes:
        return base64.b64decode(url.partition(",")[2])


async def output_of(model: ReferenceModel, **values: Any) -> tuple[Any, Context]:
    ctx = Context(values)
    outputs = [item async for item in model.predict(ctx)]
    assert len(outputs) == 1
    assert isinstance(outputs[0], JsonOutput)
    return outputs[0].value, ctx


def dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_the_catalogue_holds_the_embedding_models() -> None:
    refs = [model.ref for model in EMBEDDING_MODELS]
    assert refs == [
        "replicate/all-mpnet-base-v2",
        "nateraw/bge-large-en-v1.5",
        "beautyyuyanli/multilingual-e5-large",
        "ibm-granite/granite-embedding-278m-multilingual",
        "andreasjansson/clip-features",
        "lucataco/snowflake-arctic-embed-l",
        "mark3labs/embeddings-gte-base",
        "daanelson/imagebind",
        "lucataco/nomic-embed-text-v1",
        "zsxkib/jina-clip-v2",
    ]
    for model in EMBEDDING_MODELS:
        assert model in REFERENCE_MODELS
        assert model.version == hashlib.sha256(model.ref.encode()).hexdigest()
        assert find_model(f"{model.ref}:{model.version}") is model
    assert [m.ref for m in EMBEDDING_MODELS if m.official] == [GRANITE_EMBEDDING.ref]


def test_vectors_carry_meaning() -> None:
    for dims in (64, 768, 1024):
        query = embed_text("What is the capital of France?", dims, salt="s")
        paris = embed_text("Paris is the capital of France.", dims, salt="s")
        cats = embed_text("Cats are mammals.", dims, salt="s")
        assert dot(query, paris) > 0.5 > abs(dot(query, cats))
    assert embed_text("a b", 8, salt="s") == embed_text("a b", 8, salt="s")
    assert embed_text("a b", 8, salt="s") != embed_text("a b", 8, salt="t")
    assert math.isclose(math.fsum(x * x for x in embed_text("x", 8, salt="s")), 1)
    raw = embed_text("word word word", 1024, salt="s", normalize=False)
    assert math.fsum(x * x for x in raw) > 1
    assert any(embed_text("", 8, salt="s"))  # never the zero vector


@pytest.mark.parametrize(
    ("model", "values", "dims"),
    [
        (BGE_LARGE, {"texts": '["a", "b c"]'}, 1024),
        (MULTILINGUAL_E5, {"texts": '["a", "b c"]'}, 1024),
        (GRANITE_EMBEDDING, {"texts": ["a", "b c"]}, 768),
        (NOMIC_EMBED, {"sentences": "a\nb c"}, 768),
    ],
    ids=lambda value: getattr(value, "ref", ""),
)
async def test_list_of_vectors_models(
    model: ReferenceModel, values: dict[str, Any], dims: int
) -> None:
    output, ctx = await output_of(model, **values)
    assert [len(vector) for vector in output] == [dims, dims]
    assert output[1] == embed_text("b c", dims, salt=model.ref)
    assert ctx.sleeps == [0.001, 0.001]  # one compute step per text


async def test_bge_declares_a_wrong_output_schema_and_honours_normalize() -> None:
    assert "anyOf" in BGE_LARGE.output_schema
    assert BGE_LARGE.input_schema["properties"]["path"]["x-order"] == 0
    output, _ = await output_of(
        BGE_LARGE, texts='["word word"]', normalize_embeddings=False
    )
    assert math.fsum(x * x for x in output[0]) > 1


async def test_mpnet_text_wins_over_the_batch_and_empty_text_crashes() -> None:
    output, _ = await output_of(MPNET, text="a", text_batch='["b", "c"]')
    assert len(output) == 1
    assert output[0] == {"embedding": embed_text("a", 768, salt=MPNET.ref)}
    output, _ = await output_of(MPNET, text="", text_batch='["b", ""]')
    assert [len(item["embedding"]) for item in output] == [768, 768]
    with pytest.raises(AttributeError):
        await output_of(MPNET, text="")


async def test_clip_features_strips_and_splits_lines() -> None:
    output, _ = await output_of(CLIP_FEATURES, inputs="\na\n\nb\n\n")
    assert [item["input"] for item in output] == ["a", "", "b"]
    output, _ = await output_of(CLIP_FEATURES, inputs="")
    assert output == []
    output, _ = await output_of(CLIP_FEATURES, inputs="  a  \n \t \nHttps://x.y")
    assert [item["input"] for item in output] == ["a", "", "Https://x.y"]
    assert output[2]["embedding"] == embed_text(
        "https://x.y", 768, salt=CLIP_FEATURES.ref
    )


@pytest.mark.parametrize(
    ("model", "values", "check"),
    [
        (SNOWFLAKE_ARCTIC, {"prompt": "a"}, lambda out: len(out) == 1024),
        (
            GTE_BASE,
            {"text": "a"},
            lambda out: out["text"] == "a" and len(out["vectors"]) == 768,
        ),
        (
            IMAGEBIND,
            {"text_input": "a", "modality": "text"},
            lambda out: len(out) == 1024,
        ),
        (
            JINA_CLIP_V2,
            {"text": "a", "output_format": "array", "embedding_dim": 128},
            lambda out: [len(v) for v in out] == [128],
        ),
    ],
    ids=lambda value: getattr(value, "ref", ""),
)
async def test_one_text_models(
    model: ReferenceModel, values: dict[str, Any], check: Any
) -> None:
    output, _ = await output_of(model, **values)
    assert check(output)


async def test_snowflake_is_not_normalised() -> None:
    output, _ = await output_of(SNOWFLAKE_ARCTIC, prompt="many many words here")
    assert math.fsum(x * x for x in output) > 1.5


async def test_imagebind_defaults_to_vision() -> None:
    with pytest.raises(ValueError, match="modality 'vision'"):
        await output_of(IMAGEBIND, text_input="a")


async def test_jina_clip_defaults_to_base64_float32() -> None:
    (encoded,), _ = await output_of(JINA_CLIP_V2, text="a", embedding_dim=64)
    raw = base64.b64decode(encoded)
    vector = struct.unpack("<64f", raw)
    assert vector == pytest.approx(embed_text("a", 64, salt=JINA_CLIP_V2.ref))


async def test_json_list_inputs_must_be_lists_of_strings() -> None:
    with pytest.raises(TypeError, match="JSON-encoded list"):
        await output_of(MULTILINGUAL_E5, texts=json.dumps({"a": 1}))


def test_the_server_sends_a_json_output_whole_once_the_model_returns() -> None:
    token = "r8_" + "e" * 37
    app = create_app(
        api_token=token,
        pace=ModelPace(token_interval=0.05),
        models=[GRANITE_EMBEDDING],
    )
    with TestClient(app, base_url="http://local.test") as client:
        client.headers["Authorization"] = f"Bearer {token}"
        path = f"/v1/models/{GRANITE_EMBEDDING.ref}/predictions"
        created = client.post(path, json={"input": {"texts": ["a", "b c"]}}).json()
        assert created["output"] is None
        done = client.post(
            path,
            json={"input": {"texts": ["a", "b c"]}},
            headers={"Prefer": "wait=5"},
        ).json()
        assert done["output"] == [
            embed_text("a", 768, salt=GRANITE_EMBEDDING.ref),
            embed_text("b c", 768, salt=GRANITE_EMBEDDING.ref),
        ]
        stream = client.get(f"/v1/streams/{done['id']}").text
        (data,) = [
            line.removeprefix("data: ")
            for line in stream.splitlines()
            if line.startswith("data: [")
        ]
        assert json.loads(data) == done["output"]
