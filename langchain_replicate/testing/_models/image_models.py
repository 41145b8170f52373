"""What the reference image models do (flux-schnell, stable-diffusion, sdxl).

Each logs tqdm progress per denoising step at the server's pace, then returns
real PNG / JPEG / WebP files of the requested size (rendered by `_models.images`).
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
    seed = values.get("seed")
    return derive_seed(values) if seed is None else int(seed)
