"""Reference language and vision models: schemas copied from the real models.

Data only; what they do is in `langchain_replicate.testing._models.language`
(gpt-5-nano: `_models.reasoning`, with the rest of the GPT-5 family).
"""

from __future__ import annotations

from langchain_replicate.testing._models.language import (
    language_model,
    predict_llava,
)
from langchain_replicate.testing._models.reasoning import gpt5
from langchain_replicate.testing._models.schemas import (
    SEED,
    TEXT_ITERATOR,
    In,
    reference_model,
)

_LLAMA_3_TEMPLATE = (
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
    "{system_prompt}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
    "{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
)
_LLAMA_2_TEMPLATE = "[INST] <<SYS>>\n{system_prompt}\n<</SYS>>\n\n{prompt} [/INST]"
_DOLLY_TEMPLATE = (
    "Below is an instruction that describes a task. Write a response that "
    "appropriately completes the request.\n\n### Instruction:\n{prompt}\n\n"
    "### Response:\n"
)

_STOP = (
    "A comma-separated list of sequences to stop generation at. For example, "
    "'<end>,<stop>' will stop generation at the first instance of 'end' or '<stop>'."
)
_TOP_P = (
    "A probability threshold for generating the output. If < 1.0, only keep the top "
    "tokens with cumulative probability >= top_p (nucleus filtering). Nucleus "
    "filtering is described in Holtzman et al. (http://arxiv.org/abs/1904.09751)."
)
_TOP_K = (
    "The number of highest probability tokens to consider for generating the output. "
    "If > 0, only keep the top k tokens with highest probability (top-k filtering)."
)
_TEMPERATURE = (
    "Adjusts randomness of outputs, greater than 1 is random and 0 is deterministic, "
    "0.75 is a good starting value."
)
_SAMPLE_TOP_P = (
    "When decoding text, samples from the top p percentage of most likely tokens; "
    "lower to ignore less likely tokens"
)
_SAMPLE_TOP_K = (
    "When decoding text, samples from the top k most likely tokens; lower to ignore "
    "less likely tokens"
)
_MAX_WORDS = "Maximum number of tokens to generate. A word is generally 2-3 tokens"
_MESSAGES = (
    'A JSON string representing a list of messages. For example: [{"role": "user", '
    '"content": "Hello, how are you?"}]. If provided, prompt and system_prompt are '
    "ignored."
)

LLAMA_3 = reference_model(
    "meta/meta-llama-3-8b-instruct",
    [
        In("prompt", default="", description="Prompt"),
        In(
            "min_tokens",
            "integer",
            0,
            "The minimum number of tokens the model should generate as output.",
        ),
        In(
            "max_tokens",
            "integer",
            512,
            "The maximum number of tokens the model should generate as output.",
        ),
        In(
            "temperature",
            "number",
            0.6,
            "The value used to modulate the next token probabilities.",
        ),
        In("top_p", "number", 0.9, _TOP_P),
        In("top_k", "integer", 50, _TOP_K),
        In("presence_penalty", "number", 1.15, "Presence penalty"),
        In("frequency_penalty", "number", 0.2, "Frequency penalty"),
        In(
            "prompt_template",
            default=_LLAMA_3_TEMPLATE,
            description=(
                "Prompt template. The string `{prompt}` will be substituted for the "
                "input prompt. If you want to generate dialog output, use this "
                "template as a starting point and construct the prompt string "
                "manually, leaving `prompt_template={prompt}`."
            ),
        ),
        In(
            "system_prompt",
            default="You are a helpful assistant",
            description=(
                "System prompt to send to the model. This is prepended to the prompt "
                "and helps guide system behavior. Ignored for non-chat models."
            ),
        ),
        In("stop_sequences", default="<|end_of_text|>,<|eot_id|>", description=_STOP),
        SEED,
    ],
    TEXT_ITERATOR,
    language_model(max_key="max_tokens", min_key="min_tokens"),
    version="5a6809ca6288247d06daf6365557e5e429063f32a21146b2a807c682652136b8",
    official=True,
    description=(
        "An 8 billion parameter language model from Meta, fine tuned for chat "
        "completions"
    ),
    run_count=50_000_000,
)

LLAMA_2_CHAT = reference_model(
    "a16z-infra/llama13b-v2-chat",
    [
        In("prompt", description="Prompt to send to the model.", required=True),
        In(
            "system_prompt",
            default="You are a helpful assistant.",
            description=(
                "System prompt to send to the model. This is prepended to the prompt "
                "and helps guide system behavior."
            ),
        ),
        In("max_new_tokens", "integer", 128, _MAX_WORDS, minimum=1),
        In(
            "min_new_tokens",
            "integer",
            -1,
            (
                "Minimum number of tokens to generate. To disable, set to -1. A word "
                "is generally 2-3 tokens."
            ),
            minimum=-1,
        ),
        In("temperature", "number", 0.75, _TEMPERATURE, minimum=0.01, maximum=5),
        In(
            "top_p",
            "number",
            0.9,
            _SAMPLE_TOP_P,
            minimum=0,
            maximum=1,
        ),
        In(
            "top_k",
            "integer",
            50,
            _SAMPLE_TOP_K,
            minimum=0,
        ),
        In("stop_sequences", description=_STOP),
        SEED,
        In(
            "debug",
            "boolean",
            default=False,
            description="provide debugging output in logs",
        ),
        In(
            "replicate_weights",
            description=(
                "Path to fine-tuned weights produced by a Replicate fine-tune job."
            ),
        ),
    ],
    TEXT_ITERATOR,
    language_model(
        max_key="max_new_tokens", min_key="min_new_tokens", template=_LLAMA_2_TEMPLATE
    ),
    version="df7690f1994d94e96ad9d568eac121aecf50684a0b0963b25a41cc40061269e5",
    description=(
        "A 13 billion parameter language model from Meta, fine tuned for chat "
        "completions"
    ),
    cog_version="0.8.1",
    created_at="2023-07-21T17:32:19.129357Z",
    run_count=4_000_000,
)

DOLLY = reference_model(
    "replicate/dolly-v2-12b",
    [
        In("prompt", description="Input prompt.", required=True),
        In("max_length", "integer", 500, _MAX_WORDS, minimum=1),
        In("temperature", "number", 0.75, _TEMPERATURE, minimum=0.01, maximum=5),
        In(
            "top_p",
            "number",
            1,
            _SAMPLE_TOP_P,
            minimum=0.01,
            maximum=1,
        ),
        In(
            "top_k",
            "integer",
            50,
            _SAMPLE_TOP_K,
            minimum=1,
        ),
        In(
            "repetition_penalty",
            "number",
            1.2,
            (
                "Penalty for repeated words in generated text; 1 is no penalty, values"
                " greater than 1 discourage repetition, less than 1 encourage it."
            ),
            minimum=0.01,
            maximum=5,
        ),
        In(
            "seed",
            "integer",
            description="Set seed for reproducible outputs. Set to -1 for random seed.",
            minimum=-1,
        ),
    ],
    TEXT_ITERATOR,
    language_model(max_key="max_length", template=_DOLLY_TEMPLATE),
    version="ef0e1aefc61f8e096ebe4db6b2bacc297daf2ef6899f0f7e001ec445893500e5",
    description=(
        "An open source instruction-tuned large language model developed by Databricks"
    ),
    cog_version="0.7.0",
    created_at="2023-04-12T17:52:59.115291Z",
    run_count=460_000,
)

GPT_5_NANO = reference_model(
    "openai/gpt-5-nano",
    [
        In(
            "prompt",
            default="",
            description=(
                "The prompt to send to the model. Do not use if using messages."
            ),
        ),
        In(
            "system_prompt", description="System prompt to set the assistant's behavior"
        ),
        In("messages", "array", [], _MESSAGES, items={"type": "object"}),
        In(
            "image_input",
            "array",
            [],
            "List of images to send to the model",
            items={"type": "string", "format": "uri"},
        ),
        In(
            "max_completion_tokens",
            "integer",
            4096,
            (
                "Maximum number of completion tokens to generate. For higher reasoning"
                " efforts you may need to increase your max_completion_tokens to avoid"
                " empty responses (where all the tokens are used on reasoning)."
            ),
        ),
        In(
            "reasoning_effort",
            default="minimal",
            description=(
                "Constrains effort on reasoning for GPT-5 models. Currently supported "
                "values are minimal, low, medium, and high. The minimal value gets "
                "answers the fastest. Setting this to minimal is faster but less "
                "thorough."
            ),
            choices=("minimal", "low", "medium", "high"),
        ),
        In(
            "verbosity",
            default="medium",
            description=(
                "Constrains the verbosity of the model's response. Lower values will "
                "result in more concise responses, while higher values will result in "
                "more verbose responses. Currently supported values are low, medium, "
                "and high."
            ),
            choices=("low", "medium", "high"),
        ),
    ],
    TEXT_ITERATOR,
    gpt5("gpt-5-nano"),  # a reasoning model, as gpt-5 (`catalogue/reasoning.py`)
    official=True,
    description="Fastest, most cost-effective GPT-5 model from OpenAI",
    cog_version="0.16.2",
    created_at="2025-08-07T17:49:11.000000Z",
    run_count=2_000_000,
)

LLAVA = reference_model(
    "yorickvp/llava-13b",
    [
        In("image", format="uri", description="Input image", required=True),
        In("prompt", description="Prompt to use for text generation", required=True),
        In(
            "top_p",
            "number",
            1.0,
            _SAMPLE_TOP_P,
            minimum=0,
            maximum=1,
        ),
        In(
            "temperature",
            "number",
            0.2,
            (
                "Adjusts randomness of outputs, greater than 1 is random and 0 is "
                "deterministic"
            ),
            minimum=0,
        ),
        In(
            "max_tokens",
            "integer",
            1024,
            "Maximum number of tokens to generate. A word is generally 2-3 tokens",
            minimum=0,
        ),
    ],
    TEXT_ITERATOR,
    predict_llava,
    version="b5f6212d032508382d61ff00469ddda3e32fd8a0e75dc39d8a4191bb742157fb",
    description=(
        "Visual instruction tuning towards large language and vision models with GPT-4"
        " level capabilities"
    ),
    cog_version="0.8.6",
    created_at="2023-12-19T02:33:39.785935Z",
    run_count=25_000_000,
)

MODELS = (LLAMA_3, LLAMA_2_CHAT, DOLLY, GPT_5_NANO, LLAVA)
"""This family, in the order the server lists them."""
