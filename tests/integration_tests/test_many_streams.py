"""Many streams at once from one model: each gets its own connection.

A web server streams to many users from one model instance. httpx's default pool
(100 connections, `replicate.Client`'s own) kept the 101st stream waiting for a
connection until another stream ended; our clients' pools hold `POOL_LIMITS`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from langchain_replicate import ChatReplicate
from langchain_replicate.testing import ModelPace

if TYPE_CHECKING:
    from langchain_replicate.testing import LocalReplicateServer

STREAMS = 120
"""More than httpx's default pool of 100 connections."""


async def test_more_streams_than_httpx_default_pool_are_open_at_once(
    replicate_server: LocalReplicateServer,
) -> None:
    replicate_server.set_pace(ModelPace(time_to_first_token=0.01, token_interval=0.5))
    model = ChatReplicate(
        model="meta/meta-llama-3-8b-instruct",
        api_key=replicate_server.api_token,
        base_url=replicate_server.base_url,
        max_tokens=20,
    )
    before = len(replicate_server.predictions())
    all_open = asyncio.Barrier(STREAMS)
    streams: list[Any] = []

    async def first_piece_then_wait() -> str:
        stream = model.astream("Tell me about llamas")
        streams.append(stream)
        first = await anext(stream)
        await all_open.wait()  # every stream holds its connection here
        return str(first.content)

    try:
        firsts = await asyncio.wait_for(
            asyncio.gather(*(first_piece_then_wait() for _ in range(STREAMS))), 60
        )
    finally:
        for stream in streams:
            await stream.aclose()
    assert len(firsts) == STREAMS
    assert all(firsts)
    made = replicate_server.predictions()[before:]
    assert len(made) == STREAMS
    assert {p.status for p in made} <= {"canceled", "succeeded"}
