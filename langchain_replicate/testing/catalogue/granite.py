"""Reference chat-completions models: IBM Granite on Replicate's vLLM predictor.

Data only; what they do is in `langchain_replicate.testing._models.chat_completions`
(with the tool and JSON rules of `langchain_replicate.testing._models.tool_rules`).
The inputs are those of the predictor (cog renders `list` as `array`, `dict`
as `object`, `X | None` as `nullable`); 4.1's `messages` is `list | None =
None`, 4.0's defaults to `[]`.
"""

from __future__ import annotations

from langchain_replicate.testing._models.chat_completions import (
    CompletionStyle,
    chat_completions_model,
)
from langchain_replicate.testing._models.schemas import (
    TEXT_ITERATOR,
    In,
    reference_model,
)

_OBJECTS = {"type": "object"}


def _rows(*, messages: In) -> list[In]:
    return [
        In("prompt", nullable=True, description="User prompt to send to the model."),
        In(
            "system_prompt",
            nullable=True,
            description="System prompt. The chat template provides a default.",
        ),
        messages,
        In(
            "tools",
            "array",
            [],
            "OpenAI-format tool definitions the model may call.",
            items=_OBJECTS,
        ),
        In(
            "tool_choice",
            nullable=True,
            description="'none', 'auto', 'required', or a JSON string naming a "
            "function.",
        ),
        In(
            "response_format",
            "object",
            nullable=True,
            description="OpenAI response format: text, json_object or json_schema.",
        ),
        In(
            "documents",
            "array",
            [],
            "Documents for retrieval-augmented generation: {text, doc_id?, title?}.",
            items=_OBJECTS,
        ),
        In(
            "chat_template_kwargs",
            "object",
            {},
            "Extra variables for the chat template (e.g. thinking).",
        ),
        In(
            "chat_template",
            nullable=True,
            description="A Jinja chat template to use instead of the model's.",
        ),
        In(
            "add_generation_prompt",
            "boolean",
            True,  # noqa: FBT003 - a default value
            "Add the generation prompt of the chat template.",
        ),
        In("max_tokens", "integer", 512, "Deprecated: use max_completion_tokens."),
        In(
            "max_completion_tokens",
            "integer",
            nullable=True,
            description="The maximum number of tokens the model should generate.",
        ),
        In("min_tokens", "integer", 0, "The minimum number of tokens to generate."),
        In("temperature", "number", 0.6, "Modulates the next token probabilities."),
        In("top_p", "number", 0.9, "A probability threshold for the output."),
        In("top_k", "integer", 50, "How many top tokens to consider."),
        In("presence_penalty", "number", 0, "Presence penalty."),
        In("frequency_penalty", "number", 0, "Frequency penalty."),
        In("repetition_penalty", "number", 1, "Repetition penalty."),
        In(
            "seed",
            "integer",
            nullable=True,
            description="Random seed. Leave unspecified to randomize the seed.",
        ),
        In(
            "stop",
            "array",
            [],
            "A list of sequences to stop generation at.",
            items={"type": "string"},
        ),
        In(
            "stream",
            "boolean",
            False,  # noqa: FBT003 - a default value
            "With messages: one chat-completion chunk per output item.",
        ),
    ]


_MESSAGES = (
    "A list of messages in OpenAI format. When given, the output is chat-completion "
    "JSON, and prompt and system_prompt are ignored."
)

GRANITE_4_0_H_SMALL = reference_model(
    "ibm-granite/granite-4.0-h-small",
    _rows(messages=In("messages", "array", [], _MESSAGES, items=_OBJECTS)),
    TEXT_ITERATOR,
    chat_completions_model(
        CompletionStyle(
            "ibm-granite/granite-4.0-h-small",
            write_nulls=False,
            usage_chunk=True,
            input_metric="input_token_count",
            output_metric="output_token_count",
            metrics_when_streamed=True,
        )
    ),
    official=True,
    description=(
        "Granite-4.0-H-Small is a 32B parameter long-context instruct model "
        "(reference: chat completions, tool calling, structured output)"
    ),
    cog_version="0.16.8",
    created_at="2025-10-02T14:00:00.000000Z",
    run_count=150_000,
    counts_tokens=False,
)

GRANITE_4_1_8B = reference_model(
    "ibm-granite/granite-4.1-8b",
    _rows(
        messages=In(
            "messages", "array", nullable=True, description=_MESSAGES, items=_OBJECTS
        )
    ),
    TEXT_ITERATOR,
    chat_completions_model(
        CompletionStyle(
            "ibm-granite/granite-4.1-8b",
            write_nulls=True,
            usage_chunk=False,
            input_metric="token_input_count",
            output_metric="token_output_count",
            metrics_when_streamed=False,
        )
    ),
    official=True,
    description=(
        "Granite-4.1-8B instruct model (reference: chat completions with every "
        "field written, no streamed usage, token_* metrics)"
    ),
    cog_version="0.16.8",
    created_at="2026-04-20T14:00:00.000000Z",
    run_count=20_000,
    counts_tokens=False,
)

MODELS = (GRANITE_4_0_H_SMALL, GRANITE_4_1_8B)
"""The chat-completions family, in the order the server lists it."""
