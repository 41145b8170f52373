"""A file input's value: a URL to pass as is, bytes to upload, or a stored file.

Pure, no I/O. A model's file input (`format: uri` in its schema: a chat
model's image, an upscaler's image, whisper's audio) takes a URL. What a
caller gives becomes one of these values, which the core (`_core/files.py`)
turns into that URL:

* `ImageURL`: a URL the model fetches as is (`https://...`), or inline data
  of at most `DATA_URI_MAX_BYTES` (256 KB, the size Replicate's API recommends
  data URIs for) as a `data:` URI.
* `ImageUpload`: bytes above that size, sent through the files API first.
* `ImageFile`: a file already in the files API, by id.
* `LocalFile`: a local file (inside the directory the developer allowed) to
  upload; `file_input` reads a tool argument into one of these (it only checks
  the path exists: reading is the core's).

(The names say "image" because chat images came first; nothing here is
image-specific but `sniff_mime_type`'s signatures.) `from_bytes`, `from_url`
and `decode_base64` build them from raw bytes, a URL or data URI, and base64.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path  # noqa: TC003 - a dataclass field
from urllib.parse import unquote_to_bytes, urlsplit

__all__ = [
    "DATA_URI_MAX_BYTES",
    "FileInput",
    "ImageFile",
    "ImageInput",
    "ImageURL",
    "ImageUpload",
    "LocalFile",
    "decode_base64",
    "file_input",
    "from_bytes",
    "from_url",
    "sniff_mime_type",
]

DATA_URI_MAX_BYTES = 256 * 1024
"""Largest file (decoded bytes) sent inline as a `data:` URI; larger ones are
uploaded. Replicate's API recommends data URIs for files of 256 KB or less."""


# Magic numbers of the image formats vision models take, for base64 data that
# comes without a MIME type.
_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_DATA_URI = re.compile(
    r"data:(?P<mime>[^;,]*)(?P<params>(;[^;,]*)*),(?P<data>.*)", re.DOTALL
)


@dataclass(frozen=True)
class ImageURL:
    """A file the model can fetch as is: `https://...` or a small `data:` URI."""

    url: str


@dataclass(frozen=True)
class ImageUpload:
    """Bytes too large for a data URI; upload them, then pass the file URL."""

    data: bytes
    mime_type: str


@dataclass(frozen=True)
class ImageFile:
    """A file already in Replicate's files API, by id (from a v1 `file_id`).

    The I/O layer passes the file's `urls.get`, `{base_url}/v1/files/{file_id}`.
    """

    file_id: str


ImageInput = ImageURL | ImageUpload | ImageFile
"""One file reference; the I/O layer turns each into a URL string."""


def sniff_mime_type(data: bytes) -> str:
    """The MIME type of image bytes by their signature (else octet-stream)."""
    for signature, mime_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def from_bytes(data: bytes, mime_type: str | None) -> ImageURL | ImageUpload:
    """Small bytes as a `data:` URI, larger ones as an upload."""
    mime_type = mime_type or sniff_mime_type(data)
    if len(data) > DATA_URI_MAX_BYTES:
        return ImageUpload(data=data, mime_type=mime_type)
    encoded = base64.b64encode(data).decode("ascii")
    return ImageURL(f"data:{mime_type};base64,{encoded}")


def decode_base64(data: str, where: str) -> bytes:
    """Decode base64 strictly.

    Raises:
        ValueError: Naming `where`, if it does not decode.
    """
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as e:
        msg = f"{where} has base64 image data that does not decode: {e}"
        raise ValueError(msg) from e


def from_url(url: str, where: str) -> ImageURL | ImageUpload:
    """A URL as is; a `data:` URI as is when small, else its bytes to upload.

    Raises:
        ValueError: Naming `where`, if a `data:` URI is malformed.
    """
    if not url.startswith("data:"):
        return ImageURL(url)
    match = _DATA_URI.fullmatch(url)
    if match is None:
        msg = f"{where} has a malformed data: URI (expected data:<mime>;base64,...)."
        raise ValueError(msg)
    if ";base64" in match["params"]:
        data = decode_base64(match["data"], where)
    else:
        data = unquote_to_bytes(match["data"])
    if len(data) <= DATA_URI_MAX_BYTES:
        return ImageURL(url)
    return ImageUpload(data=data, mime_type=match["mime"] or sniff_mime_type(data))


@dataclass(frozen=True)
class LocalFile:
    """A local file to upload through the files API (a path the developer allowed)."""

    path: Path
    mime_type: str


FileInput = ImageInput | LocalFile
"""What a model's file input is given; the core turns each into a URL."""


def file_input(value: object, where: str, input_dir: Path | None) -> FileInput:
    """The value of a file input (`format: uri`): a URL, a data URI or a path.

    `http(s)://` URLs pass as they are; a `data:` URI is sent inline up to
    `DATA_URI_MAX_BYTES` and uploaded above; anything else is a path, allowed
    only inside `input_dir` (resolved, so `..` and symlinks cannot leave it):
    an LLM's argument never reads an arbitrary file of the machine.

    Args:
        value: The argument.
        where: The argument's name, for errors.
        input_dir: The directory local files may be read from (`None`: none).

    Returns:
        The file input.

    Raises:
        ValueError: Naming `where`: not a string, an unsupported URL scheme, a
            malformed data URI, local files not allowed, a path outside
            `input_dir`, or no such file.
    """
    if not isinstance(value, str) or not value:
        msg = f"{where} must be a URL, a data: URI or a file path (a string)."
        raise ValueError(msg)
    scheme = urlsplit(value).scheme.lower()
    if scheme in {"http", "https"}:
        return ImageURL(value)
    if scheme == "data":
        return from_url(value, where)
    if len(scheme) > 1:  # (a one-letter scheme is a Windows drive)
        msg = f"{where}: {scheme}: URLs are not supported (use https:// or data:)."
        raise ValueError(msg)
    if input_dir is None:
        msg = (
            f"{where} must be a URL (https://...) or a data: URI; local files "
            "are not enabled (the developer sets input_dir to allow a directory)."
        )
        raise ValueError(msg)
    root = input_dir.resolve()
    path = (root / value).resolve()
    if not path.is_relative_to(root):
        msg = f"{where}: {value!r} is outside the allowed directory {str(root)!r}."
        raise ValueError(msg)
    if not path.is_file():
        msg = f"{where}: no file {value!r} in {str(root)!r}."
        raise ValueError(msg)
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return LocalFile(path, mime_type)
