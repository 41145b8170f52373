"""Which listed prediction a create made (pure, but for the `held` registry).

Two moments need the prediction of a create whose answer nobody has:

* **Its answer was lost** (`is_ambiguous`: a reset, a read timeout, a 5xx):
  the call adopts the prediction instead of creating another
  (`_core.flows.find_lost`; `adoptable`).
* **It was abandoned in flight** (Ctrl-C, task cancellation, a batch given
  up): the prediction is canceled (`_core.create_io.CreateIO.settle`; `cancelable`).

Both list the account's newest predictions since just before the create was
sent (`list_path`) and apply one rule: created in that window
(`created_at`, less `CLOCK_SKEW`), the same model, version or deployment
(`same_target`), the same input (`same_input`: every key sent, with the same
value as JSON; a server may echo defaults too), and not held by another call
of this process (`held`: the predictions answered to its creates, adopted or
being canceled). They differ only in what they keep: a call adopts a
prediction of any status, the first match (one listed without its `input` is
fetched whole first); an abandoned create cancels every running match.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from langchain_replicate._core.protocol import is_terminal
from langchain_replicate.errors import ReplicateAPIError, ReplicateServerError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from langchain_replicate._inputs.model_ref import ModelRef

CLOCK_SKEW = 60.0
"""Seconds our clock and the server's may differ by (widens the search window)."""
MAX_FETCHES = 5
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


def past_window(page: Sequence[Mapping[str, Any]], sent_at: float) -> bool:
    """Whether a list page (newest first) reaches back before the search window.

    Then the next pages cannot hold the create's prediction.
    """
    if not page:
        return True
    oldest = created_at(page[-1])
    return oldest is not None and oldest < sent_at - CLOCK_SKEW


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


def sent_input(request: Mapping[str, Any]) -> dict[str, Any]:
    """The input a create request sent, as the server echoes it (JSON values)."""
    model_input: dict[str, Any] = json.loads(json.dumps(request["json"]["input"]))
    return model_input


def same_input(echoed: object, sent: Mapping[str, Any]) -> bool:
    """Whether an echoed input holds every key sent, with the same value.

    `sent` is compared as JSON (`sent_input`): a tuple sent is echoed a list.
    """
    return isinstance(echoed, dict) and all(
        key in echoed and echoed[key] == value for key, value in sent.items()
    )


def _may_have_made(
    prediction: Mapping[str, Any],
    ref: ModelRef,
    sent_at: float,
) -> bool:
    """Whether a listed prediction may be the create's (its input unchecked)."""
    when = created_at(prediction)
    return (
        when is not None
        and when >= sent_at - CLOCK_SKEW
        and same_target(prediction, ref)
        and not held.holds(str(prediction.get("id")))
    )


def adoptable(
    results: Iterable[Mapping[str, Any]],
    ref: ModelRef,
    sent: Mapping[str, Any],
    sent_at: float,
) -> list[Mapping[str, Any]]:
    """The listed predictions a lost create may have made, newest first.

    Any status. A prediction listed without its `input` is kept (at most
    `MAX_FETCHES` of them): the caller fetches it whole and checks `same_input`.
    """
    found: list[Mapping[str, Any]] = []
    unknown = 0
    for prediction in results:
        if not _may_have_made(prediction, ref, sent_at):
            continue
        if "input" not in prediction:
            unknown += 1
            if unknown <= MAX_FETCHES:
                found.append(prediction)
        elif same_input(prediction["input"], sent):
            found.append(prediction)
    return found


def cancelable(
    results: Iterable[Mapping[str, Any]],
    ref: ModelRef,
    sent: Mapping[str, Any],
    sent_at: float,
) -> list[str]:
    """Ids of the running predictions an abandoned create may have made."""
    return [
        str(prediction["id"])
        for prediction in results
        if _may_have_made(prediction, ref, sent_at)
        and not is_terminal(prediction)
        and same_input(prediction.get("input"), sent)
    ]


class HeldPredictions:
    """Ids of predictions this process's calls hold (bounded).

    Claimed when a create is answered, when a call adopts a prediction and
    when an abandoned create's prediction is canceled, so no two calls (with
    the same input) ever take the same prediction.
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


held = HeldPredictions()
"""The process's held predictions (shared by every call and thread)."""
