"""What the reference embedding models do: deterministic vectors with meaning.

The vectors: the text's lowercased words, word bigrams and character trigrams
are hashed (signed feature hashing) into the model's dimensions, each weighted
`1 + log(count)`, then L2-normalised (or not, per model). Texts that share
words land near each other, so "What is the capital of France?" is nearer
"Paris is the capital of France." than "Cats are mammals.". Each model's space
is salted with its name.

The predictors return each model's real output *value* as a `JsonOutput`
(list of vectors, `{embedding}` objects, one bare vector, `{"text",
"vectors"}`, base64 float32) and keep its input quirks: mpnet's non-empty
`text` wins over `text_batch` (and nothing to encode crashes it),
clip-features' `strip().splitlines()` with each line stripped (blank lines
at the ends vanish, blank ones between are embedded; lines matching
`^https?://` are images; text is lower-cased, as CLIP's tokenizer does),
imagebind's `modality` that must be `text`, jina-clip's base64 default. Each
works `pace.token_interval` seconds per text (its compute time), so a cancel
lands between two texts. The schemas are in
`testing.catalogue.embeddings`.
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

from langchain_replicate.testing._models.reference import JsonOutput

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from langchain_replicate.testing._models.reference import Output, PredictionContext

__all__ = [
    "embed_text",
    "predict_bge",
    "predict_clip",
    "predict_e5",
    "predict_granite",
    "predict_gte",
    "predict_imagebind",
    "predict_jina",
    "predict_mpnet",
    "predict_nomic",
    "predict_snowflake",
]

_MPNET = "replicate/all-mpnet-base-v2"
_BGE = "nateraw/bge-large-en-v1.5"
_E5 = "beautyyuyanli/multilingual-e5-large"
_GRANITE = "ibm-granite/granite-embedding-278m-multilingual"
_CLIP = "andreasjansson/clip-features"
_SNOWFLAKE = "lucataco/snowflake-arctic-embed-l"
_GTE = "mark3labs/embeddings-gte-base"
_IMAGEBIND = "daanelson/imagebind"
_NOMIC = "lucataco/nomic-embed-text-v1"
_JINA = "zsxkib/jina-clip-v2"
"""Each model's name, the salt of its vector space."""

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


# --- helpers -------------------------------------------------------------------------


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


# --- the predictors ----------------------------------------------------------------


async def predict_mpnet(ctx: PredictionContext) -> AsyncIterator[Output]:
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


async def predict_bge(ctx: PredictionContext) -> AsyncIterator[Output]:
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


async def predict_e5(ctx: PredictionContext) -> AsyncIterator[Output]:
    texts = _json_list(ctx.input["texts"], "texts")
    await _compute(ctx, texts)
    normalize = bool(ctx.input.get("normalize_embeddings", True))
    yield JsonOutput(_vectors(texts, 1024, _E5, normalize=normalize))


async def predict_granite(ctx: PredictionContext) -> AsyncIterator[Output]:
    texts = [str(text) for text in ctx.input["texts"]]
    await _compute(ctx, texts)
    yield JsonOutput(_vectors(texts, 768, _GRANITE))


_IMAGE_LINE = re.compile(r"^https?://")
"""clip-features' test for an image line (case-sensitive, on the stripped line)."""


async def predict_clip(ctx: PredictionContext) -> AsyncIterator[Output]:
    # As the real predictor: `for line in inputs.strip().splitlines(): line =
    # line.strip(); if re.match("^https?://", line): <image> else: <text>`.
    lines = [line.strip() for line in str(ctx.input["inputs"]).strip().splitlines()]
    images = {  # fetched first: an unreadable URL fails the prediction at once
        line: await ctx.read_file(line) for line in lines if _IMAGE_LINE.match(line)
    }
    await _compute(ctx, lines)
    outputs = []
    for line in lines:
        # `embed_text` lower-cases, as CLIP's tokenizer does: `Http://x` is
        # embedded as the text `http://x`.
        seen = images[line].hex()[:64] if line in images else line
        outputs.append({"input": line, "embedding": embed_text(seen, 768, salt=_CLIP)})
    yield JsonOutput(outputs)


async def predict_snowflake(ctx: PredictionContext) -> AsyncIterator[Output]:
    prompt = str(ctx.input["prompt"])
    await _compute(ctx, [prompt])
    yield JsonOutput(embed_text(prompt, 1024, salt=_SNOWFLAKE, normalize=False))


async def predict_gte(ctx: PredictionContext) -> AsyncIterator[Output]:
    text = str(ctx.input["text"])
    await _compute(ctx, [text])
    yield JsonOutput({"text": text, "vectors": embed_text(text, 768, salt=_GTE)})


async def predict_imagebind(ctx: PredictionContext) -> AsyncIterator[Output]:
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


async def predict_nomic(ctx: PredictionContext) -> AsyncIterator[Output]:
    sentences = str(ctx.input["sentences"]).split("\n")
    await _compute(ctx, sentences)
    yield JsonOutput(_vectors(sentences, 768, _NOMIC))


async def predict_jina(ctx: PredictionContext) -> AsyncIterator[Output]:
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
