"""One subject's scenarios, in a fresh interpreter; prints one JSON object.

    python -m benchmarks._worker SUBJECT SCENARIO[,SCENARIO...] CONFIG_JSON

Every call's wall time is measured here; what the model itself took comes from
the server's record of the same prediction (`GET /v1/predictions`, newest first),
read between calls, outside the timed part.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from benchmarks import _server
from benchmarks._server import ServerInfo
from benchmarks._subjects import SUBJECTS, Settings, Subject, dolly_input

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

PROMPT = "Tell me about llamas and alpacas in the Andes"
INVOKE_MAX_TOKENS = 32
INVOKE_RUNS = 7
TTFT_MAX_TOKENS = 8
TTFT_RUNS = 5
CPU_TOKENS = 300
CPU_RUNS = 3
CPU_WARMUP = 2
STOP = "\n\n"
STOP_RUNS = 3
BATCH_CAPS = {64: 8.0, 256: 12.0}
BATCH_REPEATS = {64: 3, 256: 1}
"""A batch of 64 is short and noisy: the median of three."""
"""Seconds after which a batch is abandoned and reported as capped."""


def find_stop(tokens: list[str], stop: str) -> tuple[int, str] | None:
    """The index of the token that completes `stop`, and the text before `stop`."""
    texts = itertools.accumulate(tokens)
    for index, text in enumerate(texts):
        if stop in text:
            return index, text[: text.index(stop)]
    return None


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs (passed as JSON on the command line)."""

    base_url: str
    token: str
    dolly_version: str
    stop_tokens: int
    """How many tokens the stop model makes up to and including the stop token."""

    @classmethod
    def from_json(cls, text: str) -> WorkerConfig:
        """Parse the command-line argument."""
        return cls(**json.loads(text))

    def to_json(self) -> str:
        """The command-line argument."""
        return json.dumps(asdict(self))


def _metrics(http: httpx.Client) -> dict[str, Any]:
    """The newest prediction's metrics, with its `status`, `id` and `output`."""
    prediction = _server.wait_finished(http, _server.newest_prediction(http))
    metrics: dict[str, Any] = prediction.get("metrics") or {}
    return {
        **metrics,
        "status": prediction["status"],
        "id": prediction["id"],
        "output": prediction.get("output") or [],
    }


def scenario_invoke(subject: Subject, http: httpx.Client, _: WorkerConfig) -> Any:  # noqa: ANN401 - JSON
    """Warm up once (its usage is reported), then time `INVOKE_RUNS` calls."""
    warm = subject.invoke(PROMPT, max_tokens=INVOKE_MAX_TOKENS)
    server = _metrics(http)
    usage = {
        "reported": warm.usage,
        "server": {
            "input": server.get("input_token_count"),
            "output": server.get("output_token_count"),
        },
    }
    runs = []
    for _run in range(INVOKE_RUNS):
        started = time.perf_counter()
        subject.invoke(PROMPT, max_tokens=INVOKE_MAX_TOKENS)
        wall = time.perf_counter() - started
        metrics = _metrics(http)
        runs.append(
            {
                "wall": wall,
                "floor": metrics["total_time"],
                "tokens": metrics.get("output_token_count"),
            }
        )
    return {"runs": runs, "usage": usage}


def scenario_ttft(subject: Subject, http: httpx.Client, _: WorkerConfig) -> Any:  # noqa: ANN401 - JSON
    """Time to the first non-empty piece of a stream, against the model's own."""
    runs = []
    for _run in range(TTFT_RUNS):
        first = None
        started = time.perf_counter()
        for text in subject.stream(PROMPT, max_tokens=TTFT_MAX_TOKENS, min_tokens=0):
            if text and first is None:
                first = time.perf_counter() - started
        metrics = _metrics(http)
        queued = metrics["total_time"] - metrics["predict_time"]
        runs.append({"ttft": first, "floor": queued + metrics["time_to_first_token"]})
    return {"runs": runs}


def scenario_cpu(subject: Subject, http: httpx.Client, _: WorkerConfig) -> Any:  # noqa: ANN401 - JSON
    """Client CPU time (all threads of this process) while streaming a long reply.

    `CPU_WARMUP` streams first, not counted (a client's CPU per token settles
    over its first few streams: imports, first connections, caches), then
    `CPU_RUNS` streams one after another; the median stream's figures (one
    stream's CPU varies by a quarter between runs on shared cores).
    """
    for _warmup in range(CPU_WARMUP):
        warmup = subject.stream(PROMPT, max_tokens=CPU_TOKENS, min_tokens=CPU_TOKENS)
        for _text in warmup:
            pass
    runs = []
    for _run in range(CPU_RUNS):
        pieces = 0
        cpu = time.process_time()
        started = time.perf_counter()
        stream = subject.stream(PROMPT, max_tokens=CPU_TOKENS, min_tokens=CPU_TOKENS)
        for text in stream:
            pieces += bool(text)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        tokens = _metrics(http)["output_token_count"]
        runs.append(
            {
                "cpu": cpu,
                "tokens": tokens,
                "pieces": pieces,
                "wall": wall,
                "cpu_per_token": cpu / tokens,
            }
        )
    median = sorted(runs, key=lambda run: run["cpu_per_token"])[len(runs) // 2]
    return median | {"runs_cpu_per_token": [run["cpu_per_token"] for run in runs]}


def _stop_floor(http: httpx.Client, config: WorkerConfig) -> dict[str, Any]:
    """The model's own run up to the stop token: the same input, cut there by
    `max_length`, its stream read as a client reads it (a listener slows the
    server's token pace a little). Its `total_time` is the floor."""
    model_input = dolly_input(PROMPT) | {"max_length": config.stop_tokens}
    response = http.post(
        "/v1/predictions",
        json={"version": config.dolly_version, "input": model_input, "stream": True},
    )
    response.raise_for_status()
    created = response.json()
    headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
    with http.stream("GET", created["urls"]["stream"], headers=headers) as events:
        for _line in events.iter_lines():
            pass
    metrics: dict[str, Any] = _server.wait_finished(http, created)["metrics"]
    return metrics


def scenario_stop(subject: Subject, http: httpx.Client, config: WorkerConfig) -> Any:  # noqa: ANN401 - JSON
    """A stop sequence early in a long reply: when did the call end, what ran on.

    After one untimed call, the floor is the same model cut at the stop token by
    `max_length`, run just before and just after the client's calls (the mean of
    the two). The server's record of each call's prediction (its output, kept up
    to the cancel) says which token completed the stop sequence and how many came
    after it; `after_cancel` is the call's time outside that prediction (the
    create's trip, the cancel's answer, the return).
    """
    subject.stop(PROMPT, stop=STOP)  # warm-up: the schema lookup, connections
    floors = [_stop_floor(http, config)]
    runs = []
    for _run in range(STOP_RUNS):
        started = time.perf_counter()
        text = subject.stop(PROMPT, stop=STOP)
        wall = time.perf_counter() - started
        metrics = _metrics(http)
        found = find_stop(metrics["output"], STOP)
        if found is None:
            msg = f"the server never produced the stop sequence ({metrics['status']})"
            raise RuntimeError(msg)
        index, before = found
        runs.append(
            {
                "wall": wall,
                "predict_time": metrics["predict_time"],
                "after_cancel": wall - metrics["total_time"],
                "tokens": metrics["output_token_count"],
                "tokens_past_stop": metrics["output_token_count"] - (index + 1),
                "stop_token": index + 1,
                "status": metrics["status"],
                "text_ok": text == before,
            }
        )
    floors.append(_stop_floor(http, config))
    floor = statistics.mean(f["total_time"] for f in floors)
    stop_at = statistics.mean(f["predict_time"] for f in floors)
    for run in runs:
        run["floor"] = floor
        run["server_after_stop"] = run.pop("predict_time") - stop_at
    return {"runs": runs, "floors": floors}


def _server_side(http: httpx.Client, size: int) -> dict[str, float]:
    """What the server saw of a batch: how spread out the creates arrived, when the
    last prediction finished, and the slowest prediction's own time (timestamps
    have 10 ms resolution)."""
    batch = _server.recent_predictions(http, size)
    created = [_server.timestamp(p["created_at"]) for p in batch]
    completed = [_server.timestamp(p["completed_at"]) for p in batch]
    return {
        "server_create_spread": max(created) - min(created),
        "server_span": max(completed) - min(created),
        "server_slowest": max(p["metrics"]["total_time"] for p in batch),
    }


@functools.cache
def _loop() -> asyncio.AbstractEventLoop:
    """One event loop for the worker's batches (async clients bind to their loop).

    Never closed: a capped batch may leave threads behind; the worker exits hard.
    """
    return asyncio.new_event_loop()


def _one_batch(
    subject: Subject, http: httpx.Client, prompts: list[str]
) -> dict[str, Any]:
    """One `abatch`, abandoned at its cap."""
    size = len(prompts)
    _server.clear_request_log(http)
    loop = _loop()
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        outputs = loop.run_until_complete(
            asyncio.wait_for(
                subject.abatch(prompts, max_tokens=INVOKE_MAX_TOKENS),
                BATCH_CAPS[size],
            )
        )
    except (TimeoutError, asyncio.TimeoutError):
        created = _server.creates_logged(http)
        return {"wall": None, "capped_at": BATCH_CAPS[size], "created": created}
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    empty = sum(1 for output in outputs if not output)
    measured = {"wall": wall, "empty_outputs": empty, "cpu_per_call": cpu / size}
    return measured | _server_side(http, size)


def _batch(size: int) -> Callable[[Subject, httpx.Client, WorkerConfig], Any]:
    def scenario(subject: Subject, http: httpx.Client, _config: WorkerConfig) -> Any:  # noqa: ANN401 - JSON
        """`BATCH_REPEATS[size]` batches (one when capped); the median one."""
        prompts = [f"Question {index}: {PROMPT}" for index in range(size)]
        runs = []
        for _repeat in range(BATCH_REPEATS[size]):
            runs.append(_one_batch(subject, http, prompts))
            if runs[-1]["wall"] is None:
                return runs[-1] | {"size": size}
        runs.sort(key=lambda run: run["wall"])
        median = runs[len(runs) // 2]
        return median | {"size": size, "walls": [run["wall"] for run in runs]}

    return scenario


SCENARIOS: dict[str, Callable[[Subject, httpx.Client, WorkerConfig], Any]] = {
    "invoke": scenario_invoke,
    "ttft": scenario_ttft,
    "cpu": scenario_cpu,
    "stop": scenario_stop,
    "batch64": _batch(64),
    "batch256": _batch(256),
}


def _run_scenario(
    name: str, subject: Subject, http: httpx.Client, config: WorkerConfig
) -> Any:  # noqa: ANN401 - JSON
    try:
        return SCENARIOS[name](subject, http, config)
    except NotImplementedError as e:
        return {"unsupported": str(e) or "not supported"}
    except Exception as e:  # noqa: BLE001 - reported in the table, not fatal
        return {"error": f"{type(e).__name__}: {e}"[:300]}


def main(argv: list[str]) -> None:
    """Run the scenarios; print `{scenario: result | {"error": ...}}` as JSON."""
    key, scenarios, raw = argv
    config = WorkerConfig.from_json(raw)
    settings = Settings(config.base_url, config.token, config.dolly_version)
    subject = SUBJECTS[key](settings)
    results: dict[str, Any] = {}
    with ServerInfo(config.base_url, config.token).client() as http:
        for name in scenarios.split(","):
            results[name] = _run_scenario(name, subject, http, config)
    sys.stdout.write(json.dumps(results) + "\n")
    sys.stdout.flush()
    os._exit(0)  # a capped batch may have left threads running


if __name__ == "__main__":
    main(sys.argv[1:])
