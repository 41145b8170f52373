"""Which listed prediction a create made (`_core.lookup`), and who holds it.

One rule serves a lost create (adopted: `adoptable`) and an abandoned one
(canceled: `cancelable`); each part of it is tested once here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import httpx

from langchain_replicate._core.abandonment import Creates, InFlight
from langchain_replicate._core.lookup import (
    MAX_FETCHES,
    HeldPredictions,
    adoptable,
    cancelable,
    created_at,
    held,
    list_path,
    past_window,
    same_input,
    same_target,
    sent_input,
)
from langchain_replicate._inputs.model_ref import parse_model_ref

LLAMA = parse_model_ref("meta/llama")
SENT_AT = 1_800_000_000.0  # 2027-01-15T08:00:00Z
HI = {"prompt": "Hi", "max_tokens": 5}
RUN = uuid.uuid4().hex
"""Suffix of the listed ids (`held` is process-wide: other tests' ids stay apart)."""


def listed(pid: str, *, age: float = -1.0, **fields: Any) -> dict[str, Any]:
    """A listed prediction created `age` seconds before `SENT_AT` (negative: after)."""
    when = datetime.fromtimestamp(SENT_AT - age, tz=timezone.utc)
    body = {
        "id": f"{pid}.{RUN}",
        "model": "meta/llama",
        "version": "dp-x",
        "status": "processing",
        "input": {"prompt": "Hi", "max_tokens": 5, "temperature": 0.7},
        "created_at": when.isoformat().replace("+00:00", "Z"),
        "urls": {},
    }
    return body | fields


def ids(predictions: list[Any]) -> list[str]:
    """The listed ids, without `RUN`."""
    return [(p if isinstance(p, str) else p["id"]).split(".")[0] for p in predictions]


def bare(pid: str) -> dict[str, Any]:
    """Listed without its `input`."""
    return {k: v for k, v in listed(pid).items() if k != "input"}


def create_request(prompt: str, model: str = "meta/llama") -> dict[str, Any]:
    return {
        "method": "POST",
        "url": f"/v1/models/{model}/predictions",
        "json": {"input": {"prompt": prompt}},
    }


# -- the rule --------------------------------------------------------------------------


def test_created_at_reads_rfc3339_with_any_fraction() -> None:
    assert created_at({"created_at": "2027-01-15T08:00:00Z"}) == SENT_AT
    base = created_at({"created_at": "2027-01-15T08:00:00.5Z"})
    assert base == created_at({"created_at": "2027-01-15T08:00:00.500000+00:00"})
    assert created_at({"created_at": "2027-01-15T08:00:00.1234567Z"}) is not None
    assert created_at({"created_at": "yesterday"}) is None
    assert created_at({}) is None


def test_the_window_starts_a_clock_skew_before_the_send() -> None:
    assert list_path(SENT_AT) == (
        "/v1/predictions?created_after=2027-01-15T07%3A59%3A00%2B00%3A00"
    )
    results = [listed("new"), listed("old", age=120), listed("skewed", age=50)]
    assert ids(adoptable(results, LLAMA, HI, SENT_AT)) == ["new", "skewed"]
    assert not past_window([listed("new"), listed("skewed", age=50)], SENT_AT)
    assert past_window([listed("new"), listed("old", age=120)], SENT_AT)
    assert past_window([], SENT_AT)


def test_the_target_is_the_model_version_or_deployment() -> None:
    assert same_target(listed("m"), LLAMA)
    assert not same_target(listed("m", model="meta/other"), LLAMA)
    assert not same_target(listed("d", deployment="acme/llama"), LLAMA)
    version = parse_model_ref("acme/llama:abc")
    assert same_target(listed("v", version="abc"), version)
    assert not same_target(listed("v", version="abd"), version)
    deployment = parse_model_ref(None, "acme/llama")
    assert same_target(listed("d", deployment="acme/llama"), deployment)
    assert not same_target(listed("d"), deployment)


def test_the_input_is_every_key_sent_with_its_value_as_json() -> None:
    echoed = {"prompt": "Hi", "max_tokens": 5, "temperature": 0.7, "stop": ["a"]}
    assert same_input(echoed, {"prompt": "Hi", "max_tokens": 5})
    assert not same_input(echoed, {"prompt": "Hi", "max_tokens": 6})
    assert not same_input(echoed, {"prompt": "Hi", "top_p": None})
    assert not same_input(None, {"prompt": "Hi"})
    sent = sent_input({"json": {"input": {"prompt": "Hi", "stop": ("a",)}}})
    assert sent == {"prompt": "Hi", "stop": ["a"]}
    assert same_input(echoed, sent)


def test_a_prediction_another_call_holds_is_never_taken() -> None:
    results = [listed("held")]
    assert ids(cancelable(results, LLAMA, HI, SENT_AT)) == ["held"]
    assert held.claim(results[0]["id"])
    assert cancelable(results, LLAMA, HI, SENT_AT) == []
    assert adoptable(results, LLAMA, HI, SENT_AT) == []


def test_the_held_registry_claims_once_and_is_bounded() -> None:
    registry = HeldPredictions(size=2)
    assert registry.claim("a")
    assert not registry.claim("a")
    assert registry.claim("b")
    assert registry.claim("c")  # "a" falls off
    assert not registry.holds("a")
    assert registry.holds("c")


# -- adopt or cancel -------------------------------------------------------------------


def test_a_lost_create_adopts_any_status_and_fetches_what_lists_no_input() -> None:
    results = [
        listed("other-input", input={"prompt": "Ho"}),
        listed("done", status="succeeded"),
        *[bare(f"bare{i}") for i in range(MAX_FETCHES + 2)],
        listed("running"),
    ]
    found = ids(adoptable(results, LLAMA, HI, SENT_AT))
    assert found == ["done", *[f"bare{i}" for i in range(MAX_FETCHES)], "running"]


def test_an_abandoned_create_cancels_every_running_match() -> None:
    results = [
        listed("a"),
        listed("done", status="succeeded"),
        bare("bare"),
        listed("other-input", input={"prompt": "Ho"}),
        listed("b", status="starting"),
    ]
    assert ids(cancelable(results, LLAMA, HI, SENT_AT)) == ["a", "b"]


# -- creates in flight -----------------------------------------------------------------


def test_an_answered_create_holds_its_prediction_before_any_lookup() -> None:
    registry = Creates()
    sent = registry.start(create_request("Hi"), LLAMA)
    assert sent.prediction_id() is None
    pid = f"answered-{uuid.uuid4()}"
    sent.answered(httpx.Response(201, json={"id": pid, "status": "succeeded"}))
    assert not held.holds(pid)  # the answer is not parsed for every create
    registry.hold_answered()  # what a lookup does first
    assert held.holds(pid)
    assert sent.prediction_id() == pid
    assert sent.ended()
    refused = InFlight(create_request("Hi"), LLAMA)
    refused.answered(httpx.Response(429, json={"detail": "throttled"}))
    assert refused.prediction_id() is None
    garbled = InFlight(create_request("Hi"), LLAMA)
    garbled.answered(httpx.Response(200, text="<html>"))
    assert garbled.prediction_id() is None


def test_a_live_twin_makes_the_lookup_ambiguous() -> None:
    registry = Creates()
    ours = registry.start(create_request("Hi"), LLAMA)
    twin = registry.start(create_request("Hi"), LLAMA)
    registry.start(create_request("Other"), LLAMA)
    assert registry.twin(ours)
    twin.abandoned = True  # abandoned twins are canceled anyway
    assert not registry.twin(ours)
    twin.abandoned = False
    twin.answered(httpx.Response(201, json={"id": f"p-{uuid.uuid4()}"}))
    assert not registry.twin(ours)  # answered: its id is held
