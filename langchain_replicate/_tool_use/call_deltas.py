"""What the tool call parser emits: deltas, their merge, and the writer (pure).

* `ParsedDelta`: what one piece of streamed text adds (content text and
  `tool_call_chunk`s); `merge_deltas` adds deltas up with LangChain's own
  `AIMessageChunk` arithmetic into a `ParsedReply` (content, tool calls,
  invalid tool calls).
* `DeltaWriter`: the base of `_tool_use.call_parser.ToolCallStreamParser` that
  writes deltas: content text (whitespace around calls kept only between
  texts), a call's first chunk (its id is a prefix plus the call's index),
  streamed argument pieces, and a call region that holds no readable call
  (an invalid tool call).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import ToolCallChunk, tool_call_chunk

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_core.messages import InvalidToolCall, ToolCall

__all__ = ["DeltaWriter", "ParsedDelta", "ParsedReply", "merge_deltas"]


@dataclass
class ParsedDelta:
    """What one piece of streamed text adds to the message."""

    text: str = ""
    """Content text (never part of a call)."""
    tool_call_chunks: list[ToolCallChunk] = field(default_factory=list)
    """Tool call pieces, merged by `index` as `AIMessageChunk`s merge them."""

    def __add__(self, other: ParsedDelta) -> ParsedDelta:
        """Concatenate two deltas (text, then chunks in order)."""
        return ParsedDelta(
            self.text + other.text, self.tool_call_chunks + other.tool_call_chunks
        )


@dataclass(frozen=True)
class ParsedReply:
    """A whole reply, split into text and tool calls."""

    content: str
    tool_calls: list[ToolCall]
    invalid_tool_calls: list[InvalidToolCall]


class DeltaWriter:
    """Writes the parser's deltas; holds the state of what was written."""

    def __init__(self, id_prefix: str | None = None) -> None:
        """Start writing one reply.

        Args:
            id_prefix: Prefix of the tool call ids (default: a random one);
                the ids are the prefix followed by the call's index.
        """
        self._id_prefix = id_prefix or f"call_{uuid.uuid4().hex[:16]}_"
        self._index = 0
        self._ws = ""
        """Whitespace held back: dropped before a call, else emitted."""
        self._line_blank = True
        """Whether the current line holds only whitespace so far."""
        self._after_call = False
        """Whether the last thing emitted was a call (drop whitespace after it)."""

    def _text(self, text: str, out: ParsedDelta) -> None:
        if not text:
            return
        if self._after_call:
            text = text.lstrip().lstrip(";,").lstrip()
            if not text:
                return
            self._after_call = False
        body = text.rstrip()
        if body:
            out.text += self._ws + body
            self._ws = text[len(body) :]
        else:
            self._ws += text
        last_line = text.rsplit("\n", 1)[-1]
        self._line_blank = (self._line_blank or "\n" in text) and not last_line.strip()

    def _chunk(self, out: ParsedDelta, name: str | None, args: str) -> None:
        out.tool_call_chunks.append(
            tool_call_chunk(
                name=name,
                args=args,
                id=f"{self._id_prefix}{self._index}",
                index=self._index,
            )
        )
        self._index += 1
        self._after_call = True
        self._line_blank = True

    def _args(self, out: ParsedDelta, args: str) -> None:
        if not args:
            return
        index = self._index - 1
        last = out.tool_call_chunks[-1] if out.tool_call_chunks else None
        if last is not None and last["index"] == index:
            last["args"] = (last["args"] or "") + args
        else:
            out.tool_call_chunks.append(tool_call_chunk(index=index, args=args))

    def _calls(
        self,
        out: ParsedDelta,
        calls: Sequence[tuple[str, dict[str, Any] | None]],
        raw: str,
    ) -> None:
        for name, args in calls:
            if args is None:  # unreadable arguments: filed as invalid (see below)
                self._chunk(out, name, json.dumps(raw.strip()))
            else:
                self._chunk(out, name, json.dumps(args, ensure_ascii=False))

    def _invalid(self, out: ParsedDelta, raw: str) -> None:
        """A call region that holds no readable call: an invalid tool call."""
        match = re.search(r'"name"\s*:\s*"([^"\\]+)"', raw)
        # The raw text as the arguments: LangChain's chunk merge files a call
        # whose arguments do not parse to an object as invalid. JSON-encode it
        # so even text that happens to parse partially stays invalid.
        self._chunk(out, match[1] if match else None, json.dumps(raw.strip()))


def merge_deltas(deltas: Sequence[ParsedDelta]) -> ParsedReply:
    """Merge streamed deltas as LangChain merges the message chunks.

    Args:
        deltas: The deltas of one reply, in order.

    Returns:
        The reply's content, tool calls and invalid tool calls.
    """
    chunks = [
        AIMessageChunk(content=d.text, tool_call_chunks=d.tool_call_chunks)
        for d in deltas
    ]
    message = AIMessageChunk(content="")
    for chunk in chunks:
        message += chunk
    content = message.content if isinstance(message.content, str) else ""
    return ParsedReply(
        content, list(message.tool_calls), list(message.invalid_tool_calls)
    )
