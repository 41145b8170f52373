"""The local server in its own process, and what the benchmarks ask it.

The server runs in a separate interpreter (`python -m langchain_replicate.testing`)
so the clients measured here never share a process, or a GIL, with it.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

TIME_TO_FIRST_TOKEN = 0.2
"""Seconds before a language model's first token (a realistic pace)."""
TOKEN_INTERVAL = 0.01
"""Seconds between tokens: 100 tokens/s."""
RATE_LIMIT = "1000000/minute"
"""High enough for the batches (the defaults are Replicate's 600 creates/minute)."""
TOKEN = "r8_benchmarks"  # noqa: S105 - the local server's token, not a secret
_STARTUP = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class ServerInfo:
    """Where the server is and how to talk to it (passed to the workers)."""

    base_url: str
    token: str

    def client(self) -> httpx.Client:
        """An HTTP client for the API and the admin endpoints."""
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60.0,
        )


def _answers(http: httpx.Client) -> bool:
    try:
        http.get("/v1/account").raise_for_status()
    except httpx.TransportError:
        return False
    return True


class ServerProcess:
    """`python -m langchain_replicate.testing` at the benchmark pace, as a context."""

    def __init__(self) -> None:
        """Pick a port; the process starts on `__enter__`."""
        port = free_port()
        self.info = ServerInfo(base_url=f"http://127.0.0.1:{port}", token=TOKEN)
        self._command = [
            sys.executable,
            "-m",
            "langchain_replicate.testing",
            f"--port={port}",
            f"--token={TOKEN}",
            f"--ttft={TIME_TO_FIRST_TOKEN}",
            f"--token-interval={TOKEN_INTERVAL}",
            f"--create-rate-limit={RATE_LIMIT}",
            f"--rate-limit={RATE_LIMIT}",
        ]
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        """Start the server and wait until it answers."""
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self._command, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + _STARTUP
        with self.info.client() as http:
            while not _answers(http):
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self._process.kill()
                    msg = "the local Replicate server did not start"
                    raise RuntimeError(msg)
                time.sleep(0.1)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def round_trip(http: httpx.Client, samples: int = 30) -> float:
    """Median seconds of a trivial GET (`/v1/account`) on a kept-alive connection."""
    http.get("/v1/account").raise_for_status()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        http.get("/v1/account").raise_for_status()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def newest_prediction(http: httpx.Client) -> dict[str, Any]:
    """The prediction created last (the list is newest first)."""
    response = http.get("/v1/predictions")
    response.raise_for_status()
    results: list[dict[str, Any]] = response.json()["results"]
    return results[0]


def recent_predictions(http: httpx.Client, count: int) -> list[dict[str, Any]]:
    """The `count` predictions created last, newest first (following the pages)."""
    found: list[dict[str, Any]] = []
    url: str | None = "/v1/predictions"
    while url and len(found) < count:
        response = http.get(url)
        response.raise_for_status()
        page = response.json()
        found += page["results"]
        url = page["next"]
    return found[:count]


def timestamp(value: str) -> float:
    """Seconds since the epoch from the API's ISO 8601 (`...Z`) timestamps."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def wait_finished(http: httpx.Client, prediction: dict[str, Any]) -> dict[str, Any]:
    """The prediction once it is terminal (a cancel lands a moment after the call)."""
    deadline = time.monotonic() + 10.0
    while prediction["status"] not in {"succeeded", "failed", "canceled", "aborted"}:
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
        response = http.get(f"/v1/predictions/{prediction['id']}")
        response.raise_for_status()
        prediction = response.json()
    return prediction


def clear_request_log(http: httpx.Client) -> None:
    """Forget the requests the server received so far."""
    http.delete("/_admin/requests").raise_for_status()


def creates_logged(http: httpx.Client) -> int:
    """How many prediction creates the server received since the log was cleared."""
    response = http.get("/_admin/requests")
    response.raise_for_status()
    return sum(
        1
        for method, path in response.json()
        if method == "POST" and path.split("?")[0].endswith("/predictions")
    )
