"""Embedding models' text input: which input takes the texts, and how they are sent.

Pure (no I/O), shared by `ReplicateEmbeddings`' sync and async paths.

Replicate's embedding models agree on nothing (`/work/shared/model-families.md`
§4 lists them), so the text input is found from the model's schema: an array
of strings (`texts: list[str]`), a JSON-encoded list in a string (`texts`,
`text_batch`), a newline-separated string (`inputs`, `sentences`), or one
string per prediction (`prompt`, `text`). A model with both a single and a
batch input gets the batch one. Enum side inputs with a `text` choice
(imagebind's `modality`, which defaults to `vision`) are set to it, and an
`output_format` that offers `array` is asked for it. `encode_texts` writes a
batch's texts as the input's value.

Newline-separated inputs (`andreasjansson/clip-features`: the model runs
`inputs.strip().splitlines()`, strips each line, and reads a line matching
`^https?://` as an image URL; `model-families.md` §4) keep every text in its
place (`newline_lines`): line breaks inside a text become spaces; a blank
text is a blank line, embedded in place, with a `PAD` line added before or
after the batch when the blank one is first or last (the model's `strip()`
would drop it; the pad's vector is dropped here); when the input's
description says `http(s)://` lines are images (`TextInput.reads_urls`), a
text that starts with `http://` or `https://` is sent with its scheme's first
letter upper-cased (`Http://...`): the model's test is case-sensitive, and
CLIP's tokenizer lower-cases text, so the model embeds the very tokens of the
text. A model that drops blank lines anywhere returns fewer vectors, which
`EmbeddingPlan.vectors` reports as a clear error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_replicate._inputs.schema import InputSchema

TextFormat = Literal["array", "json", "newline", "single"]
"""How a model takes its texts: an array of strings, a JSON-encoded list in a
string, a newline-separated string, or one string per prediction."""

TEXT_FORMATS: tuple[TextFormat, ...] = get_args(TextFormat)

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
_OUTPUT_FORMAT_NAMES = ("output_format", "encoding_format")
_E5_NAME = re.compile(r"(?:^|[-_/])e5(?:[-_]|$)", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
"""Everything `str.splitlines()` splits on."""
_URL_HINT = re.compile(r"https?\b|http\[s\]", re.IGNORECASE)
_URL_LINE = re.compile(r"https?://")
"""What clip-features reads as an image (`re.match` on the stripped line)."""
PAD = "."
"""The line sent around a batch whose first or last text is blank."""


@dataclass(frozen=True)
class TextInput:
    """The input that takes the texts, and how."""

    name: str
    format: TextFormat
    max_items: int | None = None
    """A batch cap the schema declares (`maxItems`), if any."""
    reads_urls: bool = False
    """A newline input whose `http(s)://` lines are read as image URLs (its
    description says so), so URL-like texts are escaped."""

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
        prop = properties.get(name) or {"type": "string"}
        fmt = text_format or _format_of(name, prop) or "single"
        return TextInput(name, fmt, _max_items(prop), _reads_urls(fmt, prop))
    if schema is None:
        msg = (
            f"{model} publishes no input schema, so its text input cannot be "
            "found: pass text_input='<input name>' and text_format='array', "
            "'json', 'newline' or 'single'."
        )
        raise ReplicateInputError(msg)
    candidates = {
        input_name: found
        for input_name in schema.names
        if (found := _format_of(input_name, properties[input_name])) is not None
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
    prop = properties[chosen]
    return TextInput(chosen, fmt, _max_items(prop), _reads_urls(fmt, prop))


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


def _reads_urls(text_format: TextFormat, prop: Mapping[str, Any]) -> bool:
    hint = f"{prop.get('description') or ''} {prop.get('title') or ''}"
    return text_format == "newline" and bool(_URL_HINT.search(hint))


def _max_items(prop: Mapping[str, Any] | None) -> int | None:
    value = (prop or {}).get("maxItems")
    return value if isinstance(value, int) and value > 0 else None


def encode_texts(
    texts: Sequence[str], text_format: TextFormat, *, reads_urls: bool = False
) -> Any:  # noqa: ANN401 - a string or a list
    """The value of the text input for these texts.

    Args:
        texts: The texts (one for `single`).
        text_format: How the input takes them.
        reads_urls: A newline input that reads `http(s)://` lines as images.

    Returns:
        A list, a JSON string, a newline-joined string (`newline_lines`), or
        the one text.
    """
    if text_format == "array":
        return list(texts)
    if text_format == "json":
        return json.dumps(list(texts), ensure_ascii=False)
    if text_format == "newline":
        lines, _ = newline_lines(texts, reads_urls=reads_urls)
        return "\n".join(lines)
    (text,) = texts
    return text


def one_line(text: str) -> str:
    """A text with its line breaks turned into spaces (one line, one text)."""
    return _LINE_BREAKS.sub(" ", text)


def _as_text(line: str) -> str:
    """A line the model would read as an image URL, with its scheme's `h` upper."""
    start = len(line) - len(line.lstrip())
    if _URL_LINE.match(line, start):
        return f"{line[:start]}H{line[start + 1 :]}"
    return line


def newline_lines(
    texts: Sequence[str], *, reads_urls: bool = False
) -> tuple[list[str], int]:
    """The lines of a newline-separated batch, one per text, in place.

    Args:
        texts: The batch's texts (at least one).
        reads_urls: Escape texts the model would read as image URLs.

    Returns:
        The lines (with a `PAD` line first and/or last when the first or
        last text is blank) and the number of pad lines before the texts.
    """
    lines = [one_line(text) for text in texts]
    if reads_urls:
        lines = [_as_text(line) for line in lines]
    lead = [PAD] if not lines[0].strip() else []
    trail = [PAD] if not lines[-1].strip() else []
    return [*lead, *lines, *trail], len(lead)


def side_inputs(schema: InputSchema | None, text_name: str) -> dict[str, Any]:
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
