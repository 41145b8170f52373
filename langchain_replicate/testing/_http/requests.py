"""What route handlers read from a request: state, origin, JSON body, pages."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TypeVar

from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._http.pagination import (
    InvalidCursorError,
    Page,
    paginate,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from starlette.requests import Request

    from langchain_replicate.testing._engine.predictions import Prediction
    from langchain_replicate.testing._engine.state import ServerState


T = TypeVar("T")


def origin_of(request: Request) -> str:
    """`scheme://host[:port]` as the client addressed us."""
    return f"{request.url.scheme}://{request.url.netloc}"


def state_of(request: Request) -> ServerState:
    """The `ServerState` the app serves."""
    state: ServerState = request.app.state.replicate
    return state


async def json_body(request: Request) -> object:
    """The body as JSON (`null` when empty); 400 when it is not JSON."""
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except json.JSONDecodeError as e:
        msg = f"Request body is not valid JSON: {e.msg}"
        raise _errors.bad_request(msg) from e


def find_prediction(state: ServerState, prediction_id: str) -> Prediction:
    """The prediction with this id; 404 when there is none."""
    prediction = state.predictions.get(prediction_id)
    if prediction is None:
        raise _errors.not_found()
    return prediction


def page_of(
    items: Sequence[T], key: Callable[[T], int], cursor: str | None, size: int
) -> Page[T]:
    """One page of `items` (newest first by `key`); 404 for a bad cursor."""
    try:
        return paginate(items, key, cursor, size)
    except InvalidCursorError as e:
        msg = "Invalid cursor"
        raise _errors.not_found(msg) from e
