"""`ReplicateImageGenerationTool`: any Replicate image model as a LangChain tool.

Data flow: the tool's arguments (`ReplicateImageInput`, defined in
`_inputs.image_args`) are mapped onto the model's own inputs by its schema
(`_inputs.image_args.image_tool_input`); the prediction is created and polled
(`ReplicateConnection._follow_to_end`, shared with `ReplicateModelTool`), each
poll's logs giving progress (`_outputs.progress`); the finished prediction's
files become the text content (their URLs) and the artifact
(`ReplicateImageResult`, defined in `_outputs.files`: replicate
`FileOutput`s, paths, metadata), optionally streamed to `save_dir` first
(`ReplicateAPI.download_all`, concurrent in both modes).
"""

from __future__ import annotations

import asyncio
from pathlib import Path  # noqa: TC003 - pydantic reads the field types at runtime
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.tools import BaseTool, ToolException
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from langchain_replicate._inputs.image_args import ReplicateImageInput, image_tool_input
from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate._outputs.files import (
    ReplicateImageResult,
    content_text,
    file_name,
    output_urls,
)
from langchain_replicate._outputs.metadata import prediction_info
from langchain_replicate._settings import ReplicateConnection
from langchain_replicate.errors import (
    ReplicateInvalidRequestError,
    ReplicatePredictionError,
    ReplicateTimeoutError,
)

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForToolRun,
        CallbackManagerForToolRun,
    )
    from replicate.helpers import FileOutput
    from typing_extensions import Self

    from langchain_replicate._client import Prediction

__all__ = [
    "DEFAULT_IMAGE_MODEL",
    "ReplicateImageGenerationTool",
    "ReplicateImageInput",
    "ReplicateImageResult",
]

DEFAULT_IMAGE_MODEL = "black-forest-labs/flux-schnell"

_AGENT_ERRORS = (
    ReplicateInvalidRequestError,
    ReplicatePredictionError,
    ReplicateTimeoutError,
)
"""Failures a caller (or an agent) can act on: bad arguments, a failed or flagged
prediction, a run that took too long. They become `ToolException`s; others
(no token, unknown model, network) propagate as they are."""


class ReplicateImageGenerationTool(ReplicateConnection, BaseTool):
    r"""Generate images with any Replicate image model.

    The text content is the images' URL(s), one per line, so the tool fits in
    string pipelines (`prompt | llm | StrOutputParser() | tool`) and a model can
    read it; the artifact (`ReplicateImageResult`) carries the files as
    replicate `FileOutput`s, the saved paths, the prediction id and metrics.

    Setup:
        Install `langchain-replicate` and set `REPLICATE_API_TOKEN`.

    Key init args:
        | Param           | Type            | Description                            |
        | --------------- | --------------- | -------------------------------------- |
        | `model`         | `str`           | `owner/name[:version]` or              |
        |                 |                 | `deployments/owner/name`.              |
        | `model_kwargs`  | `dict`          | Fixed model inputs (call args win).    |
        | `save_dir`      | `Path \| None`  | Stream every file there.               |
        | `show_progress` | `bool`          | Draw a progress bar on stderr.         |
        | `wait`          | `int \| None`   | Sync mode: hold the create open.       |
        | `timeout`       | `float \| None` | Seconds, then the run is canceled.     |
        | `api_key`       | `SecretStr`     | Default: env `REPLICATE_API_TOKEN`.    |
        | `base_url`      | `str \| None`   | Default: env `REPLICATE_BASE_URL`.     |

    Arguments:
        `prompt`, and optionally `negative_prompt`, `aspect_ratio`, `width` and
        `height`, `num_outputs`, `seed`. They are mapped onto the model's own
        inputs by its schema (flux's `aspect_ratio`, Stable Diffusion's
        `image_dimensions`, SDXL's `width`/`height`); what a model cannot
        express raises `ToolException` before any prediction is created.

    Invoke:
        ```python
        from langchain_replicate import ReplicateImageGenerationTool

        tool = ReplicateImageGenerationTool()
        tool.invoke({"prompt": "A logo of colorful socks", "aspect_ratio": "16:9"})
        ```

        ```txt
        'https://replicate.delivery/.../out-0.webp'
        ```

        As a tool call, the `ToolMessage` also carries the artifact. Run here
        against the local server (`langchain_replicate.testing`); the output is
        real, only the port and prediction ids differ from run to run:

        ```python
        from langchain_replicate.testing import LocalReplicateServer

        with LocalReplicateServer() as server:
            tool = ReplicateImageGenerationTool(
                api_key=server.api_token, base_url=server.base_url
            )
            msg = tool.invoke(
                {
                    "type": "tool_call",
                    "id": "1",
                    "name": tool.name,
                    "args": {
                        "prompt": "A logo of colorful socks",
                        "num_outputs": 2,
                        "width": 768,
                        "height": 1344,
                        "seed": 1,
                    },
                }
            )
            print(msg.content)
            print(msg.artifact)
            print(msg.artifact.model_input)
            print([len(file.read()) for file in msg.artifact.files])
        ```

        ```txt
        http://127.0.0.1:41685/delivery/g2jnz8z854abtq1xcwrzeb9q41/out-0.webp
        http://127.0.0.1:41685/delivery/g2jnz8z854abtq1xcwrzeb9q41/out-1.webp
        ReplicateImageResult(paths=[], prediction_id='g2jnz8z854abtq1xcwrzeb9q41',
        model_name='black-forest-labs/flux-schnell',
        metrics={'predict_time': 0.24847650527954102,
        'total_time': 0.25056004524230957})
        {'prompt': 'A logo of colorful socks', 'seed': 1, 'num_outputs': 2,
        'aspect_ratio': '9:16'}
        [6082, 5174]
        ```

        flux takes no width and height, so 768x1344 became its `aspect_ratio`
        `9:16` (the images are 768x1344 WebP). A model that cannot express an
        argument is an error, before any prediction:

        ```python
        tool.invoke({"prompt": "x", "negative_prompt": "text"})
        ```

        ```txt
        ToolException: black-forest-labs/flux-schnell does not take
        negative_prompt (its inputs: prompt, aspect_ratio, num_outputs,
        num_inference_steps, seed, output_format, output_quality,
        disable_safety_checker, go_fast, megapixels).
        ```

    Save:
        With `save_dir=...` every file is streamed to disk (never read whole
        into memory) as `<prediction id>-<name>`, and the content lists the
        paths after the URLs. In sync mode (`wait=...`) Replicate may return
        files inline as `data:` URIs; the content then describes them
        (`black-forest-labs/flux-schnell made 1 file (image/webp, 5.8 KB),
        returned inline (no URL)...`) and never contains base64.

    Progress:
        Progress bars in the model's logs are sent as the custom callback event
        `replicate_progress` (data: `prediction_id`, `step`, `total`, `percent`,
        `status`; see `astream_events`), and drawn on stderr with
        `show_progress=True`.

    Errors:
        A failed or flagged prediction, invalid arguments and a run past
        `timeout` (canceled on Replicate) raise `ToolException` with the cause
        chained, so an agent with `handle_tool_error=True` sees the message.
        Configuration problems (no token, unknown model) raise the errors in
        `langchain_replicate.errors`.
    """

    model_config = ConfigDict(populate_by_name=True)

    name: str = "replicate_image_generation"
    """The tool's name, as a model calls it."""

    description: str = (
        "Make images from a text description with an image generation model. "
        "Input: a detailed prompt, and optionally aspect_ratio (or width and "
        "height), num_outputs, seed, negative_prompt. Returns the image URLs."
    )
    """What the tool does, for a model deciding whether to call it."""

    args_schema: type[BaseModel] = ReplicateImageInput
    """The arguments (`ReplicateImageInput`)."""

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    """Content is the URL text; the artifact a `ReplicateImageResult`."""

    model: str = Field(default=DEFAULT_IMAGE_MODEL, alias="model_name")
    """The model: `owner/name` (official model), `owner/name:version` or
    `deployments/owner/name`. Default: `black-forest-labs/flux-schnell`."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Fixed model inputs sent on every call (e.g. `{"output_format": "png"}`);
    the call's arguments win over them. Checked against the model's schema.
    Default: `{}`."""

    wait: int | None = Field(default=None, ge=1, le=60)
    """Sync mode: seconds to hold the create open (`Prefer: wait`). Saves a poll
    for fast models, but shows no progress meanwhile, and Replicate may return
    the files inline as `data:` URIs (then the content describes them instead
    of linking them). Default: `None` (create, then poll: URLs and progress)."""

    save_dir: Path | None = None
    """Directory to stream every output file into (created if missing), as
    `<prediction id>-<name>`; the content and artifact give the paths.
    Default: `None` (nothing saved)."""

    show_progress: bool = False
    """Draw a progress bar on stderr while the model runs. Default: `False`."""

    @model_validator(mode="after")
    def _parse_model(self) -> Self:
        """Parse the model reference so a malformed one fails here."""
        self._ref = parse_model_ref(self.model)
        return self

    @property
    def _create_wait(self) -> int:
        return self.wait or 0

    # -- pure steps shared by sync and async -------------------------------------------

    def _downloads(self, prediction: Prediction) -> list[tuple[str, Path]]:
        """The (url, path) of every file to save (none without `save_dir`)."""
        if self.save_dir is None:
            return []
        urls = output_urls(prediction.get("output"))
        pid = str(prediction.get("id", "prediction"))
        return [
            (url, self.save_dir / file_name(url, i, pid)) for i, url in enumerate(urls)
        ]

    def _result(
        self,
        prediction: Prediction,
        files: list[FileOutput],
        paths: list[Path],
        model_input: dict[str, Any],
    ) -> tuple[str, ReplicateImageResult]:
        model = str(self._ref)
        info = prediction_info(prediction, model_name=model)
        content = content_text([f.url for f in files], paths or None, model=model)
        return content, ReplicateImageResult(
            files=files,
            paths=paths,
            prediction_id=str(prediction.get("id")),
            model_name=model,
            metrics=info["metrics"],
            info=info,
            model_input=model_input,
        )

    # -- sync --------------------------------------------------------------------------

    def _run(
        self,
        prompt: str,
        *,
        run_manager: CallbackManagerForToolRun | None = None,
        **optional: str | int | None,
    ) -> tuple[str, ReplicateImageResult]:
        """Make the images; see the class docstring.

        Args:
            prompt: What to draw.
            run_manager: The tool run's callbacks (progress events go there).
            **optional: The other `ReplicateImageInput` arguments given.
        """
        args = {"prompt": prompt, **optional}
        api = self._api
        try:
            model_input = image_tool_input(
                args,
                api.input_schema(self._ref),
                model=str(self._ref),
                model_kwargs=self.model_kwargs,
            )
            prediction = self._follow_to_end(
                self._ref,
                model_input,
                show_progress=self.show_progress,
                run_manager=run_manager,
            )
            downloads = self._downloads(prediction)
            if self.save_dir is not None:
                self.save_dir.mkdir(parents=True, exist_ok=True)
            api.download_all(downloads)
        except _AGENT_ERRORS as e:
            raise ToolException(str(e)) from e
        urls = output_urls(prediction.get("output"))
        paths = [path for _, path in downloads]
        return self._result(prediction, api.file_outputs(urls), paths, model_input)

    # -- async (the same steps; only the I/O differs) ----------------------------------

    async def _arun(
        self,
        prompt: str,
        *,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **optional: str | int | None,
    ) -> tuple[str, ReplicateImageResult]:
        """Async `_run`."""
        args = {"prompt": prompt, **optional}
        api = self._api
        try:
            model_input = image_tool_input(
                args,
                await api.ainput_schema(self._ref),
                model=str(self._ref),
                model_kwargs=self.model_kwargs,
            )
            prediction = await self._afollow_to_end(
                self._ref,
                model_input,
                show_progress=self.show_progress,
                run_manager=run_manager,
            )
            downloads = self._downloads(prediction)
            if self.save_dir is not None:
                await asyncio.to_thread(
                    self.save_dir.mkdir, parents=True, exist_ok=True
                )
            await api.adownload_all(downloads)
        except _AGENT_ERRORS as e:
            raise ToolException(str(e)) from e
        urls = output_urls(prediction.get("output"))
        paths = [path for _, path in downloads]
        return self._result(prediction, api.afile_outputs(urls), paths, model_input)
