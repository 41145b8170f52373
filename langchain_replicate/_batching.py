"""Batches: every input its own call, its own result, and nothing left running.

LangChain's `BaseLLM.batch` runs all prompts in one `generate` call, so one
failed prompt (a `429` after `max_retries`) raises for all of them and throws
away the outputs of predictions that succeeded and were paid for; with
`return_exceptions=True` every slot gets that same error. And a sync batch
waits for its thread pool on the way out, so Ctrl-C surfaces only once every
running prediction has finished.

`run_batch` / `arun_batch` (used by `Replicate.batch/abatch` and
`ChatReplicate.batch/abatch`, and by `Replicate._generate`) instead:

* run each input as its own call (`invoke` / `ainvoke`), up to
  `max_concurrency` at once, and return each slot's own result or, with
  `return_exceptions=True`, its own error;
* without `return_exceptions`, raise the first error as soon as it happens and
  give the rest up (their predictions are canceled: their outputs would be
  discarded anyway);
* on Ctrl-C (or any `BaseException`), give the batch up at once: the calls'
  predictions are canceled (those still being created too, see
  `_core.abandonment.AbandonScope`), no new create is sent, and the interrupt
  surfaces without waiting for the worker threads.

The throttling itself is paced below, per connection (`_core/pacing.py`).
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from typing import TYPE_CHECKING, Any, TypeVar, cast

from langchain_core.runnables.config import (
    ContextThreadPoolExecutor,
    RunnableConfig,
    get_config_list,
)

from langchain_replicate._core.abandonment import abandon_scope

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from langchain_core.runnables import Runnable

T = TypeVar("T")

MAX_THREADS = 128
"""Most calls a sync batch runs at once without `max_concurrency`."""


def run_batch(
    calls: Sequence[Callable[[], T]],
    *,
    max_concurrency: int | None,
    return_exceptions: bool,
) -> list[T | Exception]:
    """Run `calls` concurrently on threads; each slot gets its result or error.

    Args:
        calls: One call per input.
        max_concurrency: Most at once (`None`: up to `MAX_THREADS`).
        return_exceptions: Return errors in their slots instead of raising.

    Returns:
        The results (or errors) in input order.

    Raises:
        Exception: The first error, if not `return_exceptions` (the rest are
            canceled).
    """
    if len(calls) == 1 and return_exceptions:
        return [_outcome(calls[0])]
    if len(calls) == 1:
        return [calls[0]()]
    workers = min(len(calls), max_concurrency or MAX_THREADS)
    with abandon_scope() as scope:
        pool = ContextThreadPoolExecutor(max_workers=workers)
        try:
            futures = [pool.submit(call) for call in calls]
            if not return_exceptions:
                wait(futures, return_when=FIRST_EXCEPTION)
                _raise_first_error(futures)
            return [_result(future) for future in futures]
        except BaseException:
            for driver, flow in scope.abandon():
                driver.abandon_flow(flow)
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


def _raise_first_error(futures: Sequence[Future[T]]) -> None:
    for future in futures:
        if future.done() and (error := future.exception()) is not None:
            raise error


def _result(future: Future[Any]) -> Any:  # noqa: ANN401 - T or an Exception
    error = future.exception()
    if error is None:
        return future.result()
    if isinstance(error, Exception):
        return error
    raise error


def _outcome(call: Callable[[], T]) -> T | Exception:
    try:
        return call()
    except Exception as e:  # noqa: BLE001 - returned in its slot, as asked
        return e


async def arun_batch(
    calls: Sequence[Callable[[], Awaitable[T]]],
    *,
    max_concurrency: int | None,
    return_exceptions: bool,
) -> list[T | Exception]:
    """Async `run_batch`: tasks (cancellation cancels their predictions).

    Raises:
        Exception: The first error, if not `return_exceptions`.
    """
    limit = asyncio.Semaphore(max_concurrency) if max_concurrency else None

    async def one(call: Callable[[], Awaitable[T]]) -> T | Exception:
        if limit is None:
            return await call()
        async with limit:
            return await call()

    tasks = [asyncio.ensure_future(one(call)) for call in calls]
    try:
        if not return_exceptions:
            return list(await asyncio.gather(*tasks))
        done = await asyncio.gather(*tasks, return_exceptions=True)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    results: list[T | Exception] = []
    for outcome in done:
        if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
            raise outcome
        results.append(outcome)
    return results


def _per_input(
    method: Callable[..., T],
    inputs: list[Any],
    config: RunnableConfig | list[RunnableConfig] | None,
    kwargs: dict[str, Any],
) -> tuple[list[Callable[[], T]], int | None]:
    """One call of `method` per input (with its config), and `max_concurrency`."""
    configs = get_config_list(config, len(inputs))
    calls: list[Callable[[], T]] = [
        functools.partial(method, input_, config_, **kwargs)
        for input_, config_ in zip(inputs, configs, strict=True)
    ]
    return calls, configs[0].get("max_concurrency")


class PerInputBatches:
    """`batch` / `abatch` for a Runnable: `run_batch` over its `invoke` / `ainvoke`.

    A mixin, placed before the LangChain base class (`BaseLLM`, `BaseChatModel`).
    """

    def batch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,  # noqa: ANN401 - Runnable's signature
    ) -> list[Any]:
        """Run each input as its own call; see `run_batch`.

        Returns:
            Each input's output (or, with `return_exceptions`, its error).
        """
        if not inputs:
            return []
        runnable = cast("Runnable[Any, Any]", self)
        calls, limit = _per_input(runnable.invoke, inputs, config, kwargs)
        return run_batch(
            calls, max_concurrency=limit, return_exceptions=return_exceptions
        )

    async def abatch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,  # noqa: ANN401 - Runnable's signature
    ) -> list[Any]:
        """Async `batch`; see `arun_batch`.

        Returns:
            Each input's output (or, with `return_exceptions`, its error).
        """
        if not inputs:
            return []
        runnable = cast("Runnable[Any, Any]", self)
        calls, limit = _per_input(runnable.ainvoke, inputs, config, kwargs)
        return await arun_batch(
            calls, max_concurrency=limit, return_exceptions=return_exceptions
        )
