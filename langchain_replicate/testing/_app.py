"""The Starlette app: routes of the Replicate HTTP API v1 (spec §2).

Handlers are thin: they parse the request, call `ServerState` and render with
`_resources`. Errors are raised as `ProblemError` and rendered as problem+json.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from jsonschema import Draft202012Validator
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from langchain_replicate.testing import _errors, _resources
from langchain_replicate.testing._admin import admin_routes
from langchain_replicate.testing._guard import Guard
from langchain_replicate.testing._pagination import (
    InvalidCursorError,
    Page,
    paginate,
)
from langchain_replicate.testing._predictions import Prediction, cancel
from langchain_replicate.testing._reference import (
    ModelPace,
    ReferenceDeployment,
    ReferenceModel,
)
from langchain_replicate.testing._state import (
    DEFAULT_CREATE_RATE_LIMIT,
    DEFAULT_PAGE_SIZE,
    DEFAULT_RATE_LIMIT,
    DEFAULT_SYNC_DATA_URI_MAX_BYTES,
    ServerState,
)
from langchain_replicate.testing._validation import request_body_schema, validate
from langchain_replicate.testing._wire import (
    injected_failure,
    json_response,
    keepalive,
    prediction_events,
    problem_response,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Sequence

    from starlette.requests import Request

    from langchain_replicate.testing._files import UploadedFile

PREFER_WAIT = re.compile(r"^wait(=([1-9]|[1-9][0-9]|60))?$")
DEFAULT_WAIT = 60.0
KEEPALIVE_SECONDS = 15.0
MULTIPART_OVERHEAD = 65536
"""Bytes a multipart body may exceed the upload limit by (boundaries, headers)."""

T = TypeVar("T")

_BODY_WITH_VERSION = Draft202012Validator(request_body_schema(version=True))
_BODY_WITHOUT_VERSION = Draft202012Validator(request_body_schema(version=False))


def origin_of(request: Request) -> str:
    """`scheme://host[:port]` as the client addressed us."""
    return f"{request.url.scheme}://{request.url.netloc}"


def _prediction_json(
    state: ServerState, prediction: Prediction, origin: str
) -> dict[str, Any]:
    """A prediction's JSON, its stream and files on `state.files_origin`."""
    return _resources.prediction_json(
        prediction, origin, files_origin=state.files_origin(origin)
    )


def parse_prefer(header: str | None) -> float | None:
    """Seconds to wait from a `Prefer` header, or None for no sync wait.

    Raises:
        ProblemError: 400 if the header asks for a wait in an invalid form.
    """
    if header is None:
        return None
    for preference in (p.strip() for p in header.split(",")):
        if not preference.startswith("wait"):
            continue
        match = PREFER_WAIT.match(preference)
        if match is None:
            msg = f"Invalid Prefer header {preference!r}: use wait or wait=1..60"
            raise _errors.bad_request(msg)
        seconds = float(match.group(2)) if match.group(2) else DEFAULT_WAIT
        return min(seconds, DEFAULT_WAIT)
    return None


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.replicate
    return state


async def _json_body(request: Request) -> object:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except json.JSONDecodeError as e:
        msg = f"Request body is not valid JSON: {e.msg}"
        raise _errors.bad_request(msg) from e


def _prediction(state: ServerState, prediction_id: str) -> Prediction:
    prediction = state.predictions.get(prediction_id)
    if prediction is None:
        raise _errors.not_found()
    return prediction


# -- predictions ---------------------------------------------------------------------


async def _create(
    request: Request,
    *,
    model: ReferenceModel | None,
    official: bool,
    deployment: str | None,
) -> Response:
    state = _state(request)
    injected = state.faults.take_create_failure()
    if injected is not None:
        raise injected
    body = await _json_body(request)
    validator = _BODY_WITH_VERSION if model is None else _BODY_WITHOUT_VERSION
    fields = validate(validator, body, prefix="")
    if fields or not isinstance(body, dict):
        raise _errors.validation_failed(fields)
    if model is None:
        model = state.registry.resolve(body["version"])
        if model is None:
            raise _errors.invalid_version()
    wait = parse_prefer(request.headers.get("prefer"))
    values = state.validate_input(model, body["input"])
    origin = origin_of(request)
    files = state.files_origin(origin)
    prediction = state.create_prediction(
        model,
        values,
        official=official,
        deployment=deployment,
        output_url=lambda output: _resources.output_url(files, output),
    )
    if (lost := state.faults.take_lost_create()) is not None:
        return injected_failure(lost)
    if wait is None:
        rendered = _resources.prediction_json(
            prediction, origin, source=False, files_origin=files
        )
        return json_response(rendered, 201)
    finished = await prediction.wait(wait)
    rendered = _resources.prediction_json(
        prediction,
        origin,
        source=False,
        inline_max_bytes=state.sync_data_uri_max_bytes if finished else None,
        as_starting=not finished,
        files_origin=files,
    )
    applied = "wait" if wait == DEFAULT_WAIT else f"wait={int(wait)}"
    return json_response(rendered, 201, {"Preference-Applied": applied})


async def create_by_version(request: Request) -> Response:
    """`POST /v1/predictions` with a `version`."""
    return await _create(request, model=None, official=False, deployment=None)


async def create_by_model(request: Request) -> Response:
    """`POST /v1/models/{owner}/{name}/predictions` (official models only)."""
    ref = f"{request.path_params['owner']}/{request.path_params['name']}"
    model = _state(request).registry.latest(ref)
    if model is None or not model.official:
        raise _errors.not_found()
    return await _create(request, model=model, official=True, deployment=None)


async def create_by_deployment(request: Request) -> Response:
    """`POST /v1/deployments/{owner}/{name}/predictions`."""
    ref = f"{request.path_params['owner']}/{request.path_params['name']}"
    deployment = _state(request).registry.deployments.get(ref)
    if deployment is None:
        raise _errors.not_found()
    return await _create(
        request, model=deployment.model, official=False, deployment=ref
    )


async def get_prediction(request: Request) -> Response:
    """`GET /v1/predictions/{id}`."""
    state = _state(request)
    if (failed := state.faults.take_get_failure()) is not None:
        return injected_failure(failed)
    prediction = _prediction(state, request.path_params["id"])
    return json_response(_prediction_json(state, prediction, origin_of(request)))


async def list_predictions(request: Request) -> Response:
    """`GET /v1/predictions`: pages of 100, newest first (`created_after`/`_before`)."""
    state = _state(request)
    origin = origin_of(request)
    after = _instant(request, "created_after")
    before = _instant(request, "created_before")
    page = _page(
        [
            p
            for p in state.predictions.values()
            if (after is None or p.created_at > after)
            and (before is None or p.created_at < before)
        ],
        lambda p: p.seq,
        request.query_params.get("cursor"),
        state.page_size,
    )
    results = [_prediction_json(state, p, origin) for p in page.results]
    return json_response(
        _resources.page_json(
            results,
            f"{origin}/v1/predictions",
            page.next_cursor,
            page.previous_cursor,
        )
    )


def _instant(request: Request, name: str) -> float | None:
    """A query parameter holding an ISO 8601 date-time, as a timestamp."""
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        msg = f"{name} must be an ISO 8601 date-time, got {value!r}"
        raise _errors.bad_request(msg) from e
    return (
        moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    ).timestamp()


async def cancel_prediction(request: Request) -> Response:
    """`POST /v1/predictions/{id}/cancel`."""
    state = _state(request)
    prediction = _prediction(state, request.path_params["id"])
    cancel(prediction)
    return json_response(_prediction_json(state, prediction, origin_of(request)))


async def stream_prediction(request: Request) -> Response:
    """The SSE stream at `urls.stream`."""
    state = _state(request)
    prediction = _prediction(state, request.path_params["id"])
    return EventSourceResponse(
        prediction_events(
            prediction,
            cut_after=state.faults.cut_stream_after,
            stall_after=state.faults.stall_stream_after,
            last_event_id=request.headers.get("last-event-id"),
        ),
        ping=KEEPALIVE_SECONDS,
        ping_message_factory=keepalive,
        sep="\n",
    )


async def web_page(request: Request) -> Response:
    """`urls.web`: a plain-text pointer to the prediction's API URL."""
    prediction = _prediction(_state(request), request.path_params["id"])
    origin = origin_of(request)
    return PlainTextResponse(
        f"Prediction {prediction.id} ({prediction.status}): "
        f"{origin}/v1/predictions/{prediction.id}\n"
    )


# -- models, versions, deployments -------------------------------------------------


def _latest(request: Request) -> ReferenceModel:
    ref = f"{request.path_params['owner']}/{request.path_params['name']}"
    model = _state(request).registry.latest(ref)
    if model is None:
        raise _errors.not_found()
    return model


async def get_model(request: Request) -> Response:
    """`GET /v1/models/{owner}/{name}`."""
    return json_response(_resources.model_json(_latest(request)))


async def list_models(request: Request) -> Response:
    """`GET /v1/models`."""
    state = _state(request)
    refs = list(state.registry.by_ref)
    latest = [state.registry.by_ref[ref][-1] for ref in refs]
    rank = {m.ref: len(refs) - i for i, m in enumerate(latest)}
    page = _page(
        latest,
        lambda m: rank[m.ref],
        request.query_params.get("cursor"),
        state.page_size,
    )
    origin = origin_of(request)
    return json_response(
        _resources.page_json(
            [_resources.model_json(m) for m in page.results],
            f"{origin}/v1/models",
            page.next_cursor,
            page.previous_cursor,
        )
    )


async def list_versions(request: Request) -> Response:
    """`GET /v1/models/{owner}/{name}/versions`: newest first, one page."""
    model = _latest(request)
    versions = _state(request).registry.by_ref[model.ref]
    return json_response(
        {
            "next": None,
            "previous": None,
            "results": [_resources.version_json(v) for v in reversed(versions)],
        }
    )


async def get_version(request: Request) -> Response:
    """`GET /v1/models/{owner}/{name}/versions/{version}`."""
    model = _latest(request)
    version = _state(request).registry.version(
        model.ref, request.path_params["version"]
    )
    if version is None:
        msg = "Not found."
        raise _errors.not_found(msg)
    return json_response(_resources.version_json(version))


def _deployment(request: Request) -> ReferenceDeployment:
    ref = f"{request.path_params['owner']}/{request.path_params['name']}"
    deployment = _state(request).registry.deployments.get(ref)
    if deployment is None:
        raise _errors.not_found()
    return deployment


async def get_deployment(request: Request) -> Response:
    """`GET /v1/deployments/{owner}/{name}`."""
    return json_response(_resources.deployment_json(_deployment(request)))


async def list_deployments(request: Request) -> Response:
    """`GET /v1/deployments`."""
    deployments = _state(request).registry.deployments.values()
    return json_response(
        {
            "next": None,
            "previous": None,
            "results": [_resources.deployment_json(d) for d in deployments],
        }
    )


# -- files ---------------------------------------------------------------------------


async def create_file(request: Request) -> Response:
    """`POST /v1/files` (multipart: `content`, optional `metadata`)."""
    state = _state(request)
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
    upload = _state(request).files.get_upload(request.path_params["id"])
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
    state = _state(request)
    origin = origin_of(request)
    page = _page(
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
    if not _state(request).files.delete_upload(request.path_params["id"]):
        raise _errors.file_not_found()
    return Response(status_code=204, media_type="text/plain")


async def delivery(request: Request) -> Response:
    """The bytes of an output file, streamed (no auth, like replicate.delivery)."""
    output = _state(request).files.get_output(
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


# -- account, hardware ---------------------------------------------------------------


async def account(request: Request) -> Response:  # noqa: ARG001 - Starlette signature
    """`GET /v1/account`."""
    return json_response(_resources.ACCOUNT)


async def hardware(request: Request) -> Response:  # noqa: ARG001 - Starlette signature
    """`GET /v1/hardware`: a bare array."""
    return json_response(_resources.HARDWARE)


# -- plumbing ------------------------------------------------------------------------


def _page(
    items: Sequence[T], key: Callable[[T], int], cursor: str | None, size: int
) -> Page[T]:
    try:
        return paginate(items, key, cursor, size)
    except InvalidCursorError as e:
        msg = "Invalid cursor"
        raise _errors.not_found(msg) from e


async def _on_problem(request: Request, exc: Exception) -> Response:  # noqa: ARG001 - handler signature
    assert isinstance(exc, _errors.ProblemError)  # noqa: S101 - registered for this type only
    return problem_response(exc)


async def _on_http(request: Request, exc: Exception) -> Response:  # noqa: ARG001 - handler signature
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for this type only
    if exc.status_code == 404:  # noqa: PLR2004 - HTTP status
        return problem_response(_errors.not_found())
    return problem_response(_errors.ProblemError(exc.status_code, str(exc.detail)))


ROUTES = [
    Route("/v1/predictions", create_by_version, methods=["POST"]),
    Route("/v1/predictions", list_predictions, methods=["GET"]),
    Route("/v1/predictions/{id}", get_prediction, methods=["GET"]),
    Route("/v1/predictions/{id}/cancel", cancel_prediction, methods=["POST"]),
    Route("/v1/streams/{id}", stream_prediction, methods=["GET"]),
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{owner}/{name}", get_model, methods=["GET"]),
    Route("/v1/models/{owner}/{name}/predictions", create_by_model, methods=["POST"]),
    Route("/v1/models/{owner}/{name}/versions", list_versions, methods=["GET"]),
    Route("/v1/models/{owner}/{name}/versions/{version}", get_version, methods=["GET"]),
    Route("/v1/deployments", list_deployments, methods=["GET"]),
    Route("/v1/deployments/{owner}/{name}", get_deployment, methods=["GET"]),
    Route(
        "/v1/deployments/{owner}/{name}/predictions",
        create_by_deployment,
        methods=["POST"],
    ),
    Route("/v1/files", create_file, methods=["POST"]),
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{id}", get_file, methods=["GET"]),
    Route("/v1/files/{id}", delete_file, methods=["DELETE"]),
    Route("/v1/files/{id}/download", download_file, methods=["GET"]),
    Route("/v1/account", account, methods=["GET"]),
    Route("/v1/hardware", hardware, methods=["GET"]),
    Route("/delivery/{prediction_id}/{filename}", delivery, methods=["GET"]),
    Route("/p/{id}", web_page, methods=["GET"]),
]


def build_app(state: ServerState) -> Starlette:
    """The ASGI app serving `state`."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:  # noqa: ARG001 - Starlette signature
        state.loop = asyncio.get_running_loop()
        yield
        state.shutdown()
        state.loop = None

    app = Starlette(
        routes=[*ROUTES, *admin_routes()],
        exception_handlers={
            _errors.ProblemError: _on_problem,
            HTTPException: _on_http,
        },
        lifespan=lifespan,
    )
    app.state.replicate = state
    app.add_middleware(Guard, state=state)
    return app


def default_models() -> tuple[
    tuple[ReferenceModel, ...], tuple[ReferenceDeployment, ...]
]:
    """The built-in reference models and deployments."""
    from langchain_replicate.testing.catalogue import (  # noqa: PLC0415 - heavy (Pillow), loaded on demand
        REFERENCE_DEPLOYMENTS,
        REFERENCE_MODELS,
    )

    return REFERENCE_MODELS, REFERENCE_DEPLOYMENTS


def create_app(
    *,
    api_token: str | None = None,
    pace: ModelPace | None = None,
    models: Sequence[ReferenceModel] | None = None,
    deployments: Sequence[ReferenceDeployment] | None = None,
    create_rate_limit: str = DEFAULT_CREATE_RATE_LIMIT,
    rate_limit: str = DEFAULT_RATE_LIMIT,
    sync_data_uri_max_bytes: int = DEFAULT_SYNC_DATA_URI_MAX_BYTES,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Starlette:
    """Create the ASGI app of a local Replicate server.

    Args:
        api_token: The token clients must send (random `r8_...` when None; read it
            back from `app.state.replicate.api_token`).
        pace: How fast the models work (default `ModelPace()`).
        models: The models to serve (default: the built-in reference models).
        deployments: The deployments (default: the built-in ones when `models` is
            also defaulted, else none).
        create_rate_limit: Limit on prediction creates per token, e.g. `600/minute`.
        rate_limit: Limit on every other API request per token.
        sync_data_uri_max_bytes: In sync mode (`Prefer: wait`), output files up to
            this size come back as `data:` URIs; larger ones as URLs.
        page_size: Results per page of the list endpoints.
    """
    return build_app(
        make_state(
            api_token=api_token,
            pace=pace,
            models=models,
            deployments=deployments,
            create_rate_limit=create_rate_limit,
            rate_limit=rate_limit,
            sync_data_uri_max_bytes=sync_data_uri_max_bytes,
            page_size=page_size,
        )
    )


def make_state(
    *,
    api_token: str | None,
    pace: ModelPace | None,
    models: Sequence[ReferenceModel] | None,
    deployments: Sequence[ReferenceDeployment] | None,
    create_rate_limit: str,
    rate_limit: str,
    sync_data_uri_max_bytes: int,
    page_size: int,
) -> ServerState:
    """A `ServerState` from `create_app`'s arguments (defaults resolved)."""
    if models is None:
        models, builtin_deployments = default_models()
        if deployments is None:
            deployments = builtin_deployments
    state = ServerState(
        pace=pace or ModelPace(),
        models=tuple(models),
        deployments=tuple(deployments or ()),
        create_rate_limit=create_rate_limit,
        rate_limit=rate_limit,
        sync_data_uri_max_bytes=sync_data_uri_max_bytes,
        page_size=page_size,
    )
    if api_token is not None:
        state.api_token = api_token
    return state
