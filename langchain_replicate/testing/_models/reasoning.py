r"""What the reference reasoning models do: think, then answer (deterministic).

Two kinds of reasoning model run on Replicate, and the reference models copy
both (schemas in `catalogue/reasoning.py`; facts and sources in the project's
`reasoning-models.md`):

**Thinking in the text** (`think_in_text`): the thoughts are part of the
output stream, in `<think>` tags, then the answer.

* `deepseek-ai/deepseek-r1`, current version (`f5c66b7a`): the chat template
  puts `<think>\n` in the prompt, so the reply has no opening tag:
  `thoughts\n</think>\n\nanswer`. The older version (`d0426501`) writes the
  opening tag itself: `<think>\nthoughts\n</think>\n\nanswer`. (No Replicate
  page says which version does what; upstream changed the template in between,
  so the reference gives the older version the old behaviour.) A question of
  one or two words (a greeting) gets an empty block, `<think>\n\n</think>`, as
  R1 does when it bypasses thinking on trivial prompts.
* `replicate-testing/qwen3-8b`: a stand-in for a Qwen3 hybrid thinking model
  (no Qwen3 thinking schema was found on Replicate). `enable_thinking` (True)
  is Qwen3's chat-template switch: on, the reply is
  `<think>\nthoughts\n</think>\n\nanswer`; off, the answer alone. A `/no_think`
  in the last user turn (the last of `/think` and `/no_think` wins) gives an
  empty block, as the Qwen3 model card describes.

Both count `max_tokens` over thoughts and answer together, so a small budget
ends the reply inside the thoughts (an unclosed `<think>`). Tool and JSON
prompts are answered after the thoughts (`_models.prompted`), and a reply the
prompt already began (a pre-filled `<tool_call>`) is continued without thinking.

**Thinking hidden** (`think_silently`): the output is the answer alone; the
thinking shows only in the wait before the first token, in
`output_token_count` (thinking tokens are billed as output) and, for GPT-5, in
the logs.

* `openai/gpt-5`, `openai/gpt-5-mini`: `reasoning_effort` (minimal: none at
  all, low, medium, high: more and more reasoning tokens) and
  `max_completion_tokens`, which covers reasoning and answer: when the
  reasoning uses it up, the output is empty (as the schema warns).
  `verbosity` low stops after the first paragraph, high writes at least 300
  tokens. The logs end as GPT-5's do on Replicate:
  `Model variant: gpt-5`, `Input token count: N`, `Output token count: M`,
  `  - Reasoning tokens: R`, `Total token count: T`, `TTFT: 0.22s`.
* `anthropic/claude-4-sonnet`: thinks only with `extended_thinking`, at most
  `thinking_budget_tokens`; `max_tokens` covers thinking and answer.
* `google/gemini-2.5-flash`: `thinking_budget` 0 turns thinking off; unset, or
  with `dynamic_thinking`, the model decides; otherwise at most the budget.
  `max_output_tokens` covers thinking and answer.

How much a hidden thinker wants to think (`thinking_demand`) grows with the
effort and with the question's content words; the same input always gives
the same count.
"""

from __future__ import annotations

import random
import re
import time
from typing import TYPE_CHECKING, Any

from langchain_replicate.testing._models.language import (
    look_at_images,
    read_chat_request,
    stream_tokens,
)
from langchain_replicate.testing._models.prompted import prompted_reply, reply_pieces
from langchain_replicate.testing._models.text import (
    count_tokens,
    derive_seed,
    keywords,
    last_user_turn,
    limit_tokens,
    reply_tokens,
    split_tokens,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence

    from langchain_replicate.testing._models.reference import (
        Output,
        Predict,
        PredictionContext,
    )

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"
_BRIEF_WORDS = 2
"""A question of at most this many words gets an empty think block (R1)."""
_SWITCH = re.compile(r"/(no_)?think\b")
_OPEN_CALL = re.compile(r"<tool_call>\s*(?:\{[^{}]*)?\Z")

_OPENINGS = (
    'Okay, the user is asking: "{q}". Let me think about {a}.',
    'Alright, so the question is "{q}". It seems to be about {a}.',
    'Hmm, the user wants to know "{q}". First, what does {a} mean here?',
)
_STEPS = (
    "I should recall what {a} means in this context.",
    "Maybe {a} is related to {b}; let me check that.",
    "Wait, does {b} really depend on {a}? I think it does, through the {noun}.",
    "Let me consider a {adj} example of {a}.",
    "So the key point is the {noun} of {a}.",
    "I should keep the answer {adj} and still mention {b}.",
    "On second thought, the {noun} matters more than I assumed.",
)
_CLOSINGS = (
    "Okay, I think I have enough to answer.",
    "Alright, let me write the answer.",
)
_NOUNS = ("structure", "history", "context", "balance", "method", "result")
_ADJECTIVES = ("short", "clear", "concrete", "careful", "simple")
_FALLBACK = ("the question", "the topic")

_EFFORT_TOKENS = {"none": 0, "minimal": 0, "low": 64, "medium": 256, "high": 1024}
"""Reasoning tokens a hidden thinker spends per effort, before the question's
own share (see `thinking_demand`)."""
_THINK_SECONDS_PER_TOKEN = 1 / 64
"""Silent thinking takes this many token intervals per reasoning token."""


# -- thoughts in the text ------------------------------------------------------------


def thought_text(question: str, rng: random.Random, *, sentences: int = 4) -> str:
    """The thoughts about `question`: an opening, some steps, a closing."""
    words = keywords(question) or list(_FALLBACK)
    quoted = " ".join(question.split()[:12]) or "(empty)"

    def fill(template: str) -> str:
        a = rng.choice(words)
        b = rng.choice([w for w in words if w != a] or list(_FALLBACK))
        return template.format(
            q=quoted,
            a=a,
            b=b,
            noun=rng.choice(_NOUNS),
            adj=rng.choice(_ADJECTIVES),
        )

    steps = rng.sample(_STEPS, min(sentences, len(_STEPS)))
    middle = " ".join(fill(step) for step in steps)
    return f"{fill(rng.choice(_OPENINGS))}\n\n{middle}\n\n{rng.choice(_CLOSINGS)}"


def _text_tokens(text: str) -> Iterator[str]:
    """`text` as tokens: words and marks per line, each line break its own token."""
    for index, line in enumerate(text.split("\n")):
        if index:
            yield "\n"
        yield from split_tokens(line)


def _answer_tokens(
    question: str, rng: random.Random, prompt: str | Sequence[Mapping[str, Any]]
) -> Iterable[str]:
    scripted = prompted_reply(prompt)
    if scripted is None:
        return reply_tokens(question, rng)
    return reply_pieces(scripted)


def think_in_text(
    question: str,
    rng: random.Random,
    *,
    prompt: str,
    opening_tag: bool,
    empty: bool = False,
) -> Iterator[str]:
    r"""A reply that thinks in `<think>` tags, then answers, as tokens.

    Args:
        question: The last user turn.
        rng: The source of every choice.
        prompt: The whole prompt (read for tools and JSON schemas).
        opening_tag: Write `<think>`; without it the reply starts with the
            thoughts (the template put the tag in the prompt).
        empty: Think nothing: `<think>\n\n</think>` (`\n</think>` without
            the opening tag).
    """
    if _OPEN_CALL.search(prompt.rstrip()):
        # The prompt began the reply (a pre-filled tool call): just continue it.
        yield from _answer_tokens(question, rng, prompt)
        return
    if opening_tag:  # else the template's `<think>\n` is already in the prompt
        yield OPEN_TAG
        yield "\n"
    if not empty:
        yield from _text_tokens(thought_text(question, rng))
    yield "\n"
    yield CLOSE_TAG
    yield "\n\n"
    yield from _answer_tokens(question, rng, prompt)


def _is_brief(question: str) -> bool:
    return len(question.split()) <= _BRIEF_WORDS


def deepseek_r1(*, opening_tag: bool) -> Predict:
    """DeepSeek-R1: always thinks, in the text; `opening_tag`: the older template."""

    async def predict(ctx: PredictionContext) -> AsyncIterator[Output]:
        values = ctx.input
        prompt = str(values["prompt"])
        question = last_user_turn(prompt)
        ctx.metrics["input_token_count"] = count_tokens(prompt)
        rng = random.Random(derive_seed(values))  # noqa: S311 - reproducible text
        tokens = think_in_text(
            question,
            rng,
            prompt=prompt,
            opening_tag=opening_tag,
            empty=_is_brief(question),
        )
        async for token in stream_tokens(
            ctx, limit_tokens(tokens, max_tokens=int(values["max_tokens"]))
        ):
            yield token

    return predict


def _thinking_switched_off(question: str) -> bool:
    """Qwen3's soft switch: the last `/think` or `/no_think` in the turn wins."""
    switches = _SWITCH.findall(question)
    return bool(switches) and switches[-1] == "no_"


async def predict_qwen3(ctx: PredictionContext) -> AsyncIterator[Output]:
    """A Qwen3 hybrid model: `<think>` blocks unless `enable_thinking` is off."""
    values = ctx.input
    prompt = str(values["prompt"])
    question = last_user_turn(prompt)
    seed = values.get("seed")
    seed = derive_seed(values) if seed is None or seed < 0 else int(seed)
    ctx.log(f"Random seed used: `{seed}`\n")
    ctx.metrics["input_token_count"] = count_tokens(prompt)
    rng = random.Random(seed)  # noqa: S311 - reproducible text
    shown = _SWITCH.sub("", question).strip()
    tokens: Iterable[str]
    if values["enable_thinking"]:
        tokens = think_in_text(
            shown,
            rng,
            prompt=prompt,
            opening_tag=True,
            empty=_thinking_switched_off(question),
        )
    else:
        tokens = _answer_tokens(shown, rng, prompt)
    async for token in stream_tokens(
        ctx, limit_tokens(tokens, max_tokens=int(values["max_tokens"]))
    ):
        yield token


# -- hidden thinking -----------------------------------------------------------------


def thinking_demand(question: str, effort: str) -> int:
    """How many reasoning tokens a hidden thinker wants for `question` at `effort`.

    Zero for `none` and `minimal`; otherwise the effort's base, a share per
    content word of the question, and up to a quarter more, chosen by the
    question alone (so a budget or another setting does not change it).
    """
    base = _EFFORT_TOKENS.get(effort, _EFFORT_TOKENS["medium"])
    if base == 0:
        return 0
    demand = base + base // 8 * len(keywords(question))
    jitter = random.Random(question).randint(0, demand // 4)  # noqa: S311
    return demand + jitter


def _by_verbosity(question: str, rng: random.Random, verbosity: str) -> Iterator[str]:
    """The answer, cut after its first paragraph (low) or made long (high)."""
    tokens = reply_tokens(question, rng, min_tokens=300 if verbosity == "high" else 0)
    for token in tokens:
        if verbosity == "low" and token.startswith("\n"):
            return
        yield token


async def think_silently(
    ctx: PredictionContext,
    answer: Iterable[str],
    *,
    reasoning: int,
    budget: int | None,
) -> AsyncIterator[Output]:
    """Spend `reasoning` hidden tokens, then stream what is left of the answer.

    `budget` (if set) covers reasoning and answer together: the reasoning is
    cut to it and the answer gets the rest (none at all: an empty output).
    The output token count (reasoning included) goes to `ctx.metrics`.
    """
    if budget is not None:
        reasoning = min(reasoning, budget)
        answer = limit_tokens(answer, max_tokens=budget - reasoning)
    think = reasoning * ctx.pace.token_interval * _THINK_SECONDS_PER_TOKEN
    count = 0
    async for token in stream_tokens(ctx, answer, first_delay=think):
        count += 1
        yield token
    if not count and think > 0:
        await ctx.sleep(think)
    ctx.metrics["output_token_count"] = count + reasoning


def gpt5(variant: str) -> Predict:
    """An OpenAI GPT-5 model (`variant`, e.g. `gpt-5-mini`, as its logs name it)."""

    async def predict(ctx: PredictionContext) -> AsyncIterator[Output]:
        values = ctx.input
        started = time.monotonic()
        request = read_chat_request(values)
        input_tokens = count_tokens(request.seen)
        ctx.metrics["input_token_count"] = input_tokens
        facts = await look_at_images(ctx, request.images)
        rng = random.Random(derive_seed(values))  # noqa: S311 - reproducible text
        reasoning = thinking_demand(request.question, values["reasoning_effort"])
        scripted = prompted_reply(request.prompt)
        answer: Iterable[str]
        if scripted is not None:
            answer = reply_pieces(scripted)
        elif facts:
            answer = reply_tokens(request.question, rng, facts=facts)
        else:
            answer = _by_verbosity(request.question, rng, values["verbosity"])
        first_at: float | None = None
        async for token in think_silently(
            ctx,
            answer,
            reasoning=reasoning,
            budget=values.get("max_completion_tokens"),
        ):
            first_at = first_at or time.monotonic()
            yield token
        output = int(ctx.metrics["output_token_count"])
        budget = values.get("max_completion_tokens")
        spent = min(reasoning, budget) if budget is not None else reasoning
        ttft = (first_at or time.monotonic()) - started
        ctx.log(
            f"Model variant: {variant}\n"
            f"Input token count: {input_tokens}\n"
            f"Output token count: {output}\n"
            f"  - Reasoning tokens: {spent}\n"
            f"Total token count: {input_tokens + output}\n"
            f"TTFT: {ttft:.2f}s\n"
        )

    return predict


def _prompt_and_system(values: Mapping[str, Any], system_key: str) -> str:
    return f"{values.get(system_key) or ''} {values.get('prompt') or ''}"


async def predict_claude(ctx: PredictionContext) -> AsyncIterator[Output]:
    """Claude 4 Sonnet: hidden extended thinking within `thinking_budget_tokens`."""
    values = ctx.input
    prompt = str(values.get("prompt") or "")
    question = last_user_turn(prompt)
    ctx.metrics["input_token_count"] = count_tokens(
        _prompt_and_system(values, "system_prompt")
    )
    facts = await look_at_images(ctx, [values["image"]] if values.get("image") else [])
    rng = random.Random(derive_seed(values))  # noqa: S311 - reproducible text
    reasoning = 0
    if values["extended_thinking"]:
        wanted = max(thinking_demand(question, "high"), 1024)
        reasoning = min(wanted, int(values["thinking_budget_tokens"]))
    scripted = prompted_reply(prompt)
    answer = (
        reply_tokens(question, rng, facts=facts)
        if scripted is None
        else reply_pieces(scripted)
    )
    async for token in think_silently(
        ctx, answer, reasoning=reasoning, budget=int(values["max_tokens"])
    ):
        yield token


async def predict_gemini(ctx: PredictionContext) -> AsyncIterator[Output]:
    """Gemini 2.5 Flash: hidden thinking, `thinking_budget` 0 off, dynamic otherwise."""
    values = ctx.input
    prompt = str(values.get("prompt") or "")
    question = last_user_turn(prompt)
    ctx.metrics["input_token_count"] = count_tokens(
        _prompt_and_system(values, "system_instruction")
    )
    facts = await look_at_images(ctx, values.get("images") or [])
    rng = random.Random(derive_seed(values))  # noqa: S311 - reproducible text
    wanted = thinking_demand(question, "medium")
    budget = values.get("thinking_budget")
    if values["dynamic_thinking"] or budget is None:
        reasoning = wanted
    else:
        reasoning = min(wanted, int(budget))
    scripted = prompted_reply(prompt)
    answer = (
        reply_tokens(question, rng, facts=facts)
        if scripted is None
        else reply_pieces(scripted)
    )
    async for token in think_silently(
        ctx, answer, reasoning=reasoning, budget=int(values["max_output_tokens"])
    ):
        yield token
