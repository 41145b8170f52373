"""Call a runnable the same way in either mode: sync (`invoke`) or async (`ainvoke`).

Shared by the unit and integration tests, which run most behaviours once per
mode (one test body, `mode` in `MODES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
