r"""`ChatReplicate`: a LangChain chat model over Replicate's language models.

Data flow of one call (sync and async share every step but the I/O):

```text
messages ─┐
          ├─ CallPlan.make (instance settings + call kwargs; per-call model=)
          │
          ├─ ReplicateAPI.prepare_chat ── schema lookup (cached per process)
          │    └─ chat_prompt (pure, _chat_inputs.py): by the schema, one of
          │         messages │ system_prompt + prompt │ our template + the
          │         model's prompt_template={prompt} │ a rendered prompt;
          │         images → the schema's image input (uploaded if large)
          │
          ├─ no stop, not streaming: ReplicateAPI.run (one create, Prefer: wait)
          │    └─ AIMessage(text, usage_metadata, response_metadata)
          └─ stream / stop sequences: ReplicateAPI.stream_text (SSE)
               └─ AIMessageChunk per token; the last one carries usage,
                  response_metadata and chunk_position="last"
```

A stop sequence cancels the prediction on Replicate at once, as does any
abandoned call (an exception, a canceled task, a consumer that stops reading,
the `timeout`).
"""

from __future__ import annotations

import functools
from functools import cached_property
from typing import TYPE_CHECKING, Any

from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils import from_env, secret_from_env
from langchain_core.utils.utils import _build_model_kwargs, get_pydantic_field_names
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, model_validator

from langchain_replicate._calls import CallPlan, PreparedCall
from langchain_replicate._chat_inputs import chat_prompt
from langchain_replicate._client import MAX_WAIT, ReplicateAPI, StreamPiece
from langchain_replicate._inputs import STANDARD_PARAMS
from langchain_replicate._metadata import (
    finish_reason,
    prediction_info,
    usage_from_metrics,
)
from langchain_replicate._models import ModelRef, parse_model_ref
from langchain_replicate._outputs import output_to_text
from langchain_replicate._prompts import ChatTemplate  # noqa: TC001 - a field type

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping

    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.language_models.base import LangSmithParams
    from langchain_core.messages import BaseMessage
    from typing_extensions import Self

    from langchain_replicate._client import Prediction


class ChatReplicate(BaseChatModel):
    """Chat model over Replicate's language models."""

    model_config = ConfigDict(populate_by_name=True)

    model: str = Field(alias="model_name")
    """The model: `owner/name` (official model, latest version),
    `owner/name:version` or `deployments/owner/name`. Checked at construction."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Further model inputs, sent as given except that max-token aliases
    (`max_tokens`, `max_new_tokens`, `max_length`, `max_completion_tokens`) are
    renamed to the model's own. Unknown constructor kwargs land here (with a
    warning). Default: `{}`."""

    replicate_api_token: SecretStr | None = Field(
        default_factory=secret_from_env(
            ["REPLICATE_API_TOKEN", "REPLICATE_API_KEY"], default=None
        ),
        alias="api_key",
    )
    """API token. Default: env `REPLICATE_API_TOKEN`, then `REPLICATE_API_KEY`."""

    base_url: str | None = Field(
        default_factory=from_env("REPLICATE_BASE_URL", default=None)
    )
    """API origin. Default: env `REPLICATE_BASE_URL`, else
    `https://api.replicate.com`."""

    prompt_template: str | ChatTemplate | None = None
    """The chat template for models that take a plain prompt: a built-in name
    (`chatml`, `deepseek`, `gemma`, `llama-2`, `llama-3`, `mistral`, `phi-3`)
    or a `ChatTemplate`. Not the model's own `prompt_template` input (set that
    in `model_kwargs`). Default: chosen from the model's name."""

    streaming: bool = False
    """Stream tokens to callbacks (`on_llm_new_token`) during `invoke`.
    Default: `False`."""

    stop: list[str] | None = None
    """Stop sequences for every call (a call's own `stop` replaces them).
    Default: none."""

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

    timeout: float | None = None
    """Seconds a whole prediction may take; after that it is canceled on
    Replicate and `ReplicateTimeoutError` is raised. Default: no limit."""

    max_retries: int = 2
    """Retries of a prediction create refused with HTTP 429 (after
    `Retry-After`). Default: `2`."""

    wait: int = Field(default=MAX_WAIT, ge=1, le=MAX_WAIT)
    """Seconds a non-streaming create is held open (`Prefer: wait`) before
    falling back to the stream or polling. Default: `60` (the maximum)."""

    validate_inputs: bool = True
    """Reject inputs the model's schema does not list, before any prediction
    is created. Default: `True`."""

    client_kwargs: dict[str, Any] = Field(
        default_factory=dict, exclude=True, repr=False
    )
    """Extra keyword arguments for `replicate.Client` (e.g. `transport=`,
    `headers=`). Default: `{}`."""

    _ref: ModelRef = PrivateAttr()

    @model_validator(mode="before")
    @classmethod
    def _build_extra(cls, values: dict[str, Any]) -> Any:  # noqa: ANN401 - pydantic
        """Move unknown constructor kwargs into `model_kwargs` (with a warning)."""
        if not isinstance(values, dict):
            return values
        return _build_model_kwargs(dict(values), get_pydantic_field_names(cls))

    @model_validator(mode="after")
    def _parse_model(self) -> Self:
        """Parse the model reference so a malformed one fails here."""
        self._ref = parse_model_ref(self.model)
        return self

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The token is serialized as a reference to its env var, never its value."""
        return {"replicate_api_token": "REPLICATE_API_TOKEN"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """`ChatReplicate` can be serialized with `langchain_core.load.dumpd`."""
        return True

    @property
    def _llm_type(self) -> str:
        return "replicate-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": str(self._ref),
            "model_kwargs": self.model_kwargs,
            "prompt_template": self.prompt_template,
            **self._standard_params(),
        }

    def _get_ls_params(
        self,
        stop: list[str] | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop or self.stop, **kwargs)
        params["ls_provider"] = "replicate"
        return params

    # -- building a call -------------------------------------------------------------

    @cached_property
    def _api(self) -> ReplicateAPI:
        return ReplicateAPI.from_settings(
            api_token=self.replicate_api_token,
            base_url=self.base_url,
            client_kwargs=self.client_kwargs,
            max_retries=self.max_retries,
            wait=self.wait,
            timeout=self.timeout,
        )

    def _standard_params(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in STANDARD_PARAMS
            if getattr(self, name) is not None
        }

    def _plan(self, stop: list[str] | None, kwargs: Mapping[str, Any]) -> CallPlan:
        return CallPlan.make(
            ref=self._ref,
            standard=self._standard_params(),
            model_kwargs=self.model_kwargs,
            stop=stop if stop is not None else self.stop,
            call_kwargs=kwargs,
            validate=self.validate_inputs,
        )

    def _prompt_builder(
        self, messages: list[BaseMessage], plan: CallPlan
    ) -> functools.partial[Any]:
        return functools.partial(
            chat_prompt,
            messages,
            model=str(plan.ref),
            prompt_template=self.prompt_template,
        )

    # -- results (pure) --------------------------------------------------------------

    @staticmethod
    def _metadata(
        call: PreparedCall, prediction: Prediction, *, stopped: bool
    ) -> dict[str, Any]:
        info = prediction_info(prediction, model_name=str(call.ref))
        info["finish_reason"] = finish_reason(
            info["metrics"], stopped=stopped, max_tokens=call.max_tokens
        )
        info["web_url"] = (prediction.get("urls") or {}).get("web")
        return info

    def _result(self, call: PreparedCall, prediction: Prediction) -> ChatResult:
        message = AIMessage(
            content=output_to_text(prediction.get("output"), call.kind),
            usage_metadata=usage_from_metrics(prediction.get("metrics")),
            response_metadata=self._metadata(call, prediction, stopped=False),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _chunk(self, call: PreparedCall, piece: StreamPiece) -> ChatGenerationChunk:
        if piece.prediction is None:
            return ChatGenerationChunk(message=AIMessageChunk(content=piece.text))
        return ChatGenerationChunk(
            message=AIMessageChunk(
                content=piece.text,
                usage_metadata=usage_from_metrics(piece.prediction.get("metrics")),
                response_metadata=self._metadata(
                    call, piece.prediction, stopped=piece.stopped
                ),
                chunk_position="last",
            )
        )

    @staticmethod
    def _by_stream(call: PreparedCall) -> bool:
        """Text calls with stop sequences run over the stream (to cancel early)."""
        return bool(call.stop) and call.is_text

    # -- sync ------------------------------------------------------------------------

    def _prepare(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
    ) -> PreparedCall:
        plan = self._plan(stop, kwargs)
        return self._api.prepare_chat(plan, self._prompt_builder(messages, plan))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> Iterator[ChatGenerationChunk]:
        yield from self._stream_call(self._prepare(messages, stop, kwargs), run_manager)

    def _stream_call(
        self, call: PreparedCall, run_manager: CallbackManagerForLLMRun | None
    ) -> Iterator[ChatGenerationChunk]:
        pieces = self._api.stream_text(call.ref, call.model_input, stop=call.stop)
        try:
            for piece in pieces:
                chunk = self._chunk(call, piece)
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        finally:
            pieces.close()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> ChatResult:
        call = self._prepare(messages, stop, kwargs)
        if self._by_stream(call):
            return generate_from_stream(self._stream_call(call, run_manager))
        return self._result(call, self._api.run(call.ref, call.model_input, final=True))

    # -- async (the same steps; only the I/O differs) --------------------------------

    async def _aprepare(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
    ) -> PreparedCall:
        plan = self._plan(stop, kwargs)
        return await self._api.aprepare_chat(plan, self._prompt_builder(messages, plan))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = await self._aprepare(messages, stop, kwargs)
        async for chunk in self._astream_call(call, run_manager):
            yield chunk

    async def _astream_call(
        self, call: PreparedCall, run_manager: AsyncCallbackManagerForLLMRun | None
    ) -> AsyncIterator[ChatGenerationChunk]:
        pieces = self._api.astream_text(call.ref, call.model_input, stop=call.stop)
        try:
            async for piece in pieces:
                chunk = self._chunk(call, piece)
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        finally:
            await pieces.aclose()

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> ChatResult:
        call = await self._aprepare(messages, stop, kwargs)
        if self._by_stream(call):
            return await agenerate_from_stream(self._astream_call(call, run_manager))
        prediction = await self._api.arun(call.ref, call.model_input, final=True)
        return self._result(call, prediction)
