"""Secrets out of every message we show: `[REDACTED]` wherever a token was.

* `remember`: `_core.secrets.clean_token` hands over each token it accepts.
* `redact` / `scrub`: every remembered token is replaced by `[REDACTED]` in our
  error messages and in the transport exceptions chained to them
  (`errors.error_from_transport`, `errors.error_from_response`).

The lowest module of the package: `errors` needs it, and it needs nothing.
"""

from __future__ import annotations

import threading

REDACTED = "[REDACTED]"
_MIN_SECRET = 8
"""Shorter strings are not redacted (they would match ordinary text)."""

_known: set[str] = set()
_known_lock = threading.Lock()


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
