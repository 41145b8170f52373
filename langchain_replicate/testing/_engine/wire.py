"""What the server puts on the wire: ids, timestamps, outputs, JSON, SSE.

Pure helpers for ids, timestamps and output values; the JSON and problem+json
responses shared by the routes and the middleware; and the prediction stream
(spec §5): `: hi`, then every event with an `id:`, then `done`. A client that
connects late gets the full replay, then the live events.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sse_starlette import ServerSentEvent
from starlette.responses import JSONResponse, Response

from langchain_replicate.testing._engine.errors import PROBLEM_JSON, ProblemError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from starlette.types import Receive, Scope, Send


CROCKFORD_BASE32 = "0123456789abcdefghjkmnpqrstvwxyz"
"""Lowercase Crockford base32, the alphabet of 2024 prediction ids."""


def new_prediction_id() -> str:
    """26 lowercase Crockford-base32 characters, e.g. `jp9nrd1g2hrj20cjb2vrb55mkr`."""
    return "".join(secrets.choice(CROCKFORD_BASE32) for _ in range(26))


def new_file_id() -> str:
    """Base64 of a UUID, as the 2024 Files API made them."""
    return base64.b64encode(str(uuid.uuid4()).encode()).decode()


def new_api_token() -> str:
    """A random `r8_` token, 40 characters in all."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "r8_" + "".join(secrets.choice(alphabet) for _ in range(37))


def official_version_label(version: str) -> str:
    """The `dp-<32 hex>` version that predictions on official models report."""
    return "dp-" + hashlib.md5(version.encode(), usedforsecurity=False).hexdigest()


def rfc3339(timestamp: float) -> str:
    """RFC 3339 UTC with `Z`, milliseconds with trailing zeros trimmed (Go style)."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = f"{moment.microsecond // 1000:03d}".rstrip("0")
    return f"{text}.{millis}Z" if millis else f"{text}Z"


def output_is_list(output_schema: Mapping[str, Any]) -> bool:
    """Whether the model's `Output` schema makes a list (array or iterator)."""
    return output_schema.get("type") == "array"


def shape_output(
    items: Sequence[str], output_schema: Mapping[str, Any], *, finished: bool
) -> str | list[str] | None:
    """The prediction's `output` value from the items produced so far.

    Args:
        items: Text tokens or file URLs, in order.
        output_schema: The model's `Output` schema.
        finished: Whether the prediction has ended (an array is then `[]`, not null).
    """
    if output_is_list(output_schema):
        return list(items) if items or finished else None
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return "".join(items)


def data_uri(content_type: str, content: bytes) -> str:
    """A base64 `data:` URI."""
    return f"data:{content_type};base64,{base64.b64encode(content).decode()}"


# --- responses ---------------------------------------------------------------------


def problem_response(error: ProblemError) -> JSONResponse:
    """The problem+json response for `error`."""
    return JSONResponse(
        error.body(),
        status_code=error.status,
        headers=error.headers,
        media_type=PROBLEM_JSON,
    )


class DroppedResponse(Response):
    """An answer lost on the way: the connection closes mid-body.

    The client sees its connection broken (`httpx.RemoteProtocolError`)
    without a usable status: what a reset or a proxy cutting a long request
    looks like.
    """

    def __init__(self) -> None:
        """No content (none is sent)."""
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Start a response, send one byte of it, and leave."""
        del scope, receive
        await _dropped(send)


def injected_failure(status: int) -> Response:
    """An injected failure: `status` 0 drops the connection, else a problem."""
    if status == 0:
        return DroppedResponse()
    return problem_response(ProblemError(status, "Injected failure"))


async def _dropped(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"64"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    # Returning with the body unfinished makes uvicorn close the connection.


ODD_SEPARATORS = ("\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")
"""Characters `str.splitlines` splits at but SSE does not (only CR, LF do)."""


def with_odd_separator(token: str, index: int) -> str:
    """`token` with one of `ODD_SEPARATORS` inside it (after its first character)."""
    separator = ODD_SEPARATORS[index % len(ODD_SEPARATORS)]
    return token[:1] + separator + token[1:]


def json_response(
    body: object, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSON response."""
    return JSONResponse(body, status_code=status_code, headers=headers)


# --- server-sent events ------------------------------------------------------------

SEPARATOR = "\n"


def encode_event(kind: str, data: str, event_id: str) -> bytes:
    r"""One event on the wire; data with newlines becomes several `data:` lines.

    >>> encode_event("output", "\n\n", "1:0")
    b'id: 1:0\nevent: output\ndata: \ndata: \ndata: \n\n'
    """
    return ServerSentEvent(data, event=kind, id=event_id, sep=SEPARATOR).encode()


def resume_after(last_event_id: str | None, stamp: int) -> int:
    """The index of the first event to send after `Last-Event-ID` (0: all)."""
    prefix, _, index = (last_event_id or "").partition(":")
    if prefix != str(stamp) or not index.isdigit():
        return 0
    return int(index) + 1


def hello() -> bytes:
    """The opening comment nchan sends."""
    return ServerSentEvent(comment="hi", sep=SEPARATOR).encode()


def keepalive() -> ServerSentEvent:
    """The keep-alive sent on idle streams: a comment, which clients ignore."""
    return ServerSentEvent(comment="keep-alive", sep=SEPARATOR)
