"""Unit tests for the pure parts of the local server (no sockets, no app)."""

from __future__ import annotations

import base64
import re
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator

from langchain_replicate._outputs.files import decode_data_uri
from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._engine.files import FileStore
from langchain_replicate.testing._engine.guard import bearer_token, is_create
from langchain_replicate.testing._engine.validation import (
    input_validator,
    request_body_schema,
    validate,
    with_defaults,
)
from langchain_replicate.testing._engine.wire import (
    data_uri,
    encode_event,
    hello,
    new_api_token,
    new_file_id,
    new_prediction_id,
    official_version_label,
    rfc3339,
    shape_output,
)
from langchain_replicate.testing._http.pagination import (
    Cursor,
    InvalidCursorError,
    decode_cursor,
    encode_cursor,
    paginate,
)
from langchain_replicate.testing._http.prediction_routes import parse_cancel_after
from langchain_replicate.testing._models.reference import GeneratedFile

ITERATOR = {
    "type": "array",
    "items": {"type": "string"},
    "x-cog-array-type": "iterator",
}
STRING = {"type": "string", "title": "Output"}

INPUT = {
    "type": "object",
    "title": "Input",
    "required": ["prompt"],
    "properties": {
        "prompt": {"type": "string", "title": "Prompt", "x-order": 0},
        "steps": {"type": "integer", "default": 4, "minimum": 1, "maximum": 4},
        "output_format": {
            "allOf": [{"$ref": "#/components/schemas/output_format"}],
            "default": "webp",
        },
    },
}
EXTRA = {
    "output_format": {
        "title": "output_format",
        "description": "An enumeration.",
        "enum": ["webp", "jpg", "png"],
        "type": "string",
    }
}


# -- ids, timestamps, tokens ---------------------------------------------------------


def test_prediction_ids_are_26_crockford_base32_chars() -> None:
    ids = {new_prediction_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[0-9a-hjkmnp-tv-z]{26}", i) for i in ids)


def test_api_token_shape() -> None:
    token = new_api_token()
    assert token.startswith("r8_")
    assert len(token) == 40


def test_file_id_is_base64_of_a_uuid() -> None:
    decoded = base64.b64decode(new_file_id()).decode()
    assert re.fullmatch(r"[0-9a-f-]{36}", decoded)


def test_official_version_label() -> None:
    label = official_version_label("a" * 64)
    assert re.fullmatch(r"dp-[0-9a-f]{32}", label)
    assert label == official_version_label("a" * 64)


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (0.0, "1970-01-01T00:00:00Z"),
        (1728065253.396, "2024-10-04T18:07:33.396Z"),
        (1713784501.04, "2024-04-22T11:15:01.04Z"),
    ],
)
def test_rfc3339(timestamp: float, expected: str) -> None:
    assert rfc3339(timestamp) == expected
    assert datetime.fromisoformat(expected.replace("Z", "+00:00"))


# -- output shaping ------------------------------------------------------------------


def test_array_output_is_a_growing_list() -> None:
    assert shape_output([], ITERATOR, finished=False) is None
    assert shape_output(["a", "b"], ITERATOR, finished=False) == ["a", "b"]
    assert shape_output([], ITERATOR, finished=True) == []


def test_plain_output_is_a_single_value() -> None:
    assert shape_output([], STRING, finished=True) is None
    assert (
        shape_output(["http://x/out.png"], STRING, finished=True) == "http://x/out.png"
    )
    assert shape_output(["hello ", "Alice"], STRING, finished=True) == "hello Alice"


def test_data_uri_round_trip() -> None:
    uri = data_uri("image/png", b"\x89PNG")
    assert uri.startswith("data:image/png;base64,")
    assert decode_data_uri(uri) == b"\x89PNG"
    assert decode_data_uri("data:text/plain,hello%20world") == b"hello world"
    with pytest.raises(ValueError, match="comma"):
        decode_data_uri("data:nothing")


# -- pagination ----------------------------------------------------------------------


def test_cursor_round_trip_and_opacity() -> None:
    for cursor in (Cursor(12), Cursor(3, reverse=True)):
        text = encode_cursor(cursor)
        assert "p=" not in text
        assert decode_cursor(text) == cursor
    with pytest.raises(InvalidCursorError):
        decode_cursor("not-a-cursor!")


def test_paginate_walks_forward_and_back() -> None:
    items = list(range(1, 8))  # 7 items, newest = 7
    first = paginate(items, lambda i: i, None, 3)
    assert first.results == [7, 6, 5]
    assert first.previous_cursor is None
    assert first.next_cursor is not None
    second = paginate(items, lambda i: i, first.next_cursor, 3)
    assert second.results == [4, 3, 2]
    third = paginate(items, lambda i: i, second.next_cursor, 3)
    assert third.results == [1]
    assert third.next_cursor is None
    assert third.previous_cursor is not None
    back = paginate(items, lambda i: i, third.previous_cursor, 3)
    assert back.results == [4, 3, 2]
    assert paginate(items, lambda i: i, back.previous_cursor, 3).results == [7, 6, 5]


def test_paginate_empty() -> None:
    page = paginate(list[int](), lambda i: i, None, 100)
    assert page.results == []
    assert page.next_cursor is None
    assert page.previous_cursor is None


# -- validation ----------------------------------------------------------------------


def test_input_validation_maps_errors_like_the_real_api() -> None:
    validator = input_validator(INPUT, EXTRA)
    fields = validate(validator, {"steps": "4", "output_format": "gif"}, prefix="input")
    by_type = {f.type: f for f in fields}
    assert by_type["required"].field == "input"
    assert by_type["required"].description == "prompt is required"
    assert by_type["enum"].field == "input.output_format"
    assert by_type["enum"].description == (
        'output_format must be one of the following: "webp", "jpg", "png"'
    )
    assert by_type["invalid_type"].description == (
        "Invalid type. Expected: integer, given: string"
    )
    error = _errors.validation_failed(fields)
    assert error.body()["title"] == "Input validation failed"
    assert "- input: prompt is required\n" in error.body()["detail"]
    assert "- input.output_format: output_format must be one" in error.detail


def test_input_validation_bounds() -> None:
    fields = validate(
        input_validator(INPUT, EXTRA), {"prompt": "x", "steps": 9}, prefix="input"
    )
    assert [(f.type, f.field) for f in fields] == [("number_lte", "input.steps")]


def test_body_validation_version_required_or_forbidden() -> None:
    with_version = Draft202012Validator(request_body_schema(version=True))
    fields = validate(with_version, {"input": {}, "model": "x"}, prefix="")
    assert {(f.type, f.description) for f in fields} == {
        ("required", "version is required"),
        ("additional_property_not_allowed", "Additional property model is not allowed"),
    }
    detail = _errors.validation_failed(fields).detail
    assert "- version is required\n" in detail
    without = Draft202012Validator(request_body_schema(version=False))
    fields = validate(without, {"input": {}, "version": "v"}, prefix="")
    assert [f.type for f in fields] == ["additional_property_not_allowed"]


def test_defaults_are_filled_in() -> None:
    assert with_defaults(INPUT, {"prompt": "x"}) == {
        "prompt": "x",
        "steps": 4,
        "output_format": "webp",
    }


# -- errors, auth, SSE encoding --------------------------------------------------------


def test_problem_bodies() -> None:
    assert _errors.unauthenticated().body() == {
        "title": "Unauthenticated",
        "detail": "You did not pass a valid authentication token",
        "status": 401,
    }
    throttled = _errors.throttled(29.2)
    assert throttled.headers == {"Retry-After": "30"}
    assert throttled.body()["detail"].endswith("resets in ~30s.")
    assert (
        _errors.invalid_version().body()["title"] == "Invalid version or not permitted"
    )
    assert _errors.too_large(100_000_000).body() == {
        "detail": "Files must be less than 100MB in size"
    }


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer r8_abc", "r8_abc"),
        ("Token r8_abc", "r8_abc"),
        ("bearer r8_abc", "r8_abc"),
        ("Basic r8_abc", None),
        ("Bearer ", None),
        (None, None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_is_create() -> None:
    assert is_create("POST", "/v1/predictions")
    assert is_create("POST", "/v1/models/meta/llama/predictions")
    assert is_create("POST", "/v1/deployments/o/n/predictions")
    assert not is_create("GET", "/v1/predictions")
    assert not is_create("POST", "/v1/predictions/abc/cancel")
    assert not is_create("POST", "/v1/files")


def test_sse_encoding() -> None:
    assert hello() == b": hi\n\n"
    assert encode_event("output", "Hello", "1:0") == (
        b"id: 1:0\nevent: output\ndata: Hello\n\n"
    )
    assert encode_event("output", "\n\n", "1:1") == (
        b"id: 1:1\nevent: output\ndata: \ndata: \ndata: \n\n"
    )
    assert encode_event("done", "{}", "1:2").endswith(b"data: {}\n\n")


# -- file store ----------------------------------------------------------------------


def test_file_store_reads_its_own_urls() -> None:
    store = FileStore()
    upload = store.upload("a.txt", "text/plain", b"hello", {"k": "v"})
    assert upload.md5 == "5d41402abc4b2a76b9719d911017c592"
    assert store.read_url(f"http://127.0.0.1:1/v1/files/{upload.id}") == b"hello"
    output = store.add_output(
        "pred",
        GeneratedFile("out-0.txt", "text/plain", 3, lambda: iter([b"a", b"bc"])),
    )
    assert store.read_url(f"http://localhost:2{output.path}") == b"abc"
    with pytest.raises(ValueError, match="only data: URIs"):
        store.read_url("https://example.com/x.png")
    assert store.delete_upload(upload.id)
    assert not store.delete_upload(upload.id)
    with pytest.raises(ValueError, match="Cannot read"):
        store.read_url(f"http://127.0.0.1:1/v1/files/{upload.id}")


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, None), ("30", 30.0), ("30s", 30.0), ("5m", 300.0), ("1h30m45s", 5445.0)],
)
def test_cancel_after_reads_seconds_or_units(
    header: str | None, seconds: float | None
) -> None:
    assert parse_cancel_after(header) == seconds


@pytest.mark.parametrize("header", ["4", "25h", "", "5 m", "1d", "m", "-10"])
def test_cancel_after_out_of_range_or_malformed_is_a_400(header: str) -> None:
    with pytest.raises(_errors.ProblemError) as caught:
        parse_cancel_after(header)
    assert caught.value.status == 400
