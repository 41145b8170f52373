"""Input slips: typed errors naming the argument, before any request."""

from __future__ import annotations

import math
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_replicate import Replicate, ReplicateInputError
from langchain_replicate._chat.messages import check_text_only
from langchain_replicate._inputs.arguments import (
    check_json_input,
    check_timeout,
    stop_sequences,
)

PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42"
    "mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize(
    ("stop", "expected"),
    [
        (None, None),
        ("reference", ["reference"]),
        ("\n\n", ["\n\n"]),
        (["a", "bc"], ["a", "bc"]),
        (("a",), ["a"]),
        ([], None),
    ],
)
def test_a_string_is_one_stop_sequence(stop: Any, expected: list[str] | None) -> None:
    assert stop_sequences(stop) == expected


@pytest.mark.parametrize(
    ("stop", "named"), [([None], "stop[0]"), (["a", ""], "stop[1]"), (5, "stop")]
)
def test_bad_stop_sequences_are_named(stop: Any, named: str) -> None:
    with pytest.raises(ReplicateInputError) as info:
        stop_sequences(stop)
    assert str(info.value).startswith(named)


def test_constructor_stop_string_is_one_sequence() -> None:
    assert Replicate(model="o/m", stop="reference").stop == ["reference"]


@pytest.mark.parametrize("timeout", [0, 0.0, -1, math.nan, -math.inf])
def test_timeout_must_be_positive(timeout: float) -> None:
    with pytest.raises(ReplicateInputError, match="timeout"):
        check_timeout(timeout)
    with pytest.raises(ReplicateInputError, match="timeout"):
        Replicate(model="o/m", timeout=timeout)


def test_infinite_timeout_is_no_limit() -> None:
    assert check_timeout(math.inf) is None
    assert check_timeout(None) is None
    assert check_timeout(2.5) == 2.5
    assert Replicate(model="o/m", timeout=math.inf).timeout is None


@pytest.mark.parametrize(
    ("model_input", "named"),
    [
        ({"temperature": math.nan}, "temperature"),
        ({"top_p": math.inf}, "top_p"),
        ({"prompt": "hi \ud83d"}, "prompt"),
        (
            {"messages": [{"role": "user", "content": "x\udc00"}]},
            r"messages\[0\]\.content",
        ),
        ({"weights": [1.0, -math.inf]}, r"weights\[1\]"),
    ],
)
def test_inputs_json_cannot_carry_are_named(
    model_input: dict[str, Any], named: str
) -> None:
    with pytest.raises(ReplicateInputError, match=rf"Input {named} "):
        check_json_input(model_input)


def test_good_inputs_pass() -> None:
    check_json_input({"prompt": "héllo 👋", "n": 1, "t": 0.5, "x": [None, {"a": True}]})


def test_images_in_messages_are_refused_not_dropped() -> None:
    text = HumanMessage("describe")
    image = HumanMessage(
        content=[
            {"type": "text", "text": "describe"},
            {"type": "image_url", "image_url": {"url": PNG}},
        ]
    )
    check_text_only([text])
    with pytest.raises(ReplicateInputError, match=r"messages\[1\].*ChatReplicate"):
        check_text_only([text, image])


def test_seed_notebook_model_kwargs_neither_warn_nor_change_and_are_sent_mapped(
    recwarn: pytest.WarningsRecorder,
) -> None:
    from tests.unit_tests.fake_replicate import (  # noqa: PLC0415
        TOKEN,
        FakeReplicate,
        llm_schema,
    )

    fake = FakeReplicate(schema=llm_schema(max_name="max_new_tokens"))
    given = {"temperature": 0.75, "max_length": 500, "top_p": 1}
    llm = Replicate(
        model="meta/meta-llama-3-8b-instruct",
        model_kwargs=given,
        api_key=TOKEN,
        base_url=fake.base_url,
        client_kwargs={"transport": fake.transport()},
    )
    assert llm.model_kwargs == given
    assert llm.temperature is None
    assert not recwarn.list
    llm.invoke("Hi")
    sent = fake.bodies()[-1]["input"]
    assert {k: v for k, v in sent.items() if k != "prompt"} == {
        "temperature": 0.75,
        "max_new_tokens": 500,
        "top_p": 1,
    }
    assert llm.model_kwargs == given
