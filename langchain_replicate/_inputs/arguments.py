"""Checks of what a caller passes, before any request: typed errors that name it.

Pure. Each raises `ReplicateInputError` (a `ValueError`) naming the argument
and how to fix it, so a slip fails at once instead of as a raw `TypeError` /
`UnicodeEncodeError` deep in JSON encoding, or silently:

* `stop_sequences`: `stop="x"` is ONE stop sequence (what LangChain callers
  mean), never the characters of `"x"`; each must be a non-empty string.
* `check_timeout`: positive seconds; `inf` is no limit (`None`); `0`,
  negatives and NaN are errors.
* `check_json_input`: a prediction input is finite JSON (no NaN or infinity
  anywhere) whose strings are valid Unicode (no lone surrogates).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Mapping


def stop_sequences(stop: object) -> list[str] | None:
    """The stop sequences a caller meant.

    Args:
        stop: `None`, one string, or a sequence of strings.

    Returns:
        The list of stop sequences, or `None` for none.

    Raises:
        ReplicateInputError: If a stop sequence is not a string or is empty.
    """
    if stop is None:
        return None
    if isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, (list, tuple)):
        msg = f"stop must be a string or a list of strings; got {type(stop).__name__}."
        raise ReplicateInputError(msg)
    for i, item in enumerate(stop):
        if not isinstance(item, str) or not item:
            got = repr(item) if isinstance(item, str) else type(item).__name__
            msg = (
                f"stop[{i}] must be a non-empty string; got {got}. Pass stop "
                'sequences as strings, e.g. stop=["\\n\\n"].'
            )
            raise ReplicateInputError(msg)
    return list(stop) or None


def check_timeout(timeout: float | None) -> float | None:
    """`timeout` as the deadline takes it.

    Args:
        timeout: Seconds a whole prediction may take.

    Returns:
        `timeout`, or `None` (no limit) for `None` and `inf`.

    Raises:
        ReplicateInputError: For `0`, a negative number or NaN.
    """
    if timeout is None or timeout == math.inf:
        return None
    if not timeout > 0:  # also NaN
        msg = (
            "timeout must be a positive number of seconds (None or "
            f"float('inf') for no limit); got {timeout!r}."
        )
        raise ReplicateInputError(msg)
    return timeout


def check_json_input(model_input: Mapping[str, Any]) -> None:
    """Reject what JSON cannot carry, naming the input.

    Args:
        model_input: A prediction input.

    Raises:
        ReplicateInputError: On a NaN or infinite number, or a string with a
            lone surrogate (e.g. text cut in the middle of an emoji).
    """
    for name, value in model_input.items():
        _check_value(value, name)


def _check_value(value: object, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        msg = (
            f"Input {where} is {value!r}, which JSON cannot carry; pass a finite "
            "number."
        )
        raise ReplicateInputError(msg)
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]")


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        msg = (
            f"Input {where} has a lone surrogate (U+{ord(text[e.start]):04X}) at "
            f"position {e.start}, which is not valid Unicode (often text cut in "
            "the middle of an emoji). Fix the text, e.g. with "
            "text.encode('utf-8', 'replace').decode()."
        )
        raise ReplicateInputError(msg) from None
