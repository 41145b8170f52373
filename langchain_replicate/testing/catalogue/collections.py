"""The collections and docs pages the local server lists and searches.

Collections (`GET /v1/collections`, `/v1/collections/{slug}`) group the
reference models by task, with the real collections' slugs; a collection
lists only the models the server actually has (a server started with other
`models` drops the rest, and collections left empty). Docs pages are what
`GET /v1/search` returns under `pages` (`{name, href}`; links to the real
docs, never fetched by the server).
"""

from __future__ import annotations

from langchain_replicate.testing._models.reference import (
    DocsPage,
    ReferenceCollection,
)

COLLECTIONS = (
    ReferenceCollection(
        slug="text-to-image",
        name="Generate images",
        description="Models that generate images from text prompts",
        models=(
            "black-forest-labs/flux-schnell",
            "black-forest-labs/flux-1.1-pro",
            "openai/gpt-image-1.5",
            "stability-ai/sdxl",
            "stability-ai/stable-diffusion",
        ),
        full_description="Turn a text prompt into an image.",
    ),
    ReferenceCollection(
        slug="super-resolution",
        name="Super resolution",
        description=(
            "Upscaling models that create high-quality images from low-quality images"
        ),
        models=("nightmareai/real-esrgan",),
        full_description="Make an image larger and sharper.",
    ),
    ReferenceCollection(
        slug="speech-to-text",
        name="Speech to text",
        description="Models that transcribe speech in audio to text",
        models=("openai/whisper",),
    ),
    ReferenceCollection(
        slug="text-to-speech",
        name="Text to speech",
        description="Models that turn text into natural-sounding speech",
        models=("jaaari/kokoro-82m",),
    ),
    ReferenceCollection(
        slug="text-to-video",
        name="Generate videos",
        description="Models that create and edit videos from text and images",
        models=("minimax/video-01",),
    ),
    ReferenceCollection(
        slug="language-models",
        name="Language models",
        description="Models that can understand and generate text",
        models=(
            "meta/meta-llama-3-8b-instruct",
            "ibm-granite/granite-4.0-h-small",
            "ibm-granite/granite-4.1-8b",
            "openai/gpt-5-nano",
            "a16z-infra/llama13b-v2-chat",
            "replicate/dolly-v2-12b",
        ),
    ),
    ReferenceCollection(
        slug="vision-models",
        name="Vision models",
        description="Models that describe and answer questions about images",
        models=("yorickvp/llava-13b",),
    ),
    ReferenceCollection(
        slug="embedding-models",
        name="Embedding models",
        description="Models that turn text and images into vectors for search",
        models=(
            "replicate/all-mpnet-base-v2",
            "nateraw/bge-large-en-v1.5",
            "beautyyuyanli/multilingual-e5-large",
            "ibm-granite/granite-embedding-278m-multilingual",
            "andreasjansson/clip-features",
            "lucataco/snowflake-arctic-embed-l",
            "mark3labs/embeddings-gte-base",
            "daanelson/imagebind",
            "lucataco/nomic-embed-text-v1",
            "zsxkib/jina-clip-v2",
        ),
    ),
)
"""Every built-in collection, in the order `GET /v1/collections` lists them."""

DOCS_PAGES = (
    DocsPage(
        "Run a model from Python",
        "https://replicate.com/docs/get-started/python",
        ("python", "run", "client"),
    ),
    DocsPage(
        "Create a prediction",
        "https://replicate.com/docs/topics/predictions/create-a-prediction",
        ("prediction", "run", "sync", "wait"),
    ),
    DocsPage(
        "Input files",
        "https://replicate.com/docs/topics/predictions/input-files",
        ("file", "upload", "image", "audio", "url"),
    ),
    DocsPage(
        "Output files",
        "https://replicate.com/docs/topics/predictions/output-files",
        ("file", "output", "image", "audio", "video", "download"),
    ),
    DocsPage(
        "Streaming output",
        "https://replicate.com/docs/topics/predictions/streaming",
        ("stream", "sse", "language", "text"),
    ),
    DocsPage(
        "Upscale images",
        "https://replicate.com/docs/guides/upscaling-images",
        ("upscale", "upscaler", "super-resolution", "image"),
    ),
    DocsPage(
        "Transcribe audio",
        "https://replicate.com/docs/guides/transcribe-audio",
        ("speech", "transcribe", "transcription", "whisper", "audio"),
    ),
    DocsPage(
        "Generate video",
        "https://replicate.com/docs/guides/generate-video",
        ("video", "generate", "text-to-video"),
    ),
    DocsPage(
        "Search for models",
        "https://replicate.com/docs/topics/models/search",
        ("search", "model", "find", "collection"),
    ),
)
"""The docs pages `/v1/search` can return."""
