"""Pacing prediction creates under throttling (pure decisions, no I/O, no sleeping).

One `Pacer` per connection (`_core.connection.Connection`) is shared by every call on
it, sync and async alike, so a batch sees *one* view of the account's limit:

* **Retry-After is shared.** A `429` closes the gate for everyone until its
  `Retry-After` has passed (`resume_at`), instead of each call retrying on its
  own schedule into the same wall.
* **An adaptive rate (AIMD).** At most `limit` creates are admitted per moving
  window of `WINDOW` seconds. It starts at `CEILING` (no pacing: the happy
  path never waits) and, on a `429`, drops to what the server just accepted in
  the window (creates admitted minus creates refused), so the next window
  matches the account's rate; each window without a `429` adds one
  (additive increase) until the ceiling.

  A rate, not a concurrency limit: a create held open by `Prefer: wait` for a
  minute would hold a concurrency slot that long, starving a throttled account
  that accepts 10 creates a second.
* **Requeue, not retry.** A `429` that arrives while the account is accepting
  other creates (one succeeded within `PROGRESS_WINDOW` seconds) is the
  batch's own load, not a failing call: the driver waits for the gate and
  sends it again without counting it against `max_retries` (a `429` creates
  nothing, so resending is safe). An account that accepts nothing falls back
  to the call's `max_retries` (`_core.protocol.create_retry_delay`).

The driver asks `admit()` before each create (a `Ticket`: send now; else a
number of seconds to wait before asking again) and reports the outcome with
`release(ticket, ...)`.
"""

from __future__ import annotations

import bisect
import math
import operator
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

WINDOW = 1.1
"""Seconds of the moving window the rate is counted in: a little longer than a
per-second limit's, so creates sent at the edge of our window do not land in
the server's previous one (requests take time to arrive). Read at each
`admit`/`release`, so a test may shorten it for its duration (the unit tests'
429 retries do, through a fixture: one refused create otherwise costs a window)."""
CEILING = 1000
"""Creates per window before any throttling is seen (no pacing)."""
PROGRESS_WINDOW = 10.0
"""A `429` within this many seconds of an accepted create is requeued."""
INCREASE_AFTER = 5.0
"""Seconds without a `429` before the rate grows by one per window."""
FORGET_AFTER = 30.0
"""Seconds without a `429` after which the episode is over: no pacing again."""
RECHECK = 0.05
"""Longest wait before asking again (other calls may change the picture)."""


@dataclass(frozen=True)
class Ticket:
    """One admitted create (hand it back to `release`)."""

    seq: int
    at: float


_AT = operator.attrgetter("at")


@dataclass
class Pacer:
    """The shared state of one connection's creates (thread-safe)."""

    clock: Callable[[], float] = time.monotonic
    limit: float = CEILING
    """Creates admitted per `WINDOW` (AIMD)."""
    resume_at: float = -math.inf
    """No create is admitted before this time (the last `Retry-After`)."""
    last_accepted_at: float = -math.inf
    """When a create was last accepted by the server."""
    _admitted: deque[Ticket] = field(default_factory=deque)
    _refused: set[int] = field(default_factory=set)
    _seq: int = 0
    _closed_at: float = -math.inf
    """When a fresh `429` last closed the gate."""
    _closed_seq: int = 0
    """The last create admitted before that (its `429`s are the same burst's)."""
    _increased_at: float = -math.inf
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self) -> Ticket | float:
        """Admit one create now (a `Ticket`), or say how many seconds to wait first."""
        with self._lock:
            now = self.clock()
            self._forget(now - 2 * WINDOW)
            if now - self._closed_at >= FORGET_AFTER:
                self.limit = CEILING
            if now < self.resume_at:
                return min(self.resume_at - now, RECHECK)
            # Tickets are in time order: the window's first one by bisection, so
            # an admit costs O(log n) however many creates the window holds.
            first = bisect.bisect_right(self._admitted, now - WINDOW, key=_AT)
            if len(self._admitted) - first >= self.limit:
                oldest = self._admitted[first].at
                return max(min(oldest + WINDOW - now, RECHECK), 0.001)
            self._seq += 1
            ticket = Ticket(self._seq, now)
            self._admitted.append(ticket)
            return ticket

    def release(
        self, ticket: Ticket, *, throttled: float | None = None, accepted: bool
    ) -> None:
        """Report a create's outcome.

        A `429` for a create admitted after the gate last closed is fresh news:
        the rate drops to what the window held before it (creates admitted less
        those refused), and at least by one. One admitted before that closing
        was part of the same burst: it only keeps the gate closed.

        Args:
            ticket: What `admit` gave for this create.
            throttled: The delay before creates resume (a `429`'s capped
                `Retry-After`), else `None`.
            accepted: Whether the server created the prediction (2xx).
        """
        with self._lock:
            now = self.clock()
            if throttled is not None:
                self._refused.add(ticket.seq)
                if ticket.seq > self._closed_seq:
                    taken = sum(
                        1
                        for t in self._admitted
                        if ticket.at - WINDOW < t.at <= ticket.at
                        and t.seq < ticket.seq
                        and t.seq not in self._refused
                    )
                    if ticket.at - WINDOW < self.resume_at:  # a window not all seen
                        taken = max(taken, math.floor(self.limit / 2))
                    self.limit = max(1.0, min(self.limit - 1, taken))
                    self._closed_at, self._closed_seq = now, self._seq
                self.resume_at = max(self.resume_at, now + throttled)
            elif accepted:
                self.last_accepted_at = now
                if (
                    self.limit < CEILING
                    and now - self._closed_at >= INCREASE_AFTER
                    and now - self._increased_at >= WINDOW
                ):
                    self.limit = min(CEILING, self.limit + 1)
                    self._increased_at = now

    def requeue(self) -> bool:
        """Whether a `429` just released is the batch's own load (resend it)."""
        with self._lock:
            return self.clock() - self.last_accepted_at <= PROGRESS_WINDOW

    def _forget(self, before: float) -> None:
        while self._admitted and self._admitted[0].at <= before:
            self._refused.discard(self._admitted.popleft().seq)
