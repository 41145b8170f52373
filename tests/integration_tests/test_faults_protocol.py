"""Recovery from protocol faults, against the local server (issue 12, cases 4-8).

Each test injects one fault and asserts on the server's state: how many
predictions were made, how they ended, what the server itself produced.

* A failed poll (500, 502, a dropped connection) is retried (GETs are
  idempotent); a poll that keeps failing ends the call and cancels.
* Streamed text keeps U+2028, U+0085, VT, FF, FS... (SSE splits lines only at
  CR, LF).
* A stream that goes silent is noticed: the prediction is looked at and, if it
  finished, its output delivered.
* `Retry-After` is honoured up to a cap and never past the deadline.
* A create whose answer was lost is found on the server and adopted, never
  made twice.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk

from langchain_replicate import (
    ChatReplicate,
    Replicate,
    ReplicateAPIError,
    ReplicateImageGenerationTool,
    ReplicateRateLimitError,
)
from langchain_replicate._core import protocol
from langchain_replicate.testing import ModelPace
from tests.modes import MODES, invoke, stream

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_replicate.testing import LocalReplicateServer
    from langchain_replicate.testing._engine.predictions import PredictionRecord

    Made = Callable[[], list[PredictionRecord]]

pytestmark = pytest.mark.timeout(60)

LLAMA_3 = "meta/meta-llama-3-8b-instruct"
PROMPT = "Can a dog drive a car? Answer at length."
SLOW_IMAGES = ModelPace(
    time_to_first_token=0.005, token_interval=0.001, image_step_time=2.0
)


@pytest.fixture
def server(replicate_server: LocalReplicateServer) -> LocalReplicateServer:
    return replicate_server


@pytest.fixture
def kw(server: LocalReplicateServer) -> dict[str, Any]:
    """Settings with `client_kwargs`, so each instance has its own connection (and
    pacer): a 429 here does not pace other tests' creates."""
    return {
        "api_key": server.api_token,
        "base_url": server.base_url,
        "client_kwargs": {"headers": {"X-Test": "faults-protocol"}},
    }


@pytest.fixture
def made(server: LocalReplicateServer) -> Callable[[], list[PredictionRecord]]:
    """The predictions this test made (the server keeps earlier tests' too).

    Read once they have ended (up to 3 s): a call may return on a `processing`
    answer whose output is complete, a moment before the server records the end.
    """
    before = {prediction.id for prediction in server.predictions()}

    def ours() -> list[PredictionRecord]:
        return [p for p in server.predictions() if p.id not in before]

    def ended() -> list[PredictionRecord]:
        for _ in range(150):
            if all(p.completed_at is not None for p in ours()):
                break
            time.sleep(0.02)
        return ours()

    return ended


def server_output(server: LocalReplicateServer, prediction_id: str) -> Any:
    """The prediction's output as the server has it (a fresh GET)."""
    response = httpx.get(
        f"{server.base_url}/v1/predictions/{prediction_id}",
        headers={"Authorization": f"Bearer {server.api_token}"},
        timeout=10,
    )
    return response.json()["output"]


def server_text(server: LocalReplicateServer, prediction_id: str) -> str:
    output = server_output(server, prediction_id)
    return "".join(output) if isinstance(output, list) else str(output)


def prediction_requests(server: LocalReplicateServer) -> list[tuple[str, str]]:
    """The requests about predictions (creates, GETs, lists, streams, cancels)."""
    return [
        (method, path)
        for method, path in server.request_log()
        if "/predictions" in path or path.startswith("/v1/streams")
    ]


def text_of(chunks: list[Any]) -> str:
    return "".join(
        str(chunk.content) if isinstance(chunk, AIMessageChunk) else chunk
        for chunk in chunks
    )


# -- 4: a failed poll is retried ----------------------------------------------------


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failed `GET`s are retried after 0.05, 0.1, 0.2 s, not 0.5, 1, 2 s.

    `protocol.RETRY_FIRST` is read at each retry (its documented seam); the
    schedule itself is tested on its own (`test_core_protocol.py`).
    """
    monkeypatch.setattr(protocol, "RETRY_FIRST", 0.05)


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [500, 502, 0])
async def test_a_failed_poll_of_an_image_is_retried(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str, status: int
) -> None:
    server.inject_faults(fail_gets=2, get_status=status)
    tool = ReplicateImageGenerationTool(**kw)
    await invoke(tool, mode, "socks")
    [prediction] = made()
    assert prediction.status == "succeeded"
    gets = [
        r
        for r in server.request_log()
        if r == ("GET", f"/v1/predictions/{prediction.id}")
    ]
    assert len(gets) >= 3  # two failed, then answered


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [500, 0])
async def test_a_failed_poll_after_a_stream_is_retried(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str, status: int
) -> None:
    server.inject_faults(fail_gets=1, get_status=status)
    chunks = await stream(Replicate(model=LLAMA_3, **kw), mode, PROMPT)
    [prediction] = made()
    assert prediction.status == "succeeded"
    assert text_of(chunks) == server_text(server, prediction.id)


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("mode", MODES)
async def test_a_poll_that_keeps_failing_ends_the_call_and_cancels(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str
) -> None:
    server.set_pace(SLOW_IMAGES)
    server.inject_faults(fail_gets=1000, get_status=502)
    tool = ReplicateImageGenerationTool(**kw)
    with pytest.raises(ReplicateAPIError, match="502"):
        await invoke(tool, mode, tool_call({"prompt": "socks"}))
    [prediction] = made()
    assert prediction.status == "canceled"


def tool_call(args: dict[str, Any]) -> dict[str, Any]:
    name = "replicate_image_generation"
    return {"type": "tool_call", "id": "call-1", "name": name, "args": args}


# -- 5: SSE lines end only at CR, LF, CRLF ------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cls", [Replicate, ChatReplicate])
async def test_streamed_text_keeps_odd_line_separators(
    server: LocalReplicateServer,
    kw: dict[str, Any],
    made: Made,
    mode: str,
    cls: type[Replicate | ChatReplicate],
) -> None:
    server.inject_faults(odd_separators=True)
    model = cls(model=LLAMA_3, **kw)
    streamed = text_of(await stream(model, mode, PROMPT))
    invoked = await invoke(model, mode, PROMPT)
    invoked = invoked if isinstance(invoked, str) else invoked.content
    first, second = made()
    assert first.token_count > 8  # every separator was used
    expected = server_text(server, first.id)
    assert "\u2028" in expected
    assert "\x85" in expected
    assert (len(expected) - len(streamed), streamed) == (0, expected)
    assert invoked == server_text(server, second.id)


# -- 6: a stalled stream ------------------------------------------------------------


STALL = 0.5
"""The stall interval in these tests (the client's is `STREAM_STALL`, 5 s): the
stall is noticed the same way, ten times sooner."""


@pytest.fixture
def short_stall(monkeypatch: pytest.MonkeyPatch) -> float:
    """The client notices a silent stream after `STALL` seconds, not 5.

    `protocol.STREAM_STALL` is read at each stream request (its documented seam).
    """
    monkeypatch.setattr(protocol, "STREAM_STALL", STALL)
    return STALL


@pytest.mark.usefixtures("short_stall")
@pytest.mark.parametrize("mode", MODES)
async def test_a_stalled_stream_delivers_the_finished_prediction(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str
) -> None:
    server.inject_faults(stall_stream_after=3)
    llm = Replicate(model=LLAMA_3, timeout=20, **kw)
    chunks = await stream(llm, mode, PROMPT)
    [prediction] = made()
    assert prediction.status == "succeeded"
    assert text_of(chunks) == server_text(server, prediction.id)


@pytest.mark.usefixtures("short_stall")
@pytest.mark.parametrize("mode", MODES)
async def test_a_stalled_stream_of_a_running_prediction_is_resumed(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str
) -> None:
    """Silent for `STALL` while the prediction (~3 s) runs: reopened after its
    last event."""
    server.set_pace(ModelPace(time_to_first_token=0.005, token_interval=0.02))
    server.inject_faults(stall_stream_after=3)
    llm = Replicate(model=LLAMA_3, max_tokens=150, timeout=30, **kw)
    chunks = await stream(llm, mode, PROMPT)
    [prediction] = made()
    assert prediction.status == "succeeded"
    assert text_of(chunks) == server_text(server, prediction.id)
    streams = [r for r in server.request_log() if r[1].startswith("/v1/streams/")]
    assert len(streams) >= 2


# -- 7: Retry-After ------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_long_retry_after_raises_at_once_naming_the_wait(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str
) -> None:
    server.inject_faults(fail_creates=1, status=429, retry_after=3600)
    with pytest.raises(ReplicateRateLimitError, match="3600"):
        await invoke(Replicate(model=LLAMA_3, **kw), mode, "Hi")
    assert made() == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_retry_after_past_the_deadline_raises_at_once(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str
) -> None:
    server.inject_faults(fail_creates=1, status=429, retry_after=30)
    with pytest.raises(ReplicateRateLimitError, match="30 s"):
        await invoke(Replicate(model=LLAMA_3, timeout=5, **kw), mode, "Hi")
    assert made() == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_short_retry_after_is_honoured(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str
) -> None:
    server.inject_faults(fail_creates=1, status=429, retry_after=1)
    answer = await invoke(Replicate(model=LLAMA_3, **kw), mode, "Hi")
    [prediction] = made()
    assert answer == server_text(server, prediction.id)
    creates = [r for r in server.request_log() if r[0] == "POST"]
    assert len(creates) == 2


# -- 8: a create whose answer was lost -----------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("lost_status", [0, 502])
@pytest.mark.parametrize("streaming", [False, True])
async def test_a_lost_create_is_adopted_not_made_twice(
    server: LocalReplicateServer,
    kw: dict[str, Any],
    made: Made,
    mode: str,
    lost_status: int,
    *,
    streaming: bool,
) -> None:
    server.inject_faults(lose_creates=1, lost_status=lost_status)
    llm = Replicate(model=LLAMA_3, **kw)
    if streaming:
        answer = text_of(await stream(llm, mode, PROMPT))
    else:
        answer = await invoke(llm, mode, PROMPT)
    [prediction] = made()
    assert prediction.status == "succeeded"
    assert answer == server_text(server, prediction.id)


@pytest.mark.parametrize("mode", MODES)
async def test_a_lost_create_of_a_chat_and_an_image_is_adopted(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str
) -> None:
    server.inject_faults(lose_creates=2, lost_status=0)
    message = await invoke(ChatReplicate(model=LLAMA_3, **kw), mode, PROMPT)
    await invoke(ReplicateImageGenerationTool(**kw), mode, "socks")
    chat, image = made()
    assert (chat.status, image.status) == ("succeeded", "succeeded")
    assert message.content == server_text(server, chat.id)


@pytest.mark.parametrize("mode", MODES)
async def test_a_create_that_made_nothing_is_sent_again_once(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str
) -> None:
    server.inject_faults(fail_creates=1, status=502)
    answer = await invoke(Replicate(model=LLAMA_3, **kw), mode, PROMPT)
    [prediction] = made()
    assert answer == server_text(server, prediction.id)
    assert ("GET", "/v1/predictions") in {
        (method, path.partition("?")[0]) for method, path in server.request_log()
    }


# -- the happy path sends no extra request -------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_the_happy_path_sends_what_it_sent_before(
    server: LocalReplicateServer, kw: dict[str, Any], made: Made, mode: str
) -> None:
    llm = Replicate(model=LLAMA_3, **kw)
    await invoke(llm, mode, PROMPT)
    assert [m for m, _ in prediction_requests(server)] == ["POST"]
    server.clear_request_log()
    await stream(llm, mode, PROMPT)
    [_, prediction] = made()
    assert prediction_requests(server) == [
        ("POST", "/v1/models/meta/meta-llama-3-8b-instruct/predictions"),
        ("GET", f"/v1/streams/{prediction.id}"),
        ("GET", f"/v1/predictions/{prediction.id}"),
    ]
