"""The contract between the local server and the reference models it runs.

A reference model is data (owner, name, version, the cog OpenAPI `Input`/`Output`
schemas) plus one async generator, `predict`, that yields the prediction's
outputs one at a time:

* a `str` is a text token (iterator models) or the whole text (string models);
* a `GeneratedFile` is one output file; the server stores it and hands out a URL
  (or a `data:` URI in sync mode);
* a `JsonOutput` is the whole output of a model that returns a value rather
  than an iterator (embedding models: vectors, objects); like cog, the
  prediction's `output` stays `null` until the model returns it. Its `files`
  are the object's file fields (whisper's `txt_file`, `srt_file`): the server
  stores each and puts its URL (or `data:` URI in sync mode) at that key.

The server owns everything around `predict`: validating the input against
`input_schema` (defaults filled in), the lifecycle, timing metrics
(`predict_time`, `total_time`, `time_to_first_token`, `tokens_per_second`,
`output_token_count` = number of `str` tokens yielded, unless the model reports
its own in `ctx.metrics`, e.g. with hidden reasoning tokens), cancellation (it cancels
the task running `predict`, so the next `await` raises `CancelledError`),
logs, SSE, and how outputs are shaped from `output_schema` (an array schema
gives a list, a plain one a single value).

Models pace themselves with `await ctx.sleep(...)` using `ctx.settings`, so a
cancel stops them between two tokens and nothing after it is produced or counted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ModelPace:
    """How fast the reference models work, in seconds (zero: as fast as possible)."""

    time_to_first_token: float = 0.020
    """Delay before a language model's first token."""
    token_interval: float = 0.010
    """Delay between two tokens of a language model."""
    image_step_time: float = 0.010
    """Delay per denoising step of an image model (each step logs a tqdm line)."""
    cold_start: float = 2.0
    """How long the cold-start test model stays `starting` before it runs."""
    video_step_time: float = 0.15
    """Delay per generated frame of a video model (each frame logs a tqdm
    line); the default makes minimax/video-01 run for about 4 seconds."""
    media_step_time: float = 0.01
    """Delay per step of the other media models (upscaling tiles, speech
    segments, transcription windows)."""


@dataclass(frozen=True)
class GeneratedFile:
    """One output file made by a model.

    `chunks` is called each time the bytes are needed and yields them piece by
    piece, so a file of hundreds of MB is never held in memory whole.
    """

    filename: str
    """Name the server puts at the end of the file URL, e.g. `out-0.png`."""
    content_type: str
    """MIME type served with the bytes, e.g. `image/png`."""
    size: int
    """Length in bytes."""
    chunks: Callable[[], Iterator[bytes]]
    """Yields the content, in pieces."""


@dataclass(frozen=True)
class JsonOutput:
    """The whole output of a model that returns a JSON value (not an iterator)."""

    value: Any
    """Lists, objects, numbers: sent as the prediction's `output` unchanged."""
    files: Mapping[str, GeneratedFile] = field(default_factory=dict)
    """File fields of an object `value`: each is stored and its URL set at
    its key (so `value` holds the object's other fields)."""


Output = str | GeneratedFile | JsonOutput


class PredictionContext(Protocol):
    """What a running prediction offers its model."""

    @property
    def input(self) -> Mapping[str, Any]:
        """The validated input, with schema defaults filled in."""

    @property
    def pace(self) -> ModelPace:
        """The server's configured pace."""

    @property
    def metrics(self) -> dict[str, Any]:
        """Extra metrics the model reports (e.g. `input_token_count`)."""

    def log(self, text: str) -> None:
        """Append `text` to the prediction's logs (include the trailing newline)."""

    async def sleep(self, seconds: float) -> None:
        """Wait, as the model's compute time; cancellation lands here."""

    async def read_file(self, url: str) -> bytes:
        """Return the bytes behind a file input.

        Accepts `data:` URIs and URLs of the server's own files and outputs.

        Raises:
            ValueError: if the URL is neither (the prediction then fails with
                that message).
        """


Predict = Callable[[PredictionContext], AsyncIterator[Output]]


@dataclass(frozen=True)
class ReferenceModel:
    """A built-in model of the local server."""

    owner: str
    name: str
    version: str
    """64 lowercase hex characters."""
    description: str
    input_schema: dict[str, Any]
    """`components.schemas.Input`, as cog generates it (x-order, title, defaults...)."""
    output_schema: dict[str, Any]
    """`components.schemas.Output`."""
    predict: Predict
    official: bool = False
    """Official models run through `/v1/models/{owner}/{name}/predictions`."""
    extra_schemas: Mapping[str, Any] = field(default_factory=dict)
    """Other `components.schemas` entries, e.g. enum schemas referenced by `$ref`."""
    cog_version: str = "0.9.4"
    created_at: str = "2024-04-17T21:58:45.000000Z"
    run_count: int = 0
    cold_start: bool = False
    """When true, the prediction stays `starting` for `pace.cold_start` seconds."""
    counts_tokens: bool = True
    """The server counts each `str` output as a token (`output_token_count`,
    `time_to_first_token`, `tokens_per_second`). False for models whose items
    are not tokens (chat-completion JSON): they report their own metrics."""
    tags: tuple[str, ...] = ()
    """Search tags (`/v1/search` `metadata.tags`), e.g. `("upscaler", "image")`."""
    github_url: str | None = None
    paper_url: str | None = None
    license_url: str | None = None

    @property
    def ref(self) -> str:
        """`owner/name`."""
        return f"{self.owner}/{self.name}"

    @property
    def openapi_schema(self) -> dict[str, Any]:
        """The version's `openapi_schema`, trimmed to what clients read."""
        return {
            "openapi": "3.0.2",
            "info": {"title": "Cog", "version": "0.1.0"},
            "paths": {},
            "components": {
                "schemas": {
                    "Input": self.input_schema,
                    "Output": self.output_schema,
                    **self.extra_schemas,
                }
            },
        }


@dataclass(frozen=True)
class ReferenceCollection:
    """A collection of models (`/v1/collections/{slug}`)."""

    slug: str
    name: str
    description: str
    models: tuple[str, ...]
    """`owner/name` of its models, in the order it lists them."""
    full_description: str | None = None
    """Markdown shown on the collection's page."""


@dataclass(frozen=True)
class DocsPage:
    """A Replicate docs page that `/v1/search` can return."""

    name: str
    href: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReferenceDeployment:
    """A deployment: `owner/name` routed to a model's version."""

    owner: str
    name: str
    model: ReferenceModel
