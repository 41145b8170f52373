"""Streamed text, pure: SSE decoding, what a stream has shown, stop sequences.

The I/O (reading text off `urls.stream`, polling) is in `_core/drivers.py`; the
order of steps in `_core/flows.py`. Here: `EventDecoder` turns text into lines
(ended only at CR, LF or CRLF, as SSE says) and lines into events,
`StreamState` turns events and polled predictions into the text that may be
emitted (holding back what could begin a stop sequence), and `StreamPiece` is
what `stream_text` yields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from replicate.stream import EventSource, ServerSentEvent

from langchain_replicate._core.protocol import Prediction, check_prediction, is_terminal
from langchain_replicate._outputs.stop import StopSequenceFinder
from langchain_replicate._outputs.text import output_delta

if TYPE_CHECKING:
    from collections.abc import Sequence

_SSE_EVENTS = frozenset(e.value for e in ServerSentEvent.EventType)
_LINE_END = re.compile(r"\r\n|\r|\n")
"""SSE's line ends; not `str.splitlines`'s (U+2028, U+0085, VT, FF, FS...),
which are text inside a token."""


@dataclass(frozen=True)
class StreamPiece:
    """One step of a streamed prediction.

    Every piece but the last carries text; the last carries the final prediction
    (as known: after a stop sequence, the canceled prediction).
    """

    text: str = ""
    prediction: Prediction | None = None
    stopped: bool = False
    """The last piece: whether a stop sequence ended the output."""


class LineSplitter:
    """Decoded text, in chunks, to SSE lines: ended only at CR, LF or CRLF.

    httpx's `iter_lines` splits like `str.splitlines`, also at U+2028, U+2029,
    U+0085, VT, FF, FS, GS and RS, which then vanish from a streamed token.
    """

    def __init__(self) -> None:
        """Start with no partial line."""
        self._partial = ""
        self._after_cr = False

    def feed(self, text: str) -> list[str]:
        """Take a chunk of text; return the lines it completes (without ends)."""
        if self._after_cr and text:
            text = text.removeprefix("\n")  # the LF of a CRLF split across chunks
            self._after_cr = False
        if not text:
            return []
        *lines, self._partial = _LINE_END.split(self._partial + text)
        self._after_cr = text.endswith("\r")
        return lines


class EventDecoder:
    """replicate's SSE `Decoder`, minus its `ValueError` on unknown event names.

    `feed` takes the stream's text as it comes (lines split by `LineSplitter`);
    `decode` one line.
    """

    def __init__(self) -> None:
        """Start with no event pending."""
        self._decoder = EventSource.Decoder()
        self._skipping = False
        self._lines = LineSplitter()

    def feed(self, text: str) -> list[ServerSentEvent]:
        """Take a chunk of the stream's text; return the events it completes."""
        events = (self.decode(line) for line in self._lines.feed(text))
        return [event for event in events if event is not None]

    def decode(self, line: str) -> ServerSentEvent | None:
        """Take one line; return the event it completes, if any."""
        line = line.rstrip("\r\n")
        if self._skipping:
            if not line:
                self._skipping = False
                self._decoder.event = None
                self._decoder.data = []
            return None
        if line.startswith("event:"):
            name = line.partition(":")[2].strip()
            if name not in _SSE_EVENTS:
                self._skipping = True
                return None
        return self._decoder.decode(line)


@dataclass
class StreamState:
    """What a prediction's stream (or its polls) has shown so far."""

    stop: Sequence[str] | None
    prediction: Prediction
    """The latest view of the prediction."""
    finder: StopSequenceFinder = field(init=False)
    chars_seen: int = 0
    """Raw output characters consumed (to resume by polling without repeats)."""
    stop_reading: bool = False
    """The SSE stream need not be read further (done, error, or a stop sequence)."""
    saw_all_output: bool = False
    """The stream said `done` after a success: all output was seen."""

    def __post_init__(self) -> None:
        """Build the stop-sequence finder."""
        self.finder = StopSequenceFinder(self.stop)

    @property
    def prediction_id(self) -> str:
        """The prediction's id."""
        return str(self.prediction["id"])

    @property
    def stop_polling(self) -> bool:
        """Polling can stop: a stop sequence was found or the prediction ended."""
        return self.finder.stopped or is_terminal(self.prediction)

    last_event_id: str | None = None
    """The id of the last event read (to resume a stalled stream after it)."""
    resumed: bool = False
    """The stream was reopened: events it replays (ids seen) are skipped."""
    ids_seen: set[str] = field(default_factory=set)

    def on_event(self, event: ServerSentEvent) -> str:
        """Take one SSE event; return the text that may be emitted."""
        kind = event.event.value
        if event.id is not None:
            if self.resumed and kind == "output" and event.id in self.ids_seen:
                return ""  # replayed by a server that ignored `Last-Event-ID`
            self.ids_seen.add(event.id)
            self.last_event_id = event.id
        if kind == "output":
            self.chars_seen += len(event.data)
            text = self.finder.feed(event.data)
            self.stop_reading = self.finder.stopped
            return text
        if kind in {"done", "error"}:
            self.stop_reading = True
            self.saw_all_output = kind == "done" and not any(
                reason in event.data for reason in ('"canceled"', '"error"')
            )
        return ""

    def on_poll(self, prediction: Prediction) -> str:
        """Take a polled prediction; return the new text that may be emitted."""
        self.prediction = prediction
        if self.saw_all_output or self.finder.stopped:
            return ""
        text, self.chars_seen = output_delta(prediction.get("output"), self.chars_seen)
        return self.finder.feed(text)

    def final_pieces(self) -> list[StreamPiece]:
        """The held-back text and the closing piece (raises if the run failed)."""
        if self.finder.stopped:
            return [StreamPiece(prediction=self.prediction, stopped=True)]
        check_prediction(self.prediction)
        tail = self.finder.flush()
        return [StreamPiece(tail)] * bool(tail) + [
            StreamPiece(prediction=self.prediction)
        ]
