"""Reference image models: schemas copied from the real models.

`black-forest-labs/flux-1.1-pro` is the FLUX model with one file out
(`Output {type: string, format: uri}`, `output.webp`) and cog's `allOf`/`$ref`
enums (`aspect_ratio` with `custom`, `output_format`); input order and
defaults follow its llms.txt (the x-order values are inferred).

`openai/gpt-image-1.5` has a secret input, `openai_api_key` (`format:
password`, `writeOnly`, `x-cog-secret`), which the server redacts to
`**********` in the prediction it shows; its other x-orders (0, 1, 4, 5, 8,
11) are from a copy of the live schema, the rest and the enum defaults are
inferred. Output: a list of files (`output_0.webp`, ...).

Data only; what they do is in `langchain_replicate.testing._models.image_models`.
"""

from __future__ import annotations

from langchain_replicate.testing._models.image_models import (
    FLUX_PRO_RATIOS,
    FLUX_SIZES,
    GPT_IMAGE_SIZES,
    predict_flux,
    predict_flux_pro,
    predict_gpt_image,
    predict_sdxl,
    predict_stable_diffusion,
)
from langchain_replicate.testing._models.schemas import (
    FILE_LIST,
    ONE_FILE,
    SEED,
    In,
    reference_model,
)

FLUX_SCHNELL = reference_model(
    "black-forest-labs/flux-schnell",
    [
        In("prompt", description="Prompt for generated image", required=True),
        In(
            "aspect_ratio",
            default="1:1",
            description="Aspect ratio for the generated image",
            choices=tuple(FLUX_SIZES),
        ),
        In(
            "num_outputs",
            "integer",
            1,
            "Number of outputs to generate",
            minimum=1,
            maximum=4,
        ),
        In(
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
        In(
            "seed",
            "integer",
            description="Random seed. Set for reproducible generation",
        ),
        In(
            "output_format",
            default="webp",
            description="Format of the output images",
            choices=("webp", "jpg", "png"),
        ),
        In(
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
        In(
            "disable_safety_checker",
            "boolean",
            default=False,
            description="Disable safety checker for generated images.",
        ),
        In(
            "go_fast",
            "boolean",
            default=True,
            description=(
                "Run faster predictions with model optimized for speed (currently fp8 "
                "quantized); disable to run in original bf16"
            ),
        ),
        In(
            "megapixels",
            default="1",
            description="Approximate number of megapixels for generated image",
            choices=("1", "0.25"),
        ),
    ],
    FILE_LIST,
    predict_flux,
    version="c846a69991daf4c0e5d016514849d14ee5b2e6846ce6b9d6f21369e564cfe51e",
    official=True,
    description=(
        "The fastest image generation model tailored for local development and "
        "personal use"
    ),
    cog_version="0.9.25",
    created_at="2024-07-30T00:00:00.000000Z",
    run_count=400_000_000,
    tags=("text-to-image", "image", "flux", "image-generation"),
    github_url="https://github.com/replicate/cog-flux",
    license_url="https://github.com/black-forest-labs/flux/blob/main/model_licenses/LICENSE-FLUX1-schnell",
)

FLUX_PRO = reference_model(
    "black-forest-labs/flux-1.1-pro",
    [
        In("prompt", description="Text prompt for image generation", required=True),
        In(
            "image_prompt",
            format="uri",
            description=(
                "Image to use with Flux Redux. This is used together with the text "
                "prompt to guide the generation towards the composition of the "
                "image_prompt. Must be jpeg, png, gif, or webp."
            ),
        ),
        In(
            "aspect_ratio",
            default="1:1",
            description="Aspect ratio for the generated image",
            choices=("custom", *FLUX_PRO_RATIOS),
        ),
        In(
            "width",
            "integer",
            description=(
                "Width of the generated image in text-to-image mode. Only used when "
                "aspect_ratio=custom. Must be a multiple of 32 (if it's not, it will "
                "be rounded to nearest multiple of 32). Note: Ignored in img2img and "
                "inpainting modes."
            ),
            minimum=256,
            maximum=1440,
        ),
        In(
            "height",
            "integer",
            description=(
                "Height of the generated image in text-to-image mode. Only used when "
                "aspect_ratio=custom. Must be a multiple of 32 (if it's not, it will "
                "be rounded to nearest multiple of 32). Note: Ignored in img2img and "
                "inpainting modes."
            ),
            minimum=256,
            maximum=1440,
        ),
        In(
            "seed",
            "integer",
            description="Random seed. Set for reproducible generation",
        ),
        In(
            "output_format",
            default="webp",
            description="Format of the output images.",
            choices=("webp", "jpg", "png"),
        ),
        In(
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
        In(
            "safety_tolerance",
            "integer",
            2,
            "Safety tolerance, 1 is most strict and 6 is most permissive",
            minimum=1,
            maximum=6,
        ),
        In(
            "prompt_upsampling",
            "boolean",
            default=False,
            description="Automatically modify the prompt for more creative generation",
        ),
    ],
    ONE_FILE,
    predict_flux_pro,
    official=True,
    description=(
        "Faster, better FLUX Pro. Text-to-image model with excellent image quality, "
        "prompt adherence, and output diversity."
    ),
    cog_version="0.13.6",
    created_at="2024-10-02T14:45:09.000000Z",
    run_count=50_000_000,
    tags=("text-to-image", "image", "flux", "image-generation"),
)

GPT_IMAGE = reference_model(
    "openai/gpt-image-1.5",
    [
        In(
            "prompt",
            description="A text description of the desired image",
            required=True,
        ),
        In(
            "openai_api_key",
            description="Your OpenAI API key (optional - uses proxy if not provided)",
            secret=True,
        ),
        In(
            "aspect_ratio",
            default="1:1",
            description="The aspect ratio of the generated image",
            choices=tuple(GPT_IMAGE_SIZES),
        ),
        In(
            "input_fidelity",
            default="low",
            description=(
                "Control how much effort the model will exert to match the style and"
                " features, especially facial features, of input images"
            ),
            choices=("low", "high"),
        ),
        In(
            "input_images",
            "array",
            description="A list of images to use as input for the generation",
            items={"type": "string", "format": "uri"},
            nullable=True,
        ),
        In(
            "number_of_images",
            "integer",
            1,
            "Number of images to generate (1-10)",
            minimum=1,
            maximum=10,
        ),
        In(
            "quality",
            default="auto",
            description="The quality of the generated image",
            choices=("low", "medium", "high", "auto"),
        ),
        In(
            "background",
            default="auto",
            description="Set whether the background is transparent or opaque or auto",
            choices=("auto", "transparent", "opaque"),
        ),
        In(
            "output_compression",
            "integer",
            90,
            "Compression level (0-100%)",
            minimum=0,
            maximum=100,
        ),
        In(
            "output_format",
            default="webp",
            description="Output format",
            choices=("png", "jpeg", "webp"),
        ),
        In(
            "moderation",
            default="auto",
            description="Content moderation level",
            choices=("auto", "low"),
        ),
        In(
            "user_id",
            description=(
                "An optional unique identifier representing your end-user. This "
                "helps OpenAI monitor and detect abuse."
            ),
            nullable=True,
        ),
    ],
    FILE_LIST,
    predict_gpt_image,
    official=True,
    description=(
        "OpenAI's latest image generation model with better instruction following "
        "and adherence to prompts"
    ),
    cog_version="0.16.8",
    created_at="2025-12-16T18:00:00.000000Z",
    run_count=2_000_000,
    tags=("text-to-image", "image-editing", "image", "openai"),
)

STABLE_DIFFUSION = reference_model(
    "stability-ai/stable-diffusion",
    [
        In(
            "prompt",
            default="a vision of paradise. unreal engine",
            description="Input prompt",
        ),
        In(
            "image_dimensions",
            default="768x768",
            description="pixel dimensions of output image",
            choices=("512x512", "768x768"),
        ),
        In("negative_prompt", description="Specify things to not see in the output"),
        In(
            "num_outputs",
            "integer",
            1,
            "Number of images to output.",
            minimum=1,
            maximum=4,
        ),
        In(
            "num_inference_steps",
            "integer",
            50,
            "Number of denoising steps",
            minimum=1,
            maximum=500,
        ),
        In(
            "guidance_scale",
            "number",
            7.5,
            "Scale for classifier-free guidance",
            minimum=1,
            maximum=20,
        ),
        In(
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
        SEED,
    ],
    FILE_LIST,
    predict_stable_diffusion,
    version="db21e45d3f7023abc2a46ee38a23973f6dce16bb082a930b0c49861f96d1e5bf",
    description=(
        "A latent text-to-image diffusion model capable of generating photo-realistic "
        "images given any text input"
    ),
    cog_version="0.6.1",
    created_at="2023-02-08T22:01:41.357372Z",
    run_count=110_000_000,
    tags=("text-to-image", "image", "image-generation"),
)

SDXL = reference_model(
    "stability-ai/sdxl",
    [
        In(
            "prompt",
            default="An astronaut riding a rainbow unicorn",
            description="Input prompt",
        ),
        In("negative_prompt", default="", description="Input Negative Prompt"),
        In(
            "image", format="uri", description="Input image for img2img or inpaint mode"
        ),
        In(
            "mask",
            format="uri",
            description=(
                "Input mask for inpaint mode. Black areas will be preserved, white "
                "areas will be inpainted."
            ),
        ),
        In("width", "integer", 1024, "Width of output image"),
        In("height", "integer", 1024, "Height of output image"),
        In(
            "num_outputs",
            "integer",
            1,
            "Number of images to output.",
            minimum=1,
            maximum=4,
        ),
        In(
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
        In(
            "num_inference_steps",
            "integer",
            50,
            "Number of denoising steps",
            minimum=1,
            maximum=500,
        ),
        In(
            "guidance_scale",
            "number",
            7.5,
            "Scale for classifier-free guidance",
            minimum=1,
            maximum=50,
        ),
        In(
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
        SEED,
        In(
            "refine",
            default="no_refiner",
            description="Which refine style to use",
            choices=("no_refiner", "expert_ensemble_refiner", "base_image_refiner"),
        ),
        In(
            "high_noise_frac",
            "number",
            0.8,
            "For expert_ensemble_refiner, the fraction of noise to use",
            minimum=0,
            maximum=1,
        ),
        In(
            "refine_steps",
            "integer",
            description=(
                "For base_image_refiner, the number of steps to refine, defaults to "
                "num_inference_steps"
            ),
        ),
        In(
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
        In(
            "lora_scale",
            "number",
            0.6,
            "LoRA additive scale. Only applicable on trained models.",
            minimum=0,
            maximum=1,
        ),
        In(
            "replicate_weights",
            description=(
                "Replicate LoRA weights to use. Leave blank to use the default weights."
            ),
        ),
        In(
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
    FILE_LIST,
    predict_sdxl,
    version="7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc",
    description="A text-to-image generative AI model that creates beautiful images",
    cog_version="0.9.5",
    created_at="2024-05-23T23:26:26.222931Z",
    run_count=70_000_000,
    tags=("text-to-image", "image-to-image", "inpainting", "image"),
    github_url="https://github.com/replicate/cog-sdxl",
    paper_url="https://arxiv.org/abs/2307.01952",
)

MODELS = (FLUX_SCHNELL, FLUX_PRO, GPT_IMAGE, STABLE_DIFFUSION, SDXL)
"""This family, in the order the server lists them."""
