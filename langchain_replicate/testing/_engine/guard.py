"""ASGI middleware in front of every route (request log, delay, auth, rate limits).

Also the per-token rate limiter (moving window) with the two buckets of spec §7.2.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._engine.wire import problem_response

if TYPE_CHECKING:
    from collections.abc import MutableMapping, MutableSequence

    from starlette.types import ASGIApp, Message, Receive, Scope, Send


ADMIN_PREFIX = "/_admin"
API_PREFIX = "/v1/"


def bearer_token(authorization: str | None) -> str | None:
    """The token from `Authorization: Bearer <t>` or `Token <t>`, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() not in {"bearer", "token"}:
        return None
    return token.strip() or None


def is_create(method: str, path: str) -> bool:
    """Whether a request creates a prediction (the 600/min bucket)."""
    if method != "POST":
        return False
    parts = [p for p in path.split("/") if p]
    if parts == ["v1", "predictions"]:
        return True
    return (
        len(parts) == 5  # noqa: PLR2004 - /v1/{models|deployments}/{o}/{n}/predictions
        and parts[1] in {"models", "deployments"}
        and parts[4] == "predictions"
    )


class Delayed(Protocol):
    """The fault the guard applies itself (`state.Faults`)."""

    @property
    def delay(self) -> float:
        """Seconds to wait before each API request."""
        ...


class Guarded(Protocol):
    """What the guard reads and records of the server's state (`ServerState`)."""

    @property
    def request_log(self) -> MutableSequence[tuple[str, str]]:
        """Every API request's method and path, in order."""
        ...

    @property
    def faults(self) -> Delayed:
        """The injected faults."""
        ...

    @property
    def api_token(self) -> str:
        """The token requests must carry."""
        ...

    @property
    def limiter(self) -> RateLimiter:
        """The per-token rate limits."""
        ...

    @property
    def foreign_port(self) -> int | None:
        """The port of the second origin, if it listens."""
        ...

    def record_foreign(self, method: str, path: str, *, authorization: bool) -> None:
        """Note a request that reached the foreign origin."""


class Guard:
    """Logs, delays, authenticates and rate-limits requests to `/v1/` and admin."""

    def __init__(self, app: ASGIApp, state: Guarded) -> None:
        """Wrap `app`."""
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._on_foreign_listener(scope):
            await self._foreign(scope, receive, send)
            return
        await self._api(scope, receive, send)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The API listener: log, delay, authenticate, rate-limit, then route."""
        method: str = scope["method"]
        path: str = scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        is_admin = path.startswith(ADMIN_PREFIX)
        is_api = path.startswith(API_PREFIX)
        if not is_admin:
            self.state.request_log.append(
                (method, f"{path}?{query}" if query else path)
            )
        if not (is_admin or is_api):
            await self.app(scope, receive, send)
            return
        if is_api and self.state.faults.delay > 0:
            await asyncio.sleep(self.state.faults.delay)
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in scope["headers"]
        }
        token = bearer_token(headers.get("authorization"))
        if token != self.state.api_token:
            await problem_response(_errors.unauthenticated())(scope, receive, send)
            return
        if is_admin:
            await self.app(scope, receive, send)
            return
        decision = self.state.limiter.hit(token, create=is_create(method, path))
        if not decision.allowed:
            error = _errors.throttled(decision.reset_after)
            error.headers.update(
                _rate_headers(decision.remaining, decision.reset_after)
            )
            await problem_response(error)(scope, receive, send)
            return
        extra = [
            (k.encode(), v.encode())
            for k, v in _rate_headers(decision.remaining, decision.reset_after).items()
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = _with_headers(message, extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _on_foreign_listener(self, scope: Scope) -> bool:
        server = scope.get("server") or (None, None)
        port = self.state.foreign_port
        return port is not None and server[1] == port

    async def _foreign(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The second listener: streams and output files only, no token needed.

        Records whether the client sent `Authorization` (it should not: this is
        another origin).
        """
        path: str = scope["path"]
        sent = any(k.lower() == b"authorization" for k, _ in scope["headers"])
        self.state.record_foreign(scope["method"], path, authorization=sent)
        if path.startswith(FOREIGN_PREFIXES):
            await self.app(scope, receive, send)
            return
        await problem_response(_errors.not_found())(scope, receive, send)


FOREIGN_PREFIXES = ("/v1/streams/", "/delivery/")
"""What the second listener (another origin) serves."""


def _rate_headers(remaining: int, reset_after: float) -> dict[str, str]:
    return {
        "ratelimit-remaining": str(remaining),
        "ratelimit-reset": str(max(1, math.ceil(reset_after))),
    }


def _with_headers(
    message: MutableMapping[str, Any], extra: list[tuple[bytes, bytes]]
) -> Message:
    updated = dict(message)
    updated["headers"] = [*message.get("headers", []), *extra]
    return updated


# --- rate limits -------------------------------------------------------------------


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
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
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
        limiter = self._limiter  # one storage for both, even across a reset
        allowed = limiter.hit(item, bucket, token)
        stats = limiter.get_window_stats(item, bucket, token)
        return RateDecision(
            allowed=allowed,
            remaining=stats.remaining,
            reset_after=max(0.0, stats.reset_time - time.time()),
        )

    def reset(self) -> None:
        """Forget every counter.

        A fresh storage, not `MemoryStorage.reset()`: that clears the counters
        under the storage's own expiry thread, which then fails on a key it was
        expiring (a `KeyError` in a thread, seen under load).
        """
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
