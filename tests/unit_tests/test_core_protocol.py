"""The pure prediction protocol: states, deadline, poll schedule, retry rule, streams.

Time is a fake clock here (`FakeClock`), so the schedules are checked exactly,
without sleeping or wall-clock bounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from langchain_replicate._core.protocol import (
    Deadline,
    can_return,
    create_request,
    create_retry_delay,
    has_final_output,
    is_terminal,
    poll_delays,
    poll_sleeps,
)
from langchain_replicate._core.streaming import EventDecoder, StreamPiece, StreamState
from langchain_replicate._inputs.calls import CallPlan
from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate.errors import (
    ReplicateConnectionError,
    ReplicatePredictionError,
    ReplicateRateLimitError,
    ReplicateServerError,
    ReplicateTimeoutError,
    error_from_response,
)

if TYPE_CHECKING:
    from langchain_replicate._core.streaming import SSEEvent

REF = parse_model_ref("meta/llama")


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def response(status: int, **kwargs: Any) -> httpx.Response:
    return httpx.Response(
        status, request=httpx.Request("POST", "https://r.test/x"), **kwargs
    )


# -- states ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prediction", "terminal", "final_output", "returnable", "returnable_final"),
    [
        ({"status": "starting"}, False, False, False, False),
        ({"status": "processing", "output": None}, False, False, False, False),
        ({"status": "processing", "output": ["Hi"]}, False, True, True, False),
        (
            {"status": "processing", "output": "data:image/png;base64,AA"},
            *[
                False,
                True,
                False,
                False,
            ],
        ),
        ({"status": "succeeded", "output": "Hi"}, True, True, True, True),
        ({"status": "succeeded", "output": ["data:a", "x"]}, True, True, False, False),
        ({"status": "failed", "output": None}, True, True, True, True),
        ({"status": "canceled"}, True, True, True, True),
        ({"status": "aborted"}, True, True, True, True),
    ],
)
def test_state_predicates(
    prediction: dict[str, Any],
    terminal: bool,
    final_output: bool,
    returnable: bool,
    returnable_final: bool,
) -> None:
    assert is_terminal(prediction) is terminal
    assert has_final_output(prediction) is final_output
    assert can_return(prediction, final=False) is returnable
    assert can_return(prediction, final=True) is returnable_final
    # Not a create's answer (listed, polled): only an ended prediction is final.
    assert has_final_output(prediction, answered=False) is terminal
    listed_returnable = returnable and terminal
    assert can_return(prediction, final=False, answered=False) is listed_returnable


# -- deadline and poll schedule --------------------------------------------------------


def test_deadline_on_a_fake_clock() -> None:
    clock = FakeClock()
    deadline = Deadline.after(2.0, clock)
    assert deadline.remaining() == 2.0
    assert deadline.read_timeout() == 2.0
    assert deadline.read_timeout(0.5) == 0.5
    clock.sleep(1.5)
    assert deadline.remaining() == 0.5
    assert not deadline.expired()
    clock.sleep(0.5)
    assert deadline.expired()
    assert deadline.remaining() == 0.0
    assert deadline.read_timeout() == 0.001  # never zero: httpx reads 0 as no wait


def test_no_deadline_never_expires() -> None:
    deadline = Deadline.after(None, FakeClock())
    assert deadline.remaining() is None
    assert not deadline.expired()
    assert deadline.read_timeout() == 300.0


def test_poll_backoff_grows_to_two_seconds() -> None:
    delays = poll_delays()
    got = [round(next(delays), 4) for _ in range(8)]
    assert got == [0.2, 0.3, 0.45, 0.675, 1.0125, 1.5188, 2.0, 2.0]


def test_poll_sleeps_backoff_is_cut_at_the_deadline_then_times_out() -> None:
    """Was a wall-clock bound (0.9 s < 4 polls < 3 s); now the exact schedule."""
    clock = FakeClock()
    sleeps = poll_sleeps(Deadline.after(1.0, clock), "p1", 1.0)
    taken = []

    def sleep_through() -> None:
        for delay in sleeps:
            taken.append(round(delay, 4))
            clock.sleep(delay)

    with pytest.raises(ReplicateTimeoutError, match="p1") as e:
        sleep_through()
    assert taken == [0.2, 0.3, 0.45, 0.05]  # the last one ends at the deadline
    assert e.value.prediction_id == "p1"
    assert "timeout=1.0" in str(e.value)


def test_poll_sleeps_without_deadline_never_time_out() -> None:
    clock = FakeClock()
    sleeps = poll_sleeps(Deadline.after(None, clock), "p1", None)
    for _ in range(100):
        clock.sleep(next(sleeps))
    assert clock.now == pytest.approx(
        100.0 + 0.2 + 0.3 + 0.45 + 0.675 + 1.0125 + 1.51875 + 2.0 * 94
    )


# -- retry rule ------------------------------------------------------------------------


def rate_limited(retry_after: str | None = None) -> ReplicateRateLimitError:
    headers = {"retry-after": retry_after} if retry_after else {}
    error = error_from_response(
        response(429, headers=headers, json={"detail": "slow"}), "create"
    )
    assert isinstance(error, ReplicateRateLimitError)
    return error


def test_429_is_retried_after_retry_after_then_given_up() -> None:
    deadline = Deadline.after(None, FakeClock())
    assert create_retry_delay(rate_limited("0.2"), 0, 2, deadline, "create") == 0.2
    assert create_retry_delay(rate_limited("0.2"), 1, 2, deadline, "create") == 0.2
    with pytest.raises(ReplicateRateLimitError):
        create_retry_delay(rate_limited("0.2"), 2, 2, deadline, "create")


def test_429_without_retry_after_backs_off_exponentially() -> None:
    deadline = Deadline.after(None, FakeClock())
    delays = [
        create_retry_delay(rate_limited(), attempt, 10, deadline, "create")
        for attempt in range(8)
    ]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_no_retry_that_would_end_after_the_deadline() -> None:
    deadline = Deadline.after(1.0, FakeClock())
    with pytest.raises(ReplicateRateLimitError):
        create_retry_delay(rate_limited("5"), 0, 2, deadline, "create")


def test_a_connection_never_opened_is_retried() -> None:
    deadline = Deadline.after(None, FakeClock())
    error = httpx.ConnectError("refused")
    assert create_retry_delay(error, 0, 2, deadline, "create") == 0.5
    with pytest.raises(ReplicateConnectionError):
        create_retry_delay(error, 2, 2, deadline, "create")


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("cut"),
        error_from_response(response(500, json={"detail": "boom"}), "create"),
        error_from_response(response(503, json={"detail": "busy"}), "create"),
    ],
)
def test_a_create_that_may_have_reached_the_server_is_never_retried(
    error: Exception,
) -> None:
    deadline = Deadline.after(None, FakeClock())
    with pytest.raises((ReplicateServerError, ReplicateTimeoutError, Exception)) as e:
        create_retry_delay(error, 0, 5, deadline, "create")  # type: ignore[arg-type]
    assert not isinstance(e.value, httpx.HTTPError)  # always mapped to ours


# -- the create request ----------------------------------------------------------------


def test_create_request_waits_at_most_until_the_deadline() -> None:
    clock = FakeClock()
    deadline = Deadline.after(7.5, clock)
    request = create_request(
        REF, {"prompt": "Hi"}, stream=False, deadline=deadline, wait=60, timeout=7.5
    )
    assert request["headers"] == {"Prefer": "wait=7", "Cancel-After": "8s"}
    assert request["url"] == "/v1/models/meta/llama/predictions"
    assert request["timeout"].read == 17.0
    clock.sleep(7.4)
    request = create_request(
        REF, {}, stream=False, deadline=deadline, wait=60, timeout=7.5
    )
    assert request["headers"]["Prefer"] == "wait=1"


def test_streaming_create_does_not_wait() -> None:
    request = create_request(
        REF, {}, stream=True, deadline=Deadline(), wait=60, timeout=None
    )
    assert request["headers"] == {}
    assert request["json"] == {"input": {}, "stream": True}


# -- SSE decoding and stream state -----------------------------------------------------


def sse_lines(*events: tuple[str, str]) -> list[str]:
    """The lines of SSE events `(name, data)`, as a stream sends them."""
    return [
        line
        for i, (name, data) in enumerate(events)
        for line in (f"event: {name}", f"id: {i}", f"data: {data}", "")
    ]


def events(*pairs: tuple[str, str]) -> list[SSEEvent]:
    decoder = EventDecoder()
    lines = sse_lines(*pairs)
    return [e for line in lines if (e := decoder.decode(line)) is not None]


def test_decoder_skips_unknown_events_whole() -> None:
    got = events(("output", "Hel"), ("metrics", "{}"), ("output", "lo"), ("done", "{}"))
    assert [(e.event, e.data) for e in got] == [
        ("output", "Hel"),
        ("output", "lo"),
        ("done", "{}"),
    ]


def test_stream_state_holds_back_a_possible_stop_and_stops_reading_at_it() -> None:
    state = StreamState(["END"], {"id": "p1", "status": "processing"})
    texts = [state.on_event(e) for e in events(("output", "Hi E"), ("output", "NDing"))]
    assert texts == ["Hi ", ""]
    assert state.stop_reading
    assert state.stop_polling
    assert state.final_pieces() == [
        StreamPiece(prediction={"id": "p1", "status": "processing"}, stopped=True)
    ]


def test_stream_state_resumes_by_polling_without_repeats() -> None:
    state = StreamState(None, {"id": "p1", "status": "processing"})
    assert [state.on_event(e) for e in events(("output", "Hel"))] == ["Hel"]
    assert not state.stop_reading
    assert state.on_poll({"id": "p1", "status": "processing", "output": ["Hel", "l"]})
    assert state.chars_seen == 4
    done = {"id": "p1", "status": "succeeded", "output": ["Hel", "lo!"]}
    assert state.on_poll(done) == "o!"
    assert state.stop_polling
    assert state.final_pieces() == [StreamPiece(prediction=done)]


def test_stream_state_done_event_means_all_output_was_seen() -> None:
    state = StreamState(None, {"id": "p1", "status": "processing"})
    for e in events(("output", "Hi"), ("done", "{}")):
        state.on_event(e)
    assert state.stop_reading
    assert state.saw_all_output
    assert state.on_poll({"id": "p1", "status": "succeeded", "output": "Hi"}) == ""


def test_stream_state_done_after_an_error_is_not_all_output() -> None:
    state = StreamState(None, {"id": "p1", "status": "processing"})
    for e in events(("done", '{"reason": "error"}')):
        state.on_event(e)
    assert state.stop_reading
    assert not state.saw_all_output
    state.on_poll({"id": "p1", "status": "failed", "error": "boom"})
    with pytest.raises(ReplicatePredictionError, match="boom"):
        state.final_pieces()


# -- the call plan ---------------------------------------------------------------------


def test_call_plan_merges_settings_then_call_arguments() -> None:
    plan = CallPlan.make(
        ref=REF,
        standard={"temperature": 0.1, "max_tokens": None},
        model_kwargs={"top_k": 5},
        stop=("a",),
        call_kwargs={"temperature": 0.7, "seed": 3, "model": "o/other"},
    )
    assert str(plan.ref) == "o/other"
    assert plan.standard == {"temperature": 0.7, "seed": 3}
    assert plan.extra == {"top_k": 5}
    assert plan.stop == ["a"]
    assert plan.needs_schema  # max tokens, stop: only the schema names them


def test_call_plan_without_questions_needs_no_schema() -> None:
    plan = CallPlan.make(
        ref=REF,
        standard={},
        model_kwargs={},
        stop=None,
        call_kwargs={},
        prompt_key="prompt",
    )
    assert not plan.needs_schema
    call = plan.prepare("Hi", None)
    assert call.model_input == {"prompt": "Hi"}
