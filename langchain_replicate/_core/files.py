"""Files: image uploads (files API) and output downloads.

Uploads: a chat image given as bytes, or a model tool's file input given as
large inline data or a local path, goes to `POST /v1/files` (multipart, field
`content`); the prediction input takes the file's `urls.get`.

Downloads: an output file (a URL, or a `data:` URI) is streamed in chunks to
`<path>.part` and renamed when complete (`saving`), so an interrupted download
never leaves a truncated file under the real name. The token is sent only
where `_core.origins.token_allowed` says (never to the hosts that serve output files).
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx

from langchain_replicate._inputs.uploads import ImageFile, ImageUpload, LocalFile
from langchain_replicate._outputs.files import decode_data_uri, is_data_uri
from langchain_replicate.errors import error_from_response, error_from_transport

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from langchain_replicate._inputs.uploads import FileInput

UPLOAD_ACTION = "upload an image to Replicate's files API"
_UPLOAD_TIMEOUT = httpx.Timeout(10.0, read=60.0, write=60.0, pool=None)
_DOWNLOAD_CHUNK = 256 * 1024
_DOWNLOAD_TIMEOUT = httpx.Timeout(10.0, read=60.0, pool=None)


def image_url(image: FileInput, base_url: str) -> str | ImageUpload | LocalFile:
    """The URL of a file input, or the file itself when it must be uploaded."""
    if isinstance(image, ImageUpload | LocalFile):
        return image
    if isinstance(image, ImageFile):
        return f"{base_url}/v1/files/{image.file_id}"
    return image.url


def upload_request(image: ImageUpload | LocalFile) -> dict[str, Any]:
    """A `POST /v1/files` of a file's bytes (multipart, field `content`).

    A `LocalFile` is read here (the async driver calls this in a thread).
    """
    if isinstance(image, LocalFile):
        name, data = image.path.name, image.path.read_bytes()
    else:
        extension = image.mime_type.rpartition("/")[2] or "bin"
        name, data = f"image.{extension}", image.data
    return {
        "files": {"content": (name, data, image.mime_type)},
        "timeout": _UPLOAD_TIMEOUT,
    }


def file_url(file: Mapping[str, Any]) -> str:
    """The URL a prediction input takes for an uploaded file (its `urls.get`)."""
    return str(file["urls"]["get"])


def download_request(http: httpx.Client | httpx.AsyncClient, url: str) -> httpx.Request:
    """A `GET` of an output file.

    The client's auth (`_core.secrets.OriginBoundToken`) puts the token on it only
    for the API's origin and Replicate's own hosts, never on `replicate.delivery`.
    """
    return http.build_request("GET", url, timeout=_DOWNLOAD_TIMEOUT)


@contextmanager
def saving(path: Path, action: str) -> Iterator[Path]:
    """Write to `<path>.part`, renamed to `path` only when the block succeeds.

    An interrupted or failed download never leaves a truncated file under the
    real name; transport errors become ours.
    """
    part = path.with_name(f"{path.name}.part")
    try:
        yield part
        part.replace(path)
    except BaseException as e:
        part.unlink(missing_ok=True)
        if isinstance(e, httpx.HTTPError):
            raise error_from_transport(e, action) from e
        raise


def download(http: httpx.Client, url: str, path: Path) -> int:
    """Save an output file to `path` (see the module docstring).

    Returns:
        The number of bytes written.

    Raises:
        ReplicateAPIError: If the file cannot be fetched.
    """
    action = f"download {url[:100]}"
    size = 0
    with saving(path, action) as part:
        if is_data_uri(url):
            return part.write_bytes(decode_data_uri(url))
        response = http.send(download_request(http, url), stream=True)
        try:
            if response.status_code >= 400:  # noqa: PLR2004
                response.read()
                raise error_from_response(response, action)
            with part.open("wb") as file:
                for chunk in response.iter_bytes(_DOWNLOAD_CHUNK):
                    size += file.write(chunk)
        finally:
            response.close()
    return size


async def adownload(http: httpx.AsyncClient, url: str, path: Path) -> int:
    """Async `download` (file writes run in a thread)."""
    action = f"download {url[:100]}"
    size = 0
    with saving(path, action) as part:
        if is_data_uri(url):
            return await asyncio.to_thread(part.write_bytes, decode_data_uri(url))
        response = await http.send(download_request(http, url), stream=True)
        try:
            if response.status_code >= 400:  # noqa: PLR2004
                await response.aread()
                raise error_from_response(response, action)
            file = await asyncio.to_thread(part.open, "wb")
            try:
                async for chunk in response.aiter_bytes(_DOWNLOAD_CHUNK):
                    size += await asyncio.to_thread(file.write, chunk)
            finally:
                await asyncio.to_thread(file.close)
        finally:
            await response.aclose()
    return size
