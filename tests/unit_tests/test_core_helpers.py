"""The pure helpers of the shared core: references, inputs, outputs, stops, errors."""

from __future__ import annotations

import httpx
import pytest
from langchain_core.exceptions import ModelError as CoreModelError
from replicate.exceptions import ReplicateError as SdkReplicateError

from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate._inputs.schema import (
    InputSchema,
    OutputKind,
    build_input,
    needs_schema,
    output_kind,
)
from langchain_replicate._outputs.metadata import prediction_info, usage_from_metrics
from langchain_replicate._outputs.stop import StopSequenceFinder, truncate_at_stop
from langchain_replicate._outputs.text import (
    output_delta,
    output_to_text,
)
from langchain_replicate.errors import (
    ReplicateRateLimitError,
    ReplicateServerError,
    error_from_response,
    prediction_error,
)

# -- model references ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "deployment", "text", "path"),
    [
        ("meta/llama", None, "meta/llama", "/v1/models/meta/llama/predictions"),
        ("a/b.c-d_e:0f1e", None, "a/b.c-d_e:0f1e", "/v1/predictions"),
        ("deployments/o/n", None, "deployments/o/n", "/v1/deployments/o/n/predictions"),
        (None, "o/n", "deployments/o/n", "/v1/deployments/o/n/predictions"),
    ],
)
def test_parse_model_ref(
    model: str | None, deployment: str | None, text: str, path: str
) -> None:
    ref = parse_model_ref(model, deployment)
    assert str(ref) == text
    assert ref.create_path == path


@pytest.mark.parametrize(
    ("model", "deployment"),
    [(None, None), ("a", None), ("a/b/c", None), (None, "o/n:v"), ("a/b", "c/d")],
)
def test_parse_model_ref_rejects(model: str | None, deployment: str | None) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several messages
        parse_model_ref(model, deployment)


# -- inputs ----------------------------------------------------------------------------


def schema(**props: dict[str, object]) -> InputSchema:
    parsed = InputSchema.from_openapi(
        {"components": {"schemas": {"Input": {"properties": props}}}}
    )
    assert parsed is not None
    return parsed


def test_prompt_key_prefers_prompt_then_names_then_required_text() -> None:
    assert (
        schema(
            image={"type": "string", "format": "uri", "x-order": 0},
            prompt={"type": "string", "x-order": 5},
        ).prompt_key()
        == "prompt"
    )
    assert schema(a={"type": "integer"}, question={"type": "string"}).prompt_key() == (
        "question"
    )
    first_text = schema(
        image={"type": "string", "format": "uri", "x-order": 0},
        mode={"type": "string", "enum": ["a"], "x-order": 1},
        caption={"type": "string", "x-order": 2},
    )
    assert first_text.prompt_key() == "caption"


def test_build_input_merges_in_order_and_drops_none() -> None:
    s = schema(
        prompt={"type": "string"},
        max_new_tokens={"type": "integer"},
        temperature={"type": "number"},
        stop_sequences={"type": "string"},
    )
    got = build_input(
        "Hi",
        prompt_key=None,
        schema=s,
        standard={"temperature": 0.1, "max_tokens": 5},
        model_kwargs={"temperature": 0.9, "max_length": None},
        stop=["a", "b"],
        validate=True,
        model="o/n",
    )
    assert got == {
        "prompt": "Hi",
        "max_new_tokens": 5,
        "temperature": 0.9,
        "stop_sequences": "a,b",
    }


def test_needs_schema_only_when_a_question_needs_it() -> None:
    def needs(
        *,
        standard: dict[str, object] | None = None,
        extra: dict[str, object] | None = None,
        stop: list[str] | None = None,
        validate: bool = True,
    ) -> bool:
        return needs_schema(
            prompt_key=None,
            standard=standard or {},
            model_kwargs=extra or {},
            stop=stop,
            validate=validate,
        )

    assert not needs()
    assert needs(stop=["x"], validate=False)
    assert needs(extra={"max_length": 3}, validate=False)
    assert needs(standard={"top_p": 1})
    assert not needs(standard={"top_p": 1}, validate=False)


# -- outputs ---------------------------------------------------------------------------


def test_output_kind_from_schema() -> None:
    assert output_kind(None) is None
    assert output_kind({"type": "string"}) is OutputKind.TEXT
    assert output_kind({"type": "string", "format": "uri"}) is OutputKind.FILES
    files = {"type": "array", "items": {"type": "string", "format": "uri"}}
    assert output_kind(files) is OutputKind.FILES
    assert output_kind({"type": "object"}) is OutputKind.OTHER


@pytest.mark.parametrize(
    ("output", "kind", "text"),
    [
        (None, OutputKind.TEXT, ""),
        (["https:", "//x", " y"], OutputKind.TEXT, "https://x y"),
        (["https://a.png", "https://b.png"], OutputKind.FILES, "https://a.png"),
        ("https://a.png", OutputKind.FILES, "https://a.png"),
        (["https://a.png", "https://b.png"], None, "https://a.png"),
        (["Hello", " https://x"], None, "Hello https://x"),
        ({"a": 1}, None, '{"a": 1}'),
        (3, None, "3"),
    ],
)
def test_output_to_text(output: object, kind: OutputKind | None, text: str) -> None:
    assert output_to_text(output, kind) == text


def test_output_delta_counts_characters() -> None:
    assert output_delta(["He", "llo"], 0) == ("Hello", 5)
    assert output_delta(["He", "llo", " you"], 3) == ("lo you", 9)
    assert output_delta(None, 4) == ("", 4)


# -- stop sequences --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "stop", "text"),
    [
        (["Hello wor", "ld ST", "OP after"], ["STOP"], "Hello world "),
        (["a\n", "\n", "b"], ["\n\n"], "a"),
        (["x", "a", "b", "d"], ["abc", "bd"], "xa"),
        (["S", "T", "O", "X"], ["STOP"], "STOX"),
        (["no stop here"], ["zzz"], "no stop here"),
        (["abc"], [], "abc"),
        (["STOP"], ["STOP"], ""),
    ],
)
def test_stop_finder_across_tokens(
    tokens: list[str], stop: list[str], text: str
) -> None:
    finder = StopSequenceFinder(stop)
    emitted = [finder.feed(token) for token in tokens]
    assert "".join(emitted) + finder.flush() == text
    assert truncate_at_stop("".join(tokens), stop) == text


def test_stop_finder_holds_back_only_a_possible_prefix() -> None:
    finder = StopSequenceFinder(["STOP"])
    assert finder.feed("Hello S") == "Hello "
    assert finder.feed("X") == "SX"
    assert not finder.stopped
    assert finder.feed("ST") == ""
    assert finder.feed("OP!") == ""
    assert finder.stopped
    assert finder.feed("more") == ""


# -- metadata --------------------------------------------------------------------------


def test_usage_from_metrics() -> None:
    assert usage_from_metrics(None) is None
    assert usage_from_metrics({"predict_time": 1.0}) is None
    assert usage_from_metrics({"input_token_count": 4, "output_token_count": 6}) == {
        "input_tokens": 4,
        "output_tokens": 6,
        "total_tokens": 10,
    }


def test_prediction_info() -> None:
    info = prediction_info(
        {
            "id": "p",
            "model": "m/n",
            "version": "v",
            "status": "succeeded",
            "urls": {"web": "https://replicate.com/p/p"},
        },
        model_name="m/n",
    )
    assert info == {
        "prediction_id": "p",
        "model_name": "m/n",
        "model": "m/n",
        "version": "v",
        "status": "succeeded",
        "metrics": {},
        "model_provider": "replicate",
        "web_url": "https://replicate.com/p/p",
    }


# -- errors ----------------------------------------------------------------------------


def test_error_mapping_keeps_both_hierarchies() -> None:
    response = httpx.Response(
        429, headers={"retry-after": "3"}, json={"detail": "slow", "title": "Throttled"}
    )
    error = error_from_response(response, "create a prediction")
    assert isinstance(error, ReplicateRateLimitError)
    assert isinstance(error, SdkReplicateError)
    assert isinstance(error, CoreModelError)
    assert error.retry_after == 3.0
    assert error.is_retryable
    assert error.title == "Throttled"
    server = error_from_response(httpx.Response(503, text="down"), "get x")
    assert isinstance(server, ReplicateServerError)
    assert "503" in str(server)


def test_prediction_error_for_aborted_is_canceled() -> None:
    error = prediction_error({"id": "p", "status": "aborted", "model": "m/n"})
    assert "aborted" in str(error)
    assert type(error).__name__ == "ReplicatePredictionCanceledError"


def test_stop_sequences_keep_the_model_defaults() -> None:
    s = schema(
        prompt={"type": "string"},
        stop_sequences={"type": "string", "default": "<|eot_id|>,<|end_of_text|>"},
    )
    got = build_input(
        "Hi",
        prompt_key=None,
        schema=s,
        standard={},
        model_kwargs={},
        stop=["\n\n", "<|eot_id|>"],
        validate=True,
        model="o/n",
    )
    assert got["stop_sequences"] == "\n\n,<|eot_id|>,<|end_of_text|>"


# -- one client per settings -----------------------------------------------------------


def test_instances_with_the_same_settings_share_one_client() -> None:
    from langchain_replicate import (  # noqa: PLC0415
        ChatReplicate,
        Replicate,
        ReplicateImageGenerationTool,
    )

    settings = {"api_key": "r8_shared", "base_url": "https://replicate.example.test"}
    llm = Replicate(model="meta/meta-llama-3-8b-instruct", **settings)
    chat = ChatReplicate(model="openai/gpt-5-nano", **settings)
    again = Replicate(model="replicate/dolly-v2-12b:abc", **settings)
    assert llm._api is again._api
    assert llm._api is chat._api
    assert llm._api.client is chat._api.client

    # Any setting the client is built from gives another one.
    assert Replicate(model="meta/x", timeout=5, **settings)._api is not llm._api
    assert Replicate(model="meta/x", api_key="r8_other")._api is not llm._api
    # The image tool's sync mode is off by default: another wrapper.
    assert ReplicateImageGenerationTool(**settings)._api is not llm._api
    # Explicit client arguments (e.g. a transport) always get their own client.
    own = Replicate(model="meta/x", client_kwargs={"headers": {"X": "1"}}, **settings)
    assert own._api is not llm._api
