"""The prediction stream (spec §5): `: hi`, then every event with an `id:`, then `done`.

A client that connects late gets the full replay, then the live events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sse_starlette import ServerSentEvent

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from langchain_replicate.testing._predictions import Prediction

SEPARATOR = "\n"


def encode_event(kind: str, data: str, event_id: str) -> bytes:
    r"""One event on the wire; data with newlines becomes several `data:` lines.

    >>> encode_event("output", "\n\n", "1:0")
    b'id: 1:0\nevent: output\ndata: \ndata: \ndata: \n\n'
    """
    return ServerSentEvent(data, event=kind, id=event_id, sep=SEPARATOR).encode()


def hello() -> bytes:
    """The opening comment nchan sends."""
    return ServerSentEvent(comment="hi", sep=SEPARATOR).encode()


def keepalive() -> ServerSentEvent:
    """The keep-alive sent on idle streams: a comment, which clients ignore."""
    return ServerSentEvent(comment="keep-alive", sep=SEPARATOR)


async def prediction_events(
    prediction: Prediction, *, cut_after: int | None = None
) -> AsyncIterator[bytes]:
    """Yield the stream's bytes until `done` (or until `cut_after` events)."""
    yield hello()
    stamp = int(prediction.created_at)
    sent = 0
    while True:
        changed = prediction.changed()
        while sent < len(prediction.events):
            if cut_after is not None and sent >= cut_after:
                return
            kind, data = prediction.events[sent]
            yield encode_event(kind, data, f"{stamp}:{sent}")
            sent += 1
            if kind == "done":
                return
        await changed.wait()
