"""The prompted tool call parser's cost: CPU per streamed token, tools bound or not.

`ChatReplicate` streams `meta/meta-llama-3-8b-instruct`'s long reference reply
(300 tokens, a question no tool fits) without tools, then with two tools bound
(so every token goes through `ToolCallStreamParser`), alternating, and
reports the median CPU time of this process per streamed token for each. A
second pair times the parser alone on the same tokens, and on the tokens of a
`<tool_call>` reply, with no network at all.

`python -m benchmarks._parser` runs only this row (its own server process);
`make bench` runs it with the rest (`_run.py`).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import TYPE_CHECKING, Any

from langchain_core.tools import tool

from benchmarks import _server
from benchmarks._report import Figure, Measure
from langchain_replicate import ChatReplicate
from langchain_replicate._tool_use.call_parser import ToolCallStreamParser

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_core.language_models import LanguageModelInput
    from langchain_core.runnables import Runnable

MODEL = "meta/meta-llama-3-8b-instruct"
TOKENS = 300
RUNS = 3
MICRO_REPEATS = 200
QUESTION = "Tell me about the history of the Lisbon tram network."


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return location


@tool
def convert_currency(amount: float, currency: str) -> str:
    """Convert an amount of money into another currency."""
    return f"{amount} {currency}"


def _stream_cpu(
    model: Runnable[LanguageModelInput, Any], question: str
) -> tuple[float, list[str]]:
    """CPU seconds of one streamed reply and its text pieces."""
    cpu = time.process_time()
    pieces = [chunk.text for chunk in model.stream(question)]
    return time.process_time() - cpu, pieces


def _micro(tokens: Sequence[str], *, parse: bool) -> float:
    """CPU seconds per token to pass `tokens` through the parser (or not)."""
    names = ["get_weather", "convert_currency"]
    cpu = time.process_time()
    for _ in range(MICRO_REPEATS):
        if parse:
            parser = ToolCallStreamParser(names)
            for token in tokens:
                parser.feed(token)
            parser.finish()
        else:
            text = ""
            for token in tokens:
                text += token
    return (time.process_time() - cpu) / (MICRO_REPEATS * len(tokens))


def measure(info: _server.ServerInfo) -> dict[str, Any]:
    """Run the measurements against a server at the benchmark pace.

    Returns:
        CPU per token (seconds) without and with tools, streamed and micro.
    """
    chat = ChatReplicate(
        model=MODEL,
        api_key=info.token,
        base_url=info.base_url,
        max_tokens=TOKENS,
        model_kwargs={"min_tokens": TOKENS},
    )
    bound = chat.bind_tools([get_weather, convert_currency])
    _stream_cpu(chat, QUESTION)  # warm-up: schema lookup, connections
    _stream_cpu(bound, QUESTION)
    plain: list[float] = []
    tooled: list[float] = []
    tokens: list[str] = []
    for _ in range(RUNS):
        cpu, tokens = _stream_cpu(chat, QUESTION)
        plain.append(cpu / len(tokens))
        cpu, bound_tokens = _stream_cpu(bound, QUESTION)
        tooled.append(cpu / len(bound_tokens))
    return {
        "tokens": len(tokens),
        "plain_cpu_per_token": statistics.median(plain),
        "tools_cpu_per_token": statistics.median(tooled),
        "micro_text_passthrough": _micro(tokens, parse=False),
        "micro_text_parsed": _micro(tokens, parse=True),
        "micro_call_parsed": _micro(_call_reply_tokens(), parse=True),
    }


def _call_reply_tokens() -> list[str]:
    """A `<tool_call>` reply split as the reference models split it."""
    from langchain_replicate.testing._models.prompted import reply_pieces  # noqa: PLC0415

    return reply_pieces(
        '<tool_call>\n{"name": "get_weather", "arguments": {"location": '
        '"Lisbon"}}\n</tool_call>'
    )


def as_measure(result: dict[str, Any]) -> Measure:
    """The table row: ChatReplicate with tools bound, against itself without."""
    floor = result.get("plain_cpu_per_token")
    measure = Measure(
        "parser",
        "Client CPU per streamed token, tools bound by prompt",
        "ms",
        floor,
        "n/a" if floor is None else f"{floor * 1000:.3f} ms (ChatReplicate, no tools)",
    )
    value = result.get("tools_cpu_per_token")
    if value is not None:
        measure.figures["chat"] = Figure(
            value,
            f"{value * 1000:.3f} ms ({result['tokens']} tokens; parser alone "
            f"{result['micro_text_parsed'] * 1e6:.1f} µs/token on text, "
            f"{result['micro_call_parsed'] * 1e6:.1f} µs/token on a call)",
        )
    return measure


def main() -> None:
    """Only this row: start a server, measure, print the JSON and the row."""
    with _server.ServerProcess() as server:
        result = measure(server.info)
    sys.stdout.write(json.dumps(result, indent=1) + "\n")
    row = as_measure(result)
    ratio = result["tools_cpu_per_token"] / result["plain_cpu_per_token"]
    sys.stdout.write(
        f"{row.label}: no tools {row.floor_text}; "
        f"{row.figures['chat'].text}; ratio {ratio:.2f}x\n"
    )


if __name__ == "__main__":
    main()
