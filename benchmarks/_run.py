"""`python -m benchmarks`: every measurement in one run, then the table and chart.

The order: start the server (own process), measure one round trip, make the
stop-sequence reference, run each subject's worker (fresh process each), time the
imports, measure memory while saving a large file, then report.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import (
    _embeddings,
    _imports,
    _many_streams,
    _memory,
    _parser,
    _reasoning,
    _report,
    _server,
    _tools,
    _worker,
)
from benchmarks._report import Figure, Measure, Target
from benchmarks._subjects import LITELLM_HOW, SUBJECTS, dolly_input
from benchmarks._worker import PROMPT, STOP, WorkerConfig

if TYPE_CHECKING:
    import httpx

RESULTS = Path(__file__).parent / "results"
BIG_FILE_MB = 200
WORKER_TIMEOUT = 150.0
TABLE_SUBJECTS = ("ours", "chat", "community", "litellm", "replicate")
"""Subjects with a column of ratios (the raw SSE reference has only the CPU row)."""
CPU_ROUNDED = ("raw", "ours", "chat")
"""The CPU target's subjects: measured in `CPU_ROUNDS` more interleaved rounds."""
CPU_ROUNDS = 4
CPU_ONLY = ("raw", "lc_llm", "lc_chat")
"""References measured for CPU per token only: the bare reader, and LangChain's
own per-token work over it (what any LangChain integration pays on top)."""


def log(message: str) -> None:
    """Progress, on stderr."""
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def stop_tokens(http: httpx.Client, dolly_version: str) -> int:
    """How many tokens the stop-sequence model makes up to the stop token (its
    uncut reply, made once).

    Raises:
        RuntimeError: if that reply has no stop sequence to benchmark.
    """
    response = http.post(
        "/v1/predictions",
        json={"version": dolly_version, "input": dolly_input(PROMPT)},
        headers={"Prefer": "wait"},
    )
    response.raise_for_status()
    prediction = _server.wait_finished(http, response.json())
    found = _worker.find_stop(prediction["output"], STOP)
    if found is None:
        msg = "the stop-sequence model's reply has no stop sequence"
        raise RuntimeError(msg)
    return found[0] + 1


def run_worker(key: str, scenarios: str, config: WorkerConfig) -> dict[str, Any]:
    """One worker process; its JSON (or the failure for every scenario)."""
    log(f"{SUBJECTS[key].label}: {scenarios}")
    command = [sys.executable, "-m", "benchmarks._worker", key, scenarios]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [*command, config.to_json()],
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        failure = f"worker timed out after {WORKER_TIMEOUT:.0f} s"
        return {name: {"error": failure} for name in scenarios.split(",")}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        failure = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
        return {name: {"error": failure} for name in scenarios.split(",")}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run_subjects(config: WorkerConfig) -> dict[str, dict[str, Any]]:
    """Every subject's scenarios (capped thread batches in their own processes)."""
    results: dict[str, dict[str, Any]] = {}
    for key, subject in SUBJECTS.items():
        if key in CPU_ONLY:  # (the scenario warms the client up itself)
            results[key] = run_worker(key, "cpu", config)
        elif subject.threaded_batch:
            results[key] = run_worker(key, "invoke,ttft,cpu,stop", config)
            for batch in ("batch64", "batch256"):
                results[key] |= run_worker(key, batch, config)
        else:
            scenarios = "invoke,ttft,cpu,stop,batch64,batch256"
            results[key] = run_worker(key, scenarios, config)
    return results


def cpu_rounds(config: WorkerConfig, results: dict[str, dict[str, Any]]) -> None:
    """`CPU_ROUNDS` more rounds of the CPU row's target subjects, interleaved.

    One fresh process's CPU per token varies by a quarter from one to the next on
    shared cores, the bare reader's as much as ours: each of `CPU_ROUNDED` is
    measured once per round, in turn, and its median round is kept (all are
    under `cpu_rounds`).
    """
    rounds: dict[str, list[dict[str, Any]]] = {
        key: [results[key]["cpu"]] for key in CPU_ROUNDED if "cpu" in results[key]
    }
    for number in range(CPU_ROUNDS):
        log(f"CPU per token, round {number + 2} of {CPU_ROUNDS + 1}")
        for key, measured in rounds.items():
            measured.append(run_worker(key, "cpu", config)["cpu"])
    for key, measured in rounds.items():
        good = sorted(
            (r for r in measured if _report.problem(r) is None),
            key=lambda r: r["cpu_per_token"],
        )
        if good:
            results[key]["cpu"] = good[len(good) // 2] | {
                "cpu_rounds": [r["cpu_per_token"] for r in good]
            }


def run_memory(info: _server.ServerInfo, version: str) -> dict[str, Any]:
    """Each way of saving the big file, in its own process."""
    results: dict[str, Any] = {}
    for way in _memory.WAYS:
        log(f"memory: {way}")
        command = [sys.executable, "-m", "benchmarks._memory", way, info.base_url]
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [*command, info.token, version, str(BIG_FILE_MB)],
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
            check=False,
        )
        if done.returncode:
            failure = (done.stderr.strip().splitlines() or ["no output"])[-1]
            results[way] = {"error": failure[:300]}
        else:
            results[way] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


# -- from raw results to measures -----------------------------------------------------


def _timed(
    results: dict[str, dict[str, Any]],
    scenario: str,
    field: str,
    *,
    label: str,
    pick: str = "median",
) -> Measure:
    floors: list[float] = []
    measure = Measure(scenario + "_" + pick, label, "s", None, "")
    for key in TABLE_SUBJECTS:
        result = results[key].get(scenario)
        if (why := _report.problem(result)) is not None:
            measure.figures[key] = Figure(None, why)
            continue
        assert result is not None  # for mypy: problem() said so
        runs = result["runs"]
        values = [run[field] for run in runs if run.get(field) is not None]
        floors += [run["floor"] for run in runs]
        value = (
            _report.percentile(values, 0.95)
            if pick == "p95"
            else _report.median_of(runs, field)
        )
        measure.figures[key] = Figure(value, _report.show(value, "s"))
    if floors:
        measure.floor = _report.median_of([{"f": f} for f in floors], "f")
        measure.floor_text = _report.show(measure.floor, "s")
    return measure


def _stop(results: dict[str, dict[str, Any]]) -> Measure:
    measure = _timed(
        results,
        "stop",
        "wall",
        label="Stop sequence early in a long reply: wall",
    )
    for key, figure in list(measure.figures.items()):
        result = results[key].get("stop")
        if figure.value is None or result is None:
            continue
        runs = result["runs"]
        past = max(run["tokens_past_stop"] for run in runs)
        outside = _report.median_of(runs, "after_cancel")
        ok = all(run["text_ok"] for run in runs)
        measure.figures[key] = Figure(
            figure.value,
            f"{figure.text} ({past} tokens past the stop, {_ms(outside)} outside "
            f"the prediction; {runs[0]['status']}{'' if ok else '; TEXT WRONG'})",
        )
    return measure


def _batch(results: dict[str, dict[str, Any]], size: int, floor: float) -> Measure:
    measure = Measure(
        f"batch{size}",
        f"abatch({size})",
        "s",
        floor,
        f"{_report.show(floor, 's')} (one model run)",
    )
    for key in TABLE_SUBJECTS:
        result = results[key].get(f"batch{size}")
        if (why := _report.problem(result)) is not None:
            measure.figures[key] = Figure(None, why)
        elif result is not None and result["wall"] is None:
            cap = result["capped_at"]
            measure.figures[key] = Figure(
                cap,
                f"> {cap:.0f} s (capped; {result['created']}/{size} started)",
                lower_bound=True,
            )
        elif result is not None:
            text = _report.show(result["wall"], "s")
            if "server_span" in result:
                spread, slowest, span = (
                    _report.show(result[name], "s")
                    for name in (
                        "server_create_spread",
                        "server_slowest",
                        "server_span",
                    )
                )
                text += (
                    f" (server: creates over {spread}, slowest prediction {slowest}, "
                    f"first create to last completion {span})"
                )
            measure.figures[key] = Figure(result["wall"], text)
    return measure


def _cpu(results: dict[str, dict[str, Any]]) -> Measure:
    reference = results["raw"].get("cpu")
    floor = None if _report.problem(reference) else reference["cpu_per_token"]  # type: ignore[index]
    measure = Measure(
        "cpu",
        "Client CPU per streamed token",
        "ms",
        floor,
        "n/a" if floor is None else f"{floor * 1000:.3f} ms (raw httpx SSE)",
    )
    for key in TABLE_SUBJECTS:
        result = results[key].get("cpu")
        if (why := _report.problem(result)) is not None:
            measure.figures[key] = Figure(None, why)
        elif result is not None:
            value = result["cpu_per_token"]
            measure.figures[key] = Figure(
                value,
                f"{value * 1000:.3f} ms ({result['tokens']} tokens, "
                f"{result['pieces']} pieces)",
            )
    return measure


def _imports_measure(imports: dict[str, dict[str, Any]]) -> Measure:
    deps = imports["deps"]["median"]
    measure = Measure(
        "import",
        "Import (fresh interpreter)",
        "s",
        deps,
        f"{_report.show(deps, 's')} (langchain_core.language_models, "
        "langchain_core.tools, replicate)",
    )
    for key, case in (
        ("ours", "ours_llm"),  # like for like: community's row imports its class
        ("community", "community"),
        ("litellm", "litellm"),
        ("replicate", "replicate"),
    ):
        value = imports[case]["median"]
        measure.figures[key] = Figure(value, _report.show(value, "s"))
    return measure


def _memory_measure(memory: dict[str, Any]) -> Measure:
    measure = Measure(
        "memory",
        f"Peak RSS above baseline, saving a {BIG_FILE_MB} MiB output",
        "MiB",
        None,
        "0 MiB (target < 50 MiB)",
    )
    for key, way in (
        ("ours", "ours-tool"),
        ("community", "community-url"),
        ("replicate", "replicate-read"),
    ):
        result = memory[way]
        if "error" in result:
            measure.figures[key] = Figure(None, f"failed: {result['error']}")
            continue
        value = result["above_baseline_mib"]
        text = f"{value:.0f} MiB ({_memory.WAYS[way]}"
        other = memory.get("replicate-iter", {})
        if key == "replicate" and "above_baseline_mib" in other:
            text += f"; {other['above_baseline_mib']:.0f} MiB iterating its chunks"
        measure.figures[key] = Figure(value, text + ")")
    measure.figures["litellm"] = Figure(
        None, "n/a: LiteLLM's Replicate provider handles text output only"
    )
    return measure


def _usage_markdown(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| Client | Usage it reports (input / output) | Server's counts |",
        "|---|---|---|",
    ]
    for key in TABLE_SUBJECTS:
        result = results[key].get("invoke")
        if _report.problem(result) is not None or result is None:
            continue
        usage = result["usage"]
        reported = usage["reported"]
        server = usage["server"]
        shown = (
            "none"
            if reported is None
            else f"{reported.get('input')} / {reported.get('output')}"
        )
        lines.append(
            f"| {SUBJECTS[key].label} | {shown} | "
            f"{server['input']} / {server['output']} |"
        )
    return "\n".join(lines)


# -- targets --------------------------------------------------------------------------


def _median_gap(result: dict[str, Any] | None, field: str) -> float | None:
    """Median of `run[field] - run["floor"]` (None when the scenario has no runs)."""
    if _report.problem(result) is not None or result is None:
        return None
    gaps = [{"g": run[field] - run["floor"]} for run in result["runs"]]
    return _report.median_of(gaps, "g")


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f} ms"


def call_targets(
    key: str,
    results: dict[str, dict[str, Any]],
    measures: dict[str, Measure],
    rtt: float,
) -> list[Target]:
    """The per-call targets, for one of our classes (`ours` or `chat`)."""
    checks: list[Target] = []
    label = SUBJECTS[key].label
    bare = results["replicate"]
    bare_invoke = _ms(_median_gap(bare.get("invoke"), "wall"))
    bare_ttft = _ms(_median_gap(bare.get("ttft"), "ttft"))
    overhead = _median_gap(results[key].get("invoke"), "wall")
    if overhead is not None:
        allowed = rtt + 0.005
        checks.append(
            Target(
                f"{label}: invoke ≤ floor + one round trip + 5 ms",
                overhead <= allowed,
                f"median {_ms(overhead)} above the model's time (allowed "
                f"{_ms(allowed)}; round trip {rtt * 1000:.2f} ms)",
                f"the bare replicate client is {bare_invoke} above on the same "
                "server; the rest is the per-call work of LangChain's run manager "
                "and callbacks and of building the input",
            )
        )
    late = _median_gap(results[key].get("ttft"), "ttft")
    if late is not None:
        checks.append(
            Target(
                f"{label}: time to first token ≤ the model's + 10 ms",
                late <= 0.010,
                f"median {_ms(late)} after the model's first token",
                f"the bare replicate client is {bare_ttft} after it (create, then "
                "open the SSE stream: two round trips)",
            )
        )
    stop = results[key].get("stop")
    ended = _median_gap(stop, "wall")
    if ended is not None and stop is not None:
        runs = stop["runs"]
        past = max(run["tokens_past_stop"] for run in runs)
        outside = _report.median_of(runs, "after_cancel")
        checks.append(
            Target(
                f"{label}: a stop sequence ends the call within 20 ms of the stop "
                "token, ≤ 2 tokens generated past it",
                ended <= 0.020 and past <= 2,
                f"call ended {_ms(ended)} after the stop token (median); "
                f"{past} tokens generated past it (max); the call's own time outside "
                f"the prediction {_ms(outside)} (median)",
                "the floor is the same model cut at the stop token by max_length; "
                "the pace of 48 sleeping tokens varies by about 10 ms from run to "
                "run, so this figure is only good to that; the token count and the "
                "time outside the prediction are exact",
            )
        )
    batch = measures["batch64"].figures.get(key)
    one = measures["invoke_median"].figures.get(key)
    raw = results[key].get("batch64") or {}
    bare_raw = results["replicate"].get("batch64") or {}
    if batch and one and batch.value is not None and one.value is not None:
        bare_batch = measures["batch64"].figures.get("replicate")
        bare_one = measures["invoke_median"].figures.get("replicate")
        bare_ratio = (
            f"{bare_batch.value / bare_one.value:.2f}"
            if bare_batch and bare_one and bare_batch.value and bare_one.value
            else "n/a"
        )
        checks.append(
            Target(
                f"{label}: abatch(64) ≤ 1.5 x one call",
                batch.value <= 1.5 * one.value,
                f"{batch.value / one.value:.2f} x one call "
                f"({_report.show(batch.value, 's')} vs {_report.show(one.value, 's')})",
                "the 64 creates reached the server over "
                f"{_ms(raw.get('server_create_spread'))} and its slowest prediction "
                f"took {_ms(raw.get('server_slowest'))} (one alone: "
                f"{_ms(measures['invoke_median'].floor)}): client and server share "
                "the machine's cores. The client spent "
                f"{_ms(raw.get('cpu_per_call'))} of CPU per call (the bare replicate "
                f"client {_ms(bare_raw.get('cpu_per_call'))}), and the bare client "
                f"takes {bare_ratio} x one call on the same server",
            )
        )
    if (cpu := _cpu_target(key, results)) is not None:
        checks.append(cpu)
    return checks


def _cpu_target(key: str, results: dict[str, dict[str, Any]]) -> Target | None:
    """CPU per streamed token ≤ 1.3 x the bare reader's, with LangChain's share."""
    per_token = {
        name: result["cpu_per_token"]
        for name in (key, "raw", "lc_chat" if key == "chat" else "lc_llm")
        if _report.problem(result := results.get(name, {}).get("cpu")) is None
        and result is not None
    }
    if key not in per_token or "raw" not in per_token:
        return None
    ratio = per_token[key] / per_token["raw"]
    langchain = per_token.get("lc_chat" if key == "chat" else "lc_llm")
    base = "BaseChatModel" if key == "chat" else "BaseLLM"
    return Target(
        f"{SUBJECTS[key].label}: client CPU per streamed token ≤ 1.3 x a bare httpx "
        "SSE reader",
        ratio <= 1.3,
        f"{per_token[key] * 1000:.3f} ms vs {per_token['raw'] * 1000:.3f} ms "
        f"({ratio:.2f} x)",
        "n/a"
        if langchain is None
        else f"{base}.stream's own per-token work over the bare reader (a minimal "
        f"model, callbacks and chunk merge) takes {langchain * 1000:.3f} ms "
        f"({langchain / per_token['raw']:.2f} x); ours skips that work when "
        "nothing observes the stream",
    )


def package_targets(
    measures: dict[str, Measure], imports: dict[str, dict[str, Any]]
) -> list[Target]:
    """The import and memory targets (one figure for the package)."""
    ours, deps = imports["ours"]["median"], imports["deps"]["median"]
    bases = imports["bases"]["median"]
    llm, llm_bases = imports["ours_llm"]["median"], imports["llm_bases"]["median"]
    tool = measures["memory"].figures["ours"]
    return [
        Target(
            "import langchain_replicate ≤ 1.1 x importing its dependencies",
            ours <= 1.1 * deps,
            f"{ours / deps:.2f} x ({_report.show(ours, 's')} vs "
            f"{_report.show(deps, 's')}); the public names load on first use",
            "the package's public names are lazy (PEP 562), as langchain_core's "
            "own packages are; a miss means a module imports a class eagerly",
        ),
        Target(
            "from langchain_replicate import Replicate ≤ 1.1 x replicate + BaseLLM",
            llm <= 1.1 * llm_bases,
            f"{llm / llm_bases:.2f} x ({_report.show(llm, 's')} vs "
            f"{_report.show(llm_bases, 's')}); all three classes: "
            f"{_report.show(bases, 's')} for their bases",
            "BaseLLM (with the LangSmith tracing it pulls in) is most of the "
            "time; a miss means our own modules import something heavy",
        ),
        Target(
            f"peak memory saving a {BIG_FILE_MB} MB output < 50 MB above baseline",
            None if tool.value is None else tool.value < 50,
            tool.text
            if tool.value is None
            else f"{tool.value:.1f} MiB above baseline (the image tool, save_dir)",
        ),
    ]


def main() -> None:
    """Run everything; print the report; write results/latest.{json,png}."""
    started = time.perf_counter()
    from langchain_replicate.testing.catalogue.replicate_testing import (  # noqa: PLC0415
        BIG_FILE,
    )
    from langchain_replicate.testing.catalogue.text import DOLLY  # noqa: PLC0415

    host = machine()
    log(f"machine: {host}")
    with _server.ServerProcess() as server:
        info = server.info
        with info.client() as http:
            rtt = _server.round_trip(http)
            tokens_to_stop = stop_tokens(http, DOLLY.version)
        config = WorkerConfig(
            base_url=info.base_url,
            token=info.token,
            dolly_version=DOLLY.version,
            stop_tokens=tokens_to_stop,
        )
        results = run_subjects(config)
        cpu_rounds(config, results)
        tool_results = _tools.run(info)
        log("prompted tool call parser")
        parser = _parser.measure(info)
        log("reasoning splitter")
        reasoning = _reasoning.measure(info)
        memory = run_memory(info, BIG_FILE.version)
        embeddings = _embeddings.run(info)
        log(f"{_many_streams.STREAMS} concurrent streams")
        many_streams = _many_streams.run(info)
    log("imports")
    imports = _imports.measure()

    invoke_median = _timed(results, "invoke", "wall", label="invoke latency, median")
    invoke_p95 = _timed(
        results, "invoke", "wall", label="invoke latency, p95", pick="p95"
    )
    ttft = _timed(results, "ttft", "ttft", label="Streaming: time to first token")
    floor = invoke_median.floor or 0.0
    measures = {
        measure.key: measure
        for measure in (
            invoke_median,
            invoke_p95,
            ttft,
            _stop(results),
            _batch(results, 64, floor),
            _batch(results, 256, floor),
            _cpu(results),
            _parser.as_measure(parser),
            _reasoning.as_measure(reasoning),
            _imports_measure(imports),
            _memory_measure(memory),
            *_tools.measures(tool_results),
        )
    }
    labels = {key: SUBJECTS[key].label for key in TABLE_SUBJECTS}
    checks = [
        *call_targets("ours", results, measures, rtt),
        *call_targets("chat", results, measures, rtt),
        *package_targets(measures, imports),
    ]
    elapsed = time.perf_counter() - started
    machine_line = (
        f"{host['cpus']} CPUs ({host['cpu']}), Python {host['python']}, "
        f"{host['system']}, load average {host['load_average'][0]} at the start; "
        f"one round trip to the local server {rtt * 1000:.2f} ms; "
        f"whole run {elapsed:.0f} s"
    )
    table = _report.to_markdown(list(measures.values()), labels)
    report = "\n\n".join(
        [
            f"Machine: {machine_line}",
            (
                "Server pace: first token after "
                f"{_server.TIME_TO_FIRST_TOKEN * 1000:.0f} ms, then one token every "
                f"{_server.TOKEN_INTERVAL * 1000:.0f} ms."
            ),
            table,
            (
                "Token usage reported by each client, next to the server's counts "
                "(the warm-up invoke):\n\n" + _usage_markdown(results)
            ),
            "Targets (ours):\n\n" + _report.targets_markdown(checks),
            _embeddings.markdown(embeddings),
            _many_streams.markdown(many_streams),
            f"How LiteLLM was reached: {LITELLM_HOW}",
            f"Tool calling and structured output: {_tools.PEER_NOTE}.",
        ]
    )
    sys.stdout.write(report + "\n")
    RESULTS.mkdir(exist_ok=True)
    _report.chart(
        list(measures.values()),
        labels,
        RESULTS / "latest.png",
        f"langchain-replicate benchmarks\n{machine_line}",
    )
    document = {
        "machine": host,
        "machine_line": machine_line,
        "round_trip": rtt,
        "pace": {
            "time_to_first_token": _server.TIME_TO_FIRST_TOKEN,
            "token_interval": _server.TOKEN_INTERVAL,
        },
        "stop_tokens": tokens_to_stop,
        "results": results,
        "imports": imports,
        "memory": memory,
        "tools": tool_results,
        "parser": parser,
        "reasoning": reasoning,
        "embeddings": embeddings,
        "many_streams": many_streams,
        "targets": [check.__dict__ for check in checks],
        "table_markdown": table,
        "report_markdown": report,
        "litellm": LITELLM_HOW,
        "invoke_max_tokens": _worker.INVOKE_MAX_TOKENS,
    }
    (RESULTS / "latest.json").write_text(json.dumps(document, indent=1) + "\n")
    log(f"wrote {RESULTS / 'latest.json'} and latest.png in {elapsed:.0f} s")
