"""The I/O of `ReplicateAPI`: the flow drivers and the single requests they send.

`_drive` and `_adrive` run a flow (`_core/flows.py`): they execute each effect it
yields (a create, a `GET`, a sleep, the next SSE event...) and send back the
result, or throw the error into the flow. They are the only places where sync
and async differ, with the requests below (`get`/`aget`, `upload_file`/
`aupload_file`, ...), each a single call on the `httpx` client (creates and
cancels are `CreateIO`'s).

The drivers keep one rule for every flow: a prediction the flow created and has
not seen end (`Flow.unfinished`) is canceled when the flow is left early (the
caller stops iterating, an error, `KeyboardInterrupt`, asyncio cancellation,
the deadline, its batch given up). A create still in flight when that happens
is settled by `CreateIO` (`_core/create_io.py`: creates are paced, tracked and
their predictions found and canceled, on a thread that outlives the loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from langchain_replicate._core import effects as _effects
from langchain_replicate._core import files as _files
from langchain_replicate._core import flows as _flows
from langchain_replicate._core.abandonment import AbandonScope, creates, current_scope
from langchain_replicate._core.connection import (
    Connection,
    async_schema_lock,
    schema_key,
    schema_lock,
    schemas,
)
from langchain_replicate._core.create_io import BatchAbandonedError, CreateIO
from langchain_replicate._core.effects import Flow
from langchain_replicate._core.protocol import (
    Deadline,
    Prediction,
    get_timeout,
    response_json,
    sse_request,
    timeout_error,
)
from langchain_replicate._core.streaming import EventDecoder
from langchain_replicate.errors import (
    ReplicateTimeoutError,
    error_from_response,
    error_from_transport,
)

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator

    from langchain_replicate._core.streaming import SSEEvent
    from langchain_replicate._inputs.model_ref import ModelRef
    from langchain_replicate._inputs.schema import InputSchema
    from langchain_replicate._inputs.uploads import ImageUpload, LocalFile

logger = logging.getLogger(__name__)

T = TypeVar("T")
_GET_TIMEOUT = httpx.Timeout(10.0, read=30.0, pool=None)
_STREAM_ACTION = "read the prediction's stream"


class Driver(CreateIO):
    """Runs flows and sends single requests over one `Connection`."""

    def __init__(
        self, connection: Connection, *, base_url: str, timeout: float | None
    ) -> None:
        """Use `connection` (its clients) for `base_url`; `timeout` names errors."""
        self._connection = connection
        self.base_url = base_url
        self.timeout = timeout

    # -- the drivers: run a flow's effects (the only sync/async difference) ------------

    def _drive(self, flow: Flow[T]) -> Generator[T, None, None]:  # noqa: C901, PLR0912 - the stream's loop inlined
        """Run a flow, yielding what it emits; cancel what it leaves unfinished.

        A stream's events are read here (`ReadEvents`: each event `take`n, its
        piece yielded; a read error thrown into the flow), not through the
        flow. That inner loop runs once per streamed token, so it is inlined.
        """
        emit, read = _effects.Emit, _effects.ReadEvents
        scope = current_scope()
        if scope is not None:
            scope.add(self, flow)
        try:
            for effect in flow:
                if effect.__class__ is emit:
                    yield effect.value
                    continue
                if scope is not None and scope.abandoned:
                    raise BatchAbandonedError
                if effect.__class__ is not read:
                    with flow.answering():
                        flow.reply = self._execute(flow, effect, scope)
                    continue
                events, take, state = flow.events, effect.take, effect.state
                while True:
                    try:
                        event = next(events, None)
                    except Exception as error:  # noqa: BLE001 - thrown into the flow
                        flow.fail(error)
                        break
                    if event is None:
                        break
                    if (piece := take(event)) is not None:
                        yield piece  # type: ignore[misc] # (a stream's flow: T is StreamPiece)
                    if state.stop_reading:
                        break
                    if scope is not None and scope.abandoned:
                        raise BatchAbandonedError
        finally:
            try:
                for effect in flow.final_effects():
                    self._execute(flow, effect, None)
            finally:
                _forget(flow, scope)

    async def _adrive(self, flow: Flow[T]) -> AsyncGenerator[T, None]:
        """Async `_drive`."""
        emit, read = _effects.Emit, _effects.ReadEvents
        try:
            for effect in flow:
                if effect.__class__ is emit:
                    yield effect.value
                    continue
                if effect.__class__ is not read:
                    with flow.answering():
                        flow.reply = await self._aexecute(flow, effect)
                    continue
                events, take, state = flow.events, effect.take, effect.state
                while True:
                    try:
                        event = await anext(events, None)
                    except Exception as error:  # noqa: BLE001 - thrown into the flow
                        flow.fail(error)
                        break
                    if event is None:
                        break
                    if (piece := take(event)) is not None:
                        yield piece  # type: ignore[misc] # (see `_drive`)
                    if state.stop_reading:
                        break
        finally:
            try:
                for effect in flow.final_effects():
                    await self._aexecute(flow, effect)
            finally:
                _forget(flow, None)

    def _execute(  # noqa: C901, PLR0911 - a branch per effect
        self, flow: Flow[Any], effect: _effects.Effect, scope: AbandonScope | None
    ) -> Any:  # noqa: ANN401
        match effect:
            case _effects.Get(prediction_id, deadline):
                return self.get(prediction_id, deadline)
            case _effects.Sleep(seconds):
                return time.sleep(seconds)
            case _effects.SendCreate(request, ref):
                return self._send_create(flow, request, ref, scope)
            case _effects.Cancel(prediction_id):
                return self.cancel(prediction_id)
            case _effects.OpenEvents(url, deadline, last_event_id):
                flow.events = self._events(url, deadline, last_event_id)
            case _effects.CloseEvents() if flow.events is not None:
                flow.events.close()
                flow.events = None
            case _effects.GetJSON(path, action):
                return response_json(self._send(action, path, _GET_TIMEOUT), action)
            case _effects.QueryJSON(path, body, action):
                return response_json(self._query(action, path, body), action)
            case _effects.Schema(ref):
                return self.input_schema(ref)
            case _effects.Upload(image):
                return self.upload_file(image)
        return None

    async def _aexecute(self, flow: Flow[Any], effect: _effects.Effect) -> Any:  # noqa: ANN401, C901, PLR0911 - see _execute
        match effect:
            case _effects.Get(prediction_id, deadline):
                return await self.aget(prediction_id, deadline)
            case _effects.Sleep(seconds):
                return await asyncio.sleep(seconds)
            case _effects.SendCreate(request, ref):
                return await self._asend_create(flow, request, ref)
            case _effects.Cancel(prediction_id):
                return await self.acancel(prediction_id)
            case _effects.OpenEvents(url, deadline, last_event_id):
                flow.events = self._aevents(url, deadline, last_event_id)
            case _effects.CloseEvents() if flow.events is not None:
                await flow.events.aclose()
                flow.events = None
            case _effects.GetJSON(path, action):
                response = await self._asend(action, path, _GET_TIMEOUT)
                return response_json(response, action)
            case _effects.QueryJSON(path, body, action):
                return response_json(await self._aquery(action, path, body), action)
            case _effects.Schema(ref):
                return await self.ainput_schema(ref)
            case _effects.Upload(image):
                return await self.aupload_file(image)
        return None

    def input_schema(self, ref: ModelRef) -> InputSchema | None:
        """The model's input schema, fetched at most once per (base_url, model)."""
        key = schema_key(self.base_url, ref)
        if key not in schemas:
            with schema_lock(key):
                if key not in schemas:
                    schemas[key] = last(
                        self._drive(Flow.start(_flows.fetch_schema, ref))
                    )
        return schemas[key]

    async def ainput_schema(self, ref: ModelRef) -> InputSchema | None:
        """Async `input_schema` (same cache)."""
        key = schema_key(self.base_url, ref)
        if key not in schemas:
            async with async_schema_lock(key):
                if key not in schemas:
                    schemas[key] = await alast(
                        self._adrive(Flow.start(_flows.fetch_schema, ref))
                    )
        return schemas[key]

    # -- single requests (thin I/O) ----------------------------------------------------

    @property
    def _http(self) -> httpx.Client:
        return self._connection.http

    @property
    def _ahttp(self) -> httpx.AsyncClient:
        return self._connection.ahttp

    def _send(self, action: str, url: str, timeout: httpx.Timeout) -> httpx.Response:
        try:
            return self._http.get(url, timeout=timeout)
        except httpx.HTTPError as e:
            raise error_from_transport(e, action) from e

    async def _asend(
        self, action: str, url: str, timeout: httpx.Timeout
    ) -> httpx.Response:
        try:
            return await self._ahttp.get(url, timeout=timeout)
        except httpx.HTTPError as e:
            raise error_from_transport(e, action) from e

    def _query(self, action: str, path: str, body: str) -> httpx.Response:
        try:
            return self._http.request("QUERY", path, **_query_request(body))
        except httpx.HTTPError as e:
            raise error_from_transport(e, action) from e

    async def _aquery(self, action: str, path: str, body: str) -> httpx.Response:
        try:
            return await self._ahttp.request("QUERY", path, **_query_request(body))
        except httpx.HTTPError as e:
            raise error_from_transport(e, action) from e

    def get(self, prediction_id: str, deadline: Deadline | None = None) -> Prediction:
        """Fetch a prediction."""
        action = f"get prediction {prediction_id}"
        path = f"/v1/predictions/{prediction_id}"
        with self._deadline_errors(prediction_id, deadline):
            response = self._send(action, path, get_timeout(deadline))
        return response_json(response, action)

    async def aget(
        self, prediction_id: str, deadline: Deadline | None = None
    ) -> Prediction:
        """Async `get`."""
        action = f"get prediction {prediction_id}"
        path = f"/v1/predictions/{prediction_id}"
        with self._deadline_errors(prediction_id, deadline):
            response = await self._asend(action, path, get_timeout(deadline))
        return response_json(response, action)

    @contextlib.contextmanager
    def _deadline_errors(
        self, prediction_id: str | None, deadline: Deadline | None
    ) -> Iterator[None]:
        """A read timeout that ends by the deadline is reported as the deadline."""
        try:
            yield
        except ReplicateTimeoutError as e:
            if deadline is not None and deadline.expired():
                raise timeout_error(prediction_id, self.timeout) from e
            raise
        except httpx.HTTPError as e:
            if deadline is not None and deadline.expired():
                raise timeout_error(prediction_id, self.timeout) from e
            raise error_from_transport(e, _STREAM_ACTION) from e

    def upload_file(self, image: ImageUpload | LocalFile) -> str:
        """Upload a file's bytes through the files API.

        Returns:
            The file's URL, for a prediction input.
        """
        try:
            response = self._http.post("/v1/files", **_files.upload_request(image))
        except httpx.HTTPError as e:
            raise error_from_transport(e, _files.UPLOAD_ACTION) from e
        return _files.file_url(response_json(response, _files.UPLOAD_ACTION))

    async def aupload_file(self, image: ImageUpload | LocalFile) -> str:
        """Async `upload_file` (a local file is read in a thread)."""
        request = await asyncio.to_thread(_files.upload_request, image)
        try:
            response = await self._ahttp.post("/v1/files", **request)
        except httpx.HTTPError as e:
            raise error_from_transport(e, _files.UPLOAD_ACTION) from e
        return _files.file_url(response_json(response, _files.UPLOAD_ACTION))

    def _events(
        self, url: str, deadline: Deadline, last_event_id: str | None
    ) -> Iterator[SSEEvent]:
        decoder = EventDecoder()
        request = sse_request(deadline, last_event_id)
        with (
            self._deadline_errors(None, deadline),
            self._http.stream("GET", url, **request) as response,
        ):
            if response.status_code >= 400:  # noqa: PLR2004
                response.read()
                raise error_from_response(response, _STREAM_ACTION)
            for text in response.iter_text():
                yield from decoder.feed(text)
                if deadline.expired():
                    raise timeout_error(None, self.timeout)

    async def _aevents(
        self, url: str, deadline: Deadline, last_event_id: str | None
    ) -> AsyncIterator[SSEEvent]:
        decoder = EventDecoder()
        request = sse_request(deadline, last_event_id)
        with self._deadline_errors(None, deadline):
            async with self._ahttp.stream("GET", url, **request) as response:
                if response.status_code >= 400:  # noqa: PLR2004
                    await response.aread()
                    raise error_from_response(response, _STREAM_ACTION)
                async for text in response.aiter_text():
                    for event in decoder.feed(text):
                        yield event
                    if deadline.expired():
                        raise timeout_error(None, self.timeout)


def _query_request(body: str) -> dict[str, Any]:
    """A `QUERY` with a plain-text body (Replicate's model search)."""
    return {
        "content": body.encode(),
        "headers": {"Content-Type": "text/plain"},
        "timeout": _GET_TIMEOUT,
    }


def _forget(flow: Flow[Any], scope: AbandonScope | None) -> None:
    """A flow is over: drop it from its batch and from the creates in flight."""
    if scope is not None:
        scope.discard(flow)
    if flow.in_flight is not None:
        creates.finish(flow.in_flight)


def last(values: Iterator[T]) -> T:
    """The last value an (emitting) flow's driver yields."""
    for value in values:
        last = value
    return last


async def alast(values: AsyncIterator[T]) -> T:
    """Async `_last`."""
    async for value in values:
        last = value
    return last
