"""Real cog `openapi_schema`s of Replicate models (shapes from `model-tools.md`).

Each is a version's `openapi_schema` as the API returns it: inputs in
`components.schemas.Input`, cog's enums as `allOf: [$ref]` to sibling
components (or inlined, as some live schemas have them), the output in
`components.schemas.Output`.
"""

from __future__ import annotations

from typing import Any


def openapi(
    inputs: dict[str, Any],
    output: dict[str, Any],
    *,
    required: list[str],
    enums: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A version's `openapi_schema` (OpenAPI 3.0.2, as cog writes it)."""
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": "0.1.0"},
        "components": {
            "schemas": {
                "Input": {
                    "type": "object",
                    "title": "Input",
                    "required": required,
                    "properties": inputs,
                },
                "Output": output,
                **(enums or {}),
            }
        },
    }


def _enum(name: str, values: list[Any]) -> dict[str, Any]:
    kind = "integer" if isinstance(values[0], int) else "string"
    return {
        "title": name,
        "description": "An enumeration.",
        "enum": values,
        "type": kind,
    }


URI = {"type": "string", "format": "uri"}

# black-forest-labs/flux-schnell (Replicate's OpenAPI docs page): enums by $ref.
FLUX_SCHNELL = openapi(
    {
        "prompt": {
            "type": "string",
            "title": "Prompt",
            "x-order": 0,
            "description": "Prompt for generated image",
        },
        "aspect_ratio": {
            "allOf": [{"$ref": "#/components/schemas/aspect_ratio"}],
            "default": "1:1",
            "x-order": 1,
            "description": "Aspect ratio for the generated image",
        },
        "num_outputs": {
            "type": "integer",
            "title": "Num Outputs",
            "default": 1,
            "minimum": 1,
            "maximum": 4,
            "x-order": 2,
            "description": "Number of outputs to generate",
        },
        "seed": {
            "type": "integer",
            "title": "Seed",
            "x-order": 3,
            "description": "Random seed. Set for reproducible generation",
        },
        "output_format": {
            "allOf": [{"$ref": "#/components/schemas/output_format"}],
            "default": "webp",
            "x-order": 4,
            "description": "Format of the output images",
        },
        "output_quality": {
            "type": "integer",
            "title": "Output Quality",
            "default": 80,
            "minimum": 0,
            "maximum": 100,
            "x-order": 5,
        },
        "disable_safety_checker": {"type": "boolean", "default": False, "x-order": 6},
        "go_fast": {"type": "boolean", "default": True, "x-order": 7},
        "megapixels": {
            "allOf": [{"$ref": "#/components/schemas/megapixels"}],
            "default": "1",
            "x-order": 8,
        },
    },
    {"type": "array", "title": "Output", "items": URI},
    required=["prompt"],
    enums={
        "aspect_ratio": _enum(
            "aspect_ratio",
            [
                "1:1",
                "16:9",
                "21:9",
                "3:2",
                "2:3",
                "4:5",
                "5:4",
                "3:4",
                "4:3",
                "9:16",
                "9:21",
            ],
        ),
        "output_format": _enum("output_format", ["webp", "jpg", "png"]),
        "megapixels": _enum("megapixels", ["1", "0.25"]),
    },
)

# nightmareai/real-esrgan: file in, file out.
REAL_ESRGAN = openapi(
    {
        "image": {**URI, "title": "Image", "x-order": 0, "description": "Input image"},
        "scale": {
            "type": "number",
            "title": "Scale",
            "default": 4,
            "minimum": 0,
            "maximum": 10,
            "x-order": 1,
            "description": "Factor to scale image by",
        },
        "face_enhance": {
            "type": "boolean",
            "title": "Face Enhance",
            "default": False,
            "x-order": 2,
            "description": "Run GFPGAN face enhancement along with upscaling",
        },
    },
    {**URI, "title": "Output"},
    required=["image"],
)

# openai/whisper (llms.txt copy): audio in, an object with text and files out;
# `transcription` inlined as a live schema has it; `segments` has no type.
WHISPER = openapi(
    {
        "audio": {**URI, "title": "Audio", "x-order": 0, "description": "Audio file"},
        "transcription": {
            "enum": ["plain text", "srt", "vtt"],
            "type": "string",
            "title": "transcription",
            "description": "Choose the format for the transcription",
            "default": "plain text",
            "x-order": 1,
        },
        "translate": {
            "type": "boolean",
            "default": False,
            "x-order": 2,
            "description": "Translate the text to English when set to True",
        },
        "language": {
            "type": "string",
            "title": "Language",
            "x-order": 3,
            "description": "Language spoken in the audio",
        },
        "temperature": {"type": "number", "default": 0, "x-order": 4},
        "patience": {"type": "number", "x-order": 5, "nullable": True},
        "suppress_tokens": {"type": "string", "default": "-1", "x-order": 6},
        "initial_prompt": {"type": "string", "x-order": 7, "nullable": True},
        "condition_on_previous_text": {
            "type": "boolean",
            "default": True,
            "x-order": 8,
        },
        "temperature_increment_on_fallback": {
            "type": "number",
            "default": 0.2,
            "x-order": 9,
        },
        "compression_ratio_threshold": {
            "type": "number",
            "default": 2.4,
            "x-order": 10,
        },
        "logprob_threshold": {"type": "number", "default": -1, "x-order": 11},
        "no_speech_threshold": {"type": "number", "default": 0.6, "x-order": 12},
    },
    {
        "type": "object",
        "title": "Output",
        "required": ["detected_language", "transcription"],
        "properties": {
            "segments": {"title": "Segments"},
            "srt_file": {**URI, "title": "Srt File"},
            "txt_file": {**URI, "title": "Txt File"},
            "translation": {"type": "string", "title": "Translation"},
            "transcription": {"type": "string", "title": "Transcription"},
            "detected_language": {"type": "string", "title": "Detected Language"},
        },
    },
    required=["audio"],
)

# minimax/speech-02-turbo: text in, an mp3 out.
MINIMAX_SPEECH = openapi(
    {
        "text": {"type": "string", "x-order": 0, "description": "Text to speech"},
        "voice_id": {"type": "string", "default": "Wise_Woman", "x-order": 1},
        "speed": {
            "type": "number",
            "default": 1,
            "minimum": 0.5,
            "maximum": 2,
            "x-order": 2,
        },
        "pitch": {
            "type": "integer",
            "default": 0,
            "minimum": -12,
            "maximum": 12,
            "x-order": 3,
        },
        "emotion": {
            "allOf": [{"$ref": "#/components/schemas/emotion"}],
            "default": "auto",
            "x-order": 4,
        },
    },
    {**URI, "title": "Output"},
    required=["text"],
    enums={"emotion": _enum("emotion", ["auto", "neutral", "happy", "sad"])},
)

# google/gemini-2.5-flash: a concatenate iterator of text.
GEMINI = openapi(
    {"prompt": {"type": "string", "x-order": 0}},
    {
        "type": "array",
        "items": {"type": "string"},
        "title": "Output",
        "x-cog-array-type": "iterator",
        "x-cog-array-display": "concatenate",
    },
    required=["prompt"],
)

# A gpt-image wrapper with a secret input (cog `Secret`).
GPT_IMAGE = openapi(
    {
        "prompt": {"type": "string", "x-order": 0},
        "openai_api_key": {
            "type": "string",
            "format": "password",
            "writeOnly": True,
            "x-order": 1,
            "x-cog-secret": True,
            "description": "Your OpenAI API key",
        },
        "quality": {
            "enum": ["low", "medium", "high", "auto"],
            "type": "string",
            "default": "auto",
            "x-order": 2,
        },
    },
    {"type": "array", "items": URI, "title": "Output"},
    required=["prompt", "openai_api_key"],
)

# A wavespeed Wan 2.1 image-to-video schema: nullable seed, inline enum.
WAN_I2V = openapi(
    {
        "image": {**URI, "x-order": 0},
        "prompt": {"type": "string", "x-order": 1},
        "fast_mode": {
            "enum": ["Off", "Balanced", "Fast"],
            "type": "string",
            "default": "Balanced",
            "x-order": 2,
        },
        "sample_steps": {
            "type": "integer",
            "default": 30,
            "minimum": 1,
            "maximum": 40,
            "x-order": 3,
        },
        "lora_weights": {"type": "string", "nullable": True, "x-order": 4},
        "seed": {"type": "integer", "nullable": True, "x-order": 5},
    },
    {**URI, "title": "Output"},
    required=["image", "prompt"],
)

# hvision-nku/storydiffusion: an object with a file and a list of files.
STORYDIFFUSION = openapi(
    {"comic_description": {"type": "string", "x-order": 0}},
    {
        "type": "object",
        "title": "ModelOutput",
        "required": ["comic", "individual_images"],
        "properties": {
            "comic": URI,
            "individual_images": {"type": "array", "items": URI},
        },
    },
    required=["comic_description"],
)
