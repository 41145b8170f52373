"""Small pure helpers for what the server puts on the wire: ids, timestamps, outputs."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

CROCKFORD_BASE32 = "0123456789abcdefghjkmnpqrstvwxyz"
"""Lowercase Crockford base32, the alphabet of 2024 prediction ids."""


def new_prediction_id() -> str:
    """26 lowercase Crockford-base32 characters, e.g. `jp9nrd1g2hrj20cjb2vrb55mkr`."""
    return "".join(secrets.choice(CROCKFORD_BASE32) for _ in range(26))


def new_file_id() -> str:
    """Base64 of a UUID, as the 2024 Files API made them."""
    return base64.b64encode(str(uuid.uuid4()).encode()).decode()


def new_api_token() -> str:
    """A random `r8_` token, 40 characters in all."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "r8_" + "".join(secrets.choice(alphabet) for _ in range(37))


def official_version_label(version: str) -> str:
    """The `dp-<32 hex>` version that predictions on official models report."""
    return "dp-" + hashlib.md5(version.encode(), usedforsecurity=False).hexdigest()


def rfc3339(timestamp: float) -> str:
    """RFC 3339 UTC with `Z`, milliseconds with trailing zeros trimmed (Go style)."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = f"{moment.microsecond // 1000:03d}".rstrip("0")
    return f"{text}.{millis}Z" if millis else f"{text}Z"


def output_is_list(output_schema: Mapping[str, Any]) -> bool:
    """Whether the model's `Output` schema makes a list (array or iterator)."""
    return output_schema.get("type") == "array"


def shape_output(
    items: Sequence[str], output_schema: Mapping[str, Any], *, finished: bool
) -> str | list[str] | None:
    """The prediction's `output` value from the items produced so far.

    Args:
        items: Text tokens or file URLs, in order.
        output_schema: The model's `Output` schema.
        finished: Whether the prediction has ended (an array is then `[]`, not null).
    """
    if output_is_list(output_schema):
        return list(items) if items or finished else None
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return "".join(items)


def data_uri(content_type: str, content: bytes) -> str:
    """A base64 `data:` URI."""
    return f"data:{content_type};base64,{base64.b64encode(content).decode()}"
