"""The token's rules: where it may go, how it is cleaned, how it is redacted."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from langchain_core.load import dumps

from langchain_replicate import (
    ChatReplicate,
    Replicate,
    ReplicateAuthenticationError,
    ReplicateConnectionError,
    ReplicateEmbeddings,
    ReplicateImageGenerationTool,
    ReplicateTokenError,
)
from langchain_replicate._core.connection import client_factory
from langchain_replicate._core.origins import (
    is_replicate_host,
    same_origin,
    token_allowed,
)
from langchain_replicate._core.secrets import OriginBoundToken, clean_token
from langchain_replicate._redaction import REDACTED, redact, scrub
from langchain_replicate.errors import error_from_response, error_from_transport
from tests.unit_tests.fake_replicate import TOKEN, FakeReplicate

API = "https://api.replicate.com"


# -- where the token may go (_origins) ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.replicate.com/v1/predictions", True),
        ("https://api.replicate.com:443/v1/files/abc", True),
        ("https://stream.replicate.com/v1/files/kzvt-1", True),
        ("https://streaming.api.replicate.com/v1/predictions/x", True),
        ("https://streaming-api.svc.rno2.c.replicate.net/v1/streams/x", True),
        ("https://stream-b.svc.rno2.c.replicate.net/v1/streams/x", True),
        ("https://replicate.com/p/x", True),
        # output files: public, by unguessable URL; no token
        ("https://replicate.delivery/pbxt/x/out-0.png", False),
        ("https://pbxt.replicate.delivery/x/out-0.png", False),
        # other origins, look-alikes, plain HTTP
        ("https://evil.example/v1/streams/x", False),
        ("https://evilreplicate.com/x", False),
        ("https://replicate.com.evil.example/x", False),
        ("https://replicate.net/x", False),
        ("http://stream.replicate.com/v1/streams/x", False),
        ("http://api.replicate.com/v1/predictions", False),
    ],
)
def test_token_goes_only_to_the_api_origin_and_replicates_own_hosts(
    url: str, *, allowed: bool
) -> None:
    assert token_allowed(url, API) is allowed


def test_a_custom_base_url_is_its_own_origin_scheme_host_and_port() -> None:
    base = "http://127.0.0.1:8787"
    assert token_allowed("http://127.0.0.1:8787/v1/streams/x", base)
    assert not token_allowed("http://127.0.0.1:8788/v1/streams/x", base)
    assert not token_allowed("http://localhost:8787/v1/streams/x", base)
    assert not token_allowed("https://127.0.0.1:8787/v1/streams/x", base)
    assert same_origin("https://a.example/x", "https://a.example:443")
    assert not is_replicate_host("https://")


# -- cleaning (at construction) ----------------------------------------------------


@pytest.mark.parametrize("slip", ["\n", " ", "\t", "\r\n", " \n "])
def test_surrounding_whitespace_is_stripped(slip: str) -> None:
    assert clean_token(f"{slip}{TOKEN}{slip}", "api_key") == TOKEN
    llm = Replicate(model="o/m", api_key=TOKEN + slip)
    assert llm.replicate_api_token is not None
    assert llm.replicate_api_token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("bad", "what"),
    [
        ("r8_caf\u00e9", "U+00E9"),  # latin-1, but not ASCII: httpx sends ASCII
        ("r8_quote\u2019s", "U+2019"),
        ("r8_bell\x07", "U+0007"),
        ("r8_two\nlines", "U+000A"),
        ("r8_del\x7f", "U+007F"),
        ("r8_a b", "a space"),
    ],
)
def test_a_token_no_header_can_carry_fails_naming_the_setting_not_the_token(
    bad: str, what: str
) -> None:
    with pytest.raises(ReplicateTokenError) as info:
        Replicate(model="o/m", api_key=bad)
    message = f"{info.value}\n{info.value!r}"
    assert "api_key" in message
    assert what in message
    assert bad.strip() not in message
    assert bad[:6] not in message  # not even its start
    assert info.value.__cause__ is None
    assert isinstance(info.value, ReplicateAuthenticationError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "cls_kwargs",
    [
        (Replicate, {"model": "o/m"}),
        (ChatReplicate, {"model": "o/m"}),
        (ReplicateEmbeddings, {"model": "o/m"}),
        (ReplicateImageGenerationTool, {"model": "o/m"}),
    ],
    ids=["llm", "chat", "embeddings", "tool"],
)
def test_every_class_checks_the_token_from_the_environment(
    cls_kwargs: tuple[type[Any], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cls, kwargs = cls_kwargs
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_\u00e9t\u00e9_token_here")
    with pytest.raises(ReplicateTokenError, match="REPLICATE_API_TOKEN"):
        cls(**kwargs)
    monkeypatch.setenv("REPLICATE_API_TOKEN", f"  {TOKEN}\n")
    made = cls(**kwargs)
    assert made.replicate_api_token.get_secret_value() == TOKEN


def test_a_blank_token_is_no_token() -> None:
    llm = Replicate(model="o/m", api_key="  \n")
    assert llm.replicate_api_token is None


# -- redaction -----------------------------------------------------------------------


def test_redact_and_scrub_remove_every_known_token() -> None:
    token = clean_token("r8_redaction_test_token_0123456789abcdefg", "api_key")
    assert redact(f"Bearer {token} and {token}") == f"Bearer {REDACTED} and {REDACTED}"
    inner = ValueError(f"Illegal header value b'Bearer {token}\\n'")
    outer = httpx.LocalProtocolError(f"wrapped {token}")
    outer.__context__ = inner
    scrub(outer)
    assert token not in str(outer)
    assert token not in repr(inner)


def test_transport_and_response_errors_are_redacted() -> None:
    token = clean_token("r8_another_redaction_token_0123456789abc", "api_key")
    exc = httpx.LocalProtocolError(f"Illegal header value b'Bearer {token} '")
    error = error_from_transport(exc, "create a prediction")
    assert isinstance(error, ReplicateConnectionError)
    assert token not in str(error)
    assert token not in repr(error)
    assert token not in str(exc)  # the chained cause too
    request = httpx.Request("POST", f"{API}/v1/predictions")
    body = {"detail": f"Invalid token {token}", "title": token, "status": 401}
    response = httpx.Response(401, json=body, request=request)
    error401 = error_from_response(response, "create a prediction")
    assert token not in f"{error401} {error401!r} {error401.detail} {error401.title}"


# -- the auth every client carries ---------------------------------------------------


def test_origin_bound_token_sets_or_removes_the_header() -> None:
    auth = OriginBoundToken(TOKEN, API)
    assert TOKEN not in repr(auth)
    for url, expected in [
        (f"{API}/v1/predictions", f"Bearer {TOKEN}"),
        ("https://replicate.delivery/x.png", None),
        ("https://stream.elsewhere.example/v1/streams/x", None),
    ]:
        request = httpx.Request("GET", url, headers={"Authorization": "Bearer stale"})
        sent = next(auth.auth_flow(request))
        assert sent.headers.get("Authorization") == expected


def test_client_requests_and_file_outputs_carry_the_token_only_on_allowed_origins(
    fake: FakeReplicate,
) -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, request.headers.get("authorization")))
        return httpx.Response(200, content=b"png")

    make = client_factory(
        TOKEN,
        fake.base_url,
        {"transport": httpx.MockTransport(handler), "auth": None},
    )
    client = make()
    client._client.get(f"{fake.base_url}/v1/predictions/x")
    from replicate.helpers import FileOutput  # noqa: PLC0415

    assert FileOutput("https://replicate.delivery/x/out-0.png", client).read() == b"png"
    assert FileOutput(f"{fake.base_url}/v1/files/abc", client).read() == b"png"
    assert seen == [
        (httpx.URL(fake.base_url).host, f"Bearer {TOKEN}"),
        ("replicate.delivery", None),
        (httpx.URL(fake.base_url).host, f"Bearer {TOKEN}"),
    ]


def test_the_token_is_in_no_repr_dump_or_tracing_param(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    llm = Replicate(model="o/m", api_key=f" {TOKEN}\n", temperature=0.1)
    text = " ".join(
        [
            repr(llm),
            str(llm),
            dumps(llm),
            str(llm._identifying_params),
            str(llm._get_ls_params()),
            repr(llm._api.client._client._transport),
        ]
    )
    assert TOKEN not in text
    assert TOKEN not in caplog.text


@pytest.fixture
def fake() -> FakeReplicate:
    return FakeReplicate()
