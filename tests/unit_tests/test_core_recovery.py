"""Recovery rules, pure: SSE line ends, GET retries, Retry-After, lost creates.

On a fake clock (`FakeClock`) and with scripted flows (`Script`), so every
schedule is exact and nothing sleeps.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, ClassVar

import httpx
import pytest

from langchain_replicate._core import effects as _effects
from langchain_replicate._core import flows as _flows
from langchain_replicate._core.effects import Flow
from langchain_replicate._core.lookup import is_ambiguous
from langchain_replicate._core.protocol import (
    GET_ATTEMPTS,
    RETRY_AFTER_MAX,
    STREAM_STALL,
    Deadline,
    create_retry_delay,
    get_retry_delay,
    sse_request,
)
from langchain_replicate._core.streaming import EventDecoder, LineSplitter, StreamPiece
from langchain_replicate.errors import (
    ReplicateConnectionError,
    ReplicateNotFoundError,
    ReplicateRateLimitError,
    ReplicateServerError,
    ReplicateTimeoutError,
    error_from_response,
)
from tests.unit_tests.test_core_flows import (
    STREAM,
    TARGET,
    Script,
    created,
    prediction,
)
from tests.unit_tests.test_core_lookup import LLAMA, SENT_AT, bare, listed
from tests.unit_tests.test_core_protocol import (
    FakeClock,
    events,
    rate_limited,
    response,
)

ODD = "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e"


# -- 5: SSE lines end only at CR, LF, CRLF --------------------------------------------


def test_lines_end_only_at_cr_lf_crlf() -> None:
    splitter = LineSplitter()
    assert splitter.feed(f"data: a{ODD}b\r\ndata: c\rdata: d\n\npartial") == [
        f"data: a{ODD}b",
        "data: c",
        "data: d",
        "",
    ]
    assert splitter.feed(" line\n") == ["partial line"]


@pytest.mark.parametrize("cut", range(1, 12))
def test_a_crlf_split_across_chunks_is_one_line_end(cut: int) -> None:
    wire = "a\r\nb\r\n\r\nc\n"
    splitter = LineSplitter()
    lines = splitter.feed(wire[:cut]) + splitter.feed("") + splitter.feed(wire[cut:])
    assert lines == ["a", "b", "", "c"]


def test_decoder_keeps_odd_separators_inside_output_events() -> None:
    decoder = EventDecoder()
    wire = (
        f"event: output\nid: 1\ndata: He{ODD}llo\n\nevent: done\nid: 2\ndata: {{}}\n\n"
    )
    got = [e for chunk in wire for e in decoder.feed(chunk)]  # one char at a time
    assert [(e.event, e.data) for e in got] == [
        ("output", f"He{ODD}llo"),
        ("done", "{}"),
    ]


# -- 4: a failed GET is retried --------------------------------------------------------


def server_error(status: int) -> ReplicateServerError:
    error = error_from_response(response(status, json={"detail": "x"}), "get")
    assert isinstance(error, ReplicateServerError)
    return error


@pytest.mark.parametrize(
    "error",
    [server_error(500), server_error(502), ReplicateConnectionError("reset")],
)
def test_a_failed_get_is_retried_with_backoff_then_raised(error: Exception) -> None:
    deadline = Deadline.after(None, FakeClock())
    delays = [get_retry_delay(error, n, deadline) for n in range(GET_ATTEMPTS - 1)]  # type: ignore[arg-type]
    assert delays == [0.5, 1.0, 2.0]
    with pytest.raises(type(error)):
        get_retry_delay(error, GET_ATTEMPTS - 1, deadline)  # type: ignore[arg-type]


def test_a_get_is_not_retried_on_4xx_nor_past_the_deadline() -> None:
    clock = FakeClock()
    missing = error_from_response(response(404, json={"detail": "x"}), "get")
    assert isinstance(missing, ReplicateNotFoundError)
    with pytest.raises(ReplicateNotFoundError):
        get_retry_delay(missing, 0, Deadline.after(None, clock))
    with pytest.raises(ReplicateServerError):
        get_retry_delay(server_error(502), 1, Deadline.after(0.9, clock))
    expired = Deadline.after(0, clock)
    with pytest.raises(ReplicateTimeoutError):
        get_retry_delay(ReplicateTimeoutError("deadline"), 0, expired)


def test_follow_retries_a_failed_poll() -> None:
    class Flaky(Script):
        failures: ClassVar[list[Exception]] = [
            server_error(502),
            ReplicateConnectionError("reset"),
        ]

        def answer(self, effect: Any) -> Any:
            if isinstance(effect, _effects.Get) and self.failures:
                raise self.failures.pop(0)
            return super().answer(effect)

    script = Flaky(creates=[created()], gets=iter([prediction("succeeded", "ok")]))
    flow: Flow[Any] = Flow.start(_flows.follow, script.policy(wait=0), TARGET)
    script.play(flow)
    assert script.kinds() == [
        "SendCreate",
        "Sleep(0.2)",
        "Get",
        "Sleep(0.5)",
        "Get",
        "Sleep(1)",
        "Get",
    ]
    assert script.emitted[-1] == prediction("succeeded", "ok")
    assert flow.unfinished is None


# -- 6: a stalled stream ---------------------------------------------------------------


def test_the_stream_read_timeout_is_the_stall_interval() -> None:
    clock = FakeClock()
    assert sse_request(Deadline.after(None, clock))["timeout"].read == STREAM_STALL
    assert sse_request(Deadline.after(2.0, clock))["timeout"].read == 2.0


def test_a_stalled_stream_delivers_the_finished_predictions_rest() -> None:
    stalled = ReplicateTimeoutError("Timed out trying to read the stream")
    script = Script(
        creates=[created(urls={"stream": STREAM})],
        events=[*events(("output", "Hel")), stalled],
        gets=iter([prediction("succeeded", ["Hel", "lo"])] * 2),
    )
    flow: Flow[Any] = Flow.start(
        _flows.stream, script.policy(timeout=10), TARGET, stop=None
    )
    script.play(flow)
    assert script.kinds()[-3:] == ["CloseEvents", "Get", "Get"]  # looked at, polled
    assert script.emitted == [
        StreamPiece("Hel"),
        StreamPiece("lo"),
        StreamPiece(prediction=prediction("succeeded", ["Hel", "lo"])),
    ]


def test_a_stalled_stream_of_a_running_prediction_is_resumed_after_its_last_event() -> (
    None
):
    stalled = ReplicateTimeoutError("Timed out trying to read the stream")
    replay = events(("output", "Hel"), ("output", "lo"), ("done", "{}"))
    script = Script(
        creates=[created(urls={"stream": STREAM})],
        events=[*events(("output", "Hel")), stalled, *replay],
        gets=iter(
            [prediction("processing", ["Hel"]), prediction("succeeded", ["Hel", "lo"])]
        ),
    )
    flow: Flow[Any] = Flow.start(_flows.stream, script.policy(), TARGET, stop=None)
    script.play(flow)
    assert script.kinds() == [
        "SendCreate",
        "OpenEvents",
        "ReadEvents",
        "CloseEvents",
        "Get",
        "OpenEvents",
        "ReadEvents",
        "CloseEvents",
        "Get",
    ]
    first, again = (e for e in script.log if isinstance(e, _effects.OpenEvents))
    assert (first.last_event_id, again.last_event_id) == (None, "0")
    assert [piece.text for piece in script.emitted] == ["Hel", "lo", ""]


# -- 7: Retry-After --------------------------------------------------------------------


def test_a_retry_after_past_the_cap_is_raised_at_once_naming_it() -> None:
    deadline = Deadline.after(None, FakeClock())
    assert create_retry_delay(rate_limited("60"), 0, 2, deadline, "create") == 60
    with pytest.raises(ReplicateRateLimitError, match="wait 3600 s") as e:
        create_retry_delay(rate_limited("3600"), 0, 2, deadline, "create")
    assert e.value.retry_after == 3600
    assert f"{RETRY_AFTER_MAX:g} s" in str(e.value)


def test_a_retry_after_past_the_deadline_is_raised_at_once_naming_it() -> None:
    deadline = Deadline.after(10, FakeClock())
    with pytest.raises(ReplicateRateLimitError, match=r"wait 30 s .*past the deadline"):
        create_retry_delay(rate_limited("30"), 0, 2, deadline, "create")


# -- 8: a create whose answer was lost -------------------------------------------------


@pytest.mark.parametrize(
    ("error", "ambiguous"),
    [
        (httpx.RemoteProtocolError("cut"), True),
        (httpx.ReadTimeout("slow"), True),
        (httpx.ReadError("reset"), True),
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow"), False),
        (server_error(502), True),
        (server_error(500), True),
        (rate_limited(), False),
    ],
)
def test_which_failed_creates_may_have_made_a_prediction(
    error: Exception, *, ambiguous: bool
) -> None:
    assert is_ambiguous(error) is ambiguous  # type: ignore[arg-type]


class Lost(Script):
    """Creates whose answers are lost, and a list endpoint."""

    def __init__(self, *, lost: list[Exception], lists: list[Any], **kw: Any) -> None:
        super().__init__(**kw)
        self.lost = lost
        self.lists = lists

    def answer(self, effect: Any) -> Any:
        if isinstance(effect, _effects.SendCreate) and self.lost:
            raise self.lost.pop(0)
        if isinstance(effect, _effects.GetJSON):
            found = self.lists.pop(0)
            if isinstance(found, Exception):
                raise found
            return {"next": None, "previous": None, "results": found}
        return super().answer(effect)


HI = _effects.Target(LLAMA, {"prompt": "Hi", "max_tokens": 5})


def wall(script: Script) -> Any:
    return lambda: SENT_AT + script.clock.now - 100.0


@pytest.mark.parametrize("lost", [httpx.RemoteProtocolError("cut"), server_error(502)])
def test_a_lost_create_is_found_and_adopted(lost: Exception) -> None:
    pid = f"lost-{uuid.uuid4()}"  # ids are claimed process-wide
    done = listed(pid, status="succeeded", output=["Hel", "lo"])
    script = Lost(lost=[lost], lists=[[listed("x", age=300), done]], creates=[])
    policy = dataclasses.replace(script.policy(), wall=wall(script))
    flow: Flow[Any] = Flow.start(_flows.run, policy, HI, final=True)
    script.play(flow)
    assert script.kinds() == ["SendCreate", "GetJSON"]
    assert script.emitted == [done]
    assert flow.unfinished is None


def test_an_adopted_running_prediction_is_followed_to_its_end() -> None:
    """Listed `processing` with output is partial (not a sync answer): poll on."""
    pid = f"lost-{uuid.uuid4()}"
    running = listed(pid, output=["Hel"])
    ended = prediction("succeeded", ["Hel", "lo"]) | {"id": running["id"]}
    script = Lost(
        lost=[httpx.ReadError("reset")],
        lists=[[running]],
        creates=[],
        gets=iter([ended]),
    )
    policy = dataclasses.replace(script.policy(), wall=wall(script))
    script.play(Flow.start(_flows.run, policy, HI, final=False))
    assert script.kinds() == ["SendCreate", "GetJSON", "Get"]
    assert script.emitted == [ended]


def test_follow_polls_an_adopted_running_prediction_to_its_end() -> None:
    """In sync mode too: a listed `processing` prediction's output is partial."""
    pid = f"lost-{uuid.uuid4()}"
    running = listed(pid, output=["Hel"])
    ended = prediction("succeeded", ["Hel", "lo"]) | {"id": running["id"]}
    script = Lost(
        lost=[httpx.ReadError("reset")],
        lists=[[running]],
        creates=[],
        gets=iter([ended]),
    )
    policy = dataclasses.replace(script.policy(wait=60), wall=wall(script))
    script.play(Flow.start(_flows.follow, policy, HI))
    assert script.kinds() == ["SendCreate", "GetJSON", "Sleep(0.2)", "Get"]
    assert script.emitted == [running, ended]


def test_a_lost_streaming_create_is_adopted_and_polled() -> None:
    pid = f"lost-{uuid.uuid4()}"
    running = listed(pid, urls={"stream": STREAM})
    script = Lost(
        lost=[httpx.ReadError("reset")],
        lists=[[running]],
        creates=[],
        gets=iter([prediction("succeeded", ["Hel", "lo"]) | {"id": running["id"]}]),
    )
    policy = dataclasses.replace(script.policy(), wall=wall(script))
    flow: Flow[Any] = Flow.start(_flows.stream, policy, HI, stop=None)
    script.play(flow)
    assert script.kinds() == ["SendCreate", "GetJSON", "Get"]
    assert [piece.text for piece in script.emitted] == ["Hello", ""]


def test_a_listed_prediction_without_input_is_fetched_whole() -> None:
    pid = f"lost-{uuid.uuid4()}"
    whole = listed(pid, status="succeeded", output="ok")
    script = Lost(
        lost=[httpx.ReadError("reset")],
        lists=[[bare(pid)]],
        creates=[],
        gets=iter([whole]),
    )
    policy = dataclasses.replace(script.policy(), wall=wall(script))
    script.play(Flow.start(_flows.run, policy, HI, final=True))
    assert script.kinds() == ["SendCreate", "GetJSON", "Get"]
    assert script.emitted == [whole]


def test_a_create_that_made_nothing_is_sent_again_once_then_raised() -> None:
    script = Lost(
        lost=[server_error(502), server_error(502)],
        lists=[[listed("someone-else", input={"prompt": "Ho"})], []],
        creates=[],
    )
    policy = dataclasses.replace(script.policy(), wall=wall(script))
    with pytest.raises(ReplicateServerError):
        script.play(Flow.start(_flows.run, policy, HI, final=True))
    assert script.kinds() == [
        "SendCreate",
        "GetJSON",
        "Sleep(0.5)",
        "SendCreate",
        "GetJSON",
    ]


def test_a_failed_search_raises_the_creates_error_and_sends_nothing_again() -> None:
    script = Lost(
        lost=[httpx.RemoteProtocolError("cut")],
        lists=[ReplicateConnectionError("down")],
        creates=[created()],
    )
    with pytest.raises(ReplicateConnectionError, match="RemoteProtocolError"):
        script.play(Flow.start(_flows.run, script.policy(), HI, final=True))
    assert script.kinds() == ["SendCreate", "GetJSON"]
