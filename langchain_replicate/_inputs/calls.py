"""One prediction call, from a model's settings and a call's arguments to its input.

Pure (no I/O); shared by every model class. A call is built in two steps, because
only some calls need the model's schema (see `needs_schema`):

1. `CallPlan.make(...)`: merge the instance's settings with the call's `stop`
   and keyword arguments; decide whether the schema is needed.
2. `plan.prepare(prompt, schema)`: the prediction input, as a `PreparedCall`.

`ReplicateAPI.prepare` / `aprepare` run both steps, fetching the schema in
between only when needed; `ReplicateAPI.reprepare` / `areprepare` redo step 2
when Replicate rejected a guessed prompt key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from langchain_replicate._inputs.arguments import check_json_input
from langchain_replicate._inputs.model_ref import ModelRef, parse_model_ref
from langchain_replicate._inputs.reasoning import ReasoningSettings, reasoning_inputs
from langchain_replicate._inputs.schema import (
    GUESSED_PROMPT_KEY,
    MAX_TOKENS_NAMES,
    STANDARD_PARAMS,
    InputSchema,
    OutputKind,
    build_input,
    needs_schema,
    output_kind,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_replicate.errors import ReplicateAPIError


@dataclass(frozen=True)
class CallPlan:
    """A call's parameters, before the schema (if it is needed) is known."""

    ref: ModelRef
    """The model (the instance's, or the call's own `model=`)."""
    standard: dict[str, Any]
    """Standard params that are set: `temperature`, `max_tokens`, ..."""
    extra: dict[str, Any]
    """Further inputs: the instance's `model_kwargs`, then the call's kwargs."""
    stop: list[str] | None
    prompt_key: str | None = None
    validate: bool = True
    own_schema: InputSchema | None = None
    """A schema given up front (e.g. `version_obj`): never looked up."""
    reasoning: ReasoningSettings = field(default_factory=ReasoningSettings)
    """`reasoning_effort` / `thinking_budget`, mapped once the schema is known."""
    needs_schema: bool = field(init=False)

    def __post_init__(self) -> None:
        wanted = self.own_schema is None and needs_schema(
            prompt_key=self.prompt_key,
            standard=self.standard,
            model_kwargs=self.extra,
            stop=self.stop,
            validate=self.validate,
            reasoning=self.reasoning.is_set,
        )
        object.__setattr__(self, "needs_schema", wanted)

    @classmethod
    def make(
        cls,
        *,
        ref: ModelRef,
        standard: Mapping[str, Any],
        model_kwargs: Mapping[str, Any],
        stop: Sequence[str] | None,
        call_kwargs: Mapping[str, Any],
        prompt_key: str | None = None,
        validate: bool = True,
        own_schema: InputSchema | None = None,
        reasoning: ReasoningSettings | None = None,
    ) -> CallPlan:
        """Merge an instance's settings with one call's arguments.

        Args:
            ref: The instance's model.
            standard: The instance's standard params (`None` = not set).
            model_kwargs: The instance's further inputs.
            stop: The stop sequences (the call's, else the instance's).
            call_kwargs: The call's keyword arguments: `model=` overrides the
                model, standard params and reasoning settings override the
                instance's, the rest are inputs.
            prompt_key: The explicit prompt input, if any.
            validate: Reject inputs the schema does not list.
            own_schema: A schema known without a lookup.
            reasoning: The instance's reasoning settings.

        Returns:
            The plan.

        Raises:
            ValueError: If the call's `model=` is malformed.
            ReplicateInputError: If the call's reasoning settings are
                malformed (see `ReasoningSettings.with_call`).
        """
        kwargs = dict(call_kwargs)
        model = kwargs.pop("model", None)
        merged = {k: v for k, v in standard.items() if v is not None}
        for name in STANDARD_PARAMS:
            if name in kwargs:
                merged[name] = kwargs.pop(name)
        settings = (reasoning or ReasoningSettings()).with_call(kwargs)
        return cls(
            ref=parse_model_ref(model) if isinstance(model, str) else ref,
            standard=merged,
            extra={**model_kwargs, **kwargs},
            stop=list(stop) if stop else None,
            prompt_key=prompt_key,
            validate=validate,
            own_schema=own_schema,
            reasoning=settings,
        )

    def prepare(self, prompt: Any, schema: InputSchema | None) -> PreparedCall:  # noqa: ANN401 - text, or messages for chat models
        """Build the prediction input.

        Args:
            prompt: The value for the prompt input.
            schema: The model's input schema, if known.

        Returns:
            The prepared call.

        Raises:
            ReplicateInputError: If an input is unknown to the schema, a
                reasoning setting has no input in it, or an input is not
                finite JSON or valid Unicode (NaN, a lone surrogate).
        """
        schema = self.own_schema or schema
        model_input = build_input(
            prompt,
            prompt_key=self.prompt_key,
            schema=schema,
            standard=self.standard,
            model_kwargs=self.extra,
            stop=self.stop,
            validate=self.validate,
            model=str(self.ref),
            reasoning=reasoning_inputs(self.reasoning, schema, model=str(self.ref)),
        )
        check_json_input(model_input)
        guessed = self.prompt_key is None and schema is None
        return PreparedCall(self, prompt, model_input, schema, guessed)


@dataclass(frozen=True)
class PreparedCall:
    """A prediction ready to create."""

    plan: CallPlan
    prompt: Any
    model_input: dict[str, Any]
    schema: InputSchema | None
    guessed_prompt_key: bool
    """The prompt was sent as `prompt` without looking at the schema."""

    @property
    def ref(self) -> ModelRef:
        """The model."""
        return self.plan.ref

    @property
    def stop(self) -> list[str] | None:
        """The stop sequences (enforced client-side)."""
        return self.plan.stop

    @property
    def kind(self) -> OutputKind | None:
        """The output kind by the schema; `None` when the schema is unknown."""
        return output_kind(self.schema.output) if self.schema else None

    @property
    def max_tokens(self) -> int | None:
        """The output-token limit of the call: as sent, else the schema's default."""
        if self.schema is None:
            names: tuple[str, ...] = MAX_TOKENS_NAMES
            default = None
        elif (name := self.schema.max_tokens_name()) is not None:
            names, default = (name,), self.schema.properties[name].get("default")
        else:
            return None
        sent = (self.model_input[n] for n in names if n in self.model_input)
        value = next(sent, default)
        return value if isinstance(value, int) else None

    @property
    def is_text(self) -> bool:
        """Whether the output is (or may be) text, so it can be streamed."""
        return self.kind in {None, OutputKind.TEXT}

    def may_have_wrong_prompt_key(self, error: ReplicateAPIError) -> bool:
        """Whether a rejected create may be due to the guessed prompt key."""
        return (
            self.guessed_prompt_key and error.status == HTTPStatus.UNPROCESSABLE_ENTITY
        )

    def corrected(self, schema: InputSchema | None) -> PreparedCall | None:
        """The call with the schema's prompt key, or `None` if the guess was right."""
        if schema is None or schema.prompt_key() == GUESSED_PROMPT_KEY:
            return None
        return self.plan.prepare(self.prompt, schema)
