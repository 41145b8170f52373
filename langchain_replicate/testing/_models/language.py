"""What the reference language and vision models do.

Language models (llama-3, llama-2-chat, dolly, the cold-start test model)
stream a deterministic reply from `_models.text`: it restates the question,
depends on prompt and seed, honours max/min tokens, stop sequences and the
prompt template, and logs the formatted prompt. The vision model (llava-13b)
and the GPT-5 models' image inputs read each image and state its measured
size, format and dominant colour. `read_chat_request` reads what a
`messages` / `prompt` + `system_prompt` model (the GPT-5 family, run by
`_models.reasoning`) was asked.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_replicate.testing._models.images import ImageFacts, measure_image
from langchain_replicate.testing._models.prompted import prompted_reply, reply_pieces
from langchain_replicate.testing._models.text import (
    count_tokens,
    derive_seed,
    last_user_turn,
    limit_tokens,
    parse_stop_sequences,
    render_template,
    reply_tokens,
)

if TYPE_CHECKING:
    from langchain_replicate.testing._models.reference import (
        Output,
        Predict,
        PredictionContext,
    )


def _seed(ctx: PredictionContext) -> int:
    """The input's seed, or one derived from the input when none (or -1) is set."""
    seed = ctx.input.get("seed")
    if seed is None or seed < 0:
        seed = derive_seed(ctx.input)
    ctx.log(f"Random seed used: `{seed}`\n")
    return int(seed)


async def _speak(
    ctx: PredictionContext,
    question: str,
    seed: int,
    *,
    max_tokens: int,
    min_tokens: int = 0,
    stop_sequences: Sequence[str] = (),
    facts: Sequence[str] = (),
    prompt: str | Sequence[Mapping[str, Any]] | None = None,
) -> AsyncIterator[Output]:
    """Stream the reply to `question` at the server's pace, then log a summary.

    A `prompt` with tool definitions or a JSON schema is answered as a
    Hermes-trained model would (`_models/prompted.py`).
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible text, not security
    scripted = prompted_reply(prompt)
    reply: Iterable[str] = (
        reply_tokens(question, rng, facts=facts, min_tokens=min_tokens)
        if scripted is None
        else reply_pieces(scripted)
    )
    tokens = limit_tokens(
        reply,
        max_tokens=max_tokens,
        min_tokens=min_tokens,
        stop_sequences=stop_sequences,
    )
    async for token in stream_tokens(ctx, tokens):
        yield token


async def stream_tokens(
    ctx: PredictionContext, tokens: Iterable[str], *, first_delay: float = 0.0
) -> AsyncIterator[Output]:
    """Yield `tokens` at the server's pace, then log how many and how fast.

    Args:
        ctx: The prediction.
        tokens: The text tokens.
        first_delay: Extra wait before the first token (a model thinking
            silently before it answers).
    """
    started = time.monotonic()
    count = 0
    for token in tokens:
        delay = (
            ctx.pace.token_interval
            if count
            else ctx.pace.time_to_first_token + first_delay
        )
        if delay > 0:
            await ctx.sleep(delay)
        count += 1
        yield token
    elapsed = time.monotonic() - started
    ctx.log(f"Generated {count} tokens in {elapsed:.2f}s.\n")


def language_model(
    *, max_key: str, min_key: str | None = None, template: str = "{prompt}"
) -> Predict:
    """A text model: `template` (or the `prompt_template` input) rendered, answered."""

    async def predict(ctx: PredictionContext) -> AsyncIterator[Output]:
        values = ctx.input
        seed = _seed(ctx)
        prompt = render_template(
            str(values.get("prompt_template", template)),
            prompt=str(values.get("prompt") or ""),
            system_prompt=str(values.get("system_prompt") or ""),
        )
        ctx.log(f"Formatted prompt: {prompt}\n")
        ctx.metrics["input_token_count"] = count_tokens(prompt)
        async for token in _speak(
            ctx,
            last_user_turn(prompt),
            seed,
            max_tokens=int(values[max_key]),
            min_tokens=max(int(values[min_key]), 0) if min_key else 0,
            stop_sequences=parse_stop_sequences(values.get("stop_sequences")),
            prompt=prompt,
        ):
            yield token

    return predict


def _describe(measured: Sequence[ImageFacts]) -> list[str]:
    """Sentences stating what was measured from each image."""
    return [
        f"{'The image' if len(measured) == 1 else f'Image {number}'} is "
        f"{facts.width}x{facts.height} pixels in {facts.format} format, and its "
        f"dominant colour is {facts.colour_name} ({facts.colour_hex})."
        for number, facts in enumerate(measured, 1)
    ]


async def look_at_images(ctx: PredictionContext, urls: Iterable[str]) -> list[str]:
    """Read and measure each image, logging what was seen."""
    measured = []
    for url in urls:
        facts = await asyncio.to_thread(measure_image, await ctx.read_file(url))
        ctx.log(f"Image: {facts.width}x{facts.height} {facts.format}\n")
        measured.append(facts)
    return _describe(measured)


async def predict_llava(ctx: PredictionContext) -> AsyncIterator[Output]:
    values = ctx.input
    facts = await look_at_images(ctx, [values["image"]])
    ctx.metrics["input_token_count"] = count_tokens(values["prompt"])
    async for token in _speak(
        ctx,
        values["prompt"],
        derive_seed(values),
        max_tokens=values["max_tokens"],
        facts=facts,
    ):
        yield token


_TEXT_PARTS = frozenset({"text", "input_text"})
_IMAGE_PARTS = frozenset({"image_url", "input_image"})


def _split_content(content: object) -> tuple[str, list[str]]:
    """Text and image URLs of a chat message's content (a string or OpenAI parts)."""
    if isinstance(content, str):
        return content, []
    texts, images = [], []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, Mapping):
            continue
        if part.get("type") in _TEXT_PARTS:
            texts.append(str(part.get("text", "")))
        elif part.get("type") in _IMAGE_PARTS:
            image = part.get("image_url")
            images.append(
                str(image.get("url") if isinstance(image, Mapping) else image)
            )
    return "\n".join(texts), images


@dataclass(frozen=True)
class ChatRequest:
    """What a `messages` / `prompt` + `system_prompt` model was asked."""

    question: str
    """The last user turn's text."""
    images: list[str]
    """Image URLs: `image_input`, then those inside the messages."""
    seen: str
    """All the text the model read (its input tokens)."""
    prompt: str | Sequence[Mapping[str, Any]]
    """What `prompted_reply` reads: the messages, or the prompt text."""


def read_chat_request(values: Mapping[str, Any]) -> ChatRequest:
    """`messages` win over `prompt` and `system_prompt` (OpenAI's models)."""
    images = list(values.get("image_input") or [])
    if values.get("messages"):
        turns = [
            (message.get("role"), *_split_content(message.get("content")))
            for message in values["messages"]
        ]
        users = [(text, urls) for role, text, urls in turns if role == "user"]
        question, urls = users[-1] if users else ("", [])
        seen = " ".join(text for _, text, _ in turns)
        return ChatRequest(question, images + urls, seen, values["messages"])
    seen = f"{values.get('system_prompt') or ''} {values.get('prompt') or ''}"
    question = last_user_turn(str(values.get("prompt") or ""))
    return ChatRequest(question, images, seen, seen)
