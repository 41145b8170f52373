"""The local server's built-in reference models and deployment.

Each model copies the schema of a real Replicate model (cog conventions: every
input has `x-order`, choices are `allOf`/`$ref` enums, `required` lists the
inputs without a default) and answers with something real enough to test
against:

* language models (llama-3, a llama-2-chat, dolly, a gpt-5-nano look-alike and
  the cold-start test model) stream a deterministic reply from `_text`: it
  restates the question, depends on prompt and seed, honours max/min tokens,
  stop sequences and the prompt template, and logs the formatted prompt;
* the vision model (llava-13b) and gpt-5-nano's image inputs read the image and
  state its measured size, format and dominant colour;
* image models (flux-schnell, stable-diffusion, sdxl) log tqdm progress per
  step and return real PNG / JPEG / WebP files of the requested size;
* test models under `replicate-testing/`: `fails`, `cold-start`, `big-file`
  (a streamed BMP of any size) and `echo`.

Schemas are built from `_In` rows, so each model is a table, not code.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import hashlib
import random
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_replicate.testing._embedding_models import EMBEDDING_MODELS
from langchain_replicate.testing._images import (
    CONTENT_TYPES,
    FORMATS,
    ImageFacts,
    encode_image,
    measure_image,
    render_image,
    tqdm_line,
)
from langchain_replicate.testing._images import bmp_chunks as _bmp_chunks
from langchain_replicate.testing._model import (
    GeneratedFile,
    Output,
    Predict,
    PredictionContext,
    ReferenceDeployment,
    ReferenceModel,
)
from langchain_replicate.testing._text import (
    count_tokens,
    derive_seed,
    last_user_turn,
    limit_tokens,
    parse_stop_sequences,
    render_template,
    reply_tokens,
)

__all__ = [
    "BIG_FILE",
    "COLD_START",
    "DOLLY",
    "ECHO",
    "FAILS",
    "FLUX_SCHNELL",
    "GPT_5_NANO",
    "LLAMA_2_CHAT",
    "LLAMA_3",
    "LLAVA",
    "REFERENCE_DEPLOYMENTS",
    "REFERENCE_MODELS",
    "SDXL",
    "STABLE_DIFFUSION",
    "find_deployment",
    "find_model",
    "flux_size",
]

# --- schemas ---------------------------------------------------------------------

_NO_DEFAULT: Any = object()


@dataclass(frozen=True)
class _In:
    """One input of a cog `Input` schema; `x-order` is its position in the list."""

    name: str
    type: str = "string"
    default: Any = _NO_DEFAULT
    description: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    """Make it an enum: `allOf: [$ref]` plus a component schema named after it."""
    format: str | None = None
    items: Mapping[str, Any] | None = None
    required: bool = False

    def schema(self, order: int) -> dict[str, Any]:
        prop: dict[str, Any]
        if self.choices:
            prop = {"allOf": [{"$ref": f"#/components/schemas/{self.name}"}]}
        else:
            prop = {"type": self.type, "title": self.name.replace("_", " ").title()}
        extras = {
            "format": self.format,
            "items": self.items,
            "description": self.description,
            "minimum": self.minimum,
            "maximum": self.maximum,
        }
        prop.update({key: value for key, value in extras.items() if value is not None})
        if self.default is not _NO_DEFAULT:
            prop["default"] = self.default
        prop["x-order"] = order
        return prop


def _input_schema(inputs: Sequence[_In]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "title": "Input"}
    required = [row.name for row in inputs if row.required]
    if required:
        schema["required"] = required
    schema["properties"] = {row.name: row.schema(i) for i, row in enumerate(inputs)}
    return schema


def _enum_schemas(inputs: Sequence[_In]) -> dict[str, Any]:
    return {
        row.name: {
            "title": row.name,
            "description": "An enumeration.",
            "enum": list(row.choices),
            "type": "string",
        }
        for row in inputs
        if row.choices
    }


_TEXT_ITERATOR = {
    "type": "array",
    "items": {"type": "string"},
    "title": "Output",
    "x-cog-array-type": "iterator",
    "x-cog-array-display": "concatenate",
}
_FILE_LIST = {
    "type": "array",
    "items": {"type": "string", "format": "uri"},
    "title": "Output",
}
_ONE_FILE = {"type": "string", "format": "uri", "title": "Output"}
_STRING = {"type": "string", "title": "Output"}


def _model(
    ref: str,
    inputs: Sequence[_In],
    output: Mapping[str, Any],
    predict: Predict,
    *,
    description: str,
    version: str | None = None,
    official: bool = False,
    cog_version: str = "0.9.4",
    created_at: str = "2024-04-17T21:58:45.000000Z",
    run_count: int = 0,
    cold_start: bool = False,
) -> ReferenceModel:
    """A `ReferenceModel` from `owner/name`, its input rows and output.

    Without a `version`, the test models get the SHA-256 of their `owner/name`.
    """
    owner, name = ref.split("/")
    return ReferenceModel(
        owner=owner,
        name=name,
        version=version or hashlib.sha256(ref.encode()).hexdigest(),
        description=description,
        input_schema=_input_schema(inputs),
        output_schema=copy.deepcopy(dict(output)),
        extra_schemas=_enum_schemas(inputs),
        predict=predict,
        official=official,
        cog_version=cog_version,
        created_at=created_at,
        run_count=run_count,
        cold_start=cold_start,
    )


# --- language models ----------------------------------------------------------------

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
) -> AsyncIterator[Output]:
    """Stream the reply to `question` at the server's pace, then log a summary."""
    rng = random.Random(seed)  # noqa: S311 - reproducible text, not security
    reply = reply_tokens(question, rng, facts=facts, min_tokens=min_tokens)
    tokens = limit_tokens(
        reply,
        max_tokens=max_tokens,
        min_tokens=min_tokens,
        stop_sequences=stop_sequences,
    )
    started = time.monotonic()
    count = 0
    for token in tokens:
        delay = ctx.pace.token_interval if count else ctx.pace.time_to_first_token
        if delay > 0:
            await ctx.sleep(delay)
        count += 1
        yield token
    elapsed = time.monotonic() - started
    ctx.log(f"Generated {count} tokens in {elapsed:.2f}s.\n")


def _language_model(
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


async def _look(ctx: PredictionContext, urls: Iterable[str]) -> list[str]:
    """Read and measure each image, logging what was seen."""
    measured = []
    for url in urls:
        facts = await asyncio.to_thread(measure_image, await ctx.read_file(url))
        ctx.log(f"Image: {facts.width}x{facts.height} {facts.format}\n")
        measured.append(facts)
    return _describe(measured)


async def _predict_llava(ctx: PredictionContext) -> AsyncIterator[Output]:
    values = ctx.input
    facts = await _look(ctx, [values["image"]])
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


async def _predict_chat(ctx: PredictionContext) -> AsyncIterator[Output]:
    """gpt-5-nano: `messages` win over `prompt` and `system_prompt`; images measured."""
    values = ctx.input
    images = list(values["image_input"])
    if values["messages"]:
        turns = [
            (message.get("role"), *_split_content(message.get("content")))
            for message in values["messages"]
        ]
        users = [(text, urls) for role, text, urls in turns if role == "user"]
        question, urls = users[-1] if users else ("", [])
        images += urls
        seen = " ".join(text for _, text, _ in turns)
    else:
        seen = f"{values.get('system_prompt') or ''} {values['prompt']}"
        question = last_user_turn(values["prompt"])
    ctx.metrics["input_token_count"] = count_tokens(seen)
    facts = await _look(ctx, images)
    async for token in _speak(
        ctx,
        question,
        derive_seed(values),
        max_tokens=values["max_completion_tokens"],
        facts=facts,
    ):
        yield token


# --- image models -------------------------------------------------------------------


@dataclass(frozen=True)
class _ImageJob:
    prompt: str
    seed: int
    size: tuple[int, int]
    count: int
    steps: int
    extension: str = "png"
    quality: int = 80


async def _paint(ctx: PredictionContext, job: _ImageJob) -> AsyncIterator[Output]:
    """Log tqdm steps at the server's pace, then yield the rendered files."""
    ctx.log(f"Using seed: {job.seed}\n")
    started = time.monotonic()
    for step in range(job.steps + 1):
        if step and ctx.pace.image_step_time > 0:
            await ctx.sleep(ctx.pace.image_step_time)
        ctx.log(tqdm_line(step, job.steps, time.monotonic() - started) + "\n")
    format_name = FORMATS[job.extension]

    def draw(index: int) -> bytes:
        image = render_image(job.prompt, job.seed, index, job.size)
        return encode_image(image, format_name, job.quality)

    for index in range(job.count):
        data = await asyncio.to_thread(draw, index)
        yield GeneratedFile(
            filename=f"out-{index}.{job.extension}",
            content_type=CONTENT_TYPES[format_name],
            size=len(data),
            chunks=functools.partial(iter, (data,)),
        )


_FLUX_SIZES = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "21:9": (1536, 640),
    "3:2": (1216, 832),
    "2:3": (832, 1216),
    "4:5": (896, 1088),
    "5:4": (1088, 896),
    "3:4": (896, 1152),
    "4:3": (1152, 896),
    "9:16": (768, 1344),
    "9:21": (640, 1536),
}
"""flux-schnell's output sizes at 1 megapixel, as cog-flux defines them."""


def flux_size(aspect_ratio: str, megapixels: str) -> tuple[int, int]:
    """flux-schnell's output size; `"0.25"` megapixels halves each side."""
    width, height = _FLUX_SIZES[aspect_ratio]
    if megapixels == "0.25":
        return width // 2, height // 2
    return width, height


async def _predict_flux(ctx: PredictionContext) -> AsyncIterator[Output]:
    values = ctx.input
    job = _ImageJob(
        prompt=values["prompt"],
        seed=_image_seed(values),
        size=flux_size(values["aspect_ratio"], values["megapixels"]),
        count=values["num_outputs"],
        steps=values["num_inference_steps"],
        extension=values["output_format"],
        quality=values["output_quality"],
    )
    async for output in _paint(ctx, job):
        yield output


async def _predict_stable_diffusion(ctx: PredictionContext) -> AsyncIterator[Output]:
    values = ctx.input
    width, _, height = values["image_dimensions"].partition("x")
    job = _ImageJob(
        prompt=values["prompt"],
        seed=_image_seed(values),
        size=(int(width), int(height)),
        count=values["num_outputs"],
        steps=values["num_inference_steps"],
    )
    async for output in _paint(ctx, job):
        yield output


async def _predict_sdxl(ctx: PredictionContext) -> AsyncIterator[Output]:
    """sdxl: txt2img at width x height, or img2img at the input image's size."""
    values = ctx.input
    size = (values["width"], values["height"])
    seed = _image_seed(values)
    if values.get("image"):
        data = await ctx.read_file(values["image"])
        facts = await asyncio.to_thread(measure_image, data)
        size = (facts.width, facts.height)
        ctx.log(f"Prompt: {values['prompt']}\nimg2img mode\n")
    else:
        ctx.log(f"Prompt: {values['prompt']}\ntxt2img mode\n")
    job = _ImageJob(
        prompt=values["prompt"],
        seed=seed,
        size=size,
        count=values["num_outputs"],
        steps=values["num_inference_steps"],
    )
    async for output in _paint(ctx, job):
        yield output


def _image_seed(values: Mapping[str, Any]) -> int:
    seed = values.get("seed")
    return derive_seed(values) if seed is None else int(seed)


# --- test models --------------------------------------------------------------------

_FAILURE = "CUDA out of memory (reference failure)"
_MIB = 1024 * 1024


async def _predict_fails(ctx: PredictionContext) -> AsyncIterator[Output]:
    """Log a few lines, then fail with `_FAILURE`."""
    for line in ("Loading weights", "Allocating 79.2 GiB on cuda:0", "Running predict"):
        ctx.log(f"{line}\n")
        if ctx.pace.token_interval > 0:
            await ctx.sleep(ctx.pace.token_interval)
    raise RuntimeError(_FAILURE)
    yield ""  # pragma: no cover - makes this function an async generator


async def _predict_big_file(ctx: PredictionContext) -> AsyncIterator[Output]:
    """One BMP of `size_mb` MiB, made row by row each time it is read."""
    size = round(ctx.input["size_mb"] * _MIB)
    ctx.log(f"Writing a {size}-byte BMP\n")
    yield GeneratedFile(
        filename="out.bmp",
        content_type="image/bmp",
        size=size,
        chunks=lambda: _bmp_chunks(size),
    )


async def _predict_echo(ctx: PredictionContext) -> AsyncIterator[Output]:
    yield str(ctx.input["text"])


# --- the catalogue ------------------------------------------------------------------

_SEED = _In(
    "seed", "integer", description="Random seed. Leave blank to randomize the seed"
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
_MAX_WORDS = "Maximum number of tokens to generate. A word is generally 2-3 tokens"
_MESSAGES = (
    'A JSON string representing a list of messages. For example: [{"role": "user", '
    '"content": "Hello, how are you?"}]. If provided, prompt and system_prompt are '
    "ignored."
)

LLAMA_3 = _model(
    "meta/meta-llama-3-8b-instruct",
    [
        _In("prompt", default="", description="Prompt"),
        _In(
            "min_tokens",
            "integer",
            0,
            "The minimum number of tokens the model should generate as output.",
        ),
        _In(
            "max_tokens",
            "integer",
            512,
            "The maximum number of tokens the model should generate as output.",
        ),
        _In(
            "temperature",
            "number",
            0.6,
            "The value used to modulate the next token probabilities.",
        ),
        _In("top_p", "number", 0.9, _TOP_P),
        _In("top_k", "integer", 50, _TOP_K),
        _In("presence_penalty", "number", 1.15, "Presence penalty"),
        _In("frequency_penalty", "number", 0.2, "Frequency penalty"),
        _In(
            "prompt_template",
            default=_LLAMA_3_TEMPLATE,
            description=(
                "Prompt template. The string `{prompt}` will be substituted for the "
                "input prompt. If you want to generate dialog output, use this "
                "template as a starting point and construct the prompt string "
                "manually, leaving `prompt_template={prompt}`."
            ),
        ),
        _In(
            "system_prompt",
            default="You are a helpful assistant",
            description=(
                "System prompt to send to the model. This is prepended to the prompt "
                "and helps guide system behavior. Ignored for non-chat models."
            ),
        ),
        _In("stop_sequences", default="<|end_of_text|>,<|eot_id|>", description=_STOP),
        _SEED,
    ],
    _TEXT_ITERATOR,
    _language_model(max_key="max_tokens", min_key="min_tokens"),
    version="5a6809ca6288247d06daf6365557e5e429063f32a21146b2a807c682652136b8",
    official=True,
    description=(
        "An 8 billion parameter language model from Meta, fine tuned for chat "
        "completions"
    ),
    run_count=50_000_000,
)

LLAMA_2_CHAT = _model(
    "a16z-infra/llama13b-v2-chat",
    [
        _In("prompt", description="Prompt to send to the model.", required=True),
        _In(
            "system_prompt",
            default="You are a helpful assistant.",
            description=(
                "System prompt to send to the model. This is prepended to the prompt "
                "and helps guide system behavior."
            ),
        ),
        _In("max_new_tokens", "integer", 128, _MAX_WORDS, minimum=1),
        _In(
            "min_new_tokens",
            "integer",
            -1,
            (
                "Minimum number of tokens to generate. To disable, set to -1. A word "
                "is generally 2-3 tokens."
            ),
            minimum=-1,
        ),
        _In("temperature", "number", 0.75, _TEMPERATURE, minimum=0.01, maximum=5),
        _In(
            "top_p",
            "number",
            0.9,
            (
                "When decoding text, samples from the top p percentage of most likely "
                "tokens; lower to ignore less likely tokens"
            ),
            minimum=0,
            maximum=1,
        ),
        _In(
            "top_k",
            "integer",
            50,
            (
                "When decoding text, samples from the top k most likely tokens; lower "
                "to ignore less likely tokens"
            ),
            minimum=0,
        ),
        _In("stop_sequences", description=_STOP),
        _SEED,
        _In(
            "debug",
            "boolean",
            default=False,
            description="provide debugging output in logs",
        ),
        _In(
            "replicate_weights",
            description=(
                "Path to fine-tuned weights produced by a Replicate fine-tune job."
            ),
        ),
    ],
    _TEXT_ITERATOR,
    _language_model(
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

DOLLY = _model(
    "replicate/dolly-v2-12b",
    [
        _In("prompt", description="Input prompt.", required=True),
        _In("max_length", "integer", 500, _MAX_WORDS, minimum=1),
        _In("temperature", "number", 0.75, _TEMPERATURE, minimum=0.01, maximum=5),
        _In(
            "top_p",
            "number",
            1,
            (
                "When decoding text, samples from the top p percentage of most likely "
                "tokens; lower to ignore less likely tokens"
            ),
            minimum=0.01,
            maximum=1,
        ),
        _In(
            "top_k",
            "integer",
            50,
            (
                "When decoding text, samples from the top k most likely tokens; lower "
                "to ignore less likely tokens"
            ),
            minimum=1,
        ),
        _In(
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
        _In(
            "seed",
            "integer",
            description="Set seed for reproducible outputs. Set to -1 for random seed.",
            minimum=-1,
        ),
    ],
    _TEXT_ITERATOR,
    _language_model(max_key="max_length", template=_DOLLY_TEMPLATE),
    version="ef0e1aefc61f8e096ebe4db6b2bacc297daf2ef6899f0f7e001ec445893500e5",
    description=(
        "An open source instruction-tuned large language model developed by Databricks"
    ),
    cog_version="0.7.0",
    created_at="2023-04-12T17:52:59.115291Z",
    run_count=460_000,
)

GPT_5_NANO = _model(
    "openai/gpt-5-nano",
    [
        _In(
            "prompt",
            default="",
            description=(
                "The prompt to send to the model. Do not use if using messages."
            ),
        ),
        _In(
            "system_prompt", description="System prompt to set the assistant's behavior"
        ),
        _In("messages", "array", [], _MESSAGES, items={"type": "object"}),
        _In(
            "image_input",
            "array",
            [],
            "List of images to send to the model",
            items={"type": "string", "format": "uri"},
        ),
        _In(
            "max_completion_tokens",
            "integer",
            4096,
            (
                "Maximum number of completion tokens to generate. For higher reasoning"
                " efforts you may need to increase your max_completion_tokens to avoid"
                " empty responses (where all the tokens are used on reasoning)."
            ),
        ),
        _In(
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
        _In(
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
    _TEXT_ITERATOR,
    _predict_chat,
    official=True,
    description="Fastest, most cost-effective GPT-5 model from OpenAI",
    cog_version="0.16.2",
    created_at="2025-08-07T17:49:11.000000Z",
    run_count=2_000_000,
)

LLAVA = _model(
    "yorickvp/llava-13b",
    [
        _In("image", format="uri", description="Input image", required=True),
        _In("prompt", description="Prompt to use for text generation", required=True),
        _In(
            "top_p",
            "number",
            1.0,
            (
                "When decoding text, samples from the top p percentage of most likely "
                "tokens; lower to ignore less likely tokens"
            ),
            minimum=0,
            maximum=1,
        ),
        _In(
            "temperature",
            "number",
            0.2,
            (
                "Adjusts randomness of outputs, greater than 1 is random and 0 is "
                "deterministic"
            ),
            minimum=0,
        ),
        _In(
            "max_tokens",
            "integer",
            1024,
            "Maximum number of tokens to generate. A word is generally 2-3 tokens",
            minimum=0,
        ),
    ],
    _TEXT_ITERATOR,
    _predict_llava,
    version="b5f6212d032508382d61ff00469ddda3e32fd8a0e75dc39d8a4191bb742157fb",
    description=(
        "Visual instruction tuning towards large language and vision models with GPT-4"
        " level capabilities"
    ),
    cog_version="0.8.6",
    created_at="2023-12-19T02:33:39.785935Z",
    run_count=25_000_000,
)

FLUX_SCHNELL = _model(
    "black-forest-labs/flux-schnell",
    [
        _In("prompt", description="Prompt for generated image", required=True),
        _In(
            "aspect_ratio",
            default="1:1",
            description="Aspect ratio for the generated image",
            choices=tuple(_FLUX_SIZES),
        ),
        _In(
            "num_outputs",
            "integer",
            1,
            "Number of outputs to generate",
            minimum=1,
            maximum=4,
        ),
        _In(
            "num_inference_steps",
            "integer",
            4,
            (
                "Number of denoising steps. 4 is recommended, and lower number of "
                "steps produce lower quality outputs, faster."
            ),
            minimum=1,
            maximum=4,
        ),
        _In(
            "seed",
            "integer",
            description="Random seed. Set for reproducible generation",
        ),
        _In(
            "output_format",
            default="webp",
            description="Format of the output images",
            choices=("webp", "jpg", "png"),
        ),
        _In(
            "output_quality",
            "integer",
            80,
            (
                "Quality when saving the output images, from 0 to 100. 100 is best "
                "quality, 0 is lowest quality. Not relevant for .png outputs"
            ),
            minimum=0,
            maximum=100,
        ),
        _In(
            "disable_safety_checker",
            "boolean",
            default=False,
            description="Disable safety checker for generated images.",
        ),
        _In(
            "go_fast",
            "boolean",
            default=True,
            description=(
                "Run faster predictions with model optimized for speed (currently fp8 "
                "quantized); disable to run in original bf16"
            ),
        ),
        _In(
            "megapixels",
            default="1",
            description="Approximate number of megapixels for generated image",
            choices=("1", "0.25"),
        ),
    ],
    _FILE_LIST,
    _predict_flux,
    version="c846a69991daf4c0e5d016514849d14ee5b2e6846ce6b9d6f21369e564cfe51e",
    official=True,
    description=(
        "The fastest image generation model tailored for local development and "
        "personal use"
    ),
    cog_version="0.9.25",
    created_at="2024-07-30T00:00:00.000000Z",
    run_count=400_000_000,
)

STABLE_DIFFUSION = _model(
    "stability-ai/stable-diffusion",
    [
        _In(
            "prompt",
            default="a vision of paradise. unreal engine",
            description="Input prompt",
        ),
        _In(
            "image_dimensions",
            default="768x768",
            description="pixel dimensions of output image",
            choices=("512x512", "768x768"),
        ),
        _In("negative_prompt", description="Specify things to not see in the output"),
        _In(
            "num_outputs",
            "integer",
            1,
            "Number of images to output.",
            minimum=1,
            maximum=4,
        ),
        _In(
            "num_inference_steps",
            "integer",
            50,
            "Number of denoising steps",
            minimum=1,
            maximum=500,
        ),
        _In(
            "guidance_scale",
            "number",
            7.5,
            "Scale for classifier-free guidance",
            minimum=1,
            maximum=20,
        ),
        _In(
            "scheduler",
            default="DPMSolverMultistep",
            description="Choose a scheduler.",
            choices=(
                "DDIM",
                "K_EULER",
                "DPMSolverMultistep",
                "K_EULER_ANCESTRAL",
                "PNDM",
                "KLMS",
            ),
        ),
        _SEED,
    ],
    _FILE_LIST,
    _predict_stable_diffusion,
    version="db21e45d3f7023abc2a46ee38a23973f6dce16bb082a930b0c49861f96d1e5bf",
    description=(
        "A latent text-to-image diffusion model capable of generating photo-realistic "
        "images given any text input"
    ),
    cog_version="0.6.1",
    created_at="2023-02-08T22:01:41.357372Z",
    run_count=110_000_000,
)

SDXL = _model(
    "stability-ai/sdxl",
    [
        _In(
            "prompt",
            default="An astronaut riding a rainbow unicorn",
            description="Input prompt",
        ),
        _In("negative_prompt", default="", description="Input Negative Prompt"),
        _In(
            "image", format="uri", description="Input image for img2img or inpaint mode"
        ),
        _In(
            "mask",
            format="uri",
            description=(
                "Input mask for inpaint mode. Black areas will be preserved, white "
                "areas will be inpainted."
            ),
        ),
        _In("width", "integer", 1024, "Width of output image"),
        _In("height", "integer", 1024, "Height of output image"),
        _In(
            "num_outputs",
            "integer",
            1,
            "Number of images to output.",
            minimum=1,
            maximum=4,
        ),
        _In(
            "scheduler",
            default="K_EULER",
            description="scheduler",
            choices=(
                "DDIM",
                "DPMSolverMultistep",
                "HeunDiscrete",
                "KarrasDPM",
                "K_EULER_ANCESTRAL",
                "K_EULER",
                "PNDM",
            ),
        ),
        _In(
            "num_inference_steps",
            "integer",
            50,
            "Number of denoising steps",
            minimum=1,
            maximum=500,
        ),
        _In(
            "guidance_scale",
            "number",
            7.5,
            "Scale for classifier-free guidance",
            minimum=1,
            maximum=50,
        ),
        _In(
            "prompt_strength",
            "number",
            0.8,
            (
                "Prompt strength when using img2img / inpaint. 1.0 corresponds to full"
                " destruction of information in image"
            ),
            minimum=0,
            maximum=1,
        ),
        _SEED,
        _In(
            "refine",
            default="no_refiner",
            description="Which refine style to use",
            choices=("no_refiner", "expert_ensemble_refiner", "base_image_refiner"),
        ),
        _In(
            "high_noise_frac",
            "number",
            0.8,
            "For expert_ensemble_refiner, the fraction of noise to use",
            minimum=0,
            maximum=1,
        ),
        _In(
            "refine_steps",
            "integer",
            description=(
                "For base_image_refiner, the number of steps to refine, defaults to "
                "num_inference_steps"
            ),
        ),
        _In(
            "apply_watermark",
            "boolean",
            default=True,
            description=(
                "Applies a watermark to enable determining if an image is generated in"
                " downstream applications. If you have other provisions for generating"
                " or deploying images safely, you can use this to disable "
                "watermarking."
            ),
        ),
        _In(
            "lora_scale",
            "number",
            0.6,
            "LoRA additive scale. Only applicable on trained models.",
            minimum=0,
            maximum=1,
        ),
        _In(
            "replicate_weights",
            description=(
                "Replicate LoRA weights to use. Leave blank to use the default weights."
            ),
        ),
        _In(
            "disable_safety_checker",
            "boolean",
            default=False,
            description=(
                "Disable safety checker for generated images. This feature is only "
                "available through the API. See [https://replicate.com/docs/how-does-r"
                "eplicate-work#safety](https://replicate.com/docs/how-does-replicate-w"
                "ork#safety)"
            ),
        ),
    ],
    _FILE_LIST,
    _predict_sdxl,
    version="7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc",
    description="A text-to-image generative AI model that creates beautiful images",
    cog_version="0.9.5",
    created_at="2024-05-23T23:26:26.222931Z",
    run_count=70_000_000,
)

FAILS = _model(
    "replicate-testing/fails",
    [_In("prompt", default="", description="Ignored: this model always fails")],
    _STRING,
    _predict_fails,
    description=f"Test model: logs a few lines, then fails with {_FAILURE!r}.",
)

COLD_START = _model(
    "replicate-testing/cold-start",
    [
        _In("prompt", description="Prompt", required=True),
        _In(
            "max_tokens",
            "integer",
            128,
            "The maximum number of tokens to generate.",
            minimum=1,
        ),
        _SEED,
    ],
    _TEXT_ITERATOR,
    _language_model(max_key="max_tokens"),
    description="Test model: a small text model that stays `starting` for a while.",
    cold_start=True,
)

BIG_FILE = _model(
    "replicate-testing/big-file",
    [
        _In(
            "size_mb",
            "number",
            1,
            "Size of the output file in MiB (1 MiB = 1,048,576 bytes).",
            minimum=0.01,
            maximum=1024,
        ),
    ],
    _ONE_FILE,
    _predict_big_file,
    description="Test model: one uncompressed BMP of the requested size, streamed.",
)

ECHO = _model(
    "replicate-testing/echo",
    [_In("text", description="Text to return unchanged", required=True)],
    _STRING,
    _predict_echo,
    description="Test model: returns its input text as a plain string output.",
)

REFERENCE_MODELS: tuple[ReferenceModel, ...] = (
    LLAMA_3,
    LLAMA_2_CHAT,
    DOLLY,
    GPT_5_NANO,
    LLAVA,
    FLUX_SCHNELL,
    STABLE_DIFFUSION,
    SDXL,
    FAILS,
    COLD_START,
    BIG_FILE,
    ECHO,
    *EMBEDDING_MODELS,
)
"""Every built-in model."""

REFERENCE_DEPLOYMENTS: tuple[ReferenceDeployment, ...] = (
    ReferenceDeployment(owner="replicate-testing", name="llama-3", model=LLAMA_3),
)
"""Every built-in deployment."""


def find_model(ref: str) -> ReferenceModel | None:
    """The built-in model called `owner/name`, `owner/name:version` or a version id."""
    name, _, version = ref.partition(":")
    for model in REFERENCE_MODELS:
        if (
            model.ref == name and version in ("", model.version)
        ) or model.version == ref:
            return model
    return None


def find_deployment(ref: str) -> ReferenceDeployment | None:
    """The built-in deployment named `owner/name`."""
    for deployment in REFERENCE_DEPLOYMENTS:
        if f"{deployment.owner}/{deployment.name}" == ref:
            return deployment
    return None
