"""What an agent may start: the models it may run, and how many runs.

Pure (a lock, no I/O). `allowed` matches a model reference against the
developer's list (`owner/name`, `owner/*`, a pinned `owner/name:version`, or
`deployments/owner/name`); `RunBudget` counts the predictions a toolkit's
tools start, shared by all of them, and refuses the one past `max_runs`
before anything is created.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_replicate._inputs.model_ref import ModelRef

__all__ = ["RunBudget", "allowed", "refuse_model"]


def allowed(ref: ModelRef, patterns: Sequence[str] | None) -> bool:
    """Whether `ref` matches one of the allowed models (`None`: any model).

    `owner/name` allows every version of that model, `owner/name:version` only
    that version, `owner/*` every model of that owner, and
    `deployments/owner/name` that deployment.
    """
    if patterns is None:
        return True
    names = {str(ref)}
    if ref.is_deployment:
        names.add(f"deployments/{ref.owner}/*")
    else:
        names |= {ref.slug, f"{ref.owner}/*"}
    return any(pattern.strip() in names for pattern in patterns)


def refuse_model(ref: ModelRef, patterns: Sequence[str]) -> ReplicateInputError:
    """The error for a model outside `allowed_models`."""
    msg = (
        f"{ref} is not one of the models this agent may run "
        f"({', '.join(patterns) or 'none'}). Nothing was run."
    )
    return ReplicateInputError(msg)


class RunBudget:
    """The predictions a toolkit's tools may still start (thread-safe)."""

    def __init__(self, max_runs: int | None) -> None:
        """Allow `max_runs` predictions (`None`: no limit)."""
        self.max_runs = max_runs
        self.used = 0
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled and copied without the lock (a copy counts on its own)."""
        return {"max_runs": self.max_runs, "used": self.used}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A copy with a lock of its own."""
        self.max_runs = state["max_runs"]
        self.used = state["used"]
        self._lock = threading.Lock()

    def take(self, model: str) -> None:
        """Count one prediction of `model`, or refuse it.

        Raises:
            ReplicateInputError: If `max_runs` predictions were started already.
        """
        with self._lock:
            if self.max_runs is not None and self.used >= self.max_runs:
                msg = (
                    f"Run limit reached: this agent may start {self.max_runs} "
                    f"prediction(s) and has started {self.used}; {model} was not "
                    "run."
                )
                raise ReplicateInputError(msg)
            self.used += 1
