"""The Ray Data example (`docs/examples/ray_rag.py`) runs, at a small size.

Ray starts locally (2 CPUs, no dashboard); two actor processes embed the
documents and two answer the questions, against the session's local server
throttled to 20 creates per second, sharing the session's throttle store.
Asserted on the server's record (every document and question embedded once,
every question answered once, all succeeded), on the example's summary (each
question retrieved its own document) and on the store (the actor processes
reported to it). Skipped only if Ray cannot be imported.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import ModuleType

    from langchain_replicate.testing import LocalReplicateServer

# Under `uv run` (as `make test` runs), Ray would start each worker through
# `uv run` too; the workers use this interpreter (see the example).
os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
ray = pytest.importorskip(
    "ray", reason="Ray is not installed (the `ray` dependency group)"
)

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "ray_rag.py"
DOCUMENTS, QUESTIONS, ACTORS = 300, 6, 2


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ray_rag", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ray_rag"] = module
    spec.loader.exec_module(module)
    # The workers cannot import it (it is a script, not a package): its actor
    # classes travel by value, as they do when the script runs as __main__.
    ray.cloudpickle.register_pickle_by_value(module)
    return module


def embedded_texts(record_input: Mapping[str, Any]) -> list[str]:
    texts = record_input.get("texts") or json.loads(
        record_input.get("text_batch", "[]")
    )
    return [str(t) for t in texts]


def test_the_ray_example_embeds_and_answers_on_a_throttled_account(
    replicate_server: LocalReplicateServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = load_example()
    replicate_server.configure(create_rate_limit="20/second")
    replicate_server.reset()
    before = len(replicate_server.predictions())
    # The workers inherit the environment (the store is the session's).
    monkeypatch.setenv("REPLICATE_API_TOKEN", replicate_server.api_token)
    monkeypatch.setenv("REPLICATE_BASE_URL", replicate_server.base_url)
    example.start_ray(ACTORS)
    try:
        summary = example.run(DOCUMENTS, QUESTIONS, ACTORS, batch_size=128)
    finally:
        ray.shutdown()
    assert summary["documents"] == DOCUMENTS
    assert summary["questions"] == QUESTIONS
    assert summary["retrieval_hits"] == QUESTIONS  # each retrieved its own document
    assert summary["answers_empty"] == 0

    records = replicate_server.predictions()[before:]
    assert all(r.status == "succeeded" for r in records)
    texts = Counter(
        text
        for r in records
        if r.model == example.EMBEDDING_MODEL
        for text in embedded_texts(r.input)
    )
    expected = [d["text"] for d in example.make_documents(DOCUMENTS)] + [
        q["question"] for q in example.make_questions(QUESTIONS, DOCUMENTS)
    ]
    assert texts == Counter(expected)  # each embedded exactly once
    chats = [r for r in records if r.model == example.CHAT_MODEL]
    assert len(chats) == QUESTIONS

    store = os.environ["REPLICATE_THROTTLE_STORE"].removeprefix("sqlite:///")
    with sqlite3.connect(store) as db:
        (members,) = db.execute("SELECT count(DISTINCT member) FROM members").fetchone()
    assert members >= ACTORS  # the actor processes shared the account's throttling
