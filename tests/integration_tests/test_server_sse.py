"""The SSE wire format of the local server (spec §5), read raw with httpx."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from langchain_replicate.testing import LocalReplicateServer

ECHO = "replicate-testing/echo"
FAILS = "replicate-testing/fails"
LLAMA = "meta/meta-llama-3-8b-instruct"
EVENT_NAMES = {"output", "logs", "error", "done"}


def _version(http: httpx.Client, ref: str) -> str:
    version: str = http.get(f"/v1/models/{ref}").json()["latest_version"]["id"]
    return version


def _create(http: httpx.Client, ref: str, values: dict[str, Any]) -> dict[str, Any]:
    response = http.post(
        "/v1/predictions", json={"version": _version(http, ref), "input": values}
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def _read_stream(http: httpx.Client, url: str) -> tuple[str, str]:
    with http.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
        assert response.status_code == 200
        content_type = response.headers["content-type"]
        return content_type, "".join(response.iter_text())


def _blocks(raw: str) -> list[list[str]]:
    """The stream's blocks (events or comments), each a list of lines."""
    return [block.split("\n") for block in raw.split("\n\n") if block]


def _events(raw: str) -> list[tuple[str, str, str]]:
    """(id, event, data) of each event; data lines joined with newlines."""
    events = []
    for lines in _blocks(raw):
        if lines[0].startswith(":"):
            continue
        fields: dict[str, list[str]] = {}
        for line in lines:
            name, _, value = line.partition(": ")
            fields.setdefault(name.rstrip(":"), []).append(value)
        events.append((fields["id"][0], fields["event"][0], "\n".join(fields["data"])))
    return events


def test_wire_format_with_multiline_data(http: httpx.Client) -> None:
    prediction = _create(http, ECHO, {"text": "line one\n\nline three"})
    content_type, raw = _read_stream(http, prediction["urls"]["stream"])
    assert content_type.startswith("text/event-stream")
    assert raw.startswith(": hi\n\n")
    assert "event: output\ndata: line one\ndata: \ndata: line three\n\n" in raw
    events = _events(raw)
    assert all(re.fullmatch(r"\d+:\d+", event_id) for event_id, _, _ in events)
    assert len({event_id for event_id, _, _ in events}) == len(events)
    assert {name for _, name, _ in events} <= EVENT_NAMES
    assert events[-1][1:] == ("done", "{}")
    assert [data for _, name, data in events if name == "output"] == [
        "line one\n\nline three"
    ]


def test_late_client_gets_the_full_replay(http: httpx.Client) -> None:
    prediction = _create(http, LLAMA, {"prompt": "Count to three.", "max_tokens": 12})
    _, live = _read_stream(http, prediction["urls"]["stream"])
    _, replay = _read_stream(http, prediction["urls"]["stream"])
    assert replay == live
    done = http.get(prediction["urls"]["get"]).json()
    outputs = [data for _, name, data in _events(live) if name == "output"]
    assert outputs == done["output"]


def test_failure_sends_error_then_done(http: httpx.Client) -> None:
    prediction = _create(http, FAILS, {})
    _, raw = _read_stream(http, prediction["urls"]["stream"])
    events = _events(raw)
    names = [name for _, name, _ in events]
    assert names[-2:] == ["error", "done"]
    assert "logs" in names
    assert json.loads(events[-2][2])["detail"]
    assert json.loads(events[-1][2]) == {"reason": "error"}


def test_cancel_sends_done_canceled(http: httpx.Client) -> None:
    values = {"prompt": "Go on.", "max_tokens": 400, "min_tokens": 400}
    prediction = _create(http, LLAMA, values)
    with http.stream("GET", prediction["urls"]["stream"]) as response:
        chunks = []
        text = response.iter_text()
        for chunk in text:
            chunks.append(chunk)
            if "event: output" in chunk:
                canceled = http.post(prediction["urls"]["cancel"]).json()
                assert canceled["status"] == "canceled"
                break
        chunks.extend(text)
    events = _events("".join(chunks))
    assert events[-1][1:] == ("done", json.dumps({"reason": "canceled"}))


def test_cut_stream_after_n_events(
    http: httpx.Client, replicate_server: LocalReplicateServer
) -> None:
    replicate_server.inject_faults(cut_stream_after=3)
    prediction = _create(http, LLAMA, {"prompt": "Hello", "max_tokens": 20})
    _, raw = _read_stream(http, prediction["urls"]["stream"])
    events = _events(raw)
    assert len(events) == 3
    assert "done" not in {name for _, name, _ in events}
