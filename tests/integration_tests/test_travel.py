"""Models travel to workers: a copy made after use runs its own calls on the server.

The shapes distributed engines use: `pickle` (`multiprocessing`, joblib, Dask),
`cloudpickle` (Ray, Spark) and `copy.deepcopy`; and a real `spawn` worker
process, which unpickles the model in a fresh interpreter.
"""

from __future__ import annotations

import copy
import multiprocessing
import pickle
from typing import TYPE_CHECKING, Any

import cloudpickle
import pytest

from langchain_replicate import (
    ChatReplicate,
    Replicate,
    ReplicateEmbeddings,
    ReplicateImageGenerationTool,
    ReplicateModelTool,
    ReplicateToolkit,
)
from langchain_replicate.testing.catalogue.embeddings import GRANITE_EMBEDDING
from tests.modes import MODES, embed_query, invoke, stream

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_replicate.testing import LocalReplicateServer

LLAMA_3 = "meta/meta-llama-3-8b-instruct"
SDXL = (
    "stability-ai/sdxl:7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc"
)
COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda model: pickle.loads(pickle.dumps(model)),  # noqa: S301 - our own bytes
    "cloudpickle": lambda model: cloudpickle.loads(cloudpickle.dumps(model)),
    "deepcopy": copy.deepcopy,
}


def make(server: LocalReplicateServer, kind: str) -> Any:
    settings = {"api_key": server.api_token, "base_url": server.base_url}
    if kind == "llm":
        return Replicate(model=LLAMA_3, max_tokens=8, **settings)
    if kind == "chat":
        return ChatReplicate(model=LLAMA_3, max_tokens=8, **settings)
    if kind == "embeddings":
        return ReplicateEmbeddings(model=GRANITE_EMBEDDING.ref, **settings)
    if kind == "model_tool":  # its argument model is made at run time
        return ReplicateModelTool.from_model(SDXL, **settings)
    if kind == "toolkit":
        return ReplicateToolkit(models=[SDXL], discovery=True, max_runs=9, **settings)
    return ReplicateImageGenerationTool(model=SDXL, **settings)


async def use(model: Any, mode: str) -> str:
    """One call in `mode`; a short account of its answer."""
    if isinstance(model, ReplicateEmbeddings):
        return f"{len(await embed_query(model, mode, 'llamas'))} dims"
    if isinstance(model, ReplicateToolkit):  # its typed tool
        typed = model.get_tools()[0]
        await invoke(typed, mode, {"prompt": "socks", "width": 128, "height": 128})
        return typed.name
    if isinstance(model, ReplicateModelTool):
        args = {"prompt": "socks", "width": 128, "height": 128}
        return str(await invoke(model, mode, args)).split("\n")[0]
    if isinstance(model, ReplicateImageGenerationTool):
        message = await invoke(model, mode, {"prompt": "socks"})
        return str(message).split("/")[2]  # the delivery host
    chunks = await stream(model, mode, "Tell me about llamas")
    return "".join(str(getattr(chunk, "content", chunk)) for chunk in chunks)


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize(
    "kind", ["llm", "chat", "embeddings", "tool", "model_tool", "toolkit"]
)
async def test_a_copy_made_after_use_runs_its_own_calls(
    replicate_server: LocalReplicateServer, kind: str, how: str
) -> None:
    model = make(replicate_server, kind)
    answers = {mode: await use(model, mode) for mode in MODES}
    before = len(replicate_server.predictions())
    copied = COPIES[how](model)
    assert {mode: await use(copied, mode) for mode in MODES} == answers
    made = replicate_server.predictions()[before:]
    assert len(made) == len(MODES)
    assert {p.status for p in made} == {"succeeded"}


@pytest.mark.parametrize("how", COPIES)
def test_a_toolkit_copy_keeps_its_run_limit(
    replicate_server: LocalReplicateServer, how: str
) -> None:
    settings = {
        "api_key": replicate_server.api_token,
        "base_url": replicate_server.base_url,
    }
    toolkit = ReplicateToolkit(models=[SDXL], max_runs=2, **settings)
    args = {"prompt": "socks", "width": 128, "height": 128}
    toolkit.get_tools()[0].invoke(args)
    copied = COPIES[how](toolkit)
    assert copied.runs_started == 1
    (typed,) = copied.get_tools()
    typed.invoke(args)
    before = len(replicate_server.predictions())
    refusal = typed.invoke(args)  # a tool error the agent reads
    assert "Run limit reached" in str(refusal)
    assert len(replicate_server.predictions()) == before  # nothing created


def _ask_in_worker(data: bytes) -> str:
    """In a spawned worker: unpickle a model and stream one answer."""
    model = pickle.loads(data)  # noqa: S301 - our own bytes
    return "".join(model.stream("Tell me about llamas"))


def test_a_model_used_here_answers_in_a_spawned_worker(
    replicate_server: LocalReplicateServer,
) -> None:
    model = make(replicate_server, "llm")
    here = "".join(model.stream("Tell me about llamas"))
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        there = pool.apply(_ask_in_worker, (pickle.dumps(model),))
    assert there == here
    (_, made) = replicate_server.predictions()[-2:]
    assert made.status == "succeeded"
