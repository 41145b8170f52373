"""Sharing what processes learn about an account's throttling (`throttle_store`).

`_core.pacing.Pacer` decides; a `ThrottleStore` only keeps and adds up what the
account's processes report (`Report`) and answers with the account's view
(`AccountView`), in one atomic `exchange`. Times in the store are wall-clock
seconds (`time.time()`): each process converts from its monotonic clock, so
processes on machines sharing a Redis store need synchronised clocks (NTP).

* **`SQLiteThrottleStore`** (`throttle_store="local"`, the default): a SQLite
  file in the user cache dir, one per account, named by a hash of the API
  origin and the token (never the token itself). No server; every process of
  this user on this machine shares it. WAL journal, no fsync (losing it
  loses nothing but a few seconds of pacing).
* **`RedisThrottleStore`** (`throttle_store="redis://host:6379/0"`): the same
  through Redis, for processes on several machines (`pip install
  "langchain-replicate[redis]"`): one Lua script per exchange, keys under
  `langchain-replicate:throttle:<hash>:` expiring two minutes after the last
  exchange.

A `Syncer` (one daemon thread per shared connection) runs the exchanges, so no
caller, and no event loop, ever waits on the store's I/O: while the connection
wants creates it exchanges every `SYNC_EVERY` seconds, and sleeps once it has
wanted none for `QUIET_AFTER` (with nothing left to report) until the pacer
wakes it. A store that fails is logged once and the pacer carries on alone
(it merges `None`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import sqlite3
import threading
import time
import uuid
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from langchain_replicate._core.pacing import (
    BUSY_RECENT,
    WINDOW,
    AccountView,
    Closing,
    Report,
)
from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from langchain_replicate._core.pacing import Pacer

logger = logging.getLogger(__name__)

LOCAL = "local"
"""The default `throttle_store`: a SQLite file in the user cache dir."""
SYNC_EVERY = 0.1
"""Seconds between exchanges while the connection wants creates."""
QUIET_AFTER = 0.1
"""Seconds without a wanted create (and nothing to report) after which the
syncer sleeps until the pacer wakes it: it keeps no view fresh in case a call
comes (a create after an idle spell waits for one exchange instead). While it
exchanged every 0.4 s for two seconds after each create, a lone stream paid
about 10 µs of CPU per token for it."""
IDLE_CHECK = 30.0
"""Seconds between checks, while asleep, that the pacer is still alive (the
thread ends with it); a check exchanges nothing."""
KEEP = 10.0
"""Seconds accepted creates are kept in the store (a closing's window is
counted within a few seconds)."""
FORGET_MEMBER = 60.0
"""Seconds after which a silent process is dropped from the store."""
_CLOCK_OFFSET_ROUND = 6
_OPEN_TRIES = 5
REOPEN_AFTER = 1.0
"""Seconds before a store that could not be opened is tried again."""


class ThrottleStore(Protocol):
    """Where the account's processes meet (times in wall-clock seconds)."""

    def exchange(self, member: str, report: Report, now: float) -> AccountView:
        """Add one process's report; return the account's view, atomically.

        Args:
            member: The reporting process (a random id, one per process).
            report: What it learned since its last report.
            now: The wall-clock time.

        Returns:
            The account's view, this process's own report included (`busy`
            counts the *other* processes).
        """
        ...

    def clear(self) -> None:
        """Forget everything about this account."""
        ...

    def close(self) -> None:
        """Release the connection (the store's data stays)."""
        ...


def account_key(origin: str, token: str) -> str:
    """A hash naming an account's store: API origin and token, never the token."""
    digest = hashlib.sha256(f"{origin}\0{token}".encode())
    return digest.hexdigest()[:32]


def check_spec(spec: str | None) -> str | None:
    """Normalise a `throttle_store` setting; fail early on a bad one.

    Args:
        spec: `"local"`, a `redis://`, `rediss://` or `unix://` URL, a
            `sqlite:///path` file, or `None` / `""` / `"off"` / `"none"`.

    Returns:
        The setting, or `None` for no sharing.

    Raises:
        ReplicateInputError: If the setting is none of those, or names Redis
            while the `redis` package is not installed.
    """
    if spec is None or spec.strip().lower() in {"", "off", "none"}:
        return None
    spec = spec.strip()
    if spec == LOCAL or spec.startswith("sqlite:///"):
        return spec
    if spec.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis  # noqa: F401, PLC0415 - optional dependency
        except ImportError:
            msg = (
                "throttle_store names a Redis server but the `redis` package is "
                'not installed: pip install "langchain-replicate[redis]".'
            )
            raise ReplicateInputError(msg) from None
        return spec
    msg = (
        "throttle_store must be 'local', a redis:// URL, a sqlite:/// path or "
        f"None; got {_redacted(spec)!r}."
    )
    raise ReplicateInputError(msg)


def open_store(spec: str, key: str) -> ThrottleStore:
    """The store a (checked) `throttle_store` setting names, for one account."""
    if spec == LOCAL:
        return SQLiteThrottleStore(local_path(key))
    if spec.startswith("sqlite:///"):
        return SQLiteThrottleStore(Path(spec.removeprefix("sqlite:///")), key=key)
    return RedisThrottleStore.from_url(spec, key)


def local_path(key: str) -> Path:
    """The local store's file for an account, in the user cache dir."""
    import platformdirs  # noqa: PLC0415 - only when a store is opened

    cache = Path(platformdirs.user_cache_dir("langchain-replicate", appauthor=False))
    return cache / "throttle" / f"{key}.sqlite3"


def has_credentials(spec: str) -> bool:
    """Whether a setting holds a user or password (`redis://:pw@host`)."""
    _, sep, rest = spec.partition("://")
    return bool(sep) and "@" in rest.partition("/")[0]


def _redacted(spec: str) -> str:
    """A setting without any password it may hold (`redis://:pw@host`)."""
    if has_credentials(spec):
        scheme, _, rest = spec.partition("://")
        return f"{scheme}://***@{rest.partition('@')[2]}"
    return spec


def _num(value: float) -> float | None:
    """A time for the store: `None` for "never" (SQLite has no infinities)."""
    return value if math.isfinite(value) else None


def _time(value: Any) -> float:  # noqa: ANN401 - a column or a Redis reply
    """A time from the store: "never" is `-inf`."""
    if value is None or value in {b"", ""}:
        return -math.inf
    return float(value)


# -- SQLite -------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS account (
    key TEXT PRIMARY KEY, resume_at REAL, last_accepted_at REAL,
    closing_id TEXT, closed_at REAL, ticket_at REAL, cap REAL, floor REAL);
CREATE TABLE IF NOT EXISTS members (
    key TEXT, member TEXT, busy_at REAL, seen REAL, PRIMARY KEY (key, member));
CREATE TABLE IF NOT EXISTS accepted (key TEXT, at REAL);
CREATE INDEX IF NOT EXISTS accepted_key_at ON accepted (key, at);
"""


class SQLiteThrottleStore:
    """A `ThrottleStore` in a SQLite file (one process's connection to it).

    Not thread-safe: the `Syncer` that owns it uses it from its thread only.
    """

    def __init__(self, path: Path, *, key: str = "") -> None:
        """Open (and create) the file.

        Args:
            path: The SQLite file; its folder is created (private to the user).
            key: The account within the file (a file of its own per account
                needs none).
        """
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path, self.key = path, key
        self._db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
        for attempt in range(_OPEN_TRIES):
            try:  # several processes may create the file at once
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=OFF")
                self._db.executescript(_SCHEMA)
                break
            except sqlite3.OperationalError:
                if attempt == _OPEN_TRIES - 1:
                    self._db.close()
                    raise
                time.sleep(0.05 * (attempt + 1))

    def exchange(self, member: str, report: Report, now: float) -> AccountView:
        """See `ThrottleStore.exchange` (one `BEGIN IMMEDIATE` transaction)."""
        db, key = self._db, self.key
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT INTO members VALUES (?, ?, ?, ?) ON CONFLICT (key, member) "
                "DO UPDATE SET busy_at = excluded.busy_at, seen = excluded.seen",
                (key, member, _num(report.busy_at), now),
            )
            db.executemany(
                "INSERT INTO accepted VALUES (?, ?)",
                [(key, a) for a in report.accepted],
            )
            db.execute("INSERT OR IGNORE INTO account (key) VALUES (?)", (key,))
            db.execute(
                # (SQLite's max() of a NULL is NULL: "never" changes nothing)
                "UPDATE account SET "
                "resume_at = coalesce(max(resume_at, ?), resume_at, ?), "
                "last_accepted_at = coalesce("
                "max(last_accepted_at, ?), last_accepted_at, ?) WHERE key = ?",
                (
                    *(_num(report.resume_at),) * 2,
                    *(_num(report.last_accepted_at),) * 2,
                    key,
                ),
            )
            if (closing := report.closing) is not None:
                db.execute(
                    "UPDATE account SET closing_id = ?, closed_at = ?, ticket_at = ?, "
                    "cap = ?, floor = ? WHERE key = ? AND (closed_at IS NULL "
                    "OR closed_at < ? OR (closed_at = ? AND closing_id < ?))",
                    (
                        closing.id,
                        closing.at,
                        closing.ticket_at,
                        closing.cap,
                        closing.floor,
                        key,
                        closing.at,
                        closing.at,
                        closing.id,
                    ),
                )
            db.execute(
                "DELETE FROM accepted WHERE key = ? AND at < ?", (key, now - KEEP)
            )
            db.execute(
                "DELETE FROM members WHERE key = ? AND seen < ?",
                (key, now - FORGET_MEMBER),
            )
            view = self._view(member, now)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return view

    def _view(self, member: str, now: float) -> AccountView:
        db, key = self._db, self.key
        row = db.execute(
            "SELECT resume_at, last_accepted_at, closing_id, closed_at, ticket_at, "
            "cap, floor FROM account WHERE key = ?",
            (key,),
        ).fetchone()
        (busy,) = db.execute(
            "SELECT count(*) FROM members WHERE key = ? AND member != ? "
            "AND busy_at > ?",
            (key, member, now - BUSY_RECENT),
        ).fetchone()
        closing, taken = None, 0
        if row[2] is not None:
            closing = Closing(row[2], row[3], row[4], row[5], row[6] or 0.0)
            (taken,) = db.execute(
                "SELECT count(*) FROM accepted WHERE key = ? AND at > ? AND at <= ?",
                (key, closing.at - WINDOW, closing.at),
            ).fetchone()
        return AccountView(
            resume_at=_time(row[0]),
            last_accepted_at=_time(row[1]),
            closing=closing,
            taken=taken,
            busy=busy,
        )

    def accepted(self) -> list[float]:
        """The accepted creates' admit times the store holds (for inspection)."""
        rows = self._db.execute(
            "SELECT at FROM accepted WHERE key = ? ORDER BY at", (self.key,)
        )
        return [at for (at,) in rows]

    def clear(self) -> None:
        """See `ThrottleStore.clear`."""
        with contextlib.closing(self._db.cursor()) as cursor:
            cursor.execute("BEGIN IMMEDIATE")
            for table in ("account", "members", "accepted"):
                cursor.execute(f"DELETE FROM {table} WHERE key = ?", (self.key,))  # noqa: S608 - fixed names
            cursor.execute("COMMIT")

    def close(self) -> None:
        """See `ThrottleStore.close`."""
        self._db.close()


# -- Redis --------------------------------------------------------------------------

_EXCHANGE_LUA = """
local account, accepted, members = KEYS[1], KEYS[2], KEYS[3]
local member, now, busy_at = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local resume_at, last_accepted_at = ARGV[4], ARGV[5]
local closing_id, closed_at = ARGV[6], ARGV[7]
local window, keep, busy_recent, forget = tonumber(ARGV[11]), tonumber(ARGV[12]),
    tonumber(ARGV[13]), tonumber(ARGV[14])
if busy_at ~= '' then redis.call('ZADD', members, busy_at, member) end
for i = 15, #ARGV do
    redis.call('ZADD', accepted, ARGV[i], member .. ':' .. ARGV[i] .. ':' .. i)
end
local function keep_max(field, value)
    if value == '' then return end
    local old = redis.call('HGET', account, field)
    if not old or tonumber(old) < tonumber(value) then
        redis.call('HSET', account, field, value)
    end
end
keep_max('resume_at', resume_at)
keep_max('last_accepted_at', last_accepted_at)
if closing_id ~= '' then
    local old = redis.call('HMGET', account, 'closed_at', 'closing_id')
    local at = tonumber(closed_at)
    if not old[1] or tonumber(old[1]) < at
        or (tonumber(old[1]) == at and old[2] < closing_id) then
        redis.call('HSET', account, 'closing_id', closing_id, 'closed_at', closed_at,
            'ticket_at', ARGV[8], 'cap', ARGV[9], 'floor', ARGV[10])
    end
end
redis.call('ZREMRANGEBYSCORE', accepted, '-inf', '(' .. (now - keep))
redis.call('ZREMRANGEBYSCORE', members, '-inf', '(' .. (now - forget))
local busy = redis.call('ZCOUNT', members, '(' .. (now - busy_recent), '+inf')
local mine = redis.call('ZSCORE', members, member)
if mine and tonumber(mine) > now - busy_recent then busy = busy - 1 end
local state = redis.call('HMGET', account, 'resume_at', 'last_accepted_at',
    'closing_id', 'closed_at', 'ticket_at', 'cap', 'floor')
local taken = 0
if state[4] then
    local closed = tonumber(state[4])
    taken = redis.call('ZCOUNT', accepted, '(' .. (closed - window), state[4])
end
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, 120) end
for i = 1, 7 do if not state[i] then state[i] = '' end end
return {state[1], state[2], state[3], state[4], state[5], state[6], state[7],
    taken, busy}
"""


class RedisThrottleStore:
    """A `ThrottleStore` on a Redis server (`redis` package: the `[redis]` extra)."""

    PREFIX = "langchain-replicate:throttle:"

    def __init__(self, client: Any, key: str) -> None:  # noqa: ANN401 - redis.Redis
        """Use a `redis.Redis` client for one account (`key`)."""
        self._client = client
        self.keys = [
            f"{self.PREFIX}{key}:{part}" for part in ("account", "accepted", "members")
        ]
        self._exchange = client.register_script(_EXCHANGE_LUA)

    @classmethod
    def from_url(cls, url: str, key: str) -> RedisThrottleStore:
        """Connect to the server at `url` (e.g. `redis://localhost:6379/0`)."""
        import redis  # noqa: PLC0415 - optional dependency

        client = redis.Redis.from_url(
            url, socket_timeout=2.0, socket_connect_timeout=2.0
        )
        return cls(client, key)

    def exchange(self, member: str, report: Report, now: float) -> AccountView:
        """See `ThrottleStore.exchange` (one Lua script: atomic)."""
        closing = report.closing
        args: Sequence[object] = [
            member,
            repr(now),
            _arg(report.busy_at),
            _arg(report.resume_at),
            _arg(report.last_accepted_at),
            closing.id if closing else "",
            repr(closing.at) if closing else "",
            repr(closing.ticket_at) if closing else "",
            repr(closing.cap) if closing else "",
            repr(closing.floor) if closing else "",
            repr(WINDOW),
            repr(KEEP),
            repr(BUSY_RECENT),
            repr(FORGET_MEMBER),
            *(repr(at) for at in report.accepted),
        ]
        reply = self._exchange(keys=self.keys, args=args)
        text = [v.decode() if isinstance(v, bytes) else v for v in reply]
        closing_id = text[2]
        view_closing = (
            Closing(
                closing_id,
                float(text[3]),
                float(text[4]),
                float(text[5]),
                float(text[6] or 0.0),
            )
            if closing_id
            else None
        )
        return AccountView(
            resume_at=_time(text[0]),
            last_accepted_at=_time(text[1]),
            closing=view_closing,
            taken=int(text[7]),
            busy=int(text[8]),
        )

    def accepted(self) -> list[float]:
        """The accepted creates' admit times the store holds (for inspection)."""
        entries = self._client.zrange(self.keys[1], 0, -1, withscores=True)
        return [float(score) for _, score in entries]

    def clear(self) -> None:
        """See `ThrottleStore.clear`."""
        self._client.delete(*self.keys)

    def close(self) -> None:
        """See `ThrottleStore.close`."""
        self._client.close()


def _arg(value: float) -> str:
    """A time as a Lua script argument (`""` for never)."""
    return repr(value) if math.isfinite(value) else ""


# -- the syncer ---------------------------------------------------------------------


class Syncer:
    """Exchanges a pacer's reports for the account's view, on a daemon thread.

    Started on the first wanted create (`Pacer.wake`); while the pacer wants
    creates (or has news) it exchanges every `SYNC_EVERY` seconds, then sleeps
    until woken.
    After a fork the child starts its own thread, store and member id.
    """

    def __init__(self, pacer: Pacer, opener: Callable[[], ThrottleStore]) -> None:
        """Share `pacer` through the store `opener` opens (on the thread)."""
        self._pacer = weakref.ref(pacer)
        self._opener = opener
        self._event = threading.Event()
        self._guard = threading.Lock()
        self._pid = -1
        self.member = ""
        self.exchanges = 0
        """How many exchanges this process made (for tests and benchmarks)."""
        self._failing = False
        pacer.shared = True
        pacer.wake = self.wake

    def wake(self) -> None:
        """Ask for an exchange now (starts the thread in this process if needed)."""
        if self._pid != os.getpid():
            with self._guard:
                if self._pid != os.getpid():
                    self._pid = os.getpid()
                    self.member = f"{self._pid}-{uuid.uuid4().hex[:12]}"
                    self._event = threading.Event()
                    thread = threading.Thread(
                        target=self._run,
                        args=(self._event,),
                        name="replicate-throttle-sync",
                        daemon=True,
                    )
                    thread.start()
        self._event.set()

    def _run(self, event: threading.Event) -> None:
        store: ThrottleStore | None = None
        warned, retry_at, wanted = False, -math.inf, True
        try:
            while (pacer := self._pacer()) is not None:
                if store is None and time.monotonic() >= retry_at:
                    try:
                        store = self._opener()
                    except Exception as e:
                        retry_at = time.monotonic() + REOPEN_AFTER
                        if not warned:
                            warned = True
                            logger.warning(
                                "Could not open the shared throttle store (%s); "
                                "pacing this process alone until it opens.",
                                type(e).__name__,
                            )
                        logger.debug("Throttle store open failed", exc_info=True)
                if wanted:
                    self._sync(pacer, store)
                since = pacer.clock() - pacer.busy_at
                news = pacer.has_news()
                del pacer  # the thread must not keep the pacer alive
                if since > QUIET_AFTER and not news:
                    wanted = event.wait(IDLE_CHECK)
                else:
                    time.sleep(SYNC_EVERY)
                    wanted = True
                event.clear()
        finally:
            if store is not None:
                store.close()

    def _sync(self, pacer: Pacer, store: ThrottleStore | None) -> None:
        if store is None:
            pacer.merge(None)
            return
        offset = round(time.time() - pacer.clock(), _CLOCK_OFFSET_ROUND)
        report = pacer.report()
        try:
            view = store.exchange(self.member, report.shifted(offset), time.time())
        except Exception as e:  # noqa: BLE001 - a store failure must not stop creates
            if not self._failing:  # once per failing spell, not ten times a second
                logger.warning(
                    "The shared throttle store failed (%s); pacing this process "
                    "alone meanwhile.",
                    type(e).__name__,
                )
            self._failing = True
            pacer.merge(None)
            return
        self._failing = False
        self.exchanges += 1
        pacer.merge(view.shifted(-offset))
