"""Integration tests run against a local Replicate server started once per session.

The `replicate_server` fixture comes from the package's pytest plugin; each test
gets a clean server (no faults, empty request log, fresh rate limits, fast pace).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from replicate.client import Client

# The package's pytest plugin, imported rather than named in `pytest_plugins`
# (which pytest allows only in the rootdir conftest).
from langchain_replicate.testing.pytest_plugin import (
    replicate_server,
    replicate_server_pace,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_replicate.testing import LocalReplicateServer, ModelPace

__all__ = ["client", "http", "replicate_server", "replicate_server_pace"]

POLL_INTERVAL = 0.02

# The shared throttle store (on by default) in a file of this session's, not the
# user cache dir: the same SQLite store as `"local"`, cleared after each test so
# one test's throttling does not pace the next (`_clean_server`).
_STORE_DIR = Path(tempfile.mkdtemp(prefix="langchain-replicate-tests-"))
atexit.register(shutil.rmtree, _STORE_DIR, ignore_errors=True)
THROTTLE_STORE = _STORE_DIR / "throttle.sqlite3"
os.environ["REPLICATE_THROTTLE_STORE"] = f"sqlite:///{THROTTLE_STORE}"


def _clear_throttle_store() -> None:
    if not THROTTLE_STORE.exists():
        return
    with sqlite3.connect(THROTTLE_STORE, timeout=5.0) as db:
        for table in ("account", "members", "accepted"):
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names


@pytest.fixture(autouse=True)
def _clean_server(
    replicate_server: LocalReplicateServer, replicate_server_pace: ModelPace
) -> Iterator[None]:
    replicate_server.reset()
    yield
    replicate_server.reset()
    _clear_throttle_store()
    replicate_server.set_pace(replicate_server_pace)
    replicate_server.configure(
        create_rate_limit="600/minute",
        rate_limit="3000/minute",
        sync_data_uri_max_bytes=10_000_000,
        page_size=100,
    )


@pytest.fixture
def client(replicate_server: LocalReplicateServer) -> Client:
    """The official client, pointed at the local server, polling fast."""
    official = Client(
        api_token=replicate_server.api_token, base_url=replicate_server.base_url
    )
    official.poll_interval = POLL_INTERVAL
    return official


@pytest.fixture
def http(replicate_server: LocalReplicateServer) -> Iterator[httpx.Client]:
    """A raw HTTP client with the token, for wire-level checks."""
    with httpx.Client(
        base_url=replicate_server.base_url,
        headers={"Authorization": f"Bearer {replicate_server.api_token}"},
        timeout=10,
    ) as raw:
        yield raw
