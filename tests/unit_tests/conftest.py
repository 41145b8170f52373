"""Shared by the unit tests: a hermetic environment and the sync/async `mode`.

Call helpers (`invoke`, `stream`) are in `tests/modes.py`, shared with the
integration tests.
"""

from __future__ import annotations

import pytest

from langchain_replicate._core import pacing, protocol
from tests.modes import MODES


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token or base URL from the developer's shell leaks into a test.

    Nor does the shared throttle store: it is off (no thread, no file in the
    user cache dir); `test_core_throttle_store.py` tests it with stores of its own.
    """
    for name in ("REPLICATE_API_TOKEN", "REPLICATE_API_KEY", "REPLICATE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REPLICATE_THROTTLE_STORE", "off")


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Run the test once through the sync API and once through the async one."""
    mode: str = request.param
    return mode


@pytest.fixture
def short_pacing_window(monkeypatch: pytest.MonkeyPatch) -> float:
    """The pacer counts creates per 0.05 s instead of 1.1 s (`pacing.WINDOW`).

    After a `429` the pacer admits one create per window; a test of a call's
    retries would otherwise wait 1.1 s per refused create. The pacing itself is
    tested on a fake clock (`test_core_pacing.py`).
    """
    monkeypatch.setattr(pacing, "WINDOW", 0.05)
    return 0.05


@pytest.fixture
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> float:
    """Polls back off from 0.01 s instead of 0.2 s (`protocol.POLL_FIRST`).

    For tests whose fake prediction ends after a number of polls, not a time: the
    same polls, sooner. The schedule itself is tested on its own
    (`test_core_protocol.py`).
    """
    monkeypatch.setattr(protocol, "POLL_FIRST", 0.01)
    return 0.01
