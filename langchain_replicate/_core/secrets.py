"""The API token: cleaned once, put only on allowed requests, never shown.

* `clean_token`: surrounding whitespace stripped (a copy-paste slip), then
  anything an HTTP header cannot carry rejected with `ReplicateTokenError`,
  which names the setting and never the token.
* `OriginBoundToken`: the `httpx.Auth` of every client we build. It sets
  `Authorization: Bearer <token>` on requests to the origins `_core.origins`
  allows and removes it from every other request (stream URLs, output files
  and `FileOutput.read()` on other hosts).
* `redact` / `scrub`: every token this process was given is replaced by
  `[REDACTED]` in our error messages and in the transport exceptions chained to
  them (`errors.error_from_transport`, `errors.error_from_response`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import httpx

from langchain_replicate._core.origins import token_allowed

if TYPE_CHECKING:
    from collections.abc import Generator

REDACTED = "[REDACTED]"
_MIN_SECRET = 8
"""Shorter strings are not redacted (they would match ordinary text)."""

_known: set[str] = set()
_known_lock = threading.Lock()


def clean_token(token: str, setting: str) -> str:
    """The token without surrounding whitespace, checked for header safety.

    Args:
        token: The token as configured.
        setting: Where it came from, for the error (e.g. `api_key`,
            `REPLICATE_API_TOKEN`).

    Returns:
        The stripped token (remembered for `redact`); `""` if it was blank.

    Raises:
        ReplicateTokenError: If it holds a character other than printable ASCII
            (a control character, a space inside it, a letter beyond ASCII):
            such a token cannot be sent in an `Authorization` header.
    """
    from langchain_replicate.errors import (  # noqa: PLC0415 - errors imports us
        ReplicateTokenError,
    )

    stripped = token.strip()
    for position, char in enumerate(stripped):
        if not "!" <= char <= "~":
            what = "a space" if char == " " else f"U+{ord(char):04X}"
            msg = (
                f"The Replicate API token in {setting} contains {what} at "
                f"position {position}, which an HTTP header cannot carry (a "
                "Replicate token is r8_ and 37 more letters and digits). Copy "
                "it again from "
                "https://replicate.com/account/api-tokens."
            )
            raise ReplicateTokenError(msg)
    remember(stripped)
    return stripped


def remember(secret: str) -> None:
    """Add a secret to those `redact` removes."""
    if len(secret) >= _MIN_SECRET:
        with _known_lock:
            _known.add(secret)


def redact(text: str) -> str:
    """`text` with every remembered secret replaced by `[REDACTED]`."""
    with _known_lock:
        secrets = sorted(_known, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def scrub(exc: BaseException) -> None:
    """Redact the messages of `exc` and the exceptions chained to it, in place.

    Transport errors can quote a request header (h11's "Illegal header
    value ..."); we chain them to ours, so their text must be clean too.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(
            redact(arg) if isinstance(arg, str) else arg for arg in current.args
        )
        current = current.__cause__ or current.__context__


class OriginBoundToken(httpx.Auth):
    """`Authorization: Bearer <token>` only where `_core.origins.token_allowed` says."""

    def __init__(self, token: str, api_origin: str) -> None:
        """Bind `token` to `api_origin` (and Replicate's own hosts).

        Args:
            token: A token from `clean_token`.
            api_origin: The configured API origin.
        """
        self._header = f"Bearer {token}"
        self._origin = api_origin

    def auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Set the header on allowed requests; remove it from all others."""
        if token_allowed(request.url, self._origin):
            request.headers["Authorization"] = self._header
        else:
            request.headers.pop("Authorization", None)
        yield request

    def __repr__(self) -> str:
        """No token."""
        return f"OriginBoundToken(api_origin={self._origin!r})"
