"""All I/O with Replicate: create, wait, stream, poll, cancel, schema lookup.

This is the only module that talks to Replicate. It is built on a
`replicate.Client` made from *our* token, base URL and client kwargs (never the
module-level client) and uses its httpx clients directly, so we control headers,
timeouts and output decoding. Every decision (is a prediction done, how long to
back off, what an SSE event means, which error to raise) is a pure function
shared by the sync and async methods; the method pairs differ only in I/O.

Flows:

* `run` / `arun` (no stop sequences): one `POST` with `Prefer: wait`. A sync
  response may come back `processing` with the complete output and no metrics;
  that counts as done. `starting` means the wait ran out: then follow the SSE
  stream (if `urls.stream`) and fetch the final prediction, or poll with backoff.
* `stream_text` / `astream_text`: `POST` with `"stream": true`, then read
  `urls.stream` (SSE, decoded by replicate's own `EventSource.Decoder`; tokens
  stay text, no `FileOutput`). Stop sequences are found across tokens; on a hit
  the prediction is canceled at once. Without a stream URL, or if the stream
  breaks, poll instead.
* Anything abandoned (consumer stops, an exception or `KeyboardInterrupt`,
  asyncio cancellation, the deadline) cancels the prediction on the server.
  During a `Prefer: wait` create the id is not known yet: an async caller's
  create is shielded and the prediction canceled as soon as the create answers
  (within `wait` seconds); a sync create interrupted mid-wait cannot be, which
  is why `timeout` is also sent as `Cancel-After` (Replicate's own deadline).

Retry policy: a create answered `429` is retried up to `max_retries` times,
honouring `Retry-After` (nothing was created), as is a create whose connection
could not be opened. A create that may have reached the server (read timeout,
broken connection, 5xx) is never retried: it could run, and bill, twice.
`GET`s are retried by replicate's own transport (429/503/504).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import math
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from replicate.__about__ import __version__ as sdk_version
from replicate.client import Client as ReplicateClient
from replicate.helpers import FileOutput
from replicate.stream import EventSource, ServerSentEvent

from langchain_replicate._image_outputs import decode_data_uri, is_data_uri
from langchain_replicate._inputs import InputSchema
from langchain_replicate._messages import ImageFile, ImageUpload
from langchain_replicate._outputs import output_delta
from langchain_replicate._stop import StopSequenceFinder
from langchain_replicate.errors import (
    ReplicateAPIError,
    ReplicateRateLimitError,
    ReplicateTimeoutError,
    error_from_response,
    error_from_transport,
    missing_token_error,
    prediction_error,
)

if TYPE_CHECKING:
    from collections.abc import (
        AsyncGenerator,
        AsyncIterator,
        Callable,
        Generator,
        Iterator,
        Mapping,
        Sequence,
    )
    from pathlib import Path

    from pydantic import SecretStr

    from langchain_replicate._calls import CallPlan, PreparedCall
    from langchain_replicate._chat_inputs import ChatPrompt
    from langchain_replicate._messages import ImageInput
    from langchain_replicate._models import ModelRef

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.replicate.com"
MAX_WAIT = 60
"""Replicate's longest `Prefer: wait`, in seconds."""
_TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})
_SSE_EVENTS = frozenset(e.value for e in ServerSentEvent.EventType)
_IDLE_READ_TIMEOUT = 300.0
"""Longest silence on a stream or wait without a deadline, in seconds."""
_POLL_FIRST, _POLL_FACTOR, _POLL_MAX = 0.2, 1.5, 2.0
_RETRY_FIRST, _RETRY_MAX = 0.5, 30.0
_CANCEL_TIMEOUT = 10.0
_CREATE_READ_TIMEOUT = 10.0
"""Seconds a create may take beyond its `Prefer: wait`."""
_GET_TIMEOUT = httpx.Timeout(10.0, read=30.0, pool=None)
# pool=None everywhere: in a large batch, requests queue for one of httpx's 100
# connections for as long as it takes; the deadline (`timeout`) bounds the call.

Prediction = dict[str, Any]
"""A prediction as the API returns it (JSON)."""


# --------------------------------------------------------------------------- pure


@dataclass(frozen=True)
class Deadline:
    """A point in time (monotonic) after which a prediction is canceled."""

    at: float | None = None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        """A deadline `seconds` from now; none when `seconds` is `None`."""
        return cls(None if seconds is None else time.monotonic() + seconds)

    def remaining(self) -> float | None:
        """Seconds left (never negative), or `None` without a deadline."""
        return None if self.at is None else max(self.at - time.monotonic(), 0.0)

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.at is not None and time.monotonic() >= self.at

    def read_timeout(self, wanted: float = _IDLE_READ_TIMEOUT) -> float:
        """A read timeout that ends by the deadline."""
        remaining = self.remaining()
        return wanted if remaining is None else max(min(wanted, remaining), 0.001)


@dataclass(frozen=True)
class StreamPiece:
    """One step of a streamed prediction.

    Every piece but the last carries text; the last carries the final prediction
    (as known: after a stop sequence, the canceled prediction).
    """

    text: str = ""
    prediction: Prediction | None = None
    stopped: bool = False
    """The last piece: whether a stop sequence ended the output."""


def is_done(prediction: Mapping[str, Any]) -> bool:
    """Whether a prediction has its final output.

    Terminal states, and also `processing` with an output: that is how sync mode
    answers when the prediction finished within the wait (no metrics yet).
    """
    status = prediction.get("status")
    return status in _TERMINAL or (
        status == "processing" and prediction.get("output") is not None
    )


def _has_data_uri(output: object) -> bool:
    items = output if isinstance(output, list) else [output]
    return any(isinstance(item, str) and item.startswith("data:") for item in items)


def _is_final(prediction: Mapping[str, Any]) -> bool:
    """Done, and its files (if any) given as URLs rather than inline `data:` URIs.

    Sync mode may inline output files as `data:` URIs; the finished prediction
    (one `GET` away) links them instead, which is what a caller wants as a string.
    """
    return is_done(prediction) and not (
        prediction.get("status") in {"processing", "succeeded"}
        and _has_data_uri(prediction.get("output"))
    )


def check_prediction(prediction: Prediction) -> Prediction:
    """Return the prediction, or raise if it failed or was canceled.

    Raises:
        ReplicatePredictionError: If the prediction failed.
        ReplicatePredictionCanceledError: If it was canceled or aborted.
    """
    if prediction.get("status") in {"failed", "canceled", "aborted"}:
        raise prediction_error(prediction)
    return prediction


def _stream_url(prediction: Mapping[str, Any]) -> str | None:
    url = (prediction.get("urls") or {}).get("stream")
    return url if isinstance(url, str) and url else None


def _poll_delays() -> Iterator[float]:
    delay = _POLL_FIRST
    while True:
        yield delay
        delay = min(delay * _POLL_FACTOR, _POLL_MAX)


def _poll_sleeps(
    deadline: Deadline, prediction_id: str, timeout: float | None
) -> Iterator[float]:
    """How long to sleep before each next poll (backoff, cut at the deadline).

    Raises:
        ReplicateTimeoutError: When a poll is due after the deadline.
    """
    for delay in _poll_delays():
        if deadline.expired():
            raise _timeout_error(prediction_id, timeout)
        yield min(delay, deadline.remaining() or delay)


def _create_retry_delay(
    error: ReplicateAPIError | httpx.HTTPError,
    attempt: int,
    max_retries: int,
    deadline: Deadline,
    action: str,
) -> float:
    """How long to wait before retrying a failed create; raises to give up.

    Only a 429 (the API refused before creating anything) or a connection that
    never opened are retried; anything that may have reached the server is not,
    so a prediction is never created (and billed) twice.

    Raises:
        ReplicateAPIError: the mapped error, when the create is not retried.
    """
    delay: float | None = None
    if isinstance(error, ReplicateRateLimitError):
        retryable, delay = True, error.retry_after
    else:
        retryable = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
    if delay is None:
        delay = min(_RETRY_FIRST * 2**attempt, _RETRY_MAX)
    remaining = deadline.remaining()
    if (
        not retryable
        or attempt >= max_retries
        or (remaining is not None and delay >= remaining)
    ):
        if isinstance(error, httpx.HTTPError):
            raise error_from_transport(error, action) from error
        raise error
    logger.info("Retrying: %s, in %.1f s", action, delay)
    return delay


def _sse_request(deadline: Deadline) -> dict[str, Any]:
    """Headers and timeouts of a GET on a prediction's stream URL."""
    return {
        "headers": {"Accept": "text/event-stream", "Cache-Control": "no-store"},
        "timeout": httpx.Timeout(10.0, read=deadline.read_timeout(), pool=None),
    }


_UPLOAD_TIMEOUT = httpx.Timeout(10.0, read=60.0, write=60.0, pool=None)


def _upload_request(image: ImageUpload) -> dict[str, Any]:
    """A `POST /v1/files` of image bytes (multipart, field `content`)."""
    extension = image.mime_type.rpartition("/")[2] or "bin"
    return {
        "files": {"content": (f"image.{extension}", image.data, image.mime_type)},
        "timeout": _UPLOAD_TIMEOUT,
    }


def _file_url(file: Mapping[str, Any]) -> str:
    """The URL a prediction input takes for an uploaded file (its `urls.get`)."""
    return str(file["urls"]["get"])


def _timeout_error(
    prediction_id: str | None, seconds: float | None
) -> ReplicateTimeoutError:
    what = f"Prediction {prediction_id}" if prediction_id else "The prediction"
    return ReplicateTimeoutError(
        f"{what} did not finish within timeout={seconds} s and was canceled. "
        "Raise timeout=... for long-running models.",
        prediction_id=prediction_id,
    )


class _EventDecoder:
    """replicate's SSE `Decoder`, minus its `ValueError` on unknown event names."""

    def __init__(self) -> None:
        self._decoder = EventSource.Decoder()
        self._skipping = False

    def decode(self, line: str) -> ServerSentEvent | None:
        line = line.rstrip("\r\n")
        if self._skipping:
            if not line:
                self._skipping = False
                self._decoder.event = None
                self._decoder.data = []
            return None
        if line.startswith("event:"):
            name = line.partition(":")[2].strip()
            if name not in _SSE_EVENTS:
                self._skipping = True
                return None
        return self._decoder.decode(line)


@dataclass
class _StreamState:
    """What a prediction's stream has shown so far; shared by sync and async loops."""

    stop: Sequence[str] | None
    prediction: Prediction
    """The latest view of the prediction."""
    finder: StopSequenceFinder = field(init=False)
    chars_seen: int = 0
    """Raw output characters consumed (to resume by polling without repeats)."""
    over: bool = False
    """The stream need not be read further (done, error, or a stop sequence)."""
    ended: bool = False
    """The stream said `done` after a success: all output was seen."""

    def __post_init__(self) -> None:
        self.finder = StopSequenceFinder(self.stop)

    @property
    def prediction_id(self) -> str:
        return str(self.prediction["id"])

    @property
    def finished(self) -> bool:
        """Polling can stop: a stop sequence was found or the prediction ended."""
        return self.finder.stopped or self.prediction.get("status") in _TERMINAL

    def on_event(self, event: ServerSentEvent) -> str:
        """Take one SSE event; return the text that may be emitted."""
        kind = event.event.value
        if kind == "output":
            self.chars_seen += len(event.data)
            text = self.finder.feed(event.data)
            self.over = self.finder.stopped
            return text
        if kind in {"done", "error"}:
            self.over = True
            self.ended = kind == "done" and not any(
                reason in event.data for reason in ('"canceled"', '"error"')
            )
        return ""

    def on_poll(self, prediction: Prediction) -> str:
        """Take a polled prediction; return the new text that may be emitted."""
        self.prediction = prediction
        if self.ended or self.finder.stopped:
            return ""
        text, self.chars_seen = output_delta(prediction.get("output"), self.chars_seen)
        return self.finder.feed(text)

    def final_pieces(self) -> list[StreamPiece]:
        """The held-back text and the closing piece (raises if the run failed)."""
        if self.finder.stopped:
            return [StreamPiece(prediction=self.prediction, stopped=True)]
        check_prediction(self.prediction)
        tail = self.finder.flush()
        return [StreamPiece(tail)] * bool(tail) + [
            StreamPiece(prediction=self.prediction)
        ]


_DOWNLOAD_CHUNK = 256 * 1024
_DOWNLOAD_TIMEOUT = httpx.Timeout(10.0, read=60.0, pool=None)


def _followed_to_end(prediction: Mapping[str, Any], *, from_sync_create: bool) -> bool:
    """Whether a followed prediction has its final output.

    A polled `processing` prediction with output is still partial (a model may
    add files); only a sync-mode create's answer counts as done that way.
    """
    if from_sync_create:
        return is_done(prediction)
    return prediction.get("status") in _TERMINAL


@contextmanager
def _saving(path: Path, action: str) -> Iterator[Path]:
    """Write to `<path>.part`, renamed to `path` only when the block succeeds.

    An interrupted or failed download never leaves a truncated file under the
    real name; transport errors become ours.
    """
    part = path.with_name(f"{path.name}.part")
    try:
        yield part
        part.replace(path)
    except BaseException as e:
        part.unlink(missing_ok=True)
        if isinstance(e, httpx.HTTPError):
            raise error_from_transport(e, action) from e
        raise


def _same_origin(url: str, base_url: str) -> bool:
    a, b = httpx.URL(url), httpx.URL(base_url)
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


# --------------------------------------------------------------------------- cache

SchemaKey = tuple[str, str]
_schemas: dict[SchemaKey, InputSchema | None] = {}
_schema_locks: dict[SchemaKey, threading.Lock] = {}
_schema_locks_guard = threading.Lock()
_async_schema_locks: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[SchemaKey, asyncio.Lock]
] = weakref.WeakKeyDictionary()


def _schema_lock(key: SchemaKey) -> threading.Lock:
    with _schema_locks_guard:
        return _schema_locks.setdefault(key, threading.Lock())


def _async_schema_lock(key: SchemaKey) -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    with _schema_locks_guard:
        return _async_schema_locks.setdefault(loop, {}).setdefault(key, asyncio.Lock())


def _schema_from_version(version: Mapping[str, Any] | None) -> InputSchema | None:
    return InputSchema.from_openapi((version or {}).get("openapi_schema"))


# --------------------------------------------------------------------------- I/O


class ReplicateAPI:
    """Replicate predictions over one `replicate.Client` (sync and async)."""

    def __init__(
        self,
        make_client: Callable[[], ReplicateClient],
        *,
        base_url: str,
        max_retries: int = 2,
        wait: int = MAX_WAIT,
        timeout: float | None = None,
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
        """
        self._make_client = make_client
        self.client = make_client()
        self._background: set[asyncio.Future[Prediction | None]] = set()
        """Cancels still running after their caller was canceled."""
        self._loop_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, ReplicateClient
        ] = weakref.WeakKeyDictionary()
        self.base_url = base_url
        self.max_retries = max_retries
        self.wait = max(0, min(wait, MAX_WAIT))
        self.timeout = timeout

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
    ) -> ReplicateAPI:
        """Build the API wrapper and its `replicate.Client`.

        Args:
            api_token: The API token (never logged).
            base_url: The API origin; `/v1` and trailing slashes are dropped.
            client_kwargs: Extra `replicate.Client` kwargs (e.g. `transport`).
            max_retries: See `__init__`.
            wait: See `__init__`.
            timeout: See `__init__`.

        Returns:
            The wrapper.

        Raises:
            ReplicateAuthenticationError: If there is no token (before any request).
        """
        token = api_token.get_secret_value() if api_token is not None else ""
        if not token:
            raise missing_token_error()
        origin = normalize_base_url(base_url)
        if not client_kwargs:
            # Instances with the same settings share one wrapper, so its clients,
            # connection pools (and TLS context, ~50 ms to build) are made once.
            return _shared_api(token, origin, max_retries, wait, timeout)
        return cls._build(
            token,
            origin,
            max_retries=max_retries,
            wait=wait,
            timeout=timeout,
            client_kwargs=client_kwargs,
        )

    @classmethod
    def _build(
        cls,
        token: str,
        origin: str,
        *,
        max_retries: int,
        wait: int,
        timeout: float | None,
        client_kwargs: Mapping[str, Any] | None = None,
    ) -> ReplicateAPI:
        kwargs = dict(client_kwargs or {})
        headers = {"User-Agent": _user_agent(), **kwargs.pop("headers", {})}

        def make_client() -> ReplicateClient:
            return ReplicateClient(
                api_token=token, base_url=origin, headers=dict(headers), **kwargs
            )

        return cls(
            make_client,
            base_url=origin,
            max_retries=max_retries,
            wait=wait,
            timeout=timeout,
        )

    # -- helpers shared by both twins --------------------------------------------------

    def deadline(self) -> Deadline:
        """A fresh deadline for one prediction from `timeout`."""
        return Deadline.after(self.timeout)

    def _create_request(
        self,
        ref: ModelRef,
        model_input: dict[str, Any],
        *,
        stream: bool,
        deadline: Deadline,
    ) -> dict[str, Any]:
        # The create's own read timeout is not cut short by the deadline: its
        # answer carries the prediction id, without which it cannot be canceled.
        # Instead the wait ends (at the latest) by the deadline.
        headers: dict[str, str] = {}
        read = _CREATE_READ_TIMEOUT
        if not stream and self.wait:
            remaining = deadline.remaining()
            wait = self.wait
            if remaining is not None:
                wait = max(1, min(wait, math.floor(remaining)))
            headers["Prefer"] = f"wait={wait}"
            read = wait + _CREATE_READ_TIMEOUT
        if self.timeout is not None:
            # A server-side deadline too, for a call interrupted before it knows the id.
            headers["Cancel-After"] = f"{max(5, math.ceil(self.timeout))}s"
        return {
            "method": "POST",
            "url": ref.create_path,
            "json": ref.create_body(model_input, stream=stream),
            "headers": headers,
            "timeout": httpx.Timeout(10.0, read=read, pool=None),
        }

    @staticmethod
    def _json(response: httpx.Response, action: str) -> Prediction:
        if response.status_code >= 400:  # noqa: PLR2004
            raise error_from_response(response, action)
        data: Prediction = response.json()
        return data

    def _image_url(self, image: ImageInput) -> str | ImageUpload:
        """The URL of an image, or the image itself when it must be uploaded."""
        if isinstance(image, ImageUpload):
            return image
        if isinstance(image, ImageFile):
            return f"{self.base_url}/v1/files/{image.file_id}"
        return image.url

    def _run_is_over(self, prediction: Prediction, *, final: bool) -> bool:
        """Whether `run` can return the created prediction as it is.

        With `final`, a sync-mode answer that is complete but still
        `processing` (no metrics yet) is not: one `GET` fetches the metrics.
        """
        return _is_final(prediction) and not (
            final and prediction.get("status") not in _TERMINAL
        )

    def cached_schema(self, ref: ModelRef) -> InputSchema | None:
        """The input schema if this process already fetched it, else `None`."""
        return _schemas.get((self.base_url, str(ref)))

    def prepare(self, plan: CallPlan, prompt: Any) -> PreparedCall:  # noqa: ANN401 - text or messages
        """Build a call's input, looking the schema up only if the plan needs it."""
        if plan.needs_schema:
            return plan.prepare(prompt, self.input_schema(plan.ref))
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
        schema = self.input_schema(plan.ref)
        prompt = build(schema)
        urls = [
            url if isinstance(url, str) else self.upload_file(url)
            for url in map(self._image_url, prompt.images)
        ]
        return prompt.prepare(plan, schema, urls)

    def upload_file(self, image: ImageUpload) -> str:
        """Upload image bytes through the files API.

        Returns:
            The file's URL, for a prediction input.
        """
        action = "upload an image to Replicate's files API"
        try:
            response = self._http.post("/v1/files", **_upload_request(image))
        except httpx.HTTPError as e:
            raise error_from_transport(e, action) from e
        return _file_url(self._json(response, action))

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

    # -- sync --------------------------------------------------------------------------

    @property
    def _http(self) -> httpx.Client:
        http: httpx.Client = self.client._client  # noqa: SLF001 - no public accessor
        return http

    def _send(self, action: str, url: str, timeout: httpx.Timeout) -> httpx.Response:
        try:
            return self._http.get(url, timeout=timeout)
        except httpx.HTTPError as e:
            raise error_from_transport(e, action) from e

    def create(
        self,
        ref: ModelRef,
        model_input: dict[str, Any],
        *,
        stream: bool,
        deadline: Deadline,
    ) -> Prediction:
        """Create a prediction (`Prefer: wait` unless `stream`), retrying 429s.

        Returns:
            The prediction JSON as created (possibly already complete).
        """
        action = f"create a prediction for {ref}"
        for attempt in itertools.count():
            request = self._create_request(
                ref, model_input, stream=stream, deadline=deadline
            )
            try:
                return self._json(self._http.request(**request), action)
            except (httpx.HTTPError, ReplicateRateLimitError) as e:
                delay = _create_retry_delay(
                    e, attempt, self.max_retries, deadline, action
                )
            time.sleep(delay)
        raise AssertionError  # pragma: no cover - itertools.count() never ends

    def get(self, prediction_id: str, deadline: Deadline | None = None) -> Prediction:
        """Fetch a prediction."""
        action = f"get prediction {prediction_id}"
        timeout = httpx.Timeout(
            10.0, read=(deadline or Deadline()).read_timeout(30.0), pool=None
        )
        try:
            response = self._send(action, f"/v1/predictions/{prediction_id}", timeout)
        except ReplicateTimeoutError as e:
            # The read timeout ends by the deadline: report the deadline.
            if deadline is not None and deadline.expired():
                raise _timeout_error(prediction_id, self.timeout) from e
            raise
        return self._json(response, action)

    def cancel(self, prediction_id: str) -> Prediction | None:
        """Cancel a prediction; best effort (failures are logged, not raised)."""
        try:
            response = self._http.post(
                f"/v1/predictions/{prediction_id}/cancel", timeout=_CANCEL_TIMEOUT
            )
            return self._json(response, f"cancel prediction {prediction_id}")
        except (httpx.HTTPError, ReplicateAPIError) as e:
            logger.warning("Could not cancel prediction %s: %s", prediction_id, e)
            return None

    def input_schema(self, ref: ModelRef) -> InputSchema | None:
        """The model's input schema, fetched at most once per (base_url, model)."""
        key = (self.base_url, str(ref))
        if key in _schemas:
            return _schemas[key]
        with _schema_lock(key):
            if key not in _schemas:
                _schemas[key] = self._fetch_schema(ref)
            return _schemas[key]

    def _get_json(self, path: str, action: str) -> dict[str, Any]:
        return self._json(self._send(action, path, _GET_TIMEOUT), action)

    def _fetch_schema(self, ref: ModelRef) -> InputSchema | None:
        action = f"look up the schema of {ref}"
        if ref.is_deployment:
            release = (
                self._get_json(f"/v1/deployments/{ref.slug}", action).get(
                    "current_release"
                )
                or {}
            )
            model, version = release.get("model"), release.get("version")
            if not model or not version:
                return None
            return _schema_from_version(
                self._get_json(f"/v1/models/{model}/versions/{version}", action)
            )
        if ref.version:
            return _schema_from_version(
                self._get_json(f"/v1/models/{ref.slug}/versions/{ref.version}", action)
            )
        return _schema_from_version(
            self._get_json(f"/v1/models/{ref.slug}", action).get("latest_version")
        )

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
        deadline = self.deadline()
        prediction = self.create(ref, model_input, stream=False, deadline=deadline)
        if self._run_is_over(prediction, final=final):
            return check_prediction(prediction)
        state = _StreamState(None, prediction)
        finished = False
        try:
            if not is_done(prediction):
                for _ in self._sse_texts(state, deadline):
                    pass
            for _ in self._poll_texts(state, deadline):
                pass
            finished = True
        finally:
            if not finished:
                self.cancel(state.prediction_id)
        return check_prediction(state.prediction)

    def _sse_texts(self, state: _StreamState, deadline: Deadline) -> Iterator[str]:
        """Texts from the prediction's SSE stream until it is over or breaks."""
        if deadline.expired():
            raise _timeout_error(state.prediction_id, self.timeout)
        if (url := _stream_url(state.prediction)) is None:
            return
        try:
            for event in self._events(url, deadline):
                if text := state.on_event(event):
                    yield text
                if state.over:
                    return
        except ReplicateTimeoutError as e:
            raise _timeout_error(state.prediction_id, self.timeout) from e
        except ReplicateAPIError as e:
            logger.info("Stream of %s broke (%s); polling", state.prediction_id, e)

    def _poll_texts(self, state: _StreamState, deadline: Deadline) -> Iterator[str]:
        """Texts from polling with backoff until the prediction ends or stops."""
        if state.finder.stopped:
            return
        sleeps = _poll_sleeps(deadline, state.prediction_id, self.timeout)
        while True:
            if text := state.on_poll(self.get(state.prediction_id, deadline)):
                yield text
            if state.finished:
                return
            time.sleep(next(sleeps))

    def _events(self, url: str, deadline: Deadline) -> Iterator[ServerSentEvent]:
        action = "read the prediction's stream"
        decoder = _EventDecoder()
        try:
            with self._http.stream("GET", url, **_sse_request(deadline)) as response:
                if response.status_code >= 400:  # noqa: PLR2004
                    response.read()
                    raise error_from_response(response, action)
                for line in response.iter_lines():
                    if (event := decoder.decode(line)) is not None:
                        yield event
                    if deadline.expired():
                        raise _timeout_error(None, self.timeout)
        except httpx.HTTPError as e:
            if deadline.expired():
                raise _timeout_error(None, self.timeout) from e
            raise error_from_transport(e, action) from e

    def stream_text(
        self, ref: ModelRef, model_input: dict[str, Any], *, stop: Sequence[str] | None
    ) -> Generator[StreamPiece, None, None]:
        """Stream a prediction's text, stopping (and canceling) at a stop sequence.

        Yields:
            Text pieces, then one last piece with the final prediction.
        """
        deadline = self.deadline()
        prediction = self.create(ref, model_input, stream=True, deadline=deadline)
        state = _StreamState(stop, prediction)
        finished = False
        try:
            for text in self._sse_texts(state, deadline):
                yield StreamPiece(text)
            for text in self._poll_texts(state, deadline):
                yield StreamPiece(text)
            if state.finder.stopped:
                state.prediction = self.cancel(state.prediction_id) or state.prediction
            finished = True
            yield from state.final_pieces()
        finally:
            if not finished:
                self.cancel(state.prediction_id)

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
        deadline = self.deadline()
        prediction = self.create(ref, model_input, stream=False, deadline=deadline)
        finished = False
        try:
            yield prediction
            ended = _followed_to_end(prediction, from_sync_create=bool(self.wait))
            sleeps = _poll_sleeps(deadline, prediction["id"], self.timeout)
            while not ended:
                time.sleep(next(sleeps))
                prediction = self.get(prediction["id"], deadline)
                yield prediction
                ended = _followed_to_end(prediction, from_sync_create=False)
            finished = True
        finally:
            if not finished:
                self.cancel(prediction["id"])

    def file_outputs(self, urls: Sequence[str]) -> list[FileOutput]:
        """Replicate `FileOutput`s for output URLs, bound to our client."""
        return [FileOutput(url, self.client) for url in urls]

    def _download_request(self, url: str) -> httpx.Request:
        request = self._http.build_request("GET", url, timeout=_DOWNLOAD_TIMEOUT)
        if not _same_origin(url, self.base_url):
            # Output files live on other hosts (replicate.delivery): no token there.
            del request.headers["Authorization"]
        return request

    def download(self, url: str, path: Path) -> int:
        """Save an output file (a URL or a `data:` URI) to `path`, in chunks.

        The file is written to `<path>.part` and renamed when complete, so an
        interrupted download never leaves a truncated file under the real name.

        Returns:
            The number of bytes written.

        Raises:
            ReplicateAPIError: If the file cannot be fetched.
        """
        action = f"download {url[:100]}"
        size = 0
        with _saving(path, action) as part:
            if is_data_uri(url):
                size = part.write_bytes(decode_data_uri(url))
            else:
                response = self._http.send(self._download_request(url), stream=True)
                try:
                    if response.status_code >= 400:  # noqa: PLR2004
                        response.read()
                        raise error_from_response(response, action)
                    with part.open("wb") as file:
                        for chunk in response.iter_bytes(_DOWNLOAD_CHUNK):
                            size += file.write(chunk)
                finally:
                    response.close()
        return size

    # -- async (the same steps; only the I/O differs) ----------------------------------

    @property
    def _loop_client(self) -> ReplicateClient:
        # An httpx.AsyncClient belongs to the event loop it first ran on, so each
        # loop gets its own replicate.Client (same settings).
        loop = asyncio.get_running_loop()
        client = self._loop_clients.get(loop)
        if client is None:
            client = self._loop_clients[loop] = self._make_client()
        return client

    @property
    def _ahttp(self) -> httpx.AsyncClient:
        http: httpx.AsyncClient = self._loop_client._async_client  # noqa: SLF001 - see _http
        return http

    async def _asend(
        self, action: str, url: str, timeout: httpx.Timeout
    ) -> httpx.Response:
        try:
            return await self._ahttp.get(url, timeout=timeout)
        except httpx.HTTPError as e:
            raise error_from_transport(e, action) from e

    async def acreate(
        self,
        ref: ModelRef,
        model_input: dict[str, Any],
        *,
        stream: bool,
        deadline: Deadline,
    ) -> Prediction:
        """Async `create`."""
        action = f"create a prediction for {ref}"
        for attempt in itertools.count():
            request = self._create_request(
                ref, model_input, stream=stream, deadline=deadline
            )
            try:
                return self._json(await self._apost_create(request), action)
            except (httpx.HTTPError, ReplicateRateLimitError) as e:
                delay = _create_retry_delay(
                    e, attempt, self.max_retries, deadline, action
                )
            await asyncio.sleep(delay)
        raise AssertionError  # pragma: no cover - itertools.count() never ends

    async def _apost_create(self, request: dict[str, Any]) -> httpx.Response:
        """Send a create; if our task is canceled meanwhile, cancel what it created.

        The create's answer (after at most its `Prefer: wait`) is the only way to
        learn the new prediction's id, so the request is shielded from the
        cancellation and the prediction canceled as soon as that answer arrives.
        """
        send = asyncio.ensure_future(self._ahttp.request(**request))
        try:
            return await asyncio.shield(send)
        except asyncio.CancelledError:
            send.add_done_callback(self._cancel_created)
            raise

    def _cancel_created(self, send: asyncio.Future[httpx.Response]) -> None:
        if send.cancelled() or send.exception() is not None:
            return
        response = send.result()
        if response.status_code < 400:  # noqa: PLR2004
            task = asyncio.ensure_future(self.acancel(response.json()["id"]))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def aget(
        self, prediction_id: str, deadline: Deadline | None = None
    ) -> Prediction:
        """Async `get`."""
        action = f"get prediction {prediction_id}"
        timeout = httpx.Timeout(
            10.0, read=(deadline or Deadline()).read_timeout(30.0), pool=None
        )
        try:
            response = await self._asend(
                action, f"/v1/predictions/{prediction_id}", timeout
            )
        except ReplicateTimeoutError as e:
            # The read timeout ends by the deadline: report the deadline.
            if deadline is not None and deadline.expired():
                raise _timeout_error(prediction_id, self.timeout) from e
            raise
        return self._json(response, action)

    async def acancel(self, prediction_id: str) -> Prediction | None:
        """Async `cancel`."""
        try:
            response = await self._ahttp.post(
                f"/v1/predictions/{prediction_id}/cancel", timeout=_CANCEL_TIMEOUT
            )
            return self._json(response, f"cancel prediction {prediction_id}")
        except (httpx.HTTPError, ReplicateAPIError) as e:
            logger.warning("Could not cancel prediction %s: %s", prediction_id, e)
            return None

    async def ainput_schema(self, ref: ModelRef) -> InputSchema | None:
        """Async `input_schema` (same cache)."""
        key = (self.base_url, str(ref))
        if key in _schemas:
            return _schemas[key]
        async with _async_schema_lock(key):
            if key not in _schemas:
                _schemas[key] = await self._afetch_schema(ref)
            return _schemas[key]

    async def aprepare(self, plan: CallPlan, prompt: Any) -> PreparedCall:  # noqa: ANN401 - text or messages
        """Async `prepare`."""
        if plan.needs_schema:
            return plan.prepare(prompt, await self.ainput_schema(plan.ref))
        return plan.prepare(prompt, self.cached_schema(plan.ref))

    async def aprepare_chat(
        self, plan: CallPlan, build: Callable[[InputSchema | None], ChatPrompt]
    ) -> PreparedCall:
        """Async `prepare_chat`."""
        schema = await self.ainput_schema(plan.ref)
        prompt = build(schema)
        urls = [
            url if isinstance(url, str) else await self.aupload_file(url)
            for url in map(self._image_url, prompt.images)
        ]
        return prompt.prepare(plan, schema, urls)

    async def aupload_file(self, image: ImageUpload) -> str:
        """Async `upload_file`."""
        action = "upload an image to Replicate's files API"
        try:
            response = await self._ahttp.post("/v1/files", **_upload_request(image))
        except httpx.HTTPError as e:
            raise error_from_transport(e, action) from e
        return _file_url(self._json(response, action))

    async def areprepare(
        self, call: PreparedCall, error: ReplicateAPIError
    ) -> PreparedCall | None:
        """Async `reprepare`."""
        if not call.may_have_wrong_prompt_key(error):
            return None
        return call.corrected(await self.ainput_schema(call.ref))

    async def _aget_json(self, path: str, action: str) -> dict[str, Any]:
        return self._json(await self._asend(action, path, _GET_TIMEOUT), action)

    async def _afetch_schema(self, ref: ModelRef) -> InputSchema | None:
        action = f"look up the schema of {ref}"
        if ref.is_deployment:
            release = (
                await self._aget_json(f"/v1/deployments/{ref.slug}", action)
            ).get("current_release") or {}
            model, version = release.get("model"), release.get("version")
            if not model or not version:
                return None
            return _schema_from_version(
                await self._aget_json(f"/v1/models/{model}/versions/{version}", action)
            )
        if ref.version:
            return _schema_from_version(
                await self._aget_json(
                    f"/v1/models/{ref.slug}/versions/{ref.version}", action
                )
            )
        return _schema_from_version(
            (await self._aget_json(f"/v1/models/{ref.slug}", action)).get(
                "latest_version"
            )
        )

    async def arun(
        self, ref: ModelRef, model_input: dict[str, Any], *, final: bool = False
    ) -> Prediction:
        """Async `run`."""
        deadline = self.deadline()
        prediction = await self.acreate(
            ref, model_input, stream=False, deadline=deadline
        )
        if self._run_is_over(prediction, final=final):
            return check_prediction(prediction)
        state = _StreamState(None, prediction)
        finished = False
        try:
            if not is_done(prediction):
                async for _ in self._asse_texts(state, deadline):
                    pass
            async for _ in self._apoll_texts(state, deadline):
                pass
            finished = True
        finally:
            if not finished:
                await self.acancel(state.prediction_id)
        return check_prediction(state.prediction)

    async def _asse_texts(
        self, state: _StreamState, deadline: Deadline
    ) -> AsyncIterator[str]:
        """Async `_sse_texts`."""
        if deadline.expired():
            raise _timeout_error(state.prediction_id, self.timeout)
        if (url := _stream_url(state.prediction)) is None:
            return
        events = self._aevents(url, deadline)
        try:
            async for event in events:
                if text := state.on_event(event):
                    yield text
                if state.over:
                    return
        except ReplicateTimeoutError as e:
            raise _timeout_error(state.prediction_id, self.timeout) from e
        except ReplicateAPIError as e:
            logger.info("Stream of %s broke (%s); polling", state.prediction_id, e)
        finally:
            await events.aclose()

    async def _apoll_texts(
        self, state: _StreamState, deadline: Deadline
    ) -> AsyncIterator[str]:
        """Async `_poll_texts`."""
        if state.finder.stopped:
            return
        sleeps = _poll_sleeps(deadline, state.prediction_id, self.timeout)
        while True:
            if text := state.on_poll(await self.aget(state.prediction_id, deadline)):
                yield text
            if state.finished:
                return
            await asyncio.sleep(next(sleeps))

    async def _aevents(
        self, url: str, deadline: Deadline
    ) -> AsyncGenerator[ServerSentEvent, None]:
        action = "read the prediction's stream"
        decoder = _EventDecoder()
        try:
            async with self._ahttp.stream(
                "GET", url, **_sse_request(deadline)
            ) as response:
                if response.status_code >= 400:  # noqa: PLR2004
                    await response.aread()
                    raise error_from_response(response, action)
                async for line in response.aiter_lines():
                    if (event := decoder.decode(line)) is not None:
                        yield event
                    if deadline.expired():
                        raise _timeout_error(None, self.timeout)
        except httpx.HTTPError as e:
            if deadline.expired():
                raise _timeout_error(None, self.timeout) from e
            raise error_from_transport(e, action) from e

    async def astream_text(
        self, ref: ModelRef, model_input: dict[str, Any], *, stop: Sequence[str] | None
    ) -> AsyncGenerator[StreamPiece, None]:
        """Async `stream_text`."""
        deadline = self.deadline()
        prediction = await self.acreate(
            ref, model_input, stream=True, deadline=deadline
        )
        state = _StreamState(stop, prediction)
        finished = False
        try:
            async for text in self._asse_texts(state, deadline):
                yield StreamPiece(text)
            async for text in self._apoll_texts(state, deadline):
                yield StreamPiece(text)
            if state.finder.stopped:
                canceled = await self.acancel(state.prediction_id)
                state.prediction = canceled or state.prediction
            finished = True
            for piece in state.final_pieces():
                yield piece
        finally:
            if not finished:
                await self.acancel(state.prediction_id)

    async def afollow(
        self, ref: ModelRef, model_input: dict[str, Any]
    ) -> AsyncGenerator[Prediction, None]:
        """Async `follow`."""
        deadline = self.deadline()
        prediction = await self.acreate(
            ref, model_input, stream=False, deadline=deadline
        )
        finished = False
        try:
            yield prediction
            ended = _followed_to_end(prediction, from_sync_create=bool(self.wait))
            sleeps = _poll_sleeps(deadline, prediction["id"], self.timeout)
            while not ended:
                await asyncio.sleep(next(sleeps))
                prediction = await self.aget(prediction["id"], deadline)
                yield prediction
                ended = _followed_to_end(prediction, from_sync_create=False)
            finished = True
        finally:
            if not finished:
                await self.acancel(prediction["id"])

    def afile_outputs(self, urls: Sequence[str]) -> list[FileOutput]:
        """`file_outputs` bound to this event loop's client (for `aread`)."""
        return [FileOutput(url, self._loop_client) for url in urls]

    async def adownload(self, url: str, path: Path) -> int:
        """Async `download` (file writes run in a thread)."""
        action = f"download {url[:100]}"
        size = 0
        with _saving(path, action) as part:
            if is_data_uri(url):
                size = await asyncio.to_thread(part.write_bytes, decode_data_uri(url))
            else:
                request = self._download_request(url)
                response = await self._ahttp.send(request, stream=True)
                try:
                    if response.status_code >= 400:  # noqa: PLR2004
                        await response.aread()
                        raise error_from_response(response, action)
                    file = await asyncio.to_thread(part.open, "wb")
                    try:
                        async for chunk in response.aiter_bytes(_DOWNLOAD_CHUNK):
                            size += await asyncio.to_thread(file.write, chunk)
                    finally:
                        await asyncio.to_thread(file.close)
                finally:
                    await response.aclose()
        return size


@functools.lru_cache(maxsize=64)
def _shared_api(
    token: str, origin: str, max_retries: int, wait: int, timeout: float | None
) -> ReplicateAPI:
    """The process-wide `ReplicateAPI` for these settings (see `from_settings`)."""
    return ReplicateAPI._build(  # noqa: SLF001 - the cache of from_settings
        token, origin, max_retries=max_retries, wait=wait, timeout=timeout
    )


def _user_agent() -> str:
    from langchain_replicate import __version__  # noqa: PLC0415 - import cycle

    return f"langchain-replicate/{__version__ or 'dev'} replicate-python/{sdk_version}"


def normalize_base_url(base_url: str | None) -> str:
    """The API origin: default when unset; trailing `/` and `/v1` removed.

    Replicate's paths already start with `/v1`, so `https://host/v1` would give
    `/v1/v1/...`.
    """
    url = (base_url or DEFAULT_BASE_URL).rstrip("/")
    return url.removesuffix("/v1")
