r"""`ChatReplicate`: a LangChain chat model over Replicate's language models.

Data flow of one call (sync and async share every step but the I/O):

```text
messages ─┐
          ├─ CallPlan.make (instance settings + call kwargs; per-call model=)
          │
          ├─ ToolRequest.pop_from (pure, _completions.py): tools, tool_choice,
          │    response_format out of the call's kwargs (bind_tools puts them there)
          ├─ ReplicateAPI.prepare_chat ── schema lookup (cached per process)
          │    └─ chat_prompt (pure, _chat/inputs.py): untrusted content
          │         neutralized (_chat/untrusted.py), then by the schema, one of
          │         chat completions (messages + tools: OpenAI messages, tools,
          │         tool_choice, response_format, stop, stream) │
          │         messages │ system_prompt + prompt │ our template + the
          │         model's prompt_template={prompt} │ a rendered prompt;
          │         images → the schema's image input (uploaded if large)
          │
          ├─ no stop, not streaming: ReplicateAPI.run (one create, Prefer: wait)
          │    └─ AIMessage(text, usage_metadata, response_metadata)
          └─ stream / stop sequences: ReplicateAPI.stream_text (SSE)
               └─ AIMessageChunk per token; the last one carries usage,
                  response_metadata and chunk_position="last"

chat completions: the output is JSON (one response, or one chunk per item);
CompletionReader (pure) turns it into content / tool_call_chunks, cutting at a
stop sequence (the stream is then closed, which cancels the prediction).
```

A stop sequence cancels the prediction on Replicate at once, as does any
abandoned call (an exception, a canceled task, a consumer that stops reading,
the `timeout`).
"""

from __future__ import annotations

import dataclasses
import functools
from contextlib import aclosing, closing
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.language_models._utils import (
    _normalize_messages as normalize_messages,  # what BaseChatModel.stream sends
)
from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.utils.utils import get_pydantic_field_names
from pydantic import ConfigDict, Field, model_validator

from langchain_replicate._batching import PerInputBatches
from langchain_replicate._chat.inputs import chat_prompt
from langchain_replicate._chat.prompted_tools import ToolCalling  # noqa: TC001 - a field type
from langchain_replicate._chat.prompts import ChatTemplate  # noqa: TC001 - a field type
from langchain_replicate._chat.reasoning_reader import (
    ReasoningReader,
    for_messages,
    open_block,
    without_reasoning,
)
from langchain_replicate._chat.results import (
    by_stream,
    completion_step,
    is_plain,
    message_chunk,
    piece_reader,
    prompted_for,
    text_chunk,
    whole_result,
)
from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate._outputs.thinking_models import reasoning_format
from langchain_replicate._settings import (
    ReplicateSettings,
    build_extra,
    stream_run_id,
    streamed_message,
    unobserved,
)
from langchain_replicate._tool_use.completions import (
    CompletionReader,
    ToolRequest,
    message_from_chunks,
    returns_completion_json,
)
from langchain_replicate._tool_use.profiles import model_profile
from langchain_replicate._tool_use.structured_output import structured_output
from langchain_replicate._tool_use.tool_calling import (
    convert_tools,
    normalize_tool_choice,
    tool_names,
)
from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import (
        AsyncGenerator,
        AsyncIterator,
        Callable,
        Generator,
        Iterator,
        Mapping,
        Sequence,
    )

    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.language_models import LanguageModelInput
    from langchain_core.language_models.base import LangSmithParams
    from langchain_core.language_models.model_profile import ModelProfile
    from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
    from langchain_core.outputs import ChatGenerationChunk, ChatResult
    from langchain_core.runnables import Runnable, RunnableConfig
    from typing_extensions import Self

    from langchain_replicate._chat.inputs import ChatPrompt
    from langchain_replicate._chat.prompted_reader import PromptedReader
    from langchain_replicate._client import StreamPiece
    from langchain_replicate._inputs.calls import CallPlan, PreparedCall
    from langchain_replicate._inputs.schema import InputSchema
    from langchain_replicate._outputs.thinking_models import ReasoningFormat


_STRUCTURED_OUTPUT_KWARGS = frozenset(
    {"ls_structured_output_format", "structured_output_format"}
)
"""Keyword arguments `with_structured_output` passes for LangChain's tracing."""


class ChatReplicate(PerInputBatches, ReplicateSettings, BaseChatModel):
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
        A chat-completions model that refuses a request (vLLM's error JSON as
        the prediction's error) raises `ReplicatePredictionError` with the
        decoded message, e.g. "Tool 'x' has not been passed in `tools`.
        (BadRequestError)".

    Tool calling:
        On Replicate's chat-completions models (those whose schema takes
        `messages` **and** `tools`, e.g. IBM's Granite 3.3 / 4.0 / 4.1), tools
        are native: `bind_tools` sends OpenAI tool params, the history goes in
        OpenAI form (assistant `tool_calls`, `tool` turns with their
        `tool_call_id`), and the model's JSON reply becomes `tool_calls` (ids
        kept), or `invalid_tool_calls` for arguments that are not JSON.
        `tool_choice` takes `"auto"`, `"none"`, `"required"` / `"any"` /
        `True`, a tool name or an OpenAI dict; a name that is no bound tool is
        a `ValueError` before any request.

        ```python
        from langchain_core.tools import tool


        @tool
        def get_weather(location: str) -> str:
            '''Get the current weather at a location.'''
            return f"It is sunny and 21 degrees in {location}."


        granite = ChatReplicate(model="ibm-granite/granite-4.0-h-small", max_tokens=80)
        bound = granite.bind_tools([get_weather])
        msg = bound.invoke("What is the weather in Lisbon?")
        msg.tool_calls, msg.response_metadata["finish_reason"]
        ```

        ```txt
        ([{'name': 'get_weather', 'args': {'location': 'Lisbon'},
           'id': 'chatcmpl-tool-0af3b29d32cdb228dac9420a7594753b',
           'type': 'tool_call'}], 'tool_calls')
        ```

        Streaming gives the call in `tool_call_chunks` (name and id first, then
        the arguments in pieces), with usage on the last chunk only:

        ```python
        for chunk in bound.stream("What is the weather in Lisbon?"):
            print(chunk.tool_call_chunks)
        ```

        ```txt
        [{'name': 'get_weather', 'args': '', 'id': 'chatcmpl-tool-f9e5bda8ce0d...',
          'index': 0, 'type': 'tool_call_chunk'}]
        [{'name': None, 'args': '{"location": ', 'id': None, 'index': 0,
          'type': 'tool_call_chunk'}]
        [{'name': None, 'args': '"Lisbon"}', 'id': None, 'index': 0,
          'type': 'tool_call_chunk'}]
        []
        ```

        Per call, `documents=[{"text": ..., "title": ...}]` and
        `chat_template_kwargs={...}` reach the models that take them; other
        models reject them with `ReplicateInputError` before any prediction.

    Structured output:
        `with_structured_output(schema, method=...)` takes a Pydantic class, a
        TypedDict or a JSON schema. The default, `function_calling`, binds the
        schema as the one tool the model must call, so the model sees its name,
        description and field descriptions in its chat template;
        `json_schema` constrains the reply text by `response_format` (the model
        is not shown the schema); `json_mode` asks for any JSON object.

        ```python
        from pydantic import BaseModel, Field


        class Forecast(BaseModel):
            '''A weather forecast.'''

            city: str = Field(description="The city")
            degrees: int = Field(description="Temperature in degrees Celsius")


        granite.with_structured_output(Forecast).invoke(
            "The forecast for 'Porto' is 18 degrees"
        )
        ```

        ```txt
        Forecast(city='Porto', degrees=18)
        ```

    Agents:
        `create_agent` (from `langchain.agents`) runs its loop on these
        models; `profile` (from the model family, see `_tool_use/profiles.py`) says
        they do native structured output, so `response_format=` uses it.

        ```python
        from langchain.agents import create_agent

        agent = create_agent(granite, [get_weather])
        state = agent.invoke({"messages": [("human", "What is the weather in Oslo?")]})
        [type(m).__name__ for m in state["messages"]]
        ```

        ```txt
        ['HumanMessage', 'AIMessage', 'ToolMessage', 'AIMessage']
        ```

        The last message's text holds `The tool returned: "It is sunny and 21
        degrees in Oslo.".` (the local server's model quotes tool results);
        with `response_format=Forecast`, `state["structured_response"]` is
        `Forecast(city='Oslo', degrees=21)` for "What is the weather in
        'Oslo', 21 degrees?".

    Tool calling by prompt:
        Models without a `tools` input (every official language model:
        llama, gpt-5, deepseek...) are told about the tools in the system
        turn, as Hermes/Qwen models are trained (definitions as JSON inside
        `<tools>`, calls as `<tool_call>` blocks), and the reply is parsed
        into `tool_calls`, tolerating the forms other families slip into.
        `tool_calling="native"` refuses the prompt path
        (`ReplicateInputError`); `tool_calling="prompt"` takes it even on a
        chat-completions model, to compare the paths.

        ```python
        model.bind_tools([get_weather]).invoke(
            "What is the weather in Paris?"
        ).tool_calls
        ```

        ```txt
        [{'name': 'get_weather', 'args': {'location': 'Paris'},
          'id': 'call_f6e47ddb737a405d_0', 'type': 'tool_call'}]
        ```

        Streamed, the call's first chunk names the tool as soon as the model
        has written the name; the arguments follow in fragments. Agents and
        `with_structured_output` work by prompt too (`function_calling`
        through a forced tool; `json_schema` and `json_mode` with the schema
        in the system turn and the model's own constraint input, such as
        `grammar`, where it has one). Prompted calling picks tools about as
        well as native calling but declines irrelevant tools less reliably.

    Reasoning:
        Models that think in their text (DeepSeek-R1, QwQ, Qwen3, Magistral,
        Phi-4-reasoning, Kimi K2 Thinking, gpt-oss) have the thinking taken
        out of the answer into `additional_kwargs["reasoning_content"]`, so
        `content_blocks` starts with a `{"type": "reasoning"}` block and
        `content` holds the answer alone; streamed, the reasoning chunks come
        first. `reasoning=True` does it for any model, `reasoning=False` drops
        the reasoning. A reply cut by `max_tokens` while thinking has an empty
        answer and `response_metadata["reasoning_incomplete"] = True`.

        ```python
        r1 = ChatReplicate(model="deepseek-ai/deepseek-r1", max_tokens=2048)
        msg = r1.invoke("What is the capital of France?")
        msg.additional_kwargs["reasoning_content"], msg.content
        ```

    Not supported: audio, video or PDF content raises `ReplicateInputError`.
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

    tool_calling: ToolCalling = "auto"
    """How tools and structured output reach the model: `auto` (natively for
    models with `messages` and `tools` inputs, by prompt for every other
    language model), `native` (models without a `tools` input raise
    `ReplicateInputError`) or `prompt` (tool definitions in the system turn,
    calls read from the reply's `<tool_call>` blocks; on a chat-completions
    model too, with no `tools` input sent)."""

    reasoning: bool | None = None
    """Whether the reasoning of models that think in their text is separated
    from the answer (as in langchain-ollama). `None` (default): for the known
    reasoning families (DeepSeek-R1, QwQ, Qwen3, Magistral, Phi-4-reasoning,
    Kimi K2 Thinking, gpt-oss; by model name), the `<think>…</think>` (or
    `[THINK]…[/THINK]`...) block goes to `additional_kwargs["reasoning_content"]`
    and the content holds the answer alone; other models' text is left as is.
    `True`: separated for any model (a block at the start of the reply, or at
    a line start). `False`: separated and dropped, and thinking turned off
    where the model has an input for it. A call's `reasoning=` overrides it."""

    escape_special_tokens: bool = True
    """Neutralize chat-template special tokens (`<|eot_id|>`, `[INST]`,
    `<|im_start|>`, DeepSeek's full-width ones...) and the tools-by-prompt tags
    (`<tool_call>`, `<tool_response>`...) found in the content of human, AI and
    tool messages, with a zero-width space after each token's first character,
    so text a user, a tool or a document wrote cannot forge a turn or a tool
    call; the model still reads the same words. System messages are sent as
    written. Set `False` only if your content holds template tokens on
    purpose. Default: `True`."""

    @model_validator(mode="before")
    @classmethod
    def _build_extra(cls, values: dict[str, Any]) -> Any:  # noqa: ANN401 - pydantic
        """Move unknown constructor kwargs into `model_kwargs` (with a warning)."""
        if not isinstance(values, dict):
            return values
        return build_extra(values, get_pydantic_field_names(cls))

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

    def _resolve_model_profile(self) -> ModelProfile | None:
        """What the model can do, from this package's data (`_tool_use/profiles.py`)."""
        return model_profile(self.model)

    # -- tools and structured output --------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        strict: bool | None = None,
        **kwargs: Any,  # noqa: ANN401 - further call kwargs to bind
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (and optionally a tool choice) to the model.

        Args:
            tools: `BaseTool`s, functions, Pydantic / TypedDict classes, JSON
                schemas or OpenAI tool dicts.
            tool_choice: `"auto"` (the model decides), `"none"`, `"required"`
                / `"any"` / `True` (some tool must be called), a tool's name, or
                an OpenAI dict naming one. `None`: the model's default (auto).
            strict: Accepted for compatibility; the chat-completions family
                always decodes tool arguments against the schema, and takes no
                `strict` flag.
            **kwargs: Further call kwargs (e.g. `response_format=...`).

        Returns:
            A `RunnableBinding` that sends the tools with every call.

        Raises:
            ValueError: If a tool cannot be converted (naming it), or
                `tool_choice` names no bound tool, before any request.
        """
        del strict  # the family has no strict mode; see the docstring
        formatted = convert_tools(tools)
        choice = normalize_tool_choice(tool_choice, tool_names(formatted))
        if choice is not None:
            kwargs["tool_choice"] = choice
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal[
            "function_calling", "json_schema", "json_mode"
        ] = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,  # noqa: ANN401 - rejected, as BaseChatModel does
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """A runnable that answers with an instance of `schema`.

        Args:
            schema: A Pydantic class (answers are instances of it), a
                TypedDict class or a JSON schema (answers are dicts). Optional
                for `json_mode`.
            method: `function_calling` (default): the schema is bound as the
                one tool the model must call, so the model sees its name,
                description and fields in its chat template; `json_schema`: the
                `response_format` input constrains the reply text to the schema
                (the model is not shown the schema); `json_mode`: the reply
                text is any JSON object (say in the prompt what it should hold).
            include_raw: Return `{"raw": AIMessage, "parsed": ..., "parsing_error":
                ...}` instead of raising on a reply that does not parse.
            strict: Accepted for compatibility (see `bind_tools`).
            **kwargs: Not supported.

        Returns:
            The runnable.

        Raises:
            ValueError: On unknown kwargs or method, or a missing schema.
        """
        if kwargs:
            msg = f"Received unsupported arguments {kwargs}"
            raise ValueError(msg)
        return structured_output(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )

    # -- building a call -------------------------------------------------------------

    def _prompt_builder(
        self,
        messages: list[BaseMessage],
        plan: CallPlan,
        request: ToolRequest,
        *,
        stream: bool,
        reasoning: bool | None = None,
    ) -> Callable[[InputSchema | None], ChatPrompt]:
        """The pure step that turns the messages into inputs, given the schema."""
        fmt = for_messages(reasoning_format(str(plan.ref), switch=reasoning), messages)
        build = functools.partial(
            chat_prompt,
            without_reasoning(messages, fmt),
            model=str(plan.ref),
            prompt_template=self.prompt_template,
            tool_request=request,
            stream=stream or bool(plan.stop),
            stop=plan.stop,
            tool_calling=self.tool_calling,
            escape_special_tokens=self.escape_special_tokens,
        )

        def build_for_reasoning(schema: InputSchema | None) -> ChatPrompt:
            return open_block(
                build(schema),
                fmt,
                model=str(plan.ref),
                prompt_template=self.prompt_template,
            )

        return build_for_reasoning

    def _split_call(
        self, stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> tuple[CallPlan, ToolRequest]:
        """The call's plan, and its tools / response format taken out of kwargs.

        `reasoning=False` (the field or the call's) also asks the model not to
        think where its schema has a switch for it (`_inputs.reasoning`).
        """
        thinking_off = self._switch(kwargs) is False
        rest = dict(kwargs)
        rest.pop("reasoning", None)
        try:
            request = ToolRequest.pop_from(rest)
        except ValueError as e:
            raise ReplicateInputError(str(e)) from e
        plan = self._plan(stop, rest)
        if thinking_off:
            off = dataclasses.replace(plan.reasoning, thinking_off=True)
            plan = dataclasses.replace(plan, reasoning=off)
        return plan, request

    def _prompted(
        self, call: PreparedCall, kwargs: Mapping[str, Any]
    ) -> PromptedReader | None:
        """The reply reader of a call whose tools went by prompt, else `None`."""
        return prompted_for(call, kwargs, tool_calling=self.tool_calling)

    def _switch(self, kwargs: Mapping[str, Any]) -> bool | None:
        """The call's `reasoning` switch (its own `reasoning=`, else the field)."""
        switch = kwargs.get("reasoning", self.reasoning)
        if switch is not None and not isinstance(switch, bool):
            msg = f"reasoning must be True, False or None, not {switch!r}."
            raise ReplicateInputError(msg)
        return switch

    def _reasoning(
        self,
        call: PreparedCall,
        kwargs: Mapping[str, Any],
        messages: Sequence[BaseMessage],
    ) -> ReasoningFormat | None:
        """How the reply to the call is split (`None`: not split)."""
        fmt = reasoning_format(str(call.ref), switch=self._switch(kwargs))
        return for_messages(fmt, messages)

    def _plain_text(
        self,
        call: PreparedCall,
        kwargs: Mapping[str, Any],
        messages: Sequence[BaseMessage],
    ) -> bool:
        """Whether an unobserved stream's pieces are plain text, read as they are.

        Not when the reply is chat-completion JSON, tools went by prompt, or the
        reply's reasoning is split off (`_quiet_messages` reads those).
        """
        return (
            is_plain(call, kwargs, tool_calling=self.tool_calling)
            and self._reasoning(call, kwargs, messages) is None
        )

    def _message_reader(
        self,
        call: PreparedCall,
        kwargs: Mapping[str, Any],
        messages: Sequence[BaseMessage],
        run_id: str,
    ) -> Callable[[PreparedCall, StreamPiece], AIMessageChunk]:
        """How an unobserved stream's plain-text pieces become message chunks.

        `message_chunk`; when the reply's reasoning is split off, it goes to
        `reasoning_content` first, as on the observed path.
        """
        plain = functools.partial(message_chunk, run_id=run_id)
        fmt = self._reasoning(call, kwargs, messages)
        return plain if fmt is None else ReasoningReader(fmt).wrap(plain)

    def _splitter(
        self,
        call: PreparedCall,
        kwargs: Mapping[str, Any],
        messages: Sequence[BaseMessage],
    ) -> ReasoningReader | None:
        """The reasoning reader of one chat-completions reply, if it is split."""
        fmt = self._reasoning(call, kwargs, messages)
        return None if fmt is None else ReasoningReader(fmt)

    def _reading(
        self,
        call: PreparedCall,
        kwargs: Mapping[str, Any],
        messages: Sequence[BaseMessage],
    ) -> Callable[[PreparedCall, StreamPiece], ChatGenerationChunk]:
        """How streamed pieces become chunks: reasoning split, tool calls parsed."""
        return piece_reader(
            call,
            kwargs,
            tool_calling=self.tool_calling,
            reasoning=self._reasoning(call, kwargs, messages),
        )

    # -- streams -----------------------------------------------------------------------

    def _unobserved(
        self, config: RunnableConfig | None, kwargs: Mapping[str, Any], *, aio: bool
    ) -> bool:
        """Whether `stream` may skip `BaseChatModel.stream`'s per-token work.

        Nothing observes it (`unobserved`), it streams at all, with the default
        output version, and no structured output rides on it (LangChain traces
        its format).
        """
        return (
            self._should_stream(async_api=aio, **{**kwargs, "stream": True})
            and self.output_version in {None, "v0"}
            and not _STRUCTURED_OUTPUT_KWARGS.intersection(kwargs)
            and unobserved(self, config)
        )

    def stream(
        self,
        input: LanguageModelInput,  # noqa: A002 - BaseChatModel's signature
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> Iterator[AIMessageChunk]:
        """`BaseChatModel.stream`; when nothing observes it, without its per-token work.

        With no callback handler, tracer or rate limiter (`unobserved`), the
        message chunks are yielded straight from `_stream`, with the run's id as
        LangChain sets it: the same chunks, but without a callback dispatch and a
        chunk merge per token that nobody would see (they cost about as much
        client CPU as reading the token).
        """
        if not self._unobserved(config, kwargs, aio=False):
            yield from super().stream(input, config, stop=stop, **kwargs)
            return
        run_id = stream_run_id(config)
        messages = normalize_messages(self._convert_input(input).to_messages())
        call = self._prepare(messages, stop, kwargs, stream=True)
        if not self._plain_text(call, kwargs, messages):
            yield from self._quiet_messages(call, kwargs, messages, run_id)
            return
        pieces = self._api.stream_text(call.ref, call.model_input, stop=call.stop)
        with closing(pieces):
            for piece in pieces:  # (once per token: no reader call in between)
                if piece.prediction is None:
                    yield text_chunk(piece.text, run_id)
                else:
                    yield message_chunk(call, piece, run_id)

    async def astream(
        self,
        input: LanguageModelInput,  # noqa: A002 - BaseChatModel's signature
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> AsyncIterator[AIMessageChunk]:
        """Async `stream`."""
        if not self._unobserved(config, kwargs, aio=True):
            async for message in super().astream(input, config, stop=stop, **kwargs):
                yield message
            return
        run_id = stream_run_id(config)
        messages = normalize_messages(self._convert_input(input).to_messages())
        call = await self._aprepare(messages, stop, kwargs, stream=True)
        if not self._plain_text(call, kwargs, messages):
            quiet = self._aquiet_messages(call, kwargs, messages, run_id)
            async with aclosing(quiet):
                async for message in quiet:
                    yield message
            return
        pieces = self._api.astream_text(call.ref, call.model_input, stop=call.stop)
        async with aclosing(pieces):
            async for piece in pieces:  # (see `stream`)
                if piece.prediction is None:
                    yield text_chunk(piece.text, run_id)
                else:
                    yield message_chunk(call, piece, run_id)

    # -- sync ------------------------------------------------------------------------

    def _prepare(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
        *,
        stream: bool = False,
    ) -> PreparedCall:
        plan, request = self._split_call(stop, kwargs)
        build = self._prompt_builder(
            messages, plan, request, stream=stream, reasoning=self._switch(kwargs)
        )
        return self._api.prepare_chat(plan, build)

    def _completion_chunks(
        self,
        call: PreparedCall,
        run_manager: CallbackManagerForLLMRun | None,
        prompted: PromptedReader | None = None,
        splitter: ReasoningReader | None = None,
    ) -> Iterator[ChatGenerationChunk]:
        """Stream a chat-completions call: content and tool call chunks.

        At our stop sequence the stream is closed, which cancels the prediction.
        `prompted`: the tools went by prompt; the content is read for calls.
        `splitter`: the reply's reasoning is split off the content.
        """
        reader = CompletionReader(call)
        pieces = self._api.stream_text(call.ref, call.model_input, stop=None)
        try:
            for piece in pieces:
                for chunk in completion_step(reader, prompted, piece, splitter):
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
                if reader.stopped:
                    return
        finally:
            pieces.close()

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> Iterator[ChatGenerationChunk]:
        call = self._prepare(messages, stop, kwargs, stream=True)
        yield from self._call_chunks(call, run_manager, kwargs, messages)

    def _call_chunks(
        self,
        call: PreparedCall,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: Mapping[str, Any],
        messages: Sequence[BaseMessage],
    ) -> Iterator[ChatGenerationChunk]:
        """A prepared call's chunks: chat-completion JSON, tools by prompt, or text."""
        if returns_completion_json(call):
            prompted = self._prompted(call, kwargs)
            splitter = self._splitter(call, kwargs, messages)
            yield from self._completion_chunks(call, run_manager, prompted, splitter)
            return
        yield from self._stream_chunks(
            call, run_manager, self._reading(call, kwargs, messages)
        )

    def _quiet_messages(
        self,
        call: PreparedCall,
        kwargs: Mapping[str, Any],
        messages: Sequence[BaseMessage],
        run_id: str,
    ) -> Iterator[AIMessageChunk]:
        """What an unobserved `stream` yields when the reply is not plain text.

        Message chunks with the run's id: the reasoning split off plain text, or
        the chunks of a chat-completion reply or of tools that went by prompt (no
        `ChatGenerationChunk` kept around each: nobody would see it).
        """
        if is_plain(call, kwargs, tool_calling=self.tool_calling):
            read = self._message_reader(call, kwargs, messages, run_id)
            pieces = self._api.stream_text(call.ref, call.model_input, stop=call.stop)
            with closing(pieces):
                for piece in pieces:
                    yield read(call, piece)
            return
        chunks = cast(
            "Generator[ChatGenerationChunk]",
            self._call_chunks(call, None, kwargs, messages),
        )
        with closing(chunks):
            for chunk in chunks:
                yield streamed_message(chunk, run_id)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> ChatResult:
        call = self._prepare(messages, stop, kwargs)
        if by_stream(call) and returns_completion_json(call):
            prompted = self._prompted(call, kwargs)
            splitter = self._splitter(call, kwargs, messages)
            chunks = self._completion_chunks(call, run_manager, prompted, splitter)
            return message_from_chunks(list(chunks))
        if by_stream(call):
            chunks = self._stream_chunks(
                call, run_manager, self._reading(call, kwargs, messages)
            )
            return generate_from_stream(chunks)
        prediction = self._api.run(call.ref, call.model_input, final=True)
        return whole_result(
            call,
            prediction,
            kwargs,
            tool_calling=self.tool_calling,
            reasoning=self._reasoning(call, kwargs, messages),
        )

    # -- async (the same steps; only the I/O differs) --------------------------------

    async def _aprepare(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
        *,
        stream: bool = False,
    ) -> PreparedCall:
        plan, request = self._split_call(stop, kwargs)
        build = self._prompt_builder(
            messages, plan, request, stream=stream, reasoning=self._switch(kwargs)
        )
        return await self._api.aprepare_chat(plan, build)

    async def _acompletion_chunks(
        self,
        call: PreparedCall,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        prompted: PromptedReader | None = None,
        splitter: ReasoningReader | None = None,
    ) -> AsyncIterator[ChatGenerationChunk]:
        """Async `_completion_chunks`."""
        reader = CompletionReader(call)
        pieces = self._api.astream_text(call.ref, call.model_input, stop=None)
        try:
            async for piece in pieces:
                for chunk in completion_step(reader, prompted, piece, splitter):
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
                if reader.stopped:
                    return
        finally:
            await pieces.aclose()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = await self._aprepare(messages, stop, kwargs, stream=True)
        # Closed when this is (as `yield from` does in `_stream`): the core then
        # cancels the prediction at once, not when the loop finalizes it.
        chunks = self._acall_chunks(call, run_manager, kwargs, messages)
        async with aclosing(chunks):
            async for chunk in chunks:
                yield chunk

    def _acall_chunks(
        self,
        call: PreparedCall,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: Mapping[str, Any],
        messages: Sequence[BaseMessage],
    ) -> AsyncGenerator[ChatGenerationChunk]:
        """Async `_call_chunks`."""
        chunks = (
            self._acompletion_chunks(
                call,
                run_manager,
                self._prompted(call, kwargs),
                self._splitter(call, kwargs, messages),
            )
            if returns_completion_json(call)
            else self._astream_chunks(
                call, run_manager, self._reading(call, kwargs, messages)
            )
        )
        return cast("AsyncGenerator[ChatGenerationChunk]", chunks)

    async def _aquiet_messages(
        self,
        call: PreparedCall,
        kwargs: Mapping[str, Any],
        messages: Sequence[BaseMessage],
        run_id: str,
    ) -> AsyncGenerator[AIMessageChunk]:
        """Async `_quiet_messages`."""
        if is_plain(call, kwargs, tool_calling=self.tool_calling):
            read = self._message_reader(call, kwargs, messages, run_id)
            pieces = self._api.astream_text(call.ref, call.model_input, stop=call.stop)
            async with aclosing(pieces):
                async for piece in pieces:
                    yield read(call, piece)
            return
        async with aclosing(self._acall_chunks(call, None, kwargs, messages)) as chunks:
            async for chunk in chunks:
                yield streamed_message(chunk, run_id)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseChatModel's signature
    ) -> ChatResult:
        call = await self._aprepare(messages, stop, kwargs)
        if by_stream(call) and returns_completion_json(call):
            prompted = self._prompted(call, kwargs)
            splitter = self._splitter(call, kwargs, messages)
            pieces = self._acompletion_chunks(call, run_manager, prompted, splitter)
            return message_from_chunks([chunk async for chunk in pieces])
        if by_stream(call):
            chunks = self._astream_chunks(
                call, run_manager, self._reading(call, kwargs, messages)
            )
            return await agenerate_from_stream(chunks)
        prediction = await self._api.arun(call.ref, call.model_input, final=True)
        return whole_result(
            call,
            prediction,
            kwargs,
            tool_calling=self.tool_calling,
            reasoning=self._reasoning(call, kwargs, messages),
        )
