"""Reference embedding models: the real schemas and output shapes, hashed vectors.

Each model copies the input schema and the output *value* of a Replicate
embedding model (`/work/shared/model-families.md` §4), including the oddities a
client must survive: bge's wrong declared output schema and `path` input first
in x-order, mpnet's single-or-batch inputs answered with `{embedding}` objects,
clip-features' newline-separated input (`strip().splitlines()`, so blank lines
at the ends vanish), snowflake's one bare vector, gte's `{"text", "vectors"}`
object, imagebind's `modality` that defaults to `vision`, jina-clip's base64
vectors.

The vectors are deterministic and carry meaning: the text's lowercased words,
word bigrams and character trigrams are hashed (signed feature hashing) into
the model's dimensions, each weighted `1 + log(count)`, then L2-normalised
(or not, per model). Texts that share words land near each other, so
"What is the capital of France?" is nearer "Paris is the capital of France."
than "Cats are mammals.".

Each model works for `pace.token_interval` seconds per text (its compute time),
so a cancel lands between two texts.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import json
import math
import re
import struct
from collections import Counter
from typing import TYPE_CHECKING, Any

from langchain_replicate.testing._model import JsonOutput, ReferenceModel

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Sequence

    from langchain_replicate.testing._model import Output, PredictionContext

__all__ = [
    "BGE_LARGE",
    "CLIP_FEATURES",
    "EMBEDDING_MODELS",
    "GRANITE_EMBEDDING",
    "GTE_BASE",
    "IMAGEBIND",
    "JINA_CLIP_V2",
    "MPNET",
    "MULTILINGUAL_E5",
    "NOMIC_EMBED",
    "SNOWFLAKE_ARCTIC",
    "embed_text",
]

# --- vectors -------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_WORD_WEIGHT, _BIGRAM_WEIGHT, _TRIGRAM_WEIGHT = 1.0, 0.5, 0.25


def _features(text: str) -> Counter[str]:
    """Words, word bigrams and character trigrams (of `#word#`), counted."""
    words = _WORD.findall(text.lower())
    features: Counter[str] = Counter(f"w:{word}" for word in words)
    features.update(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    for word in words:
        padded = f"#{word}#"
        features.update(f"c:{padded[i : i + 3]}" for i in range(len(padded) - 2))
    return features


_WEIGHTS = {"w": _WORD_WEIGHT, "b": _BIGRAM_WEIGHT, "c": _TRIGRAM_WEIGHT}


@functools.lru_cache(maxsize=65536)
def _slot(feature: str, dims: int, salt: str) -> tuple[int, float]:
    """The feature's dimension and sign (signed feature hashing)."""
    digest = hashlib.blake2b(f"{salt}\x00{feature}".encode(), digest_size=8).digest()
    number = int.from_bytes(digest, "little")
    return (number >> 1) % dims, (1.0 if number & 1 else -1.0)


def embed_text(
    text: str, dims: int, *, salt: str, normalize: bool = True
) -> list[float]:
    """A deterministic embedding of `text`.

    Args:
        text: The text.
        dims: Dimensions.
        salt: Makes each model's space its own (its name).
        normalize: L2-normalise (else the raw weighted sums).

    Returns:
        `dims` floats; a text without words gets a small constant vector of
        its model (never all zeros).
    """
    vector = [0.0] * dims
    features = _features(text) or Counter({"empty": 1})
    for feature, count in features.items():
        index, sign = _slot(feature, dims, salt)
        vector[index] += sign * _WEIGHTS.get(feature[0], 1.0) * (1 + math.log(count))
    if normalize:
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        vector = [x / norm for x in vector]
    return vector


def _float32_base64(vector: Sequence[float]) -> str:
    """A vector as little-endian float32 bytes in base64 (jina-clip's default)."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


# --- schemas -------------------------------------------------------------------------


def _prop(order: int, kind: str, title: str, **extra: Any) -> dict[str, Any]:  # noqa: ANN401 - JSON schema values
    return {"type": kind, "title": title, "x-order": order, **extra}


def _enum(name: str, choices: Sequence[str]) -> dict[str, Any]:
    return {
        "title": name,
        "description": "An enumeration.",
        "enum": list(choices),
        "type": "string",
    }


def _input(
    properties: dict[str, dict[str, Any]], required: Sequence[str] = ()
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "title": "Input"}
    if required:
        schema["required"] = list(required)
    schema["properties"] = properties
    return schema


_VECTOR = {"type": "array", "items": {"type": "number"}}
_VECTORS = {"type": "array", "items": _VECTOR, "title": "Output"}


def _reference(
    ref: str,
    description: str,
    input_schema: dict[str, Any],
    output_schema: dict[str, Any],
    predict: Callable[[PredictionContext], AsyncIterator[Output]],
    *,
    official: bool = False,
    extra_schemas: dict[str, Any] | None = None,
) -> ReferenceModel:
    owner, name = ref.split("/")
    return ReferenceModel(
        owner=owner,
        name=name,
        version=hashlib.sha256(ref.encode()).hexdigest(),
        description=description,
        input_schema=input_schema,
        output_schema=output_schema,
        predict=predict,
        official=official,
        extra_schemas=extra_schemas or {},
        cog_version="0.9.4",
        run_count=1000,
    )


async def _compute(ctx: PredictionContext, texts: Sequence[str]) -> None:
    """The model's compute time: one token interval per text, logged."""
    ctx.log(f"Embedding {len(texts)} text(s)\n")
    for _ in texts:
        if ctx.pace.token_interval > 0:
            await ctx.sleep(ctx.pace.token_interval)


def _json_list(value: object, name: str) -> list[str]:
    """A JSON-encoded list of strings, as the batch models parse it."""
    texts = json.loads(str(value))
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        msg = f"{name} must be a JSON-encoded list of strings"
        raise TypeError(msg)
    return texts


def _vectors(
    texts: Sequence[str], dims: int, salt: str, *, normalize: bool = True
) -> list[list[float]]:
    return [embed_text(text, dims, salt=salt, normalize=normalize) for text in texts]


# --- the models ----------------------------------------------------------------------

_MPNET = "replicate/all-mpnet-base-v2"


async def _predict_mpnet(ctx: PredictionContext) -> AsyncIterator[Output]:
    text, batch = ctx.input.get("text"), ctx.input.get("text_batch")
    if text:  # a non-empty `text` silently wins over `text_batch`
        texts = [str(text)]
    elif batch:
        texts = _json_list(batch, "text_batch")
    else:  # as the real model: nothing to encode crashes it
        msg = "'NoneType' object has no attribute 'strip'"
        raise AttributeError(msg)
    await _compute(ctx, texts)
    yield JsonOutput([{"embedding": v} for v in _vectors(texts, 768, _MPNET)])


MPNET = _reference(
    _MPNET,
    "This is a language model that can be used to obtain document embeddings "
    "suitable for downstream tasks like semantic search and clustering.",
    _input(
        {
            "text": _prop(
                0, "string", "Text", description="A single string to encode."
            ),
            "text_batch": _prop(
                1,
                "string",
                "Text Batch",
                description="A JSON-formatted list of strings to encode.",
            ),
        }
    ),
    {
        "type": "array",
        "items": {
            "type": "object",
            "title": "NamedEmbedding",
            "properties": {"embedding": {**_VECTOR, "title": "Embedding"}},
            "required": ["embedding"],
        },
        "title": "Output",
    },
    _predict_mpnet,
)

_BGE = "nateraw/bge-large-en-v1.5"


async def _predict_bge(ctx: PredictionContext) -> AsyncIterator[Output]:
    if ctx.input.get("path"):
        texts = (await ctx.read_file(str(ctx.input["path"]))).decode().splitlines()
    else:
        texts = _json_list(ctx.input.get("texts", ""), "texts")
    if ctx.input.get("convert_to_numpy"):
        msg = "convert_to_numpy output files are not served by the local server"
        raise ValueError(msg)
    await _compute(ctx, texts)
    normalize = bool(ctx.input.get("normalize_embeddings", True))
    yield JsonOutput(_vectors(texts, 1024, _BGE, normalize=normalize))


BGE_LARGE = _reference(
    _BGE,
    "BAAI's bge-en-large-v1.5 for embedding text sequences",
    _input(
        {
            "path": _prop(
                0,
                "string",
                "Path",
                format="uri",
                description="Path to file containing text as JSONL with 'text' "
                "field or valid JSON string list.",
            ),
            "texts": _prop(
                1,
                "string",
                "Texts",
                default="",
                description="text to embed, formatted as JSON list of strings (e.g. "
                '["hello", "world"])',
            ),
            "batch_size": _prop(
                2,
                "integer",
                "Batch Size",
                default=32,
                description="Batch size to use when processing text data.",
            ),
            "normalize_embeddings": _prop(
                3,
                "boolean",
                "Normalize Embeddings",
                default=True,
                description="Whether to normalize embeddings.",
            ),
            "convert_to_numpy": _prop(
                4,
                "boolean",
                "Convert To Numpy",
                default=False,
                description="When true, return output as npy file. By default, "
                "we return JSON",
            ),
        }
    ),
    # The declared output is wrong: the model returns a list of vectors.
    {
        "title": "Output",
        "anyOf": [
            {"type": "string", "format": "uri"},
            {"type": "array", "items": {"type": "string"}},
        ],
    },
    _predict_bge,
)

_E5 = "beautyyuyanli/multilingual-e5-large"


async def _predict_e5(ctx: PredictionContext) -> AsyncIterator[Output]:
    texts = _json_list(ctx.input["texts"], "texts")
    await _compute(ctx, texts)
    normalize = bool(ctx.input.get("normalize_embeddings", True))
    yield JsonOutput(_vectors(texts, 1024, _E5, normalize=normalize))


MULTILINGUAL_E5 = _reference(
    _E5,
    "multilingual-e5-large: A multi-language text embedding model",
    _input(
        {
            "texts": _prop(
                0,
                "string",
                "Texts",
                default='["In the soul, there is a continent."]',
                description="text to embed, formatted as JSON list of strings (e.g. "
                '["In the soul", "there is a continent"])',
            ),
            "batch_size": _prop(
                1,
                "integer",
                "Batch Size",
                default=32,
                description="Batch size to use when processing text data.",
            ),
            "normalize_embeddings": _prop(
                2,
                "boolean",
                "Normalize Embeddings",
                default=True,
                description="Whether to normalize embeddings.",
            ),
        }
    ),
    _VECTORS,
    _predict_e5,
)

_GRANITE = "ibm-granite/granite-embedding-278m-multilingual"


async def _predict_granite(ctx: PredictionContext) -> AsyncIterator[Output]:
    texts = [str(text) for text in ctx.input["texts"]]
    await _compute(ctx, texts)
    yield JsonOutput(_vectors(texts, 768, _GRANITE))


GRANITE_EMBEDDING = _reference(
    _GRANITE,
    "Granite-Embedding-278M-Multilingual is a 278M parameter model from the "
    "Granite Embeddings suite that can be used to generate high quality text "
    "embeddings.",
    _input(
        {
            "texts": _prop(
                0,
                "array",
                "Texts",
                items={"type": "string"},
                default=[],
                description="Texts to embed.",
            )
        }
    ),
    _VECTORS,
    _predict_granite,
    official=True,
)

_CLIP = "andreasjansson/clip-features"


async def _predict_clip(ctx: PredictionContext) -> AsyncIterator[Output]:
    lines = str(ctx.input["inputs"]).strip().splitlines()
    images = {  # fetched first: an unreadable URL fails the prediction at once
        line: await ctx.read_file(line)
        for line in lines
        if line.startswith(("http://", "https://"))
    }
    await _compute(ctx, lines)
    outputs = []
    for line in lines:
        seen = images[line].hex()[:64] if line in images else line
        outputs.append({"input": line, "embedding": embed_text(seen, 768, salt=_CLIP)})
    yield JsonOutput(outputs)


CLIP_FEATURES = _reference(
    _CLIP,
    "Return CLIP features for the clip-vit-large-patch14 model",
    _input(
        {
            "inputs": _prop(
                0,
                "string",
                "Inputs",
                default="a\nb",
                description="Newline-separated inputs. Can either be strings of "
                "text or image URIs starting with http[s]://",
            )
        }
    ),
    {"type": "array", "items": {"type": "object"}, "title": "Output"},
    _predict_clip,
)

_SNOWFLAKE = "lucataco/snowflake-arctic-embed-l"


async def _predict_snowflake(ctx: PredictionContext) -> AsyncIterator[Output]:
    prompt = str(ctx.input["prompt"])
    await _compute(ctx, [prompt])
    yield JsonOutput(embed_text(prompt, 1024, salt=_SNOWFLAKE, normalize=False))


SNOWFLAKE_ARCTIC = _reference(
    _SNOWFLAKE,
    "snowflake-arctic-embed is a suite of text embedding models that focuses on "
    "creating high-quality retrieval models optimized for performance",
    _input(
        {
            "prompt": _prop(
                0,
                "string",
                "Prompt",
                default="Snowflake is the Data Cloud!",
                description="Prompt to generate a vector embedding for",
            )
        }
    ),
    {**_VECTOR, "title": "Output"},
    _predict_snowflake,
)

_GTE = "mark3labs/embeddings-gte-base"


async def _predict_gte(ctx: PredictionContext) -> AsyncIterator[Output]:
    text = str(ctx.input["text"])
    await _compute(ctx, [text])
    yield JsonOutput({"text": text, "vectors": embed_text(text, 768, salt=_GTE)})


GTE_BASE = _reference(
    _GTE,
    "General Text Embeddings (GTE) model.",
    _input(
        {"text": _prop(0, "string", "Text", description="Text string to embed")},
        required=["text"],
    ),
    {
        "type": "object",
        "title": "ModelOutput",
        "required": ["text", "vectors"],
        "properties": {
            "text": {"type": "string", "title": "Text"},
            "vectors": {**_VECTOR, "title": "Vectors"},
        },
    },
    _predict_gte,
)

_IMAGEBIND = "daanelson/imagebind"


async def _predict_imagebind(ctx: PredictionContext) -> AsyncIterator[Output]:
    modality = ctx.input.get("modality", "vision")
    if modality != "text":
        if not ctx.input.get("input"):
            msg = f"No input file given for modality {modality!r}"
            raise ValueError(msg)
        content = await ctx.read_file(str(ctx.input["input"]))
        yield JsonOutput(embed_text(content.hex()[:64], 1024, salt=_IMAGEBIND))
        return
    text = str(ctx.input.get("text_input") or "")
    await _compute(ctx, [text])
    yield JsonOutput(embed_text(text, 1024, salt=_IMAGEBIND))


IMAGEBIND = _reference(
    _IMAGEBIND,
    "A model to embed text, images, and audio in a common space",
    _input(
        {
            "input": _prop(
                0,
                "string",
                "Input",
                format="uri",
                description="file that you want to embed. Needs to be text, "
                "vision, or audio.",
            ),
            "text_input": _prop(
                1,
                "string",
                "Text Input",
                description="text that you want to embed. Provide a string here "
                "instead of passing a text file to input if you'd like.",
            ),
            "modality": {
                "allOf": [{"$ref": "#/components/schemas/modality"}],
                "default": "vision",
                "description": "modality of the input you'd like to embed",
                "x-order": 2,
            },
        }
    ),
    {**_VECTOR, "title": "Output"},
    _predict_imagebind,
    extra_schemas={"modality": _enum("modality", ["text", "vision", "audio"])},
)

_NOMIC = "lucataco/nomic-embed-text-v1"


async def _predict_nomic(ctx: PredictionContext) -> AsyncIterator[Output]:
    sentences = str(ctx.input["sentences"]).split("\n")
    await _compute(ctx, sentences)
    yield JsonOutput(_vectors(sentences, 768, _NOMIC))


NOMIC_EMBED = _reference(
    _NOMIC,
    "nomic-embed-text-v1 is 8192 context length text encoder",
    _input(
        {
            "sentences": _prop(
                0,
                "string",
                "Sentences",
                default="search_query: What is TSNE?\nsearch_query: Who is Laurens "
                "van der Maaten?",
                description="Input sentences to embed, one per line",
            )
        }
    ),
    _VECTORS,
    _predict_nomic,
)

_JINA = "zsxkib/jina-clip-v2"


async def _predict_jina(ctx: PredictionContext) -> AsyncIterator[Output]:
    dims = int(ctx.input.get("embedding_dim", 64))
    as_base64 = ctx.input.get("output_format", "base64") == "base64"
    outputs: list[Any] = []
    if (text := ctx.input.get("text")) is not None:
        await _compute(ctx, [str(text)])
        outputs.append(embed_text(str(text), dims, salt=_JINA))
    if image := ctx.input.get("image"):
        content = await ctx.read_file(str(image))
        outputs.append(embed_text(content.hex()[:64], dims, salt=_JINA))
    yield JsonOutput([_float32_base64(v) if as_base64 else v for v in outputs])


JINA_CLIP_V2 = _reference(
    _JINA,
    "Jina-CLIP v2: 0.9B multimodal embedding model with 89-language multilingual "
    "support, 512x512 image resolution, and Matryoshka representations",
    _input(
        {
            "text": _prop(0, "string", "Text", description="Text content to embed"),
            "image": _prop(
                1, "string", "Image", format="uri", description="Image file to embed"
            ),
            "embedding_dim": _prop(
                2,
                "integer",
                "Embedding Dim",
                default=64,
                minimum=64,
                maximum=1024,
                description="Matryoshka dimension - output embedding dimension",
            ),
            "output_format": {
                "allOf": [{"$ref": "#/components/schemas/output_format"}],
                "default": "base64",
                "description": "Format to use in outputs",
                "x-order": 3,
            },
        }
    ),
    {
        "type": "array",
        "items": {"anyOf": [{"type": "string"}, _VECTOR]},
        "title": "Output",
    },
    _predict_jina,
    extra_schemas={"output_format": _enum("output_format", ["base64", "array"])},
)

EMBEDDING_MODELS: tuple[ReferenceModel, ...] = (
    MPNET,
    BGE_LARGE,
    MULTILINGUAL_E5,
    GRANITE_EMBEDDING,
    CLIP_FEATURES,
    SNOWFLAKE_ARCTIC,
    GTE_BASE,
    IMAGEBIND,
    NOMIC_EMBED,
    JINA_CLIP_V2,
)
"""Every reference embedding model (joined into the server's catalogue)."""
