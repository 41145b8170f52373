"""The JSON shapes of the API's resources (pure: state in, dicts out).

`origin` is the scheme and host the request came in on, e.g.
`http://127.0.0.1:8787`; every URL handed out starts with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from langchain_replicate.testing._engine.files import (
    FILE_LIFETIME,
    OutputFile,
    UploadedFile,
)
from langchain_replicate.testing._engine.wire import data_uri, rfc3339, shape_output

if TYPE_CHECKING:
    from langchain_replicate.testing._engine.predictions import Prediction
    from langchain_replicate.testing._models.reference import (
        ReferenceCollection,
        ReferenceDeployment,
        ReferenceModel,
    )

ACCOUNT: dict[str, Any] = {
    "type": "user",
    "username": "local",
    "name": "Local Replicate server",
    "github_url": None,
    "avatar_url": None,
}

HARDWARE: list[dict[str, str]] = [
    {"sku": "cpu", "name": "CPU"},
    {"sku": "gpu-t4", "name": "Nvidia T4 GPU"},
    {"sku": "gpu-a40-small", "name": "Nvidia A40 GPU"},
    {"sku": "gpu-a40-large", "name": "Nvidia A40 (Large) GPU"},
]


def prediction_urls(
    origin: str, prediction_id: str, stream_origin: str | None = None
) -> dict[str, str]:
    """`urls`: get, cancel and web on our origin; stream on `stream_origin`."""
    get = f"{origin}/v1/predictions/{prediction_id}"
    return {
        "get": get,
        "cancel": f"{get}/cancel",
        "stream": f"{stream_origin or origin}/v1/streams/{prediction_id}",
        "web": f"{origin}/p/{prediction_id}",
    }


def output_url(origin: str, output: OutputFile) -> str:
    """The URL of an output file."""
    return origin + output.path


def _render_output_item(
    origin: str, item: str | OutputFile, inline_max_bytes: int | None
) -> str:
    if isinstance(item, str):
        return item
    if inline_max_bytes is not None and item.file.size <= inline_max_bytes:
        return data_uri(item.file.content_type, item.read())
    return output_url(origin, item)


def prediction_json(
    prediction: Prediction,
    origin: str,
    *,
    source: bool = True,
    inline_max_bytes: int | None = None,
    as_starting: bool = False,
    files_origin: str | None = None,
) -> dict[str, Any]:
    """A prediction as the API shows it (spec §3).

    Args:
        prediction: The prediction.
        origin: Our origin.
        files_origin: The origin of `urls.stream` and output file URLs
            (default: `origin`).
        source: Include `source` (GET and list do; create responses do not).
        inline_max_bytes: Sync mode: output files up to this size become `data:`
            URIs.
        as_starting: A sync wait that ran out: show status `starting`, no output.
    """
    body: dict[str, Any] = {
        "id": prediction.id,
        "model": prediction.model.ref,
        "version": prediction.version_label,
        "input": prediction.shown_input(),
        "logs": "" if as_starting else prediction.logs,
        "output": None,
        "data_removed": False,
        "error": None,
        "status": "starting",
        "created_at": rfc3339(prediction.created_at),
        "urls": prediction_urls(origin, prediction.id, files_origin),
    }
    if source:
        body["source"] = "api"
    if prediction.deployment is not None:
        body["deployment"] = prediction.deployment
    if prediction.deadline is not None:
        body["deadline"] = rfc3339(prediction.deadline)
    if as_starting:
        return body
    items = [
        _render_output_item(files_origin or origin, item, inline_max_bytes)
        for item in prediction.outputs
    ]
    if prediction.value is not None:
        body["output"] = _value_output(
            prediction, files_origin or origin, inline_max_bytes
        )
    else:
        body["output"] = shape_output(
            items, prediction.model.output_schema, finished=prediction.finished
        )
    body["error"] = prediction.error
    body["status"] = prediction.status
    if prediction.started_at is not None:
        body["started_at"] = rfc3339(prediction.started_at)
    if prediction.finished and prediction.completed_at is not None:
        body["completed_at"] = rfc3339(prediction.completed_at)
        body["metrics"] = prediction.metrics()
    return body


def _value_output(
    prediction: Prediction, origin: str, inline_max_bytes: int | None
) -> Any:  # noqa: ANN401 - any JSON value
    """A returned value, its file fields rendered as URLs (or `data:` URIs)."""
    assert prediction.value is not None  # noqa: S101 - the caller checked
    if not prediction.value_files:
        return prediction.value.value
    rendered = {
        key: _render_output_item(origin, stored, inline_max_bytes)
        for key, stored in prediction.value_files.items()
    }
    return {**prediction.value.value, **rendered}


def version_json(model: ReferenceModel) -> dict[str, Any]:
    """A version object (spec §6.2)."""
    return {
        "id": model.version,
        "created_at": model.created_at,
        "cog_version": model.cog_version,
        "openapi_schema": model.openapi_schema,
    }


def cover_path(model: ReferenceModel) -> str:
    """Where the server serves the model's cover image."""
    return f"/covers/{model.owner}/{model.name}.png"


def model_json(model: ReferenceModel, origin: str) -> dict[str, Any]:
    """A model object (spec §6.1); `model` is its latest version.

    `cover_image_url` is a small PNG on our own origin (the real one is on
    replicate.delivery), so a client that fetches it stays local.
    """
    return {
        "url": f"https://replicate.com/{model.ref}",
        "owner": model.owner,
        "name": model.name,
        "description": model.description,
        "visibility": "public",
        "is_official": model.official,
        "github_url": model.github_url,
        "paper_url": model.paper_url,
        "license_url": model.license_url,
        "run_count": model.run_count,
        "cover_image_url": origin + cover_path(model),
        "default_example": None,
        "latest_version": version_json(model),
    }


def collection_summary_json(collection: ReferenceCollection) -> dict[str, Any]:
    """A collection as `GET /v1/collections` lists it (spec §11)."""
    return {
        "name": collection.name,
        "slug": collection.slug,
        "description": collection.description,
    }


def collection_json(
    collection: ReferenceCollection, models: list[ReferenceModel], origin: str
) -> dict[str, Any]:
    """A collection with its full model objects (`GET /v1/collections/{slug}`)."""
    return {
        **collection_summary_json(collection),
        "full_description": collection.full_description,
        "models": [model_json(m, origin) for m in models],
    }


def deployment_json(deployment: ReferenceDeployment) -> dict[str, Any]:
    """A deployment object (spec §11)."""
    model = deployment.model
    return {
        "owner": deployment.owner,
        "name": deployment.name,
        "current_release": {
            "number": 1,
            "model": model.ref,
            "version": model.version,
            "created_at": model.created_at,
            "created_by": ACCOUNT,
            "configuration": {
                "hardware": "gpu-t4",
                "min_instances": 0,
                "max_instances": 1,
            },
        },
    }


def file_json(file: UploadedFile, origin: str) -> dict[str, Any]:
    """A file object (spec §9.2)."""
    return {
        "id": file.id,
        "name": file.name,
        "content_type": file.content_type,
        "size": file.size,
        "etag": file.md5,
        "checksums": {"sha256": file.sha256, "md5": file.md5},
        "metadata": dict(file.metadata),
        "created_at": rfc3339(file.created_at),
        "expires_at": rfc3339(file.created_at + FILE_LIFETIME),
        "urls": {"get": f"{origin}/v1/files/{file.id}"},
    }


def page_json(
    results: list[Any], base_url: str, next_cursor: str | None, previous: str | None
) -> dict[str, Any]:
    """A page: `next`/`previous` are absolute URLs (or null)."""
    return {
        "next": f"{base_url}?cursor={quote(next_cursor)}" if next_cursor else None,
        "previous": f"{base_url}?cursor={quote(previous)}" if previous else None,
        "results": results,
    }
