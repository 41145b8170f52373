"""A model's schema, read: its inputs, and what kind of output it gives.

Pure (no I/O). The model's OpenAPI schema (`components.schemas.Input`) decides
which input is the prompt, what the model calls `max_tokens`, whether it takes
`stop_sequences`, and which input names exist at all (`InputSchema`,
`build_input`); its `components.schemas.Output` says whether the output is text,
files or something else (`output_kind`), which `_outputs` reads it by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

MAX_TOKENS_NAMES = (
    "max_tokens",
    "max_new_tokens",
    "max_length",
    "max_completion_tokens",
    "max_output_tokens",
)
"""The names models use for "maximum tokens to generate", in order of preference."""

STANDARD_PARAMS = ("temperature", "max_tokens", "top_p", "top_k", "seed")
"""The LangChain parameters with fields of their own."""

GUESSED_PROMPT_KEY = "prompt"
"""The prompt input assumed when no schema was needed for anything else."""

_PROMPT_NAMES = (
    "prompt",
    "text",
    "input",
    "input_text",
    "query",
    "question",
    "instruction",
)


class OutputKind(Enum):
    """What a model's output is, by its schema."""

    TEXT = "text"
    """A string, or an iterator of tokens to concatenate."""
    FILES = "files"
    """A file URL, or a list of them."""
    OTHER = "other"
    """Anything else (numbers, objects...)."""


def output_kind(output_schema: Mapping[str, Any] | None) -> OutputKind | None:
    """Classify a model by its `components.schemas.Output`.

    Args:
        output_schema: The Output schema, if known.

    Returns:
        The kind, or `None` when there is no schema to tell.
    """
    if not output_schema:
        return None
    item = (
        output_schema.get("items")
        if output_schema.get("type") == "array"
        else output_schema
    )
    if not isinstance(item, dict):
        return OutputKind.OTHER
    if item.get("type") == "string":
        return OutputKind.FILES if item.get("format") == "uri" else OutputKind.TEXT
    return OutputKind.OTHER


@dataclass(frozen=True)
class InputSchema:
    """The part of a model version's OpenAPI schema that input building needs."""

    properties: Mapping[str, Mapping[str, Any]]
    """Input name -> its JSON schema."""
    required: tuple[str, ...] = ()
    """Inputs without a default."""
    output: Mapping[str, Any] | None = None
    """`components.schemas.Output`, if given."""
    components: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """All of `components.schemas` (where cog puts the enums inputs `$ref`)."""

    @classmethod
    def from_openapi(cls, openapi: Mapping[str, Any] | None) -> InputSchema | None:
        """Read the schema of a version; `None` if it describes no inputs.

        Args:
            openapi: A version's `openapi_schema`.

        Returns:
            The input schema, or `None`.
        """
        schemas = ((openapi or {}).get("components") or {}).get("schemas") or {}
        input_schema = schemas.get("Input") or {}
        properties = input_schema.get("properties")
        if not isinstance(properties, dict) or not properties:
            return None
        return cls(
            properties=properties,
            required=tuple(input_schema.get("required") or ()),
            output=schemas.get("Output"),
            components=schemas,
        )

    @property
    def names(self) -> list[str]:
        """Input names ordered by `x-order`."""
        return sorted(
            self.properties,
            key=lambda name: self.properties[name].get("x-order", len(self.properties)),
        )

    def prompt_key(self) -> str:
        """The input that takes the prompt.

        `prompt` if the model has one, else a conventional prompt name, else the
        first required text input, else the first text input, by `x-order`.

        Returns:
            The input name.
        """
        for name in _PROMPT_NAMES:
            if name in self.properties:
                return name
        texts = [name for name in self.names if self._is_text(name)]
        for name in texts:
            if name in self.required:
                return name
        return texts[0] if texts else self.names[0]

    def _is_text(self, name: str) -> bool:
        prop = self.properties[name]
        return (
            prop.get("type") == "string" and "format" not in prop and "enum" not in prop
        )

    def choices(self, name: str) -> tuple[Any, ...] | None:
        """The values an enum input allows (inline, or behind cog's `allOf: [$ref]`).

        Returns:
            The allowed values, or `None` if the input is not an enum.
        """
        prop = self.properties.get(name) or {}
        for schema in (prop, *prop.get("allOf", ())):
            ref = schema.get("$ref")
            if isinstance(ref, str):
                schema = self.components.get(ref.rpartition("/")[2]) or {}  # noqa: PLW2901
            if isinstance(schema.get("enum"), list):
                return tuple(schema["enum"])
        return None

    def max_tokens_name(self) -> str | None:
        """What this model calls "maximum tokens to generate", if it has one.

        An input its schema describes as deprecated loses to one that is not
        (the vLLM predictor keeps `max_tokens` "deprecated in favor of
        `max_completion_tokens`").

        Returns:
            The input name or `None`.
        """
        names = [n for n in MAX_TOKENS_NAMES if n in self.properties]
        current = [
            n
            for n in names
            if "deprecated"
            not in str(self.properties[n].get("description", "")).lower()
        ]
        return next(iter(current or names), None)


def build_input(
    prompt: Any,  # noqa: ANN401 - text, or messages for chat models
    *,
    prompt_key: str | None,
    schema: InputSchema | None,
    standard: Mapping[str, Any],
    model_kwargs: Mapping[str, Any],
    stop: Sequence[str] | None,
    validate: bool,
    model: str,
    reasoning: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build a prediction input.

    Later sources win: the standard fields, then the reasoning settings (already
    under the names the schema gives them, `_inputs.reasoning`), then `model_kwargs`,
    then the call's keyword arguments (already merged into `model_kwargs` by
    the caller). Any max-tokens alias (`max_tokens`, `max_new_tokens`,
    `max_length`, `max_completion_tokens`, `max_output_tokens`) is renamed to
    the one the schema uses.

    Args:
        prompt: The value for the prompt input (text, or e.g. a message list).
        prompt_key: The prompt input name; when `None`, found from the schema, or
            `GUESSED_PROMPT_KEY` without one (the caller retries with the schema
            if Replicate rejects it).
        schema: The model's input schema, if known.
        standard: The standard params (`temperature`, `max_tokens`, ...) that are set.
        model_kwargs: Further inputs.
        stop: Stop sequences; sent as comma-joined `stop_sequences` when the
            schema takes it.
        validate: Reject inputs the schema does not list.
        model: The model reference, for messages.
        reasoning: The inputs `reasoning_effort` / `thinking_budget` map to.

    Returns:
        The input dict.

    Raises:
        ReplicateInputError: If an input is unknown to the schema (with
            `validate`).
    """
    if prompt_key is None:
        prompt_key = schema.prompt_key() if schema else GUESSED_PROMPT_KEY
    target = schema.max_tokens_name() if schema else None
    merged: dict[str, Any] = {}
    for source in (standard, reasoning or {}, model_kwargs):
        for name, value in source.items():
            if value is not None:  # `None` means "not set": it overrides nothing
                key = target if target and name in MAX_TOKENS_NAMES else name
                merged[key] = value
    model_input = {prompt_key: prompt, **merged}
    if stop and schema and "stop_sequences" in schema.properties:
        prop = schema.properties["stop_sequences"]
        model_input["stop_sequences"] = _stop_value(stop, prop)

    if validate and schema:
        unknown = sorted(name for name in model_input if name not in schema.properties)
        if unknown:
            msg = (
                f"{model} does not take the input(s) {', '.join(map(repr, unknown))}. "
                f"Valid inputs: {', '.join(schema.names)}. If the model's schema is "
                "incomplete, pass validate_inputs=False."
            )
            raise ReplicateInputError(msg)
    return model_input


def _stop_value(stop: Sequence[str], prop: Mapping[str, Any]) -> str | list[str]:
    """Our stop sequences plus the model's default ones (e.g. llama-3's EOS tokens).

    Sending `stop_sequences` replaces the model's default, which would otherwise
    stop it at its end-of-text tokens.
    """
    default = prop.get("default")
    defaults = default.split(",") if isinstance(default, str) else list(default or [])
    merged = list(dict.fromkeys([*stop, *(d for d in defaults if d)]))
    return merged if prop.get("type") == "array" else ",".join(merged)


def needs_schema(
    *,
    prompt_key: str | None,
    standard: Mapping[str, Any],
    model_kwargs: Mapping[str, Any],
    stop: Sequence[str] | None,
    validate: bool,
    reasoning: bool = False,
) -> bool:
    """Whether building this input needs the model's schema.

    A lookup is needed only when a question has no answer without it: what the
    model calls max tokens; whether it takes `stop_sequences`; what it calls
    the reasoning settings (`reasoning`: some are set); whether the extra
    inputs exist (with validation on); which input is the prompt, when it is not
    simply `prompt`. The last one is found out by trying: without `prompt_key`
    the input is sent as `prompt`, and only if Replicate rejects it (422) is the
    schema fetched and the call made again (a rejected create created nothing).
    So an official model called with just a prompt makes no lookup.

    Args:
        prompt_key: The explicit prompt key, if any.
        standard: The standard params that are set.
        model_kwargs: Further inputs.
        stop: Stop sequences.
        validate: Whether inputs are validated.
        reasoning: Whether reasoning settings are set.

    Returns:
        `True` if the schema must be fetched.
    """
    names = {name for name, value in standard.items() if value is not None} | set(
        model_kwargs
    )
    del prompt_key  # Guessed as `prompt` and corrected on a 422; see above.
    return (
        bool(stop)
        or reasoning
        or any(name in MAX_TOKENS_NAMES for name in names)
        or (validate and bool(names))
    )
