"""`LocalReplicateServer`: the app on uvicorn, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import uvicorn
from typing_extensions import Self

from langchain_replicate.testing._engine.state import (
    DEFAULT_CREATE_RATE_LIMIT,
    DEFAULT_PAGE_SIZE,
    DEFAULT_RATE_LIMIT,
    DEFAULT_SYNC_DATA_URI_MAX_BYTES,
    Faults,
    ForeignRequest,
    ServerState,
)
from langchain_replicate.testing._http.app import build_app, make_state

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import TracebackType

    from langchain_replicate.testing._engine.predictions import PredictionRecord
    from langchain_replicate.testing._models.reference import (
        ModelPace,
        ReferenceDeployment,
        ReferenceModel,
    )

STARTUP_TIMEOUT = 15.0
SHUTDOWN_TIMEOUT = 10.0


class ServerStartError(RuntimeError):
    """The server did not come up."""


class LocalReplicateServer:
    """A local Replicate-compatible server, started in a background thread.

    Use it as a context manager (or call `start()` / `stop()`):

        with LocalReplicateServer(pace=ModelPace(token_interval=0.001)) as server:
            client = replicate.Client(
                api_token=server.api_token, base_url=server.base_url
            )
            output = client.run("meta/meta-llama-3-8b-instruct", input={"prompt": "Hi"})
            print("".join(output))
    """

    def __init__(
        self,
        *,
        pace: ModelPace | None = None,
        api_token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        models: Sequence[ReferenceModel] | None = None,
        deployments: Sequence[ReferenceDeployment] | None = None,
        create_rate_limit: str = DEFAULT_CREATE_RATE_LIMIT,
        rate_limit: str = DEFAULT_RATE_LIMIT,
        sync_data_uri_max_bytes: int = DEFAULT_SYNC_DATA_URI_MAX_BYTES,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        """Configure the server (it starts on `start()` or `with`).

        Args:
            pace: How fast the reference models work (default `ModelPace()`).
            api_token: The token clients must send; a random `r8_...` when None.
            host: Interface to bind (loopback by default).
            port: Port to bind; 0 picks a free one.
            models: Models to serve (default: the built-in reference models).
            deployments: Deployments (default: the built-in ones).
            create_rate_limit: Prediction creates allowed per token, e.g. `600/minute`.
            rate_limit: Other API requests allowed per token, e.g. `3000/minute`.
            sync_data_uri_max_bytes: Largest output file returned as a `data:` URI
                in sync mode; larger ones get URLs.
            page_size: Results per page of the list endpoints.
        """
        self._state: ServerState = make_state(
            api_token=api_token,
            pace=pace,
            models=models,
            deployments=deployments,
            create_rate_limit=create_rate_limit,
            rate_limit=rate_limit,
            sync_data_uri_max_bytes=sync_data_uri_max_bytes,
            page_size=page_size,
        )
        self.app = build_app(self._state)
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> Self:
        """Start serving; return once the server accepts connections.

        Raises:
            ServerStartError: if it is not up within 15 seconds.
        """
        if self._server is not None:
            return self
        config = uvicorn.Config(
            self.app,
            host=self._host,
            port=self._port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        # Two listeners: the API, and a second port (another origin) that
        # serves streams and files when the `foreign_origin` fault is on.
        sockets = [config.bind_socket(), _loopback_socket(self._host)]
        foreign_port = sockets[1].getsockname()[1]
        self._state.foreign_port = foreign_port
        self._state.foreign_origin = f"http://{_url_host(self._host)}:{foreign_port}"
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": sockets},
            name="local-replicate",
            daemon=True,
        )
        thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                where = f"{self._host}:{self._port}"
                msg = f"The local Replicate server did not start on {where}"
                raise ServerStartError(msg)
            time.sleep(0.01)
        self._server, self._thread = server, thread
        self._bound_port = server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is None or self._thread is None:
            return
        self._cancel_predictions()
        self._server.should_exit = True
        self._thread.join(SHUTDOWN_TIMEOUT)
        self._server = self._thread = None

    def _cancel_predictions(self) -> None:
        """Cancel running predictions first, so open SSE streams end with `done`."""
        loop = self._state.loop
        if loop is None or not loop.is_running():
            return
        finished = threading.Event()

        def cancel_all() -> None:
            self._state.shutdown()
            finished.set()

        loop.call_soon_threadsafe(cancel_all)
        finished.wait(SHUTDOWN_TIMEOUT)

    def __enter__(self) -> Self:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    # -- what clients need -----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The origin to give clients, e.g. `http://127.0.0.1:8787` (no `/v1`).

        Raises:
            ServerStartError: if the server is not running.
        """
        if self._bound_port is None:
            msg = "The local Replicate server is not running; call start() first"
            raise ServerStartError(msg)
        return f"http://{_url_host(self._host)}:{self._bound_port}"

    @property
    def api_token(self) -> str:
        """The token clients must send."""
        return self._state.api_token

    # -- configuration and observation ---------------------------------------------

    def request_log(self) -> list[tuple[str, str]]:
        """(method, path with query) of every request received, oldest first."""
        return list(self._state.request_log)

    def predictions(self) -> list[PredictionRecord]:
        """Every prediction created so far, oldest first (`reset` keeps them)."""
        return [
            prediction.record()
            for prediction in sorted(
                self._state.predictions.values(), key=lambda p: p.seq
            )
        ]

    def foreign_requests(self) -> list[ForeignRequest]:
        """Requests the second listener (another origin) received, oldest first.

        Each says whether `Authorization` arrived with it; see the
        `foreign_origin` fault.
        """
        return list(self._state.foreign_requests)

    def clear_request_log(self) -> None:
        """Forget the requests received so far."""
        self._state.request_log.clear()

    def inject_faults(
        self,
        *,
        fail_creates: int = 0,
        status: int = 503,
        body: Mapping[str, Any] | None = None,
        cut_stream_after: int | None = None,
        delay: float = 0.0,
        foreign_origin: bool = False,
        retry_after: float | None = None,
        fail_gets: int = 0,
        get_status: int = 500,
        lose_creates: int = 0,
        lost_status: int = 0,
        stall_stream_after: int | None = None,
        odd_separators: bool = False,
        no_beta_search: bool = False,
    ) -> None:
        """Replace the injected faults.

        Args:
            fail_creates: Fail the next N prediction creates.
            status: Their HTTP status.
            body: Their problem+json body (default `{"detail": "Injected failure",
                "status": status}`).
            cut_stream_after: Close each SSE connection after N events, without
                `done` (None: never).
            delay: Seconds to wait before answering each API request.
            foreign_origin: Serve `urls.stream` and output file URLs from a
                second listener (another port, so another origin), which needs
                no token and records whether one arrived (`foreign_requests`).
            retry_after: `Retry-After` seconds on the failed creates (with
                `status=429`).
            fail_gets: Fail the next N prediction `GET`s (`/v1/predictions/{id}`).
            get_status: Their HTTP status; 0 closes the connection without an
                answer.
            lose_creates: The next N creates make their prediction, then lose the
                answer.
            lost_status: How: 0 closes the connection mid-answer, else this HTTP
                status (502, as a proxy cutting a long `Prefer: wait`).
            stall_stream_after: After N events, each SSE connection goes silent
                but stays open (None: never).
            odd_separators: Predictions created from now on put U+2028, U+2029,
                U+0085, VT, FF, FS, GS and RS inside their text tokens.
            no_beta_search: `GET /v1/search` answers 404, as an API without the
                beta search does (clients fall back to `QUERY /v1/models`).
        """
        self._state.faults = Faults(
            fail_creates=fail_creates,
            status=status,
            body=body,
            cut_stream_after=cut_stream_after,
            delay=delay,
            foreign_origin=foreign_origin,
            retry_after=retry_after,
            fail_gets=fail_gets,
            get_status=get_status,
            lose_creates=lose_creates,
            lost_status=lost_status,
            stall_stream_after=stall_stream_after,
            odd_separators=odd_separators,
            no_beta_search=no_beta_search,
        )

    def set_pace(self, pace: ModelPace) -> None:
        """Change how fast the models work (running predictions follow at once)."""
        self._state.pace = pace

    def configure(
        self,
        *,
        create_rate_limit: str | None = None,
        rate_limit: str | None = None,
        sync_data_uri_max_bytes: int | None = None,
        page_size: int | None = None,
    ) -> None:
        """Change limits and the list endpoints' page size (None: unchanged)."""
        self._state.configure(
            create_rate_limit=create_rate_limit,
            rate_limit=rate_limit,
            sync_data_uri_max_bytes=sync_data_uri_max_bytes,
            page_size=page_size,
        )

    def reset(self) -> None:
        """Clear injected faults, the request log and the rate-limit counters."""
        self._state.reset()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _loopback_socket(host: str) -> socket.socket:
    """A listening socket on `host`, on a free port (the second listener)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
