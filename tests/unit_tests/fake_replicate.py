"""A scripted Replicate API for `httpx.MockTransport`: no sockets, real parsing.

The `Replicate` LLM is given `client_kwargs={"transport": fake.transport()}`, so
the real `replicate.Client`, httpx request building and our response parsing all
run; only the network is replaced.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

TOKEN = "r8_unit_test_token_0123456789abcdefghijk"  # noqa: S105 - a fake token

VERSION = "a" * 64


def llm_schema(
    *extra: str, max_name: str = "max_tokens", stop: bool = False
) -> dict[str, Any]:
    """A cog OpenAPI schema for a text model."""
    props: dict[str, Any] = {
        "prompt": {"type": "string", "x-order": 0},
        max_name: {"type": "integer", "x-order": 1},
        "temperature": {"type": "number", "x-order": 2},
        "top_p": {"type": "number", "x-order": 3},
    }
    if stop:
        props["stop_sequences"] = {"type": "string", "x-order": 4}
    for i, name in enumerate(extra, start=10):
        props[name] = {"type": "string", "x-order": i}
    return {
        "components": {
            "schemas": {
                "Input": {"type": "object", "properties": props},
                "Output": {
                    "type": "array",
                    "items": {"type": "string"},
                    "x-cog-array-type": "iterator",
                    "x-cog-array-display": "concatenate",
                },
            }
        }
    }


def image_schema() -> dict[str, Any]:
    """A cog OpenAPI schema for an image model."""
    return {
        "components": {
            "schemas": {
                "Input": {
                    "type": "object",
                    "properties": {
                        "prompt": {"type": "string", "x-order": 0},
                        "image_dimensions": {"type": "string", "x-order": 1},
                    },
                },
                "Output": {
                    "type": "array",
                    "items": {"type": "string", "format": "uri"},
                },
            }
        }
    }


def sse(events: list[tuple[str, str]]) -> str:
    """Encode (event, data) pairs as Replicate's SSE, with ids and a `: hi`."""
    out = [": hi\n\n"]
    for i, (event, data) in enumerate(events):
        lines = "".join(f"data: {line}\n" for line in data.split("\n"))
        out.append(f"event: {event}\nid: 1690212292:{i}\n{lines}\n")
    return "".join(out)


@dataclass
class FakeReplicate:
    """A scripted Replicate: set the fields, then look at `requests`."""

    tokens: list[str] = field(default_factory=lambda: ["Hello", " world", "!"])
    output: Any = None
    """The final output; default: `tokens`."""
    schema: dict[str, Any] | None = field(default_factory=llm_schema)
    create_status: str = "processing"
    """Status of the create response with `Prefer: wait`: `processing` (complete
    output, the sync quirk), `succeeded`, `starting` (the wait ran out), `failed`."""
    stream_url: bool = True
    polls_before_done: int = 0
    final_status: str = "succeeded"
    error: str | None = None
    logs: str = ""
    metrics: dict[str, Any] = field(
        default_factory=lambda: {
            "input_token_count": 7,
            "output_token_count": 3,
            "predict_time": 0.1,
        }
    )
    create_errors: list[httpx.Response] = field(default_factory=list)
    """Responses for the next creates, in order, before normal service."""
    sse_events: list[tuple[str, str]] | None = None
    """The SSE events; default: each token, then `done`."""
    cut_stream_after: int | None = None
    delay: float = 0.0
    """Seconds each create takes (sync handler sleeps, async handler awaits)."""
    requests: list[httpx.Request] = field(default_factory=list)
    base_url: str = field(
        default_factory=lambda: f"https://api-{uuid.uuid4().hex[:8]}.replicate.test"
    )
    """Unique per fake, so the process-wide schema cache never leaks across tests."""
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _polls: int = 0

    # -- what tests read ----------------------------------------------------------

    def paths(self, method: str | None = None) -> list[str]:
        return [
            r.url.path for r in self.requests if method is None or r.method == method
        ]

    def creates(self) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.url.path.endswith("/predictions")
        ]

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.creates()]

    def cancels(self) -> list[str]:
        return [r.url.path for r in self.requests if r.url.path.endswith("/cancel")]

    def lookups(self) -> list[str]:
        return [
            r.url.path
            for r in self.requests
            if r.method == "GET" and r.url.path.startswith(("/v1/models", "/v1/dep"))
        ]

    def transport(self, *, use_async: bool = False) -> httpx.MockTransport:
        return httpx.MockTransport(self.ahandle if use_async else self.handle)

    # -- the API --------------------------------------------------------------------

    def _prediction(
        self, status: str, output: Any, pid: str = "pred1"
    ) -> dict[str, Any]:
        urls = {
            "get": f"{self.base_url}/v1/predictions/{pid}",
            "cancel": f"{self.base_url}/v1/predictions/{pid}/cancel",
        }
        if self.stream_url:
            urls["stream"] = f"https://stream.replicate.com/v1/streams/{pid}"
        body: dict[str, Any] = {
            "id": pid,
            "model": "meta/llama",
            "version": VERSION,
            "status": status,
            "input": {},
            "output": output,
            "logs": self.logs,
            "error": self.error if status == "failed" else None,
            "urls": urls,
        }
        if status in {"succeeded", "failed", "canceled"}:
            body["metrics"] = self.metrics
        return body

    @property
    def final_output(self) -> Any:
        return self.tokens if self.output is None else self.output

    def _create(self, request: httpx.Request) -> httpx.Response:
        if self.create_errors:
            return self.create_errors.pop(0)
        body = json.loads(request.content)
        if body.get("stream") or "prefer" not in request.headers:
            return httpx.Response(201, json=self._prediction("starting", None))
        if self.create_status in {"processing", "succeeded"}:
            return httpx.Response(
                201, json=self._prediction(self.create_status, self.final_output)
            )
        if self.create_status == "failed":
            return httpx.Response(201, json=self._prediction("failed", None))
        return httpx.Response(201, json=self._prediction("starting", None))

    def _route(self, request: httpx.Request) -> httpx.Response:  # noqa: C901, PLR0911
        path = request.url.path
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return httpx.Response(
                401, json={"detail": "Unauthenticated", "status": 401}
            )
        if request.method == "POST" and path.endswith("/cancel"):
            return httpx.Response(200, json=self._prediction("canceled", None))
        if request.method == "POST" and path.endswith("/predictions"):
            return self._create(request)
        if path.startswith("/v1/streams/"):
            events = self.sse_events or [("output", t) for t in self.tokens] + [
                ("done", "{}")
            ]
            if self.cut_stream_after is not None:
                events = events[: self.cut_stream_after]
            return httpx.Response(
                200,
                headers={"content-type": "text/event-stream"},
                text=sse(events),
            )
        if path.startswith("/v1/predictions/"):
            self._polls += 1
            if self._polls <= self.polls_before_done:
                partial = self.tokens[: self._polls]
                return httpx.Response(200, json=self._prediction("processing", partial))
            return httpx.Response(
                200,
                json=self._prediction(
                    self.final_status,
                    None if self.final_status == "failed" else self.final_output,
                ),
            )
        if path.startswith("/v1/deployments/"):
            release = {"model": "meta/llama", "version": VERSION}
            return httpx.Response(200, json={"current_release": release})
        if path.startswith("/v1/models/") and self.schema is not None:
            version = {"id": VERSION, "openapi_schema": self.schema}
            if "/versions/" in path:
                return httpx.Response(200, json=version)
            return httpx.Response(200, json={"latest_version": version})
        return httpx.Response(404, json={"detail": "Not found.", "status": 404})

    def _enter(self, request: httpx.Request) -> bool:
        with self._lock:
            self.requests.append(request)
            is_create = request.method == "POST" and request.url.path.endswith(
                "/predictions"
            )
            if is_create:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return is_create

    def _leave(self, is_create: bool) -> None:
        if is_create:
            with self._lock:
                self.in_flight -= 1

    def handle(self, request: httpx.Request) -> httpx.Response:
        is_create = self._enter(request)
        try:
            if is_create and self.delay:
                time.sleep(self.delay)
            return self._route(request)
        finally:
            self._leave(is_create)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        is_create = self._enter(request)
        try:
            if is_create and self.delay:
                await asyncio.sleep(self.delay)
            return self._route(request)
        finally:
            self._leave(is_create)
