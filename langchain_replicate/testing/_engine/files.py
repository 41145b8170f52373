"""Stored files: uploads (`/v1/files`) and the output files models make."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from langchain_replicate._outputs.files import decode_data_uri
from langchain_replicate.testing._engine.wire import new_file_id

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from langchain_replicate.testing._models.reference import GeneratedFile

FILE_LIFETIME = 24 * 3600.0
"""Seconds until an upload's `expires_at` (24 h, as recorded)."""


@dataclass(frozen=True)
class UploadedFile:
    """A file sent to `POST /v1/files`."""

    id: str
    name: str
    content_type: str
    content: bytes
    metadata: Mapping[str, Any]
    created_at: float
    seq: int
    md5: str = field(init=False)
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        """Compute the checksums once."""
        md5 = hashlib.md5(self.content, usedforsecurity=False).hexdigest()
        object.__setattr__(self, "md5", md5)
        object.__setattr__(self, "sha256", hashlib.sha256(self.content).hexdigest())

    @property
    def size(self) -> int:
        """Length in bytes."""
        return len(self.content)


@dataclass(frozen=True)
class OutputFile:
    """An output file, served at `/delivery/{prediction_id}/{filename}`."""

    prediction_id: str
    file: GeneratedFile

    @property
    def path(self) -> str:
        """The URL path the bytes are served at."""
        return f"/delivery/{self.prediction_id}/{self.file.filename}"

    def chunks(self) -> Iterator[bytes]:
        """The content, piece by piece."""
        return self.file.chunks()

    def read(self) -> bytes:
        """The whole content."""
        return b"".join(self.file.chunks())


class FileStore:
    """Every file the server can hand out or read back."""

    def __init__(self) -> None:
        """Create an empty store."""
        self._uploads: dict[str, UploadedFile] = {}
        self._outputs: dict[tuple[str, str], OutputFile] = {}
        self._seq = 0

    def upload(
        self,
        name: str,
        content_type: str,
        content: bytes,
        metadata: Mapping[str, Any],
    ) -> UploadedFile:
        """Store an upload."""
        self._seq += 1
        stored = UploadedFile(
            id=new_file_id(),
            name=name,
            content_type=content_type,
            content=content,
            metadata=dict(metadata),
            created_at=time.time(),
            seq=self._seq,
        )
        self._uploads[stored.id] = stored
        return stored

    def get_upload(self, file_id: str) -> UploadedFile | None:
        """An upload by id, or None."""
        return self._uploads.get(file_id)

    def uploads(self) -> list[UploadedFile]:
        """Every upload."""
        return list(self._uploads.values())

    def delete_upload(self, file_id: str) -> bool:
        """Delete an upload; False if there was none."""
        return self._uploads.pop(file_id, None) is not None

    def add_output(self, prediction_id: str, file: GeneratedFile) -> OutputFile:
        """Keep an output file so its URL can be served."""
        output = OutputFile(prediction_id, file)
        self._outputs[(prediction_id, file.filename)] = output
        return output

    def get_output(self, prediction_id: str, filename: str) -> OutputFile | None:
        """An output file by its URL parts, or None."""
        return self._outputs.get((prediction_id, filename))

    def read_url(self, url: str) -> bytes:
        """The bytes behind a file input: a `data:` URI or one of our own URLs.

        Raises:
            ValueError: if the URL is neither, or names no stored file.
        """
        if url.startswith("data:"):
            return decode_data_uri(url)
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if parts.scheme in {"http", "https"}:
            if len(segments) in {3, 4} and segments[:2] == ["v1", "files"]:
                upload = self._uploads.get(segments[2])
                if upload is not None:
                    return upload.content
            if len(segments) == 3 and segments[0] == "delivery":  # noqa: PLR2004 - /delivery/{id}/{name}
                output = self._outputs.get((segments[1], segments[2]))
                if output is not None:
                    return output.read()
        msg = (
            f"Cannot read {url[:100]!r}: the local server reads only data: URIs "
            "and its own file URLs"
        )
        raise ValueError(msg)

    def clear(self) -> None:
        """Forget every file."""
        self._uploads.clear()
        self._outputs.clear()
