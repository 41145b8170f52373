"""Shared by the unit tests: a hermetic environment and the sync/async `mode`.

Call helpers (`invoke`, `stream`) are in `tests/modes.py`, shared with the
integration tests.
"""

from __future__ import annotations

import pytest

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
