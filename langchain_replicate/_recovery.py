"""Finding the prediction of a create whose answer was lost (pure, but for a registry).

A create that failed *after* it may have reached the server (its connection
broke mid-answer, a read timed out, a proxy answered 5xx) is ambiguous: the
prediction may exist, running and billed, unknown to the caller. It is never
sent again blindly. Instead the call lists the account's newest predictions
(`GET /v1/predictions?created_after=...`, newest first) and adopts the one
that matches: same model, version or deployment; the same input (every key
the call sent, with the same value: a server may echo defaults too); created
since just before the create was sent (less `CLOCK_SKEW`); and not already
claimed by another call of this process (`claimed`). A listed prediction
without its `input` is fetched whole first.

If none matches, nothing was created, and the create may be sent again (once;
see `_flows.create`).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from langchain_replicate.errors import ReplicateAPIError, ReplicateServerError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from langchain_replicate._model_ref import ModelRef

CLOCK_SKEW = 30.0
"""Seconds our clock may be ahead of the server's (widens the search window)."""
MAX_CANDIDATES = 5
"""Listed predictions without `input` fetched at most, per lost create."""
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_FRACTION = re.compile(r"\.(\d+)")


def is_ambiguous(error: ReplicateAPIError | httpx.HTTPError) -> bool:
    """Whether a failed create may have created its prediction all the same.

    A 5xx, or a transport failure after the connection opened (a reset, a
    read timeout, a broken answer). Not a 4xx (refused) nor a connection that
    never opened.
    """
    if isinstance(error, httpx.TransportError):
        return not isinstance(error, _NEVER_SENT)
    return isinstance(error, ReplicateServerError)


def list_path(sent_at: float) -> str:
    """The list request of predictions created since `sent_at` (less the skew)."""
    since = datetime.fromtimestamp(sent_at - CLOCK_SKEW, tz=timezone.utc)
    return f"/v1/predictions?created_after={quote(since.isoformat())}"


def created_at(prediction: Mapping[str, Any]) -> float | None:
    """A prediction's `created_at` as a timestamp (RFC 3339, any fraction)."""
    value = prediction.get("created_at")
    if not isinstance(value, str):
        return None
    text = value.replace("Z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def same_target(prediction: Mapping[str, Any], ref: ModelRef) -> bool:
    """Whether a listed prediction ran `ref` (its model, version or deployment)."""
    deployment = prediction.get("deployment")
    if ref.is_deployment:
        return deployment == ref.slug
    if deployment:
        return False
    if ref.version:
        return prediction.get("version") == ref.version
    return prediction.get("model") == ref.slug


def same_input(echoed: object, sent: Mapping[str, Any]) -> bool:
    """Whether an echoed input holds every key sent, with the same value."""
    return isinstance(echoed, dict) and all(
        key in echoed and echoed[key] == value for key, value in sent.items()
    )


def candidates(
    results: Iterable[Mapping[str, Any]],
    ref: ModelRef,
    sent_at: float,
) -> Iterator[Mapping[str, Any]]:
    """Listed predictions that may be the lost one, newest first (input unchecked)."""
    for prediction in results:
        when = created_at(prediction)
        if (
            when is not None
            and when >= sent_at - CLOCK_SKEW
            and same_target(prediction, ref)
            and not claimed.holds(str(prediction.get("id")))
        ):
            yield prediction


class ClaimedPredictions:
    """Ids of predictions this process's calls created or adopted (bounded).

    So two calls with the same input never adopt the same prediction.
    """

    def __init__(self, size: int = 10_000) -> None:
        """Remember the last `size` ids."""
        self._ids: set[str] = set()
        self._order: deque[str] = deque()
        self._size = size
        self._lock = threading.Lock()

    def holds(self, prediction_id: str) -> bool:
        """Whether a call already has this prediction."""
        return prediction_id in self._ids

    def claim(self, prediction_id: str) -> bool:
        """Mark the prediction as a call's; `False` if another call has it."""
        with self._lock:
            if prediction_id in self._ids:
                return False
            self._ids.add(prediction_id)
            self._order.append(prediction_id)
            if len(self._order) > self._size:
                self._ids.discard(self._order.popleft())
            return True


claimed = ClaimedPredictions()
"""The process's claimed predictions (shared by every call and thread)."""
