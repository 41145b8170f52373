"""Faults around the API token, asserted on the server's state.

* A token pasted with surrounding whitespace works (the server authenticates
  the create) and appears in no error, exception chain or log record, httpx and
  httpcore DEBUG logs included.
* With the `foreign_origin` fault, `urls.stream` and output file URLs point at
  the server's second listener (another origin): the server records that no
  `Authorization` header arrived there — for streams (sync and async), tool
  downloads and `FileOutput.read()` / `aread()`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import pytest

from langchain_replicate import (
    ChatReplicate,
    Replicate,
    ReplicateAuthenticationError,
    ReplicateImageGenerationTool,
    ReplicateTokenError,
)
from tests.modes import MODES, invoke, stream

if TYPE_CHECKING:
    from pathlib import Path

    from langchain_replicate.testing import LocalReplicateServer

LLM = "meta/meta-llama-3-8b-instruct"
IMAGE = "black-forest-labs/flux-schnell"
LOGGERS = ("httpx", "httpcore", "replicate", "langchain_replicate")


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of the HTTP stack and ours, down to DEBUG."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _chain(exc: BaseException) -> str:
    """str and repr of an exception and everything chained to it."""
    texts: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        texts += [str(current), repr(current)]
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("slip", ["\n", " ", "\t\r\n"])
async def test_a_token_with_a_copy_paste_slip_works_and_is_never_logged(
    replicate_server: LocalReplicateServer,
    debug_logs: pytest.LogCaptureFixture,
    mode: str,
    slip: str,
) -> None:
    token = replicate_server.api_token
    llm = Replicate(
        model=LLM,
        api_key=f"{slip}{token}{slip}",
        base_url=replicate_server.base_url,
        max_tokens=5,
        timeout=20,
    )
    before = len(replicate_server.predictions())
    text = await invoke(llm, mode, "Hi")
    assert text
    records = replicate_server.predictions()[before:]
    assert [r.status for r in records] == ["succeeded"]  # authenticated: created
    assert debug_logs.records  # the DEBUG logs were captured...
    assert token not in _logged(debug_logs)  # ...and hold no token


@pytest.mark.parametrize("mode", MODES)
async def test_a_rejected_token_is_in_no_error_chain_or_log(
    replicate_server: LocalReplicateServer,
    debug_logs: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    wrong = "r8_wrong_token_for_this_server_0123456789"
    llm = Replicate(model=LLM, api_key=f"{wrong}\n", base_url=replicate_server.base_url)
    before = len(replicate_server.predictions())
    with pytest.raises(ReplicateAuthenticationError) as info:
        await invoke(llm, mode, "Hi")
    assert wrong not in _chain(info.value)
    assert wrong not in _logged(debug_logs)
    assert len(replicate_server.predictions()) == before


def test_a_token_a_header_cannot_carry_fails_before_any_request(
    replicate_server: LocalReplicateServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    bad = "r8_caf\u00e9_\u2019_token_0123456789abcdefghij"
    with pytest.raises(ReplicateTokenError, match="api_key") as info:
        ChatReplicate(model=LLM, api_key=bad, base_url=replicate_server.base_url)
    assert bad not in _chain(info.value)
    assert bad not in _logged(debug_logs)
    assert replicate_server.request_log() == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_stream_on_another_origin_gets_no_token(
    replicate_server: LocalReplicateServer, mode: str
) -> None:
    replicate_server.inject_faults(foreign_origin=True)
    llm = Replicate(
        model=LLM,
        api_key=replicate_server.api_token,
        base_url=replicate_server.base_url,
        max_tokens=20,
        timeout=20,
    )
    text = "".join(await stream(llm, mode, "Hi"))
    assert text
    foreign = replicate_server.foreign_requests()
    assert [r.path.split("/")[2] for r in foreign] == ["streams"]
    assert [r.authorization for r in foreign] == [False]


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_output_files_on_another_origin_get_no_token(
    replicate_server: LocalReplicateServer, tmp_path: Path, *, use_async: bool
) -> None:
    replicate_server.inject_faults(foreign_origin=True)
    replicate_server.configure(sync_data_uri_max_bytes=0)  # URLs, not data: URIs
    tool = ReplicateImageGenerationTool(
        model=IMAGE,
        api_key=replicate_server.api_token,
        base_url=replicate_server.base_url,
        save_dir=tmp_path,
        timeout=20,
    )
    call: dict[str, Any] = {
        "type": "tool_call",
        "id": "1",
        "name": tool.name,
        "args": {"prompt": "a cat"},
    }
    message = await tool.ainvoke(call) if use_async else tool.invoke(call)
    files = message.artifact.files
    data = await files[0].aread() if use_async else files[0].read()
    assert len(data) > 0
    foreign = replicate_server.foreign_requests()
    # one download by the tool (save_dir), one FileOutput read
    assert [r.path.split("/")[1] for r in foreign] == ["delivery", "delivery"]
    assert not any(r.authorization for r in foreign)
