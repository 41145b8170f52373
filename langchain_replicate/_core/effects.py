"""Effects: what a flow asks its driver to do, and the `Flow` that carries them.

A flow (`_core/flows.py`) is a generator of effects. This module names every effect
(see the table below), the settings a flow runs under (`Policy`), the
prediction it creates (`Target`), and `Flow`: the running flow as a driver
sees it (iterate it for effects, answer each, run `final_effects()` when
leaving). Pure: nothing here does I/O.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from langchain_replicate._core.protocol import Deadline
from langchain_replicate._core.streaming import StreamPiece

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator
    from types import TracebackType

    from langchain_replicate._core.streaming import SSEEvent, StreamState
    from langchain_replicate._inputs.model_ref import ModelRef
    from langchain_replicate._inputs.uploads import ImageUpload, LocalFile

T = TypeVar("T")

# -- effects: what a flow asks its driver to do ---------------------------------------
#
# effect                        the driver                          sends back
# Emit(value)                   yields `value` to the caller        -
# SendCreate(request, ref)      sends a prediction create of `ref`  the httpx.Response
# Get(prediction_id, deadline)  fetches a prediction                its JSON
# GetJSON(path, action)         GETs an API path (schemas)          its JSON
# QueryJSON(path, body, action) sends a QUERY, plain-text body      its JSON
# Sleep(seconds)                waits                               -
# Cancel(prediction_id)         cancels (best effort)               its JSON, or None
# Schema(ref)                   looks the input schema up (cached)  it, or None
# Upload(image)                 uploads to the files API (bytes or  the file's URL
#                                 a local file)
# OpenEvents(url, deadline,     opens the SSE stream (Flow.events), -
#   last_event_id)                resuming after that event if given
# ReadEvents(state, emit)       reads events into `state` until it  -
#                                 stops reading, yielding the pieces
#                                 (`take`) to the caller
# CloseEvents()                 closes the stream (also on exit)    -
#
# An effect that fails is thrown into the flow, which may catch it (a create's
# 429, a broken stream) or let it end the call.


class Emit(NamedTuple):
    value: Any


class SendCreate(NamedTuple):
    request: dict[str, Any]
    ref: ModelRef


class Get(NamedTuple):
    prediction_id: str
    deadline: Deadline


class GetJSON(NamedTuple):
    path: str
    action: str


class QueryJSON(NamedTuple):
    path: str
    body: str
    action: str


class Sleep(NamedTuple):
    seconds: float


class Cancel(NamedTuple):
    prediction_id: str


class Schema(NamedTuple):
    ref: ModelRef


class Upload(NamedTuple):
    image: ImageUpload | LocalFile


class OpenEvents(NamedTuple):
    url: str
    deadline: Deadline
    last_event_id: str | None = None


class ReadEvents(NamedTuple):
    """Read the open stream's events until it ends or `state` stops reading.

    The driver loops over the events itself and yields each piece `take`
    gives: one effect per connection, not a round trip through the flow's
    generators per streamed token.
    """

    state: StreamState
    emit: bool
    """Whether text is emitted (else only taken into `state`)."""

    def take(self, event: SSEEvent) -> StreamPiece | None:
        """One event into the state; the piece to yield, if any."""
        text = self.state.on_event(event)
        return StreamPiece(text) if text and self.emit else None


class CloseEvents(NamedTuple):
    """No fields."""


Effect = (
    Emit
    | SendCreate
    | Get
    | GetJSON
    | QueryJSON
    | Sleep
    | Cancel
    | Schema
    | Upload
    | OpenEvents
    | ReadEvents
    | CloseEvents
)


class Target(NamedTuple):
    """The prediction a flow creates: which model, with which input."""

    ref: ModelRef
    model_input: dict[str, Any]


@dataclass(frozen=True)
class Policy:
    """A `ReplicateAPI`'s settings that shape its flows."""

    max_retries: int
    wait: int
    """Seconds of `Prefer: wait` on a non-streaming create (`0`: none)."""
    timeout: float | None
    """Seconds a whole prediction may take (`None`: no limit)."""
    clock: Callable[[], float] = time.monotonic
    """The deadline's clock (tests pass a fake one)."""
    wall: Callable[[], float] = time.time
    """The wall clock: when a create was sent, to find it if its answer is lost."""

    def deadline(self) -> Deadline:
        """A fresh deadline for one prediction."""
        return Deadline.after(self.timeout, self.clock)


class Flow(Generic[T]):
    """One running flow: its steps, the prediction to cancel if it is left early.

    A driver iterates the flow for its effects, executes each one
    `with flow.answering(): flow.reply = ...` (or catches an `Exception` itself
    and calls `flow.fail(error)`: the error is thrown into the flow at its next
    step), and when it leaves (in any way) executes `flow.final_effects()`.
    """

    def __init__(self) -> None:
        """Empty; see `start`."""
        self.unfinished: str | None = None
        """The id of a created prediction that has not ended yet."""
        self.events: Any = None
        """The open SSE event iterator (sync or async), owned by the driver."""
        self.in_flight: Any = None
        """The last create sent (`_core.abandonment.InFlight`), owned by the driver."""
        self.reply: Any = None
        """The result of the effect just executed."""
        self._error: Exception | None = None
        self._steps: Generator[Effect, Any, None] | None = None

    @classmethod
    def start(
        cls,
        steps: Callable[..., Generator[Effect, Any, None]],
        /,
        *args: Any,  # noqa: ANN401 - the flow's own arguments
        **kwargs: Any,  # noqa: ANN401
    ) -> Flow[T]:
        """A flow running `steps(flow, *args, **kwargs)`."""
        flow: Flow[T] = cls()
        flow._steps = steps(flow, *args, **kwargs)
        return flow

    def __iter__(self) -> Iterator[Effect]:
        """The effects, each resumed with the last one's `reply` (or error).

        `step`, inlined: this runs twice per streamed token.
        """
        assert self._steps is not None  # noqa: S101 - set by start
        send, throw = self._steps.send, self._steps.throw
        while True:
            reply, error, self.reply, self._error = self.reply, self._error, None, None
            try:
                yield throw(error) if error is not None else send(reply)
            except StopIteration:
                return

    def step(self, reply: object, error: Exception | None) -> Effect | None:
        """Resume with the last result (or error); the next effect (`None`: done)."""
        assert self._steps is not None  # noqa: S101 - set by start
        try:
            if error is not None:
                return self._steps.throw(error)
            return self._steps.send(reply)
        except StopIteration:
            return None

    def fail(self, error: Exception) -> None:
        """An effect failed: throw `error` into the flow at its next step.

        What `with flow.answering():` does for an `Exception`, for a driver that
        catches it itself (anything else, e.g. cancellation, is not the flow's).
        """
        self._error = error

    def answering(self) -> Flow[T]:
        """Keep an effect's error to throw into the flow (not into the driver).

        A context manager (the flow itself: cheaper than a generator-based one,
        and entered once per effect, i.e. per streamed token).
        """
        return self

    def __enter__(self) -> None:
        """See `answering`."""

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        """Keep an `Exception` for the flow; let anything else (cancellation) out."""
        if isinstance(error, Exception):
            self._error = error
            return True
        return False

    def final_effects(self) -> list[Effect]:
        """Stop the steps; what leaving needs: close the stream, cancel `unfinished`."""
        if self._steps is not None:
            self._steps.close()
        cancel = [Cancel(self.unfinished)] if self.unfinished is not None else []
        return [CloseEvents(), *cancel]
