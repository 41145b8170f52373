"""The call flows, run by a scripted driver on a fake clock (no I/O, no sleeping).

A flow yields effects; `Script` answers each from the test's script, records
it, and moves the fake clock on `Sleep`. So the order of requests, the sleeps
between them and the cancel rule are checked exactly, for sync and async alike
(both drivers run these same flows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from langchain_replicate._core import effects as _effects
from langchain_replicate._core import flows as _flows
from langchain_replicate._core.effects import Flow, Policy
from langchain_replicate._core.streaming import StreamPiece
from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate.errors import (
    ReplicateConnectionError,
    ReplicatePredictionError,
    ReplicateTimeoutError,
)
from tests.unit_tests.test_core_protocol import FakeClock, events

if TYPE_CHECKING:
    from collections.abc import Iterator

TARGET = _effects.Target(parse_model_ref("meta/llama"), {})
STREAM = "https://stream.test/p1"


def created(status: str = "starting", **fields: Any) -> httpx.Response:
    body = {"id": "p1", "status": status, "urls": {}, **fields}
    return httpx.Response(
        201, json=body, request=httpx.Request("POST", "https://r.test/x")
    )


def prediction(status: str, output: Any = None) -> dict[str, Any]:
    return {"id": "p1", "status": status, "output": output, "urls": {}}


class Script:
    """Answers a flow's effects from lists, on a fake clock."""

    def __init__(
        self,
        *,
        creates: list[httpx.Response],
        gets: Iterator[dict[str, Any]] | None = None,
        events: list[Any] | None = None,
    ) -> None:
        self.clock = FakeClock()
        self.creates = creates
        self.gets = gets or iter(())
        self.events = iter(events or [])
        self.log: list[Any] = []
        self.emitted: list[Any] = []

    def policy(self, *, timeout: float | None = None, wait: int = 60) -> Policy:
        return Policy(max_retries=2, wait=wait, timeout=timeout, clock=self.clock)

    def answer(self, effect: Any) -> Any:
        match effect:
            case _effects.SendCreate():
                return self.creates.pop(0)
            case _effects.Get():
                return next(self.gets)
            case _effects.Sleep(seconds):
                self.clock.sleep(seconds)
            case _effects.Cancel():
                return prediction("canceled")
            case _effects.ReadEvents():
                self.read(effect)
        return None

    def read(self, effect: _effects.ReadEvents) -> None:
        """`ReadEvents` as the drivers run it: each event taken, its piece emitted."""
        for event in self.events:
            if isinstance(event, Exception):
                raise event
            if (piece := effect.take(event)) is not None:
                self.emitted.append(piece)
            if effect.state.stop_reading:
                return

    def play(self, flow: Flow[Any]) -> list[Any]:
        """Run the flow to its end (or error) as the drivers do; the effects asked."""
        for effect in flow:
            if isinstance(effect, _effects.Emit):
                self.emitted.append(effect.value)
                continue
            self.log.append(effect)
            with flow.answering():
                flow.reply = self.answer(effect)
        return self.log

    def kinds(self) -> list[str]:
        return [
            f"Sleep({effect.seconds:.4g})"
            if isinstance(effect, _effects.Sleep)
            else type(effect).__name__
            for effect in self.log
        ]


# -- run -------------------------------------------------------------------------------


def test_run_returns_a_sync_mode_answer_with_one_request() -> None:
    script = Script(creates=[created("succeeded", output="Hi")])
    flow: Flow[Any] = Flow.start(_flows.run, script.policy(), TARGET, final=False)
    script.play(flow)
    assert script.kinds() == ["SendCreate"]
    assert script.emitted[0]["output"] == "Hi"
    assert flow.unfinished is None


def test_run_polls_with_backoff_when_the_wait_ran_out() -> None:
    """Was a wall-clock bound (0.9 s < elapsed < 3 s) in test_llms.py."""
    gets = iter([prediction("processing")] * 3 + [prediction("succeeded", "ok")])
    script = Script(creates=[created()], gets=gets)
    flow: Flow[Any] = Flow.start(_flows.run, script.policy(), TARGET, final=False)
    script.play(flow)
    assert script.kinds() == [
        "SendCreate",
        "Get",
        "Sleep(0.2)",
        "Get",
        "Sleep(0.3)",
        "Get",
        "Sleep(0.45)",
        "Get",
    ]
    assert script.emitted == [prediction("succeeded", "ok")]
    assert flow.unfinished is None


def test_run_past_its_deadline_raises_and_leaves_the_prediction_to_cancel() -> None:
    """Was a wall-clock bound (< 2 s) in test_llms.py; drivers cancel `unfinished`."""
    script = Script(creates=[created()], gets=iter(lambda: prediction("processing"), 0))
    flow: Flow[Any] = Flow.start(
        _flows.run, script.policy(timeout=0.5), TARGET, final=False
    )
    with pytest.raises(ReplicateTimeoutError, match="p1") as e:
        script.play(flow)
    assert script.kinds() == [
        "SendCreate",
        "Get",
        "Sleep(0.2)",
        "Get",
        "Sleep(0.3)",
        "Get",
    ]
    assert script.clock.now == pytest.approx(100.5)
    assert e.value.prediction_id == "p1"
    assert flow.final_effects() == [_effects.CloseEvents(), _effects.Cancel("p1")]


def test_run_follows_the_stream_then_fetches_the_final_prediction() -> None:
    script = Script(
        creates=[created(urls={"stream": STREAM})],
        gets=iter([prediction("succeeded", ["Hi", "!"])]),
        events=events(("output", "Hi"), ("output", "!"), ("done", "{}")),
    )
    flow: Flow[Any] = Flow.start(_flows.run, script.policy(), TARGET, final=True)
    script.play(flow)
    assert script.kinds() == [
        "SendCreate",
        "OpenEvents",
        "ReadEvents",
        "CloseEvents",
        "Get",
    ]
    assert script.emitted == [prediction("succeeded", ["Hi", "!"])]


def test_run_raises_a_failed_predictions_error() -> None:
    script = Script(creates=[created("failed", error="boom")])
    with pytest.raises(ReplicatePredictionError, match="boom"):
        script.play(Flow.start(_flows.run, script.policy(), TARGET, final=False))


# -- create and its retry rule ---------------------------------------------------------


def test_create_429s_are_retried_after_retry_after() -> None:
    """Was a wall-clock bound (>= 0.4 s) in test_llms.py."""
    slow = httpx.Response(
        429,
        headers={"retry-after": "0.2"},
        json={"detail": "slow"},
        request=httpx.Request("POST", "https://r.test/x"),
    )
    script = Script(creates=[slow, slow, created("succeeded", output="Hi")])
    script.play(Flow.start(_flows.run, script.policy(), TARGET, final=False))
    assert script.kinds() == [
        "SendCreate",
        "Sleep(0.2)",
        "SendCreate",
        "Sleep(0.2)",
        "SendCreate",
    ]


def test_create_is_not_resent_blindly_after_a_5xx_or_a_broken_connection() -> None:
    """It may have created the prediction: the server is asked first (the list)."""
    boom = httpx.Response(
        500, json={"detail": "boom"}, request=httpx.Request("POST", "https://r.test")
    )
    script = Script(creates=[boom, created("succeeded", output="Hi")])
    script.play(Flow.start(_flows.run, script.policy(), TARGET, final=False))
    assert script.kinds() == ["SendCreate", "GetJSON", "Sleep(0.5)", "SendCreate"]
    assert isinstance(script.log[1], _effects.GetJSON)
    assert script.log[1].path.startswith("/v1/predictions?created_after=")

    class Broken(Script):
        def answer(self, effect: Any) -> Any:
            if isinstance(effect, _effects.SendCreate):
                msg = "connection reset mid-request"
                raise httpx.RemoteProtocolError(msg)
            return super().answer(effect)

    broken = Broken(creates=[])
    with pytest.raises(ReplicateConnectionError):
        broken.play(Flow.start(_flows.run, broken.policy(), TARGET, final=False))
    assert broken.kinds() == [
        "SendCreate",
        "GetJSON",
        "Sleep(0.5)",
        "SendCreate",
        "GetJSON",
    ]


# -- stream ----------------------------------------------------------------------------


def test_stream_stops_at_a_stop_sequence_and_cancels() -> None:
    script = Script(
        creates=[created(urls={"stream": STREAM})],
        events=events(("output", "Hi E"), ("output", "ND more"), ("output", "unread")),
    )
    flow: Flow[Any] = Flow.start(_flows.stream, script.policy(), TARGET, stop=["END"])
    script.play(flow)
    assert next(script.events).data == "unread"  # reading stopped at the stop sequence
    assert script.kinds() == [
        "SendCreate",
        "OpenEvents",
        "ReadEvents",
        "CloseEvents",
        "Cancel",
    ]
    assert script.emitted == [
        StreamPiece("Hi "),
        StreamPiece(prediction=prediction("canceled"), stopped=True),
    ]
    assert flow.unfinished is None


def test_a_broken_stream_resumes_by_polling() -> None:
    script = Script(
        creates=[created(urls={"stream": STREAM})],
        events=[*events(("output", "Hel")), ReplicateConnectionError("cut")],
        gets=iter([prediction("succeeded", ["Hel", "lo"])]),
    )
    flow: Flow[Any] = Flow.start(_flows.stream, script.policy(), TARGET, stop=None)
    script.play(flow)
    assert script.kinds() == [
        "SendCreate",
        "OpenEvents",
        "ReadEvents",
        "CloseEvents",
        "Get",
    ]
    assert [piece.text for piece in script.emitted] == ["Hel", "lo", ""]


def test_a_stream_left_early_leaves_its_prediction_to_cancel() -> None:
    script = Script(
        creates=[created(urls={"stream": STREAM})],
        events=events(("output", "Hi"), ("output", "there")),
    )
    flow: Flow[StreamPiece] = Flow.start(
        _flows.stream, script.policy(), TARGET, stop=None
    )
    reply: Any = None
    while not isinstance(effect := flow.step(reply, None), _effects.ReadEvents):
        reply = script.answer(effect)
    assert effect.take(next(script.events)) == StreamPiece("Hi")
    # The caller stopped iterating: the driver runs what leaving needs.
    assert flow.final_effects() == [_effects.CloseEvents(), _effects.Cancel("p1")]


# -- follow ----------------------------------------------------------------------------


def test_follow_emits_each_poll_until_terminal() -> None:
    gets = iter(
        [
            prediction("processing"),
            prediction("processing", ["a.png"]),  # polled: not over yet
            prediction("succeeded", ["a.png", "b.png"]),
        ]
    )
    script = Script(creates=[created()], gets=gets)
    flow: Flow[Any] = Flow.start(_flows.follow, script.policy(wait=0), TARGET)
    script.play(flow)
    assert [p["status"] for p in script.emitted] == [
        "starting",
        "processing",
        "processing",
        "succeeded",
    ]
    assert script.kinds() == [
        "SendCreate",
        "Sleep(0.2)",
        "Get",
        "Sleep(0.3)",
        "Get",
        "Sleep(0.45)",
        "Get",
    ]
    assert flow.unfinished is None


def test_follow_takes_a_sync_mode_answer_with_output_as_over() -> None:
    script = Script(creates=[created("processing", output=["a.png"])])
    flow: Flow[Any] = Flow.start(_flows.follow, script.policy(wait=60), TARGET)
    script.play(flow)
    assert script.kinds() == ["SendCreate"]
    assert flow.unfinished is None
