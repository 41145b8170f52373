"""Streamed text, pure: SSE decoding, what a stream has shown, stop sequences.

The I/O (reading text off `urls.stream`, polling) is in `_core/drivers.py`; the
order of steps in `_core/flows.py`. Here: `EventDecoder` turns text into lines
(ended only at CR, LF or CRLF, as SSE says) and lines into events,
`StreamState` turns events and polled predictions into the text that may be
emitted (holding back what could begin a stop sequence), and `StreamPiece` is
what `stream_text` yields.

This runs once per streamed token, so it is kept lean: events are `SSEEvent`
tuples decoded by the rules of replicate's `EventSource.Decoder` (not its
pydantic-v1 `ServerSentEvent`), a chunk with no CR is split with `str.split`,
and pieces are tuples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from langchain_replicate._core.protocol import Prediction, check_prediction, is_terminal
from langchain_replicate._outputs.stop import StopSequenceFinder
from langchain_replicate._outputs.text import output_delta

if TYPE_CHECKING:
    from collections.abc import Sequence

_SSE_EVENTS = frozenset({"output", "logs", "error", "done"})
"""Replicate's event names (replicate's `ServerSentEvent.EventType`)."""
_LINE_END = re.compile(r"\r\n|\r|\n")
"""SSE's line ends; not `str.splitlines`'s (U+2028, U+0085, VT, FF, FS...),
which are text inside a token."""


class StreamPiece(NamedTuple):
    """One step of a streamed prediction.

    Every piece but the last carries text; the last carries the final prediction
    (as known: after a stop sequence, the canceled prediction). A tuple: one is
    made per streamed token, and a frozen dataclass costs several times more.
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
        text = self._partial + text
        if "\r" in text:
            *lines, self._partial = _LINE_END.split(text)
            self._after_cr = text.endswith("\r")
        else:  # the usual stream: LF only (`str.split`, not the regex)
            *lines, self._partial = text.split("\n")
        return lines


class SSEEvent(NamedTuple):
    """One server-sent event of a prediction's stream."""

    event: str
    """`output`, `logs`, `error` or `done` (others are skipped whole)."""
    data: str
    id: str
    """The last event id the stream set (SSE's `Last-Event-ID`)."""


class EventDecoder:
    """SSE lines to Replicate's events, as replicate's `EventSource.Decoder` reads them.

    The same rules (a comment line is skipped; an event is dispatched at a blank
    line once it has a name and the stream has set an id; the id persists
    across events; an id holding NUL is ignored), minus its `ValueError` on an
    unknown event name (such an event is skipped whole) and its pydantic-v1
    `ServerSentEvent` per event: events are `SSEEvent` tuples, a few hundred
    nanoseconds each, as they come once per streamed token.

    `feed` takes the stream's text as it comes (lines split by `LineSplitter`);
    `decode` one line.
    """

    def __init__(self) -> None:
        """Start with no event pending."""
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None
        self._skipping = False
        self._lines = LineSplitter()

    def feed(self, text: str) -> list[SSEEvent]:
        """Take a chunk of the stream's text; return the events it completes.

        `decode` for each line, inlined for the usual `event:`, `id:` and
        `data:` lines of an event (this runs once per streamed token).
        """
        events = []
        for line in self._lines.feed(text):
            if not line:  # an event's end (`decode`'s first case)
                if self._event is not None and self._id is not None:
                    events.append(
                        SSEEvent(self._event, "\n".join(self._data), self._id)
                    )
                self._event, self._data, self._skipping = None, [], False
                continue
            if not self._skipping:
                name, _, value = line.partition(":")
                if value[:1] == " ":
                    value = value[1:]
                if name == "data":
                    self._data.append(value)
                    continue
                if name == "id" and "\0" not in value:
                    self._id = value
                    continue
                if name == "event" and value in _SSE_EVENTS:
                    self._event = value
                    continue
            if (event := self.decode(line)) is not None:
                events.append(event)
        return events

    def decode(self, line: str) -> SSEEvent | None:
        """Take one line (without its line end); return the event it completes."""
        if not line:
            event, self._event, self._skipping = self._event, None, False
            data, self._data = self._data, []
            if event is None or self._id is None:
                return None
            return SSEEvent(event, "\n".join(data), self._id)
        if self._skipping or line[0] == ":":
            return None
        name, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            if value in _SSE_EVENTS:
                self._event = value
            else:  # skipped whole, up to its blank line
                self._event, self._data, self._skipping = None, [], True
        elif name == "id" and "\0" not in value:
            self._id = value
        return None


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

    def on_event(self, event: SSEEvent) -> str:
        """Take one SSE event; return the text that may be emitted."""
        kind = event.event
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
