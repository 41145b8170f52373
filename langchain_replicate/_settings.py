"""What `Replicate` and `ChatReplicate` share: settings, standard params, streaming.

A pydantic mixin placed before the LangChain base class
(`class Replicate(ReplicateSettings, BaseLLM)`), so both classes take the same
constructor arguments, build their `ReplicateAPI` the same way and turn a
streamed prediction into chunks with one loop per I/O flavour. Its connection
part (`ReplicateConnection`) is shared by the tools too, with the loop that
follows a tool's prediction to its end reporting progress (`_follow_to_end`).

Models travel: `ReplicateConnection` (every public class) pickles, cloudpickles
and copies without its built `ReplicateAPI` (clients, locks, pacer), which the
copy rebuilds or joins on first use; the token travels only in its `SecretStr`
field. `unobserved` says when a `stream` may skip LangChain's per-token
callback work (nothing would see it): the classes' `stream`/`astream` then
yield the same chunks straight from the core.
"""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import aclosing, closing
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from langchain_core.callbacks import CallbackManager
from langchain_core.callbacks.manager import (
    adispatch_custom_event,
    dispatch_custom_event,
)
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from langchain_core.runnables import RunnableConfig
from langchain_core.utils import from_env, secret_from_env
from langchain_core.utils.utils import LC_ID_PREFIX
from langchain_core.utils.uuid import uuid7
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
)

from langchain_replicate._client import MAX_WAIT, ReplicateAPI
from langchain_replicate._core.protocol import check_prediction
from langchain_replicate._core.secrets import clean_token
from langchain_replicate._core.throttle_store import check_spec, has_credentials
from langchain_replicate._inputs.arguments import check_timeout, stop_sequences
from langchain_replicate._inputs.calls import CallPlan
from langchain_replicate._inputs.reasoning import ReasoningSettings
from langchain_replicate._inputs.schema import STANDARD_PARAMS
from langchain_replicate._outputs.progress import (
    PROGRESS_EVENT,
    Progress,
    ProgressTracker,
)

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Iterator, Mapping

    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        AsyncCallbackManagerForToolRun,
        CallbackManagerForLLMRun,
        CallbackManagerForToolRun,
    )
    from langchain_core.language_models import BaseLanguageModel
    from langchain_core.language_models.base import LangSmithParams
    from langchain_core.messages import AIMessageChunk
    from typing_extensions import Self

    from langchain_replicate._client import Prediction, StreamPiece
    from langchain_replicate._inputs.calls import PreparedCall
    from langchain_replicate._inputs.model_ref import ModelRef

ChunkT = TypeVar("ChunkT", GenerationChunk, ChatGenerationChunk)


class ReplicateConnection(BaseModel):
    """How a class reaches Replicate: token, base URL, deadline, retries, client.

    Shared by every public class (the image tool too); `_api` builds the one
    `ReplicateAPI` an instance uses, lazily.
    """

    model_config = ConfigDict(populate_by_name=True)

    replicate_api_token: SecretStr | None = Field(
        default_factory=secret_from_env(
            ["REPLICATE_API_TOKEN", "REPLICATE_API_KEY"], default=None
        ),
        alias="api_key",
    )
    """API token. Default: env `REPLICATE_API_TOKEN`, then `REPLICATE_API_KEY`.
    Surrounding whitespace is stripped; a token with a character an HTTP header
    cannot carry raises `ReplicateTokenError` here, at construction. It is sent
    only to `base_url`'s origin and Replicate's own API and stream hosts."""

    base_url: str | None = Field(
        default_factory=from_env("REPLICATE_BASE_URL", default=None)
    )
    """API origin. Default: env `REPLICATE_BASE_URL`, else
    `https://api.replicate.com`."""

    timeout: float | None = None
    """Seconds a whole prediction may take; after that it is canceled on
    Replicate and `ReplicateTimeoutError` is raised. Must be positive;
    `float("inf")` means no limit, like `None`. Default: no limit."""

    max_retries: int = 2
    """Retries of a prediction create refused with HTTP 429 (after `Retry-After`).
    Default: `2`."""

    client_kwargs: dict[str, Any] = Field(
        default_factory=dict, exclude=True, repr=False
    )
    """Extra keyword arguments for `replicate.Client` (e.g. `transport=`,
    `headers=`). Default: `{}`."""

    throttle_store: str | None = Field(
        default_factory=from_env("REPLICATE_THROTTLE_STORE", default="local"),
        repr=False,  # a redis:// URL may hold a password
    )
    """Where processes using the same token share what they learn about its
    rate limit (the `Retry-After` gate and the create rate), so several workers
    on one account pace together: `"local"` (a SQLite file in the user cache
    dir, named by a hash of the base URL and token: every process of this user
    on this machine), a `redis://host:6379/0` URL (processes on several
    machines; `pip install "langchain-replicate[redis]"`), a
    `sqlite:///path/file.db`, or `None` (each process paces alone). A URL
    with credentials is serialized as a reference to the env var, like the
    token. Default: env `REPLICATE_THROTTLE_STORE`, else `"local"`."""

    _ref: ModelRef = PrivateAttr()
    """The parsed model reference (set by each class's validator)."""

    def __init__(self, **data: Any) -> None:  # noqa: ANN401 - pydantic's signature
        """Validate the settings, then check `timeout` and clean the token.

        Both are checked after pydantic's validation, not in validators, so the
        error is ours (typed, naming the setting): pydantic would wrap it, and
        quote the raw token as its input.

        Raises:
            ReplicateInputError: If `timeout` is 0, negative or NaN, or
                `throttle_store` is not a store setting.
            ReplicateTokenError: If the token holds a character an HTTP header
                cannot carry (the message names the setting, never the token).
        """
        super().__init__(**data)
        self.timeout = check_timeout(self.timeout)
        self.throttle_store = check_spec(self.throttle_store)
        if self.replicate_api_token is not None:
            token = clean_token(
                self.replicate_api_token.get_secret_value(), _token_setting(data)
            )
            self.replicate_api_token = SecretStr(token) if token else None

    @property
    def _create_wait(self) -> int:
        """Seconds a create is held open with `Prefer: wait` (`0`: not at all)."""
        return MAX_WAIT

    def __getstate__(self) -> dict[Any, Any]:
        """Pickled state: the settings, without the built `ReplicateAPI`.

        Its clients, locks and pacer belong to this process; the copy builds (or
        joins) its own from the same settings on first use, so a model pickles,
        cloudpickles and travels to workers (Ray, Spark, Dask, `multiprocessing`)
        before or after its first call. The token travels only as the
        `replicate_api_token` field (a `SecretStr`) does.
        """
        state = super().__getstate__()
        return {**state, "__dict__": _without_api(state["__dict__"])}

    def __copy__(self) -> Self:
        """A shallow copy (also `model_copy(update=...)`) that builds its own API.

        It rebuilds (or joins) its `ReplicateAPI` on first use, from its own
        settings: an update of `timeout` or `base_url` takes effect.
        """
        copied = super().__copy__()
        copied.__dict__.pop(_API, None)
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """A deep copy that rebuilds (or joins) its `ReplicateAPI` on first use.

        As `__copy__`: the copy's settings may be changed, and an API's clients
        and locks cannot be copied.
        """
        memo = {} if memo is None else memo
        api = self.__dict__.get(_API)
        if api is not None:
            memo[id(api)] = api  # not descended into; dropped from the copy below
        copied = super().__deepcopy__(memo)
        copied.__dict__.pop(_API, None)
        return copied

    @cached_property
    def _api(self) -> ReplicateAPI:
        return ReplicateAPI.from_settings(
            api_token=self.replicate_api_token,
            base_url=self.base_url,
            client_kwargs=self.client_kwargs,
            max_retries=self.max_retries,
            wait=self._create_wait,
            timeout=self.timeout,
            throttle_store=self.throttle_store,
        )

    # -- following a run to its end (the tools) ----------------------------------------

    def _follow_to_end(
        self,
        ref: ModelRef,
        model_input: dict[str, Any],
        *,
        show_progress: bool,
        run_manager: CallbackManagerForToolRun | None,
    ) -> Prediction:
        """Create a prediction and follow it to its end, reporting its progress.

        Progress bars in the logs are sent as the `replicate_progress` custom
        event (and drawn on stderr with `show_progress`). Leaving early (an
        exception, the deadline) cancels the prediction (the core's rule).

        Returns:
            The ended prediction.

        Raises:
            ReplicatePredictionError: If it failed or was canceled.
            ReplicateTimeoutError: If `timeout` passed (it was canceled).
        """
        tracker = ProgressTracker()
        predictions = self._api.follow(ref, model_input)
        with closing(predictions):
            for prediction in predictions:
                data = _progress(tracker, prediction, ref.name, show=show_progress)
                if data is not None and run_manager is not None:
                    config = RunnableConfig(callbacks=run_manager.get_child())
                    dispatch_custom_event(PROGRESS_EVENT, data, config=config)
        return _ended(tracker, prediction, ref.name, show=show_progress)

    async def _afollow_to_end(
        self,
        ref: ModelRef,
        model_input: dict[str, Any],
        *,
        show_progress: bool,
        run_manager: AsyncCallbackManagerForToolRun | None,
    ) -> Prediction:
        """Async `_follow_to_end`."""
        tracker = ProgressTracker()
        predictions = self._api.afollow(ref, model_input)
        async with aclosing(predictions):
            async for prediction in predictions:
                data = _progress(tracker, prediction, ref.name, show=show_progress)
                if data is not None and run_manager is not None:
                    config = RunnableConfig(callbacks=run_manager.get_child())
                    await adispatch_custom_event(PROGRESS_EVENT, data, config=config)
        return _ended(tracker, prediction, ref.name, show=show_progress)


def _progress(
    tracker: ProgressTracker, prediction: Prediction, label: str, *, show: bool
) -> dict[str, Any] | None:
    """Note a polled prediction; the progress event's data if it moved."""
    if (progress := tracker.update(prediction)) is None:
        return None
    if show:
        _draw(progress, label)
    return progress.event_data()


def _draw(progress: Progress, label: str, *, last: bool = False) -> None:
    sys.stderr.write(f"\r{progress.bar(label)}{chr(10) if last else ''}")
    sys.stderr.flush()


def _ended(
    tracker: ProgressTracker, prediction: Prediction, label: str, *, show: bool
) -> Prediction:
    """End the bar; the prediction, checked (raises if it failed)."""
    if show and tracker.last is not None:
        _draw(tracker.last, label, last=True)
    return check_prediction(prediction)


_API = "_api"
"""Where `cached_property` keeps an instance's `ReplicateAPI` (its `__dict__`)."""


def _without_api(values: Mapping[str, Any]) -> dict[str, Any]:
    """An instance's `__dict__` without its built `ReplicateAPI`."""
    return {name: value for name, value in values.items() if name != _API}


def build_extra(values: Mapping[str, Any], field_names: set[str]) -> dict[str, Any]:
    """Constructor values with unknown kwargs moved into `model_kwargs`.

    As `langchain_community.llms.Replicate` did: an unknown keyword argument
    becomes a model input (with a warning, it may be a typo). `model_kwargs` is
    kept exactly as given, even when it names a field (`temperature`,
    `max_length`...): it is sent as given at call time (max-token aliases renamed
    to the model's own input), so nothing the old class accepted warns.

    Args:
        values: The constructor's keyword arguments.
        field_names: The class's field names and aliases.

    Returns:
        The values to validate.

    Raises:
        ValueError: If an input is given both as a kwarg and in `model_kwargs`.
    """
    values = dict(values)
    extra = dict(values.get("model_kwargs") or {})
    moved = False
    for name in list(values):
        if name in field_names:
            continue
        if name in extra:
            msg = f"Found {name} supplied twice (as an argument and in model_kwargs)."
            raise ValueError(msg)
        warnings.warn(
            f"{name} is not a parameter of this class; it was moved to "
            f"model_kwargs and will be sent as the model input {name!r}.",
            stacklevel=7,
        )
        extra[name] = values.pop(name)
        moved = True
    if moved or "model_kwargs" in values:
        values["model_kwargs"] = extra
    return values


def _token_setting(data: Mapping[str, Any]) -> str:
    """Which setting the token came from, for error messages."""
    for name in ("api_key", "replicate_api_token"):
        if data.get(name) is not None:
            return name
    for name in ("REPLICATE_API_TOKEN", "REPLICATE_API_KEY"):
        if os.environ.get(name):
            return f"the {name} environment variable"
    return "replicate_api_token"


class ReplicateSettings(ReplicateConnection):
    """Client settings and standard model params of the Replicate classes."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Further model inputs, kept as given and sent as given except that
    max-token aliases (`max_tokens`, `max_new_tokens`, `max_length`,
    `max_completion_tokens`) are renamed to the model's own; they win over the
    standard fields (`temperature`...). Unknown constructor kwargs land here
    (with a warning). Default: `{}`."""

    streaming: bool = False
    """Stream tokens to callbacks (`on_llm_new_token`) during `invoke`. Default:
    `False`."""

    stop: list[str] | None = None
    """Stop sequences for every call (a call's own `stop` replaces them). One
    string is one stop sequence. Default: none."""

    temperature: float | None = None
    """Sampling temperature, if the model takes one. Default: the model's."""

    max_tokens: int | None = None
    """Maximum tokens to generate, sent under the model's own name
    (`max_tokens`, `max_new_tokens`, `max_length`, `max_completion_tokens`).
    Default: the model's."""

    top_p: float | None = None
    """Nucleus sampling probability. Default: the model's."""

    top_k: int | None = None
    """Top-k sampling. Default: the model's."""

    seed: int | None = None
    """Random seed. Default: the model's."""

    reasoning_effort: str | None = None
    """How much a reasoning model thinks, sent under the input its schema has:
    `reasoning_effort` (OpenAI GPT-5 and o-series: `minimal`, `low`, `medium`,
    `high`; GPT-5.1 also `none`), `thinking_level` (Gemini 3: `low`, `high`) or
    a text `thinking` (DeepSeek-V3.1: `medium`, `None`). The value must be one
    the schema allows (any case). `"none"` also turns thinking off on models
    with a switch for it (Qwen3-style `enable_thinking`, Claude's
    `extended_thinking`, Gemini 2.5's `thinking_budget=0`). A model without
    such an input raises `ReplicateInputError` naming its inputs, before any
    prediction (also with `validate_inputs=False`). A call's
    `reasoning_effort=` overrides it. Default: the model's."""

    thinking_budget: int | None = Field(default=None, ge=0)
    """Most tokens a reasoning model may think: sent as `thinking_budget_tokens`
    with `extended_thinking=True` (Claude 3.7/4 Sonnet) or as `thinking_budget`
    (Gemini 2.5), checked against the schema's range; `0` turns thinking off
    where the model can. A model without such an input raises
    `ReplicateInputError` naming its inputs, before any prediction. A call's
    `thinking_budget=` overrides it. Default: the model's."""

    wait: int = Field(default=MAX_WAIT, ge=1, le=MAX_WAIT)
    """Seconds a non-streaming create is held open (`Prefer: wait`) before
    falling back to the stream or polling. Default: `60` (the maximum)."""

    validate_inputs: bool = True
    """Reject inputs the model's schema does not list, before any prediction is
    created. Turn off for models whose schema is incomplete. Default: `True`."""

    @field_validator("stop", mode="before")
    @classmethod
    def _one_stop_sequence(cls, stop: object) -> object:
        """`stop="x"` is one stop sequence, as in a call's `stop`."""
        return [stop] if isinstance(stop, str) else stop

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The token is serialized as a reference to its env var, never its value.

        So is a `throttle_store` URL that holds credentials (`redis://:pw@host`).
        """
        secrets = {"replicate_api_token": "REPLICATE_API_TOKEN"}
        if self.throttle_store is not None and has_credentials(self.throttle_store):
            secrets["throttle_store"] = "REPLICATE_THROTTLE_STORE"
        return secrets

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Serializable with `langchain_core.load.dumpd`."""
        return True

    @property
    def _create_wait(self) -> int:
        return self.wait

    def _standard_params(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in STANDARD_PARAMS
            if getattr(self, name) is not None
        }

    def _reasoning_settings(self) -> ReasoningSettings:
        """The instance's reasoning settings (a class may add `thinking_off`)."""
        return ReasoningSettings(
            effort=self.reasoning_effort, budget=self.thinking_budget
        )

    @property
    def _identifying_params(self) -> dict[str, Any]:
        reasoning = {
            name: getattr(self, name)
            for name in ("reasoning_effort", "thinking_budget")
            if getattr(self, name) is not None
        }
        return {
            "model": str(self._ref),
            "model_kwargs": self.model_kwargs,
            **self._standard_params(),
            **reasoning,
        }

    def _replicate_ls_params(
        self, params: LangSmithParams, kwargs: Mapping[str, Any]
    ) -> LangSmithParams:
        """Tracing params: our provider, and the model the call really runs."""
        params["ls_provider"] = "replicate"
        model = kwargs.get("model")
        params["ls_model_name"] = model if isinstance(model, str) else str(self._ref)
        return params

    def _plan_options(self) -> dict[str, Any]:
        """Further `CallPlan.make` arguments of a class (e.g. `prompt_key`)."""
        return {}

    def _plan(self, stop: list[str] | None, kwargs: Mapping[str, Any]) -> CallPlan:
        """Merge the settings with one call's `stop` and kwargs.

        A call's `stop` may be one string (one stop sequence): LangChain passes
        what the caller gave.

        Raises:
            ReplicateInputError: If `stop` holds something other than strings.
        """
        return CallPlan.make(
            ref=self._ref,
            standard=self._standard_params(),
            model_kwargs=self.model_kwargs,
            stop=stop_sequences(stop) if stop is not None else self.stop,
            call_kwargs=kwargs,
            validate=self.validate_inputs,
            reasoning=self._reasoning_settings(),
            **self._plan_options(),
        )

    def _stream_chunks(
        self,
        call: PreparedCall,
        run_manager: CallbackManagerForLLMRun | None,
        to_chunk: Callable[[PreparedCall, StreamPiece], ChunkT],
    ) -> Iterator[ChunkT]:
        """Stream the call's prediction as chunks, calling back before each yield.

        Closing the pieces (also when the caller stops early) lets the core
        cancel a prediction that has not ended.
        """
        pieces = self._api.stream_text(call.ref, call.model_input, stop=call.stop)
        with closing(pieces):
            for piece in pieces:
                chunk = to_chunk(call, piece)
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    async def _astream_chunks(
        self,
        call: PreparedCall,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        to_chunk: Callable[[PreparedCall, StreamPiece], ChunkT],
    ) -> AsyncGenerator[ChunkT]:
        """Async `_stream_chunks`."""
        pieces = self._api.astream_text(call.ref, call.model_input, stop=call.stop)
        async with aclosing(pieces):
            async for piece in pieces:
                chunk = to_chunk(call, piece)
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk


# -- streams nobody observes -----------------------------------------------------------


def unobserved(model: BaseLanguageModel[Any], config: RunnableConfig | None) -> bool:
    """Whether nothing but the caller would see a stream of `model` under `config`.

    True when no callback handler is configured (none given, no `verbose`, no
    LangSmith tracing, not inside a traced chain or `astream_events`) and no
    rate limiter is set. LangChain's `stream` then does per token only what
    nobody sees: a callback dispatch and, for `on_llm_end`, keeping and merging
    every chunk. That costs about as much client CPU as reading the token
    itself, so `Replicate.stream` and `ChatReplicate.stream` skip it then
    (the chunks they yield are the same).
    """
    if getattr(model, "rate_limiter", None) is not None:
        return False
    config = config or {}
    manager = CallbackManager.configure(
        config.get("callbacks"),
        model.callbacks,
        model.verbose,
        config.get("tags"),
        model.tags,
        config.get("metadata"),
        model.metadata,
    )
    return not manager.handlers


def stream_run_id(config: RunnableConfig | None) -> str:
    """The message id of an unobserved chat stream, as LangChain's `stream` sets it."""
    run_id = (config or {}).get("run_id") or uuid7()
    return f"{LC_ID_PREFIX}-{run_id}"


def streamed_message(chunk: ChatGenerationChunk, run_id: str) -> AIMessageChunk:
    """A chunk's message as `BaseChatModel.stream` yields it (id and metadata)."""
    message = chunk.message
    if message.id is None:
        message.id = run_id
    if chunk.generation_info:
        message.response_metadata = {
            **chunk.generation_info,
            **message.response_metadata,
        }
    return cast("AIMessageChunk", message)  # our chunks carry AIMessageChunks
