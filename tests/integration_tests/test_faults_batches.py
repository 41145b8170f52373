"""Fault suite: batches keep every paid result (issue 12, #2).

The server throttles creates (`configure(create_rate_limit=...)`, a moving
window per token, `429` with `Retry-After`), the calls keep `max_retries=2`,
and each batch is bigger than three windows' worth, so a call retrying on its
own gives up. The batch paces itself instead (`_core.pacing.Pacer`, one per
connection) and every slot gets its own result. Asserted on the server's state:
predictions created (and succeeded or canceled) vs results returned.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from langchain_replicate import (
    ChatReplicate,
    Replicate,
    ReplicateEmbeddings,
    ReplicateInvalidRequestError,
)
from langchain_replicate.testing import ModelPace
from langchain_replicate.testing.catalogue.embeddings import MPNET

if TYPE_CHECKING:
    from langchain_replicate.testing import LocalReplicateServer
    from langchain_replicate.testing._engine.predictions import PredictionRecord

MODEL = "meta/meta-llama-3-8b-instruct"
EMBEDDINGS = f"{MPNET.ref}:{MPNET.version}"
RATE, CALLS = "8/second", 40
"""Five windows' worth: more than a call's own three tries can cover."""
CLASSES = [Replicate, ChatReplicate]
OWN_CONNECTION = {"headers": {"X-Test": "faults-batches"}}
"""Any `client_kwargs` give an instance its own connection, so its own pacer: a
throttling episode here does not pace other tests' calls."""
MODES = ["sync", "async"]


def model(
    server: LocalReplicateServer, cls: type[Replicate | ChatReplicate], **kw: Any
) -> Replicate | ChatReplicate:
    return cls(
        model=MODEL,
        api_key=server.api_token,
        base_url=server.base_url,
        max_retries=2,
        client_kwargs=OWN_CONNECTION,
        **kw,
    )


async def batch(
    llm: Replicate | ChatReplicate, mode: str, prompts: list[str], **kw: Any
) -> list[Any]:
    inputs: list[Any] = list(prompts)
    if mode == "sync":
        return await asyncio.to_thread(llm.batch, inputs, **kw)
    return await llm.abatch(inputs, **kw)


def new_predictions(
    server: LocalReplicateServer, before: int
) -> list[PredictionRecord]:
    return server.predictions()[before:]


@pytest.fixture
def throttled(replicate_server: LocalReplicateServer) -> LocalReplicateServer:
    replicate_server.configure(create_rate_limit=RATE)
    replicate_server.reset()  # fresh counters at the new rate
    return replicate_server


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("mode", MODES)
async def test_a_throttled_batch_returns_every_result(
    throttled: LocalReplicateServer, cls: type[Replicate | ChatReplicate], mode: str
) -> None:
    before = len(throttled.predictions())
    prompts = [f"Say something about the number {i}" for i in range(CALLS)]
    llm = model(throttled, cls, max_tokens=10)
    results = await batch(llm, mode, prompts, return_exceptions=True)
    assert [r for r in results if isinstance(r, Exception)] == []
    records = new_predictions(throttled, before)
    assert len(records) == CALLS
    assert all(record.status == "succeeded" for record in records)
    # (How few creates were refused is checked on a fake clock: test_core_pacing.)


async def test_abatch_of_300_on_a_throttled_account_returns_300_results(
    throttled: LocalReplicateServer,
) -> None:
    # Ten windows' worth (~10 s): the pacer runs past `INCREASE_AFTER` (5 s), so
    # its rate climbs back and is throttled again, on a long batch. (At 12/s, as
    # first written, the same 300 took 25 s.)
    throttled.configure(create_rate_limit="30/second")
    throttled.reset()
    before = len(throttled.predictions())
    llm = model(throttled, Replicate, max_tokens=10)
    prompts = [f"prompt {i}" for i in range(300)]
    results = await llm.abatch(list(prompts), return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 300
    records = new_predictions(throttled, before)
    assert [r.status for r in records] == ["succeeded"] * 300


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("mode", MODES)
async def test_one_failed_call_gets_its_own_slot(
    replicate_server: LocalReplicateServer,
    cls: type[Replicate | ChatReplicate],
    mode: str,
) -> None:
    before = len(replicate_server.predictions())
    replicate_server.inject_faults(fail_creates=1, status=422)  # refused: none made
    llm = model(replicate_server, cls, max_tokens=10)
    prompts = [f"Say something about the number {i}" for i in range(6)]
    results = await batch(llm, mode, prompts, return_exceptions=True)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], ReplicateInvalidRequestError)
    records = new_predictions(replicate_server, before)
    # Every prediction that ran came back as a result: none was thrown away.
    assert len(records) == len(results) - 1
    assert all(record.status == "succeeded" for record in records)


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("mode", MODES)
async def test_a_failed_call_without_return_exceptions_cancels_the_rest(
    replicate_server: LocalReplicateServer,
    cls: type[Replicate | ChatReplicate],
    mode: str,
) -> None:
    before = len(replicate_server.predictions())
    llm = model(replicate_server, cls, max_tokens=200)
    prompts = [f"Tell me story number {i} ({mode} {cls.__name__})" for i in range(6)]
    await batch(llm, mode, ["Hi"])  # the schema is cached: creates go at once
    replicate_server.set_pace(ModelPace(time_to_first_token=0.05, token_interval=0.02))
    replicate_server.inject_faults(fail_creates=1, status=422)
    with pytest.raises(ReplicateInvalidRequestError):
        await batch(llm, mode, prompts)

    def ours() -> list[PredictionRecord]:
        records = new_predictions(replicate_server, before)
        return [r for r in records if "story number" in str(r.input)]

    # The batch raised at once; the creates it had sent arrive and are canceled
    # soon (the predictions would run ~4 s).
    for tick in range(150):
        if tick >= 25 and all(r.completed_at is not None for r in ours()):
            break
        await asyncio.sleep(0.02)
    # Those created (not all were: the batch stopped sending) were canceled.
    assert len(ours()) <= len(prompts) - 1
    assert [r.status for r in ours()] == ["canceled"] * len(ours())


@pytest.mark.parametrize("mode", MODES)
async def test_throttled_embeddings_return_every_vector(
    throttled: LocalReplicateServer, mode: str
) -> None:
    embeddings = ReplicateEmbeddings(
        model=EMBEDDINGS,
        api_key=throttled.api_token,
        base_url=throttled.base_url,
        max_retries=2,
        chunk_size=1,
        client_kwargs=OWN_CONNECTION,
    )
    texts = [f"document {i}" for i in range(CALLS)]
    if mode == "sync":
        vectors = await asyncio.to_thread(embeddings.embed_documents, texts)
    else:
        vectors = await embeddings.aembed_documents(texts)
    assert len(vectors) == CALLS
