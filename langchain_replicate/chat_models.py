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
from typing import TYPE_CHECKING, Any

from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.utils import _build_model_kwargs, get_pydantic_field_names
from pydantic import ConfigDict, Field, model_validator

from langchain_replicate._chat_inputs import chat_prompt
from langchain_replicate._metadata import generation_info, usage_from_metrics
from langchain_replicate._model_ref import parse_model_ref
from langchain_replicate._outputs import output_to_text
from langchain_replicate._prompts import ChatTemplate  # noqa: TC001 - a field type
from langchain_replicate._settings import ReplicateSettings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator, Mapping

    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.language_models.base import LangSmithParams
    from langchain_core.messages import BaseMessage
    from typing_extensions import Self

    from langchain_replicate._calls import CallPlan, PreparedCall
    from langchain_replicate._chat_inputs import ChatPrompt
    from langchain_replicate._client import Prediction, StreamPiece
    from langchain_replicate._inputs import InputSchema


class ChatReplicate(ReplicateSettings, BaseChatModel):
    r"""Replicate chat models: any Replicate language model, as a LangChain chat model.

    How a conversation is sent is decided by the model's input schema (looked
    up once per process): a `messages` list for models that take one (e.g.
    `openai/gpt-5-nano`); `system_prompt` + `prompt` for models that template
    a single turn themselves; for longer conversations, the model family's chat
    template (llama-2, llama-3, mistral, chatml, gemma, deepseek, phi-3, chosen
    from the model name or by `prompt_template`), with a model's own
    `prompt_template` input set to `{prompt}` so nothing is templated twice.

    Setup:
        Install `langchain-replicate` and set the environment variable
        `REPLICATE_API_TOKEN` (or pass `api_key=...`).

        ```bash
        pip install -U langchain-replicate
        export REPLICATE_API_TOKEN="r8_..."
        ```

    Key init args — completion params:
        | Param             | Type               | Description                   |
        | ----------------- | ------------------ | ----------------------------- |
        | `model`           | `str`              | `owner/name[:version]` or     |
        |                   |                    | `deployments/owner/name`.     |
        | `temperature`     | `float \| None`    | Sent under the model's own    |
        | `max_tokens`      | `int \| None`      | name, like `top_p`, `top_k`   |
        |                   |                    | and `seed`.                   |
        | `stop`            | `list[str] \| None`| Stop sequences.               |
        | `prompt_template` | `str \| None`      | Chat template for plain-      |
        |                   |                    | prompt models (or a           |
        |                   |                    | `ChatTemplate`).              |
        | `model_kwargs`    | `dict`             | Further model inputs.         |

    Key init args — client params:
        | Param         | Type                | Description                          |
        | ------------- | ------------------- | ------------------------------------ |
        | `api_key`     | `SecretStr \| None` | Default: env `REPLICATE_API_TOKEN`.  |
        | `base_url`    | `str \| None`       | Default: env `REPLICATE_BASE_URL`.   |
        | `timeout`     | `float \| None`     | Seconds per prediction, then cancel. |
        | `max_retries` | `int`               | Retries of a create refused by 429.  |

    Instantiate:
        ```python
        from langchain_replicate import ChatReplicate

        model = ChatReplicate(
            model="meta/meta-llama-3-8b-instruct",
            max_tokens=40,
            seed=1,
            # api_key="...", base_url="...", timeout=..., other params...
        )
        ```

        The outputs below are exact, from the local Replicate-compatible
        server (`pip install "langchain-replicate[server]"`; run
        `with LocalReplicateServer() as server:` and pass
        `api_key=server.api_token, base_url=server.base_url`). Its models
        answer with a deterministic reference reply; real models' replies vary.

    Invoke:
        ```python
        messages = [
            (
                "system",
                "You are a helpful translator. Translate the user sentence to French.",
            ),
            ("human", "I love programming."),
        ]
        model.invoke(messages).content
        ```

        ```txt
        'You asked: "I love programming.". This is a reference reply from the
        local Replicate server, put together from the words of your prompt, so
        the same prompt and seed always give the same'
        ```

        With `stop=[...]` (at init or per call) the output ends before the first
        stop sequence, and a prediction still running is canceled on Replicate
        at once:

        ```python
        model.invoke("Can a dog drive a car?", stop=["local"]).content
        ```

        ```txt
        'You asked: "Can a dog drive a car?". This is a reference reply from the '
        ```

    Stream:
        ```python
        for chunk in model.stream(messages, max_tokens=8):
            print(repr(chunk.content), chunk.chunk_position)
        ```

        ```txt
        'You' None
        ' asked' None
        ':' None
        ' "' None
        'I' None
        ' love' None
        ' programming' None
        '.' None
        '' last
        ```

        The last chunk carries `usage_metadata` and `response_metadata`.

    Async:
        ```python
        await model.ainvoke(messages, max_tokens=12)
        # async for chunk in model.astream(messages): ...
        # await model.abatch([messages, messages])
        ```

        ```txt
        AIMessage(content='You asked: "I love programming.". This is', ...)
        ```

    Image input:
        Images (`image_url` parts, base64 or URL `image` blocks, v1 blocks with
        a `file_id`) go to the model's image input; images over 256 KB are
        uploaded through Replicate's files API.

        ```python
        vision = ChatReplicate(model="openai/gpt-5-nano", max_tokens=60)
        message = {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe this image."},
                {"type": "image", "base64": image_data, "mime_type": "image/png"},
            ],
        }
        vision.invoke([message]).content
        ```

        ```txt
        'You asked: "Describe this image.". This is a reference reply [...]
        The image is 64x32 pixels in PNG format, and its dominant colour is red ('
        ```

        A model without an image input raises `ReplicateInputError` ("model
        meta/meta-llama-3-8b-instruct takes no image input; its inputs are:
        prompt, ... Remove the images or use a vision model.") before any
        prediction is created.

    Token usage:
        ```python
        ai_msg = model.invoke(messages)
        ai_msg.usage_metadata
        ```

        ```txt
        {'input_tokens': 29, 'output_tokens': 40, 'total_tokens': 69}
        ```

    Response metadata:
        ```python
        ai_msg.response_metadata
        ```

        ```txt
        {'prediction_id': 'yhzdm6n01y7r9p8j4skj1xvp7b',
         'model_name': 'meta/meta-llama-3-8b-instruct',
         'model': 'meta/meta-llama-3-8b-instruct',
         'version': 'dp-653caab6e1eec8f8bcf910e33aa8c409',
         'status': 'succeeded',
         'metrics': {'input_token_count': 29, 'output_token_count': 40,
                     'time_to_first_token': 0.02073955535888672,
                     'tokens_per_second': 95.02958130767222,
                     'predict_time': 0.44166111946105957,
                     'total_time': 0.4418168067932129},
         'model_provider': 'replicate',
         'web_url': 'http://127.0.0.1:35667/p/yhzdm6n01y7r9p8j4skj1xvp7b',
         'finish_reason': 'length'}
        ```

        `finish_reason` is `'stop_sequence'` when a stop sequence ended the
        output, `'length'` when it reached the max tokens, else `'stop'`.

    Errors:
        Failures raise the classes in `langchain_replicate.errors`, which
        inherit both `replicate`'s exceptions and `langchain_core.exceptions`'
        (`ReplicateInputError` for messages, images or inputs the model cannot
        take, `ReplicateAuthenticationError`, `ReplicateRateLimitError`,
        `ReplicatePredictionError`, `ReplicateTimeoutError` after `timeout`...).
        A create refused with 429 is retried `max_retries` times; a create that
        may have reached Replicate is never retried.

    Not supported: tool calling and structured output (no `bind_tools` /
    `with_structured_output`); tool messages and audio, video or PDF content
    raise `ReplicateInputError`.
    """

    model_config = ConfigDict(populate_by_name=True)

    model: str = Field(alias="model_name")
    """The model: `owner/name` (official model, latest version),
    `owner/name:version` or `deployments/owner/name`. Checked at construction."""

    prompt_template: str | ChatTemplate | None = None
    """The chat template for models that take a plain prompt: a built-in name
    (`chatml`, `deepseek`, `gemma`, `llama-2`, `llama-3`, `mistral`, `phi-3`)
    or a `ChatTemplate`. Default: chosen from the model's name. Not the
    model's own `prompt_template` input: that one can be set in `model_kwargs`,
    except that for a multi-turn conversation ChatReplicate renders the whole
    prompt and sets it to `{prompt}`."""

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
    def _llm_type(self) -> str:
        return "replicate-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {**super()._identifying_params, "prompt_template": self.prompt_template}

    def _get_ls_params(
        self,
        stop: list[str] | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop or self.stop, **kwargs)
        return self._replicate_ls_params(params, kwargs)

    # -- building a call -------------------------------------------------------------

    def _prompt_builder(
        self, messages: list[BaseMessage], plan: CallPlan
    ) -> Callable[[InputSchema | None], ChatPrompt]:
        """The pure step that turns the messages into inputs, given the schema."""
        return functools.partial(
            chat_prompt,
            messages,
            model=str(plan.ref),
            prompt_template=self.prompt_template,
        )

    # -- results (pure) --------------------------------------------------------------

    def _result(self, call: PreparedCall, prediction: Prediction) -> ChatResult:
        message = AIMessage(
            content=output_to_text(prediction.get("output"), call.kind),
            usage_metadata=usage_from_metrics(prediction.get("metrics")),
            response_metadata=generation_info(call, prediction, stopped=False),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _chunk(self, call: PreparedCall, piece: StreamPiece) -> ChatGenerationChunk:
        if piece.prediction is None:
            return ChatGenerationChunk(message=AIMessageChunk(content=piece.text))
        return ChatGenerationChunk(
            message=AIMessageChunk(
                content=piece.text,
                usage_metadata=usage_from_metrics(piece.prediction.get("metrics")),
                response_metadata=generation_info(
                    call, piece.prediction, stopped=piece.stopped
                ),
                chunk_position="last",
            )
        )

    @staticmethod
    def _by_stream(call: PreparedCall) -> bool:
        """Whether a non-streaming call runs over the stream.

        Text calls with stop sequences do, so the prediction is canceled as soon
        as a stop sequence appears; others wait in one `Prefer: wait` create.
        """
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
        call = self._prepare(messages, stop, kwargs)
        yield from self._stream_chunks(call, run_manager, self._chunk)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> ChatResult:
        call = self._prepare(messages, stop, kwargs)
        if self._by_stream(call):
            chunks = self._stream_chunks(call, run_manager, self._chunk)
            return generate_from_stream(chunks)
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
        async for chunk in self._astream_chunks(call, run_manager, self._chunk):
            yield chunk

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> ChatResult:
        call = await self._aprepare(messages, stop, kwargs)
        if self._by_stream(call):
            chunks = self._astream_chunks(call, run_manager, self._chunk)
            return await agenerate_from_stream(chunks)
        prediction = await self._api.arun(call.ref, call.model_input, final=True)
        return self._result(call, prediction)
