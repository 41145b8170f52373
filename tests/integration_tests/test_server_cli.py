"""`python -m langchain_replicate.testing` prints how to reach it, then serves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

STARTUP_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_cli_prints_exports_and_serves() -> None:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "langchain_replicate.testing", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        exports = dict(
            line.removeprefix("export ").strip().split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        assert exports["REPLICATE_BASE_URL"] == f"http://127.0.0.1:{port}"
        token = exports["REPLICATE_API_TOKEN"]
        assert token.startswith("r8_")
        assert len(token) == 40
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/v1/account",
                    headers={"Authorization": f"Bearer {token}"},
                )
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.05)
        assert response.json()["username"] == "local"
    finally:
        process.terminate()
        process.wait(timeout=10)
