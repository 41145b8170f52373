"""The driver's creates and cancels: paced, tracked while in flight, never orphaned.

`CreateIO` is a part of `_core.drivers.Driver` (its base class): the I/O of sending
a create and of canceling what an abandoned call leaves behind. The decisions
are pure and live elsewhere: pacing in `_core/pacing.py` (one `Pacer` per
connection), creates in flight in `_core/abandonment.py`, which listed prediction an
abandoned create made in `_core/lookup.py`.

* **Paced creates.** Before each create the driver waits for the connection's
  `Pacer`; a `429` that the pacer counts as the batch's own load is sent again
  once the shared gate opens (it created nothing), so it does not use up the
  call's `max_retries`. The wait never passes the call's deadline.
* **A create in flight is tracked** (`_core.abandonment.InFlight`, on `Flow.in_flight`).
  If the call is abandoned before the answer (Ctrl-C during `Prefer: wait`,
  task cancellation, the batch given up), `settle` finds the prediction it
  made on the list endpoint and cancels it, on a worker thread.
* **Cancels outlive the caller.** Cancels of abandoned calls run on
  `_BACKGROUND`, a thread pool (the interpreter waits for it at exit, and it
  does not depend on an event loop): an `asyncio.run` that returns right after
  a task was canceled closes its loop, which would kill a cancel sent from it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from langchain_replicate._core.abandonment import (
    SETTLE_PAUSES,
    AbandonScope,
    InFlight,
    creates,
)
from langchain_replicate._core.lookup import (
    cancelable,
    held,
    list_path,
    past_window,
    sent_input,
)
from langchain_replicate._core.pacing import Ticket
from langchain_replicate._core.protocol import (
    Deadline,
    Prediction,
    create_retry_delay,
    response_json,
    timeout_error,
)
from langchain_replicate.errors import (
    ReplicateAPIError,
    ReplicateRateLimitError,
    error_from_response,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_replicate._core.connection import Connection
    from langchain_replicate._core.effects import Flow
    from langchain_replicate._inputs.model_ref import ModelRef

logger = logging.getLogger(__name__)

T = TypeVar("T")

_BACKGROUND = ThreadPoolExecutor(max_workers=16, thread_name_prefix="replicate-cancel")
"""Runs the cancels of abandoned calls (joined at interpreter exit)."""
_LATE_CANCELS: set[asyncio.Future[Any]] = set()
"""Cancels sent from a loop after their caller was canceled (kept alive)."""
_CANCEL_TIMEOUT = 10.0
_LIST_TIMEOUT = httpx.Timeout(5.0, pool=None)
_LIST_PAGES = 3


class BatchAbandonedError(Exception):
    """The batch this call belongs to was given up (internal; nobody reads it)."""


class CreateIO:
    """Creates and cancels of a `Driver` (see the module docstring)."""

    _connection: Connection
    timeout: float | None

    # -- paced creates ---------------------------------------------------------------

    def _send_create(
        self,
        flow: Flow[Any],
        request: dict[str, Any],
        ref: ModelRef,
        scope: AbandonScope | None,
    ) -> httpx.Response:
        """Send a create (paced); if interrupted in flight, settle what it made."""
        deadline = Deadline.after(self.timeout)
        pacer = self._connection.pacer
        while True:
            while not isinstance(ticket := pacer.admit(), Ticket):
                _check_deadline(deadline, self.timeout)
                time.sleep(ticket)
            sent = self._track(flow, request, ref)
            if scope is not None and scope.abandoned:  # (after _track: no race)
                sent.withdrawn = True
                pacer.release(ticket, accepted=False)
                raise BatchAbandonedError
            try:
                response = self._connection.http.request(**request)
            except Exception:
                pacer.release(ticket, accepted=False)
                sent.failed()
                raise
            except BaseException:  # KeyboardInterrupt mid-create: the id is unknown
                pacer.release(ticket, accepted=False)
                self.abandon_create(sent)
                raise
            if not self._answered(sent, ticket, response, deadline):
                return response

    async def _asend_create(
        self, flow: Flow[Any], request: dict[str, Any], ref: ModelRef
    ) -> httpx.Response:
        """Async `_send_create`; the create is shielded from cancellation.

        If our task is canceled meanwhile, the create goes on (its answer names
        the prediction) and `settle` looks for it at once on a thread.
        """
        deadline = Deadline.after(self.timeout)
        pacer = self._connection.pacer
        while True:
            while not isinstance(ticket := pacer.admit(), Ticket):
                _check_deadline(deadline, self.timeout)
                await asyncio.sleep(ticket)
            sent = self._track(flow, request, ref)
            send = asyncio.ensure_future(self._connection.ahttp.request(**request))
            try:
                response = await asyncio.shield(send)
            except asyncio.CancelledError:
                pacer.release(ticket, accepted=False)
                send.add_done_callback(functools.partial(self._late_answer, sent))
                self.abandon_create(sent)
                raise
            except Exception:
                pacer.release(ticket, accepted=False)
                sent.failed()
                raise
            if not self._answered(sent, ticket, response, deadline):
                return response

    def _track(
        self, flow: Flow[Any], request: dict[str, Any], ref: ModelRef
    ) -> InFlight:
        if flow.in_flight is not None:
            creates.finish(flow.in_flight)
        sent: InFlight = creates.start(request, ref)
        flow.in_flight = sent
        return sent

    def _answered(
        self,
        sent: InFlight,
        ticket: Ticket,
        response: httpx.Response,
        deadline: Deadline,
    ) -> bool:
        """Record a create's answer with the pacer; whether to send it again."""
        sent.answered(response)
        pacer = self._connection.pacer
        if response.status_code != 429:  # noqa: PLR2004
            pacer.release(ticket, accepted=response.status_code < 400)  # noqa: PLR2004
            return False
        error = error_from_response(response, "create a prediction")
        try:  # the retry rule's delay (Retry-After, capped) for everyone
            delay = create_retry_delay(error, 0, 1, deadline, "create a prediction")
        except ReplicateAPIError:
            pacer.release(ticket, accepted=False)
            return False
        pacer.release(ticket, throttled=delay, accepted=False)
        return isinstance(error, ReplicateRateLimitError) and pacer.requeue()

    def _late_answer(self, sent: InFlight, send: asyncio.Future[Any]) -> None:
        """The answer of a create whose caller was canceled: cancel it by id.

        (From this loop, if it still runs; `settle`'s thread does it too.)
        """
        if send.cancelled() or send.exception() is not None:
            sent.failed()
            return
        sent.answered(send.result())
        if (prediction_id := sent.prediction_id()) is not None and not sent.ended():
            task = asyncio.ensure_future(self.acancel(prediction_id))
            _LATE_CANCELS.add(task)
            task.add_done_callback(_LATE_CANCELS.discard)

    # -- abandonment -----------------------------------------------------------------

    def abandon_create(self, sent: InFlight) -> None:
        """Cancel what a create in flight makes, from a worker thread."""
        sent.abandoned = True
        _BACKGROUND.submit(_logged, self.settle, sent)

    def abandon_flow(self, flow: Flow[Any]) -> None:
        """Cancel a flow's prediction from outside it (its batch was given up)."""
        if flow.unfinished is not None:
            _BACKGROUND.submit(_logged, self.cancel, flow.unfinished)
        elif flow.in_flight is not None and not flow.in_flight.abandoned:
            self.abandon_create(flow.in_flight)

    def settle(self, sent: InFlight) -> None:
        """Find and cancel the prediction an abandoned create made (bounded).

        The create's answer names it; until then the list endpoint (newest
        first) shows it within a few pauses of `SETTLE_PAUSES` (`_core.lookup`:
        the running predictions it may have made, held for this call). A
        create that never reached Replicate leaves nothing to cancel.
        """
        for pause in SETTLE_PAUSES:
            if sent.withdrawn:
                return
            if sent.done.wait(pause) and sent.response is not None:
                break
            if creates.twin(sent):  # another live call sent it too: wait for answers
                continue
            creates.hold_answered()
            found = [i for i in dict.fromkeys(self._lookup(sent)) if held.claim(i)]
            if found:
                for found_id in found:
                    self.cancel(found_id)
                return
        if (answered_id := sent.prediction_id()) is not None and not sent.ended():
            self.cancel(answered_id)

    def _lookup(self, sent: InFlight) -> list[str]:
        """What `sent` made, on the list endpoint's pages since it was sent.

        Returns:
            The ids found (none on failure).
        """
        url: object = list_path(sent.sent_at)
        model_input = sent_input(sent.request)
        for _ in range(_LIST_PAGES):
            if not isinstance(url, str):
                break
            try:
                response = self._connection.http.get(url, timeout=_LIST_TIMEOUT)
                page = response_json(response, "list predictions")
            except (httpx.HTTPError, ReplicateAPIError) as e:
                logger.info("Could not list predictions: %s", e)
                break
            results = list(page.get("results") or [])
            if found := cancelable(results, sent.ref, model_input, sent.sent_at):
                return found
            if past_window(results, sent.sent_at):
                break
            url = page.get("next")
        return []

    def cancel(self, prediction_id: str) -> Prediction | None:
        """Cancel a prediction; best effort (failures are logged, not raised)."""
        try:
            response = self._connection.http.post(
                f"/v1/predictions/{prediction_id}/cancel", timeout=_CANCEL_TIMEOUT
            )
            return response_json(response, f"cancel prediction {prediction_id}")
        except (httpx.HTTPError, ReplicateAPIError) as e:
            logger.warning("Could not cancel prediction %s: %s", prediction_id, e)
            return None

    async def acancel(self, prediction_id: str) -> Prediction | None:
        """Async `cancel`."""
        try:
            response = await self._connection.ahttp.post(
                f"/v1/predictions/{prediction_id}/cancel", timeout=_CANCEL_TIMEOUT
            )
            return response_json(response, f"cancel prediction {prediction_id}")
        except (httpx.HTTPError, ReplicateAPIError) as e:
            logger.warning("Could not cancel prediction %s: %s", prediction_id, e)
            return None


def _logged(job: Callable[[T], object], arg: T) -> None:
    """Run a background job; its failure is logged (nobody waits for it)."""
    try:
        job(arg)
    except Exception:
        logger.warning("Could not cancel an abandoned prediction", exc_info=True)


def _check_deadline(deadline: Deadline, timeout: float | None) -> None:
    """Stop waiting for the pacer at the deadline (nothing was created)."""
    if deadline.expired():
        raise timeout_error(None, timeout)
