"""Turning a prediction's output into the string an LLM returns.

Pure (no I/O). Outputs are read by the model's schema, never through
replicate's `transform_output`, which would turn text starting with `https:`
into a `FileOutput`.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_replicate._inputs.schema import OutputKind

_URL_PREFIXES = ("https:", "http:", "data:")


def _looks_like_url(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(_URL_PREFIXES)
        and not any(ch.isspace() for ch in value)
    )


def output_to_text(output: Any, kind: OutputKind | None) -> str:  # noqa: ANN401 - JSON
    """The string an LLM returns for a prediction's output.

    Text (or a token list) is concatenated; files give the first file's URL;
    anything else is JSON. Without a schema (`kind is None`) a list in which every
    item is a URL is taken as files, anything else as text.

    Args:
        output: The prediction's `output`.
        kind: The output kind from the schema.

    Returns:
        The text.
    """
    if output is None:
        return ""
    if kind is None:
        items = output if isinstance(output, list) else [output]
        if items and all(_looks_like_url(item) for item in items):
            kind = OutputKind.FILES
        elif all(isinstance(item, str) for item in items):
            kind = OutputKind.TEXT
        else:
            kind = OutputKind.OTHER
    if kind is OutputKind.FILES:
        urls = output if isinstance(output, list) else [output]
        return str(urls[0]) if urls else ""
    if isinstance(output, str):
        return output
    if kind is OutputKind.TEXT and isinstance(output, list):
        return "".join(str(token) for token in output)
    return json.dumps(output)


def output_delta(output: Any, seen: int) -> tuple[str, int]:  # noqa: ANN401 - JSON
    """The new text in a polled (growing) output since `seen` characters.

    Args:
        output: The prediction's `output`: a growing token list, or a string.
        seen: Characters already consumed.

    Returns:
        The new text and the new character count.
    """
    if isinstance(output, list):
        text = "".join(str(token) for token in output)
    elif isinstance(output, str):
        text = output
    else:
        return "", seen
    return text[seen:], max(len(text), seen)
