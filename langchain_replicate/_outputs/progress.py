r"""Progress of a running prediction, read from the tqdm bars in its logs.

Pure (no I/O). Image models print tqdm lines (`" 45%|████▌     | 9/20 [...]"`);
replicate's own `Prediction.Progress.parse` reads them. tqdm redraws a bar
with `\r`, so the logs are split on `\r` as well as newlines first, or the
stale first bar of a redrawn line would be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from replicate.prediction import Prediction as SdkPrediction

if TYPE_CHECKING:
    from collections.abc import Mapping

PROGRESS_EVENT = "replicate_progress"
"""The name of the custom callback event that reports progress."""

_BAR_WIDTH = 20


@dataclass(frozen=True)
class Progress:
    """How far a prediction is: `step` of `total`."""

    prediction_id: str
    step: int
    total: int
    status: str

    @property
    def percent(self) -> float:
        """Percent done (0-100)."""
        return 100.0 * self.step / self.total if self.total else 100.0

    def event_data(self) -> dict[str, Any]:
        """The data of the `replicate_progress` custom event."""
        return {
            "prediction_id": self.prediction_id,
            "step": self.step,
            "total": self.total,
            "percent": round(self.percent, 1),
            "status": self.status,
        }

    def bar(self, label: str) -> str:
        """A one-line text bar, e.g. `flux-schnell |██████░░░░| 60% 3/5`."""
        filled = round(_BAR_WIDTH * min(self.step, self.total) / (self.total or 1))
        bar = "█" * filled + "░" * (_BAR_WIDTH - filled)
        return f"{label} |{bar}| {self.percent:3.0f}% {self.step}/{self.total}"


def read_progress(prediction: Mapping[str, Any]) -> Progress | None:
    """The latest progress bar in a prediction's logs, if any.

    Args:
        prediction: The prediction JSON.

    Returns:
        The progress, or `None` when the logs show no bar.
    """
    logs = prediction.get("logs")
    if not isinstance(logs, str) or not logs:
        return None
    parsed = SdkPrediction.Progress.parse(logs.replace("\r", "\n"))
    if parsed is None:
        return None
    return Progress(
        prediction_id=str(prediction.get("id", "")),
        step=parsed.current,
        total=parsed.total,
        status=str(prediction.get("status", "")),
    )


@dataclass
class ProgressTracker:
    """Reports each new progress once (a poll often shows the same bar again)."""

    last: Progress | None = None
    """The latest progress reported."""

    def update(self, prediction: Mapping[str, Any]) -> Progress | None:
        """The prediction's progress if it moved since the last update, else `None`."""
        progress = read_progress(prediction)
        if progress is None or (
            self.last is not None
            and (progress.step, progress.total) == (self.last.step, self.last.total)
        ):
            return None
        self.last = progress
        return progress
