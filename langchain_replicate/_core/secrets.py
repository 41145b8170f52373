"""The API token: cleaned once, put only on allowed requests, never shown.

* `clean_token`: surrounding whitespace stripped (a copy-paste slip), then
  anything an HTTP header cannot carry rejected with `ReplicateTokenError`,
  which names the setting and never the token.
* `OriginBoundToken`: the `httpx.Auth` of every client we build. It sets
  `Authorization: Bearer <token>` on requests to the origins `_core.origins`
  allows and removes it from every other request (stream URLs, output files
  and `FileOutput.read()` on other hosts).
* Redaction lives in `_redaction.py`, below `errors`: `clean_token`
  remembers every token it accepts, for `_redaction.redact`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from langchain_replicate._core.origins import token_allowed
from langchain_replicate._redaction import remember
from langchain_replicate.errors import ReplicateTokenError

if TYPE_CHECKING:
    from collections.abc import Generator


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
