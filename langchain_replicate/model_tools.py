r"""Any Replicate model as a typed LangChain tool, and a toolkit that finds models.

`ReplicateModelTool.from_model("nightmareai/real-esrgan")` reads the model's
card (`GET /v1/models/{owner}/{name}`: name, description, latest version and
its cog schema) and builds a tool whose arguments are the model's inputs
(`_tool_use.model_schema`: enums, ranges, defaults, required, files, secrets
hidden), validated before any prediction. A run: arguments validated →
file arguments read (URL, data URI, allowed local path) → the run budget
taken → uploads (`ReplicateAPI.file_urls`) → `_follow_to_end` (shared with
the image tool: progress from the logs; `timeout` and the cancel of an
abandoned run are the core's) → the output read by value
(`_outputs.values`): text, files (`content_and_artifact`, saved under
`save_dir`), an object with files, or JSON.

`ReplicateToolkit(models=[...], discovery=True, allowed_models=..., max_runs=...)`
gives one such tool per listed model and, with `discovery`, `search_models`,
`get_model` and `run_model` (`_tool_use.model_cards` writes what they say;
`_tool_use.model_access` what an agent may start).
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path  # noqa: TC003 - pydantic reads the field types at runtime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from langchain_core.tools import BaseTool, BaseToolkit, StructuredTool, ToolException
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
)

from langchain_replicate._inputs.model_ref import ModelRef, parse_model_ref
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate._outputs.files import file_name
from langchain_replicate._outputs.metadata import prediction_info
from langchain_replicate._outputs.values import (
    ReplicateModelResult,
    output_content,
    read_output,
)
from langchain_replicate._settings import ReplicateConnection
from langchain_replicate._tool_use.model_access import RunBudget, allowed, refuse_model
from langchain_replicate._tool_use.model_cards import (
    model_brief,
    output_schema,
    search_lines,
    tool_description,
    tool_name,
)
from langchain_replicate._tool_use.model_schema import (
    ModelArgs,
    validation_message,
)
from langchain_replicate.errors import (
    ReplicateInputError,
    ReplicateInvalidRequestError,
    ReplicateNotFoundError,
    ReplicatePredictionError,
    ReplicateTimeoutError,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from langchain_core.callbacks import (
        AsyncCallbackManagerForToolRun,
        CallbackManagerForToolRun,
    )

    from langchain_replicate._client import Prediction, ReplicateAPI
    from langchain_replicate._inputs.uploads import FileInput

__all__ = ["ReplicateModelResult", "ReplicateModelTool", "ReplicateToolkit"]

_AGENT_ERRORS = (
    ReplicateInvalidRequestError,
    ReplicatePredictionError,
    ReplicateTimeoutError,
)
"""Failures an agent can act on (bad arguments, a refused model or run, a
failed prediction, a run past `timeout`): they become `ToolException`s."""

T = TypeVar("T")

_CONNECTION_FIELDS = (
    "replicate_api_token",
    "base_url",
    "timeout",
    "max_retries",
    "client_kwargs",
)


class ReplicateModelTool(ReplicateConnection, BaseTool):
    r"""Any Replicate model as a typed tool: its inputs are the arguments.

    Build it with `from_model` (reads the model's card and schema), or pass the
    version's `openapi_schema` yourself. The arguments are the model's inputs,
    typed from its cog schema: enums (cog's `allOf`/`$ref` or inline),
    ranges, defaults, required inputs, descriptions, in `x-order`. They are
    validated before any prediction is created; a refusal names the argument.

    Setup:
        Install `langchain-replicate` and set `REPLICATE_API_TOKEN`.

    Key init args (`from_model(ref, **kwargs)`):
        | Param            | Type                   | Description                      |
        | ---------------- | ---------------------- | -------------------------------- |
        | `model`          | `str`                  | `owner/name[:version]` or        |
        |                  |                        | `deployments/owner/name`.        |
        | `name`           | `str`                  | Default: the model's name.       |
        | `description`    | `str`                  | Default: the model's, + output.  |
        | `model_kwargs`   | `dict`                 | Fixed inputs (not arguments).    |
        | `secret_inputs`  | `dict[str, SecretStr]` | Secret inputs (never shown).     |
        | `include_inputs` | `list[str] \| None`    | Only these are arguments.        |
        | `exclude_inputs` | `list[str]`            | These are not arguments.         |
        | `input_dir`      | `Path \| None`         | Local files allowed from here.   |
        | `save_dir`       | `Path \| None`         | Stream every output file there.  |
        | `content_blocks` | `bool`                 | Files as standard content blocks.|
        | `show_progress`  | `bool`                 | Progress bar on stderr.          |
        | `timeout`        | `float \| None`        | Seconds, then the run is         |
        |                  |                        | canceled.                        |

    Invoke:
        ```python
        from langchain_replicate import ReplicateModelTool

        upscale = ReplicateModelTool.from_model("nightmareai/real-esrgan")
        upscale.invoke({"image": "https://.../photo.png", "scale": 2})
        ```

        ```txt
        nightmareai/real-esrgan made 1 file:
        https://replicate.delivery/.../out.png (image/png)
        ```

        As a tool call the `ToolMessage` carries the artifact
        (`ReplicateModelResult`: the output, its files as `FileOutput`s, the
        saved paths, the prediction id, metrics).

    Outputs:
        Read by value as replicate's client reads them: a concatenated text
        iterator (a language model) → the text; a file or list of files → what
        was made with the URLs (or, with `content_blocks=True`, standard
        image blocks, and file blocks with the MIME type for audio, video and
        the rest: a `ToolMessage` keeps no audio or video blocks); an object
        with file fields (whisper) → its JSON with the URLs in place;
        anything else → its JSON. Never base64: a file returned inline is
        described.

    Files in:
        A `format: uri` input takes a URL, a `data:` URI (uploaded through the
        files API above 256 KB) or, only inside `input_dir`, a local path
        (uploaded). Other schemes are refused.

    Secrets:
        Secret inputs (`x-cog-secret`, `format: password`) are never
        arguments; set them in `secret_inputs`. They are sent with the input,
        never in the artifact, repr or errors.

    Progress:
        Progress bars in the logs are sent as the custom callback event
        `replicate_progress` and drawn on stderr with `show_progress=True`. A
        run abandoned (an exception, cancellation, `timeout`) is canceled on
        Replicate.

    Errors:
        Invalid arguments raise pydantic's `ValidationError` (with
        `handle_validation_error=True` the agent gets one line per argument).
        Refused files, models or runs, failed predictions and timeouts raise
        `ToolException` (`handle_tool_error=True` hands the message to the
        agent). Nothing is created before the arguments pass.
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    name: str = "replicate_model"
    """The tool's name. Default (`from_model`): the model's name."""

    description: str = "Run a Replicate model."
    """What the tool does. Default (`from_model`): the model's description
    and what it returns."""

    args_schema: type[BaseModel] | None = None
    """The model's inputs as a pydantic model (built from the schema)."""

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    """Content for the model; the artifact a `ReplicateModelResult`."""

    model: str = Field(alias="model_name")
    """`owner/name` (official model or latest version), `owner/name:version`
    or `deployments/owner/name`."""

    openapi_schema: dict[str, Any] = Field(repr=False, exclude=True)
    """The version's `openapi_schema` (`from_model` reads it)."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Fixed inputs, sent on every run; they are not arguments. Validated
    against the schema when the tool is built. Default: `{}`."""

    secret_inputs: dict[str, SecretStr] = Field(
        default_factory=dict, repr=False, exclude=True
    )
    """Values of the model's secret inputs (never arguments, never shown)."""

    include_inputs: list[str] | None = None
    """Only these inputs are arguments. Default: all (but secrets and fixed)."""

    exclude_inputs: list[str] = Field(default_factory=list)
    """Inputs that are not arguments (the model's default applies)."""

    input_dir: Path | None = None
    """Directory local files may be read from for file inputs. Default:
    `None` (file inputs take URLs and data URIs only)."""

    save_dir: Path | None = None
    """Directory to stream every output file into, as
    `<prediction id>-<name>`. Default: `None` (nothing saved)."""

    content_blocks: bool = False
    """Return files as LangChain standard content blocks after the text (by
    URL: image blocks; file blocks with the MIME type for audio, video and
    the rest, the types a `ToolMessage` keeps), for chat models that take them.
    Default: `False` (text with the URLs)."""

    show_progress: bool = False
    """Draw a progress bar on stderr while the model runs. Default: `False`."""

    wait: int | None = Field(default=None, ge=1, le=60)
    """Sync mode: seconds to hold the create open (`Prefer: wait`). Default:
    `None` (create, then poll: URLs and progress)."""

    run_budget: RunBudget | None = Field(default=None, repr=False, exclude=True)
    """Shared count of the runs an agent may start (set by `ReplicateToolkit`)."""

    _args: ModelArgs = PrivateAttr()
    _schema: InputSchema | None = PrivateAttr(default=None)
    _fixed: dict[str, Any] = PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any) -> None:  # noqa: ANN401 - pydantic's signature
        """Validate the fields, then type the arguments from the schema.

        The arguments are built after pydantic's validation, not in a
        validator, so a bad option raises our `ReplicateInputError` (naming
        the input) instead of a pydantic error quoting every field given,
        the token among them.

        Raises:
            ReplicateInputError: If the options name inputs the model does not
                have, leave a required input unset, or fix an invalid value.
        """
        super().__init__(**data)
        self._build_args()

    def __getstate__(self) -> dict[Any, Any]:
        """Pickled state: the settings and the model's schema, not the typed model.

        The `args_schema` class is made at run time (it has no importable
        name), so the copy types its arguments again from `openapi_schema`.
        """
        state = super().__getstate__()
        private = dict(state.get("__pydantic_private__") or {})
        private.pop("_args", None)
        return {
            **state,
            "__dict__": {**state["__dict__"], "args_schema": None},
            "__pydantic_private__": private,
        }

    def __setstate__(self, state: dict[Any, Any]) -> None:
        """Restore the settings, then type the arguments again."""
        super().__setstate__(state)
        self._build_args()

    def _build_args(self) -> None:
        """Parse the model reference and type the arguments from the schema."""
        self._ref = parse_model_ref(self.model)
        self._schema = InputSchema.from_openapi(self.openapi_schema)
        schemas = (self.openapi_schema.get("components") or {}).get("schemas") or {}
        if self._schema is None and "Input" not in schemas:
            # (A tool without argument fields would drop whatever the LLM sends.)
            msg = (
                f"{self._ref} publishes no input schema, so its inputs cannot be "
                "typed; pass the version's openapi_schema, or pin a version that "
                "has one."
            )
            raise ReplicateInputError(msg)
        schema = self._schema or InputSchema(properties={})
        self._args = ModelArgs.build(
            schema,
            model=str(self._ref),
            fixed=list(self.model_kwargs),
            secrets=list(self.secret_inputs),
            include=self.include_inputs,
            exclude=set(self.exclude_inputs),
            local_files=self.input_dir is not None,
            title=_title(self._ref),
        )
        self._fixed = self._args.check_fixed(self.model_kwargs)
        self.args_schema = self._args.args_schema
        if self.handle_validation_error is True:
            self.handle_validation_error = functools.partial(_refusal, str(self._ref))

    # -- building from the model's card ----------------------------------------------

    @classmethod
    def from_model(cls, model: str, **kwargs: Any) -> ReplicateModelTool:  # noqa: ANN401 - the fields
        """A tool for `model`, from its card (name, description, schema).

        Args:
            model: `owner/name`, `owner/name:version` or `deployments/owner/name`.
            **kwargs: Any field (`name`, `description`, `model_kwargs`,
                `include_inputs`, `save_dir`, `api_key`, `base_url`...).

        Returns:
            The tool.

        Raises:
            ReplicateNotFoundError: If there is no such model.
            ReplicateInputError: If the options name inputs the model does not
                have, or leave a required input unset.
        """
        ref = parse_model_ref(model)
        api = _connection(kwargs)._api  # noqa: SLF001 - our own settings class
        return cls._from_card(ref, api.model_card(ref), kwargs)

    @classmethod
    async def afrom_model(cls, model: str, **kwargs: Any) -> ReplicateModelTool:  # noqa: ANN401 - the fields
        """Async `from_model`."""
        ref = parse_model_ref(model)
        api = _connection(kwargs)._api  # noqa: SLF001 - our own settings class
        return cls._from_card(ref, await api.amodel_card(ref), kwargs)

    @classmethod
    def _from_card(
        cls, ref: ModelRef, card: Mapping[str, Any], kwargs: dict[str, Any]
    ) -> ReplicateModelTool:
        version = card.get("version") or {}
        openapi = version.get("openapi_schema") or {}
        about = card.get("model") or {}
        if (
            not ref.version
            and not ref.is_deployment
            and about.get("is_official") is False
            and version.get("id")
        ):
            # Replicate runs a community model by version only: pin the
            # version whose schema the arguments were typed from.
            ref = parse_model_ref(f"{ref.slug}:{version['id']}")
        schema = InputSchema.from_openapi(openapi)
        defaults = {
            "name": tool_name(str((card.get("model") or {}).get("name") or ref.name)),
            "description": tool_description(str(ref), card, schema),
        }
        return cls(model=str(ref), openapi_schema=openapi, **{**defaults, **kwargs})

    # -- pure steps shared by sync and async -------------------------------------------

    @property
    def _create_wait(self) -> int:
        return self.wait or 0

    @property
    def tool_call_schema(self) -> type[BaseModel]:
        """The arguments as the LLM sees them: `args_schema` itself.

        (langchain-core's default rebuilds a subset model, which would drop
        the aliases that keep inputs such as `json` under their own names and
        the `additionalProperties: false` that says no other input exists.)
        """
        return self._args.args_schema

    @property
    def model_args(self) -> ModelArgs:
        """The typed arguments (and every input) read from the schema."""
        return self._args

    def _plan(self, args: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        """The input to send (before uploads) and its file values.

        Raises:
            ReplicateInputError: A file argument refused, or the run budget spent.
        """
        model_input = {**self._fixed, **self._args.present(args)}
        files = self._args.file_inputs(model_input, self.input_dir)
        if self.run_budget is not None:
            self.run_budget.take(str(self._ref))
        return model_input, files

    def _with_files(
        self,
        model_input: dict[str, Any],
        files: list[tuple[str, int | None, FileInput]],
        urls: list[str],
    ) -> dict[str, Any]:
        """The input with each file value replaced by its URL (uploads done)."""
        filled = {
            name: list(value) if isinstance(value, list) else value
            for name, value in model_input.items()
        }
        for (name, index, _), url in zip(files, urls, strict=True):
            if index is None:
                filled[name] = url
            else:
                filled[name][index] = url
        return filled

    def _secret_input(self) -> dict[str, str]:
        return {k: v.get_secret_value() for k, v in self.secret_inputs.items()}

    def _downloads(self, prediction: Prediction) -> list[tuple[str, Path]]:
        """The (url, path) of every output file to save (none without `save_dir`)."""
        if self.save_dir is None:
            return []
        view = read_output(prediction.get("output"), output_schema(self._schema))
        urls = view.urls
        pid = str(prediction.get("id", "prediction"))
        return [
            (url, self.save_dir / file_name(url, i, pid)) for i, url in enumerate(urls)
        ]

    def _result(
        self,
        prediction: Prediction,
        api: ReplicateAPI,
        downloads: list[tuple[str, Path]],
        model_input: dict[str, Any],
        *,
        loop: bool,
    ) -> tuple[Any, ReplicateModelResult]:
        model = str(self._ref)
        view = read_output(prediction.get("output"), output_schema(self._schema))
        paths = [path for _, path in downloads]
        files = api.afile_outputs(view.urls) if loop else api.file_outputs(view.urls)
        info = prediction_info(prediction, model_name=model)
        content = output_content(
            view, model=model, paths=paths, blocks=self.content_blocks
        )
        return content, ReplicateModelResult(
            output=prediction.get("output"),
            kind=view.kind,
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
        *,
        run_manager: CallbackManagerForToolRun | None = None,
        **args: Any,  # noqa: ANN401 - the model's inputs
    ) -> tuple[Any, ReplicateModelResult]:
        """Run the model on validated arguments; see the class docstring."""
        try:
            return self._execute(args, run_manager)
        except _AGENT_ERRORS as e:
            raise ToolException(str(e)) from e

    def _execute(
        self,
        args: Mapping[str, Any],
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[Any, ReplicateModelResult]:
        """Run the model on arguments already validated (by `args_schema`).

        Returns:
            The content and the artifact.
        """
        api = self._api
        model_input, files = self._plan(args)
        urls = api.file_urls([file for _, _, file in files])
        sent = self._with_files(model_input, files, urls)
        prediction = self._follow_to_end(
            self._ref,
            {**sent, **self._secret_input()},
            show_progress=self.show_progress,
            run_manager=run_manager,
        )
        downloads = self._downloads(prediction)
        if downloads and self.save_dir is not None:
            self.save_dir.mkdir(parents=True, exist_ok=True)
        api.download_all(downloads)
        return self._result(prediction, api, downloads, sent, loop=False)

    # -- async (the same steps; only the I/O differs) ----------------------------------

    async def _arun(
        self,
        *,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **args: Any,  # noqa: ANN401 - the model's inputs
    ) -> tuple[Any, ReplicateModelResult]:
        """Async `_run`."""
        try:
            return await self._aexecute(args, run_manager)
        except _AGENT_ERRORS as e:
            raise ToolException(str(e)) from e

    async def _aexecute(
        self,
        args: Mapping[str, Any],
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[Any, ReplicateModelResult]:
        """Async `_execute`."""
        api = self._api
        model_input, files = self._plan(args)
        urls = await api.afile_urls([file for _, _, file in files])
        sent = self._with_files(model_input, files, urls)
        prediction = await self._afollow_to_end(
            self._ref,
            {**sent, **self._secret_input()},
            show_progress=self.show_progress,
            run_manager=run_manager,
        )
        downloads = self._downloads(prediction)
        if downloads and self.save_dir is not None:
            await asyncio.to_thread(self.save_dir.mkdir, parents=True, exist_ok=True)
        await api.adownload_all(downloads)
        return self._result(prediction, api, downloads, sent, loop=True)


def _title(ref: ModelRef) -> str:
    """The arguments model's name, e.g. `RealEsrganInput`."""
    words = "".join(c if c.isalnum() else " " for c in ref.name).split()
    return "".join(w[:1].upper() + w[1:] for w in words) + "Input"


def _refusal(model: str, error: ValidationError) -> str:
    return validation_message(error, model)


def _connection(kwargs: Mapping[str, Any]) -> ReplicateConnection:
    """The connection settings among a tool's kwargs (to read the model card)."""
    names = {*_CONNECTION_FIELDS, "api_key"}
    return ReplicateConnection(**{k: v for k, v in kwargs.items() if k in names})


# -- the toolkit -----------------------------------------------------------------------


class _SearchArgs(BaseModel):
    query: str = Field(description="What the model should do, e.g. 'upscale images'.")
    limit: int = Field(default=10, ge=1, le=50, description="How many models.")


class _GetModelArgs(BaseModel):
    model: str = Field(description="The model, as owner/name.")


class _RunModelArgs(BaseModel):
    model: str = Field(description="The model, as owner/name (see get_model).")
    input: dict[str, Any] = Field(
        description="The model's inputs by name, as get_model lists them."
    )


class ReplicateToolkit(ReplicateConnection, BaseToolkit):
    r"""Replicate models as an agent's tools, and tools to find and run others.

    `get_tools()` gives one typed `ReplicateModelTool` per model in `models`
    and, with `discovery=True`, three more:

    * `search_models(query, limit=10)`: models for a task (Replicate's beta
      `GET /v1/search`, else `QUERY /v1/models`), one line each;
    * `get_model(model)`: what a model does, its inputs in brief, its output;
    * `run_model(model, input)`: run any model (in `allowed_models`), the input
      validated against that model's schema before anything is created.

    `allowed_models` (`owner/name`, `owner/*`, `owner/name:version`) bounds
    what `run_model` may start and `max_runs` the predictions all the tools
    may start together: a refusal is a tool error the agent reads, and
    nothing is created. Every tool hands its errors to the agent
    (`handle_tool_error`, `handle_validation_error`).

    Example:
        ```python
        from langchain.agents import create_agent
        from langchain_replicate import ChatReplicate, ReplicateToolkit

        toolkit = ReplicateToolkit(
            models=["black-forest-labs/flux-schnell", "nightmareai/real-esrgan"],
            discovery=True,
            allowed_models=["openai/*", "nightmareai/real-esrgan"],
            max_runs=5,
        )
        agent = create_agent(ChatReplicate(model="ibm-granite/granite-4.0-h-small"),
                             toolkit.get_tools())
        ```
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    models: list[str | ReplicateModelTool] = Field(default_factory=list)
    """Models to give a typed tool each: a reference (the tool is built from
    its card with `tool_kwargs`), or a `ReplicateModelTool` built with options
    of its own (`secret_inputs`, `model_kwargs`...), used as it is but for the
    shared run limit."""

    discovery: bool = False
    """Add `search_models`, `get_model` and `run_model`. Default: `False`."""

    allowed_models: list[str] | None = None
    """Models `run_model` may run (`owner/name`, `owner/*`,
    `owner/name:version`, `deployments/owner/name`). Default: `None` (any)."""

    max_runs: int | None = Field(default=None, ge=0)
    """Predictions all the tools may start together, counted when a run's
    arguments have passed (before its uploads and create), whether it then
    succeeds or not. Default: no limit."""

    tool_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Further `ReplicateModelTool` fields for every tool (`save_dir`,
    `input_dir`, `content_blocks`, `show_progress`...)."""

    _budget: RunBudget = PrivateAttr()
    _tools: dict[str, ReplicateModelTool] = PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any) -> None:  # noqa: ANN401 - pydantic's signature
        """Validate the fields, then parse every model reference (a typo fails here).

        Raises:
            ValueError: If a model reference is malformed (our error, not
                pydantic's, which would quote the token).
        """
        super().__init__(**data)
        self._budget = RunBudget(self.max_runs)
        for model in self.models:
            if isinstance(model, ReplicateModelTool):
                model.run_budget = self._budget
                self._tools[str(model._ref)] = model  # noqa: SLF001
            else:
                parse_model_ref(model)

    @property
    def runs_started(self) -> int:
        """Predictions the toolkit's tools have started."""
        return self._budget.used

    def _tool_options(self) -> dict[str, Any]:
        settings = {name: getattr(self, name) for name in _CONNECTION_FIELDS}
        return {
            **settings,
            "handle_tool_error": True,
            "handle_validation_error": True,
            **self.tool_kwargs,
            "run_budget": self._budget,
        }

    def _named(self, tools: list[ReplicateModelTool]) -> list[ReplicateModelTool]:
        """Owner-qualified names where two models share a name."""
        names = [tool.name for tool in tools]
        for tool in tools:
            if names.count(tool.name) > 1:
                tool.name = tool_name(tool._ref.slug)  # noqa: SLF001
        return tools

    def _model_tool(self, ref: ModelRef, card: Mapping[str, Any]) -> ReplicateModelTool:
        key = str(ref)
        if key not in self._tools:
            tool = ReplicateModelTool._from_card(ref, card, self._tool_options())  # noqa: SLF001
            self._tools[key] = tool
        return self._tools[key]

    def get_tools(self) -> list[BaseTool]:
        """The model tools, then the discovery tools (reads each model's card)."""
        cards = {
            ref: self._api.model_card(ref)
            for ref in self._refs()
            if str(ref) not in self._tools
        }
        return self._assemble(cards)

    async def aget_tools(self) -> list[BaseTool]:
        """Async `get_tools` (the cards are read concurrently)."""
        refs = [ref for ref in self._refs() if str(ref) not in self._tools]
        found = await asyncio.gather(*(self._api.amodel_card(ref) for ref in refs))
        return self._assemble(dict(zip(refs, found, strict=True)))

    def _refs(self) -> list[ModelRef]:
        return [
            model._ref  # noqa: SLF001
            if isinstance(model, ReplicateModelTool)
            else parse_model_ref(model)
            for model in self.models
        ]

    def _assemble(self, cards: Mapping[ModelRef, Mapping[str, Any]]) -> list[BaseTool]:
        tools = [
            self._tools.get(str(ref)) or self._model_tool(ref, cards[ref])
            for ref in self._refs()
        ]
        return [*self._named(tools), *self._discovery_tools()]

    # -- discovery ---------------------------------------------------------------------

    def _discovery_tools(self) -> list[BaseTool]:
        if not self.discovery:
            return []
        return [
            StructuredTool.from_function(
                func=self._search,
                coroutine=self._asearch,
                name="search_models",
                description=(
                    "Search Replicate for models that do a task (e.g. 'upscale "
                    "images', 'speech to text'). Returns owner/name and what each does."
                ),
                args_schema=_SearchArgs,
                handle_tool_error=True,
            ),
            StructuredTool.from_function(
                func=self._get_model,
                coroutine=self._aget_model,
                name="get_model",
                description=(
                    "Describe a Replicate model: what it does, its inputs (names, "
                    "types, choices, defaults) and its output. Call before run_model."
                ),
                args_schema=_GetModelArgs,
                handle_tool_error=True,
            ),
            StructuredTool.from_function(
                func=self._run_model,
                coroutine=self._arun_model,
                name="run_model",
                description=(
                    "Run a Replicate model with its inputs (checked against the "
                    "model's schema first). Returns its output; files as URLs."
                ),
                args_schema=_RunModelArgs,
                response_format="content_and_artifact",
                handle_tool_error=True,
            ),
        ]

    def _search(self, query: str, limit: int = 10) -> str:
        return _guard(
            lambda: search_lines(self._api.search_models(query, limit)["models"])
        )

    async def _asearch(self, query: str, limit: int = 10) -> str:
        found = await _aguard(self._api.asearch_models(query, limit))
        return search_lines(found["models"])

    def _parse(self, model: str) -> ModelRef:
        try:
            return parse_model_ref(model)
        except ValueError as e:
            raise ToolException(str(e)) from e

    def _brief(self, ref: ModelRef, card: Mapping[str, Any]) -> str:
        tool = _guard(lambda: self._model_tool(ref, card))
        return model_brief(
            str(ref),
            card,
            tool.model_args if tool._schema is not None else None,  # noqa: SLF001
            tool._schema,  # noqa: SLF001
            allowed=allowed(ref, self.allowed_models),
        )

    def _get_model(self, model: str) -> str:
        ref = self._parse(model)
        return self._brief(ref, _guard(lambda: self._api.model_card(ref)))

    async def _aget_model(self, model: str) -> str:
        ref = self._parse(model)
        return self._brief(ref, await _aguard(self._api.amodel_card(ref)))

    def _runnable(self, model: str) -> ModelRef:
        ref = self._parse(model)
        if not allowed(ref, self.allowed_models):
            error = refuse_model(ref, self.allowed_models or [])
            raise ToolException(str(error)) from error
        return ref

    def _run_model(
        self,
        model: str,
        input: dict[str, Any],  # noqa: A002 - the API's name
    ) -> tuple[Any, ReplicateModelResult]:
        ref = self._runnable(model)
        tool = self._tools.get(str(ref))
        if tool is None:
            card = _guard(lambda: self._api.model_card(ref))
            tool = _guard(lambda: self._model_tool(ref, card))
        return _guard(lambda: tool._execute(tool.model_args.validate(input)))  # noqa: SLF001

    async def _arun_model(
        self,
        model: str,
        input: dict[str, Any],  # noqa: A002 - the API's name
    ) -> tuple[Any, ReplicateModelResult]:
        ref = self._runnable(model)
        tool = self._tools.get(str(ref))
        if tool is None:
            card = await _aguard(self._api.amodel_card(ref))
            tool = _guard(lambda: self._model_tool(ref, card))
        args = _guard(lambda: tool.model_args.validate(input))
        return await _aguard(tool._aexecute(args))  # noqa: SLF001


def _guard(call: Callable[[], T]) -> T:
    """Run `call`, turning the errors an agent can act on into `ToolException`."""
    try:
        return call()
    except (*_AGENT_ERRORS, ReplicateNotFoundError) as e:
        raise ToolException(str(e)) from e


async def _aguard(awaitable: Awaitable[T]) -> T:
    """Async `_guard`."""
    try:
        return await awaitable
    except (*_AGENT_ERRORS, ReplicateNotFoundError) as e:
        raise ToolException(str(e)) from e
