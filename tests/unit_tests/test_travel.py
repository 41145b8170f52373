"""Models travel: pickle, cloudpickle and deep copies work before and after use.

Ray, Spark, Dask, joblib and `multiprocessing` ship a model to workers by
pickling it (cloudpickle for Ray and Spark), and `copy.deepcopy` is common in
user code. A model's clients, locks and pacer are never copied: the copy builds
(or joins) its own on first use, and the token travels only as the model's
`replicate_api_token` field (a `SecretStr`) does.
"""

from __future__ import annotations

import copy
import pickle
from typing import TYPE_CHECKING, Any

import cloudpickle
import httpx
import pytest

from langchain_replicate import (
    ChatReplicate,
    Replicate,
    ReplicateEmbeddings,
    ReplicateImageGenerationTool,
)
from langchain_replicate.testing.catalogue.text import LLAMA_3
from tests.modes import embed_query, invoke
from tests.unit_tests.fake_replicate import TOKEN, FakeReplicate
from tests.unit_tests.test_chat_models import make_fake
from tests.unit_tests.test_embeddings import GRANITE, FakeEmbedder
from tests.unit_tests.test_tools import DELIVERY, FakeImages, tool_call

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_replicate._settings import ReplicateConnection

_FAKES: dict[str, FakeReplicate] = {}
"""The fake each `Routed` transport answers with, by name."""


class Routed(httpx.MockTransport):
    """A mock transport that pickles as the name of its fake (in `_FAKES`).

    A model's `client_kwargs` travel with it, so a test transport must pickle:
    the scripted fake (its lock) cannot, its name can.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(_FAKES[name].handle)

    def __reduce__(self) -> tuple[type[Routed], tuple[str]]:
        return (Routed, (self.name,))


KINDS = ("llm", "chat", "embeddings", "tool")
COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda model: pickle.loads(pickle.dumps(model)),  # noqa: S301 - our own bytes
    "cloudpickle": lambda model: cloudpickle.loads(cloudpickle.dumps(model)),
    "deepcopy": copy.deepcopy,
    "model_copy": lambda model: model.model_copy(deep=True),
}


def make(kind: str, name: str) -> tuple[ReplicateConnection, FakeReplicate]:
    """A model of `kind` on a fake registered as `name`."""
    fakes: dict[str, Callable[[], FakeReplicate]] = {
        "llm": FakeReplicate,
        "chat": lambda: make_fake(LLAMA_3),
        "embeddings": FakeEmbedder,
        "tool": FakeImages,
    }
    fake = _FAKES[name] = fakes[kind]()
    settings = {
        "api_key": TOKEN,
        "base_url": fake.base_url,
        "client_kwargs": {"transport": Routed(name)},
    }
    models: dict[str, Callable[[], ReplicateConnection]] = {
        "llm": lambda: Replicate(model="meta/llama", **settings),
        "chat": lambda: ChatReplicate(model=LLAMA_3.ref, **settings),
        "embeddings": lambda: ReplicateEmbeddings(model=GRANITE, **settings),
        "tool": lambda: ReplicateImageGenerationTool(**settings),
    }
    return models[kind](), fake


async def use(model: Any, mode: str) -> None:
    """One call in `mode`, its answer checked."""
    if isinstance(model, ReplicateEmbeddings):
        assert await embed_query(model, mode, "7") == [7.0, 1.0]
    elif isinstance(model, ReplicateImageGenerationTool):
        message = await invoke(model, mode, tool_call({"prompt": "socks"}))
        assert message.content == f"{DELIVERY}/out-0.png"
    else:
        answer = await invoke(model, mode, "Hi")
        assert getattr(answer, "content", answer) == "Hello world!"


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("kind", KINDS)
async def test_a_model_travels_after_sync_and_async_calls(
    request: pytest.FixtureRequest, kind: str, how: str
) -> None:
    model, fake = make(kind, request.node.name)
    await use(model, "sync")
    await use(model, "async")
    calls = len(fake.creates())
    copied = COPIES[how](model)
    assert "_api" not in copied.__dict__  # built again on first use
    assert copied.replicate_api_token is not None
    assert copied.replicate_api_token.get_secret_value() == TOKEN
    for mode in ("sync", "async"):
        await use(copied, mode)
    assert len(fake.creates()) == calls + 2
    assert copied._api is not model._api
    await use(model, "sync")  # the original is untouched


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("kind", KINDS)
async def test_a_model_travels_before_any_call(
    request: pytest.FixtureRequest, kind: str, how: str, mode: str
) -> None:
    model, _fake = make(kind, request.node.name)
    await use(COPIES[how](model), mode)


@pytest.mark.parametrize("kind", KINDS)
async def test_the_token_travels_only_in_its_secret_field(
    request: pytest.FixtureRequest, kind: str
) -> None:
    model, _fake = make(kind, request.node.name)
    await use(model, "sync")
    await use(model, "async")
    for data in (pickle.dumps(model), cloudpickle.dumps(model)):
        assert data.count(TOKEN.encode()) == 1
    for copied in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):  # noqa: S301
        assert TOKEN not in repr(copied)
        assert TOKEN not in str(copied)


def test_copies_of_equal_settings_share_one_connection() -> None:
    model = ChatReplicate(
        model=LLAMA_3.ref, api_key=TOKEN, base_url="https://api.travel.test"
    )
    api = model._api
    for how in ("pickle", "cloudpickle", "deepcopy"):
        assert COPIES[how](model)._api is api
    assert copy.copy(model)._api is api
    other = model.model_copy(update={"timeout": 5.0})
    assert other._api is not api
    assert other._api.timeout == 5.0
