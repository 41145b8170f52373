"""Messages → `messages` input, image references and the schema's image input."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_replicate._chat.images import ImageSlot, extract_images, image_slot
from langchain_replicate._chat.messages import Turn, message_text, to_turns
from langchain_replicate._chat.openai_messages import to_openai_messages
from langchain_replicate._inputs.uploads import (
    DATA_URI_MAX_BYTES,
    ImageFile,
    ImageUpload,
    ImageURL,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_MAGIC_B64 = "iVBORw0KGgo="  # base64 of the 8 PNG signature bytes
URL = "https://example.com/cat.png"


def png(size: int) -> bytes:
    """PNG-looking bytes of exactly `size` bytes."""
    return PNG_MAGIC + b"\0" * (size - len(PNG_MAGIC))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def human(*blocks: Any) -> HumanMessage:
    return HumanMessage([{"type": "text", "text": "look"}, *blocks])


# --- the `messages` input ---------------------------------------------------


def test_to_openai_messages_roles_and_string_content() -> None:
    messages: list[BaseMessage] = [
        SystemMessage("Be brief."),
        HumanMessage("Hi"),
        AIMessage("Hello!"),
        HumanMessage([{"type": "text", "text": "a"}, "b"]),
    ]
    assert to_openai_messages(messages) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "a\nb"},
    ]


def test_to_openai_messages_leaves_images_to_the_image_input() -> None:
    messages: list[BaseMessage] = [
        human({"type": "image_url", "image_url": {"url": URL}}),
    ]
    assert to_openai_messages(messages) == [{"role": "user", "content": "look"}]
    assert extract_images(messages) == [ImageURL(URL)]


def test_to_openai_messages_rejects_tool_messages() -> None:
    messages: list[BaseMessage] = [
        HumanMessage("Hi"),
        ToolMessage("42", tool_call_id="1"),
    ]
    with pytest.raises(ValueError, match="'tool' messages are not supported"):
        to_openai_messages(messages)


def test_to_openai_messages_drops_ai_reasoning() -> None:
    ai = AIMessage(
        [{"type": "reasoning", "reasoning": "hmm"}, {"type": "text", "text": "42"}]
    )
    assert to_openai_messages([HumanMessage("Q"), ai])[1] == {
        "role": "assistant",
        "content": "42",
    }


def test_to_turns_and_message_text() -> None:
    assert to_turns([SystemMessage("S"), HumanMessage("U")]) == [
        Turn("system", "S"),
        Turn("user", "U"),
    ]
    assert message_text(HumanMessage("")) == ""
    with pytest.raises(ValueError, match="takes text only") as info:
        message_text(human({"type": "image", "url": URL}), index=3)
    assert str(info.value) == (
        "messages[3] (HumanMessage) contains an image, but this model input takes "
        "text only."
    )
    assert message_text(human({"type": "image", "url": URL}), allow_images=True) == (
        "look"
    )


def test_message_text_rejects_files() -> None:
    message = human({"type": "file", "base64": "AAAA", "mime_type": "application/pdf"})
    with pytest.raises(ValueError, match="unsupported 'file' content block") as info:
        message_text(message, allow_images=True)
    assert str(info.value) == (
        "messages[0] (HumanMessage) contains an unsupported 'file' content block; "
        "ChatReplicate sends text and images only."
    )


# --- image extraction: every block shape ----------------------------------


SMALL = png(100)
SMALL_URI = f"data:image/png;base64,{b64(SMALL)}"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        # OpenAI Chat Completions parts
        ({"type": "image_url", "image_url": {"url": URL}}, ImageURL(URL)),
        (
            {"type": "image_url", "image_url": {"url": URL, "detail": "high"}},
            ImageURL(URL),
        ),
        ({"type": "image_url", "image_url": URL}, ImageURL(URL)),
        ({"type": "image_url", "image_url": {"url": SMALL_URI}}, ImageURL(SMALL_URI)),
        # LangChain v0 blocks
        ({"type": "image", "source_type": "url", "url": URL}, ImageURL(URL)),
        (
            {
                "type": "image",
                "source_type": "base64",
                "data": b64(SMALL),
                "mime_type": "image/png",
            },
            ImageURL(SMALL_URI),
        ),
        # Anthropic
        (
            {
                "type": "image",
                "source": {
                    "type": "base64",
                    "media_type": "image/png",
                    "data": b64(SMALL),
                },
            },
            ImageURL(SMALL_URI),
        ),
        # v1 ImageContentBlock
        ({"type": "image", "url": URL}, ImageURL(URL)),
        (
            {"type": "image", "base64": b64(SMALL), "mime_type": "image/png"},
            ImageURL(SMALL_URI),
        ),
        ({"type": "image", "file_id": "abc123"}, ImageFile("abc123")),
    ],
)
def test_extract_images_block_shapes(block: dict[str, Any], expected: Any) -> None:
    assert extract_images([human(block)]) == [expected]


def test_extract_images_exact_data_uri() -> None:
    block = {"type": "image", "base64": PNG_MAGIC_B64, "mime_type": "image/png"}
    assert extract_images([human(block)]) == [
        ImageURL("data:image/png;base64,iVBORw0KGgo=")
    ]


@pytest.mark.parametrize(
    ("data", "mime_type"),
    [
        (PNG_MAGIC, "image/png"),
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"not an image", "application/octet-stream"),
    ],
)
def test_base64_without_mime_type_is_sniffed(data: bytes, mime_type: str) -> None:
    block = {"type": "image", "base64": b64(data)}
    assert extract_images([human(block)]) == [
        ImageURL(f"data:{mime_type};base64,{b64(data)}")
    ]


def test_extract_images_in_message_order_across_messages() -> None:
    messages: list[BaseMessage] = [
        SystemMessage("S"),
        human({"type": "image", "url": "https://a/1.png"}),
        AIMessage("ok"),
        human(
            {"type": "image", "url": "https://a/2.png"},
            {"type": "image_url", "image_url": {"url": "https://a/3.png"}},
        ),
    ]
    assert extract_images(messages) == [
        ImageURL("https://a/1.png"),
        ImageURL("https://a/2.png"),
        ImageURL("https://a/3.png"),
    ]
    assert extract_images([HumanMessage("no images")]) == []


# --- the 256 KB threshold ---------------------------------------------------


def test_threshold_is_256_kib() -> None:
    assert DATA_URI_MAX_BYTES == 262_144


def test_base64_at_the_threshold_is_a_data_uri() -> None:
    data = png(DATA_URI_MAX_BYTES)
    block = {"type": "image", "base64": b64(data), "mime_type": "image/png"}
    assert extract_images([human(block)]) == [
        ImageURL(f"data:image/png;base64,{b64(data)}")
    ]


def test_base64_above_the_threshold_is_an_upload() -> None:
    data = png(DATA_URI_MAX_BYTES + 1)
    block = {"type": "image", "base64": b64(data), "mime_type": "image/png"}
    assert extract_images([human(block)]) == [ImageUpload(data, "image/png")]


def test_data_uri_at_the_threshold_passes_through() -> None:
    uri = f"data:image/jpeg;base64,{b64(png(DATA_URI_MAX_BYTES))}"
    block = {"type": "image_url", "image_url": {"url": uri}}
    assert extract_images([human(block)]) == [ImageURL(uri)]


def test_data_uri_above_the_threshold_is_an_upload() -> None:
    data = png(DATA_URI_MAX_BYTES + 1)
    block = {
        "type": "image_url",
        "image_url": {"url": f"data:image/jpeg;base64,{b64(data)}"},
    }
    # The declared MIME type is kept, not sniffed.
    assert extract_images([human(block)]) == [ImageUpload(data, "image/jpeg")]


def test_percent_encoded_data_uri_above_the_threshold() -> None:
    body = "%20" * (DATA_URI_MAX_BYTES + 1)
    block = {"type": "image", "url": f"data:image/svg+xml,{body}"}
    assert extract_images([human(block)]) == [
        ImageUpload(b" " * (DATA_URI_MAX_BYTES + 1), "image/svg+xml")
    ]


def test_url_size_is_never_checked() -> None:
    long_url = URL + "?" + "x" * (DATA_URI_MAX_BYTES + 1)
    assert extract_images([human({"type": "image", "url": long_url})]) == [
        ImageURL(long_url)
    ]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {"type": "image", "base64": "not base64!", "mime_type": "image/png"},
            "messages[0] (HumanMessage) has base64 image data that does not decode",
        ),
        (
            {"type": "image", "url": "data:image/png;base64"},
            (
                "messages[0] (HumanMessage) has a malformed data: URI (expected "
                "data:<mime>;base64,...)."
            ),
        ),
        (
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}},
            "messages[0] (HumanMessage) has base64 image data that does not decode",
        ),
    ],
)
def test_bad_image_data(block: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="messages\\[0\\]") as info:
        extract_images([human(block)])
    assert str(info.value).startswith(message)


# --- mapping onto the schema's image input ---------------------------------

GPT_5_NANO_INPUT: dict[str, Any] = {
    "type": "object",
    "title": "Input",
    "properties": {
        "prompt": {"type": "string", "x-order": 0},
        "system_prompt": {"type": "string", "x-order": 1},
        "messages": {"type": "array", "items": {"type": "object"}, "x-order": 2},
        "image_input": {
            "type": "array",
            "items": {"type": "string", "format": "uri"},
            "default": [],
            "x-order": 3,
        },
        "reasoning_effort": {"type": "string", "x-order": 4},
    },
}
LLAVA_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "image": {"type": "string", "format": "uri", "x-order": 0},
        "prompt": {"type": "string", "x-order": 1},
        "top_p": {"type": "number", "x-order": 2},
        "temperature": {"type": "number", "x-order": 3},
        "max_tokens": {"type": "integer", "x-order": 4},
    },
    "required": ["image", "prompt"],
}
LLAMA_3_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "prompt": {"type": "string", "x-order": 0},
        "max_tokens": {"type": "integer", "x-order": 2},
        "min_tokens": {"type": "integer", "x-order": 1},
        "prompt_template": {"type": "string", "x-order": 8},
    },
}


def test_image_slot_array_input() -> None:
    slot = image_slot(GPT_5_NANO_INPUT, model="openai/gpt-5-nano", count=3)
    assert slot == ImageSlot("image_input", multiple=True)
    assert slot.fill(["https://a/1.png", "data:image/png;base64,AA=="]) == {
        "image_input": ["https://a/1.png", "data:image/png;base64,AA=="]
    }


def test_image_slot_single_input() -> None:
    slot = image_slot(LLAVA_INPUT, model="yorickvp/llava-13b", count=1)
    assert slot == ImageSlot("image", multiple=False)
    assert slot.fill(["https://a/1.png"]) == {"image": "https://a/1.png"}


def test_image_slot_no_images_needs_nothing() -> None:
    assert (
        image_slot(LLAMA_3_INPUT, model="meta/meta-llama-3-8b-instruct", count=0)
        is None
    )


def test_image_slot_model_without_image_input() -> None:
    with pytest.raises(ValueError, match="takes no image input") as info:
        image_slot(LLAMA_3_INPUT, model="meta/meta-llama-3-8b-instruct", count=1)
    assert str(info.value) == (
        "model meta/meta-llama-3-8b-instruct takes no image input; its inputs are: "
        "prompt, min_tokens, max_tokens, prompt_template. Remove the images or use "
        "a vision model."
    )


def test_image_slot_single_input_several_images() -> None:
    with pytest.raises(ValueError, match="takes a single image") as info:
        image_slot(LLAVA_INPUT, model="yorickvp/llava-13b", count=2)
    assert str(info.value) == (
        "model yorickvp/llava-13b takes a single image (input 'image'), but the "
        "messages hold 2."
    )


def test_fill_checks_the_count_of_a_single_input() -> None:
    with pytest.raises(ValueError, match="takes exactly one image") as info:
        ImageSlot("image", multiple=False).fill(["a", "b"])
    assert str(info.value) == "input 'image' takes exactly one image; got 2."


def test_image_slot_prefers_named_inputs_then_x_order() -> None:
    schema: dict[str, Any] = {
        "properties": {
            "mask_image": {"type": "string", "format": "uri", "x-order": 0},
            "prompt": {"type": "string", "x-order": 1},
            "image": {"type": "string", "format": "uri", "x-order": 2},
            "images": {
                "type": "array",
                "items": {"type": "string", "format": "uri"},
                "x-order": 3,
            },
        }
    }
    assert image_slot(schema, model="m/m", count=1) == ImageSlot(
        "image", multiple=False
    )


def test_image_slot_unnamed_uri_input_containing_image() -> None:
    schema: dict[str, Any] = {
        "properties": {
            "prompt": {"type": "string", "x-order": 0},
            "reference_image": {"type": "string", "format": "uri", "x-order": 1},
            "image_count": {"type": "integer", "x-order": 2},
        }
    }
    assert image_slot(schema, model="m/m", count=1) == ImageSlot(
        "reference_image", multiple=False
    )


def test_image_slot_named_input_without_uri_format() -> None:
    schema: dict[str, Any] = {
        "properties": {
            "prompt": {"type": "string", "x-order": 0},
            "image": {"type": "string", "x-order": 1},
        }
    }
    assert image_slot(schema, model="m/m", count=1) == ImageSlot(
        "image", multiple=False
    )
    array_schema: dict[str, Any] = {
        "properties": {"images": {"type": "array", "items": {"type": "string"}}}
    }
    assert image_slot(array_schema, model="m/m", count=2) == ImageSlot(
        "images", multiple=True
    )


def test_image_slot_ignores_non_uri_properties_named_image() -> None:
    schema: dict[str, Any] = {
        "properties": {
            "prompt": {"type": "string", "x-order": 0},
            "return_image": {"type": "boolean", "x-order": 1},
            "image_size": {"type": "string", "x-order": 2},
        }
    }
    with pytest.raises(ValueError, match="takes no image input"):
        image_slot(schema, model="m/m", count=1)
