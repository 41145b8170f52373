"""The prediction protocol and its policies (pure: no I/O, no sleeping).

* States: one vocabulary (`Status`) and named predicates over it
  (`is_terminal`, `has_final_output`, `can_return`).
* `Deadline`: when a call gives up (its clock is injectable, for tests).
* The poll schedule (`poll_sleeps`): backoff, cut at the deadline.
* The retry rules: which failed creates are retried, and after how long
  (`create_retry_delay`: a create that may have reached the server never is;
  `Retry-After` up to a cap, never past the deadline), and which failed
  prediction `GET`s are (`get_retry_delay`: 5xx and broken connections).
* The requests a call sends (`create_request`, `get_timeout`, `sse_request`).

Everything here is shared by the sync and async I/O (see `_core/flows.py`).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import httpx

from langchain_replicate.errors import (
    ReplicateAPIError,
    ReplicateConnectionError,
    ReplicateRateLimitError,
    ReplicateServerError,
    ReplicateTimeoutError,
    error_from_response,
    error_from_transport,
    prediction_error,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from langchain_replicate._inputs.model_ref import ModelRef

logger = logging.getLogger(__name__)

Prediction = dict[str, Any]
"""A prediction as the API returns it (JSON)."""

Status = Literal["starting", "processing", "succeeded", "failed", "canceled", "aborted"]
"""A prediction's `status`. The last four are terminal: it will not change."""
TERMINAL: frozenset[Status] = frozenset({"succeeded", "failed", "canceled", "aborted"})
UNSUCCESSFUL: frozenset[Status] = frozenset({"failed", "canceled", "aborted"})

MAX_WAIT = 60
"""Replicate's longest `Prefer: wait`, in seconds."""
IDLE_READ_TIMEOUT = 300.0
"""Longest silence on a wait without a deadline, in seconds."""
STREAM_STALL = 5.0
"""Seconds without a byte on an SSE stream before the prediction is looked at
(a `GET`): a stalled stream of a finished prediction must not hang the call.
Read at each stream request (`sse_request`), so a test may shorten it for its
duration (the stalled-stream tests set 0.5 s through a fixture)."""
POLL_FIRST, POLL_FACTOR, POLL_MAX = 0.2, 1.5, 2.0
"""The poll backoff: first wait, growth, longest wait (seconds). Read at each
`poll_delays`, so a test whose fake prediction ends after a number of polls may
poll sooner (the unit tests' `fast_polls` fixture)."""
RETRY_FIRST, RETRY_MAX = 0.5, 30.0
"""The retry backoff without a `Retry-After`: first wait, longest (seconds). Read
at each retry, so a test may shorten it (the poll-fault tests' `fast_retries`)."""
RETRY_AFTER_MAX = 60.0
"""The longest `Retry-After` a call waits out (seconds); a longer one is raised."""
GET_ATTEMPTS = 4
"""Tries of a prediction `GET` that fails with a 5xx or a broken connection."""
CREATE_READ_TIMEOUT = 10.0
"""Seconds a create may take beyond its `Prefer: wait`."""
# pool=None everywhere: in a large batch, requests queue for one of httpx's 100
# connections for as long as it takes; the deadline (`timeout`) bounds the call.


# -- states ----------------------------------------------------------------------------


def is_terminal(prediction: Mapping[str, Any]) -> bool:
    """Whether the prediction has ended (succeeded, failed, canceled, aborted)."""
    return prediction.get("status") in TERMINAL


def has_final_output(prediction: Mapping[str, Any], *, answered: bool = True) -> bool:
    """Whether a prediction has its final output.

    Terminal states, and also `processing` with an output: that is how sync mode
    (`Prefer: wait`) answers when the prediction finished within the wait (no
    metrics yet). Only a create's answer may be read that way (`answered`): a
    *polled* or *listed* `processing` prediction with output (one adopted after
    a lost create) is still partial.
    """
    return is_terminal(prediction) or (
        answered
        and prediction.get("status") == "processing"
        and prediction.get("output") is not None
    )


def _has_data_uri(output: object) -> bool:
    items = output if isinstance(output, list) else [output]
    return any(isinstance(item, str) and item.startswith("data:") for item in items)


def can_return(
    prediction: Mapping[str, Any], *, final: bool, answered: bool = True
) -> bool:
    """Whether `run` can return a create's answer as it is (no further request).

    It needs its final output (`has_final_output`; `answered=False` for a
    prediction adopted from the list) with files linked as URLs (sync mode may
    inline them as `data:` URIs; the ended prediction, one `GET` away, links
    them). With `final`, it must also have ended (a sync-mode `processing`
    answer lacks the metrics).
    """
    if not has_final_output(prediction, answered=answered):
        return False
    if prediction.get("status") in {"processing", "succeeded"} and _has_data_uri(
        prediction.get("output")
    ):
        return False
    return is_terminal(prediction) or not final


def check_prediction(prediction: Prediction) -> Prediction:
    """Return the prediction, or raise if it failed or was canceled.

    Raises:
        ReplicatePredictionError: If the prediction failed.
        ReplicatePredictionCanceledError: If it was canceled or aborted.
    """
    if prediction.get("status") in UNSUCCESSFUL:
        raise prediction_error(prediction)
    return prediction


def stream_url(prediction: Mapping[str, Any]) -> str | None:
    """The prediction's SSE URL (`urls.stream`), if it has one."""
    url = (prediction.get("urls") or {}).get("stream")
    return url if isinstance(url, str) and url else None


# -- deadline and schedules ------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A point in time (on `clock`) after which a prediction is canceled."""

    at: float | None = None
    clock: Callable[[], float] = field(
        default=time.monotonic, compare=False, repr=False
    )

    @classmethod
    def after(
        cls, seconds: float | None, clock: Callable[[], float] = time.monotonic
    ) -> Deadline:
        """A deadline `seconds` from now; none when `seconds` is `None`."""
        return cls(None if seconds is None else clock() + seconds, clock)

    def remaining(self) -> float | None:
        """Seconds left (never negative), or `None` without a deadline."""
        return None if self.at is None else max(self.at - self.clock(), 0.0)

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.at is not None and self.clock() >= self.at

    def read_timeout(self, wanted: float = IDLE_READ_TIMEOUT) -> float:
        """A read timeout that ends by the deadline."""
        remaining = self.remaining()
        return wanted if remaining is None else max(min(wanted, remaining), 0.001)


def timeout_error(
    prediction_id: str | None, seconds: float | None
) -> ReplicateTimeoutError:
    """The error of a call whose deadline passed (its prediction was canceled)."""
    what = f"Prediction {prediction_id}" if prediction_id else "The prediction"
    return ReplicateTimeoutError(
        f"{what} did not finish within timeout={seconds} s and was canceled. "
        "Raise timeout=... for long-running models.",
        prediction_id=prediction_id,
    )


def poll_delays() -> Iterator[float]:
    """The backoff between polls: 0.2 s, growing 1.5x, at most 2 s."""
    delay = POLL_FIRST
    while True:
        yield delay
        delay = min(delay * POLL_FACTOR, POLL_MAX)


def poll_sleeps(
    deadline: Deadline, prediction_id: str, timeout: float | None
) -> Iterator[float]:
    """How long to sleep before each next poll (backoff, cut at the deadline).

    Raises:
        ReplicateTimeoutError: When a poll is due after the deadline.
    """
    for delay in poll_delays():
        if deadline.expired():
            raise timeout_error(prediction_id, timeout)
        yield min(delay, deadline.remaining() or delay)


def create_retry_delay(
    error: ReplicateAPIError | httpx.HTTPError,
    attempt: int,
    max_retries: int,
    deadline: Deadline,
    action: str,
    *,
    made_nothing: bool = False,
) -> float:
    """How long to wait before retrying a failed create; raises to give up.

    Only a 429 (the API refused before creating anything), a connection that
    never opened, or (`made_nothing`) a failure after which the server was seen
    to hold no prediction of this create are retried; anything that may have
    created a prediction is not, so none is created (and billed) twice. A
    `Retry-After` is waited out up to `RETRY_AFTER_MAX` and never past the
    deadline; a longer one is raised at once, naming the wait.

    Raises:
        ReplicateAPIError: the mapped error, when the create is not retried.
    """
    delay: float | None = None
    if isinstance(error, ReplicateRateLimitError):
        retryable, delay = True, error.retry_after
    else:
        retryable = made_nothing or isinstance(
            error, (httpx.ConnectError, httpx.ConnectTimeout)
        )
    if not retryable or attempt >= max_retries:
        _give_up(error, action)
    if delay is None:
        delay = min(RETRY_FIRST * 2**attempt, RETRY_MAX)
    remaining = deadline.remaining()
    if isinstance(error, ReplicateRateLimitError) and (
        delay > RETRY_AFTER_MAX or (remaining is not None and delay >= remaining)
    ):
        raise _wait_too_long(error, delay, remaining)
    if remaining is not None and delay >= remaining:
        _give_up(error, action)
    logger.info("Retrying: %s, in %.1f s", action, delay)
    return delay


def get_retry_delay(
    error: ReplicateAPIError, attempt: int, deadline: Deadline
) -> float:
    """How long to wait before retrying a failed prediction `GET`; raises to give up.

    A `GET` is idempotent: a 5xx, a broken or refused connection, a read
    timeout short of the deadline, or a 429 are retried with backoff
    (`GET_ATTEMPTS` tries in all), never past the deadline.

    Raises:
        ReplicateAPIError: `error`, when the `GET` is not retried.
    """
    transient = (
        ReplicateServerError,
        ReplicateConnectionError,
        ReplicateRateLimitError,
    )
    retryable = isinstance(error, transient) or (
        isinstance(error, ReplicateTimeoutError) and not deadline.expired()
    )
    delay: float = min(RETRY_FIRST * 2**attempt, RETRY_MAX)
    if isinstance(error, ReplicateRateLimitError) and error.retry_after is not None:
        delay = float(error.retry_after)
    remaining = deadline.remaining()
    if (
        not retryable
        or attempt + 1 >= GET_ATTEMPTS
        or delay > RETRY_AFTER_MAX
        or (remaining is not None and delay >= remaining)
    ):
        raise error
    logger.info("Retrying a prediction GET (%s), in %.1f s", error, delay)
    return delay


def _give_up(error: ReplicateAPIError | httpx.HTTPError, action: str) -> NoReturn:
    if isinstance(error, httpx.HTTPError):
        raise error_from_transport(error, action) from error
    raise error


def _wait_too_long(
    error: ReplicateRateLimitError, delay: float, remaining: float | None
) -> ReplicateRateLimitError:
    """A 429 whose `Retry-After` is past the cap or the deadline, said so."""
    if delay > RETRY_AFTER_MAX:
        why = f"more than the {RETRY_AFTER_MAX:g} s a call waits"
    else:
        why = f"past the deadline (timeout=..., {remaining or 0:.1f} s left)"
    message = (
        f"{error.message} Replicate asked to wait {delay:g} s (Retry-After), "
        f"{why}: not retried."
    )
    return ReplicateRateLimitError(
        message, retry_after=delay, status=error.status, detail=error.detail
    )


# -- requests --------------------------------------------------------------------------


def create_request(
    ref: ModelRef,
    model_input: dict[str, Any],
    *,
    stream: bool,
    deadline: Deadline,
    wait: int,
    timeout: float | None,
) -> dict[str, Any]:
    """The `httpx` request arguments of a prediction create.

    The create's own read timeout is not cut short by the deadline: its answer
    carries the prediction id, without which it cannot be canceled. Instead the
    `Prefer: wait` ends (at the latest) by the deadline, and `timeout` is also
    sent as `Cancel-After` (Replicate's own deadline, for a call interrupted
    before it knows the id).
    """
    headers: dict[str, str] = {}
    read = CREATE_READ_TIMEOUT
    if not stream and wait:
        remaining = deadline.remaining()
        if remaining is not None:
            wait = max(1, min(wait, math.floor(remaining)))
        headers["Prefer"] = f"wait={wait}"
        read = wait + CREATE_READ_TIMEOUT
    if timeout is not None:
        headers["Cancel-After"] = f"{max(5, math.ceil(timeout))}s"
    return {
        "method": "POST",
        "url": ref.create_path,
        "json": ref.create_body(model_input, stream=stream),
        "headers": headers,
        "timeout": httpx.Timeout(10.0, read=read, pool=None),
    }


def response_json(response: httpx.Response, action: str) -> Prediction:
    """The JSON body of an answer, or the mapped error of a failed one.

    Raises:
        ReplicateAPIError: If the answer is an HTTP error.
    """
    if response.status_code >= 400:  # noqa: PLR2004
        raise error_from_response(response, action)
    data: Prediction = response.json()
    return data


def get_timeout(deadline: Deadline | None) -> httpx.Timeout:
    """Timeouts of a `GET` of a prediction (the read ends by the deadline)."""
    return httpx.Timeout(
        10.0, read=(deadline or Deadline()).read_timeout(30.0), pool=None
    )


def sse_request(deadline: Deadline, last_event_id: str | None = None) -> dict[str, Any]:
    """Headers and timeouts of a `GET` on a prediction's stream URL.

    The read times out after `STREAM_STALL` seconds without a byte (a stall),
    or at the deadline. `last_event_id` resumes a stream after that event (as
    nchan, Replicate's stream server, and replicate-go do).
    """
    headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    return {
        "headers": headers,
        "timeout": httpx.Timeout(
            10.0, read=deadline.read_timeout(STREAM_STALL), pool=None
        ),
    }
