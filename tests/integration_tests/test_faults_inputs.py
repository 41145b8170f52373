"""Input slips, asserted on the server: one create for a good call, none for a bad one.

* `stop="reference"` (a string) is one stop sequence everywhere (invoke,
  stream, batch, chat): the output ends before "reference", not at its first
  letter.
* `timeout` 0 / negative / NaN, NaN model inputs, a lone surrogate in the
  prompt, `stop=[None]` and images given to the `Replicate` LLM raise
  `ReplicateInputError` naming the argument, and the server saw no create.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_replicate import ChatReplicate, Replicate, ReplicateInputError
from tests.modes import MODES, invoke, stream

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_replicate.testing import LocalReplicateServer

LLM = "meta/meta-llama-3-8b-instruct"
PROMPT = "You asked about reference books"
PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42"
    "mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _llm(
    server: LocalReplicateServer, cls: type[Any] = Replicate, **kwargs: Any
) -> Any:
    return cls(
        model=LLM,
        api_key=server.api_token,
        base_url=server.base_url,
        max_tokens=30,
        **{"timeout": 20, **kwargs},
    )


def _creates(server: LocalReplicateServer) -> int:
    return sum(
        1
        for method, path in server.request_log()
        if method == "POST" and path.endswith("/predictions")
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("how", ["invoke", "stream", "batch", "chat"])
async def test_a_stop_string_is_one_stop_sequence(
    replicate_server: LocalReplicateServer, mode: str, how: str
) -> None:
    llm = _llm(replicate_server, ChatReplicate if how == "chat" else Replicate)
    if how == "stream":
        text = "".join(await stream(llm, mode, PROMPT, stop="reference"))
    elif how == "batch":
        batch = llm.abatch if mode == "async" else llm.batch
        result = batch([PROMPT], stop="reference")
        (text,) = await result if mode == "async" else result
    else:
        text = await invoke(llm, mode, PROMPT, stop="reference")
    if how == "chat":
        text = text.content  # type: ignore[attr-defined]
    assert text.startswith('You asked: "You asked about')  # not cut at "r"
    assert "reference" not in text
    assert _creates(replicate_server) == 1


def _nan_kwarg(llm: Replicate) -> Any:
    return llm.invoke("Hi", temperature=math.nan)


SLIPS: dict[str, tuple[dict[str, Any], Callable[[Replicate], Any], str]] = {
    "timeout=0": ({"timeout": 0}, lambda llm: llm.invoke("Hi"), "timeout"),
    "timeout=-1": ({"timeout": -1}, lambda llm: llm.invoke("Hi"), "timeout"),
    "timeout=nan": ({"timeout": math.nan}, lambda llm: llm.invoke("Hi"), "timeout"),
    "temperature=nan": ({}, _nan_kwarg, "temperature"),
    "model_kwargs nan": (
        {"model_kwargs": {"top_p": math.nan}},
        lambda llm: llm.invoke("Hi"),
        "top_p",
    ),
    "lone surrogate": ({}, lambda llm: llm.invoke("Hi \ud83d"), "prompt"),
    "stop=[None]": (
        {},
        lambda llm: llm.invoke("Hi", stop=[None]),  # type: ignore[list-item]
        r"stop\[0\]",
    ),
    "images to the LLM": (
        {},
        lambda llm: llm.invoke(
            [
                HumanMessage(
                    content=[
                        {"type": "text", "text": "describe"},
                        {"type": "image_url", "image_url": {"url": PNG}},
                    ]
                )
            ]
        ),
        "ChatReplicate",
    ),
}


@pytest.mark.parametrize("slip", list(SLIPS))
def test_a_slip_fails_typed_and_named_before_any_create(
    replicate_server: LocalReplicateServer, slip: str
) -> None:
    kwargs, call, named = SLIPS[slip]
    with pytest.raises(ReplicateInputError, match=named):
        call(_llm(replicate_server, **kwargs))
    assert _creates(replicate_server) == 0


def test_infinite_timeout_is_no_limit(replicate_server: LocalReplicateServer) -> None:
    assert _llm(replicate_server, timeout=math.inf).invoke("Hi")
    assert _creates(replicate_server) == 1
