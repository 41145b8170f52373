"""Pacing prediction creates under throttling (pure decisions, no I/O, no sleeping).

One `Pacer` per connection (`_connection.Connection`) is shared by every call on
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
  to the call's `max_retries` (`_protocol.create_retry_delay`).

The driver asks `admit()` before each create (`0.0`: send now; else wait that
long and ask again) and reports the outcome with `release()`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

WINDOW = 1.0
"""Seconds of the moving window the rate is counted in."""
CEILING = 1000
"""Creates per window before any throttling is seen (no pacing)."""
PROGRESS_WINDOW = 10.0
"""A `429` within this many seconds of an accepted create is requeued."""
RECHECK = 0.05
"""Longest wait before asking again (other calls may change the picture)."""


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
    _admitted: deque[float] = field(default_factory=deque)
    _refused: deque[float] = field(default_factory=deque)
    _increased_at: float = -math.inf
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self) -> float:
        """Take a slot for one create now (`0.0`), or say how long to wait first."""
        with self._lock:
            now = self.clock()
            self._forget(now)
            if now < self.resume_at:
                return min(self.resume_at - now, RECHECK)
            if len(self._admitted) >= self.limit:
                return min(self._admitted[0] + WINDOW - now, RECHECK)
            self._admitted.append(now)
            return 0.0

    def release(self, *, throttled: float | None = None, accepted: bool) -> None:
        """Report a create's outcome.

        Args:
            throttled: The `Retry-After` (seconds) of a `429`, else `None`.
            accepted: Whether the server created the prediction (2xx).
        """
        with self._lock:
            now = self.clock()
            self._forget(now)
            if throttled is not None:
                self._refused.append(now)
                self.resume_at = max(self.resume_at, now + throttled)
                taken = len(self._admitted) - len(self._refused)
                self.limit = max(1.0, min(self.limit, taken))
                self._increased_at = now
            elif accepted:
                self.last_accepted_at = now
                if self.limit < CEILING and now - self._increased_at >= WINDOW:
                    self.limit = min(CEILING, self.limit + 1)
                    self._increased_at = now

    def requeue(self) -> bool:
        """Whether a `429` just released is the batch's own load (resend it)."""
        with self._lock:
            return self.clock() - self.last_accepted_at <= PROGRESS_WINDOW

    def _forget(self, now: float) -> None:
        for times in (self._admitted, self._refused):
            while times and times[0] <= now - WINDOW:
                times.popleft()
