"""Embedding 2,000 texts: time against the models' own time, and peak memory.

    python -m benchmarks._embeddings                    # these rows alone
    python -m benchmarks._embeddings WAY BASE_URL TOKEN # one worker (internal)

Each way runs in a fresh interpreter against the benchmark server (its pace:
`TOKEN_INTERVAL` seconds of model time per text). One untimed warm-up call
(schema lookup, connections) comes first; then the server's request log is
cleared, memory's baseline taken, and the 2,000 texts embedded.

**Floor.** The models' own time for the same predictions: the sum of their
`metrics.predict_time` divided by the predictions that may run at once (the
way's concurrency), never less than the longest one. It is what a client with
no overhead, running the same batches at the same concurrency, would take.

**Peer.** The IBM peer (`ibm-granite-community/langchain-replicate`'s
`ReplicateEmbeddings`) is not on PyPI, so it cannot be installed here; the
hand-written loop a user would otherwise write (the bare `replicate` client,
one 64-text prediction after another) stands in as the comparison.
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import time
from typing import Any

from benchmarks import _server
from benchmarks._memory import _peak, _start_peak

TEXTS = 2000
CHUNK = 64
WAYS: dict[str, dict[str, Any]] = {
    "ours_sync": {
        "label": "ours, sync: granite, 64 texts/prediction, 4 at once",
        "model": "ibm-granite/granite-embedding-278m-multilingual",
        "concurrency": 4,
        "per_prediction": CHUNK,
    },
    "ours_async": {
        "label": "ours, async: granite, 64 texts/prediction, 4 at once",
        "model": "ibm-granite/granite-embedding-278m-multilingual",
        "concurrency": 4,
        "per_prediction": CHUNK,
    },
    "ours_one_text": {
        "label": "ours, async: snowflake, 1 text/prediction, 16 at once",
        "model": "lucataco/snowflake-arctic-embed-l",
        "concurrency": 16,
        "per_prediction": 1,
    },
    "replicate_loop": {
        "label": "replicate.run loop: granite, 64 texts/prediction, 1 at a time",
        "model": "ibm-granite/granite-embedding-278m-multilingual",
        "concurrency": 1,
        "per_prediction": CHUNK,
    },
}


def texts() -> list[str]:
    """2,000 short, different documents."""
    topics = ["rivers", "cities", "llamas", "compilers", "tea", "orbits", "poems"]
    return [
        f"Document {i} is about {topics[i % len(topics)]} and item {i * 7 % 101}."
        for i in range(TEXTS)
    ]


def _versioned(base_url: str, token: str, model: str) -> str:
    """`owner/name` for official models, else `owner/name:version` (from the API)."""
    import httpx  # noqa: PLC0415 - worker only

    found = httpx.get(
        f"{base_url}/v1/models/{model}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    if found.get("is_official"):
        return model
    return f"{model}:{found['latest_version']['id']}"


def _clear_log(base_url: str, token: str) -> None:
    import httpx  # noqa: PLC0415 - worker only

    httpx.delete(
        f"{base_url}/_admin/requests",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).raise_for_status()


def worker(way: str, base_url: str, token: str) -> dict[str, Any]:
    """Embed the texts one way (in this fresh process); time, memory, shape."""
    spec = WAYS[way]
    model = _versioned(base_url, token, spec["model"])
    documents = texts()
    if way == "replicate_loop":
        from replicate.client import Client  # noqa: PLC0415

        client = Client(api_token=token, base_url=base_url)

        def run() -> list[list[float]]:
            vectors: list[list[float]] = []
            for i in range(0, len(documents), CHUNK):
                output = client.run(model, input={"texts": documents[i : i + CHUNK]})
                vectors += output
            return vectors

        client.run(model, input={"texts": ["warm-up"]})
    else:
        from langchain_replicate import ReplicateEmbeddings  # noqa: PLC0415

        embeddings = ReplicateEmbeddings(
            model=model,
            api_key=token,
            base_url=base_url,
            max_concurrency=spec["concurrency"],
            chunk_size=spec["per_prediction"],
        )

        def run() -> list[list[float]]:
            if way == "ours_sync":
                return embeddings.embed_documents(documents)
            return asyncio.run(embeddings.aembed_documents(documents))

        embeddings.embed_query("warm-up")
    _clear_log(base_url, token)
    baseline = _start_peak()
    started = time.perf_counter()
    vectors = run()
    wall = time.perf_counter() - started
    return {
        "wall": wall,
        "peak_above_baseline_mib": _peak() - baseline,
        "vectors": len(vectors),
        "dims": len(vectors[0]),
    }


def _floor(http: Any, concurrency: int) -> dict[str, float]:  # noqa: ANN401 - httpx.Client
    count = _server.creates_logged(http)
    predictions = _server.recent_predictions(http, count)
    times = [p["metrics"]["predict_time"] for p in predictions if p.get("metrics")]
    total = math.fsum(times)
    return {
        "predictions": float(count),
        "model_time": total,
        "floor": max(total / concurrency, max(times, default=0.0)),
    }


def run(info: _server.ServerInfo) -> dict[str, dict[str, Any]]:
    """Every way, each in a fresh process, against a running benchmark server."""
    results: dict[str, dict[str, Any]] = {}
    for way, spec in WAYS.items():
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "benchmarks._embeddings",
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
            results[way] = {"label": spec["label"], "error": done.stderr[-2000:]}
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        with info.client() as http:
            result.update(_floor(http, spec["concurrency"]))
        results[way] = {"label": spec["label"], **result}
    return results


def markdown(results: dict[str, dict[str, Any]]) -> str:
    """The rows as a Markdown table (time vs floor, vs the hand-written loop)."""
    loop = results.get("replicate_loop", {}).get("wall")
    intro = (
        f"Embedding {TEXTS:,} texts (server: {_server.TOKEN_INTERVAL * 1000:.0f} ms "
        "of model time per text). The IBM peer's `ReplicateEmbeddings` is not on "
        "PyPI, so it is not measured; the bare `replicate` loop stands in. The "
        "result alone (2,000 lists of 768 or 1,024 Python floats) is 47-63 MiB."
    )
    header = (
        "| way | wall | floor | x floor | x replicate loop | predictions | "
        "peak memory above baseline |"
    )
    lines = [intro, "", header, "|---|---|---|---|---|---|---|"]
    for result in results.values():
        if "error" in result:
            lines.append(f"| {result['label']} | failed | | | | | |")
            continue
        versus = f"{result['wall'] / loop:.2f} x" if loop else "n/a"
        lines.append(
            f"| {result['label']} | {result['wall']:.2f} s | {result['floor']:.2f} s | "
            f"{result['wall'] / result['floor']:.2f} x | {versus} | "
            f"{int(result['predictions'])} | "
            f"{result['peak_above_baseline_mib']:.1f} MiB |"
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
