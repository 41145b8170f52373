"""Embedding models' output: a prediction's value read into checked vectors.

Pure (no I/O), shared by `ReplicateEmbeddings`' sync and async paths.

Declared output schemas are sometimes wrong (bge's says strings or a URI), so
the value is read as it is: a list of vectors, a list of `{"embedding": [...]}`
objects, one bare vector, an object wrapping vectors (`vectors`, `embedding`,
`embeddings`, `query_embeddings`), or base64 float32. Every vector comes out
as floats, one per text sent, all of one dimension (`parse_vectors`);
`normalized` L2-normalises one.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any

_VECTOR_KEYS = (
    "embeddings",
    "vectors",
    "embedding",
    "query_embeddings",
    "vector",
    "data",
)
"""Keys of objects that wrap vectors, in the order they are looked for."""


class OutputShapeError(ValueError):
    """An output that is not the expected vectors (wrapped with the prediction)."""


def parse_vectors(
    output: object, count: int, dimensions: int | None = None
) -> list[list[float]]:
    """Read `count` vectors from an embedding model's output, by its value.

    Args:
        output: The prediction's `output`.
        count: How many texts were sent.
        dimensions: The dimension asked for, if any.

    Returns:
        The vectors as floats, in order.

    Raises:
        OutputShapeError: If the output holds no vectors, another number of
            them, or vectors of different (or zero) dimensions.
    """
    vectors = _read(output)
    if len(vectors) != count:
        msg = f"{len(vectors)} vector(s) for {count} text(s)"
        raise OutputShapeError(msg)
    dims = {len(vector) for vector in vectors}
    if len(dims) > 1 or 0 in dims:
        msg = f"vectors of dimensions {sorted(dims)}"
        raise OutputShapeError(msg)
    if dimensions is not None and dims != {dimensions}:
        msg = f"vectors of {min(dims)} dimensions (asked for {dimensions})"
        raise OutputShapeError(msg)
    return vectors


def _read(output: object) -> list[list[float]]:
    if isinstance(output, Mapping):
        for key in _VECTOR_KEYS:
            if key in output:
                return _read(output[key])
        msg = f"an object with keys {sorted(output)[:10]} and no vectors"
        raise OutputShapeError(msg)
    if isinstance(output, str):
        decoded = _json_list(output)
        return [_vector(output)] if decoded is None else _read(decoded)
    if isinstance(output, list):
        if output and all(_is_number(x) for x in output):
            return [_floats(output)]
        return [_vector(item) for item in output]
    msg = f"a {type(output).__name__}"
    raise OutputShapeError(msg)


def _vector(item: object) -> list[float]:
    """One vector: numbers, an object wrapping them, base64 or a JSON string."""
    if isinstance(item, Mapping):
        for key in _VECTOR_KEYS:
            if key in item:
                return _vector(item[key])
        msg = f"an object with keys {sorted(item)[:10]} and no vector"
        raise OutputShapeError(msg)
    if isinstance(item, list) and item and all(_is_number(x) for x in item):
        return _floats(item)
    if isinstance(item, str):
        return _from_string(item)
    msg = f"an item that is not a vector: {str(item)[:80]!r}"
    raise OutputShapeError(msg)


def _from_string(text: str) -> list[float]:
    decoded = _json_list(text)
    if decoded is not None:
        return _vector(decoded)
    stripped = text.strip()
    if stripped.startswith(("http://", "https://", "data:")):
        msg = (
            f"a file ({stripped[:60]}...), not vectors; ask the model for JSON "
            "output (e.g. model_kwargs={'convert_to_numpy': False})"
        )
        raise OutputShapeError(msg)
    try:
        raw = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError) as e:
        msg = f"a string that is neither base64 nor a JSON list: {stripped[:60]!r}"
        raise OutputShapeError(msg) from e
    if not raw or len(raw) % 4:
        msg = f"base64 of {len(raw)} bytes, not float32 values"
        raise OutputShapeError(msg)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def _json_list(text: str) -> list[Any] | None:
    """The list a JSON-encoded string holds, or `None` if it holds none."""
    if not text.lstrip().startswith("["):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) else None


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _floats(values: Sequence[Any]) -> list[float]:
    return [float(x) for x in values]


def normalized(vector: list[float]) -> list[float]:
    """The vector scaled to unit (L2) length; a zero vector as it is."""
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else vector
