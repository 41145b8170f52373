"""Many streams at once: 200 concurrent `astream`s at 20 tokens/s each.

    python -m benchmarks._many_streams                    # these rows alone
    python -m benchmarks._many_streams WAY BASE_URL TOKEN # one worker (internal)

The benchmark server is set to one token every 50 ms (`/_admin/pace`) for
these rows, then set back. Each way runs in a fresh interpreter: one untimed
warm-up stream (schema lookup, connections), then `STREAMS` streams of `TOKENS`
tokens started over `RAMP` seconds with `asyncio.gather`. Each stream notes
when each non-empty piece reached the caller (`time.perf_counter()`).

**Keeping pace.** The server sends a stream's first token after
`TIME_TO_FIRST_TOKEN`, then one every `PACE` seconds, so a client that keeps up
sees its pieces `PACE` apart. The table gives those gaps (median, p99) from each
stream's `SETTLED`-th piece on, and the time to the first piece. The server is
one Python process on the same shared cores: 200 creates take it a few
seconds (a stream opened late first gets the tokens so far at once, hence
`SETTLED`), and its own delays are in every figure. The bare httpx SSE reader,
run the same way, is the reference. The client's CPU over the run
(`time.process_time()`, all threads) is given per token and as a share of one
core: at 4,000 tokens/s in all, 0.25 ms a token is a whole core.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx

from benchmarks import _server

STREAMS = 200
TOKENS = 100
PACE = 0.05
"""Seconds between two tokens of one stream: 20 tokens/s."""
RAMP = 2.0
"""Seconds over which the streams start, evenly (users do not all click at once)."""
SETTLED = 20
"""Gaps are measured from a stream's `SETTLED`-th piece: a stream opened after its
prediction began (the server's create backlog) first gets the tokens so far at once."""
MODEL = "meta/meta-llama-3-8b-instruct"
PROMPT = "Tell me about llamas and alpacas in the Andes"
WAYS: dict[str, str] = {
    "raw": "bare httpx SSE reader (reference)",
    "llm": "Replicate.astream (ours)",
    "chat": "ChatReplicate.astream (ours)",
}


async def _raw_stream(http: httpx.AsyncClient) -> list[float]:
    """The bare reader: create with `stream: true`, read `output` events.

    Returns:
        When the stream started, then when each piece arrived.
    """
    arrivals = [time.perf_counter()]
    body = {
        "input": {"prompt": PROMPT, "max_tokens": TOKENS, "min_tokens": TOKENS},
        "stream": True,
    }
    created = await http.post(f"/v1/models/{MODEL}/predictions", json=body)
    created.raise_for_status()
    url = created.json()["urls"]["stream"]
    headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
    async with http.stream("GET", url, headers=headers) as response:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "output":
                arrivals.append(time.perf_counter())
            elif not line and event == "done":
                break
    return arrivals


async def _ours_stream(model: Any) -> list[float]:  # noqa: ANN401 - either class
    """`astream`: when it started, then when each non-empty piece arrived."""
    arrivals = [time.perf_counter()]
    arrivals += [
        time.perf_counter()
        async for piece in model.astream(PROMPT)
        if getattr(piece, "content", piece)
    ]
    return arrivals


async def _run(way: str, base_url: str, token: str) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    http = httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=120.0,
        limits=limits,
    )
    if way == "raw":

        def one() -> Any:  # noqa: ANN401 - a coroutine
            return _raw_stream(http)

    else:
        import langchain_replicate  # noqa: PLC0415 - worker only

        cls = (
            langchain_replicate.ChatReplicate
            if way == "chat"
            else langchain_replicate.Replicate
        )
        model = cls(
            model=MODEL,
            api_key=token,
            base_url=base_url,
            max_tokens=TOKENS,
            model_kwargs={"min_tokens": TOKENS},
        )

        def one() -> Any:  # noqa: ANN401 - a coroutine
            return _ours_stream(model)

    await one()  # warm-up: schema lookup, connections
    cpu, started = time.process_time(), time.perf_counter()

    async def later(index: int) -> list[float]:
        await asyncio.sleep(index * RAMP / STREAMS)
        return await one()  # type: ignore[no-any-return]

    streams = await asyncio.gather(*(later(index) for index in range(STREAMS)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    await http.aclose()
    pieces = [arrivals[1:] for arrivals in streams]
    gaps = [b - a for times in pieces for a, b in itertools.pairwise(times[SETTLED:])]
    ttfts = [
        times[0] - arrivals[0]
        for arrivals, times in zip(streams, pieces, strict=True)
        if times
    ]
    tokens = sum(len(times) for times in pieces)
    return {
        "wall": wall,
        "cpu": cpu,
        "tokens": tokens,
        "short_streams": sum(len(times) < TOKENS for times in pieces),
        "ttft_p50": statistics.median(ttfts),
        "ttft_p99": _p99(ttfts),
        "gap_p50": statistics.median(gaps),
        "gap_p99": _p99(gaps),
        "cpu_per_token": cpu / tokens,
        "core_share": cpu / wall,
    }


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def worker(way: str, base_url: str, token: str) -> dict[str, Any]:
    """One way's run (in its own interpreter)."""
    return asyncio.run(_run(way, base_url, token))


def run(info: _server.ServerInfo) -> dict[str, dict[str, Any]]:
    """Every way, each in a fresh process, with the server at `PACE`."""
    results: dict[str, dict[str, Any]] = {}
    with info.client() as http:
        http.post("/_admin/pace", json={"token_interval": PACE}).raise_for_status()
        try:
            for way, label in WAYS.items():
                done = subprocess.run(  # noqa: S603 - our own interpreter and module
                    [
                        sys.executable,
                        "-m",
                        "benchmarks._many_streams",
                        way,
                        info.base_url,
                        info.token,
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=300,
                )
                if done.returncode != 0:
                    results[way] = {"label": label, "error": done.stderr[-2000:]}
                    continue
                result = json.loads(done.stdout.strip().splitlines()[-1])
                results[way] = {"label": label, **result}
        finally:
            pace = {"token_interval": _server.TOKEN_INTERVAL}
            http.post("/_admin/pace", json=pace).raise_for_status()
    return results


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def markdown(results: dict[str, dict[str, Any]]) -> str:
    """The rows as a Markdown table (gaps and lag against the server's pace)."""
    intro = (
        f"{STREAMS} concurrent streams of {TOKENS} tokens, the server at one token "
        f"every {PACE * 1000:.0f} ms per stream ({1 / PACE:.0f} tokens/s each, "
        f"{STREAMS / PACE:,.0f} tokens/s in all), started over {RAMP:.0f} s; "
        f"gaps from each stream's {SETTLED}th piece."
    )
    header = (
        f"| way | gap between pieces from the {SETTLED}th: p50 / p99 (pace "
        f"{PACE * 1000:.0f} ms) | "
        "time to first piece: p50 / p99 (model "
        f"{_server.TIME_TO_FIRST_TOKEN * 1000:.0f} ms) | streams short of "
        f"{TOKENS} tokens | client CPU per token | client CPU, share of one core | "
        "wall |"
    )
    lines = [intro, "", header, "|---|---|---|---|---|---|---|"]
    for result in results.values():
        if "error" in result:
            lines.append(f"| {result['label']} | failed | | | | | |")
            continue
        lines.append(
            f"| {result['label']} | {_ms(result['gap_p50'])} / "
            f"{_ms(result['gap_p99'])} "
            f"({result['gap_p50'] / PACE:.2f} x / {result['gap_p99'] / PACE:.2f} x) | "
            f"{_ms(result['ttft_p50'])} / {_ms(result['ttft_p99'])} | "
            f"{result['short_streams']} | {result['cpu_per_token'] * 1000:.3f} ms | "
            f"{result['core_share'] * 100:.0f} % | {result['wall']:.2f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    """These rows alone, on their own benchmark server."""
    with _server.ServerProcess() as server:
        results = run(server.info)
    sys.stdout.write(markdown(results) + "\n")
    sys.stdout.write(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 4:  # WAY BASE_URL TOKEN
        sys.stdout.write(json.dumps(worker(*sys.argv[1:4])) + "\n")
    else:
        main()
