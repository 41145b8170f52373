"""Tool calling and structured output on a chat-completions model, against the floor.

    python -m benchmarks._tools                 # only these rows: own server, table
    python -m benchmarks._tools BASE_URL TOKEN  # the worker (prints one JSON object)

Two scenarios on `ibm-granite/granite-4.0-h-small`, `ChatReplicate` only:

* `tool_round_trip`: `bind_tools` → a tool call → the tool runs → the tool
  result goes back → the final answer (two predictions);
* `structured`: `with_structured_output(PydanticModel)` (function calling, one
  prediction, the reply parsed and validated).

The floor is what the server itself took for the same predictions (the sum of
their `total_time`), read from its records after each call. The peer package
(`ibm-granite-community/langchain-replicate`) cannot be measured: it is not on
PyPI (its distribution name, `langchain_replicate`, has no release there).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from langchain_core.tools import tool
from pydantic import BaseModel, Field

from benchmarks import _report, _server
from benchmarks._report import Figure, Measure

MODEL = "ibm-granite/granite-4.0-h-small"
RUNS = 7
SUBJECT = "chat"
"""The table column these rows fill (`ChatReplicate`)."""
PEER_NOTE = (
    "ibm-granite-community/langchain-replicate is not installable from PyPI "
    "(no release of its distribution name), so it has no column here"
)


@tool
def get_weather(location: str) -> str:
    """Get the current weather at a location."""
    return f"It is sunny and 21 degrees in {location}."


class Forecast(BaseModel):
    """A weather forecast."""

    city: str = Field(description="The city")
    degrees: int = Field(description="Temperature in degrees Celsius")


def _floor(http: Any, count: int) -> float:  # noqa: ANN401 - an httpx.Client
    """The server's own time for its `count` newest predictions."""
    predictions = _server.recent_predictions(http, count)
    finished = [_server.wait_finished(http, p) for p in predictions]
    return float(sum(p["metrics"]["total_time"] for p in finished))


def worker(base_url: str, token: str) -> dict[str, Any]:
    """Run both scenarios (a warm-up call each, then `RUNS` timed calls)."""
    from langchain_core.messages import HumanMessage  # noqa: PLC0415

    from langchain_replicate import ChatReplicate  # noqa: PLC0415

    model = ChatReplicate(model=MODEL, api_key=token, base_url=base_url)
    bound = model.bind_tools([get_weather])
    structured = model.with_structured_output(Forecast)
    question = [HumanMessage("What is the weather in Lisbon?")]
    forecast = "The forecast for 'Porto' is 18 degrees"

    def round_trip() -> None:
        call = bound.invoke(question)
        result = get_weather.invoke(call.tool_calls[0])
        answer = bound.invoke([*question, call, result])
        assert "Lisbon" in answer.text

    def structured_call() -> None:
        assert structured.invoke(forecast) == Forecast(city="Porto", degrees=18)

    results: dict[str, Any] = {}
    info = _server.ServerInfo(base_url=base_url, token=token)
    with info.client() as http:
        for name, call, predictions in (
            ("tool_round_trip", round_trip, 2),
            ("structured", structured_call, 1),
        ):
            call()
            runs = []
            for _run in range(RUNS):
                started = time.perf_counter()
                call()
                wall = time.perf_counter() - started
                runs.append({"wall": wall, "floor": _floor(http, predictions)})
            results[name] = {"runs": runs}
    return results


def run(info: _server.ServerInfo) -> dict[str, Any]:
    """The worker in its own process (as the other subjects run)."""
    import subprocess  # noqa: PLC0415

    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "benchmarks._tools", info.base_url, info.token],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode:
        failure = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
        return {"tool_round_trip": {"error": failure}, "structured": {"error": failure}}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measures(results: dict[str, Any]) -> list[Measure]:
    """The two rows: `ChatReplicate`'s median wall time against the floor."""
    rows = []
    for key, label in (
        ("tool_round_trip", "Tool-call round trip (call, tool, answer)"),
        ("structured", "Structured output (function calling, parsed)"),
    ):
        result = results.get(key)
        measure = Measure(key, label, "s", None, "")
        if (why := _report.problem(result)) is not None:
            measure.figures[SUBJECT] = Figure(None, why)
            rows.append(measure)
            continue
        assert result is not None  # for mypy: problem() said so
        value = _report.median_of(result["runs"], "wall")
        measure.floor = _report.median_of(result["runs"], "floor")
        measure.floor_text = _report.show(measure.floor, "s")
        measure.figures[SUBJECT] = Figure(value, _report.show(value, "s"))
        rows.append(measure)
    return rows


def main() -> None:
    """Only these rows: start the server, run the worker, print the table."""
    with _server.ServerProcess() as server:
        results = run(server.info)
    rows = measures(results)
    sys.stdout.write(_report.to_markdown(rows, {SUBJECT: "ChatReplicate"}) + "\n")
    for measure in rows:
        figure = measure.figures[SUBJECT]
        if figure.value is not None and measure.floor:
            gap = (figure.value - measure.floor) * 1000
            sys.stdout.write(f"{measure.label}: {gap:.1f} ms above the floor\n")
    sys.stdout.write(f"Peer: {PEER_NOTE}.\n")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        sys.stdout.write(json.dumps(worker(sys.argv[1], sys.argv[2])) + "\n")
    else:
        main()
