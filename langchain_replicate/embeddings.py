"""`ReplicateEmbeddings`: every Replicate embedding model behind one LangChain class.

Data flow: the model's schema (looked up once per process) decides the text
input, its format and the side inputs (`_embedding.plan.EmbeddingPlan`); the
texts are prefixed (`query_prefix` / `document_prefix`), split into batches of
`chunk_size` and each batch runs as one prediction, at most `max_concurrency`
at once; each finished prediction's output is read by its value into
vectors, and the vectors are joined in input order.

Sync batches run on LangChain's context-copying thread pool and follow their prediction
(`ReplicateAPI.follow`); async ones are tasks under a semaphore
(`ReplicateAPI.arun`). A failure stops the rest: batches not started never
start, and running predictions are canceled on Replicate.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings
from langchain_core.runnables.config import ContextThreadPoolExecutor
from langchain_core.utils.utils import get_pydantic_field_names
from pydantic import ConfigDict, Field, model_validator

from langchain_replicate._core.protocol import MAX_WAIT, check_prediction
from langchain_replicate._embedding.inputs import TextFormat, default_prefixes
from langchain_replicate._embedding.plan import EmbeddingPlan
from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate._settings import ReplicateConnection, build_extra

if TYPE_CHECKING:
    from collections.abc import Sequence

    from typing_extensions import Self

    from langchain_replicate._client import Prediction, ReplicateAPI
    from langchain_replicate._inputs.schema import InputSchema

DEFAULT_MAX_CONCURRENCY = 4


class _Stopped(Exception):  # noqa: N818 - internal control flow, never raised to users
    """Another batch failed: this one stops (its prediction is canceled)."""


class ReplicateEmbeddings(ReplicateConnection, Embeddings):
    r"""Any Replicate embedding model as LangChain `Embeddings`.

    Replicate's embedding models take their texts in different inputs and
    shapes and return vectors in different shapes; this class reads both from
    the model (its schema for the input, the output's value for the vectors),
    so one class fits them all: `ibm-granite/granite-embedding-278m-multilingual`
    (`texts: list[str]`), `nateraw/bge-large-en-v1.5` and
    `beautyyuyanli/multilingual-e5-large` (a JSON-encoded list),
    `replicate/all-mpnet-base-v2` (`text_batch`, `{embedding}` objects),
    `andreasjansson/clip-features` and `lucataco/nomic-embed-text-v1`
    (newline-separated), `lucataco/snowflake-arctic-embed-l`,
    `mark3labs/embeddings-gte-base`, `daanelson/imagebind` (`modality="text"`)
    and `zsxkib/jina-clip-v2` (one text per prediction; base64 vectors).

    Setup:
        Install `langchain-replicate` and set `REPLICATE_API_TOKEN`.

        ```bash
        pip install -U langchain-replicate
        export REPLICATE_API_TOKEN="r8_..."
        ```

    Key init args:
        | Param             | Type              | Description                      |
        | ----------------- | ----------------- | -------------------------------- |
        | `model`           | `str`             | `owner/name[:version]` or        |
        |                   |                   | `deployments/owner/name`.        |
        | `chunk_size`      | `int \| None`     | Texts per prediction (64; 1 for  |
        |                   |                   | one-text models).                |
        | `max_concurrency` | `int`             | Predictions at once (4).         |
        | `dimensions`      | `int \| None`     | Output size, if the model takes  |
        |                   |                   | one.                             |
        | `normalize`       | `bool \| None`    | L2-normalise (model or here).    |
        | `query_prefix`    | `str \| None`     | Before queries (e5: `query: `).  |
        | `document_prefix` | `str \| None`     | Before documents (e5:            |
        |                   |                   | `passage: `).                    |
        | `text_input`      | `str \| None`     | Override the text input's name.  |
        | `text_format`     | `str \| None`     | ... and its format.              |
        | `model_kwargs`    | `dict`            | Further model inputs.            |
        | `wait`            | `int`             | `Prefer: wait` seconds (60).     |
        | `timeout`         | `float \| None`   | Seconds per prediction.          |
        | `max_retries`     | `int`             | Retries of a create refused 429. |
        | `api_key`         | `SecretStr`       | Default: `REPLICATE_API_TOKEN`.  |
        | `base_url`        | `str \| None`     | Default: `REPLICATE_BASE_URL`.   |

    Instantiate:
        Construction makes no request; the schema is looked up on first use.
        Community models need their version (`owner/name:version`); official
        models and deployments do not.

        ```python
        from langchain_replicate import ReplicateEmbeddings

        embeddings = ReplicateEmbeddings(
            model="ibm-granite/granite-embedding-278m-multilingual"
        )
        ```

    Embed:
        Run here against the local server (`langchain_replicate.testing`),
        whose reference models compute hashed n-gram vectors (similar texts,
        similar vectors); the output is real.

        ```python
        from langchain_replicate.testing import LocalReplicateServer

        with LocalReplicateServer() as server:
            embeddings = ReplicateEmbeddings(
                model="ibm-granite/granite-embedding-278m-multilingual",
                api_key=server.api_token,
                base_url=server.base_url,
            )
            docs = embeddings.embed_documents(
                ["Paris is the capital of France.", "Cats are mammals."]
            )
            query = embeddings.embed_query("What is the capital of France?")
            print(len(docs), len(docs[0]))
            print([round(sum(q * d for q, d in zip(query, doc)), 3) for doc in docs])
        ```

        ```txt
        2 768
        [0.828, 0.0]
        ```

        An option the model cannot honour fails before any prediction:

        ```python
        ReplicateEmbeddings(
            model="lucataco/snowflake-arctic-embed-l:<version>", dimensions=256
        ).embed_query("x")
        ```

        ```txt
        ReplicateInputError: lucataco/snowflake-arctic-embed-l:<version> takes no
        output dimension (its inputs: prompt); leave dimensions unset, or pass
        the model's own input in model_kwargs.
        ```

    Async:
        The same, with the batches as asyncio tasks:

        ```python
        docs = await embeddings.aembed_documents(["Paris is the capital of France."])
        query = await embeddings.aembed_query("What is the capital of France?")
        ```

    Batching:
        Texts go `chunk_size` to a prediction (one for models that take one
        text), up to `max_concurrency` predictions at once; vectors come back
        in input order. `[]` makes no request. If one prediction fails, no
        further batch starts and the predictions still running are canceled
        on Replicate, then the error is raised.

    Errors:
        An option the model cannot honour (`dimensions` without such an
        input, an unknown `model_kwargs` name) raises `ReplicateInputError` before any
        prediction. An output that is not one vector per text raises
        `ReplicatePredictionError` naming what came back. Other failures are
        the classes in `langchain_replicate.errors`.
    """

    model_config = ConfigDict(populate_by_name=True)

    model: str | None = Field(default=None, alias="model_name")
    """The model: `owner/name` (official model), `owner/name:version` or
    `deployments/owner/name`. Checked at construction."""

    deployment: str | None = None
    """A deployment `owner/name` to run instead of `model`. Default: none."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Further model inputs sent with every batch (e.g. `{"batch_size": 16}`),
    kept as given (a name that is also a field, such as `dimensions`, stays
    here and is sent as the model input); unknown constructor kwargs land here
    (with a warning), and are checked against the schema on first use.
    Default: `{}`."""

    chunk_size: int | None = Field(default=None, ge=1)
    """Texts per prediction. Default: 64 for models that take a batch (capped by
    a declared `maxItems`); always 1 for models that take one text."""

    max_concurrency: int = Field(default=DEFAULT_MAX_CONCURRENCY, ge=1)
    """Predictions running at once. Default: `4`."""

    dimensions: int | None = Field(default=None, ge=1)
    """Output dimensions, for models with such an input (`embedding_dim`,
    `dimensions`...); an error for others. Default: the model's."""

    normalize: bool | None = None
    """L2-normalise the vectors: through the model's input
    (`normalize_embeddings`) where it has one, else here. Default: the model's
    own behaviour."""

    query_prefix: str | None = None
    """Put before every query (`embed_query`). Default: what the model family
    expects (`query: ` for e5 models), else nothing."""

    document_prefix: str | None = None
    """Put before every document (`embed_documents`). Default: what the model
    family expects (`passage: ` for e5 models), else nothing."""

    text_input: str | None = None
    """The input that takes the texts. Default: found from the schema."""

    text_format: TextFormat | None = None
    """How `text_input` takes them: `array` (list of strings), `json` (a
    JSON-encoded list), `newline` (newline-separated) or `single` (one text per
    prediction). Default: found from the schema."""

    wait: int = Field(default=MAX_WAIT, ge=1, le=MAX_WAIT)
    """Seconds each create is held open (`Prefer: wait`); a batch still running
    after that is followed by polling (and can then be canceled if another
    batch fails). Default: `60` (the maximum)."""

    validate_inputs: bool = True
    """Reject `model_kwargs` the model's schema does not list. Default: `True`."""

    @model_validator(mode="before")
    @classmethod
    def _build_extra(cls, values: Any) -> Any:  # noqa: ANN401 - pydantic
        """Move unknown constructor kwargs into `model_kwargs` (with a warning)."""
        if not isinstance(values, dict):
            return values
        return build_extra(values, get_pydantic_field_names(cls))

    @model_validator(mode="after")
    def _parse_model(self) -> Self:
        """Parse the model reference so a malformed one fails here."""
        self._ref = parse_model_ref(self.model, self.deployment)
        return self

    @property
    def _create_wait(self) -> int:
        return self.wait

    # -- pure steps shared by sync and async -------------------------------------------

    def _plan(self, schema: InputSchema | None) -> EmbeddingPlan:
        return EmbeddingPlan.make(
            schema,
            model=str(self._ref),
            text_input=self.text_input,
            text_format=self.text_format,
            model_kwargs=self.model_kwargs,
            chunk_size=self.chunk_size,
            dimensions=self.dimensions,
            normalize=self.normalize,
            validate=self.validate_inputs,
        )

    def _prefixed(self, texts: Sequence[str], *, query: bool) -> list[str]:
        query_default, document_default = default_prefixes(str(self._ref))
        if query:
            prefix = query_default if self.query_prefix is None else self.query_prefix
        else:
            prefix = (
                document_default
                if self.document_prefix is None
                else self.document_prefix
            )
        return [prefix + text for text in texts]

    # -- sync --------------------------------------------------------------------------

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (with `document_prefix`), in order.

        Args:
            texts: The documents.

        Returns:
            One vector per document.
        """
        return self._embed(self._prefixed(texts, query=False))

    def embed_query(self, text: str) -> list[float]:
        """Embed a query (with `query_prefix`).

        Args:
            text: The query.

        Returns:
            Its vector.
        """
        return self._embed(self._prefixed([text], query=True))[0]

    def _embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        api = self._api
        plan = self._plan(api.input_schema(self._ref))
        batches = plan.batches(texts)
        stop = threading.Event()
        workers = min(self.max_concurrency, len(batches))
        if workers == 1:
            return [v for batch in batches for v in self._run(api, plan, batch, stop)]
        with ContextThreadPoolExecutor(workers) as pool:
            futures = [
                pool.submit(self._run, api, plan, batch, stop) for batch in batches
            ]
            try:
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                _raise_first(futures, done)
            finally:
                stop.set()  # a no-op on success; on failure the rest stop
                for future in futures:
                    future.cancel()
        return [v for future in futures for v in future.result()]

    def _run(
        self,
        api: ReplicateAPI,
        plan: EmbeddingPlan,
        batch: list[str],
        stop: threading.Event,
    ) -> list[list[float]]:
        """One batch: create, follow to the end (or cancel when told), read."""
        if stop.is_set():
            raise _Stopped
        predictions = api.follow(self._ref, plan.request(batch))
        last: Prediction | None = None
        try:
            for prediction in predictions:
                if stop.is_set():
                    raise _Stopped  # closing the generator cancels the prediction
                last = prediction
        finally:
            predictions.close()
        if last is None:  # pragma: no cover - follow yields at least once
            raise _Stopped
        return plan.vectors(check_prediction(last), batch)

    # -- async (the same steps; only the I/O differs) ----------------------------------

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async `embed_documents`."""
        return await self._aembed(self._prefixed(texts, query=False))

    async def aembed_query(self, text: str) -> list[float]:
        """Async `embed_query`."""
        return (await self._aembed(self._prefixed([text], query=True)))[0]

    async def _aembed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        api = self._api
        plan = self._plan(await api.ainput_schema(self._ref))
        batches = plan.batches(texts)
        slots = asyncio.Semaphore(self.max_concurrency)

        async def run(batch: list[str]) -> list[list[float]]:
            async with slots:
                prediction = await api.arun(self._ref, plan.request(batch))
            return plan.vectors(prediction, batch)

        tasks = [asyncio.ensure_future(run(batch)) for batch in batches]
        try:
            results = await asyncio.gather(*tasks)
        except BaseException:
            # arun cancels a canceled task's prediction on Replicate.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [v for vectors in results for v in vectors]


def _raise_first(
    futures: Sequence[Future[list[list[float]]]], done: set[Future[list[list[float]]]]
) -> None:
    """Raise the first failure, in input order (not a `_Stopped` follower)."""
    for future in futures:
        error = future.exception() if future in done else None
        if error is not None and not isinstance(error, _Stopped):
            raise error
