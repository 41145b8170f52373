"""A per-token rate limiter (moving window) with the two buckets of spec §7.2."""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class RateDecision:
    """The outcome of one hit."""

    allowed: bool
    remaining: int
    reset_after: float
    """Seconds until the window frees a slot."""


class RateLimiter:
    """Counts creates and other requests separately, keyed by API token."""

    def __init__(self, create_limit: str, other_limit: str) -> None:
        """Create the limiter.

        Args:
            create_limit: A `limits` string for prediction creates, e.g. `600/minute`.
            other_limit: The same for every other request, e.g. `3000/minute`.
        """
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._create: RateLimitItem = parse(create_limit)
        self._other: RateLimitItem = parse(other_limit)

    def configure(self, *, create_limit: str | None, other_limit: str | None) -> None:
        """Change the limits (counters are kept)."""
        if create_limit is not None:
            self._create = parse(create_limit)
        if other_limit is not None:
            self._other = parse(other_limit)

    def hit(self, token: str, *, create: bool) -> RateDecision:
        """Count one request; say whether it is allowed."""
        item = self._create if create else self._other
        bucket = "create" if create else "other"
        allowed = self._limiter.hit(item, bucket, token)
        stats = self._limiter.get_window_stats(item, bucket, token)
        return RateDecision(
            allowed=allowed,
            remaining=stats.remaining,
            reset_after=max(0.0, stats.reset_time - time.time()),
        )

    def reset(self) -> None:
        """Forget every counter."""
        self._storage.reset()
