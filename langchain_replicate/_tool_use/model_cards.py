"""What an agent reads about a model: tool names, descriptions, search results.

Pure (no I/O). A model card is what `ReplicateAPI.model_card` returns:
`{"model": <GET /v1/models/{owner}/{name}>, "version": <its version>}`.
Texts are short on purpose: a tool description is read on every turn, so it
says what the model does and what it returns (the arguments' schema says the
rest); `get_model` adds the inputs in brief (llms.txt style, as Replicate's own
`llms.txt` lists them); search results are one line per model.

Model descriptions are the model author's text (untrusted): they are only ever
placed in a tool description or a tool result, never in a prompt's structure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_replicate._tool_use.model_schema import resolve

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_replicate._inputs.schema import InputSchema
    from langchain_replicate._tool_use.model_schema import ModelArgs

__all__ = [
    "MAX_DESCRIPTION",
    "model_brief",
    "output_phrase",
    "output_schema",
    "search_lines",
    "tool_description",
    "tool_name",
]

MAX_DESCRIPTION = 1000
"""Longest tool description (OpenAI allows 1024 characters)."""
_MAX_SEARCH_DESCRIPTION = 200
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_MAX_NAME = 64


def tool_name(model: str) -> str:
    """A tool name (`^[A-Za-z0-9_-]{1,64}$`) from a model's name.

    Args:
        model: The model's name (`real-esrgan`) or reference (`owner/name`).

    Returns:
        The name, e.g. `real-esrgan`, `nightmareai_real-esrgan`.
    """
    name = _UNSAFE_NAME.sub("_", model.split(":", maxsplit=1)[0]).strip("_")
    return name[:_MAX_NAME] or "replicate_model"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def output_schema(schema: InputSchema | None) -> Mapping[str, Any] | None:
    """The version's `Output` schema, dereferenced (`None` if it has none)."""
    if schema is None or not isinstance(schema.output, Mapping):
        return None
    return resolve(schema.output, schema.components)


def output_phrase(output: Mapping[str, Any] | None) -> str:
    """What a tool returns, e.g. `a file (its URL)`, `text`."""
    if not output:
        return "the model's output"
    kind = output.get("type")
    if kind == "array" and output.get("x-cog-array-display") == "concatenate":
        return "text"
    items = output.get("items")
    if kind == "array" and isinstance(items, Mapping) and items.get("format") == "uri":
        return "a list of files (their URLs)"
    if output.get("format") == "uri":
        return "a file (its URL)"
    if kind == "object":
        props = output.get("properties") or {}
        return "an object with " + ", ".join(props) if props else "a JSON object"
    return "text" if kind == "string" else f"JSON ({kind or 'any'})"


def tool_description(
    ref: str, card: Mapping[str, Any], schema: InputSchema | None
) -> str:
    """A model tool's description: what the model does and returns.

    Args:
        ref: The model reference.
        card: The model card.
        schema: The version's schema.

    Returns:
        At most `MAX_DESCRIPTION` characters.
    """
    model = card.get("model") or {}
    about = str(model.get("description") or "").strip() or f"Run {ref}."
    returns = output_phrase(output_schema(schema))
    tail = f" [Replicate model {ref}. Returns {returns}.]"
    return _clip(about, MAX_DESCRIPTION - len(tail)) + tail


def model_brief(
    ref: str,
    card: Mapping[str, Any],
    args: ModelArgs | None,
    schema: InputSchema | None,
    *,
    allowed: bool,
) -> str:
    """`get_model`'s answer: what a model does, its inputs in brief, its output.

    Args:
        ref: The model reference.
        card: The model card.
        args: Its typed arguments (`None` when it has no input schema).
        schema: Its version's schema.
        allowed: Whether `run_model` may run it.

    Returns:
        A few lines of text.
    """
    model = card.get("model") or {}
    lines = [f"{ref}: {_clip(str(model.get('description') or ''), 600)}".rstrip()]
    if model.get("run_count") is not None:
        lines.append(f"Runs: {model['run_count']}")
    if args is None:
        lines.append("Inputs: unknown (the model publishes no input schema).")
    else:
        lines += ["Inputs:", *args.brief()]
    lines.append(f"Output: {output_phrase(output_schema(schema))}.")
    if allowed:
        lines.append("Run it with run_model(model, input).")
    else:
        lines.append("This model is not in the models you may run.")
    return "\n".join(lines)


def search_lines(models: Sequence[Mapping[str, Any]]) -> str:
    """`search_models`'s answer: one line per model (`owner/name: what it does`)."""
    if not models:
        return "No models found."
    lines = []
    for model in models:
        ref = f"{model.get('owner')}/{model.get('name')}"
        metadata = model.get("metadata") or {}
        about = str(
            model.get("description") or metadata.get("generated_description") or ""
        )
        line = f"- {ref}: {_clip(about, _MAX_SEARCH_DESCRIPTION)}"
        if tags := metadata.get("tags"):
            line += f" [{', '.join(map(str, tags[:5]))}]"
        if model.get("run_count") is not None:
            line += f" ({model['run_count']} runs)"
        lines.append(line)
    return "\n".join(lines)
