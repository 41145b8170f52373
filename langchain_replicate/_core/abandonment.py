"""Abandoned calls: what is known of their predictions, and which ones to cancel (pure).

A call can be abandoned at any step (Ctrl-C, asyncio cancellation, the event
loop closing, an exception in a callback, a batch given up). Once the create
has answered, the flow knows the prediction's id (`Flow.unfinished`) and the
driver cancels it. This module covers the harder moment: a create still in
flight (a `Prefer: wait` create is answered only when the prediction ends, up
to a minute later), whose id nobody knows yet.

* `InFlight`: one create request sent and not answered yet; the driver marks
  it `answered` (its id held before any lookup: `Creates.hold_answered`) or
  `abandoned`.
* `creates`: every create in flight in this process. Which listed predictions
  an abandoned create made is `_core.lookup.cancelable`; while another live create
  sent the same request (a twin), the lookup waits for the answers instead of
  guessing (`Creates.twin`).
* `AbandonScope`: the flows of one batch (a context variable, so the batch's
  worker threads register in it); when the batch is given up, every flow in
  it is abandoned at once and no new create is sent.

The I/O (the list lookup, the cancels, on a thread that outlives an event loop)
is `_core.create_io.CreateIO.settle`.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_replicate._core.lookup import held
from langchain_replicate._core.protocol import is_terminal

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from langchain_replicate._inputs.model_ref import ModelRef

SETTLE_PAUSES = (0.0, 0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0)
"""Pauses between list lookups for an abandoned create (about 3.5 s in all)."""


@dataclass(eq=False)
class InFlight:
    """One create request: sent, then answered or abandoned."""

    request: Mapping[str, Any]
    """The `httpx` request arguments (`url`, `json`, ...)."""
    ref: ModelRef
    """What it creates a prediction of."""
    sent_at: float = field(default_factory=time.time)
    """When it was sent (wall clock, to compare with `created_at`)."""
    response: Any = None
    """The create's answer (an `httpx.Response`), once it came."""
    abandoned: bool = False
    withdrawn: bool = False
    """Never sent (its batch was given up first)."""
    done: threading.Event = field(default_factory=threading.Event)
    """Set when the create answered, or failed without an answer."""
    _parsed: dict[str, Any] | None = field(default=None, repr=False)

    def answered(self, response: Any) -> None:  # noqa: ANN401 - an httpx.Response
        """Record the create's answer (any thread; read only when looked at).

        Its id is held by the call's flow once it reads the answer, and by
        `Creates.hold_answered` before any lookup: parsing a large answer here
        would cost every create (embeddings) for the sake of a rare lookup.
        """
        self.response = response
        self.done.set()

    def failed(self) -> None:
        """The create got no answer (the connection broke, or it was cut)."""
        self.done.set()

    def _body(self) -> dict[str, Any] | None:
        response = self.response
        if response is None or response.status_code >= 400:  # noqa: PLR2004
            return None
        if self._parsed is None:
            try:
                body = response.json()
            except ValueError:  # not JSON: the flow reports it
                body = None
            self._parsed = body if isinstance(body, dict) else {}
        return self._parsed or None

    def prediction_id(self) -> str | None:
        """The id the answer named (`None` before it, or if it was an error)."""
        prediction_id = (self._body() or {}).get("id")
        return prediction_id if isinstance(prediction_id, str) else None

    def ended(self) -> bool:
        """Whether the answer showed the prediction already ended."""
        return is_terminal(self._body() or {})

    def same_request(self, other: InFlight) -> bool:
        """Whether `other` sent the same model and input (indistinguishable)."""
        return self.request.get("url") == other.request.get("url") and (
            self.request.get("json") == other.request.get("json")
        )


class Creates:
    """Every create in flight in this process (weakly held)."""

    def __init__(self) -> None:
        """Empty."""
        self._live: weakref.WeakSet[InFlight] = weakref.WeakSet()
        self._lock = threading.Lock()

    def start(self, request: Mapping[str, Any], ref: ModelRef) -> InFlight:
        """Record a create about to be sent."""
        sent = InFlight(request, ref)
        with self._lock:
            self._live.add(sent)
        return sent

    def finish(self, sent: InFlight) -> None:
        """Forget a create whose flow is over."""
        with self._lock:
            self._live.discard(sent)

    def hold_answered(self) -> None:
        """Hold the predictions live creates were answered with (before a lookup).

        So a lookup never takes another call's prediction, even one whose flow
        has not read its answer yet.
        """
        with self._lock:
            answered = [c for c in self._live if c.response is not None]
        for create in answered:
            if (prediction_id := create.prediction_id()) is not None:
                held.claim(prediction_id)

    def twin(self, sent: InFlight) -> bool:
        """Whether another live create sent the same request, unanswered.

        A twin (not abandoned) makes the list lookup ambiguous: its prediction
        and ours look alike.
        """
        with self._lock:
            others = [c for c in self._live if c is not sent]
        return any(
            c.response is None and not c.abandoned and c.same_request(sent)
            for c in others
        )


creates = Creates()
"""The process-wide registry of creates in flight."""


# -- batches ---------------------------------------------------------------------------


class AbandonScope:
    """The flows of one batch, to abandon together (thread-safe)."""

    def __init__(self) -> None:
        """Empty."""
        self.abandoned = False
        self._members: dict[int, tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def add(self, driver: object, flow: object) -> None:
        """Register a running flow and the driver running it."""
        with self._lock:
            self._members[id(flow)] = (driver, flow)

    def discard(self, flow: object) -> None:
        """Forget a flow that is over."""
        with self._lock:
            self._members.pop(id(flow), None)

    def abandon(self) -> list[tuple[Any, Any]]:
        """Give the batch up: no new creates; the (driver, flow) pairs running."""
        with self._lock:
            self.abandoned = True
            return list(self._members.values())


_scope: contextvars.ContextVar[AbandonScope | None] = contextvars.ContextVar(
    "langchain_replicate_abandon_scope", default=None
)


def current_scope() -> AbandonScope | None:
    """The batch this call belongs to, if any."""
    return _scope.get()


@contextlib.contextmanager
def abandon_scope() -> Iterator[AbandonScope]:
    """Open a batch's scope (copied into worker threads with the context)."""
    scope = AbandonScope()
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
