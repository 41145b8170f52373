"""The pure decisions of pacing (`_core.pacing.Pacer`) and batch scopes.

Batch scopes: `_core.abandonment`.

Pacing runs on a fake clock against a model of a throttled account (a moving
window of N creates per second), so rates and waits are exact.
"""

from __future__ import annotations

from collections import deque

import pytest

from langchain_replicate._core.abandonment import (
    AbandonScope,
    abandon_scope,
    current_scope,
)
from langchain_replicate._core.pacing import (
    CEILING,
    FORGET_AFTER,
    INCREASE_AFTER,
    Pacer,
    Ticket,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Account:
    """A server limit: `rate` creates per moving second (refusals not counted)."""

    def __init__(self, clock: FakeClock, rate: int) -> None:
        self.clock, self.rate = clock, rate
        self.accepted: deque[float] = deque()

    def create(self) -> bool:
        now = self.clock()
        while self.accepted and self.accepted[0] <= now - 1.0:
            self.accepted.popleft()
        if len(self.accepted) >= self.rate:
            return False
        self.accepted.append(now)
        return True


def admitted(pacer: Pacer) -> Ticket:
    ticket = pacer.admit()
    assert isinstance(ticket, Ticket)
    return ticket


def run_batch(
    pacer: Pacer, clock: FakeClock, account: Account, n: int
) -> tuple[list[int], int]:
    """`n` creates sent as soon as admitted: (accepted per second, 429s)."""
    pending, per_second, refused = n, [0] * 200, 0
    start = clock.now
    while pending:
        ticket = pacer.admit()
        if not isinstance(ticket, Ticket):
            clock.now += ticket
            continue
        clock.now += 0.001  # the request's round trip
        if account.create():
            pacer.release(ticket, accepted=True)
            per_second[int(clock.now - start)] += 1
            pending -= 1
        else:
            pacer.release(ticket, throttled=1.0, accepted=False)
            refused += 1
    return per_second[: int(clock.now - start) + 1], refused


def test_an_unthrottled_connection_is_never_paced() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    for _ in range(500):
        pacer.release(admitted(pacer), accepted=True)
    assert pacer.limit == CEILING
    assert clock.now == 1000.0  # no create waited


def test_a_429_closes_the_gate_for_everyone_until_retry_after() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    ticket = admitted(pacer)
    pacer.release(ticket, throttled=2.0, accepted=False)
    waited = 0.0
    while not isinstance(wait := pacer.admit(), Ticket):
        waited += wait
        clock.now += wait
    assert waited == pytest.approx(2.0)


def test_the_rate_drops_to_what_the_window_held_before_the_refusal() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    tickets = [admitted(pacer) for _ in range(20)]
    for ticket in tickets[:12]:
        pacer.release(ticket, accepted=True)
    for ticket in tickets[12:]:  # the burst's own refusals: one decision
        pacer.release(ticket, throttled=1.0, accepted=False)
    assert pacer.limit == 12


def test_a_throttled_batch_runs_at_the_accounts_rate() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    per_second, refused = run_batch(pacer, clock, Account(clock, rate=12), 300)
    assert sum(per_second) == 300
    # about the allowed rate: 300 creates at 12/s take at least 25 s
    assert len(per_second) <= 30
    assert refused <= 30  # a handful of 429s, not one per create per second


def test_the_rate_grows_again_after_a_quiet_spell() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    pacer.release(admitted(pacer), throttled=1.0, accepted=False)
    assert pacer.limit == 1
    clock.now += INCREASE_AFTER + 1
    for _ in range(3):
        pacer.release(admitted(pacer), accepted=True)
        clock.now += 2
    assert pacer.limit == 4


def test_pacing_ends_a_while_after_the_last_429() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    pacer.release(admitted(pacer), throttled=1.0, accepted=False)
    clock.now += FORGET_AFTER
    admitted(pacer)
    assert pacer.limit == CEILING


def test_a_429_is_requeued_only_while_other_creates_are_accepted() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    pacer.release(admitted(pacer), throttled=1.0, accepted=False)
    assert not pacer.requeue()  # nothing accepted: the account refuses us
    clock.now += 2.0
    pacer.release(admitted(pacer), accepted=True)
    assert pacer.requeue()
    clock.now += 60
    assert not pacer.requeue()


# -- abandonment ----------------------------------------------------------------------


def test_an_abandon_scope_gives_its_flows_up_at_once() -> None:
    assert current_scope() is None
    with abandon_scope() as scope:
        assert current_scope() is scope
        scope.add("driver", "flow-1")
        scope.add("driver", "flow-2")
        scope.discard("flow-1")
        assert scope.abandon() == [("driver", "flow-2")]
        assert scope.abandoned
    assert current_scope() is None
    assert not AbandonScope().abandoned


def test_a_probe_failing_one_above_the_measured_rate_doubles_the_wait() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    tickets = [admitted(pacer) for _ in range(13)]
    for ticket in tickets[:12]:
        pacer.release(ticket, accepted=True)
    pacer.release(tickets[12], throttled=1.0, accepted=False)
    assert pacer.limit == 12  # measured
    clock.now += 1.0 + INCREASE_AFTER
    pacer.release(admitted(pacer), accepted=True)
    assert pacer.limit == 13  # probing one above
    pacer.release(admitted(pacer), throttled=1.0, accepted=False)  # it fails
    settled = pacer.limit
    clock.now += 1.0 + INCREASE_AFTER
    pacer.release(admitted(pacer), accepted=True)
    assert pacer.limit == settled  # not yet: the wait doubled
    clock.now += INCREASE_AFTER
    pacer.release(admitted(pacer), accepted=True)
    assert pacer.limit == settled + 1
