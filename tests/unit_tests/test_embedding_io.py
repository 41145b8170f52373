"""The pure steps of `ReplicateEmbeddings`: text input, encoding, output parsing."""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from typing import TYPE_CHECKING, Any

import pytest

from langchain_replicate._embedding.inputs import (
    TextInput,
    default_prefixes,
    encode_texts,
    find_text_input,
)
from langchain_replicate._embedding.outputs import parse_vectors
from langchain_replicate._embedding.plan import EmbeddingPlan
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate.errors import ReplicateInputError, ReplicatePredictionError
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
    from langchain_replicate.testing._models.reference import ReferenceModel


def schema_of(model: ReferenceModel) -> InputSchema:
    schema = InputSchema.from_openapi(model.openapi_schema)
    assert schema is not None
    return schema


def schema(properties: dict[str, Any], **components: Any) -> InputSchema:
    openapi = {
        "components": {
            "schemas": {"Input": {"properties": properties}, **components},
        }
    }
    found = InputSchema.from_openapi(openapi)
    assert found is not None
    return found


# --- the text input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (MPNET, TextInput("text_batch", "json")),
        (BGE_LARGE, TextInput("texts", "json")),
        (MULTILINGUAL_E5, TextInput("texts", "json")),
        (GRANITE_EMBEDDING, TextInput("texts", "array")),
        (CLIP_FEATURES, TextInput("inputs", "newline", reads_urls=True)),
        (SNOWFLAKE_ARCTIC, TextInput("prompt", "single")),
        (GTE_BASE, TextInput("text", "single")),
        (IMAGEBIND, TextInput("text_input", "single")),
        (NOMIC_EMBED, TextInput("sentences", "newline")),
        (JINA_CLIP_V2, TextInput("text", "single")),
    ],
    ids=lambda value: getattr(value, "ref", ""),
)
def test_find_text_input_for_every_reference_model(
    model: ReferenceModel, expected: TextInput
) -> None:
    assert find_text_input(schema_of(model), model=model.ref) == expected


def test_the_catalogue_test_above_covers_every_embedding_model() -> None:
    assert len(EMBEDDING_MODELS) == 10


def test_a_declared_max_items_is_kept_and_caps_the_chunk_size() -> None:
    capped = schema(
        {"texts": {"type": "array", "items": {"type": "string"}, "maxItems": 100}}
    )
    found = find_text_input(capped, model="m/capped")
    assert found == TextInput("texts", "array", max_items=100)
    plan = EmbeddingPlan.make(capped, model="m/capped", chunk_size=500)
    assert plan.chunk_size == 100


def test_override_picks_the_input_and_format() -> None:
    found = find_text_input(
        schema_of(BGE_LARGE), model="b", name="texts", text_format="newline"
    )
    assert found == TextInput("texts", "newline")


def test_override_of_an_unknown_input_names_the_inputs() -> None:
    with pytest.raises(ReplicateInputError, match=r"no input 'txt'.*path, texts"):
        find_text_input(schema_of(BGE_LARGE), model="b", name="txt")


def test_no_text_input_is_an_error_naming_the_inputs() -> None:
    only_files = schema(
        {
            "image": {"type": "string", "format": "uri", "x-order": 0},
            "steps": {"type": "integer", "x-order": 1},
        }
    )
    with pytest.raises(
        ReplicateInputError, match=r"image \(string\), steps \(integer\).*text_input="
    ):
        find_text_input(only_files, model="o/images")


def test_no_schema_needs_an_override() -> None:
    with pytest.raises(ReplicateInputError, match="text_input="):
        find_text_input(None, model="o/n")
    assert find_text_input(None, model="o/n", name="q") == TextInput("q", "single")


def test_side_inputs_ask_for_text_and_arrays() -> None:
    imagebind = EmbeddingPlan.make(schema_of(IMAGEBIND), model="i")
    assert imagebind.fixed == {"modality": "text"}
    jina = EmbeddingPlan.make(schema_of(JINA_CLIP_V2), model="j")
    assert jina.fixed == {"output_format": "array"}
    assert EmbeddingPlan.make(schema_of(BGE_LARGE), model="b").fixed == {}


def test_options_map_to_the_models_inputs() -> None:
    jina = EmbeddingPlan.make(schema_of(JINA_CLIP_V2), model="j", dimensions=256)
    assert jina.fixed["embedding_dim"] == 256
    bge = EmbeddingPlan.make(schema_of(BGE_LARGE), model="b", normalize=False)
    assert bge.fixed == {"normalize_embeddings": False}
    assert not bge.normalize_locally
    gte = EmbeddingPlan.make(schema_of(GTE_BASE), model="g", normalize=True)
    assert gte.fixed == {}
    assert gte.normalize_locally


def test_dimensions_without_such_an_input_is_an_error() -> None:
    with pytest.raises(ReplicateInputError, match=r"no output dimension.*prompt"):
        EmbeddingPlan.make(schema_of(SNOWFLAKE_ARCTIC), model="s", dimensions=8)


def test_model_kwargs_are_checked_and_cannot_set_the_text_input() -> None:
    with pytest.raises(ReplicateInputError, match=r"'batchsize'.*batch_size"):
        EmbeddingPlan.make(
            schema_of(BGE_LARGE), model="b", model_kwargs={"batchsize": 8}
        )
    plan = EmbeddingPlan.make(
        schema_of(BGE_LARGE), model="b", model_kwargs={"batchsize": 8}, validate=False
    )
    assert plan.fixed == {"batchsize": 8}
    with pytest.raises(ReplicateInputError, match="'texts'"):
        EmbeddingPlan.make(schema_of(BGE_LARGE), model="b", model_kwargs={"texts": 1})


# --- batches and encoding ------------------------------------------------------------


def test_batches_keep_order_and_size() -> None:
    plan = EmbeddingPlan.make(schema_of(GRANITE_EMBEDDING), model="g", chunk_size=3)
    texts = [str(i) for i in range(8)]
    assert plan.batches(texts) == [["0", "1", "2"], ["3", "4", "5"], ["6", "7"]]
    single = EmbeddingPlan.make(schema_of(GTE_BASE), model="g", chunk_size=3)
    assert single.chunk_size == 1
    assert single.batches(["a", "b"]) == [["a"], ["b"]]


def test_requests_put_the_texts_in_the_found_input() -> None:
    plan = EmbeddingPlan.make(
        schema_of(MPNET), model="m", model_kwargs={"text": ""}, validate=True
    )
    assert plan.request(["a", ""]) == {"text": "", "text_batch": '["a", ""]'}


def test_encode_texts_in_every_format() -> None:
    texts = ["Grüße", 'say "hi"', ""]
    assert encode_texts(texts, "array") == texts
    assert json.loads(encode_texts(texts, "json")) == texts
    assert "Grüße" in encode_texts(texts, "json")
    assert encode_texts(["a\nb", "c\r\nd\u2028e"], "newline") == "a b\nc d e"
    assert encode_texts(["only"], "single") == "only"


def clip_reads(inputs: str) -> list[tuple[str, str]]:
    """What clip-features does with its input: (kind, line) per vector."""
    lines = [line.strip() for line in inputs.strip().splitlines()]
    return [
        ("image" if re.match(r"^https?://", line) else "text", line) for line in lines
    ]


def test_newline_texts_keep_their_count_and_place() -> None:
    plan = EmbeddingPlan.make(schema_of(CLIP_FEATURES), model="clip")
    (batch,) = plan.batches(["two\nlines", "three\n\nlines"])
    joined = plan.model_input(batch)["inputs"]
    assert joined.strip().splitlines() == ["two lines", "three  lines"]


@pytest.mark.parametrize(
    ("texts", "sent", "kept"),
    [
        (["a", "", "b"], "a\n\nb", slice(0, 3)),
        (["", "a"], ".\n\na", slice(1, 3)),
        (["a", " \n "], "a\n   \n.", slice(0, 2)),
        ([""], ".\n\n.", slice(1, 2)),
    ],
)
def test_blank_texts_are_embedded_in_place(
    texts: list[str], sent: str, kept: slice
) -> None:
    plan = EmbeddingPlan.make(schema_of(CLIP_FEATURES), model="clip")
    (batch,) = plan.batches(texts)
    inputs = plan.model_input(batch)["inputs"]
    assert inputs == sent
    read = clip_reads(inputs)
    assert [line for _, line in read[kept]] == [t.strip() for t in texts]
    output = [
        {"input": line, "embedding": [float(i), 1.0]}
        for i, (_, line) in enumerate(read)
    ]
    vectors = plan.vectors({"output": output}, batch)
    assert vectors == [[float(i), 1.0] for i in range(kept.start, kept.stop)]


def test_url_like_texts_are_sent_as_text() -> None:
    plan = EmbeddingPlan.make(schema_of(CLIP_FEATURES), model="clip")
    assert plan.text_input.reads_urls
    texts = ["https://example.com is my site", "  http://x.y", "see https://a.b"]
    inputs = plan.model_input(texts)["inputs"]
    assert clip_reads(inputs) == [
        ("text", "Https://example.com is my site"),
        ("text", "Http://x.y"),
        ("text", "see https://a.b"),
    ]
    assert [line.lower() for line in inputs.splitlines()] == [
        t.lower() for t in texts
    ]  # CLIP's tokenizer lower-cases: the very tokens of the texts


def test_newline_inputs_that_read_no_urls_send_them_as_they_are() -> None:
    plan = EmbeddingPlan.make(schema_of(NOMIC_EMBED), model="nomic")
    assert not plan.text_input.reads_urls
    assert plan.model_input(["https://a.b"]) == {"sentences": "https://a.b"}


def test_a_model_that_drops_blank_lines_is_a_clear_error() -> None:
    plan = EmbeddingPlan.make(schema_of(CLIP_FEATURES), model="clip")
    prediction = {"id": "p1", "output": [[1.0], [2.0]]}  # "a\n\nb" gave 2
    with pytest.raises(ReplicatePredictionError, match="blank texts"):
        plan.vectors(prediction, ["a", "", "b"])


def test_e5_models_get_query_and_passage_prefixes() -> None:
    assert default_prefixes("beautyyuyanli/multilingual-e5-large") == (
        "query: ",
        "passage: ",
    )
    assert default_prefixes("intfloat/e5-small:abc") == ("query: ", "passage: ")
    assert default_prefixes("nateraw/bge-large-en-v1.5") == ("", "")
    assert default_prefixes("someone/e55-model") == ("", "")


# --- outputs -------------------------------------------------------------------------

V1, V2 = [0.1, 0.2, 0.3], [0.4, 0.5, 0.6]


def b64(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


@pytest.mark.parametrize(
    ("output", "count"),
    [
        ([V1, V2], 2),  # list of vectors (bge, e5, granite, nomic)
        ([{"embedding": V1}, {"embedding": V2}], 2),  # mpnet
        ([{"input": "a", "embedding": V1}, {"input": "b", "embedding": V2}], 2),  # clip
        (V1, 1),  # one bare vector (snowflake, imagebind)
        ({"text": "a", "vectors": V1}, 1),  # gte
        ({"embeddings": [V1, V2]}, 2),
        ({"embedding": V1}, 1),
        ({"query_embeddings": [V1]}, 1),
        ([V1], 1),  # jina-clip with output_format=array
        ([b64(V1)], 1),  # jina-clip's base64 default
        (b64(V1), 1),
        (json.dumps([V1, V2]), 2),
        ([[1, 2, 3]], 1),  # ints become floats
    ],
)
def test_parse_vectors_reads_every_shape(output: object, count: int) -> None:
    vectors = parse_vectors(output, count)
    assert len(vectors) == count
    for vector, expected in zip(vectors, [V1, V2], strict=False):
        if vector != [1.0, 2.0, 3.0]:
            assert vector == pytest.approx(expected, rel=1e-6)
        assert all(type(x) is float for x in vector)


@pytest.mark.parametrize(
    ("output", "count", "message"),
    [
        ([V1, V2], 3, r"2 vector\(s\) for 3 text\(s\)"),
        ([V1], 2, r"1 vector\(s\) for 2"),  # mpnet's one-vector-for-the-batch trap
        ([V1, [0.1]], 2, r"dimensions \[1, 3\]"),
        ({"text": "a"}, 1, r"keys \['text'\] and no vectors"),
        (None, 1, "a NoneType"),
        ("https://replicate.delivery/x/out.npy", 1, "a file"),
        ("not base64 !", 1, "neither base64 nor a JSON list"),
        ([[]], 1, "not a vector"),
        ([True, False], 1, "not a vector"),
    ],
)
def test_parse_vectors_rejects_what_is_not_one_vector_per_text(
    output: object, count: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_vectors(output, count)


def test_a_wrong_output_is_a_prediction_error_naming_the_input() -> None:
    plan = EmbeddingPlan.make(schema_of(SNOWFLAKE_ARCTIC), model="s/arctic")
    prediction = {"id": "p1", "status": "succeeded", "output": [V1, V2]}
    with pytest.raises(ReplicatePredictionError, match=r"p1 of s/arctic.*'prompt'"):
        plan.vectors(prediction, ["a"])


def test_asked_dimensions_are_checked() -> None:
    plan = EmbeddingPlan.make(schema_of(JINA_CLIP_V2), model="j", dimensions=4)
    with pytest.raises(ReplicatePredictionError, match="asked for 4"):
        plan.vectors({"output": [V1]}, ["a"])


def test_local_normalisation_when_the_model_has_no_input_for_it() -> None:
    plan = EmbeddingPlan.make(schema_of(SNOWFLAKE_ARCTIC), model="s", normalize=True)
    (vector,) = plan.vectors({"output": [3.0, 4.0]}, ["a"])
    assert vector == [0.6, 0.8]
    assert math.isclose(sum(x * x for x in vector), 1.0)
