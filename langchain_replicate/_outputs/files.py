"""An image model's output files: their URLs, names on disk, and the tool's text.

Pure (no I/O). Files come back as URLs (`https://replicate.delivery/...`) or,
from a sync-mode create, inline as `data:` URIs. The text a tool returns holds
the URLs, never base64: an inline file is described (type, size) and, when it
was saved, named by its path. `ReplicateImageResult` is the tool's artifact.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from replicate.helpers import FileOutput

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_KB = 1024


def output_urls(output: Any) -> list[str]:  # noqa: ANN401 - JSON
    """The file URLs (or `data:` URIs) in a prediction's output, in order.

    Args:
        output: The prediction's `output`: one URL, a list of them, or nothing.

    Returns:
        The URLs; strings only (an image model gives nothing else).
    """
    items = output if isinstance(output, list) else [output]
    return [item for item in items if isinstance(item, str) and item]


def is_data_uri(url: str) -> bool:
    """Whether `url` is an inline `data:` URI."""
    return url.startswith("data:")


def data_uri_type(url: str) -> str:
    """The MIME type of a `data:` URI (`text/plain` when it names none)."""
    header = url[len("data:") :].partition(",")[0]
    return header.split(";")[0] or "text/plain"


def decode_data_uri(url: str) -> bytes:
    """The bytes of a `data:` URI (base64 or percent-encoded).

    Raises:
        ValueError: If it is malformed.
    """
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        msg = "Malformed data: URI (no comma)."
        raise ValueError(msg)
    if header.endswith(";base64"):
        try:
            return base64.b64decode(payload, validate=True)
        except binascii.Error as e:
            msg = f"Malformed data: URI (bad base64: {e})."
            raise ValueError(msg) from e
    return unquote_to_bytes(payload)


def data_uri_size(url: str) -> int:
    """The decoded size in bytes of a base64 `data:` URI, without decoding it."""
    payload = url.partition(",")[2]
    return len(payload) * 3 // 4 - payload[-2:].count("=")


def file_name(url: str, index: int, prediction_id: str) -> str:
    """A safe file name for output `index`: `<prediction id>-<name>`.

    The name is the URL's last path segment (`out-0.webp`), or for a `data:` URI
    `out-<index>` plus the extension of its MIME type. The prediction id keeps
    runs from overwriting each other (every run's files are called `out-0...`);
    anything but letters, digits, `.`, `_` and `-` is replaced, so a URL can
    never name a path outside the directory.

    Returns:
        The file name.
    """
    if is_data_uri(url):
        extension = mimetypes.guess_extension(data_uri_type(url)) or ".bin"
        name = f"out-{index}{extension}"
    else:
        name = urlsplit(url).path.rpartition("/")[2] or f"out-{index}"
    safe = _UNSAFE.sub("_", f"{prediction_id}-{name}").lstrip(".")
    return safe or f"out-{index}"


def _size(size: int) -> str:
    if size < _KB:
        return f"{size} B"
    if size < _KB * _KB:
        return f"{size / _KB:.1f} KB"
    return f"{size / _KB / _KB:.1f} MB"


def content_text(
    urls: Sequence[str], paths: Sequence[Path] | None, *, model: str
) -> str:
    """The text a tool returns: the files' URLs, and where they were saved.

    With only URLs it is just the URLs, one per line, so it can be piped on as
    a string (`... | tool | next_step`). Inline (`data:`) files are described
    instead of quoted.

    Args:
        urls: The output URLs or `data:` URIs.
        paths: Where each file was saved, or `None` if they were not.
        model: The model reference, for the description of inline files.

    Returns:
        The text.
    """
    if not urls:
        return f"{model} returned no files."
    if not any(map(is_data_uri, urls)):
        lines = list(urls)
        if paths:
            lines += ["Saved to:", *(str(path) for path in paths)]
        return "\n".join(lines)
    noun = "file" if len(urls) == 1 else "files"
    kinds = ", ".join(
        f"{data_uri_type(url)}, {_size(data_uri_size(url))}"
        if is_data_uri(url)
        else url
        for url in urls
    )
    text = f"{model} made {len(urls)} {noun} ({kinds}), returned inline (no URL)."
    if paths:
        return f"{text} Saved to:\n" + "\n".join(str(path) for path in paths)
    return f"{text} They are in the tool's artifact; set save_dir to save them to disk."


@dataclass(frozen=True)
class PredictionFiles:
    """A tool run's files and prediction: what every tool's artifact carries.

    Attributes:
        files: The output files as replicate `FileOutput`s (`.url`, `.read()`,
            iteration, `await .aread()`), in order.
        paths: Where each file was saved (empty without `save_dir`).
        prediction_id: The prediction (see `https://replicate.com/p/<id>`).
        model_name: The model reference the tool ran.
        metrics: The prediction's metrics (e.g. `predict_time`; empty when a
            sync-mode answer carried none).
        info: Prediction metadata: id, model, version, status, metrics.
        model_input: The input sent to the model (after argument mapping;
            secret inputs left out).
    """

    files: list[FileOutput] = field(repr=False)
    paths: list[Path]
    prediction_id: str
    model_name: str
    metrics: dict[str, Any]
    info: dict[str, Any] = field(repr=False)
    model_input: dict[str, Any] = field(repr=False)

    @property
    def urls(self) -> list[str]:
        """The files' URLs (or `data:` URIs, from a sync-mode run)."""
        return [file.url for file in self.files]


@dataclass(frozen=True)
class ReplicateImageResult(PredictionFiles):
    """The artifact of an image run: the files, where they were saved, the prediction.

    Its attributes are `PredictionFiles`'.
    """
