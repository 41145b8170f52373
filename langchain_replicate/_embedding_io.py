"""Embedding models' inputs and outputs: find the text input, encode, read vectors.

Pure (no I/O), shared by `ReplicateEmbeddings`' sync and async paths.

Replicate's embedding models agree on nothing (`/work/shared/model-families.md`
§4 lists them), so everything is decided from the model's schema and from the
output's *value*:

* **Input.** The text input is found from the schema: an array of strings
  (`texts: list[str]`), a JSON-encoded list in a string (`texts`, `text_batch`),
  a newline-separated string (`inputs`, `sentences`), or one string per
  prediction (`prompt`, `text`). A model with both a single and a batch input
  gets the batch one. Enum side inputs with a `text` choice (imagebind's
  `modality`, which defaults to `vision`) are set to it, and an
  `output_format` that offers `array` is asked for it.
* **Output.** Declared output schemas are sometimes wrong (bge's says strings
  or a URI), so the value is read as it is: a list of vectors, a list of
  `{"embedding": [...]}` objects, one bare vector, an object wrapping vectors
  (`vectors`, `embedding`, `embeddings`, `query_embeddings`), or base64
  float32. Every vector comes out as floats, one per text sent, all of one
  dimension.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from langchain_replicate.errors import ReplicateInputError, ReplicatePredictionError

if TYPE_CHECKING:
    from langchain_replicate._inputs import InputSchema

TextFormat = Literal["array", "json", "newline", "single"]
"""How a model takes its texts: an array of strings, a JSON-encoded list in a
string, a newline-separated string, or one string per prediction."""

TEXT_FORMATS: tuple[TextFormat, ...] = get_args(TextFormat)

DEFAULT_CHUNK_SIZE = 64
"""Texts per prediction for models that take a batch."""

_BATCH_NAMES = (
    "texts",
    "text_batch",
    "sentences",
    "inputs",
    "input_texts",
    "documents",
    "batch",
)
"""Input names of batch models, most telling first."""

_SINGLE_NAMES = (
    "text",
    "text_input",
    "input_text",
    "prompt",
    "sentence",
    "query",
    "input",
)
"""Input names of one-text models, most telling first."""

_TEXTISH = re.compile(r"text|sentence|prompt|input|query|document|passage")
_JSON_HINT = re.compile(r"\bjson\b", re.IGNORECASE)
_NEWLINE_HINT = re.compile(
    r"new[- ]?line|line[- ]separated|one per line|per line|separated by lines",
    re.IGNORECASE,
)
_DIMENSION_NAMES = (
    "dimensions",
    "dimension",
    "embedding_dim",
    "embedding_dimension",
    "output_dim",
    "output_dimension",
    "truncate_dim",
)
_NORMALIZE_NAMES = ("normalize_embeddings", "normalize")
_OUTPUT_FORMAT_NAMES = ("output_format", "encoding_format")
_VECTOR_KEYS = (
    "embeddings",
    "vectors",
    "embedding",
    "query_embeddings",
    "vector",
    "data",
)
"""Keys of objects that wrap vectors, in the order they are looked for."""
_E5_NAME = re.compile(r"(?:^|[-_/])e5(?:[-_]|$)", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
"""Everything `str.splitlines()` splits on."""


@dataclass(frozen=True)
class TextInput:
    """The input that takes the texts, and how."""

    name: str
    format: TextFormat
    max_items: int | None = None
    """A batch cap the schema declares (`maxItems`), if any."""

    @property
    def batched(self) -> bool:
        """Whether one prediction takes several texts."""
        return self.format != "single"


def default_prefixes(model: str) -> tuple[str, str]:
    """The (query, document) prefixes a model family expects.

    e5 models are trained with `query: ` and `passage: ` (and Replicate's e5
    models add none); others take the text as it is.

    Args:
        model: The model reference.

    Returns:
        The two prefixes.
    """
    name = model.split(":", 1)[0].rsplit("/", 1)[-1]
    if _E5_NAME.search(name):
        return "query: ", "passage: "
    return "", ""


def _is_file(prop: Mapping[str, Any]) -> bool:
    return prop.get("format") == "uri"


def _format_of(name: str, prop: Mapping[str, Any]) -> TextFormat | None:
    """How the input takes text, or `None` if it takes none."""
    kind = prop.get("type")
    if _is_file(prop) or "allOf" in prop or "enum" in prop:
        found: TextFormat | None = None
    elif kind == "array":
        items = prop.get("items") or {}
        found = "array" if items.get("type", "string") == "string" else None
    elif kind != "string":
        found = None
    else:
        hint = f"{prop.get('description') or ''} {prop.get('title') or ''}"
        if _JSON_HINT.search(hint):
            found = "json"
        elif _NEWLINE_HINT.search(hint):
            found = "newline"
        else:
            found = "json" if name in _BATCH_NAMES else "single"
    return found


def find_text_input(
    schema: InputSchema | None,
    *,
    model: str,
    name: str | None = None,
    text_format: TextFormat | None = None,
) -> TextInput:
    """Find the input that takes the texts.

    Args:
        schema: The model's input schema (`None` if it has none).
        model: The model reference, for messages.
        name: The `text_input` override.
        text_format: The `text_format` override.

    Returns:
        The text input.

    Raises:
        ReplicateInputError: If no input fits, or the override names an input
            the model does not have.
    """
    properties = schema.properties if schema else {}
    if name is not None:
        if schema is not None and name not in properties:
            msg = (
                f"{model} has no input {name!r} (text_input=...). Its inputs: "
                f"{', '.join(schema.names)}."
            )
            raise ReplicateInputError(msg)
        found = _format_of(name, properties.get(name) or {"type": "string"})
        return TextInput(
            name, text_format or found or "single", _max_items(properties.get(name))
        )
    if schema is None:
        msg = (
            f"{model} publishes no input schema, so its text input cannot be "
            "found: pass text_input='<input name>' and text_format='array', "
            "'json', 'newline' or 'single'."
        )
        raise ReplicateInputError(msg)
    candidates = {
        input_name: fmt
        for input_name in schema.names
        if (fmt := _format_of(input_name, properties[input_name])) is not None
    }
    chosen = _choose(candidates)
    if chosen is None:
        described = ", ".join(
            f"{n} ({properties[n].get('type') or 'enum'})" for n in schema.names
        )
        msg = (
            f"{model} has no input that takes text (its inputs: {described}). "
            "Pass text_input='<input name>' and text_format='array', 'json', "
            "'newline' or 'single' if one of them does."
        )
        raise ReplicateInputError(msg)
    fmt = text_format or candidates[chosen]
    return TextInput(chosen, fmt, _max_items(properties.get(chosen)))


def _choose(candidates: Mapping[str, TextFormat]) -> str | None:
    """The batch input if there is one, else the single one; known names first."""
    batch = [name for name, fmt in candidates.items() if fmt != "single"]
    single = [name for name, fmt in candidates.items() if fmt == "single"]
    for group, known in ((batch, _BATCH_NAMES), (single, _SINGLE_NAMES)):
        for name in known:
            if name in group:
                return name
        for name in group:
            if _TEXTISH.search(name):
                return name
    return None


def _max_items(prop: Mapping[str, Any] | None) -> int | None:
    value = (prop or {}).get("maxItems")
    return value if isinstance(value, int) and value > 0 else None


@dataclass(frozen=True)
class EmbeddingPlan:
    """Everything decided before the first prediction: pure, reused per batch."""

    model: str
    text_input: TextInput
    fixed: Mapping[str, Any] = field(default_factory=dict)
    """Inputs sent with every batch (side inputs, options, `model_kwargs`)."""
    chunk_size: int = DEFAULT_CHUNK_SIZE
    normalize_locally: bool = False
    """L2-normalise the vectors here (`normalize=True`, and the model has no
    input for it)."""
    dimensions: int | None = None
    """The dimension every vector must have, when asked for."""

    @classmethod
    def make(
        cls,
        schema: InputSchema | None,
        *,
        model: str,
        text_input: str | None = None,
        text_format: TextFormat | None = None,
        model_kwargs: Mapping[str, Any] | None = None,
        chunk_size: int | None = None,
        dimensions: int | None = None,
        normalize: bool | None = None,
        validate: bool = True,
    ) -> EmbeddingPlan:
        """Plan the predictions from the schema and the options.

        Args:
            schema: The model's input schema.
            model: The model reference, for messages.
            text_input: Override: the input that takes the texts.
            text_format: Override: how it takes them.
            model_kwargs: Further inputs, sent with every batch (they win).
            chunk_size: Texts per prediction (default: 64 for batch inputs,
                capped by a declared `maxItems`; always 1 for single-text ones).
            dimensions: Output dimensions, for models that take them.
            normalize: L2-normalise: through the model's input if it has one,
                else here. `None`: the model's default.
            validate: Reject `model_kwargs` the schema does not list.

        Returns:
            The plan.

        Raises:
            ReplicateInputError: If an option cannot be honoured by this model.
        """
        found = find_text_input(
            schema, model=model, name=text_input, text_format=text_format
        )
        fixed: dict[str, Any] = dict(_side_inputs(schema, found.name))
        names = schema.names if schema else []
        if dimensions is not None:
            dim_name = next((n for n in _DIMENSION_NAMES if n in names), None)
            if dim_name is None:
                msg = (
                    f"{model} takes no output dimension (its inputs: "
                    f"{', '.join(names)}); leave dimensions unset, or pass the "
                    "model's own input in model_kwargs."
                )
                raise ReplicateInputError(msg)
            fixed[dim_name] = dimensions
        normalize_locally = False
        if normalize is not None:
            norm_name = next((n for n in _NORMALIZE_NAMES if n in names), None)
            if norm_name is not None:
                fixed[norm_name] = normalize
            else:
                normalize_locally = normalize
        fixed.update(model_kwargs or {})
        if found.name in fixed:
            msg = (
                f"model_kwargs sets {found.name!r}, the input that takes the "
                "texts; remove it (the texts go there)."
            )
            raise ReplicateInputError(msg)
        if validate and schema is not None:
            unknown = sorted(n for n in model_kwargs or {} if n not in names)
            if unknown:
                msg = (
                    f"{model} does not take the input(s) "
                    f"{', '.join(map(repr, unknown))}. Valid inputs: "
                    f"{', '.join(names)}. If the model's schema is incomplete, "
                    "pass validate_inputs=False."
                )
                raise ReplicateInputError(msg)
        size = 1
        if found.batched:
            size = chunk_size or DEFAULT_CHUNK_SIZE
            if found.max_items is not None:
                size = min(size, found.max_items)
        return cls(
            model=model,
            text_input=found,
            fixed=fixed,
            chunk_size=size,
            normalize_locally=normalize_locally,
            dimensions=dimensions,
        )

    def batches(self, texts: Sequence[str]) -> list[list[str]]:
        """Split the texts into one list per prediction, in order.

        Raises:
            ReplicateInputError: If a text cannot be sent through this input
                (a blank text in a newline-separated input, where blank
                lines are dropped and the count would shift).
        """
        if self.text_input.format == "newline":
            texts = [_one_line(text) for text in texts]
            blank = [i for i, text in enumerate(texts) if not text.strip()]
            if blank:
                msg = (
                    f"{self.model} takes its texts newline-separated in "
                    f"{self.text_input.name!r}, which drops blank lines, so the "
                    f"blank text(s) at index {blank[:10]} cannot be embedded. "
                    "Remove them, or use a model with a list input."
                )
                raise ReplicateInputError(msg)
        size = self.chunk_size
        return [list(texts[i : i + size]) for i in range(0, len(texts), size)]

    def model_input(self, texts: Sequence[str]) -> dict[str, Any]:
        """The prediction input for one batch."""
        return {self.text_input.name: encode_texts(texts, self.text_input.format)}

    def request(self, texts: Sequence[str]) -> dict[str, Any]:
        """The full input of one batch: its texts plus the fixed inputs."""
        return {**self.fixed, **self.model_input(texts)}

    def vectors(self, prediction: Mapping[str, Any], count: int) -> list[list[float]]:
        """Read one batch's vectors from its finished prediction.

        Raises:
            ReplicatePredictionError: If the output is not `count` vectors of
                one dimension (the message says what came back).
        """
        try:
            vectors = parse_vectors(prediction.get("output"), count, self.dimensions)
        except OutputShapeError as e:
            pid = prediction.get("id", "?")
            message = (
                f"Prediction {pid} of {self.model} returned output that is not "
                f"{count} embedding(s): {e}. If the model takes its texts "
                f"differently than {self.text_input.format!r} in "
                f"{self.text_input.name!r}, pass text_input=... and "
                "text_format=...."
            )
            raise ReplicatePredictionError(prediction, message) from e
        return [_normalized(v) for v in vectors] if self.normalize_locally else vectors


def encode_texts(texts: Sequence[str], text_format: TextFormat) -> Any:  # noqa: ANN401 - a string or a list
    """The value of the text input for these texts.

    Args:
        texts: The texts (one for `single`).
        text_format: How the input takes them.

    Returns:
        A list, a JSON string, a newline-joined string, or the one text.
    """
    if text_format == "array":
        return list(texts)
    if text_format == "json":
        return json.dumps(list(texts), ensure_ascii=False)
    if text_format == "newline":
        return "\n".join(_one_line(text) for text in texts)
    (text,) = texts
    return text


def _one_line(text: str) -> str:
    """A text with its line breaks turned into spaces (one line, one text)."""
    return _LINE_BREAKS.sub(" ", text)


def _side_inputs(schema: InputSchema | None, text_name: str) -> dict[str, Any]:
    """Enum inputs set for text embedding, where the default is not already so.

    A `text` choice (imagebind's `modality`) and an `array` output format
    (jina-clip's `output_format`, base64 by default).
    """
    if schema is None:
        return {}
    side: dict[str, Any] = {}
    for name in schema.names:
        if name == text_name:
            continue
        choices = schema.choices(name)
        if not choices:
            continue
        default = schema.properties[name].get("default")
        wanted = "array" if name in _OUTPUT_FORMAT_NAMES else "text"
        if wanted in choices and default != wanted:
            side[name] = wanted
    return side


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


def _normalized(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else vector
