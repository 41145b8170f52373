"""The admin endpoint, under `/_admin/` (a path the real API does not use).

* `GET /_admin/config` — pace, faults, rate limits, sync data-URI limit.
* `POST /_admin/pace` — body: any `ModelPace` fields.
* `POST /_admin/faults` — body: `fail_creates`, `status`, `body`, `cut_stream_after`,
  `delay`, `foreign_origin`, `retry_after`, `fail_gets`, `get_status`, `lose_creates`,
  `lost_status`, `stall_stream_after`, `odd_separators`, `no_beta_search` (see
  `Faults`; replaces the current faults).
* `POST /_admin/config` — body: `create_rate_limit`, `rate_limit`,
  `sync_data_uri_max_bytes`.
* `GET /_admin/requests` — `[[method, path], ...]`; `DELETE` clears it.
* `POST /_admin/reset` — clears faults, the request log and rate-limit counters.

All need the same token as the API.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import Route

from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._engine.state import Faults, ServerState
from langchain_replicate.testing._engine.wire import json_response

if TYPE_CHECKING:
    from starlette.requests import Request


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.replicate
    return state


async def _object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError as e:
        msg = "Body must be a JSON object"
        raise _errors.bad_request(msg) from e
    if not isinstance(body, dict):
        msg = "Body must be a JSON object"
        raise _errors.bad_request(msg)
    return body


def config_json(state: ServerState) -> dict[str, Any]:
    """The current configuration."""
    return {
        "pace": dataclasses.asdict(state.pace),
        "faults": state.faults.as_dict(),
        "create_rate_limit": state.create_rate_limit,
        "rate_limit": state.rate_limit,
        "sync_data_uri_max_bytes": state.sync_data_uri_max_bytes,
    }


def faults_from(body: dict[str, Any]) -> Faults:
    """`Faults` from a JSON object.

    Raises:
        ProblemError: 400 on unknown or ill-typed members.
    """
    try:
        return Faults(**body)
    except TypeError as e:
        raise _errors.bad_request(str(e)) from e


async def get_config(request: Request) -> Response:
    """`GET /_admin/config`."""
    return json_response(config_json(_state(request)))


async def set_config(request: Request) -> Response:
    """`POST /_admin/config`."""
    state = _state(request)
    body = await _object(request)
    unknown = set(body) - {"create_rate_limit", "rate_limit", "sync_data_uri_max_bytes"}
    if unknown:
        msg = f"Unknown settings: {sorted(unknown)}"
        raise _errors.bad_request(msg)
    state.configure(
        create_rate_limit=body.get("create_rate_limit"),
        rate_limit=body.get("rate_limit"),
        sync_data_uri_max_bytes=body.get("sync_data_uri_max_bytes"),
    )
    return json_response(config_json(state))


async def set_pace(request: Request) -> Response:
    """`POST /_admin/pace`."""
    state = _state(request)
    try:
        state.pace = dataclasses.replace(state.pace, **await _object(request))
    except TypeError as e:
        raise _errors.bad_request(str(e)) from e
    return json_response(config_json(state))


async def set_faults(request: Request) -> Response:
    """`POST /_admin/faults`."""
    state = _state(request)
    state.faults = faults_from(await _object(request))
    return json_response(config_json(state))


async def get_requests(request: Request) -> Response:
    """`GET /_admin/requests`."""
    return json_response([list(entry) for entry in _state(request).request_log])


async def clear_requests(request: Request) -> Response:
    """`DELETE /_admin/requests`."""
    _state(request).request_log.clear()
    return Response(status_code=204)


async def reset(request: Request) -> Response:
    """`POST /_admin/reset`."""
    state = _state(request)
    state.reset()
    return json_response(config_json(state))


def admin_routes() -> list[Route]:
    """The admin routes."""
    return [
        Route("/_admin/config", get_config, methods=["GET"]),
        Route("/_admin/config", set_config, methods=["POST"]),
        Route("/_admin/pace", set_pace, methods=["POST"]),
        Route("/_admin/faults", set_faults, methods=["POST"]),
        Route("/_admin/requests", get_requests, methods=["GET"]),
        Route("/_admin/requests", clear_requests, methods=["DELETE"]),
        Route("/_admin/reset", reset, methods=["POST"]),
    ]
