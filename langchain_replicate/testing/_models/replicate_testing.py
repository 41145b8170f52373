"""What the `replicate-testing/*` models do: fail, stream a big file, echo, think.

(`replicate-testing/cold-start` is a language model; see `_models.language`.)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from langchain_replicate.testing._models.images import bmp_chunks
from langchain_replicate.testing._models.reference import (
    GeneratedFile,
    Output,
    PredictionContext,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

FAILURE = "CUDA out of memory (reference failure)"
_MIB = 1024 * 1024


async def predict_fails(ctx: PredictionContext) -> AsyncIterator[Output]:
    """Log a few lines, then fail with `FAILURE`."""
    for line in ("Loading weights", "Allocating 79.2 GiB on cuda:0", "Running predict"):
        ctx.log(f"{line}\n")
        if ctx.pace.token_interval > 0:
            await ctx.sleep(ctx.pace.token_interval)
    raise RuntimeError(FAILURE)
    yield ""  # pragma: no cover - makes this function an async generator


async def predict_big_file(ctx: PredictionContext) -> AsyncIterator[Output]:
    """One BMP of `size_mb` MiB, made row by row each time it is read."""
    size = round(ctx.input["size_mb"] * _MIB)
    ctx.log(f"Writing a {size}-byte BMP\n")
    yield GeneratedFile(
        filename="out.bmp",
        content_type="image/bmp",
        size=size,
        chunks=lambda: bmp_chunks(size),
    )


async def predict_echo(ctx: PredictionContext) -> AsyncIterator[Output]:
    yield str(ctx.input["text"])


_PIECES = re.compile(r"\s*\S+|\s+")


def think_echo_tokens(prompt: str, *, opening_tag: bool) -> list[str]:
    """The reply of `replicate-testing/think-echo`, token by token.

    A reasoning block (its tags split over two tokens each, as a tokenizer
    without tag tokens writes them), then the prompt, unchanged.
    """
    words = len(prompt.split())
    thought = f"The user wrote {words} words. I will repeat them exactly."
    opening = ["<th", "ink>", "\n"] if opening_tag else []
    return [
        *opening,
        *_PIECES.findall(thought),
        "\n</th",
        "ink>",
        "\n\n",
        *_PIECES.findall(prompt),
    ]


async def predict_think_echo(ctx: PredictionContext) -> AsyncIterator[Output]:
    """Think (deterministically), then echo the prompt; `max_tokens` cuts it."""
    prompt = str(ctx.input["prompt"])
    ctx.metrics["input_token_count"] = len(_PIECES.findall(prompt))
    tokens = think_echo_tokens(prompt, opening_tag=bool(ctx.input["opening_tag"]))
    for count, token in enumerate(tokens[: int(ctx.input["max_tokens"])]):
        delay = ctx.pace.token_interval if count else ctx.pace.time_to_first_token
        if delay > 0:
            await ctx.sleep(delay)
        yield token
