"""Finding stop sequences in streamed text, across token boundaries.

Pure (no I/O). `StopSequenceFinder` holds back only the tail of the text that
could still be the start of a stop sequence, so the stop sequence and anything
after it are never emitted, and streaming gives the same text as a whole call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


class StopSequenceFinder:
    """Feed tokens in; get back the text that is safe to emit."""

    def __init__(self, stop: Sequence[str] | None) -> None:
        """Create a finder.

        Args:
            stop: The stop sequences; empty strings are ignored.
        """
        self._stop = tuple(s for s in stop or () if s)
        self._held = ""
        self.stopped = False
        """Whether a stop sequence was found (no more text will be emitted)."""

    def feed(self, text: str) -> str:
        """Add a token.

        Args:
            text: The token.

        Returns:
            The text that may be emitted now (possibly empty).
        """
        if self.stopped:
            return ""
        if not self._stop:
            return text
        buffer = self._held + text
        hits = [i for i in (buffer.find(s) for s in self._stop) if i >= 0]
        if hits:
            self.stopped = True
            self._held = ""
            return buffer[: min(hits)]
        keep = self._longest_partial(buffer)
        self._held = buffer[len(buffer) - keep :] if keep else ""
        return buffer[: len(buffer) - keep]

    def flush(self) -> str:
        """The held-back text, at the end of the output.

        Returns:
            The text no stop sequence completed.
        """
        held, self._held = self._held, ""
        return "" if self.stopped else held

    def _longest_partial(self, buffer: str) -> int:
        """Length of the longest suffix of `buffer` that starts some stop sequence."""
        best = 0
        for stop in self._stop:
            for size in range(min(len(stop) - 1, len(buffer)), best, -1):
                if stop.startswith(buffer[-size:]):
                    best = size
                    break
        return best


def truncate_at_stop(text: str, stop: Sequence[str] | None) -> str:
    """Cut `text` at the first stop sequence.

    Args:
        text: The whole text.
        stop: The stop sequences.

    Returns:
        The text before the first stop sequence.
    """
    finder = StopSequenceFinder(stop)
    return finder.feed(text) + finder.flush()
