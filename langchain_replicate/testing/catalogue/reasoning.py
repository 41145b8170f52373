"""Reference reasoning models: schemas copied from the real models.

Data only; what they do is in `langchain_replicate.testing._models.reasoning`.
Schemas are those of the versions `nodetool-ai/nodetool-replicate` generated
from Replicate's OpenAPI schemas (`text/generate.py`, commits 31930bb for
DeepSeek-R1 `d0426501` and d21aa02 for the rest); where a version's date is
not published, the dates below only order the versions.

* `deepseek-ai/deepseek-r1`: two versions, the current one (`f5c66b7a`, no
  opening `<think>` in the reply) and the older one (`d0426501`, with it);
  `deepseek-ai/deepseek-r1` alone runs the current one.
* `replicate-testing/qwen3-8b`: a stand-in for a Qwen3 hybrid thinking model,
  whose schema on Replicate was not found: `enable_thinking` is Qwen3's own
  chat-template switch, the rest the usual cog-vLLM inputs.
* `openai/gpt-5`, `openai/gpt-5-mini`: `reasoning_effort`, `verbosity`,
  `max_completion_tokens` (`openai/gpt-5-nano` is in `catalogue/text.py`).
* `anthropic/claude-4-sonnet` (`3380fe4c`): `extended_thinking`,
  `thinking_budget_tokens`.
* `google/gemini-2.5-flash` (`6585308f`): `thinking_budget`,
  `dynamic_thinking`, `max_output_tokens`.
"""

from __future__ import annotations

from langchain_replicate.testing._models.reasoning import (
    deepseek_r1,
    gpt5,
    predict_claude,
    predict_gemini,
    predict_qwen3,
)
from langchain_replicate.testing._models.schemas import (
    SEED,
    TEXT_ITERATOR,
    In,
    reference_model,
)

_R1_DESCRIPTION = (
    "A reasoning model trained with reinforcement learning, on par with OpenAI o1"
)
_R1_MAX_TOKENS = "The maximum number of tokens the model should generate as output."


def _r1_inputs(max_tokens: int) -> list[In]:
    return [
        In("prompt", default="", description="Prompt"),
        In("max_tokens", "integer", max_tokens, _R1_MAX_TOKENS),
        In(
            "temperature",
            "number",
            0.1,
            "The value used to modulate the next token probabilities.",
        ),
        In("top_p", "number", 1, "Top-p (nucleus) sampling"),
        In("presence_penalty", "number", 0, "Presence penalty"),
        In("frequency_penalty", "number", 0, "Frequency penalty"),
    ]


DEEPSEEK_R1_OLDER = reference_model(
    "deepseek-ai/deepseek-r1",
    _r1_inputs(20480),
    TEXT_ITERATOR,
    deepseek_r1(opening_tag=True),
    version="d0426501ce0499770ac3d3494e9f3c7c03f9b10e569212f6148a4fd337ec3ece",
    official=True,
    description=_R1_DESCRIPTION,
    created_at="2025-01-29T02:46:11.806773Z",
    run_count=2_200_000,
)

DEEPSEEK_R1 = reference_model(
    "deepseek-ai/deepseek-r1",
    _r1_inputs(2048),
    TEXT_ITERATOR,
    deepseek_r1(opening_tag=False),
    version="f5c66b7abc414e3ade1096d6b49670870a832a23c136bc8b77ca29438fe28eb7",
    official=True,
    description=_R1_DESCRIPTION,
    created_at="2026-04-01T00:00:00.000000Z",
    run_count=2_200_000,
)

QWEN3 = reference_model(
    "replicate-testing/qwen3-8b",
    [
        In("prompt", description="Prompt", required=True),
        In(
            "enable_thinking",
            "boolean",
            default=True,
            description=(
                "Think before answering, in <think> tags (Qwen3's chat template "
                "switch). '/think' and '/no_think' in a user turn switch it per turn."
            ),
        ),
        In(
            "max_tokens",
            "integer",
            4096,
            "Maximum number of tokens to generate, thinking included.",
            minimum=1,
        ),
        In("temperature", "number", 0.6, "Sampling temperature.", minimum=0),
        In("top_p", "number", 0.95, "Top-p (nucleus) sampling.", minimum=0, maximum=1),
        In("top_k", "integer", 20, "Top-k sampling.", minimum=-1),
        In("presence_penalty", "number", 0, "Presence penalty.", minimum=0, maximum=2),
        SEED,
    ],
    TEXT_ITERATOR,
    predict_qwen3,
    description=(
        "Stand-in for a Qwen3 hybrid thinking model (thinks in <think> tags "
        "unless enable_thinking is off)"
    ),
    cog_version="0.14.0",
    created_at="2025-05-01T00:00:00.000000Z",
)

_GPT5_MESSAGES = (
    'A JSON string representing a list of messages. For example: [{"role": "user", '
    '"content": "Hello, how are you?"}]. If provided, prompt and system_prompt are '
    "ignored."
)
_GPT5_VERBOSITY = (
    "Constrains the verbosity of the model's response. Lower values will result in "
    "more concise responses, while higher values will result in more verbose "
    "responses. Currently supported values are low, medium, and high. GPT-5 supports "
    "this parameter to help control whether answers are short and to the point or "
    "long and comprehensive."
)
_GPT5_EFFORT = (
    "Constrains effort on reasoning for GPT-5 models. Currently supported values are "
    "minimal, low, medium, and high. The minimal value gets answers back faster "
    "without extensive reasoning first. Reducing reasoning effort can result in "
    "faster responses and fewer tokens used on reasoning in a response. For higher "
    "reasoning efforts you may need to increase your max_completion_tokens to avoid "
    "empty responses (where all the tokens are used on reasoning)."
)
_GPT5_MAX = (
    "Maximum number of completion tokens to generate. For higher reasoning efforts "
    "you may need to increase your max_completion_tokens to avoid empty responses "
    "(where all the tokens are used on reasoning)."
)


def _gpt5_inputs() -> list[In]:
    return [
        In(
            "prompt",
            nullable=True,
            description=(
                "The prompt to send to the model. Do not use if using messages."
            ),
        ),
        In("messages", "array", [], _GPT5_MESSAGES, items={"type": "object"}),
        In(
            "verbosity",
            default="medium",
            description=_GPT5_VERBOSITY,
            choices=("low", "medium", "high"),
        ),
        In(
            "image_input",
            "array",
            [],
            "List of images to send to the model",
            items={"type": "string", "format": "uri"},
        ),
        In(
            "system_prompt",
            nullable=True,
            description="System prompt to set the assistant's behavior",
        ),
        In(
            "reasoning_effort",
            default="minimal",
            description=_GPT5_EFFORT,
            choices=("minimal", "low", "medium", "high"),
        ),
        In("max_completion_tokens", "integer", description=_GPT5_MAX, nullable=True),
    ]


GPT_5 = reference_model(
    "openai/gpt-5",
    _gpt5_inputs(),
    TEXT_ITERATOR,
    gpt5("gpt-5"),
    version="feacd077889bbeea463bb0314810093c23b2e1b49af8ca6f82975f8c36a2ebd0",
    official=True,
    description="OpenAI's new model excelling at coding, writing, and reasoning.",
    cog_version="0.16.2",
    created_at="2025-08-07T01:46:29.933808Z",
    run_count=1_700_000,
)

GPT_5_MINI = reference_model(
    "openai/gpt-5-mini",
    _gpt5_inputs(),
    TEXT_ITERATOR,
    gpt5("gpt-5-mini"),
    version="8fd5dbfbc0f88570a4ba7f9d529aa02b10ca1f92d77c4ada0a56e549ffda0bae",
    official=True,
    description="Faster version of OpenAI's flagship GPT-5 model",
    cog_version="0.16.2",
    created_at="2025-08-07T01:46:38.852666Z",
    run_count=1_000_000,
)

_ONLY_SONNET = "(only supported for Sonnet 3.7 and Sonnet 4)"

CLAUDE_4_SONNET = reference_model(
    "anthropic/claude-4-sonnet",
    [
        In(
            "image",
            format="uri",
            nullable=True,
            description=(
                "Optional input image. Images are priced as (width px * height "
                "px)/750 input tokens"
            ),
        ),
        In("prompt", nullable=True, description="Input prompt"),
        In(
            "max_tokens",
            "integer",
            8192,
            "Maximum number of output tokens",
            minimum=1024,
            maximum=64000,
        ),
        In("system_prompt", default="", description="System prompt"),
        In(
            "extended_thinking",
            "boolean",
            default=False,
            description=f"Whether to enable extended thinking mode {_ONLY_SONNET}",
        ),
        In(
            "max_image_resolution",
            "number",
            0.5,
            (
                "Maximum image resolution in megapixels. Scales down image before "
                "sending it to Claude, to save time and money."
            ),
            minimum=0.001,
            maximum=2,
        ),
        In(
            "thinking_budget_tokens",
            "integer",
            1024,
            (
                "Maximum number of tokens to use for extended thinking when enabled "
                f"{_ONLY_SONNET}"
            ),
            minimum=1024,
            maximum=64000,
        ),
    ],
    TEXT_ITERATOR,
    predict_claude,
    version="3380fe4ca9cac053c89d1df86a5ba850e61cbef1d474a24abded9516e5a73a04",
    official=True,
    description=(
        "Claude Sonnet 4 is a significant upgrade to 3.7, delivering superior coding "
        "and reasoning while responding more precisely to your instructions"
    ),
    cog_version="0.16.2",
    created_at="2025-05-22T20:42:44.724405Z",
    run_count=2_900_000,
)

GEMINI_2_5_FLASH = reference_model(
    "google/gemini-2.5-flash",
    [
        In(
            "top_p",
            "number",
            0.95,
            (
                "Nucleus sampling parameter - the model considers the results of the "
                "tokens with top_p probability mass"
            ),
            minimum=0,
            maximum=1,
        ),
        In(
            "images",
            "array",
            [],
            "Input images to send with the prompt (max 10 images, each up to 7MB)",
            items={"type": "string", "format": "uri"},
        ),
        In("prompt", nullable=True, description="The text prompt to send to the model"),
        In(
            "videos",
            "array",
            [],
            "Input videos to send with the prompt (max 10 videos, each up to 45 "
            "minutes)",
            items={"type": "string", "format": "uri"},
        ),
        In(
            "temperature",
            "number",
            1,
            "Sampling temperature between 0 and 2",
            minimum=0,
            maximum=2,
        ),
        In(
            "thinking_budget",
            "integer",
            description=(
                "Thinking budget for reasoning (0 to disable thinking, higher values "
                "allow more reasoning)"
            ),
            minimum=0,
            maximum=24576,
            nullable=True,
        ),
        In(
            "dynamic_thinking",
            "boolean",
            default=False,
            description=(
                "Enable dynamic thinking - the model will adjust the thinking budget "
                "based on the complexity of the request (overrides thinking_budget "
                "parameter)"
            ),
        ),
        In(
            "max_output_tokens",
            "integer",
            65535,
            "Maximum number of tokens to generate",
            minimum=1,
            maximum=65535,
        ),
        In(
            "system_instruction",
            nullable=True,
            description="System instruction to guide the model's behavior",
        ),
    ],
    TEXT_ITERATOR,
    predict_gemini,
    version="6585308f2652e91c80134f0e070d01bd66107b68590f50ff601860ea6902e813",
    official=True,
    description=(
        "Google's hybrid \u201cthinking\u201d AI model optimized for speed and "
        "cost-efficiency"
    ),
    cog_version="0.16.2",
    created_at="2025-10-03T20:33:26.026273Z",
    run_count=4_400_000,
)

MODELS = (
    DEEPSEEK_R1,
    DEEPSEEK_R1_OLDER,
    QWEN3,
    GPT_5,
    GPT_5_MINI,
    CLAUDE_4_SONNET,
    GEMINI_2_5_FLASH,
)
"""This family, in the order the server lists them (the newest R1 first)."""
