"""Fault suite: every way of abandoning a call cancels its prediction (issue 12, #3).

Each test starts one slow prediction (200 tokens, ~4 s), abandons the call at
~0.3 s — Ctrl-C (a real SIGINT to the main thread), `task.cancel()`,
`asyncio.wait_for`, an event loop closed right after a cancel, the deadline,
an exception raised in a callback — and asserts on the server's state: one
prediction per call, canceled, and almost no tokens produced after the
abandonment. Most abandon a non-streaming call while its create is still in
flight (`Prefer: wait`, id unknown), the hard case.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler

from langchain_replicate import ChatReplicate, Replicate, ReplicateTimeoutError
from langchain_replicate.testing import ModelPace

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_core.runnables import RunnableConfig

    from langchain_replicate.testing import LocalReplicateServer
    from langchain_replicate.testing._engine.predictions import PredictionRecord

MODEL = "meta/meta-llama-3-8b-instruct"
PACE = ModelPace(time_to_first_token=0.05, token_interval=0.02)
"""200 tokens take ~4 s: long enough to abandon, short enough to bound a test."""
ABANDON_AFTER = 0.3
TOKENS_AFTER_ABANDON = 30
"""At most this many tokens after the abandonment (0.6 s of the model's work;
a prediction left running makes ~190 more; a loaded CI machine needs slack)."""
CLASSES = [Replicate, ChatReplicate]
OWN_CONNECTION = {"headers": {"X-Test": "faults-abandon"}}
"""Its own connection, so its own pacer: earlier tests' 429s (which slow a shared
connection's creates for a while) do not change what it sends."""


class Abandoned:
    """What the server had produced when a call was abandoned."""

    def __init__(self, server: LocalReplicateServer) -> None:
        self.server = server
        self.before = len(server.predictions())
        self.tokens_at: dict[str, int] = {}

    def mark(self) -> None:
        """Record each new prediction's tokens at the moment of abandonment."""
        self.tokens_at = {p.id: p.token_count for p in self.new()}

    def new(self) -> list[PredictionRecord]:
        return self.server.predictions()[self.before :]

    def settled(self, calls: int = 1) -> list[PredictionRecord]:
        """The calls' predictions once none runs (at most 3 s of polling)."""
        for _ in range(150):
            records = self.new()
            if len(records) >= calls and all(p.completed_at for p in records):
                break
            time.sleep(0.02)
        records = self.new()
        assert len(records) == calls  # one prediction per call, none created twice
        return records

    def assert_canceled(self, calls: int = 1) -> None:
        for record in self.settled(calls):
            assert record.status == "canceled"
            produced_after = record.token_count - self.tokens_at.get(record.id, 0)
            assert produced_after <= TOKENS_AFTER_ABANDON


@pytest.fixture
def server(replicate_server: LocalReplicateServer) -> LocalReplicateServer:
    """The server at `PACE`, the model's schema already cached in this process.

    A first call fetches the schema before its create; abandoned at
    `ABANDON_AFTER`, it might not have sent the create yet (under pytest-xdist a
    worker's first call of the model can come in any test).
    """
    Replicate(
        model=MODEL,
        api_key=replicate_server.api_token,
        base_url=replicate_server.base_url,
        max_tokens=1,
        client_kwargs=OWN_CONNECTION,
    ).invoke("Hi")
    replicate_server.set_pace(PACE)
    return replicate_server


@pytest.fixture
def abandoned(server: LocalReplicateServer) -> Abandoned:
    return Abandoned(server)


def model(
    server: LocalReplicateServer, cls: type[Replicate | ChatReplicate], **kw: Any
) -> Replicate | ChatReplicate:
    return cls(
        model=MODEL,
        api_key=server.api_token,
        base_url=server.base_url,
        max_tokens=200,
        client_kwargs=OWN_CONNECTION,
        **kw,
    )


@pytest.fixture
def ctrl_c(abandoned: Abandoned) -> Iterator[None]:
    """A real Ctrl-C: SIGINT to the main thread after `ABANDON_AFTER` seconds.

    Under Python's own SIGINT handler, as in a user's script (an earlier test in
    this worker may have left another one installed: an event loop's runner
    installs its own while it runs).
    """

    def interrupt() -> None:
        abandoned.mark()
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(ABANDON_AFTER, interrupt)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, handler)


# -- Ctrl-C in sync calls --------------------------------------------------------------


@pytest.mark.usefixtures("ctrl_c")
@pytest.mark.parametrize("cls", CLASSES)
def test_ctrl_c_during_invoke_cancels_the_prediction_being_created(
    server: LocalReplicateServer,
    abandoned: Abandoned,
    cls: type[Replicate | ChatReplicate],
) -> None:
    with pytest.raises(KeyboardInterrupt):
        model(server, cls).invoke("Tell me a long story")
    abandoned.assert_canceled()


@pytest.mark.usefixtures("ctrl_c")
@pytest.mark.parametrize("cls", CLASSES)
def test_ctrl_c_during_stream_cancels_the_prediction(
    server: LocalReplicateServer,
    abandoned: Abandoned,
    cls: type[Replicate | ChatReplicate],
) -> None:
    with pytest.raises(KeyboardInterrupt):
        for _ in model(server, cls).stream("Tell me a long story"):
            pass
    abandoned.assert_canceled()


@pytest.mark.usefixtures("ctrl_c")
@pytest.mark.parametrize("cls", CLASSES)
def test_ctrl_c_during_batch_surfaces_at_once_and_cancels_every_prediction(
    server: LocalReplicateServer,
    abandoned: Abandoned,
    cls: type[Replicate | ChatReplicate],
) -> None:
    prompts = [f"Tell me story number {i}" for i in range(8)]
    with pytest.raises(KeyboardInterrupt):
        model(server, cls).batch(prompts)
    # The interrupt surfaced while the predictions were still running (the
    # batch did not wait for them to finish) ...
    assert not any(p.status == "succeeded" for p in abandoned.new())
    # ... and every one of them was canceled.
    abandoned.assert_canceled(calls=8)


# -- asyncio cancellation --------------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES)
async def test_task_cancel_during_ainvoke_cancels_the_prediction_being_created(
    server: LocalReplicateServer,
    abandoned: Abandoned,
    cls: type[Replicate | ChatReplicate],
) -> None:
    task = asyncio.ensure_future(model(server, cls).ainvoke("Tell me a long story"))
    await asyncio.sleep(ABANDON_AFTER)
    abandoned.mark()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.to_thread(abandoned.assert_canceled)


@pytest.mark.parametrize("cls", CLASSES)
async def test_wait_for_timing_out_cancels_the_prediction(
    server: LocalReplicateServer,
    abandoned: Abandoned,
    cls: type[Replicate | ChatReplicate],
) -> None:
    call = model(server, cls).ainvoke("Tell me a long story")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(call, ABANDON_AFTER)
    abandoned.mark()
    await asyncio.to_thread(abandoned.assert_canceled)


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("streaming", [False, True])
def test_loop_closing_right_after_a_cancel_still_cancels(
    server: LocalReplicateServer,
    abandoned: Abandoned,
    cls: type[Replicate | ChatReplicate],
    *,
    streaming: bool,
) -> None:
    llm = model(server, cls)

    async def consume() -> None:
        if streaming:
            async for _ in llm.astream("Tell me a long story"):
                pass
        else:
            await llm.ainvoke("Tell me a long story")

    async def main() -> None:
        task = asyncio.ensure_future(consume())
        await asyncio.sleep(ABANDON_AFTER)
        abandoned.mark()
        task.cancel()  # and return at once: asyncio.run closes the loop

    asyncio.run(main())
    abandoned.assert_canceled()


@pytest.mark.parametrize("cls", CLASSES)
async def test_cancelled_abatch_cancels_every_prediction(
    server: LocalReplicateServer,
    abandoned: Abandoned,
    cls: type[Replicate | ChatReplicate],
) -> None:
    prompts = [f"Tell me story number {i}" for i in range(8)]
    task = asyncio.ensure_future(model(server, cls).abatch(prompts))
    await asyncio.sleep(ABANDON_AFTER)
    abandoned.mark()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.to_thread(abandoned.assert_canceled, 8)


# -- the deadline and callbacks --------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_the_deadline_cancels_the_prediction(
    server: LocalReplicateServer,
    abandoned: Abandoned,
    cls: type[Replicate | ChatReplicate],
    mode: str,
) -> None:
    llm = model(server, cls, timeout=1)
    call = (
        asyncio.to_thread(llm.invoke, "Tell me a long story")
        if mode == "sync"
        else llm.ainvoke("Tell me a long story")
    )
    with pytest.raises(ReplicateTimeoutError):
        await call
    abandoned.mark()
    await asyncio.to_thread(abandoned.assert_canceled)


class BoomError(Exception):
    """Raised by a callback."""


class RaisingHandler(BaseCallbackHandler):
    raise_error = True

    def __init__(self, abandoned: Abandoned) -> None:
        self.abandoned = abandoned
        self.tokens = 0

    def on_llm_new_token(self, *args: Any, **kwargs: Any) -> None:
        self.tokens += 1
        if self.tokens == 5:
            self.abandoned.mark()
            raise BoomError


class AsyncRaisingHandler(AsyncCallbackHandler):
    raise_error = True

    def __init__(self, abandoned: Abandoned) -> None:
        self.abandoned = abandoned
        self.tokens = 0

    async def on_llm_new_token(self, *args: Any, **kwargs: Any) -> None:
        self.tokens += 1
        if self.tokens == 5:
            await asyncio.to_thread(self.abandoned.mark)
            raise BoomError


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_an_exception_in_a_callback_cancels_the_prediction(
    server: LocalReplicateServer,
    abandoned: Abandoned,
    cls: type[Replicate | ChatReplicate],
    mode: str,
) -> None:
    llm = model(server, cls)

    def consume() -> None:
        config: RunnableConfig = {"callbacks": [RaisingHandler(abandoned)]}
        for _ in llm.stream("Tell me a long story", config):
            pass

    async def aconsume() -> None:
        config: RunnableConfig = {"callbacks": [AsyncRaisingHandler(abandoned)]}
        async for _ in llm.astream("Tell me a long story", config):
            pass

    call = asyncio.to_thread(consume) if mode == "sync" else aconsume()
    with pytest.raises(BoomError):
        await call
    await asyncio.to_thread(abandoned.assert_canceled)
