"""Call a runnable (or embeddings) the same way in either mode: sync or async.

Shared by the unit and integration tests, which run most behaviours once per
mode (one test body, `mode` in `MODES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.runnables import Runnable

MODES = ("sync", "async")


async def invoke(
    runnable: Runnable[Any, Any], mode: str, value: Any, **kwargs: Any
) -> Any:
    """`invoke` or `ainvoke`."""
    if mode == "sync":
        return runnable.invoke(value, **kwargs)
    return await runnable.ainvoke(value, **kwargs)


async def stream(
    runnable: Runnable[Any, Any], mode: str, value: Any, **kwargs: Any
) -> list[Any]:
    """Every chunk of `stream` or `astream`."""
    if mode == "sync":
        return list(runnable.stream(value, **kwargs))
    return [chunk async for chunk in runnable.astream(value, **kwargs)]


async def embed_documents(
    embeddings: Embeddings, mode: str, texts: list[str]
) -> list[list[float]]:
    """`embed_documents` or `aembed_documents`."""
    if mode == "sync":
        return embeddings.embed_documents(texts)
    return await embeddings.aembed_documents(texts)


async def embed_query(embeddings: Embeddings, mode: str, text: str) -> list[float]:
    """`embed_query` or `aembed_query`."""
    if mode == "sync":
        return embeddings.embed_query(text)
    return await embeddings.aembed_query(text)
