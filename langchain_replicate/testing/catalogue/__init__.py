"""The local server's built-in reference models and deployments: the registry.

Each model copies the schema of a real Replicate model (cog conventions: every
input has `x-order`, choices are `allOf`/`$ref` enums, `required` lists the
inputs without a default) and answers with something real enough to test
against. The catalogue is data only, one module per family:

* `text`: language and vision models (llama-3, llama-2-chat, dolly, gpt-5-nano,
  llava-13b), run by `testing._language`;
* `images`: flux-schnell, stable-diffusion, sdxl, run by `testing._image_models`;
* `granite`: the chat-completions family (IBM Granite 4.0 H Small, 4.1 8B:
  `messages`, `tools`, `response_format`... and JSON output), run by
  `testing._chat_completions` with the rules of `testing._tool_rules`;
* `replicate_testing`: `fails`, `cold-start`, `big-file`, `echo`, run by
  `testing._replicate_testing`;
* `embeddings`: ten embedding models (mpnet, bge, e5, granite-embedding,
  clip-features, snowflake-arctic, gte, imagebind, nomic, jina-clip), run by
  `testing._embeddings`;
* `images` also holds `black-forest-labs/flux-1.1-pro` (official; `$ref` enums
  `aspect_ratio`/`output_format`; one file out, `output.webp`) and
  `openai/gpt-image-1.5` (official; a secret `openai_api_key` input, redacted
  to `**********` in the predictions the server shows; a list of files out);
* `media`: the models for "any model as a tool", run by
  `testing._models.image_models` and `testing._models.media_models`:
  `nightmareai/real-esrgan` (image in, PNG out really scaled by `scale`),
  `openai/whisper` (audio in; object out with `transcription`, `segments`,
  `translation`, `detected_language` and the files `txt_file`, `srt_file`;
  inlined enums), `jaaari/kokoro-82m` (text in, WAV out that whisper reads
  back to the same text), `minimax/video-01` (official; a few seconds of
  per-frame progress logs, then a small Motion-JPEG `output.mp4`);
* `collections`: the collections (`text-to-image`, `super-resolution`,
  `speech-to-text`, `text-to-speech`, `text-to-video`, `language-models`,
  `vision-models`, `embedding-models`) and the docs pages `/v1/search` returns.
* `reasoning`: reasoning models (deepseek-r1 in two versions, a Qwen3-style
  stand-in, gpt-5, gpt-5-mini, claude-4-sonnet, gemini-2.5-flash), run by
  `testing._models.reasoning`.

Adding a reference model:

1. Reuse a predictor (e.g. `language_model(max_key="max_tokens")` from
   `testing._language`) or write one: an async generator taking a
   `PredictionContext` (see `testing._reference`) that yields `str` tokens or
   `GeneratedFile`s, in the behaviour module of its kind (a new kind, e.g.
   embeddings, gets its own `testing/_<kind>.py`).
2. In its family module, declare it as a table:
   `NEW = reference_model("owner/name", [In("prompt", required=True), ...],
   TEXT_ITERATOR, predict, version=..., description=...)` (the DSL is in
   `testing._schemas`), and append `NEW` to that module's `MODELS`.
3. A new family is a new module here with its own `MODELS`; it joins the server
   with one line in `_FAMILIES` below.

The server then lists, validates, runs and documents it; `find_model` finds it.
"""

from __future__ import annotations

from langchain_replicate.testing._models.reference import (
    DocsPage,
    ReferenceCollection,
    ReferenceDeployment,
    ReferenceModel,
)
from langchain_replicate.testing.catalogue import (
    collections,
    embeddings,
    granite,
    images,
    media,
    reasoning,
    replicate_testing,
    text,
)

__all__ = [
    "DOCS_PAGES",
    "REFERENCE_COLLECTIONS",
    "REFERENCE_DEPLOYMENTS",
    "REFERENCE_MODELS",
    "find_deployment",
    "find_model",
]

_FAMILIES = (
    text.MODELS,
    images.MODELS,
    replicate_testing.MODELS,
    granite.MODELS,
    embeddings.MODELS,
    media.MODELS,
    reasoning.MODELS,
)
"""Every family's `MODELS`, in the order the server lists them."""

REFERENCE_MODELS: tuple[ReferenceModel, ...] = tuple(
    model for family in _FAMILIES for model in family
)
"""Every built-in model."""

REFERENCE_DEPLOYMENTS: tuple[ReferenceDeployment, ...] = (
    ReferenceDeployment(owner="replicate-testing", name="llama-3", model=text.LLAMA_3),
)
"""Every built-in deployment."""

REFERENCE_COLLECTIONS: tuple[ReferenceCollection, ...] = collections.COLLECTIONS
"""Every built-in collection."""

DOCS_PAGES: tuple[DocsPage, ...] = collections.DOCS_PAGES
"""The docs pages `/v1/search` can return."""


def find_model(ref: str) -> ReferenceModel | None:
    """The built-in model called `owner/name:version` or a version id.

    `owner/name` alone is its newest version, as on the server.
    """
    name, _, version = ref.partition(":")
    found = [
        model
        for model in REFERENCE_MODELS
        if (model.ref == name and version in ("", model.version))
        or model.version == ref
    ]
    return max(found, key=lambda model: model.created_at, default=None)


def find_deployment(ref: str) -> ReferenceDeployment | None:
    """The built-in deployment named `owner/name`."""
    for deployment in REFERENCE_DEPLOYMENTS:
        if f"{deployment.owner}/{deployment.name}" == ref:
            return deployment
    return None
