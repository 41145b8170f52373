"""How the chat-completions reference models write their answer (pure).

The JSON of Replicate's vLLM-based predictor, as `_models/chat_completions.py`'s
models write it: a `Reply` (content tokens or tool calls, finish and stop
reasons, completion tokens) becomes one `ChatCompletionResponse`, or a list of
`ChatCompletionStreamResponse` chunks (a role chunk, one chunk per content
token, each tool call's id, type and name first and then its arguments in
pieces, a closing chunk with `finish_reason`, and, for versions that send one,
a usage-only chunk). `CompletionStyle` holds what differs between versions
(nulls and empty lists written or omitted, the usage chunk, metric names).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Call", "CompletionStyle", "CompletionWriter", "Reply", "split_json"]


@dataclass(frozen=True)
class CompletionStyle:
    """How one predictor version writes its output and metrics."""

    model: str
    """`owner/name`, written as the completion's `model`."""
    write_nulls: bool
    """Write nulls and empty lists (4.1) rather than omit them (4.0)."""
    usage_chunk: bool
    """End a stream with a usage-only chunk (`choices: []`)."""
    input_metric: str
    """Metric name of the prompt tokens."""
    output_metric: str
    """Metric name of the completion tokens."""
    metrics_when_streamed: bool
    """Record token metrics for streamed predictions too."""


@dataclass(frozen=True)
class Call:
    """One tool call of a reply."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Reply:
    """What the model answers, before it is written as JSON."""

    content: list[str]
    """Content tokens (empty for a tool call)."""
    calls: tuple[Call, ...]
    finish_reason: str
    completion_tokens: int
    stop_reason: str | None = None
    """The stop sequence that ended the text, as vLLM reports it."""


def split_json(text: str) -> list[str]:
    """JSON text in streamable pieces that join back exactly."""
    return re.findall(r"\S+\s*|\s+", text) or [text]


@dataclass(frozen=True)
class CompletionWriter:
    """Writes one completion's JSON in a version's style."""

    style: CompletionStyle
    completion_id: str
    created: int

    def _clean(self, value: Any) -> Any:  # noqa: ANN401 - JSON
        """Drop nulls and empty lists unless this version writes them."""
        if self.style.write_nulls:
            return value
        if isinstance(value, dict):
            return {
                k: self._clean(v) for k, v in value.items() if v is not None and v != []
            }
        if isinstance(value, list):
            return [self._clean(v) for v in value]
        return value

    def _envelope(self, kind: str, choices: list[Any], usage: Any) -> str:  # noqa: ANN401 - JSON
        body = {
            "id": self.completion_id,
            "object": kind,
            "created": self.created,
            "model": self.style.model,
            "choices": choices,
            "usage": usage,
            "system_fingerprint": None,
        }
        return json.dumps(self._clean(body), ensure_ascii=False)

    def response(self, reply: Reply, usage: dict[str, int]) -> str:
        calls = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in reply.calls
        ]
        message = {
            "role": "assistant",
            "content": "".join(reply.content) if reply.content or not calls else None,
            "refusal": None,
            "tool_calls": calls,
            "reasoning_content": None,
        }
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": reply.finish_reason,
            "stop_reason": reply.stop_reason,
        }
        return self._envelope("chat.completion", [choice], usage)

    def chunk(
        self,
        delta: dict[str, Any],
        finish_reason: str | None = None,
        stop_reason: str | None = None,
    ) -> str:
        full: dict[str, Any] = {
            "role": None,
            "content": None,
            "tool_calls": [],
            "reasoning_content": None,
        }
        full.update(delta)
        choice = {
            "index": 0,
            "delta": full,
            "logprobs": None,
            "finish_reason": finish_reason,
            "stop_reason": stop_reason,
        }
        return self._envelope("chat.completion.chunk", [choice], None)

    def usage_chunk(self, usage: dict[str, int]) -> str:
        return self._envelope("chat.completion.chunk", [], usage)

    def stream(self, reply: Reply, usage: dict[str, int]) -> list[str]:
        items = [self.chunk({"role": "assistant", "content": ""})]
        items += [self.chunk({"content": token}) for token in reply.content]
        for index, call in enumerate(reply.calls):
            head = {
                "index": index,
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            items.append(self.chunk({"tool_calls": [head]}))
            items += [
                self.chunk(
                    {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                )
                for piece in split_json(call.arguments)
            ]
        items.append(self.chunk({}, reply.finish_reason, reply.stop_reason))
        if self.style.usage_chunk:
            items.append(self.usage_chunk(usage))
        return items
