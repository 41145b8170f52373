"""The local server's documented tool and JSON rules (`testing._tool_rules`)."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_replicate.testing._models.argument_rules import (
    build_arguments,
    find_urls,
    json_instance,
    json_object_for,
)
from langchain_replicate.testing._models.tool_rules import (
    UnknownToolError,
    choose_tool,
    name_words,
    next_named_tool,
)


def tool(name: str, **properties: Any) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
            },
        },
    }


WEATHER = tool("get_current_weather", location={"type": "string"})
MAGIC = tool("magic_function", input={"type": "integer"})
TOOLS = [MAGIC, WEATHER]


def test_name_words_split_snake_and_camel_case_and_drop_filler() -> None:
    assert name_words("get_current_weather") == ["current", "weather"]
    assert name_words("createMyHTTPTool") == ["http"]


@pytest.mark.parametrize(
    ("choice", "text", "expected"),
    [
        ({"type": "function", "function": {"name": "magic_function"}}, "x", MAGIC),
        ("auto", "What is magic_function(3)?", MAGIC),
        ("auto", "What is the weather in Boston?", WEATHER),
        ("auto", "Hello there", None),
        ("required", "Hello there", MAGIC),
        ("none", "What is magic_function(3)?", None),
        (None, "weather please", WEATHER),
    ],
)
def test_which_tool(choice: object, text: str, expected: object) -> None:
    assert choose_tool(TOOLS, choice, text) == expected


def test_a_named_choice_that_is_no_tool_fails() -> None:
    with pytest.raises(UnknownToolError, match="Tool 'nope' has not been passed"):
        choose_tool(TOOLS, {"type": "function", "function": {"name": "nope"}}, "x")


def test_call_literals_map_onto_the_schema_in_order() -> None:
    schema = tool("add", a={"type": "integer"}, b={"type": "number"})["function"][
        "parameters"
    ]
    assert build_arguments(schema, "add(2, '3.5')", name="add") == {"a": 2, "b": 3.5}
    assert build_arguments({"type": "object"}, "f()", name="f") == {}


def test_numbers_strings_enums_booleans_by_the_rules() -> None:
    schema = {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "minimum": 1, "maximum": 10},
            "city": {"type": "string"},
            "unit": {"enum": ["celsius", "fahrenheit"]},
            "verbose": {"type": "boolean"},
            "note": {"type": "string"},
        },
        "required": ["count", "city", "unit", "verbose"],
    }
    text = "Give me 40 forecasts for Lisbon, in fahrenheit."
    assert build_arguments(schema, text) == {
        "count": 10,  # clamped into bounds
        "city": "fahrenheit",  # the text after the last keyword ("in")
        "unit": "fahrenheit",
        "verbose": False,
    }
    assert build_arguments(schema, "'Porto' 'extra' verbose") == {
        "count": 1,  # no number: 0, clamped
        "city": "Porto",
        "unit": "celsius",
        "verbose": True,
        "note": "extra",  # optional, supplied by a quoted literal
    }


def test_json_instance_resolves_refs_and_skips_unsupplied_optionals() -> None:
    schema = {
        "type": "object",
        "properties": {
            "person": {"$ref": "#/$defs/Person"},
            "rating": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        },
        "required": ["person"],
        "$defs": {
            "Person": {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "required": ["name"],
            }
        },
    }
    assert json_instance(schema, "Tell me about 'Ada'") == {"person": {"name": "Ada"}}
    assert json_instance(schema, "Tell me about 'Ada', 5 stars")["rating"] == 5


def test_json_object_is_keyed_by_quoted_identifiers() -> None:
    text = "A joke about cats. Return JSON with 'setup' and 'punchline' keys."
    assert json_object_for(text) == {"setup": "cats", "punchline": "cats"}
    assert json_object_for("No quotes here.") == {}


UPSCALE = {
    "type": "object",
    "properties": {
        "image": {"type": "string", "description": "Input image (A URL or a path)"},
        "scale": {"type": "number", "minimum": 0, "maximum": 10},
    },
    "required": ["image"],
}


def test_url_arguments_take_the_given_urls_then_the_texts() -> None:
    result = (
        "flux made 1 file:\nhttp://127.0.0.1:8123/delivery/a1/out-0.webp (image/webp)"
    )
    (url,) = find_urls(result)
    assert url == "http://127.0.0.1:8123/delivery/a1/out-0.webp"
    # The results' URL first; the port and path are no numbers for `scale`.
    assert build_arguments(UPSCALE, "Upscale it.", urls=[url]) == {"image": url}
    text = "Upscale https://x.test/cat.png, 2 times."
    assert build_arguments(UPSCALE, text) == {
        "image": "https://x.test/cat.png",
        "scale": 2,
    }
    # Not a URL argument: a plain string takes the quoted literal, not the URL.
    plain = {"type": "object", "properties": {"prompt": {"type": "string"}}}
    assert build_arguments(plain, "'a cat' like https://x.test/c.png") == {
        "prompt": "a cat"
    }


def test_the_next_named_tool_follows_the_order_the_text_names() -> None:
    flux, esrgan, flux_short = tool("flux-schnell"), tool("real-esrgan"), tool("flux")
    tools = [esrgan, flux_short, flux]
    text = "Make an image with flux-schnell, then upscale it with real-esrgan."
    assert next_named_tool(tools, text, []) is flux  # ("flux" is inside it)
    assert next_named_tool(tools, text, ["flux-schnell"]) is esrgan
    assert next_named_tool(tools, text, ["flux-schnell", "real-esrgan"]) is None
    assert next_named_tool(tools, "What is the weather?", []) is None
