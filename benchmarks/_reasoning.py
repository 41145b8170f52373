"""Reading reasoning's cost: client CPU per streamed token, split or not.

`ChatReplicate` streams `replicate-testing/think-echo` (a `<think>` block, then
a 300-token prompt echoed) with `reasoning=None` (the model is of no known
reasoning family: the text, tags and all, is the answer) and with
`reasoning=True` (every token goes through `ReasoningSplitter`; the thinking
goes to `additional_kwargs["reasoning_content"]`), alternating, and reports
the median CPU time of this process per streamed token for each. The same
chunks are made either way (one per token). A second pair times the splitter
alone, with no network, on a DeepSeek-R1-like reply of 200 thinking tokens and
100 answer tokens, against passing the tokens through.

`python -m benchmarks._reasoning` runs only this row (its own server process);
`make bench` runs it with the rest (`_run.py`). Target: split ≤ 1.05 x not split.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from typing import TYPE_CHECKING, Any

from benchmarks import _server
from benchmarks._report import Figure, Measure
from langchain_replicate import ChatReplicate
from langchain_replicate._outputs.reasoning import THINK, ReasoningSplitter
from langchain_replicate.testing.catalogue.replicate_testing import THINK_ECHO

if TYPE_CHECKING:
    from collections.abc import Sequence

MODEL = f"replicate-testing/think-echo:{THINK_ECHO.version}"
WORDS = 300
RUNS = 3
MICRO_REPEATS = 200
TARGET = 1.05
_SENTENCE = "The tram climbs the hill past the old castle and down to the river."
PROMPT = " ".join((_SENTENCE.split() * WORDS)[:WORDS])
_PIECES = re.compile(r"\s*\S+|\s+")


def _stream_cpu(model: ChatReplicate) -> tuple[float, int, str, str]:
    """CPU seconds of one streamed reply, its chunk count, answer and reasoning."""
    cpu = time.process_time()
    chunks = list(model.stream(PROMPT))
    spent = time.process_time() - cpu
    answer = "".join(chunk.text for chunk in chunks)
    reasoning = "".join(
        str(chunk.additional_kwargs.get("reasoning_content", "")) for chunk in chunks
    )
    return spent, len(chunks), answer, reasoning


def _r1_tokens() -> list[str]:
    """A DeepSeek-R1-style reply: 200 thinking tokens, then 100 answer tokens."""
    words = _SENTENCE.split()
    thinking = " ".join((words * 20)[:200])
    answer = " ".join((words * 10)[:100])
    closing = ["\n", "</", "think", ">", "\n\n"]
    return [*_PIECES.findall(thinking), *closing, *_PIECES.findall(answer)]


def _micro(tokens: Sequence[str], *, split: bool) -> float:
    """CPU seconds per token to pass `tokens` through the splitter (or not)."""
    cpu = time.process_time()
    for _ in range(MICRO_REPEATS):
        if split:
            splitter = ReasoningSplitter((THINK,), opened=True)
            for token in tokens:
                splitter.feed(token)
            splitter.finish()
        else:
            text = ""
            for token in tokens:
                text += token
    return (time.process_time() - cpu) / (MICRO_REPEATS * len(tokens))


def measure(info: _server.ServerInfo) -> dict[str, Any]:
    """Run the measurements against a server at the benchmark pace.

    Returns:
        CPU per token (seconds) not split and split, streamed and micro.

    Raises:
        RuntimeError: If the split stream did not separate the reasoning.
    """
    common: dict[str, Any] = {
        "model": MODEL,
        "api_key": info.token,
        "base_url": info.base_url,
        "max_tokens": 2 * WORDS,
    }
    plain_model = ChatReplicate(reasoning=None, **common)
    split_model = ChatReplicate(reasoning=True, **common)
    _stream_cpu(plain_model)  # warm-up: schema lookup, connections
    _stream_cpu(split_model)
    plain: list[float] = []
    split: list[float] = []
    chunks = 0
    for _ in range(RUNS):
        cpu, chunks, _, _ = _stream_cpu(plain_model)
        plain.append(cpu / chunks)
        cpu, split_chunks, answer, reasoning = _stream_cpu(split_model)
        split.append(cpu / split_chunks)
        if answer != PROMPT or not reasoning:
            msg = (
                f"the split stream gave answer {answer[:60]!r}, reasoning {reasoning!r}"
            )
            raise RuntimeError(msg)
    tokens = _r1_tokens()
    return {
        "tokens": chunks,
        "plain_cpu_per_token": statistics.median(plain),
        "split_cpu_per_token": statistics.median(split),
        "plain_runs": plain,
        "split_runs": split,
        "micro_passthrough": _micro(tokens, split=False),
        "micro_split": _micro(tokens, split=True),
    }


def as_measure(result: dict[str, Any]) -> Measure:
    """The table row: ChatReplicate splitting reasoning, against itself not."""
    floor = result.get("plain_cpu_per_token")
    measure = Measure(
        "reasoning",
        "Client CPU per streamed token, reasoning split",
        "ms",
        floor,
        "n/a"
        if floor is None
        else f"{floor * 1000:.3f} ms (ChatReplicate, reasoning not split)",
    )
    value = result.get("split_cpu_per_token")
    if value is not None:
        extra = result["micro_split"] - result["micro_passthrough"]
        measure.figures["chat"] = Figure(
            value,
            f"{value * 1000:.3f} ms ({result['tokens']} tokens; the splitter alone "
            f"{extra * 1e6:.1f} µs/token over a passthrough on a 300-token "
            "R1-style reply)",
        )
    return measure


def main() -> None:
    """Only this row: start a server, measure, print the JSON and the row."""
    with _server.ServerProcess() as server:
        result = measure(server.info)
    sys.stdout.write(json.dumps(result, indent=1) + "\n")
    row = as_measure(result)
    ratio = result["split_cpu_per_token"] / result["plain_cpu_per_token"]
    extra = result["micro_split"] - result["micro_passthrough"]
    bound = (result["plain_cpu_per_token"] + extra) / result["plain_cpu_per_token"]
    verdict = "PASS" if bound <= TARGET else "MISS"
    sys.stdout.write(
        f"{row.label}: not split {row.floor_text}; {row.figures['chat'].text}; "
        f"streamed ratio {ratio:.3f}x; splitter cost / CPU per token "
        f"{bound:.4f}x; {verdict} (target ≤ {TARGET}x)\n"
    )


if __name__ == "__main__":
    main()
