"""Test models under `replicate-testing/`: fails, cold-start, big-file, echo, think.

`think-echo` is a reasoning stand-in: a `<think>` block, then the prompt.
Data only; what they do is in `langchain_replicate.testing._models.replicate_testing`
(and `_models.language` for `cold-start`).
"""

from __future__ import annotations

from langchain_replicate.testing._models.language import language_model
from langchain_replicate.testing._models.replicate_testing import (
    FAILURE,
    predict_big_file,
    predict_echo,
    predict_fails,
    predict_think_echo,
)
from langchain_replicate.testing._models.schemas import (
    ONE_FILE,
    SEED,
    STRING,
    TEXT_ITERATOR,
    In,
    reference_model,
)

FAILS = reference_model(
    "replicate-testing/fails",
    [In("prompt", default="", description="Ignored: this model always fails")],
    STRING,
    predict_fails,
    description=f"Test model: logs a few lines, then fails with {FAILURE!r}.",
)

COLD_START = reference_model(
    "replicate-testing/cold-start",
    [
        In("prompt", description="Prompt", required=True),
        In(
            "max_tokens",
            "integer",
            128,
            "The maximum number of tokens to generate.",
            minimum=1,
        ),
        SEED,
    ],
    TEXT_ITERATOR,
    language_model(max_key="max_tokens"),
    description="Test model: a small text model that stays `starting` for a while.",
    cold_start=True,
)

BIG_FILE = reference_model(
    "replicate-testing/big-file",
    [
        In(
            "size_mb",
            "number",
            1,
            "Size of the output file in MiB (1 MiB = 1,048,576 bytes).",
            minimum=0.01,
            maximum=1024,
        ),
    ],
    ONE_FILE,
    predict_big_file,
    description="Test model: one uncompressed BMP of the requested size, streamed.",
)

ECHO = reference_model(
    "replicate-testing/echo",
    [In("text", description="Text to return unchanged", required=True)],
    STRING,
    predict_echo,
    description="Test model: returns its input text as a plain string output.",
)

THINK_ECHO = reference_model(
    "replicate-testing/think-echo",
    [
        In("prompt", description="Prompt", required=True),
        In("system_prompt", default="", description="System prompt (ignored)"),
        In(
            "max_tokens",
            "integer",
            512,
            "The maximum number of tokens to generate (the thinking counts).",
            minimum=1,
        ),
        In(
            "opening_tag",
            "boolean",
            default=True,
            description=(
                "Write the opening <think> tag; false: the reply starts inside "
                "the block, as when a chat template puts <think> in the prompt."
            ),
        ),
    ],
    TEXT_ITERATOR,
    predict_think_echo,
    description=(
        "Test model: a deterministic reasoning block (<think>...</think>, each "
        "tag split over two tokens), then the prompt echoed token by token."
    ),
)

MODELS = (FAILS, COLD_START, BIG_FILE, ECHO, THINK_ECHO)
"""This family, in the order the server lists them."""
