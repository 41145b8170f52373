"""Reasoning settings → each model's own inputs (pure: no sockets)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import pytest

from langchain_replicate import ChatReplicate, Replicate
from langchain_replicate._inputs.calls import CallPlan
from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate._inputs.reasoning import (
    ReasoningSettings,
    reasoning_inputs,
    thinking_off_inputs,
)
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate.errors import ReplicateInputError
from langchain_replicate.testing.catalogue.reasoning import (
    CLAUDE_4_SONNET,
    DEEPSEEK_R1,
    GEMINI_2_5_FLASH,
    GPT_5,
    QWEN3,
)
from langchain_replicate.testing.catalogue.text import LLAMA_3

if TYPE_CHECKING:
    from langchain_replicate.testing._models.reference import ReferenceModel


def schema_of(model: ReferenceModel) -> InputSchema:
    schema = InputSchema.from_openapi(model.openapi_schema)
    assert schema is not None
    return schema


def enum_schema(name: str, choices: list[Any], **more: dict[str, Any]) -> InputSchema:
    """A cog schema with `prompt`, one enum input behind `$ref`, and `more`."""
    return InputSchema.from_openapi(  # type: ignore[return-value]
        {
            "components": {
                "schemas": {
                    "Input": {
                        "properties": {
                            "prompt": {"type": "string", "x-order": 0},
                            name: {
                                "allOf": [{"$ref": f"#/components/schemas/{name}"}],
                                "x-order": 1,
                            },
                            **more,
                        }
                    },
                    name: {"enum": choices, "type": "string"},
                }
            }
        }
    )


O4_MINI = enum_schema("reasoning_effort", ["low", "medium", "high"])
GPT_5_1 = enum_schema("reasoning_effort", ["none", "low", "medium", "high"])
GEMINI_3_PRO = enum_schema("thinking_level", ["low", "high"])
DEEPSEEK_V3_1 = enum_schema("thinking", ["medium", "None"])
GRANITE_3_3 = InputSchema(
    properties={
        "messages": {"type": "array", "x-order": 0},
        "thinking": {"type": "boolean", "default": False, "x-order": 1},
    }
)


def mapped(
    schema: InputSchema,
    *,
    effort: str | None = None,
    budget: int | None = None,
    off: bool = False,
) -> dict[str, Any]:
    settings = ReasoningSettings(effort=effort, budget=budget, thinking_off=off)
    return reasoning_inputs(settings, schema, model="o/m")


# --- effort -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "effort", "expected"),
    [
        (schema_of(GPT_5), "high", {"reasoning_effort": "high"}),
        (schema_of(GPT_5), "Minimal", {"reasoning_effort": "minimal"}),
        (O4_MINI, "low", {"reasoning_effort": "low"}),
        (GPT_5_1, "none", {"reasoning_effort": "none"}),
        (GEMINI_3_PRO, "high", {"thinking_level": "high"}),
        (DEEPSEEK_V3_1, "medium", {"thinking": "medium"}),
        (DEEPSEEK_V3_1, "none", {"thinking": "None"}),
        # No effort input, but "none" turns thinking off where a model can.
        (schema_of(CLAUDE_4_SONNET), "none", {"extended_thinking": False}),
        (schema_of(QWEN3), "none", {"enable_thinking": False}),
        (
            schema_of(GEMINI_2_5_FLASH),
            "none",
            {"thinking_budget": 0, "dynamic_thinking": False},
        ),
        (GRANITE_3_3, "NONE", {"thinking": False}),
    ],
)
def test_effort_goes_to_the_input_the_schema_names(
    schema: InputSchema, effort: str, expected: dict[str, Any]
) -> None:
    assert mapped(schema, effort=effort) == expected


def test_an_effort_the_model_does_not_allow_is_an_error_listing_its_choices() -> None:
    with pytest.raises(ReplicateInputError) as caught:
        mapped(O4_MINI, effort="minimal")
    assert str(caught.value) == (
        "reasoning_effort='minimal' is not one of the values o/m takes for its "
        "'reasoning_effort' input: 'low', 'medium', 'high'."
    )
    with pytest.raises(ReplicateInputError, match="'thinking_level' input: 'low'"):
        mapped(GEMINI_3_PRO, effort="medium")


def test_a_model_without_an_effort_input_is_an_error_naming_its_inputs() -> None:
    with pytest.raises(ReplicateInputError) as caught:
        mapped(schema_of(DEEPSEEK_R1), effort="high")
    message = str(caught.value)
    assert message.startswith(
        "o/m takes no reasoning effort input (reasoning_effort, thinking_level, "
        "thinking), so reasoning_effort='high' cannot be sent."
    )
    assert message.endswith(
        "Its inputs: prompt, max_tokens, temperature, top_p, presence_penalty, "
        "frequency_penalty."
    )
    with pytest.raises(ReplicateInputError, match="set thinking_budget") as caught:
        mapped(schema_of(CLAUDE_4_SONNET), effort="high")
    assert "extended_thinking" in str(caught.value)  # among its inputs
    with pytest.raises(ReplicateInputError, match='Only reasoning_effort="none"'):
        mapped(GRANITE_3_3, effort="high")
    # "none" on a model that cannot stop thinking: an error too.
    with pytest.raises(ReplicateInputError, match="takes no reasoning effort"):
        mapped(schema_of(DEEPSEEK_R1), effort="none")


# --- budget -----------------------------------------------------------------------


def test_a_budget_goes_to_claudes_budget_with_extended_thinking_on() -> None:
    claude = schema_of(CLAUDE_4_SONNET)
    assert mapped(claude, budget=2048) == {
        "thinking_budget_tokens": 2048,
        "extended_thinking": True,
    }
    assert mapped(claude, budget=0) == {"extended_thinking": False}
    with pytest.raises(ReplicateInputError) as caught:
        mapped(claude, budget=500)
    assert str(caught.value) == (
        "thinking_budget=500 is out of range for o/m's 'thinking_budget_tokens' "
        "input (1024 to 64000)."
    )


def test_a_budget_goes_to_geminis_thinking_budget_where_zero_is_off() -> None:
    gemini = schema_of(GEMINI_2_5_FLASH)
    assert mapped(gemini, budget=512) == {"thinking_budget": 512}
    assert mapped(gemini, budget=0) == {"thinking_budget": 0}
    with pytest.raises(ReplicateInputError, match=r"\(0 to 24576\)"):
        mapped(gemini, budget=30000)


def test_a_model_without_a_budget_input_is_an_error_naming_its_inputs() -> None:
    with pytest.raises(ReplicateInputError) as caught:
        mapped(schema_of(GPT_5), budget=1000)
    assert str(caught.value) == (
        "o/m takes no thinking budget input (thinking_budget_tokens, "
        "thinking_budget), so thinking_budget=1000 cannot be sent. Its inputs: "
        "prompt, messages, verbosity, image_input, system_prompt, "
        "reasoning_effort, max_completion_tokens."
    )


def test_nothing_set_maps_to_nothing_and_an_unknown_schema_is_an_error() -> None:
    assert mapped(schema_of(LLAMA_3)) == {}
    assert reasoning_inputs(ReasoningSettings(), None, model="o/m") == {}
    with pytest.raises(ReplicateInputError, match="need o/m's input schema"):
        reasoning_inputs(ReasoningSettings(effort="low"), None, model="o/m")


# --- thinking off -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (schema_of(QWEN3), {"enable_thinking": False}),
        (GRANITE_3_3, {"thinking": False}),
        (schema_of(CLAUDE_4_SONNET), {"extended_thinking": False}),
        (
            schema_of(GEMINI_2_5_FLASH),
            {"thinking_budget": 0, "dynamic_thinking": False},
        ),
        (GPT_5_1, {"reasoning_effort": "none"}),
        (DEEPSEEK_V3_1, {"thinking": "None"}),
        (schema_of(DEEPSEEK_R1), {}),  # always thinks
        (schema_of(GPT_5), {}),  # minimal still reasons
        (schema_of(LLAMA_3), {}),
        (None, {}),
    ],
)
def test_thinking_off_inputs(
    schema: InputSchema | None, expected: dict[str, Any]
) -> None:
    assert thinking_off_inputs(schema) == expected


def test_thinking_off_never_fails_and_adds_to_the_other_settings() -> None:
    assert mapped(schema_of(DEEPSEEK_R1), off=True) == {}
    off = ReasoningSettings(thinking_off=True)
    assert reasoning_inputs(off, None, model="o/m") == {}
    assert mapped(schema_of(QWEN3), off=True) == {"enable_thinking": False}


# --- through a call plan ----------------------------------------------------------


def plan(
    model: ReferenceModel,
    *,
    reasoning: ReasoningSettings | None = None,
    model_kwargs: dict[str, Any] | None = None,
    call_kwargs: dict[str, Any] | None = None,
    validate: bool = True,
) -> CallPlan:
    return CallPlan.make(
        ref=parse_model_ref(model.ref),
        standard={},
        model_kwargs=model_kwargs or {},
        stop=None,
        call_kwargs=call_kwargs or {},
        validate=validate,
        reasoning=reasoning,
    )


def test_reasoning_settings_need_the_schema_even_without_validation() -> None:
    assert not plan(GPT_5, validate=False).needs_schema
    effort = ReasoningSettings(effort="high")
    assert plan(GPT_5, reasoning=effort, validate=False).needs_schema
    assert plan(GPT_5, call_kwargs={"thinking_budget": 5}, validate=False).needs_schema


def test_the_mapped_inputs_join_the_prediction_input() -> None:
    call = plan(CLAUDE_4_SONNET, reasoning=ReasoningSettings(budget=4096)).prepare(
        "Why?", schema_of(CLAUDE_4_SONNET)
    )
    assert call.model_input == {
        "prompt": "Why?",
        "thinking_budget_tokens": 4096,
        "extended_thinking": True,
    }


def test_a_calls_settings_override_the_instances_and_model_kwargs_win() -> None:
    gpt5 = schema_of(GPT_5)
    call = plan(
        GPT_5,
        reasoning=ReasoningSettings(effort="high"),
        call_kwargs={"reasoning_effort": "low"},
    ).prepare("Why?", gpt5)
    assert call.model_input["reasoning_effort"] == "low"
    unset = plan(
        GPT_5,
        reasoning=ReasoningSettings(effort="high"),
        call_kwargs={"reasoning_effort": None},
    )
    assert unset.prepare("Why?", gpt5).model_input == {"prompt": "Why?"}
    raw = plan(
        CLAUDE_4_SONNET,
        reasoning=ReasoningSettings(budget=4096),
        model_kwargs={"extended_thinking": False},
    ).prepare("Why?", schema_of(CLAUDE_4_SONNET))
    assert raw.model_input["extended_thinking"] is False


def test_an_unmappable_setting_fails_prepare_even_without_validation() -> None:
    call = plan(DEEPSEEK_R1, reasoning=ReasoningSettings(effort="high"), validate=False)
    with pytest.raises(ReplicateInputError, match="takes no reasoning effort"):
        call.prepare("Why?", schema_of(DEEPSEEK_R1))


def test_max_output_tokens_is_a_max_tokens_alias() -> None:
    call = CallPlan.make(
        ref=parse_model_ref(GEMINI_2_5_FLASH.ref),
        standard={"max_tokens": 300},
        model_kwargs={},
        stop=None,
        call_kwargs={},
    ).prepare("Why?", schema_of(GEMINI_2_5_FLASH))
    assert call.model_input == {"prompt": "Why?", "max_output_tokens": 300}
    assert call.max_tokens == 300


# --- the public classes -----------------------------------------------------------


@pytest.mark.parametrize("cls", [ChatReplicate, Replicate])
def test_reasoning_settings_are_fields_not_model_kwargs(
    cls: type[ChatReplicate | Replicate],
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = cls(
            model="openai/gpt-5",
            reasoning_effort="high",
            thinking_budget=2048,
            api_key="r8_x",
        )
    assert model.model_kwargs == {}
    assert (model.reasoning_effort, model.thinking_budget) == ("high", 2048)
    assert model._identifying_params["reasoning_effort"] == "high"
    assert model._identifying_params["thinking_budget"] == 2048
    settings = model._plan(None, {}).reasoning
    assert settings == ReasoningSettings(effort="high", budget=2048)


def test_a_negative_budget_is_rejected_at_construction() -> None:
    with pytest.raises(ValueError, match="thinking_budget"):
        ChatReplicate(model="openai/gpt-5", thinking_budget=-1, api_key="r8_x")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reasoning_effort": 3}, "reasoning_effort must be a string"),
        ({"thinking_budget": -5}, "thinking_budget must be a number of tokens"),
        ({"thinking_budget": "lots"}, "thinking_budget must be a number of tokens"),
        ({"thinking_budget": True}, "thinking_budget must be a number of tokens"),
    ],
)
def test_a_calls_malformed_settings_fail_before_the_schema_is_looked_up(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ReplicateInputError, match=message):
        plan(GPT_5, call_kwargs=kwargs)
