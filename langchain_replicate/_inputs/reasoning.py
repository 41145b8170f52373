"""Reasoning settings → the inputs a model's schema names for them (pure, no I/O).

Replicate's reasoning models each spell their controls differently (sources in
the project's `reasoning-models.md`), so `reasoning_effort` and
`thinking_budget` are mapped onto the input the version's schema has:

* **effort** goes to the first of `reasoning_effort` (OpenAI GPT-5 / o-series:
  `minimal`/`low`/`medium`/`high`, GPT-5.1 also `none`), `thinking_level`
  (Gemini 3: `low`/`high`) or a text `thinking` (DeepSeek-V3.1:
  `medium`/`None`). An enum's value must be one of its choices, matched
  without regard to case and sent in the schema's spelling (`"none"` →
  `"None"`). A model without such an input takes `"none"` only, and only
  when it can turn thinking off (`thinking_off_inputs`).
* **budget** goes to `thinking_budget_tokens`, with `extended_thinking=True`
  when the model has that switch (Claude 3.7/4 Sonnet), or to
  `thinking_budget` (Gemini 2.5). The schema's range is checked here. `0`
  turns thinking off: sent as is where the budget input takes 0 (Gemini),
  else as the model's off inputs (Claude: `extended_thinking=False`).

Anything the schema cannot express raises `ReplicateInputError`, which names the
model's inputs, before any prediction is created: a setting is never dropped
silently and never sent under a name the model does not know.

`thinking_off_inputs(schema)` is the switch the other way: the inputs that
stop a model from thinking (`enable_thinking` / `thinking` /
`extended_thinking` false, `thinking_budget` 0 with `dynamic_thinking` false,
or a `none` choice of an effort input), empty when the model cannot (DeepSeek-R1
always thinks, GPT-5's `minimal` still reasons).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_replicate._inputs.schema import InputSchema

__all__ = [
    "REASONING_PARAMS",
    "ReasoningSettings",
    "reasoning_inputs",
    "thinking_off_inputs",
]

REASONING_PARAMS = ("reasoning_effort", "thinking_budget")
"""The reasoning settings a call's keyword arguments may override."""

EFFORT_INPUTS = ("reasoning_effort", "thinking_level", "thinking")
"""Inputs that take an effort level, in order of preference."""

BUDGET_INPUTS = ("thinking_budget_tokens", "thinking_budget")
"""Inputs that take a thinking budget in tokens, in order of preference."""

_BUDGET_SWITCHES = {"thinking_budget_tokens": "extended_thinking"}
"""A budget input that counts only when a switch is on: the switch."""

_SWITCHES = ("enable_thinking", "thinking", "extended_thinking")
"""Boolean inputs that turn thinking on and off."""

_OFF_CHOICES = ("none", "off", "disabled")
"""An effort choice meaning "do not think"."""


@dataclass(frozen=True)
class ReasoningSettings:
    """The reasoning settings of one call (`None`: not set, the model's default)."""

    effort: str | None = None
    """`reasoning_effort`."""
    budget: int | None = None
    """`thinking_budget`, in tokens."""
    thinking_off: bool = False
    """Turn thinking off where the model can; nothing is sent where it cannot
    (for a `reasoning=False` switch)."""

    @property
    def is_set(self) -> bool:
        """Whether anything is to be mapped (then the schema is needed)."""
        return self.effort is not None or self.budget is not None or self.thinking_off

    def with_call(self, call_kwargs: dict[str, Any]) -> ReasoningSettings:
        """These settings with a call's own (popped from `call_kwargs`).

        A call's `reasoning_effort=` / `thinking_budget=` replace the instance's
        (`None` unsets them), as a call's standard params do.

        Raises:
            ReplicateInputError: If a call's effort is not a string or its
                budget not a whole number of tokens, 0 or more.
        """
        effort = call_kwargs.pop("reasoning_effort", self.effort)
        budget = call_kwargs.pop("thinking_budget", self.budget)
        if effort is not None and not isinstance(effort, str):
            msg = f"reasoning_effort must be a string such as 'low', not {effort!r}."
            raise ReplicateInputError(msg)
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, int) or budget < 0
        ):
            msg = (
                "thinking_budget must be a number of tokens (0 or more), "
                f"not {budget!r}."
            )
            raise ReplicateInputError(msg)
        return ReasoningSettings(effort, budget, thinking_off=self.thinking_off)


def reasoning_inputs(
    settings: ReasoningSettings, schema: InputSchema | None, *, model: str
) -> dict[str, Any]:
    """The model inputs that carry `settings`.

    Args:
        settings: The call's reasoning settings.
        schema: The model's input schema.
        model: The model reference, for messages.

    Returns:
        Input name → value; empty when nothing is set.

    Raises:
        ReplicateInputError: If the schema is unknown, has no input for a
            setting, or does not allow its value.
    """
    if settings.effort is None and settings.budget is None:
        return thinking_off_inputs(schema) if settings.thinking_off else {}
    if schema is None:
        msg = (
            f"reasoning_effort / thinking_budget need {model}'s input schema, "
            "to know what the model calls them, and Replicate gave none for it. "
            "Pass the model's own input in model_kwargs instead."
        )
        raise ReplicateInputError(msg)
    inputs: dict[str, Any] = {}
    if settings.thinking_off:
        inputs.update(thinking_off_inputs(schema))
    if settings.budget is not None:
        inputs.update(_budget_inputs(settings.budget, schema, model))
    if settings.effort is not None:
        inputs.update(_effort_inputs(settings.effort, schema, model))
    return inputs


def thinking_off_inputs(schema: InputSchema | None) -> dict[str, Any]:
    """The inputs that turn a model's thinking off, if it has any.

    Args:
        schema: The model's input schema.

    Returns:
        Input name → value, e.g. `{"enable_thinking": False}`,
        `{"extended_thinking": False}`, `{"thinking_budget": 0,
        "dynamic_thinking": False}`, `{"thinking": "None"}`; empty when the
        model cannot be told not to think (or the schema is unknown).
    """
    if schema is None:
        return {}
    properties = schema.properties
    for name in _SWITCHES:
        if "boolean" in _types(properties.get(name)):
            return {name: False}
    budget = properties.get("thinking_budget")
    if budget is not None and _allows(budget, 0):
        off: dict[str, Any] = {"thinking_budget": 0}
        if "boolean" in _types(properties.get("dynamic_thinking")):
            off["dynamic_thinking"] = False
        return off
    for name in EFFORT_INPUTS:
        for choice in schema.choices(name) or ():
            if str(choice).lower() in _OFF_CHOICES:
                return {name: choice}
    return {}


def _effort_inputs(effort: str, schema: InputSchema, model: str) -> dict[str, Any]:
    for name in EFFORT_INPUTS:
        if name not in schema.properties:
            continue
        choices = schema.choices(name)
        if choices is None:
            if "string" in _types(schema.properties[name]):
                return {name: effort}
            continue  # a boolean `thinking` is a switch, not a level
        match = next((c for c in choices if str(c).lower() == effort.lower()), None)
        if match is None:
            allowed = ", ".join(repr(c) for c in choices)
            msg = (
                f"reasoning_effort={effort!r} is not one of the values {model} "
                f"takes for its {name!r} input: {allowed}."
            )
            raise ReplicateInputError(msg)
        return {name: match}
    if effort.lower() in _OFF_CHOICES and (off := thinking_off_inputs(schema)):
        return off
    hint = ""
    if any(name in schema.properties for name in BUDGET_INPUTS):
        hint = " It takes a thinking budget instead: set thinking_budget (tokens)."
    elif thinking_off_inputs(schema):
        hint = ' Only reasoning_effort="none" (thinking off) applies to it.'
    msg = (
        f"{model} takes no reasoning effort input ({', '.join(EFFORT_INPUTS)}), "
        f"so reasoning_effort={effort!r} cannot be sent.{hint} "
        f"Its inputs: {', '.join(schema.names)}."
    )
    raise ReplicateInputError(msg)


def _budget_inputs(budget: int, schema: InputSchema, model: str) -> dict[str, Any]:
    for name in BUDGET_INPUTS:
        prop = schema.properties.get(name)
        if prop is None:
            continue
        if (
            budget == 0
            and not _allows(prop, 0)
            and (off := thinking_off_inputs(schema))
        ):
            return off
        if not _allows(prop, budget):
            msg = (
                f"thinking_budget={budget} is out of range for {model}'s {name!r} "
                f"input ({_range(prop)})."
            )
            raise ReplicateInputError(msg)
        inputs: dict[str, Any] = {name: budget}
        switch = _BUDGET_SWITCHES.get(name)
        if switch is not None and "boolean" in _types(schema.properties.get(switch)):
            inputs[switch] = True
        return inputs
    msg = (
        f"{model} takes no thinking budget input ({', '.join(BUDGET_INPUTS)}), so "
        f"thinking_budget={budget} cannot be sent. Its inputs: "
        f"{', '.join(schema.names)}."
    )
    raise ReplicateInputError(msg)


def _types(prop: Mapping[str, Any] | None) -> set[str]:
    """The JSON types an input takes (`type`, or those of its `anyOf` branches)."""
    if not prop:
        return set()
    types = {prop["type"]} if isinstance(prop.get("type"), str) else set()
    for branch in prop.get("anyOf") or ():
        if isinstance(branch, dict) and isinstance(branch.get("type"), str):
            types.add(branch["type"])
    return types


def _allows(prop: Mapping[str, Any], value: int) -> bool:
    low, high = prop.get("minimum"), prop.get("maximum")
    return (low is None or value >= low) and (high is None or value <= high)


def _range(prop: Mapping[str, Any]) -> str:
    low, high = prop.get("minimum"), prop.get("maximum")
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    return f"at least {low:g}" if low is not None else f"at most {high:g}"
