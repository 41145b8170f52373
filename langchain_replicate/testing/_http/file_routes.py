"""Routes for files: the files API and the output files' delivery URLs."""

from __future__ import annotations

import json
import mimetypes
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._engine import resources as _resources
from langchain_replicate.testing._engine.wire import json_response
from langchain_replicate.testing._http.requests import origin_of, page_of, state_of

if TYPE_CHECKING:
    from starlette.requests import Request

    from langchain_replicate.testing._engine.files import UploadedFile

MULTIPART_OVERHEAD = 65536
"""Bytes a multipart body may exceed the upload limit by (boundaries, headers)."""


# -- files ---------------------------------------------------------------------------


async def create_file(request: Request) -> Response:
    """`POST /v1/files` (multipart: `content`, optional `metadata`)."""
    state = state_of(request)
    length = request.headers.get("content-length")
    if (
        length is not None
        and length.isdigit()
        and int(length) > state.max_upload_bytes + MULTIPART_OVERHEAD
    ):
        raise _errors.too_large(state.max_upload_bytes)
    async with request.form(max_files=1, max_fields=16) as form:
        content = form.get("content")
        if not isinstance(content, UploadFile):
            raise _errors.validation_failed(
                [_errors.InvalidField("required", "", "content is required")]
            )
        data = await content.read()
        if len(data) > state.max_upload_bytes:
            raise _errors.too_large(state.max_upload_bytes)
        metadata = _metadata(form.get("metadata"))
        name = content.filename or "file"
        content_type = (
            content.content_type
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream"
        )
    stored = state.files.upload(name, content_type, data, metadata)
    return json_response(_resources.file_json(stored, origin_of(request)), 201)


def _metadata(value: str | UploadFile | None) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    text = value if isinstance(value, str) else ""
    try:
        metadata = json.loads(text)
    except json.JSONDecodeError:
        metadata = None
    if not isinstance(metadata, dict):
        raise _errors.validation_failed(
            [
                _errors.InvalidField(
                    "invalid_type", "metadata", "metadata must be a JSON object"
                )
            ]
        )
    return metadata


def _upload(request: Request) -> UploadedFile:
    upload = state_of(request).files.get_upload(request.path_params["id"])
    if upload is None:
        raise _errors.file_not_found()
    return upload


async def get_file(request: Request) -> Response:
    """`GET /v1/files/{id}`."""
    return json_response(_resources.file_json(_upload(request), origin_of(request)))


async def download_file(request: Request) -> Response:
    """`GET /v1/files/{id}/download`: the bytes."""
    upload = _upload(request)
    return Response(upload.content, media_type=upload.content_type)


async def list_files(request: Request) -> Response:
    """`GET /v1/files`."""
    state = state_of(request)
    origin = origin_of(request)
    page = page_of(
        state.files.uploads(),
        lambda f: f.seq,
        request.query_params.get("cursor"),
        state.page_size,
    )
    return json_response(
        _resources.page_json(
            [_resources.file_json(f, origin) for f in page.results],
            f"{origin}/v1/files",
            page.next_cursor,
            page.previous_cursor,
        )
    )


async def delete_file(request: Request) -> Response:
    """`DELETE /v1/files/{id}`: 204."""
    if not state_of(request).files.delete_upload(request.path_params["id"]):
        raise _errors.file_not_found()
    return Response(status_code=204, media_type="text/plain")


async def delivery(request: Request) -> Response:
    """The bytes of an output file, streamed (no auth, like replicate.delivery)."""
    output = state_of(request).files.get_output(
        request.path_params["prediction_id"], request.path_params["filename"]
    )
    if output is None:
        raise _errors.not_found()
    return StreamingResponse(
        output.chunks(),
        media_type=output.file.content_type,
        headers={
            "Content-Length": str(output.file.size),
            "Cache-Control": "public,max-age=3600",
        },
    )


FILE_ROUTES = [
    Route("/v1/files", create_file, methods=["POST"]),
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{id}", get_file, methods=["GET"]),
    Route("/v1/files/{id}", delete_file, methods=["DELETE"]),
    Route("/v1/files/{id}/download", download_file, methods=["GET"]),
    Route("/delivery/{prediction_id}/{filename}", delivery, methods=["GET"]),
]
