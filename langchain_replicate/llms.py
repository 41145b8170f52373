"""The `Replicate` LLM: text completion (or an image URL) from any Replicate model."""

from __future__ import annotations

import asyncio
import functools
from contextlib import aclosing, closing
from typing import TYPE_CHECKING, Any, TypeVar, cast

from langchain_core.language_models.llms import BaseLLM
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from langchain_core.prompt_values import ChatPromptValue
from langchain_core.utils.utils import get_pydantic_field_names
from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from langchain_replicate._batching import PerInputBatches, run_batch
from langchain_replicate._chat.messages import check_text_only
from langchain_replicate._inputs.model_ref import ModelRef, parse_model_ref
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate._outputs.metadata import generation_info
from langchain_replicate._outputs.text import output_to_text
from langchain_replicate._settings import ReplicateSettings, build_extra, unobserved
from langchain_replicate.errors import (
    ReplicateInvalidRequestError,
)

if TYPE_CHECKING:
    from collections.abc import (
        AsyncGenerator,
        AsyncIterator,
        Callable,
        Generator,
        Iterator,
        Mapping,
    )

    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
        Callbacks,
    )
    from langchain_core.language_models.base import (
        LangSmithParams,
        LanguageModelInput,
    )
    from langchain_core.prompt_values import PromptValue
    from langchain_core.runnables import RunnableConfig
    from typing_extensions import Self

    from langchain_replicate._client import Prediction, StreamPiece
    from langchain_replicate._inputs.calls import PreparedCall


T = TypeVar("T")


class Replicate(PerInputBatches, ReplicateSettings, BaseLLM):
    r"""Replicate large language models (and any model whose output is text or a file).

    A drop-in for `langchain_community.llms.Replicate`: same constructor, same
    results, plus native async, real streaming (SSE), stop sequences that cancel
    the prediction, typed errors and prediction metadata.

    Setup:
        Install `langchain-replicate` and set the environment variable
        `REPLICATE_API_TOKEN` (or pass `api_key=...`).

        ```bash
        pip install -U langchain-replicate
        export REPLICATE_API_TOKEN="r8_..."
        ```

    Key init args — completion params:
        | Param          | Type               | Description                          |
        | -------------- | ------------------ | ------------------------------------ |
        | `model`        | `str`              | `owner/name`, `owner/name:version`   |
        |                |                    | or `deployments/owner/name`.         |
        | `deployment`   | `str \| None`      | A deployment `owner/name`.           |
        | `model_kwargs` | `dict`             | Further model inputs (alias `input`).|
        | `temperature`  | `float \| None`    | Sent under the model's own name,     |
        | `max_tokens`   | `int \| None`      | like `top_p`, `top_k` and `seed`.    |
        | `stop`         | `list[str] \| None`| Stop sequences.                      |
        | `streaming`    | `bool`             | Stream tokens to callbacks.          |

    Key init args — client params:
        | Param         | Type                | Description                          |
        | ------------- | ------------------- | ------------------------------------ |
        | `api_key`     | `SecretStr \| None` | Default: env `REPLICATE_API_TOKEN`.  |
        | `base_url`    | `str \| None`       | Default: env `REPLICATE_BASE_URL`.   |
        | `timeout`     | `float \| None`     | Seconds per prediction, then cancel. |
        | `max_retries` | `int`               | Retries of a create refused by 429.  |

    Instantiate:
        ```python
        from langchain_replicate import Replicate

        llm = Replicate(
            model="meta/meta-llama-3-8b-instruct",
            temperature=0.75,
            max_tokens=500,
        )
        ```

    Invoke:
        The outputs shown here are real, from the local Replicate-compatible
        server (see Offline below), whose reference models reply to any prompt
        with deterministic text; a real model's reply differs. `...` marks a cut.

        ```python
        llm.invoke("Can a dog drive a car? Answer in one word.")
        ```

        ```txt
        'You asked: "Can a dog drive a car? Answer in one word.". This is a reference
        reply from the local Replicate server, put together from the words of your
        prompt, so the same prompt and seed always give the same text.\n\nMost
        practical questions about word come down to history and example. ...
        That is the outline; the details of word follow from it.'
        ```

        An image model returns the URL of its (first) output file:

        ```python
        text2image = Replicate(
            model="stability-ai/stable-diffusion:db21e45d3f7023abc2a46ee38a23973f6dce16bb082a930b0c49861f96d1e5bf",
            model_kwargs={"image_dimensions": "512x512"},
        )
        text2image.invoke("A cat riding a motorcycle by Picasso")
        ```

        ```txt
        'http://127.0.0.1:8787/delivery/dgvt9qre3ep3j0q4dwzavv9d9r/out-0.png'
        ```

        (On Replicate: `'https://replicate.delivery/.../out-0.png'`, or a `data:`
        URI for a small file returned in sync mode.)

    Stream:
        ```python
        for chunk in llm.stream("Write a haiku about llamas."):
            print(chunk, end="|", flush=True)
        ```

        ```txt
        You| asked|:| "|Write| a| haiku| about| llamas|.|"|.| This| is| a| reference|
        reply| from| the| local| Replicate| server|,| ...
        ```

        With `stop=[...]` (at init or per call) the output ends before the first
        stop sequence, in `invoke` and `stream` alike. The stop sequences are sent
        to models that take `stop_sequences`, and a prediction still running when
        one appears is canceled on Replicate at once.

    Async:
        ```python
        await llm.ainvoke("Can a dog drive a car?")
        async for chunk in llm.astream("Write a haiku about llamas."):
            print(chunk, end="", flush=True)
        await llm.abatch(["Hi", "Hello"], config={"max_concurrency": 8})
        ```

        ```txt
        ['You asked: "Hi". This is a reference reply from the local Replicate ...',
         'You asked: "Hello". This is a reference reply from the local Replicate ...']
        ```

    Response metadata:
        ```python
        llm.generate(["Hi"]).generations[0][0].generation_info
        ```

        ```txt
        {'prediction_id': 'j1g59xva715rv220gjj3sxw0j1',
         'model_name': 'meta/meta-llama-3-8b-instruct',
         'model': 'meta/meta-llama-3-8b-instruct',
         'version': 'dp-653caab6e1eec8f8bcf910e33aa8c409',
         'status': 'succeeded',
         'metrics': {'input_token_count': 18, 'output_token_count': 211,
                     'time_to_first_token': 0.02068042755126953,
                     'tokens_per_second': 94.51373266056501,
                     'predict_time': 2.253160238265991,
                     'total_time': 2.253310441970825},
         'model_provider': 'replicate',
         'web_url': 'http://127.0.0.1:45253/p/j1g59xva715rv220gjj3sxw0j1',
         'finish_reason': 'stop'}
        ```

        A non-streaming call answered in sync mode may report `status`
        `'processing'` and empty `metrics` (Replicate sends the output before
        the metrics). `finish_reason` is `'stop_sequence'` when a stop sequence
        ended it, `'length'` when the output reached `max_tokens`, else `'stop'`.

    Offline:
        The same calls run against the local Replicate-compatible server
        (`pip install "langchain-replicate[server]"`); this output is exact
        (wrapped here):

        ```python
        from langchain_replicate.testing import LocalReplicateServer

        with LocalReplicateServer() as server:
            llm = Replicate(
                model="meta/meta-llama-3-8b-instruct",
                api_key=server.api_token,
                base_url=server.base_url,
                max_tokens=40,
                seed=1,
            )
            llm.invoke("Can a dog drive a car?", stop=["\n\n"])
        ```

        ```txt
        'You asked: "Can a dog drive a car?". This is a reference reply from the
        local Replicate server, put together from the words of your prompt, so the
        same prompt and seed always'
        ```

    Errors:
        Failures raise the classes in `langchain_replicate.errors`, which inherit
        both `replicate`'s exceptions and `langchain_core.exceptions`'
        (`ReplicateAuthenticationError`, `ReplicateRateLimitError`,
        `ReplicatePredictionError` with the prediction id, error and log tail,
        `ReplicateTimeoutError` after `timeout`...). A create refused with 429
        is retried `max_retries` times after `Retry-After`; a create that may have
        reached Replicate is never retried (it could run, and bill, twice).
    """

    model_config = ConfigDict(populate_by_name=True)

    model: str | None = Field(default=None, alias="model_name")
    """The model: `owner/name` (official model, latest version), `owner/name:version`
    or `deployments/owner/name`. Checked at construction."""

    deployment: str | None = None
    """A deployment `owner/name` to run instead of `model` (default: none)."""

    version_obj: Any = Field(default=None, exclude=True, repr=False)
    """A `replicate` `Version` (or anything with `id` and `openapi_schema`), as in
    `langchain_community`: its schema is used instead of a lookup, and its id
    pins the version when `model` has none. Default: none."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict, alias="input")
    """Further model inputs, kept as given (`llm.model_kwargs` is what you
    passed, as in `langchain_community`) and sent as given except that
    max-token aliases (`max_tokens`, `max_new_tokens`, `max_length`,
    `max_completion_tokens`) are renamed to the model's own; they win over the
    standard fields. Unknown constructor kwargs land here (with a warning).
    Default: `{}`."""

    prompt_key: str | None = None
    """The input that takes the prompt. Default: found from the model's schema
    (`prompt` if it has one)."""

    _own_schema: InputSchema | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _build_extra(cls, values: dict[str, Any]) -> Any:  # noqa: ANN401 - pydantic
        """Move unknown constructor kwargs into `model_kwargs` (with a warning)."""
        if not isinstance(values, dict):
            return values
        values = dict(values)
        if "input" in values:
            values["model_kwargs"] = {
                **values.pop("input"),
                **values.get("model_kwargs", {}),
            }
        if "model_kwargs" in values:
            values["model_kwargs"] = dict(values["model_kwargs"])
        return build_extra(values, get_pydantic_field_names(cls))

    @model_validator(mode="after")
    def _parse_model(self) -> Self:
        """Parse the model reference so a malformed one fails here."""
        ref = parse_model_ref(self.model, self.deployment)
        version = getattr(self.version_obj, "id", None)
        if version and not ref.version and not ref.is_deployment:
            ref = ModelRef(ref.owner, ref.name, str(version))
        self._ref = ref
        schema = getattr(self.version_obj, "openapi_schema", None)
        self._own_schema = InputSchema.from_openapi(schema) if schema else None
        return self

    @property
    def _llm_type(self) -> str:
        return "replicate"

    def _convert_input(self, model_input: LanguageModelInput) -> PromptValue:
        """Messages become text, as in any LLM, but never by dropping an image.

        Raises:
            ReplicateInputError: If a message holds an image (use `ChatReplicate`).
        """
        prompt = super()._convert_input(model_input)
        if isinstance(prompt, ChatPromptValue):
            check_text_only(prompt.messages)
        return prompt

    def _get_ls_params(
        self,
        stop: list[str] | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseLLM's signature
    ) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop or self.stop, **kwargs)
        return self._replicate_ls_params(params, kwargs)

    # -- building a call (pure but for the schema lookup) ------------------------------

    def _plan_options(self) -> dict[str, Any]:
        return {"prompt_key": self.prompt_key, "own_schema": self._own_schema}

    # -- results (pure) ----------------------------------------------------------------

    def _generation(self, call: PreparedCall, prediction: Prediction) -> Generation:
        return Generation(
            text=output_to_text(prediction.get("output"), call.kind),
            generation_info=generation_info(call, prediction, stopped=False),
        )

    def _chunk(self, call: PreparedCall, piece: StreamPiece) -> GenerationChunk:
        if piece.prediction is None:
            return GenerationChunk(text=piece.text)
        return GenerationChunk(
            text=piece.text,
            generation_info=generation_info(
                call, piece.prediction, stopped=piece.stopped
            ),
        )

    @staticmethod
    def _aggregated(chunks: list[GenerationChunk]) -> Generation:
        if not chunks:
            return Generation(text="")
        total = chunks[0]
        for chunk in chunks[1:]:
            total += chunk
        return Generation(text=total.text, generation_info=total.generation_info)

    @staticmethod
    def _by_stream(call: PreparedCall, *, streaming: bool) -> bool:
        """Text calls with stop sequences (or `streaming`) run over the stream.

        File and structured outputs are always read from the finished prediction.
        """
        return (streaming or bool(call.stop)) and call.is_text

    # -- streams -----------------------------------------------------------------------

    def stream(
        self,
        input: LanguageModelInput,  # noqa: A002 - BaseLLM's signature
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseLLM's signature
    ) -> Iterator[str]:
        """`BaseLLM.stream`; when nothing observes it, without its per-token work.

        With no callback handler, tracer or rate limiter (`unobserved`), the
        text pieces are yielded straight from `_stream`: the same pieces, but
        without a callback dispatch and a chunk merge per token that nobody
        would see (they cost about as much client CPU as reading the token).
        """
        if not unobserved(self, config):
            yield from super().stream(input, config, stop=stop, **kwargs)
            return
        prompt = self._convert_input(input).to_string()
        yield from self._retrying(prompt, stop, kwargs, self._texts)

    async def astream(
        self,
        input: LanguageModelInput,  # noqa: A002 - BaseLLM's signature
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseLLM's signature
    ) -> AsyncIterator[str]:
        """Async `stream`."""
        if not unobserved(self, config):
            async for text in super().astream(input, config, stop=stop, **kwargs):
                yield text
            return
        prompt = self._convert_input(input).to_string()
        texts = self._aretrying(prompt, stop, kwargs, self._atexts)
        async with aclosing(texts):
            async for text in texts:
                yield text

    # -- sync --------------------------------------------------------------------------

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseLLM's signature
    ) -> Iterator[GenerationChunk]:
        return self._retrying(
            prompt, stop, kwargs, lambda call: self._stream_call(call, run_manager)
        )

    def _retrying(
        self,
        prompt: str,
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
        read: Callable[[PreparedCall], Iterator[T]],
    ) -> Generator[T]:
        """`read` the call; once more with the schema's prompt key if it was wrong.

        Only before anything was read: a create rejected for a guessed prompt
        key made no prediction.
        """
        call = self._api.prepare(self._plan(stop, kwargs), prompt)
        started = False
        try:
            for value in read(call):
                started = True
                yield value
        except ReplicateInvalidRequestError as e:
            if started or (retry := self._api.reprepare(call, e)) is None:
                raise
            yield from read(retry)

    def _texts(self, call: PreparedCall) -> Generator[str]:
        """What an unobserved `stream` yields: each piece's text (no chunk objects)."""
        pieces = self._api.stream_text(call.ref, call.model_input, stop=call.stop)
        with closing(pieces):
            for piece in pieces:
                yield piece.text

    def _stream_call(
        self, call: PreparedCall, run_manager: CallbackManagerForLLMRun | None
    ) -> Iterator[GenerationChunk]:
        return self._stream_chunks(call, run_manager, self._chunk)

    def _generate_one(
        self,
        prompt: str,
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> list[Generation]:
        call = self._api.prepare(self._plan(stop, kwargs), prompt)
        try:
            return [self._run(call, run_manager)]
        except ReplicateInvalidRequestError as e:
            if (retry := self._api.reprepare(call, e)) is None:
                raise
            return [self._run(retry, run_manager)]

    def _run(
        self, call: PreparedCall, run_manager: CallbackManagerForLLMRun | None
    ) -> Generation:
        if self._by_stream(call, streaming=self.streaming):
            return self._aggregated(list(self._stream_call(call, run_manager)))
        return self._generation(call, self._api.run(call.ref, call.model_input))

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseLLM's signature
    ) -> LLMResult:
        """Run the prompts concurrently, in up to 128 threads (`run_batch`).

        `batch` and `abatch` run each prompt as its own call instead, so each
        gets its own result or error (`PerInputBatches`).
        """
        _ = self._api  # built once here, not raced for by the threads
        calls = [
            functools.partial(self._generate_one, prompt, stop, run_manager, kwargs)
            for prompt in prompts
        ]
        generations = run_batch(calls, max_concurrency=None, return_exceptions=False)
        return LLMResult(generations=cast("list[list[Generation]]", generations))

    # -- async (the same steps; only the I/O differs) ----------------------------------

    def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseLLM's signature
    ) -> AsyncIterator[GenerationChunk]:
        return self._aretrying(
            prompt, stop, kwargs, lambda call: self._astream_call(call, run_manager)
        )

    async def _aretrying(
        self,
        prompt: str,
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
        read: Callable[[PreparedCall], AsyncGenerator[T]],
    ) -> AsyncGenerator[T]:
        """Async `_retrying`."""
        call = await self._api.aprepare(self._plan(stop, kwargs), prompt)
        started = False
        try:
            # Closed when this is (as `yield from` does in `_retrying`): the core
            # then cancels the prediction at once, not when the loop finalizes it.
            async with aclosing(read(call)) as values:
                async for value in values:
                    started = True
                    yield value
        except ReplicateInvalidRequestError as e:
            if started or (retry := await self._api.areprepare(call, e)) is None:
                raise
            async with aclosing(read(retry)) as values:
                async for value in values:
                    yield value

    async def _atexts(self, call: PreparedCall) -> AsyncGenerator[str]:
        """Async `_texts`."""
        pieces = self._api.astream_text(call.ref, call.model_input, stop=call.stop)
        async with aclosing(pieces):
            async for piece in pieces:
                yield piece.text

    def _astream_call(
        self, call: PreparedCall, run_manager: AsyncCallbackManagerForLLMRun | None
    ) -> AsyncGenerator[GenerationChunk]:
        return self._astream_chunks(call, run_manager, self._chunk)

    async def _agenerate_one(
        self,
        prompt: str,
        stop: list[str] | None,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> list[Generation]:
        call = await self._api.aprepare(self._plan(stop, kwargs), prompt)
        try:
            return [await self._arun(call, run_manager)]
        except ReplicateInvalidRequestError as e:
            if (retry := await self._api.areprepare(call, e)) is None:
                raise
            return [await self._arun(retry, run_manager)]

    async def _arun(
        self, call: PreparedCall, run_manager: AsyncCallbackManagerForLLMRun | None
    ) -> Generation:
        if self._by_stream(call, streaming=self.streaming):
            chunks = [chunk async for chunk in self._astream_call(call, run_manager)]
            return self._aggregated(chunks)
        return self._generation(call, await self._api.arun(call.ref, call.model_input))

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseLLM's signature
    ) -> LLMResult:
        """Run every prompt concurrently; if one fails, the rest are canceled."""
        tasks = [
            asyncio.ensure_future(
                self._agenerate_one(prompt, stop, run_manager, kwargs)
            )
            for prompt in prompts
        ]
        try:
            generations = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return LLMResult(generations=list(generations))

    # -- compatibility -----------------------------------------------------------------

    def __call__(
        self,
        prompt: str,
        stop: list[str] | None = None,
        callbacks: Callbacks = None,
        **kwargs: Any,  # noqa: ANN401 - BaseLLM's signature
    ) -> str:
        """`llm(prompt)`, as in older LangChain and the Replicate notebook.

        Prefer `invoke`; this is kept so code written for
        `langchain_community.llms.Replicate` runs unchanged.

        Args:
            prompt: The prompt.
            stop: Stop sequences.
            callbacks: Callbacks for this call.
            **kwargs: Per-call model inputs.

        Returns:
            The text.
        """
        if not isinstance(prompt, str):
            msg = (
                f"llm(prompt) takes a string; got {type(prompt).__name__}. Use invoke."
            )
            raise TypeError(msg)
        return self.invoke(prompt, config={"callbacks": callbacks}, stop=stop, **kwargs)
