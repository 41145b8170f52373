"""Routes for predictions: create, get, list, cancel, the SSE stream, the web page.

Handlers are thin: they parse the request, call `ServerState` and render with
`_engine.resources`; injected faults are taken here, where the real API would fail.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from sse_starlette import EventSourceResponse
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._engine import resources as _resources
from langchain_replicate.testing._engine.predictions import (
    Prediction,
    cancel,
    expire,
    prediction_events,
)
from langchain_replicate.testing._engine.validation import request_body_schema, validate
from langchain_replicate.testing._engine.wire import (
    injected_failure,
    json_response,
    keepalive,
)
from langchain_replicate.testing._http.requests import (
    find_prediction,
    json_body,
    origin_of,
    page_of,
    state_of,
)

if TYPE_CHECKING:
    from starlette.requests import Request

    from langchain_replicate.testing._engine.state import ServerState
    from langchain_replicate.testing._models.reference import ReferenceModel


PREFER_WAIT = re.compile(r"^wait(=([1-9]|[1-9][0-9]|60))?$")
DEFAULT_WAIT = 60.0
CANCEL_AFTER = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
CANCEL_AFTER_MIN = 5.0
CANCEL_AFTER_MAX = 24 * 3600.0
KEEPALIVE_SECONDS = 15.0


_BODY_WITH_VERSION = Draft202012Validator(request_body_schema(version=True))
_BODY_WITHOUT_VERSION = Draft202012Validator(request_body_schema(version=False))


def _prediction_json(
    state: ServerState, prediction: Prediction, origin: str
) -> dict[str, Any]:
    """A prediction's JSON, its stream and files on `state.files_origin`."""
    return _resources.prediction_json(
        prediction, origin, files_origin=state.files_origin(origin)
    )


def parse_cancel_after(header: str | None) -> float | None:
    """Seconds from a `Cancel-After` header (`30`, `30s`, `5m`, `1h30m45s`), or None.

    Raises:
        ProblemError: 400 if the value is malformed or outside 5 s to 24 h.
    """
    if header is None:
        return None
    value = header.strip()
    match = CANCEL_AFTER.fullmatch(value)
    if value.isdigit():
        seconds = float(value)
    elif match is not None and any(match.groups()):
        hours, minutes, secs = (float(part or 0) for part in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    else:
        msg = f"Invalid Cancel-After header {header!r}: use seconds or e.g. 5m, 1h30m"
        raise _errors.bad_request(msg)
    if not CANCEL_AFTER_MIN <= seconds <= CANCEL_AFTER_MAX:
        msg = f"Cancel-After must be between 5s and 24h, got {header!r}"
        raise _errors.bad_request(msg)
    return seconds


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


# -- predictions ---------------------------------------------------------------------


async def _create(
    request: Request,
    *,
    model: ReferenceModel | None,
    official: bool,
    deployment: str | None,
) -> Response:
    state = state_of(request)
    injected = state.faults.take_create_failure()
    if injected is not None:
        raise injected
    body = await json_body(request)
    validator = _BODY_WITH_VERSION if model is None else _BODY_WITHOUT_VERSION
    fields = validate(validator, body, prefix="")
    if fields or not isinstance(body, dict):
        raise _errors.validation_failed(fields)
    if model is None:
        model = state.registry.resolve(body["version"])
        if model is None:
            raise _errors.invalid_version()
    wait = parse_prefer(request.headers.get("prefer"))
    cancel_after = parse_cancel_after(request.headers.get("cancel-after"))
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
    if cancel_after is not None:
        prediction.deadline = prediction.created_at + cancel_after
        asyncio.get_running_loop().call_later(cancel_after, expire, prediction)
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
    model = state_of(request).registry.latest(ref)
    if model is None or not model.official:
        raise _errors.not_found()
    return await _create(request, model=model, official=True, deployment=None)


async def create_by_deployment(request: Request) -> Response:
    """`POST /v1/deployments/{owner}/{name}/predictions`."""
    ref = f"{request.path_params['owner']}/{request.path_params['name']}"
    deployment = state_of(request).registry.deployments.get(ref)
    if deployment is None:
        raise _errors.not_found()
    return await _create(
        request, model=deployment.model, official=False, deployment=ref
    )


async def get_prediction(request: Request) -> Response:
    """`GET /v1/predictions/{id}`."""
    state = state_of(request)
    if (failed := state.faults.take_get_failure()) is not None:
        return injected_failure(failed)
    prediction = find_prediction(state, request.path_params["id"])
    return json_response(_prediction_json(state, prediction, origin_of(request)))


async def list_predictions(request: Request) -> Response:
    """`GET /v1/predictions`: pages of 100, newest first (`created_after`/`_before`)."""
    state = state_of(request)
    origin = origin_of(request)
    after = _instant(request, "created_after")
    before = _instant(request, "created_before")
    page = page_of(
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
    state = state_of(request)
    prediction = find_prediction(state, request.path_params["id"])
    cancel(prediction)
    return json_response(_prediction_json(state, prediction, origin_of(request)))


async def stream_prediction(request: Request) -> Response:
    """The SSE stream at `urls.stream`."""
    state = state_of(request)
    prediction = find_prediction(state, request.path_params["id"])
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
    prediction = find_prediction(state_of(request), request.path_params["id"])
    origin = origin_of(request)
    return PlainTextResponse(
        f"Prediction {prediction.id} ({prediction.status}): "
        f"{origin}/v1/predictions/{prediction.id}\n"
    )


PREDICTION_ROUTES = [
    Route("/v1/predictions", create_by_version, methods=["POST"]),
    Route("/v1/predictions", list_predictions, methods=["GET"]),
    Route("/v1/predictions/{id}", get_prediction, methods=["GET"]),
    Route("/v1/predictions/{id}/cancel", cancel_prediction, methods=["POST"]),
    Route("/v1/streams/{id}", stream_prediction, methods=["GET"]),
    Route("/v1/models/{owner}/{name}/predictions", create_by_model, methods=["POST"]),
    Route(
        "/v1/deployments/{owner}/{name}/predictions",
        create_by_deployment,
        methods=["POST"],
    ),
    Route("/p/{id}", web_page, methods=["GET"]),
]
