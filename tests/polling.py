"""Waiting for the local server's state in async tests, without timing assertions."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable


async def until(check: Callable[[], object]) -> None:
    """Poll `check()` until it is true (at most 5 s)."""
    for _ in range(250):
        if check():
            return
        await asyncio.sleep(0.02)
    pytest.fail("condition not met within 5 s")
