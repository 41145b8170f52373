"""What langchain_community's Replicate tests import, for `test_dropin_community.py`.

* `FakeCallbackHandler`: counts tokens streamed to it (as community's does).
* `community_replicate` (autouse once imported): the environment those tests
  expect — `REPLICATE_API_TOKEN` set — with the local server's app in process
  (Starlette's `TestClient`, no sockets) behind `REPLICATE_BASE_URL`, serving
  the reference models plus `replicate/hello-world` at the version they pin.
  The only patch is httpx's default transport, which `replicate.Client` builds
  when given none: it is made to deliver to that app.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from starlette.testclient import TestClient

from langchain_replicate.testing import ModelPace, create_app
from langchain_replicate.testing._models.replicate_testing import predict_echo
from langchain_replicate.testing._models.schemas import STRING, In, reference_model
from langchain_replicate.testing.catalogue import REFERENCE_MODELS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from langchain_replicate.testing._models.reference import Output, PredictionContext

TOKEN = "r8_community_dropin_token_0123456789abcd"  # noqa: S105 - a fake token


async def _hello(ctx: PredictionContext) -> AsyncIterator[Output]:
    async for piece in predict_echo(ctx):
        yield f"hello {piece}"


HELLO_WORLD = reference_model(
    "replicate/hello-world",
    [In("text", description="Text to prefix with 'hello '", required=True)],
    STRING,
    _hello,
    description="replicate/hello-world, as langchain_community's tests pin it.",
    version="5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
)


class FakeCallbackHandler(BaseCallbackHandler):
    """Counts `on_llm_new_token` calls."""

    def __init__(self) -> None:
        """Start at zero."""
        self.tokens: list[object] = []

    def on_llm_new_token(
        self, token: str | list[str | dict[str, Any]], **kwargs: Any
    ) -> None:
        """Record a token."""
        self.tokens.append(token)


def _forward(app_client: TestClient) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        response = app_client.request(
            request.method, path, headers=request.headers, content=request.read()
        )
        return httpx.Response(
            response.status_code, headers=response.headers, content=response.content
        )

    return httpx.MockTransport(handle)


@pytest.fixture(autouse=True)
def community_replicate(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Community's test environment, served in process (see the module doc)."""
    app = create_app(
        api_token=TOKEN,
        pace=ModelPace(time_to_first_token=0.001, token_interval=0.0005),
        models=[*REFERENCE_MODELS, HELLO_WORLD],
    )
    # A fresh origin per test: clients and schemas are cached per origin.
    base_url = f"https://api-{uuid.uuid4().hex[:8]}.community-dropin.test"
    with TestClient(app, base_url=base_url) as app_client:
        transport = _forward(app_client)
        monkeypatch.setattr(httpx, "HTTPTransport", lambda *_, **__: transport)
        monkeypatch.setattr(httpx, "AsyncHTTPTransport", lambda *_, **__: transport)
        monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
        monkeypatch.setenv("REPLICATE_BASE_URL", base_url)
        yield
