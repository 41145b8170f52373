"""Predictions: their records, the task that runs a model, cancellation, events.

A `Prediction` is mutated only on the server's event loop. Each change appends to
`events` (what the SSE stream replays) and wakes whoever waits on `changed()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from langchain_replicate.testing._engine.wire import (
    encode_event,
    hello,
    resume_after,
    with_odd_separator,
)
from langchain_replicate.testing._models.reference import (
    GeneratedFile,
    JsonOutput,
    ModelPace,
    ReferenceModel,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

    from langchain_replicate.testing._engine.files import FileStore, OutputFile

Status = Literal["starting", "processing", "succeeded", "failed", "canceled", "aborted"]
TERMINAL: frozenset[str] = frozenset({"succeeded", "failed", "canceled", "aborted"})

EventKind = Literal["output", "logs", "error", "done"]

REDACTED = "**********"
"""What a secret input's value shows as (cog's `Secret` repr)."""


@dataclass(frozen=True)
class PredictionRecord:
    """What the server knows of one prediction, for tests to assert on."""

    id: str
    model: str
    """`owner/name` of the model that ran it."""
    status: Status
    input: Mapping[str, Any]
    """As the API shows it (secret inputs redacted)."""
    token_count: int
    """Text tokens the model produced (what a user is billed for)."""
    created_at: float
    completed_at: float | None
    deployment: str | None
    secret_input: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """The secret inputs' values as the model received them: for tests to
    check a secret arrived (the API never shows them; nor does `repr`)."""


@dataclass
class Prediction:
    """One prediction and everything it produced."""

    id: str
    seq: int
    model: ReferenceModel
    version_label: str
    """`version` as reported: the 64-hex id, or `dp-...` for official models."""
    input: dict[str, Any]
    created_at: float
    deployment: str | None = None
    deadline: float | None = None
    """When `Cancel-After` ends it (an absolute time), if it was sent."""
    odd_separators: bool = False
    """Put `ODD_SEPARATORS` inside text tokens (a fault, see `Faults`)."""
    status: Status = "starting"
    started_at: float | None = None
    completed_at: float | None = None
    outputs: list[str | OutputFile] = field(default_factory=list)
    value: JsonOutput | None = None
    """The output of a model that returns a value (it replaces `outputs`)."""
    value_files: dict[str, OutputFile] = field(default_factory=dict)
    """The stored file fields of `value`, by key."""
    logs: str = ""
    error: str | None = None
    token_count: int = 0
    first_token_at: float | None = None
    model_metrics: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[EventKind, str]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def finished(self) -> bool:
        """Whether the status is terminal."""
        return self.status in TERMINAL

    def record(self) -> PredictionRecord:
        """A snapshot of this prediction."""
        shown = self.shown_input()
        return PredictionRecord(
            id=self.id,
            model=self.model.ref,
            status=self.status,
            input=shown,
            token_count=self.token_count,
            created_at=self.created_at,
            completed_at=self.completed_at,
            deployment=self.deployment,
            secret_input={
                key: value
                for key, value in self.input.items()
                if shown.get(key) == REDACTED
            },
        )

    def shown_input(self) -> dict[str, Any]:
        """The input as the API shows it: secret inputs redacted.

        An input whose schema has `x-cog-secret` shows as `**********`; only
        the model sees its value.
        """
        properties = self.model.input_schema.get("properties", {})
        return {
            key: REDACTED
            if isinstance(properties.get(key), dict)
            and properties[key].get("x-cog-secret")
            and value is not None
            else value
            for key, value in self.input.items()
        }

    def changed(self) -> asyncio.Event:
        """An event set at the next change (take it before checking state)."""
        return self._changed

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def metrics(self) -> dict[str, Any]:
        """`metrics` for a finished prediction (spec §3.1)."""
        end = self.completed_at or time.time()
        started = self.started_at or end
        predict_time = max(end - started, 1e-6)
        metrics: dict[str, Any] = {}
        counted = self.model.counts_tokens
        if counted and (
            self.token_count or self.model_metrics.get("input_token_count")
        ):
            metrics.update(self.model_metrics)
            # A model that also spent hidden (reasoning) tokens reports its own count.
            metrics.setdefault("output_token_count", self.token_count)
            if self.first_token_at is not None:
                ttft = self.first_token_at - started
                metrics["time_to_first_token"] = ttft
                generating = end - self.first_token_at
                metrics["tokens_per_second"] = self.token_count / (
                    generating if generating > 0 else predict_time
                )
        else:
            metrics.update(self.model_metrics)
        metrics["predict_time"] = predict_time
        metrics["total_time"] = end - self.created_at
        return metrics

    # -- changes, each recorded as an SSE event --------------------------------------

    def start(self) -> None:
        """`starting` → `processing`."""
        if self.status == "starting":
            self.status = "processing"
            self.started_at = time.time()
            self._notify()

    def add_token(self, token: str) -> None:
        """Append a text token."""
        if self.finished:
            return
        if self.first_token_at is None:
            self.first_token_at = time.time()
        if self.odd_separators:
            token = with_odd_separator(token, self.token_count)
        self.token_count += 1
        self.outputs.append(token)
        self.events.append(("output", token))
        self._notify()

    def add_file(self, output: OutputFile, url: str) -> None:
        """Append an output file; `url` is what the stream sends."""
        if self.finished:
            return
        self.outputs.append(output)
        self.events.append(("output", url))
        self._notify()

    def set_value(
        self,
        value: JsonOutput,
        files: Mapping[str, OutputFile] | None = None,
        urls: Mapping[str, str] | None = None,
    ) -> None:
        """Record a model's returned value (sent as one `output` event, as JSON).

        Args:
            value: What the model returned.
            files: Its file fields, stored.
            urls: What the stream sends for each file field.
        """
        if self.finished:
            return
        self.value = value
        self.value_files = dict(files or {})
        sent = value.value
        if urls:
            sent = {**value.value, **urls}
        self.events.append(("output", json.dumps(sent)))
        self._notify()

    def add_log(self, text: str) -> None:
        """Append to the logs."""
        if self.finished:
            return
        self.logs += text
        self.events.append(("logs", text.removesuffix("\n")))
        self._notify()

    def finish(self, status: Status, error: str | None = None) -> None:
        """Move to a terminal status (once; later calls do nothing)."""
        if self.finished:
            return
        now = time.time()
        if self.started_at is None:
            self.started_at = now
        self.status = status
        self.completed_at = now
        self.error = error
        if status == "failed":
            self.events.append(
                ("error", _json({"detail": error or "Prediction failed"}))
            )
            self.events.append(("done", _json({"reason": "error"})))
        elif status == "canceled":
            self.events.append(("done", _json({"reason": "canceled"})))
        else:
            self.events.append(("done", "{}"))
        self._notify()

    async def wait(self, timeout: float | None) -> bool:
        """Wait until finished or `timeout` seconds pass; return whether finished."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.finished:
            changed = self.changed()
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        return True


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(value)


class _Context:
    """The `PredictionContext` a running model sees."""

    def __init__(
        self,
        prediction: Prediction,
        files: FileStore,
        pace: Callable[[], ModelPace],
    ) -> None:
        self._prediction = prediction
        self._files = files
        self._pace = pace

    @property
    def input(self) -> Mapping[str, Any]:
        return self._prediction.input

    @property
    def pace(self) -> ModelPace:
        return self._pace()

    @property
    def metrics(self) -> dict[str, Any]:
        return self._prediction.model_metrics

    def log(self, text: str) -> None:
        self._prediction.add_log(text)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def read_file(self, url: str) -> bytes:
        return self._files.read_url(url)


async def run_prediction(
    prediction: Prediction,
    files: FileStore,
    pace: Callable[[], ModelPace],
    output_url: Callable[[OutputFile], str],
) -> None:
    """Run the model's `predict` to the end, recording everything on `prediction`.

    Cancelling the task running this ends the prediction as `canceled` at once.
    """
    context = _Context(prediction, files, pace)
    try:
        if prediction.model.cold_start:
            await asyncio.sleep(pace().cold_start)
        prediction.start()
        async for item in prediction.model.predict(context):
            if isinstance(item, GeneratedFile):
                stored = files.add_output(prediction.id, item)
                prediction.add_file(stored, output_url(stored))
            elif isinstance(item, JsonOutput):
                stored_fields = {
                    key: files.add_output(prediction.id, file)
                    for key, file in item.files.items()
                }
                urls = {key: output_url(f) for key, f in stored_fields.items()}
                prediction.set_value(item, stored_fields, urls)
            else:
                prediction.add_token(item)
    except asyncio.CancelledError:
        prediction.finish("canceled")
    except Exception as e:  # noqa: BLE001 - any model error fails the prediction, as cog does
        prediction.finish("failed", str(e) or type(e).__name__)
    else:
        prediction.finish("succeeded")


def expire(prediction: Prediction) -> None:
    """`Cancel-After` ran out: `aborted` if it never started, else canceled."""
    if prediction.status == "starting":
        if prediction.task is not None:
            prediction.task.cancel()
        prediction.finish("aborted")
    else:
        cancel(prediction)


def cancel(prediction: Prediction) -> None:
    """Stop the prediction now: nothing it makes after this is kept."""
    if prediction.finished:
        return
    if prediction.task is not None:
        prediction.task.cancel()
    prediction.finish("canceled")


async def prediction_events(
    prediction: Prediction,
    *,
    cut_after: int | None = None,
    stall_after: int | None = None,
    last_event_id: str | None = None,
) -> AsyncIterator[bytes]:
    """Yield the stream's bytes until `done` (or until `cut_after` events).

    After `stall_after` events it sends nothing more and keeps the connection
    open (until the client leaves). With `last_event_id` (a reconnecting
    client's `Last-Event-ID`) it resumes after that event, as nchan does.
    """
    yield hello()
    stamp = int(prediction.created_at)
    sent = first = resume_after(last_event_id, stamp)
    while True:
        changed = prediction.changed()
        while sent < len(prediction.events):
            if cut_after is not None and sent - first >= cut_after:
                return
            if stall_after is not None and sent - first >= stall_after:
                await asyncio.Event().wait()  # a stall: open, silent, forever
            kind, data = prediction.events[sent]
            yield encode_event(kind, data, f"{stamp}:{sent}")
            sent += 1
            if kind == "done":
                return
        await changed.wait()
