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
  (additive increase) until the ceiling. A `429` hit just one above the rate
  the last closing measured confirms the account's limit: the wait before
  growing again doubles (`INCREASE_AFTER` up to `PROBE_BACKOFF_MAX`), so a
  steady limit costs a closed gate every 20 s, not every 6 s.

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

**One account, many processes.** Processes that share an account (workers of a
web server, a `multiprocessing` pool, Ray actors) share what they learn through
a `_core.throttle_store.ThrottleStore`. The pacer stays pure: `report()` says
what this process learned since it last told (accepted creates, its gate, its
latest closing), `merge(view)` takes in what the account's processes said
(`AccountView`), and the store only keeps and adds up those timestamps.
What changes with a view:

* the gate closes for every process (`resume_at` is the latest of all);
* a `429` anywhere is one closing for all (`Closing`): each process adopts it,
  and the rate it sets is counted over the *account's* accepted creates in
  the window before it (`AccountView.taken`), with the same rule
  as for one process (`Closing.limit`);
* the rate is split between the processes that want creates now
  (`AccountView.busy`): each admits `limit / n` per window, so they do not
  race for the same free slot (the window is stretched for a fractional share:
  2.4 per window is 3 per 1.375 windows);
* a pacer that shares (`shared=True`) waits for a fresh view before admitting
  after an idle spell (`STALE`, at most `SYNC_WAIT`; the syncer is woken with
  `wake`), so a batch that starts during another process's episode does not
  burst into the account's limit; the syncer sleeps while nothing is wanted
  (a call after an idle spell waits for one exchange, a millisecond or two,
  instead of the syncer keeping the view fresh in case a call comes). A fresh
  closing wakes the syncer too, so the others hear of it at once.
"""

from __future__ import annotations

import bisect
import math
import operator
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field, replace
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
PROBE_BACKOFF_MAX = 20.0
"""Longest wait before growing again while growing keeps failing: a `429` hit
just one above the rate the last closing set confirms the account's limit,
and doubles the wait (from `INCREASE_AFTER`)."""
FORGET_AFTER = 30.0
"""Seconds without a `429` after which the episode is over: no pacing again."""
RECHECK = 0.05
"""Longest wait before asking again (other calls may change the picture)."""
STALE = 0.5
"""A shared view older than this many seconds is refreshed before admitting."""
SYNC_WAIT = 0.5
"""Longest a create waits for a fresh view (a slow store is not waited for)."""
FRESH_WAIT = 0.002
"""How long to wait before asking again while the view is refreshed."""


@dataclass(frozen=True)
class Closing:
    """One closing of the gate by a fresh `429`: the account's new rate.

    The rate is decided from the creates the *account* had accepted in the
    window before the closing (`limit`), so every process that adopts the
    closing, and the one that saw it, agree once their counts are in.
    """

    id: str
    """Tells closings apart (the same one comes back from the store); of two
    at the same time, the greater id is the newer."""
    at: float
    """When the gate closed."""
    ticket_at: float
    """When the refused create was admitted."""
    cap: float
    """One less than the rate before (additive decrease at least)."""
    floor: float = 0.0
    """The least rate to keep when the window was not all seen (the gate was
    closed during part of it)."""

    def limit(self, taken: int) -> float:
        """The rate after this closing, given the creates the window held."""
        return max(1.0, min(self.cap, max(float(taken), self.floor)))

    def shifted(self, offset: float) -> Closing:
        """The same closing on a clock `offset` seconds ahead."""
        return replace(self, at=self.at + offset, ticket_at=self.ticket_at + offset)


@dataclass(frozen=True)
class Report:
    """What a pacer tells the account's other processes (since it last told)."""

    accepted: tuple[float, ...]
    """When each create accepted since the last report was admitted."""
    busy_at: float
    """When a create was last wanted here."""
    resume_at: float
    last_accepted_at: float
    closing: Closing | None
    """A closing decided here and not reported yet."""

    def shifted(self, offset: float) -> Report:
        """The same report on a clock `offset` seconds ahead."""
        return Report(
            accepted=tuple(at + offset for at in self.accepted),
            busy_at=self.busy_at + offset,
            resume_at=self.resume_at + offset,
            last_accepted_at=self.last_accepted_at + offset,
            closing=self.closing.shifted(offset) if self.closing else None,
        )


@dataclass(frozen=True)
class AccountView:
    """What the account's processes said, added up by the store."""

    resume_at: float = -math.inf
    """The latest `Retry-After` gate of any process."""
    last_accepted_at: float = -math.inf
    """When any process last had a create accepted."""
    closing: Closing | None = None
    """The account's latest closing."""
    taken: int = 0
    """Creates accepted account-wide that were sent in the `WINDOW` before
    `closing.at` (in a burst, the refused create may have been sent before
    creates the server accepted)."""
    busy: int = 0
    """Other processes that wanted creates in the last `BUSY_RECENT` seconds."""

    def shifted(self, offset: float) -> AccountView:
        """The same view on a clock `offset` seconds ahead."""
        return replace(
            self,
            resume_at=self.resume_at + offset,
            last_accepted_at=self.last_accepted_at + offset,
            closing=self.closing.shifted(offset) if self.closing else None,
        )


BUSY_RECENT = 1.0
"""A process that wanted a create this many seconds ago still takes a share."""


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
    _ok: set[int] = field(default_factory=set)
    """Admitted creates the server accepted (while in the window)."""
    _seq: int = 0
    _closed_at: float = -math.inf
    """When a fresh `429` last closed the gate."""
    _closed_seq: int = 0
    """The last create admitted before that (its `429`s are the same burst's)."""
    _increased_at: float = -math.inf
    _increase_after: float = INCREASE_AFTER
    """The wait before growing again (doubles while probes fail at one rate)."""
    _settled: float = -math.inf
    """The rate the last closing set (the account's limit as last measured)."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # -- sharing with the account's other processes (see the module docstring) --
    shared: bool = False
    """Whether a syncer exchanges reports and views for this pacer."""
    wake: Callable[[], None] | None = None
    """Called (outside the lock) when a fresh view is wanted."""
    closing: Closing | None = None
    """The latest closing known here (decided here or adopted)."""
    synced_at: float = -math.inf
    """When the last view was merged (or a sync failed)."""
    busy_at: float = -math.inf
    """When a create was last wanted."""
    _viewed: bool = False
    """Whether the last exchange with the store worked (else: alone)."""
    _others: int = 0
    """Other processes busy on the account (their share of the rate)."""
    _stale_since: float | None = None
    _accepted: list[float] = field(default_factory=list)
    _unreported: Closing | None = None

    def admit(self) -> Ticket | float:
        """Admit one create now (a `Ticket`), or say how many seconds to wait first."""
        with self._lock:
            now = self.clock()
            self.busy_at = now
            stale = self.shared and now - self.synced_at > STALE
            fresh_wait = False
            if stale:
                if self._stale_since is None:
                    self._stale_since = now
                fresh_wait = now - self._stale_since < SYNC_WAIT
            result = FRESH_WAIT if fresh_wait else self._admit(now)
        if stale and self.wake is not None:
            self.wake()  # (outside the lock: it may start a thread)
        return result

    def _admit(self, now: float) -> Ticket | float:
        if now - self._closed_at >= FORGET_AFTER:
            self.limit = CEILING
        if now < self.resume_at:
            return min(self.resume_at - now, RECHECK)
        count, window = self._share()
        self._forget(now - max(2 * WINDOW, window))
        # Tickets are in time order: the window's first one by bisection, so
        # an admit costs O(log n) however many creates the window holds.
        first = bisect.bisect_right(self._admitted, now - window, key=_AT)
        if len(self._admitted) - first >= count:
            oldest = self._admitted[first].at
            return max(min(oldest + window - now, RECHECK), 0.001)
        self._seq += 1
        ticket = Ticket(self._seq, now)
        self._admitted.append(ticket)
        return ticket

    def _share(self) -> tuple[float, float]:
        """This process's creates per window, and that window (seconds).

        Alone, `limit` per `WINDOW`. With `n` busy processes, `limit / n`: a
        fractional share `s` is `ceil(s)` creates per `WINDOW * ceil(s) / s`.
        """
        if self.limit >= CEILING or not self._others:
            return self.limit, WINDOW
        share = self.limit / (1 + self._others)
        count = max(1, math.ceil(share))
        return count, WINDOW * count / share

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
        closed = False
        with self._lock:
            now = self.clock()
            if throttled is not None:
                self._refused.add(ticket.seq)
                if closed := ticket.seq > self._closed_seq:
                    taken = self._taken(ticket)
                    floor = 0.0
                    if ticket.at - WINDOW < self.resume_at:  # a window not all seen
                        floor = math.floor(self.limit / 2)
                    closing = Closing(
                        uuid.uuid4().hex, now, ticket.at, self.limit - 1, floor
                    )
                    self._close(closing, taken)
                    self._unreported = closing
                self.resume_at = max(self.resume_at, now + throttled)
            elif accepted:
                self.last_accepted_at = now
                self._ok.add(ticket.seq)
                if self.shared:
                    self._accepted.append(ticket.at)
                if (
                    self.limit < CEILING
                    and now - self._closed_at >= self._increase_after
                    and now - self._increased_at >= WINDOW
                ):
                    self.limit = min(CEILING, self.limit + 1)
                    self._increased_at = now
        if closed and self.wake is not None:
            self.wake()  # the account's other processes must hear of it now

    def requeue(self) -> bool:
        """Whether a `429` just released is the batch's own load (resend it)."""
        with self._lock:
            return self.clock() - self.last_accepted_at <= PROGRESS_WINDOW

    # -- sharing ---------------------------------------------------------------------

    def report(self) -> Report:
        """What happened here since the last report (then forgotten)."""
        with self._lock:
            report = Report(
                accepted=tuple(self._accepted),
                busy_at=self.busy_at,
                resume_at=self.resume_at,
                last_accepted_at=self.last_accepted_at,
                closing=self._unreported,
            )
            self._accepted.clear()
            self._unreported = None
            return report

    def has_news(self) -> bool:
        """Whether a report would tell something new (accepted creates, a closing)."""
        with self._lock:
            return bool(self._accepted) or self._unreported is not None

    def merge(self, view: AccountView | None) -> None:
        """Take in the account's view (`None`: the store could not be reached).

        A newer closing is adopted (its `429`s here are the same burst's); the
        rate of the current one is recounted with the account's creates.
        """
        with self._lock:
            now = self.clock()
            self.synced_at, self._stale_since = now, None
            self._viewed = view is not None
            if view is None:
                self._others = 0
                return
            self._others = view.busy
            self.resume_at = max(self.resume_at, view.resume_at)
            self.last_accepted_at = max(self.last_accepted_at, view.last_accepted_at)
            closing = view.closing
            if closing is None:
                return
            if self.closing is not None and closing.id == self.closing.id:
                # The same closing back (its times may differ by a clock
                # conversion's rounding): recount it with the account's creates.
                if now - self.closing.at < FORGET_AFTER:
                    self.limit = max(self.limit, closing.limit(view.taken))
                    self._settled = max(self._settled, self.limit)
            elif self.closing is None or (closing.at, closing.id) > (
                self.closing.at,
                self.closing.id,
            ):
                self._close(closing, view.taken)

    def _taken(self, refused: Ticket) -> int:
        """The creates the window before a refused one held, as seen here.

        Alone (or while the store fails): every earlier create not refused
        (those still unanswered went first, so the server counts them).
        Shared: only those accepted, the store's count of the account's creates
        adds the rest (`merge`), so a burst whose first `429` answers a late
        create is not taken for the rate.
        """
        window = (t for t in self._admitted if refused.at - WINDOW < t.at <= refused.at)
        if self.shared and self._viewed:
            return sum(1 for t in window if t.seq in self._ok)
        return sum(
            1 for t in window if t.seq < refused.seq and t.seq not in self._refused
        )

    def _close(self, closing: Closing, taken: int) -> None:
        """Apply a fresh closing (decided here or adopted); under the lock.

        A closing hit while probing just one above the rate the last closing
        settled confirms the account's limit: the wait before probing again
        doubles (up to `PROBE_BACKOFF_MAX`); any other resets it.
        """
        probed = self.limit <= self._settled + 1
        self._increase_after = (
            min(2 * self._increase_after, PROBE_BACKOFF_MAX)
            if probed
            else INCREASE_AFTER
        )
        self.closing = closing
        self.limit = self._settled = closing.limit(taken)
        self._closed_at, self._closed_seq = closing.at, self._seq

    def _forget(self, before: float) -> None:
        while self._admitted and self._admitted[0].at <= before:
            seq = self._admitted.popleft().seq
            self._refused.discard(seq)
            self._ok.discard(seq)
