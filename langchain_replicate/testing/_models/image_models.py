"""What the reference image models do (flux, stable-diffusion, sdxl, esrgan).

The generators log tqdm progress per denoising step at the server's pace, then
return real PNG / JPEG / WebP files of the requested size (rendered by
`_models.images`). real-esrgan really upscales its input with Pillow
(Lanczos, by `scale`), logs one tqdm line per tile, and returns a PNG.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_replicate.testing._models.images import (
    CONTENT_TYPES,
    FORMATS,
    encode_image,
    measure_image,
    render_image,
    tqdm_line,
    upscale_image,
)
from langchain_replicate.testing._models.reference import (
    GeneratedFile,
    Output,
    PredictionContext,
)
from langchain_replicate.testing._models.text import derive_seed

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping


@dataclass(frozen=True)
class _ImageJob:
    prompt: str
    seed: int
    size: tuple[int, int]
    count: int
    steps: int
    extension: str = "png"
    quality: int = 80

    name: str = "out-{index}"
    """The file name (without extension); `{index}` is the output's index."""


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
            filename=f"{job.name.format(index=index)}.{job.extension}",
            content_type=CONTENT_TYPES[format_name],
            size=len(data),
            chunks=functools.partial(iter, (data,)),
        )


FLUX_SIZES = {
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
    width, height = FLUX_SIZES[aspect_ratio]
    if megapixels == "0.25":
        return width // 2, height // 2
    return width, height


async def predict_flux(ctx: PredictionContext) -> AsyncIterator[Output]:
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


FLUX_PRO_RATIOS = {
    ratio: FLUX_SIZES[ratio]
    for ratio in ("1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4", "4:3")
}
"""flux-1.1-pro's aspect ratios (besides `custom`) and their sizes."""
FLUX_PRO_STEPS = 28


def _multiple_of_32(value: int) -> int:
    return max(32, round(value / 32) * 32)


async def predict_flux_pro(ctx: PredictionContext) -> AsyncIterator[Output]:
    """flux-1.1-pro: one image; `custom` uses width x height rounded to 32."""
    values = ctx.input
    ratio = values["aspect_ratio"]
    if ratio == "custom":
        size = (
            _multiple_of_32(values.get("width") or 1024),
            _multiple_of_32(values.get("height") or 1024),
        )
    else:
        size = FLUX_PRO_RATIOS[ratio]
    if values.get("image_prompt"):
        await asyncio.to_thread(
            measure_image, await ctx.read_file(values["image_prompt"])
        )
        ctx.log("Using image_prompt with Flux Redux\n")
    job = _ImageJob(
        prompt=values["prompt"],
        seed=_image_seed(values),
        size=size,
        count=1,
        steps=FLUX_PRO_STEPS,
        extension=values["output_format"],
        quality=values["output_quality"],
        name="output",
    )
    async for output in _paint(ctx, job):
        yield output


GPT_IMAGE_SIZES = {"1:1": (1024, 1024), "3:2": (1536, 1024), "2:3": (1024, 1536)}
"""gpt-image-1.5's output sizes."""
_GPT_IMAGE_FORMATS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
_GPT_IMAGE_STEPS = 10


async def predict_gpt_image(ctx: PredictionContext) -> AsyncIterator[Output]:
    """gpt-image-1.5: `number_of_images` images; says whose key it used.

    The secret `openai_api_key` is used, never shown: the log says only
    whether one came (its value is redacted in the prediction's `input`).
    """
    values = ctx.input
    for url in values.get("input_images") or ():
        await asyncio.to_thread(measure_image, await ctx.read_file(url))
    if values.get("openai_api_key"):
        ctx.log("Using your OpenAI API key\n")
    else:
        ctx.log("Using Replicate's OpenAI proxy\n")
    job = _ImageJob(
        prompt=values["prompt"],
        seed=_image_seed(values),
        size=GPT_IMAGE_SIZES[values["aspect_ratio"]],
        count=values["number_of_images"],
        steps=_GPT_IMAGE_STEPS,
        extension=_GPT_IMAGE_FORMATS[values["output_format"]],
        quality=values["output_compression"],
        name="output_{index}",
    )
    async for output in _paint(ctx, job):
        yield output


ESRGAN_MAX_PIXELS = 4096 * 4096
"""The largest output real-esrgan makes here (the real one runs out of GPU memory)."""
_ESRGAN_TILES = 4


async def predict_esrgan(ctx: PredictionContext) -> AsyncIterator[Output]:
    """real-esrgan: the input image scaled by `scale`, as a PNG.

    Raises:
        ValueError: for a `scale` that makes an empty or too large image, or
            an input that is not an image.
    """
    values = ctx.input
    data = await ctx.read_file(values["image"])
    facts = await asyncio.to_thread(measure_image, data)
    scale = float(values["scale"])
    width, height = round(facts.width * scale), round(facts.height * scale)
    if width < 1 or height < 1:
        msg = f"scale {scale:g} makes an empty image from {facts.width}x{facts.height}"
        raise ValueError(msg)
    if width * height > ESRGAN_MAX_PIXELS:
        msg = (
            f"Input image of {facts.width}x{facts.height} at scale {scale:g} would be "
            f"{width}x{height}; the largest output is {ESRGAN_MAX_PIXELS} pixels. "
            "Use a smaller scale or image."
        )
        raise ValueError(msg)
    ctx.log(f"Input {facts.width}x{facts.height} ({facts.format}), scale {scale:g}\n")
    if values["face_enhance"]:
        ctx.log("Running GFPGAN face enhancement\n")
    started = time.monotonic()
    for tile in range(_ESRGAN_TILES + 1):
        if tile and ctx.pace.media_step_time > 0:
            await ctx.sleep(ctx.pace.media_step_time)
        ctx.log(f"Tile {tqdm_line(tile, _ESRGAN_TILES, time.monotonic() - started)}\n")
    png = await asyncio.to_thread(
        upscale_image, data, (width, height), sharpen=values["face_enhance"]
    )
    yield GeneratedFile(
        filename="output.png",
        content_type="image/png",
        size=len(png),
        chunks=functools.partial(iter, (png,)),
    )


async def predict_stable_diffusion(ctx: PredictionContext) -> AsyncIterator[Output]:
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


async def predict_sdxl(ctx: PredictionContext) -> AsyncIterator[Output]:
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
    """The `seed` input, or one derived from the other inputs (not secrets)."""
    seed = values.get("seed")
    if seed is not None:
        return int(seed)
    return derive_seed({k: v for k, v in values.items() if k != "openai_api_key"})
