"""Reaching Replicate: building and sharing clients, and the schema cache.

A `Connection` holds the `replicate.Client`s of one set of settings: one for
sync calls and one per event loop (an `httpx.AsyncClient` belongs to the loop it
first ran on), and the `Pacer` all their creates share (`_core/pacing.py`),
shared with the account's other processes through a throttle store when the
settings name one (`_core/throttle_store.py`: a `Syncer` thread per connection).
Instances with the same settings share one (see
`ReplicateAPI.from_settings`), so clients, connection pools and the TLS context
(~50 ms to build) are made once per process. A model that is pickled or copied
leaves its `Connection` behind (`ReplicateConnection.__getstate__`): the copy
joins (or builds) the one of its settings in its own process.

Each client's pool holds up to `POOL_LIMITS` connections (`PooledTransport`):
an open stream holds one, and httpx's default of 100 made the 101st concurrent
stream wait for another to end.

Model input schemas are cached process-wide, keyed by (base URL, model), and
fetched at most once per key: concurrent lookups wait on one lock per key (a
thread lock for sync callers, an asyncio lock per event loop for async ones).
"""

from __future__ import annotations

import asyncio
import functools
import threading
import weakref
from importlib import metadata
from typing import TYPE_CHECKING, Any

import httpx
from replicate.__about__ import __version__ as sdk_version
from replicate.client import Client as ReplicateClient

from langchain_replicate._core.pacing import Pacer
from langchain_replicate._core.secrets import OriginBoundToken
from langchain_replicate._core.throttle_store import Syncer, open_store

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from langchain_replicate._inputs.model_ref import ModelRef
    from langchain_replicate._inputs.schema import InputSchema

DEFAULT_BASE_URL = "https://api.replicate.com"


def normalize_base_url(base_url: str | None) -> str:
    """The API origin: default when unset; trailing `/` and `/v1` removed.

    Replicate's paths already start with `/v1`, so `https://host/v1` would give
    `/v1/v1/...`.
    """
    url = (base_url or DEFAULT_BASE_URL).rstrip("/")
    return url.removesuffix("/v1")


@functools.cache
def user_agent() -> str:
    """Our `User-Agent`: package and SDK versions."""
    try:
        version = metadata.version("langchain-replicate")
    except metadata.PackageNotFoundError:  # a source tree that is not installed
        version = "dev"
    return f"langchain-replicate/{version} replicate-python/{sdk_version}"


def client_factory(
    token: str, origin: str, client_kwargs: Mapping[str, Any] | None = None
) -> Callable[[], ReplicateClient]:
    """A builder of `replicate.Client`s with our token, origin and headers.

    Every client gets `OriginBoundToken` as its `auth` (replacing any given in
    `client_kwargs`): the token goes only where `_core.origins.token_allowed` says,
    whichever code sends the request (ours, or `FileOutput.read()`).
    """
    kwargs = dict(client_kwargs or {})
    headers = {"User-Agent": user_agent(), **kwargs.pop("headers", {})}
    kwargs["auth"] = OriginBoundToken(token, origin)
    given = "transport" in kwargs

    def make_client() -> ReplicateClient:
        pool: dict[str, Any] = {} if given else {"transport": PooledTransport()}
        return ReplicateClient(
            api_token=token, base_url=origin, headers=dict(headers), **kwargs, **pool
        )

    return make_client


POOL_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=20)
"""Connections a client may hold: one per open stream, so hundreds of concurrent
streams (a web server's users) each get theirs. httpx's default, 100, kept the
101st stream waiting for a connection until another stream ended. Idle ones
kept for reuse: httpx's default, 20. Keeping more made a burst slower, not
faster: `abatch(64)` sent after a first one took 1.2 s instead of 0.7 s on the
local server, the pool looking over every idle connection for each request."""


class PooledTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """httpx's transports with `POOL_LIMITS`, sync and async, each built on first use.

    `replicate.Client` wraps one `transport` for both its sync and async
    clients (its own default is httpx's, with 100 connections); this one serves
    either.
    """

    def __init__(self) -> None:
        """No connection pool yet."""
        self._sync: httpx.HTTPTransport | None = None
        self._async: httpx.AsyncHTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send with the sync pool."""
        if self._sync is None:
            self._sync = httpx.HTTPTransport(limits=POOL_LIMITS)
        return self._sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send with the async pool (of the loop the client belongs to)."""
        if self._async is None:
            self._async = httpx.AsyncHTTPTransport(limits=POOL_LIMITS)
        return await self._async.handle_async_request(request)

    def close(self) -> None:
        """Close the sync pool."""
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        """Close the async pool."""
        if self._async is not None:
            await self._async.aclose()


class Connection:
    """The `replicate.Client`s of one set of settings (sync, and one per loop)."""

    def __init__(
        self,
        make_client: Callable[[], ReplicateClient],
        *,
        throttle_store: tuple[str, str] | None = None,
    ) -> None:
        """Build the sync client now; async ones on first use in each loop.

        Args:
            make_client: Builds a `replicate.Client`.
            throttle_store: `(setting, account key)` of the store the pacer
                shares (`_core.throttle_store.open_store`), or `None`.
        """
        self._make_client = make_client
        self.client = make_client()
        self.pacer = Pacer()
        """Paces this connection's creates under throttling (sync and async)."""
        self.syncer: Syncer | None = None
        """Shares the pacer's news with the account's processes (if a store)."""
        if throttle_store is not None:
            self.syncer = Syncer(
                self.pacer, functools.partial(open_store, *throttle_store)
            )
        self._loop_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, ReplicateClient
        ] = weakref.WeakKeyDictionary()

    @property
    def http(self) -> httpx.Client:
        """The sync client's `httpx.Client` (we send our own requests)."""
        http: httpx.Client = self.client._client  # noqa: SLF001 - no public accessor
        return http

    @property
    def loop_client(self) -> ReplicateClient:
        """The running event loop's `replicate.Client`."""
        loop = asyncio.get_running_loop()
        client = self._loop_clients.get(loop)
        if client is None:
            client = self._loop_clients[loop] = self._make_client()
        return client

    @property
    def ahttp(self) -> httpx.AsyncClient:
        """The running event loop's `httpx.AsyncClient`."""
        http: httpx.AsyncClient = self.loop_client._async_client  # noqa: SLF001 - see http
        return http


# -- the schema cache ------------------------------------------------------------------

SchemaKey = tuple[str, str]
schemas: dict[SchemaKey, InputSchema | None] = {}
"""Input schemas by (base URL, model), for the whole process."""
_locks: dict[SchemaKey, threading.Lock] = {}
_locks_guard = threading.Lock()
_async_locks: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[SchemaKey, asyncio.Lock]
] = weakref.WeakKeyDictionary()


def schema_key(base_url: str, ref: ModelRef) -> SchemaKey:
    """The cache key of a model's schema."""
    return (base_url, str(ref))


def schema_lock(key: SchemaKey) -> threading.Lock:
    """The lock sync lookups of `key` take."""
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def async_schema_lock(key: SchemaKey) -> asyncio.Lock:
    """The lock async lookups of `key` take, in the running loop."""
    loop = asyncio.get_running_loop()
    with _locks_guard:
        return _async_locks.setdefault(loop, {}).setdefault(key, asyncio.Lock())
