"""The clients under test, each behind the same small interface.

Every subject does the same work the way its own documentation tells a user to:
`invoke` one prompt, `stream` one prompt, `stop` (a long reply with a stop
sequence that appears early), and `abatch` a list of prompts. A subject that cannot
do one of them raises `NotSupportedError` with the reason, which the report prints.

The peers (`langchain_community`, `litellm`) come from the `bench` dependency group
and are imported by name, only in the worker process that measures them.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import os
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

import httpx
from typing_extensions import override

if TYPE_CHECKING:
    from collections.abc import Iterator

LLAMA_3 = "meta/meta-llama-3-8b-instruct"
"""An official model: `prompt`, `max_tokens`, `min_tokens`, `stop_sequences`."""
DOLLY = "replicate/dolly-v2-12b"
"""A versioned model without a `stop_sequences` input: the client must cancel."""
STOP_MAX_LENGTH = 400
"""`max_length` of the stop-sequence runs (the reply would go on for seconds)."""
STOP_SEED = 7


class NotSupportedError(NotImplementedError):
    """The subject cannot do this scenario; the message says why."""


@dataclass(frozen=True)
class Settings:
    """What every subject needs to reach the local server."""

    base_url: str
    token: str
    dolly_version: str

    @property
    def dolly(self) -> str:
        """`owner/name:version` of the stop-sequence model."""
        return f"{DOLLY}:{self.dolly_version}"


@dataclass(frozen=True)
class Reply:
    """A call's text and the token usage the client reported (None: none)."""

    text: str
    usage: dict[str, int] | None = None


class Subject:
    """One client under test."""

    key: ClassVar[str]
    """Short id, used on the command line and in the JSON."""
    label: ClassVar[str]
    """Name in the table."""
    threaded_batch: ClassVar[bool] = False
    """Its `abatch` runs in threads that cannot be stopped: give it its own process."""
    library: ClassVar[str]
    """The module whose import time the report shows for this subject."""

    def __init__(self, settings: Settings) -> None:
        """Remember where the server is."""
        self.settings = settings

    def invoke(self, prompt: str, *, max_tokens: int) -> Reply:
        """One call, waited for."""
        raise NotImplementedError

    def stream(self, prompt: str, *, max_tokens: int, min_tokens: int) -> Iterator[str]:
        """One call, streamed; yields text pieces."""
        raise NotImplementedError

    def stop(self, prompt: str, *, stop: str) -> str:
        """A long reply from the model without `stop_sequences`, cut at `stop`."""
        raise NotImplementedError

    async def abatch(self, prompts: list[str], *, max_tokens: int) -> list[str]:
        """All prompts at once, the client's own way."""
        raise NotImplementedError


def dolly_input(prompt: str) -> dict[str, Any]:
    return {"prompt": prompt, "max_length": STOP_MAX_LENGTH, "seed": STOP_SEED}


# -- LangChain runnables --------------------------------------------------------------


class LangChainSubject(Subject):
    """A LangChain model: the scenarios are its `invoke`, `stream` and `abatch`."""

    def _model(self, model: str, max_tokens: int, min_tokens: int | None = None) -> Any:  # noqa: ANN401 - the runnable
        """The instance for these settings (one each, as an app keeps it)."""
        raise NotImplementedError

    @staticmethod
    def _text(output: Any) -> str:  # noqa: ANN401 - a str or a message
        return output if isinstance(output, str) else str(output.content)

    @override
    def invoke(self, prompt: str, *, max_tokens: int) -> Reply:
        """`invoke`."""
        return Reply(self._text(self._model(LLAMA_3, max_tokens).invoke(prompt)))

    @override
    def stream(self, prompt: str, *, max_tokens: int, min_tokens: int) -> Iterator[str]:
        """`stream`."""
        for piece in self._model(LLAMA_3, max_tokens, min_tokens).stream(prompt):
            yield self._text(piece)

    @override
    def stop(self, prompt: str, *, stop: str) -> str:
        """`invoke(stop=...)`."""
        model = self._model(self.settings.dolly, STOP_MAX_LENGTH)
        return self._text(model.invoke(prompt, stop=[stop]))

    @override
    async def abatch(self, prompts: list[str], *, max_tokens: int) -> list[str]:
        """`abatch`."""
        outputs = await self._model(LLAMA_3, max_tokens).abatch(prompts)
        return [self._text(output) for output in outputs]


# -- langchain-replicate --------------------------------------------------------------


class _Ours(LangChainSubject):
    """Our classes: `stop` streams, cuts and cancels the prediction."""

    library = "langchain_replicate"
    class_name: ClassVar[str]

    def __init__(self, settings: Settings) -> None:
        """Import the package (only in the worker that measures it)."""
        super().__init__(settings)
        package = importlib.import_module("langchain_replicate")
        self._cls: Any = getattr(package, self.class_name)

    @functools.cache  # noqa: B019 - one instance per setting, as an app keeps it
    @override
    def _model(self, model: str, max_tokens: int, min_tokens: int | None = None) -> Any:
        return self._cls(
            model=model,
            api_key=self.settings.token,
            base_url=self.settings.base_url,
            max_tokens=max_tokens,
            seed=STOP_SEED if model == self.settings.dolly else None,
            model_kwargs={} if min_tokens is None else {"min_tokens": min_tokens},
        )


class OurReplicate(_Ours):
    """`langchain_replicate.Replicate`."""

    key = "ours"
    label = "Replicate (ours)"
    class_name = "Replicate"

    @override
    def invoke(self, prompt: str, *, max_tokens: int) -> Reply:
        """`generate` (what `invoke` runs), to read the metrics it reports."""
        result = self._model(LLAMA_3, max_tokens).generate([prompt])
        generation = result.generations[0][0]
        metrics = (generation.generation_info or {}).get("metrics") or {}
        usage = {
            name: metrics[key]
            for name, key in (
                ("input", "input_token_count"),
                ("output", "output_token_count"),
            )
            if key in metrics
        }
        return Reply(generation.text, usage or None)


class OurChat(_Ours):
    """`langchain_replicate.ChatReplicate` (one user message per call)."""

    key = "chat"
    label = "ChatReplicate (ours)"
    class_name = "ChatReplicate"

    @override
    def invoke(self, prompt: str, *, max_tokens: int) -> Reply:
        """`invoke`; the usage is the message's `usage_metadata`."""
        message = self._model(LLAMA_3, max_tokens).invoke(prompt)
        usage = message.usage_metadata
        return Reply(
            str(message.content),
            None
            if usage is None
            else {"input": usage["input_tokens"], "output": usage["output_tokens"]},
        )


# -- langchain-community ---------------------------------------------------------------


class CommunityReplicate(LangChainSubject):
    """`langchain_community.llms.Replicate` (0.4.2).

    Its `stream` polls the prediction every 0.5 s; `invoke(stop=...)` waits for
    the whole reply, then cuts it; `abatch` is its default, `_generate` in an
    executor, one prompt at a time.
    """

    key = "community"
    label = "langchain_community Replicate"
    threaded_batch = True
    library = "langchain_community.llms.replicate"

    def __init__(self, settings: Settings) -> None:
        """Import it, with the token in the environment (its `replicate_api_token`
        parameter is never passed to a client, anchors §B1.1)."""
        super().__init__(settings)
        os.environ["REPLICATE_API_TOKEN"] = settings.token
        os.environ["REPLICATE_BASE_URL"] = settings.base_url
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        module = importlib.import_module("langchain_community.llms.replicate")
        self._cls = module.Replicate

    @functools.cache  # noqa: B019 - one instance per setting, as an app keeps it
    @override
    def _model(self, model: str, max_tokens: int, min_tokens: int | None = None) -> Any:
        if model == self.settings.dolly:
            model_kwargs = dolly_input("")
            del model_kwargs["prompt"]
        else:
            model_kwargs = {"max_tokens": max_tokens}
            if min_tokens is not None:
                model_kwargs["min_tokens"] = min_tokens
        return self._cls(model=model, model_kwargs=model_kwargs)


# -- LiteLLM ---------------------------------------------------------------------------

LITELLM_HOW = (
    "LiteLLM's Replicate provider ignores api_base (it hard-codes "
    "https://api.replicate.com), so in its worker process httpx's transports "
    "rewrite that host to the local server; HF_HUB_OFFLINE=1 stops its Hugging Face "
    "tokenizer fetch (usage is then estimated with tiktoken); "
    "LITELLM_LOCAL_MODEL_COST_MAP=True skips its cost-map download; aiohttp is off "
    "so its async calls go through httpx too. It maps max_tokens to max_new_tokens, "
    "which meta-llama-3 ignores, so the benchmark sets the model's own max_tokens and "
    "min_tokens through litellm.ReplicateConfig (its provider config) to make it do "
    "the same work as the others."
)


def _redirect_replicate_host(origin: httpx.URL) -> None:
    """Send each httpx request for api.replicate.com to `origin` (this process only)."""
    sync_send = httpx.HTTPTransport.handle_request
    async_send = httpx.AsyncHTTPTransport.handle_async_request

    def rewrite(request: httpx.Request) -> None:
        if request.url.host == "api.replicate.com":
            request.url = request.url.copy_with(
                scheme=origin.scheme, host=origin.host, port=origin.port
            )
            request.headers["Host"] = f"{origin.host}:{origin.port}"

    def handle_request(
        self: httpx.HTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        rewrite(request)
        return sync_send(self, request)

    async def handle_async_request(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        rewrite(request)
        return await async_send(self, request)

    httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign]


class LiteLLM(Subject):
    """LiteLLM's Replicate provider (`litellm.completion(model="replicate/...")`)."""

    key = "litellm"
    label = "LiteLLM replicate/"
    library = "litellm"

    def __init__(self, settings: Settings) -> None:
        """Aim it at the local server (see `LITELLM_HOW`) and import it."""
        super().__init__(settings)
        os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["DISABLE_AIOHTTP_TRANSPORT"] = "True"
        _redirect_replicate_host(httpx.URL(settings.base_url))
        self._litellm = cast("Any", importlib.import_module("litellm"))
        self._litellm.suppress_debug_info = True
        importlib.import_module("logging").getLogger("LiteLLM").setLevel("ERROR")
        self._model = f"replicate/{LLAMA_3}"

    def _configure(self, *, max_tokens: int, min_tokens: int = 0) -> None:
        config = self._litellm.ReplicateConfig
        config.max_tokens = max_tokens
        config.min_tokens = min_tokens

    def _messages(self, prompt: str) -> list[dict[str, str]]:
        return [{"role": "user", "content": prompt}]

    @override
    def invoke(self, prompt: str, *, max_tokens: int) -> Reply:
        """`litellm.completion`; its `usage` is an estimate."""
        self._configure(max_tokens=max_tokens)
        response = self._litellm.completion(
            model=self._model,
            messages=self._messages(prompt),
            api_key=self.settings.token,
        )
        usage = {
            "input": int(response.usage.prompt_tokens),
            "output": int(response.usage.completion_tokens),
        }
        return Reply(str(response.choices[0].message.content), usage)

    @override
    def stream(self, prompt: str, *, max_tokens: int, min_tokens: int) -> Iterator[str]:
        """`litellm.completion(stream=True)` (it polls every 0.5 s)."""
        self._configure(max_tokens=max_tokens, min_tokens=min_tokens)
        chunks = self._litellm.completion(
            model=self._model,
            messages=self._messages(prompt),
            api_key=self.settings.token,
            stream=True,
        )
        for chunk in chunks:
            yield chunk.choices[0].delta.content or ""

    @override
    def stop(self, prompt: str, *, stop: str) -> str:
        """Not possible: it cannot call a pinned version."""
        msg = (
            "LiteLLM posts a pinned version to /v1/models/{version}/predictions "
            "(anchors §B2.2), so it cannot run replicate/dolly-v2-12b:<version>"
        )
        raise NotSupportedError(msg)

    @override
    async def abatch(self, prompts: list[str], *, max_tokens: int) -> list[str]:
        """`asyncio.gather` of `litellm.acompletion` calls."""
        self._configure(max_tokens=max_tokens)
        responses = await asyncio.gather(
            *(
                self._litellm.acompletion(
                    model=self._model,
                    messages=self._messages(prompt),
                    api_key=self.settings.token,
                )
                for prompt in prompts
            )
        )
        return [str(response.choices[0].message.content) for response in responses]


# -- replicate (the bare client) -------------------------------------------------------


class BareReplicate(Subject):
    """The `replicate` client (1.0.7) used directly."""

    key = "replicate"
    label = "replicate client (bare)"
    library = "replicate"

    def __init__(self, settings: Settings) -> None:
        """A `replicate.Client` for the server."""
        super().__init__(settings)
        from replicate.client import Client  # noqa: PLC0415 - only its worker needs it

        self._client = Client(api_token=settings.token, base_url=settings.base_url)

    @override
    def invoke(self, prompt: str, *, max_tokens: int) -> Reply:
        """`client.run` (`run` returns the output only, no metrics)."""
        output = self._client.run(
            LLAMA_3, input={"prompt": prompt, "max_tokens": max_tokens}
        )
        return Reply("".join(str(piece) for piece in output))

    @override
    def stream(self, prompt: str, *, max_tokens: int, min_tokens: int) -> Iterator[str]:
        """`client.stream` (SSE)."""
        events = self._client.stream(
            LLAMA_3,
            input={
                "prompt": prompt,
                "max_tokens": max_tokens,
                "min_tokens": min_tokens,
            },
        )
        for event in events:
            yield str(event)

    @override
    def stop(self, prompt: str, *, stop: str) -> str:
        """Stream, watch for `stop`, cancel: what a careful user writes by hand."""
        version = self.settings.dolly_version
        prediction = self._client.predictions.create(
            version=version, input=dolly_input(prompt), stream=True
        )
        text = ""
        for event in prediction.stream():
            text += str(event)
            if stop in text:
                prediction.cancel()
                return text[: text.index(stop)]
        return text

    @override
    async def abatch(self, prompts: list[str], *, max_tokens: int) -> list[str]:
        """`asyncio.gather` of `client.async_run` calls."""
        outputs: list[Any] = await asyncio.gather(
            *(
                self._client.async_run(
                    LLAMA_3, input={"prompt": prompt, "max_tokens": max_tokens}
                )
                for prompt in prompts
            )
        )
        return ["".join(str(piece) for piece in output) for output in outputs]


# -- the reference for CPU per token ---------------------------------------------------


class RawSSE(Subject):
    """The least a streaming client can do: httpx, one create, one SSE read."""

    key = "raw"
    label = "raw httpx SSE (reference)"
    library = "httpx"

    def __init__(self, settings: Settings) -> None:
        """An httpx client."""
        super().__init__(settings)
        self._http = httpx.Client(
            base_url=settings.base_url,
            headers={"Authorization": f"Bearer {settings.token}"},
            timeout=60.0,
        )

    @override
    def stream(self, prompt: str, *, max_tokens: int, min_tokens: int) -> Iterator[str]:
        """Create with `stream: true`, read `output` events until `done`."""
        body = {
            "input": {
                "prompt": prompt,
                "max_tokens": max_tokens,
                "min_tokens": min_tokens,
            },
            "stream": True,
        }
        created = self._http.post(f"/v1/models/{LLAMA_3}/predictions", json=body)
        created.raise_for_status()
        url = created.json()["urls"]["stream"]
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        with self._http.stream("GET", url, headers=headers) as response:
            event = ""
            data: list[str] = []
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].removeprefix(" "))
                elif not line:
                    if event == "done":
                        return
                    if event == "output":
                        yield "\n".join(data)
                    event, data = "", []


def _on_raw_llm(reader: RawSSE) -> Any:  # noqa: ANN401 - a LangChain model
    """The least a LangChain LLM can be: `_stream` over the bare reader.

    One chunk and one `on_llm_new_token` per piece, as LangChain asks of
    `_stream`; no I/O of its own.
    """
    from langchain_core.language_models import BaseLLM  # noqa: PLC0415 - worker only
    from langchain_core.outputs import GenerationChunk  # noqa: PLC0415

    class OnRawLLM(BaseLLM):
        @property
        def _llm_type(self) -> str:
            return "on-raw-sse"

        def _generate(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            raise NotImplementedError

        def _stream(
            self,
            prompt: str,
            stop: list[str] | None = None,  # noqa: ARG002 - LangChain's signature
            run_manager: Any = None,  # noqa: ANN401
            **kwargs: int,
        ) -> Iterator[GenerationChunk]:
            for text in reader.stream(prompt, **kwargs):
                chunk = GenerationChunk(text=text)
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk

    return OnRawLLM()


def _on_raw_chat(reader: RawSSE) -> Any:  # noqa: ANN401 - a LangChain model
    """`_on_raw_llm` for a chat model (a message chunk per piece)."""
    from langchain_core.language_models import BaseChatModel  # noqa: PLC0415
    from langchain_core.messages import AIMessageChunk  # noqa: PLC0415
    from langchain_core.outputs import ChatGenerationChunk  # noqa: PLC0415

    class OnRawChat(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "on-raw-sse"

        def _generate(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            raise NotImplementedError

        def _stream(
            self,
            messages: list[Any],
            stop: list[str] | None = None,  # noqa: ARG002 - LangChain's signature
            run_manager: Any = None,  # noqa: ANN401
            **kwargs: int,
        ) -> Iterator[ChatGenerationChunk]:
            prompt = str(messages[-1].content)
            for text in reader.stream(prompt, **kwargs):
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk

    return OnRawChat()


class LangChainOnRaw(Subject):
    """LangChain's own per-token work alone: a minimal LangChain LLM over `RawSSE`.

    Any LangChain integration pays this on top of reading the stream; the CPU
    row's notes give it beside ours.
    """

    key = "lc_llm"
    label = "LangChain BaseLLM.stream over the bare reader"
    library = "langchain_core"
    chat: ClassVar[bool] = False

    def __init__(self, settings: Settings) -> None:
        """The minimal model, over a bare reader."""
        super().__init__(settings)
        reader = RawSSE(settings)
        self._model = _on_raw_chat(reader) if self.chat else _on_raw_llm(reader)

    @override
    def stream(self, prompt: str, *, max_tokens: int, min_tokens: int) -> Iterator[str]:
        """`stream`, as for our classes."""
        pieces = self._model.stream(
            prompt, max_tokens=max_tokens, min_tokens=min_tokens
        )
        for piece in pieces:
            yield piece if isinstance(piece, str) else str(piece.content)


class LangChainChatOnRaw(LangChainOnRaw):
    """The same for `BaseChatModel.stream` (a message chunk per token)."""

    key = "lc_chat"
    label = "LangChain BaseChatModel.stream over the bare reader"
    chat = True


SUBJECTS: dict[str, type[Subject]] = {
    subject.key: subject
    for subject in (
        OurReplicate,
        OurChat,
        CommunityReplicate,
        LiteLLM,
        BareReplicate,
        RawSSE,
        LangChainOnRaw,
        LangChainChatOnRaw,
    )
}
"""Every subject, by key, in table order."""
