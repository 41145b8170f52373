"""Embedding models (`/work/shared/model-families.md` §4), with their real schemas.

Data only; what they do is in `langchain_replicate.testing._models.embeddings`. The
schemas keep the oddities a client must survive: bge's `path` first in x-order
and its wrong declared output (strings or a URI; it returns vectors), mpnet's
single `text` beside its JSON `text_batch`, clip-features' and nomic's
newline-separated inputs, imagebind's `modality` defaulting to `vision`,
jina-clip's `output_format` defaulting to base64. The official granite model
runs without a version; the others (community models) need theirs.
"""

from __future__ import annotations

from typing import Any

from langchain_replicate.testing._models.embeddings import (
    predict_bge,
    predict_clip,
    predict_e5,
    predict_granite,
    predict_gte,
    predict_imagebind,
    predict_jina,
    predict_mpnet,
    predict_nomic,
    predict_snowflake,
)
from langchain_replicate.testing._models.schemas import In, reference_model

_VECTOR: dict[str, Any] = {"type": "array", "items": {"type": "number"}}
_ONE_VECTOR = {**_VECTOR, "title": "Output"}
_VECTORS = {"type": "array", "items": _VECTOR, "title": "Output"}
_JSON_TEXTS = (
    'text to embed, formatted as JSON list of strings (e.g. ["hello", "world"])'
)
_BATCH_SIZE = In(
    "batch_size", "integer", 32, "Batch size to use when processing text data."
)
_NORMALIZE = In(
    "normalize_embeddings",
    "boolean",
    default=True,
    description="Whether to normalize embeddings.",
)

MPNET = reference_model(
    "replicate/all-mpnet-base-v2",
    [
        In("text", description="A single string to encode."),
        In("text_batch", description="A JSON-formatted list of strings to encode."),
    ],
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
    predict_mpnet,
    description="This is a language model that can be used to obtain document "
    "embeddings suitable for downstream tasks like semantic search and clustering.",
    run_count=1000,
)

BGE_LARGE = reference_model(
    "nateraw/bge-large-en-v1.5",
    [
        In(
            "path",
            format="uri",
            description="Path to file containing text as JSONL with 'text' field "
            "or valid JSON string list.",
        ),
        In("texts", default="", description=_JSON_TEXTS),
        _BATCH_SIZE,
        _NORMALIZE,
        In(
            "convert_to_numpy",
            "boolean",
            default=False,
            description="When true, return output as npy file. "
            "By default, we return JSON",
        ),
    ],
    # Declared wrong: the model returns a list of vectors.
    {
        "title": "Output",
        "anyOf": [
            {"type": "string", "format": "uri"},
            {"type": "array", "items": {"type": "string"}},
        ],
    },
    predict_bge,
    description="BAAI's bge-en-large-v1.5 for embedding text sequences",
    run_count=1000,
)

MULTILINGUAL_E5 = reference_model(
    "beautyyuyanli/multilingual-e5-large",
    [
        In(
            "texts",
            default='["In the soul, there is a continent."]',
            description=_JSON_TEXTS,
        ),
        _BATCH_SIZE,
        _NORMALIZE,
    ],
    _VECTORS,
    predict_e5,
    description="multilingual-e5-large: A multi-language text embedding model",
    run_count=1000,
)

GRANITE_EMBEDDING = reference_model(
    "ibm-granite/granite-embedding-278m-multilingual",
    [In("texts", "array", [], "Texts to embed.", items={"type": "string"})],
    _VECTORS,
    predict_granite,
    description="Granite-Embedding-278M-Multilingual is a 278M parameter model "
    "from the Granite Embeddings suite that can be used to generate high quality "
    "text embeddings.",
    official=True,
    run_count=1000,
)

CLIP_FEATURES = reference_model(
    "andreasjansson/clip-features",
    [
        In(
            "inputs",
            default="a\nb",
            description="Newline-separated inputs. Can either be strings of text "
            "or image URIs starting with http[s]://",
        )
    ],
    {"type": "array", "items": {"type": "object"}, "title": "Output"},
    predict_clip,
    description="Return CLIP features for the clip-vit-large-patch14 model",
    run_count=1000,
)

SNOWFLAKE_ARCTIC = reference_model(
    "lucataco/snowflake-arctic-embed-l",
    [
        In(
            "prompt",
            default="Snowflake is the Data Cloud!",
            description="Prompt to generate a vector embedding for",
        )
    ],
    _ONE_VECTOR,
    predict_snowflake,
    description="snowflake-arctic-embed is a suite of text embedding models that "
    "focuses on creating high-quality retrieval models optimized for performance",
    run_count=1000,
)

GTE_BASE = reference_model(
    "mark3labs/embeddings-gte-base",
    [In("text", description="Text string to embed", required=True)],
    {
        "type": "object",
        "title": "ModelOutput",
        "required": ["text", "vectors"],
        "properties": {
            "text": {"type": "string", "title": "Text"},
            "vectors": {**_VECTOR, "title": "Vectors"},
        },
    },
    predict_gte,
    description="General Text Embeddings (GTE) model.",
    run_count=1000,
)

IMAGEBIND = reference_model(
    "daanelson/imagebind",
    [
        In(
            "input",
            format="uri",
            description="file that you want to embed. Needs to be text, vision, "
            "or audio.",
        ),
        In(
            "text_input",
            description="text that you want to embed. Provide a string here "
            "instead of passing a text file to input if you'd like.",
        ),
        In(
            "modality",
            default="vision",
            description="modality of the input you'd like to embed",
            choices=("text", "vision", "audio"),
        ),
    ],
    _ONE_VECTOR,
    predict_imagebind,
    description="A model to embed text, images, and audio in a common space",
    run_count=1000,
)

NOMIC_EMBED = reference_model(
    "lucataco/nomic-embed-text-v1",
    [
        In(
            "sentences",
            default="search_query: What is TSNE?\n"
            "search_query: Who is Laurens van der Maaten?",
            description="Input sentences to embed, one per line",
        )
    ],
    _VECTORS,
    predict_nomic,
    description="nomic-embed-text-v1 is 8192 context length text encoder",
    run_count=1000,
)

JINA_CLIP_V2 = reference_model(
    "zsxkib/jina-clip-v2",
    [
        In("text", description="Text content to embed"),
        In("image", format="uri", description="Image file to embed"),
        In(
            "embedding_dim",
            "integer",
            64,
            "Matryoshka dimension - output embedding dimension",
            minimum=64,
            maximum=1024,
        ),
        In(
            "output_format",
            default="base64",
            description="Format to use in outputs",
            choices=("base64", "array"),
        ),
    ],
    {
        "type": "array",
        "items": {"anyOf": [{"type": "string"}, _VECTOR]},
        "title": "Output",
    },
    predict_jina,
    description="Jina-CLIP v2: 0.9B multimodal embedding model with 89-language "
    "multilingual support, 512x512 image resolution, and Matryoshka representations",
    run_count=1000,
)

MODELS = (
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
"""This family, in the order the server lists them."""
