"""Cursor pagination, Django style: opaque base64 cursors, newest first (pure)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import parse_qs, urlencode

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")


class InvalidCursorError(ValueError):
    """The cursor was not made by `encode_cursor`."""


@dataclass(frozen=True)
class Cursor:
    """A position in a listing: items older than `position` (or newer, if `reverse`)."""

    position: int
    reverse: bool = False


def encode_cursor(cursor: Cursor) -> str:
    """The opaque text form, e.g. `cD0xMg==` for `p=12`."""
    query = {"p": str(cursor.position)}
    if cursor.reverse:
        query = {"r": "1", **query}
    return base64.urlsafe_b64encode(urlencode(query).encode()).decode()


def decode_cursor(text: str) -> Cursor:
    """Parse a cursor made by `encode_cursor`.

    Raises:
        InvalidCursorError: if it was not.
    """
    try:
        query = parse_qs(
            base64.urlsafe_b64decode(text.encode()).decode(), strict_parsing=True
        )
        return Cursor(int(query["p"][0]), reverse=query.get("r") == ["1"])
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError) as e:
        msg = "Invalid cursor"
        raise InvalidCursorError(msg) from e


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results with the cursors of its neighbours."""

    results: list[T]
    next_cursor: str | None
    previous_cursor: str | None


def paginate(
    items: Sequence[T],
    key: Callable[[T], int],
    cursor: str | None,
    page_size: int,
) -> Page[T]:
    """Cut one page out of `items`, newest (highest `key`) first.

    Raises:
        InvalidCursorError: if `cursor` is not one of ours.
    """
    ordered = sorted(items, key=key, reverse=True)
    if cursor is None:
        start = 0
    else:
        position = decode_cursor(cursor)
        if position.reverse:
            newer = [
                i for i, item in enumerate(ordered) if key(item) > position.position
            ]
            end = (newer[-1] + 1) if newer else 0
            start = max(0, end - page_size)
        else:
            older = [
                i for i, item in enumerate(ordered) if key(item) < position.position
            ]
            start = older[0] if older else len(ordered)
    results = ordered[start : start + page_size]
    next_cursor = previous_cursor = None
    if results and start + page_size < len(ordered):
        next_cursor = encode_cursor(Cursor(key(results[-1])))
    if results and start > 0:
        previous_cursor = encode_cursor(Cursor(key(results[0]), reverse=True))
    return Page(results, next_cursor, previous_cursor)
