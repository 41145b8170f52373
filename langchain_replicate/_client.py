"""`ReplicateAPI`: the one object that does I/O with Replicate.

What it does is decided elsewhere, once for sync and async alike:

* `_core/protocol.py`: prediction states, the deadline, the poll schedule, the
  retry rule, the requests sent.
* `_core/streaming.py`: SSE decoding, stream state, stop sequences.
* `_core/flows.py`: the order of steps of a call (create with retries, run, stream,
  follow, schema lookup, chat preparation) as generators of effects.
* `_core/effects.py`: those effects, and the `Flow` a driver runs.
* `_core/connection.py`: clients (built and shared), the pacer, the schema cache.
* `_core/pacing.py`, `_core/abandonment.py`, `_core/lookup.py`: pacing under throttling
  (shared with the account's other processes by `_core/throttle_store.py`);
  abandoned creates; which listed prediction a lost or abandoned create made.
* `_core/files.py`: uploads and downloads.

* `_core/drivers.py`: the I/O itself: the two drivers that execute a flow's
  effects (`_drive` / `_adrive`) and the single requests (`get`,
  `upload_file`, the SSE reader, ...); `_core/create_io.py` the creates and
  cancels. `ReplicateAPI` inherits them.

This module holds the public method pairs the model classes call, each one
flow run by either driver, and `from_settings` (clients shared per settings).

Anything abandoned (consumer stops, an exception or `KeyboardInterrupt`,
asyncio cancellation, the deadline) cancels the prediction on the server.
During a `Prefer: wait` create the id is not known yet: the create is tracked
while in flight and, if abandoned, its prediction found on the list endpoint
and canceled from a thread (`_core/create_io.py`); `timeout` is also sent as
`Cancel-After` (Replicate's own deadline).
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from replicate.helpers import FileOutput

from langchain_replicate._core import files as _files
from langchain_replicate._core import flows as _flows
from langchain_replicate._core.connection import (
    Connection,
    client_factory,
    normalize_base_url,
    schema_key,
    schemas,
)
from langchain_replicate._core.drivers import Driver, alast, last
from langchain_replicate._core.effects import Flow, Policy, Target
from langchain_replicate._core.protocol import (
    MAX_WAIT,
    Deadline,
    Prediction,
)
from langchain_replicate._core.secrets import clean_token
from langchain_replicate._core.streaming import StreamPiece
from langchain_replicate._core.throttle_store import account_key
from langchain_replicate._inputs.arguments import check_timeout
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate.errors import (
    ReplicateAPIError,
    missing_token_error,
)

if TYPE_CHECKING:
    from collections.abc import (
        AsyncGenerator,
        Callable,
        Generator,
        Mapping,
        Sequence,
    )
    from pathlib import Path

    from pydantic import SecretStr
    from replicate.client import Client as ReplicateClient

    from langchain_replicate._chat.inputs import ChatPrompt
    from langchain_replicate._inputs.calls import CallPlan, PreparedCall
    from langchain_replicate._inputs.model_ref import ModelRef
    from langchain_replicate._inputs.uploads import FileInput, ImageUpload, LocalFile

__all__ = ["MAX_WAIT", "Prediction", "ReplicateAPI", "StreamPiece"]

_MAX_DOWNLOAD_THREADS = 8


class ReplicateAPI(Driver):
    """Replicate predictions over one `replicate.Client` (sync and async)."""

    def __init__(
        self,
        make_client: Callable[[], ReplicateClient],
        *,
        base_url: str,
        max_retries: int = 2,
        wait: int = MAX_WAIT,
        timeout: float | None = None,
        throttle_store: tuple[str, str] | None = None,
    ) -> None:
        """Wrap a client.

        Args:
            make_client: Builds a `replicate.Client` with our token and base URL
                (one for sync calls, one per event loop for async calls).
            base_url: Its base URL (the schema cache key).
            max_retries: Retries of a create refused with 429 (or never connected).
            wait: Seconds to hold a create open with `Prefer: wait` (1-60); `0`
                sends no `Prefer` (the create answers at once).
            timeout: Seconds a whole prediction may take before it is canceled;
                `None` for no limit.
            throttle_store: `(setting, account key)` of the store shared with
                the account's other processes, or `None`
                (`_core.throttle_store`).
        """
        connection = Connection(make_client, throttle_store=throttle_store)
        super().__init__(connection, base_url=base_url, timeout=timeout)
        self.client = self._connection.client
        self.max_retries = max_retries
        self.wait = max(0, min(wait, MAX_WAIT))
        self._policy = Policy(max_retries, self.wait, timeout)

    @classmethod
    def from_settings(
        cls,
        *,
        api_token: SecretStr | None,
        base_url: str | None,
        client_kwargs: Mapping[str, Any] | None = None,
        max_retries: int = 2,
        wait: int = MAX_WAIT,
        timeout: float | None = None,
        throttle_store: str | None = None,
    ) -> ReplicateAPI:
        """Build the API wrapper and its `replicate.Client`.

        Args:
            api_token: The API token (never logged).
            base_url: The API origin; `/v1` and trailing slashes are dropped.
            client_kwargs: Extra `replicate.Client` kwargs (e.g. `transport`).
            max_retries: See `__init__`.
            wait: See `__init__`.
            timeout: See `__init__`.
            throttle_store: A checked `throttle_store` setting
                (`_core.throttle_store.check_spec`), or `None`.

        Returns:
            The wrapper.

        Raises:
            ReplicateAuthenticationError: If there is no token (before any request).
            ReplicateTokenError: If the token cannot be sent in a header.
            ReplicateInputError: If `timeout` is 0, negative or NaN.
        """
        raw = api_token.get_secret_value() if api_token is not None else ""
        token = clean_token(raw, "api_key")
        if not token:
            raise missing_token_error()
        timeout = check_timeout(timeout)
        origin = normalize_base_url(base_url)
        sharing = (
            (throttle_store, account_key(origin, token)) if throttle_store else None
        )
        if not client_kwargs:
            # Instances with the same settings share one wrapper, so its clients,
            # connection pools (and TLS context, ~50 ms to build) are made once.
            return _shared_api(token, origin, max_retries, wait, timeout, sharing)
        return cls(
            client_factory(token, origin, client_kwargs),
            base_url=origin,
            max_retries=max_retries,
            wait=wait,
            timeout=timeout,
            throttle_store=sharing,
        )

    def deadline(self) -> Deadline:
        """A fresh deadline for one prediction from `timeout`."""
        return self._policy.deadline()

    def cached_schema(self, ref: ModelRef) -> InputSchema | None:
        """The input schema if this process already fetched it, else `None`."""
        return schemas.get(schema_key(self.base_url, ref))

    def _image_url(self, image: Any) -> str | ImageUpload | LocalFile:  # noqa: ANN401 - a FileInput
        return _files.image_url(image, self.base_url)

    # -- calls (each one flow, run by either driver) -----------------------------------

    def run(
        self, ref: ModelRef, model_input: dict[str, Any], *, final: bool = False
    ) -> Prediction:
        """Run a prediction to completion (sync mode first, then stream or poll).

        Args:
            ref: The model.
            model_input: The prediction input.
            final: Return the prediction only once it has ended (with its
                metrics), never the sync-mode `processing` answer.

        Returns:
            The finished prediction.

        Raises:
            ReplicatePredictionError: If it failed or was canceled.
            ReplicateTimeoutError: If `timeout` passed (it was canceled).
        """
        flow: Flow[Prediction] = Flow.start(
            _flows.run, self._policy, Target(ref, model_input), final=final
        )
        return last(self._drive(flow))

    async def arun(
        self, ref: ModelRef, model_input: dict[str, Any], *, final: bool = False
    ) -> Prediction:
        """Async `run`."""
        flow: Flow[Prediction] = Flow.start(
            _flows.run, self._policy, Target(ref, model_input), final=final
        )
        return await alast(self._adrive(flow))

    def stream_text(
        self, ref: ModelRef, model_input: dict[str, Any], *, stop: Sequence[str] | None
    ) -> Generator[StreamPiece, None, None]:
        """Stream a prediction's text, stopping (and canceling) at a stop sequence.

        Yields:
            Text pieces, then one last piece with the final prediction.
        """
        flow: Flow[StreamPiece] = Flow.start(
            _flows.stream, self._policy, Target(ref, model_input), stop=stop
        )
        return self._drive(flow)

    def astream_text(
        self, ref: ModelRef, model_input: dict[str, Any], *, stop: Sequence[str] | None
    ) -> AsyncGenerator[StreamPiece, None]:
        """Async `stream_text`."""
        flow: Flow[StreamPiece] = Flow.start(
            _flows.stream, self._policy, Target(ref, model_input), stop=stop
        )
        return self._adrive(flow)

    def follow(
        self, ref: ModelRef, model_input: dict[str, Any]
    ) -> Generator[Prediction, None, None]:
        """Create a prediction and yield each view of it until it ends.

        The create (with `Prefer: wait` when `wait` is set) is yielded first,
        then each poll (with backoff), so a caller can follow the logs. The last
        prediction yielded is the final one (not checked: it may have failed).
        A prediction abandoned before it ends (the caller stops iterating, an
        exception, the deadline) is canceled.

        Yields:
            The prediction as created, then as polled.

        Raises:
            ReplicateTimeoutError: If `timeout` passed (it was canceled).
        """
        flow: Flow[Prediction] = Flow.start(
            _flows.follow, self._policy, Target(ref, model_input)
        )
        return self._drive(flow)

    def afollow(
        self, ref: ModelRef, model_input: dict[str, Any]
    ) -> AsyncGenerator[Prediction, None]:
        """Async `follow`."""
        flow: Flow[Prediction] = Flow.start(
            _flows.follow, self._policy, Target(ref, model_input)
        )
        return self._adrive(flow)

    def prepare(self, plan: CallPlan, prompt: Any) -> PreparedCall:  # noqa: ANN401 - text or messages
        """Build a call's input, looking the schema up only if the plan needs it."""
        if plan.needs_schema:
            return plan.prepare(prompt, self.input_schema(plan.ref))
        return plan.prepare(prompt, self.cached_schema(plan.ref))

    async def aprepare(self, plan: CallPlan, prompt: Any) -> PreparedCall:  # noqa: ANN401 - text or messages
        """Async `prepare`."""
        if plan.needs_schema:
            return plan.prepare(prompt, await self.ainput_schema(plan.ref))
        return plan.prepare(prompt, self.cached_schema(plan.ref))

    def prepare_chat(
        self, plan: CallPlan, build: Callable[[InputSchema | None], ChatPrompt]
    ) -> PreparedCall:
        """Build a chat call: the schema, the prompt inputs, then image uploads.

        Args:
            plan: The call's parameters.
            build: Decides the prompt inputs from the model's schema (pure).

        Returns:
            The prepared call.
        """
        flow: Flow[PreparedCall] = Flow.start(
            _flows.prepare_chat, plan, build, self._image_url
        )
        return last(self._drive(flow))

    async def aprepare_chat(
        self, plan: CallPlan, build: Callable[[InputSchema | None], ChatPrompt]
    ) -> PreparedCall:
        """Async `prepare_chat`."""
        flow: Flow[PreparedCall] = Flow.start(
            _flows.prepare_chat, plan, build, self._image_url
        )
        return await alast(self._adrive(flow))

    def reprepare(
        self, call: PreparedCall, error: ReplicateAPIError
    ) -> PreparedCall | None:
        """After a create was rejected: the call with the schema's prompt key.

        Returns:
            The corrected call, or `None` if the error is not about the guessed
            prompt key (then re-raise it).
        """
        if not call.may_have_wrong_prompt_key(error):
            return None
        return call.corrected(self.input_schema(call.ref))

    async def areprepare(
        self, call: PreparedCall, error: ReplicateAPIError
    ) -> PreparedCall | None:
        """Async `reprepare`."""
        if not call.may_have_wrong_prompt_key(error):
            return None
        return call.corrected(await self.ainput_schema(call.ref))

    def model_card(self, ref: ModelRef) -> dict[str, Any]:
        """A model's metadata and version: `{"model": {...}, "version": {...}}`.

        Its input schema is cached as `input_schema` would (no second lookup).

        Raises:
            ReplicateNotFoundError: If there is no such model or deployment.
        """
        flow: Flow[dict[str, Any]] = Flow.start(_flows.fetch_model, ref)
        return self._keep_schema(ref, last(self._drive(flow)))

    async def amodel_card(self, ref: ModelRef) -> dict[str, Any]:
        """Async `model_card`."""
        flow: Flow[dict[str, Any]] = Flow.start(_flows.fetch_model, ref)
        return self._keep_schema(ref, await alast(self._adrive(flow)))

    def _keep_schema(self, ref: ModelRef, card: dict[str, Any]) -> dict[str, Any]:
        key = schema_key(self.base_url, ref)
        if key not in schemas and card.get("version") is not None:
            schemas[key] = InputSchema.from_openapi(
                card["version"].get("openapi_schema")
            )
        return card

    def search_models(self, query: str, limit: int) -> dict[str, Any]:
        """Search public models (`GET /v1/search`, else `QUERY /v1/models`).

        Returns:
            `{"models": [model objects], "source": the endpoint used}`.
        """
        flow: Flow[dict[str, Any]] = Flow.start(_flows.search_models, query, limit)
        return last(self._drive(flow))

    async def asearch_models(self, query: str, limit: int) -> dict[str, Any]:
        """Async `search_models`."""
        flow: Flow[dict[str, Any]] = Flow.start(_flows.search_models, query, limit)
        return await alast(self._adrive(flow))

    def file_urls(self, files: Sequence[FileInput]) -> list[str]:
        """The URLs of file inputs, uploading bytes and local files first."""
        if not files:
            return []
        flow: Flow[list[str]] = Flow.start(_flows.upload_files, files, self._image_url)
        return last(self._drive(flow))

    async def afile_urls(self, files: Sequence[FileInput]) -> list[str]:
        """Async `file_urls`."""
        if not files:
            return []
        flow: Flow[list[str]] = Flow.start(_flows.upload_files, files, self._image_url)
        return await alast(self._adrive(flow))

    def file_outputs(self, urls: Sequence[str]) -> list[FileOutput]:
        """Replicate `FileOutput`s for output URLs, bound to our client."""
        return [FileOutput(url, self.client) for url in urls]

    def afile_outputs(self, urls: Sequence[str]) -> list[FileOutput]:
        """`file_outputs` bound to this event loop's client (for `aread`)."""
        return [FileOutput(url, self._connection.loop_client) for url in urls]

    def download(self, url: str, path: Path) -> int:
        """Save an output file (a URL or a `data:` URI) to `path`, in chunks.

        The file is written to `<path>.part` and renamed when complete, so an
        interrupted download never leaves a truncated file under the real name.

        Returns:
            The number of bytes written.

        Raises:
            ReplicateAPIError: If the file cannot be fetched.
        """
        return _files.download(self._http, url, path)

    async def adownload(self, url: str, path: Path) -> int:
        """Async `download` (file writes run in a thread)."""
        return await _files.adownload(self._ahttp, url, path)

    def download_all(self, downloads: Sequence[tuple[str, Path]]) -> list[int]:
        """`download` each `(url, path)`, concurrently (as `adownload_all`)."""
        if len(downloads) <= 1:
            return [self.download(url, path) for url, path in downloads]
        workers = min(len(downloads), _MAX_DOWNLOAD_THREADS)
        with ThreadPoolExecutor(workers, thread_name_prefix="replicate-dl") as pool:
            return list(pool.map(lambda d: self.download(*d), downloads))

    async def adownload_all(self, downloads: Sequence[tuple[str, Path]]) -> list[int]:
        """Async `download_all` (concurrent downloads)."""
        return list(
            await asyncio.gather(
                *(self.adownload(url, path) for url, path in downloads)
            )
        )


@functools.lru_cache(maxsize=64)
def _shared_api(  # noqa: PLR0917 - the lru_cache key
    token: str,
    origin: str,
    max_retries: int,
    wait: int,
    timeout: float | None,
    throttle_store: tuple[str, str] | None,
) -> ReplicateAPI:
    """The process-wide `ReplicateAPI` for these settings (see `from_settings`)."""
    return ReplicateAPI(
        client_factory(token, origin),
        base_url=origin,
        max_retries=max_retries,
        wait=wait,
        timeout=timeout,
        throttle_store=throttle_store,
    )
