"""Any model's output, read by value as the official client reads it.

Pure (no I/O). The version's `Output` schema decides (as in replicate's
`lib/_predictions_use.py`):

* a concatenate iterator (`array` of strings, `x-cog-array-type: iterator`,
  `x-cog-array-display: concatenate`: language models) → one text;
* a file (`string`, `format: uri`), a list of files, or an object with file
  fields (whisper's `txt_file`, storydiffusion's `comic`) → files;
* anything else → its JSON.

Without a schema a string or list of strings that are all URLs (or `data:`
URIs) is read as files, a list of other strings as text.

`read_output` gives the `OutputView`; `output_content` the tool's content:
the text, or what was made with the file URLs (never base64: an inline file is
described), or the JSON (file URLs in place, long JSON cut at
`MAX_JSON_CHARS`); with `blocks=True`, a list of LangChain standard content
blocks where the files are image blocks, or file blocks with their MIME type
(audio and video too: a `ToolMessage` keeps only the block types in
langchain-core's `TOOL_MESSAGE_BLOCK_TYPES`, which has no `audio` or
`video`, and turns any other list into one JSON string).
`ReplicateModelResult` is the artifact.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from langchain_core.messages.content import (
    create_file_block,
    create_image_block,
    create_text_block,
)

from langchain_replicate._outputs.files import (
    PredictionFiles,
    content_text,
    data_uri_size,
    data_uri_type,
    is_data_uri,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path


__all__ = [
    "MAX_JSON_CHARS",
    "OutputView",
    "ReplicateModelResult",
    "output_content",
    "read_output",
]

MAX_JSON_CHARS = 8000
"""Longest JSON a tool's content quotes; the whole output is in the artifact."""

ValueKind = Literal["text", "files", "object", "json"]


@dataclass(frozen=True)
class OutputView:
    """A prediction's output, read by value."""

    kind: ValueKind
    """`text`, `files` (a file or list), `object` (JSON with file fields), `json`."""
    output: Any
    """The raw output."""
    text: str = ""
    """The text (`kind == "text"`)."""
    urls: tuple[str, ...] = ()
    """The files' URLs (or `data:` URIs), in order."""


def _is_uri(schema: object) -> bool:
    return isinstance(schema, dict) and schema.get("format") == "uri"


def _is_uri_list(schema: object) -> bool:
    return (
        isinstance(schema, dict)
        and schema.get("type") == "array"
        and _is_uri(schema.get("items"))
    )


def _looks_like_url(value: object) -> bool:
    return isinstance(value, str) and (
        value.startswith(("https://", "http://")) or is_data_uri(value)
    )


def _strings(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str) and item]


def is_concatenate(schema: Mapping[str, Any] | None) -> bool:
    """Whether an `Output` schema is cog's `ConcatenateIterator[str]`."""
    return bool(schema) and (
        schema.get("type") == "array"  # type: ignore[union-attr]
        and schema.get("x-cog-array-display") == "concatenate"  # type: ignore[union-attr]
    )


def read_output(output: Any, schema: Mapping[str, Any] | None) -> OutputView:  # noqa: ANN401, PLR0911 - JSON; a case per shape
    """Read an output by its schema (see the module docstring).

    Args:
        output: The prediction's `output`.
        schema: The version's `components.schemas.Output` (dereferenced), or
            `None` when the model gives none.

    Returns:
        The view.
    """
    if is_concatenate(schema) and isinstance(output, list):
        return OutputView("text", output, text="".join(map(str, output)))
    if schema and (_is_uri(schema) or _is_uri_list(schema)):
        return OutputView("files", output, urls=tuple(_strings(output)))
    if schema and schema.get("type") == "object" and isinstance(output, dict):
        props = schema.get("properties") or {}
        urls = [
            url
            for name, prop in props.items()
            if _is_uri(prop) or _is_uri_list(prop)
            for url in _strings(output.get(name))
        ]
        return OutputView("object" if urls else "json", output, urls=tuple(urls))
    if schema is None:
        strings = _strings(output)
        is_strings = isinstance(output, str) or (
            isinstance(output, list) and output and len(strings) == len(output)
        )
        if is_strings and all(map(_looks_like_url, strings)):
            return OutputView("files", output, urls=tuple(strings))
        if is_strings and isinstance(output, list):
            return OutputView("text", output, text="".join(strings))
    if isinstance(output, str):
        return OutputView("text", output, text=output)
    return OutputView("json", output)


def mime_type(url: str) -> str:
    """The MIME type of an output URL (by its extension) or `data:` URI."""
    if is_data_uri(url):
        return data_uri_type(url)
    guessed = mimetypes.guess_type(urlsplit(url).path)[0]
    return guessed or "application/octet-stream"


def _describe(value: Any) -> Any:  # noqa: ANN401 - JSON
    """JSON with every `data:` URI replaced by a short description."""
    if isinstance(value, str) and is_data_uri(value):
        return f"<inline {data_uri_type(value)} file, {data_uri_size(value)} bytes>"
    if isinstance(value, list):
        return [_describe(item) for item in value]
    if isinstance(value, dict):
        return {key: _describe(item) for key, item in value.items()}
    return value


def _json(value: Any) -> str:  # noqa: ANN401 - JSON
    text = json.dumps(_describe(value), ensure_ascii=False, default=str)
    if len(text) <= MAX_JSON_CHARS:
        return text
    return (
        text[:MAX_JSON_CHARS]
        + f"... [cut at {MAX_JSON_CHARS} of {len(text)} characters; the whole "
        "output is in the tool's artifact]"
    )


def _file_block(url: str) -> dict[str, Any]:
    """An image block, else a file block (see the module docstring)."""
    kind = mime_type(url)
    is_image = kind.startswith("image/")
    factory = create_image_block if is_image else create_file_block
    return dict(factory(url=url, mime_type=kind))


def output_content(
    view: OutputView,
    *,
    model: str,
    paths: Sequence[Path] = (),
    blocks: bool = False,
) -> str | list[str | dict[str, Any]]:
    """The tool's content for an output (see the module docstring).

    Args:
        view: The output.
        model: The model reference, for the text.
        paths: Where the files were saved (empty if not).
        blocks: Give standard content blocks for the files (URLs only).

    Returns:
        A string, or a list of content blocks.
    """
    if view.kind == "text":
        return view.text
    if view.kind == "json":
        return _json(view.output)
    if view.kind == "files":
        text = _files_text(view.urls, paths, model)
    else:
        saved = "\nSaved to:\n" + "\n".join(map(str, paths)) if paths else ""
        text = _json(view.output) + saved
    if not blocks:
        return text
    files = [_file_block(url) for url in view.urls if not is_data_uri(url)]
    return [dict(create_text_block(text)), *files]


def _files_text(urls: Sequence[str], paths: Sequence[Path], model: str) -> str:
    if not urls or any(map(is_data_uri, urls)):
        return content_text(urls, list(paths) or None, model=model)
    noun = "file" if len(urls) == 1 else "files"
    lines = [f"{model} made {len(urls)} {noun}:"]
    lines += [f"{url} ({mime_type(url)})" for url in urls]
    if paths:
        lines += ["Saved to:", *map(str, paths)]
    return "\n".join(lines)


@dataclass(frozen=True)
class ReplicateModelResult(PredictionFiles):
    """The artifact of a model tool's run: `PredictionFiles`, and the output itself.

    Attributes:
        output: The prediction's output, as the API gave it.
        kind: How it was read: `text`, `files`, `object` or `json`.
    """

    output: Any = field(repr=False)
    kind: ValueKind
