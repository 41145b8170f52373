"""LangChain messages → the pieces of a Replicate model input (pure, no I/O).

Every message is read through `BaseMessage.content_blocks`, langchain-core's
normalisation to v1 standard blocks, so OpenAI `image_url` parts, v0
`source_type` blocks, Anthropic `source` blocks and v1 `ImageContentBlock`s all
arrive here as one shape: `{"type": "image", "url" | "base64" | "file_id": ...}`.

What this module produces:

* `to_turns` / `message_text`: role + text per message, for the prompt
  templates (`_prompts.py`) and the `messages` input. Text blocks are joined
  with newlines; reasoning blocks in AI messages are dropped (a model is not
  sent its own thoughts back); tool calls, tool/function messages and any other
  block (audio, video, files) raise `ValueError` naming the message.
* `to_openai_messages`: the `messages` input of Replicate's chat-shaped models
  (`openai/gpt-5-nano`, `openai/o4-mini`, ...). Their schema documents it as
  `[{"role": "user", "content": "Hello, how are you?"}]` and gives images their
  own `image_input` array, so content is always a string and images travel
  separately (`extract_images` + `image_slot`). That also keeps every byte
  payload on the one path that knows the 256 KB data-URI limit.
  `langchain_core.messages.convert_to_openai_messages` is not reused: it passes
  unknown blocks through, keeps tool calls and `tool` roles, and puts images in
  list content — all things this input cannot take.
* `to_chat_completion_messages`: the `messages` input of the chat-completions
  family (models with `messages` and `tools` inputs, e.g. IBM's Granite models
  on Replicate's vLLM predictor), in full OpenAI form: assistant turns keep
  their `tool_calls` (arguments as JSON strings), tool results are `tool` turns
  with their `tool_call_id`, images are `image_url` parts of the content, and
  `tool_use` / reasoning blocks of list content are dropped (the tool calls
  travel in `tool_calls`).
* `extract_images`: image references in message order. URLs pass through;
  inline bytes become `data:` URIs when at most `DATA_URI_MAX_BYTES` (256 KB,
  the size Replicate's API recommends data URIs for) and `ImageUpload`s above
  it, for the I/O layer to send through the files API. `ImageFile` is a file
  already on Replicate (a v1 block's `file_id`).
* `image_slot`: which schema input takes the images (`image` for one,
  `image_input`/`images` for a list), with clear errors when the model takes
  no image or only one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast
from urllib.parse import unquote_to_bytes

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

__all__ = [
    "DATA_URI_MAX_BYTES",
    "ImageFile",
    "ImageInput",
    "ImageSlot",
    "ImageURL",
    "ImageUpload",
    "Role",
    "Turn",
    "extract_images",
    "image_slot",
    "message_text",
    "to_chat_completion_messages",
    "to_openai_messages",
    "to_turns",
]

DATA_URI_MAX_BYTES = 256 * 1024
"""Largest image (decoded bytes) sent inline as a `data:` URI; larger ones are
uploaded. Replicate's API recommends data URIs for files of 256 KB or less."""

Role = Literal["system", "user", "assistant"]

_CHAT_MESSAGE_ROLES: Mapping[str, Role] = {
    "system": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
}
_SKIPPED_BLOCKS = frozenset({"reasoning"})
"""Blocks dropped from AI messages: the model's own reasoning is not resent."""

# Magic numbers of the image formats vision models take, for base64 data that
# comes without a MIME type.
_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_DATA_URI = re.compile(
    r"data:(?P<mime>[^;,]*)(?P<params>(;[^;,]*)*),(?P<data>.*)", re.DOTALL
)


@dataclass(frozen=True)
class Turn:
    """One message reduced to what a prompt template needs."""

    role: Role
    text: str
    """The message's text blocks joined with newlines."""


@dataclass(frozen=True)
class ImageURL:
    """An image the model can fetch as is: `https://...` or a small `data:` URI."""

    url: str


@dataclass(frozen=True)
class ImageUpload:
    """Image bytes too large for a data URI; upload them, then pass the file URL."""

    data: bytes
    mime_type: str


@dataclass(frozen=True)
class ImageFile:
    """An image already in Replicate's files API, by id (from a v1 `file_id`).

    The I/O layer passes the file's `urls.get`, `{base_url}/v1/files/{file_id}`.
    """

    file_id: str


ImageInput = ImageURL | ImageUpload | ImageFile
"""One image reference; the I/O layer turns each into a URL string."""


def _blocks(message: BaseMessage) -> list[dict[str, Any]]:
    """The message's content as v1 standard blocks, typed loosely for `.get`."""
    return cast("list[dict[str, Any]]", message.content_blocks)


def _describe(message: BaseMessage, index: int) -> str:
    return f"messages[{index}] ({type(message).__name__})"


def _role(message: BaseMessage, index: int) -> Role:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        if message.tool_calls or message.invalid_tool_calls:
            msg = (
                f"{_describe(message, index)} has tool calls; ChatReplicate does not "
                "support tool calling, so a history with tool calls cannot be sent."
            )
            raise ValueError(msg)
        return "assistant"
    if isinstance(message, ChatMessage) and message.role in _CHAT_MESSAGE_ROLES:
        return _CHAT_MESSAGE_ROLES[message.role]
    if isinstance(message, ChatMessage):
        msg = (
            f"{_describe(message, index)} has role {message.role!r}; supported roles "
            f"are: {', '.join(sorted(_CHAT_MESSAGE_ROLES))}."
        )
        # Unsupported kinds of message are bad input values, like every other
        # input error in this module.
        raise ValueError(msg)  # noqa: TRY004
    msg = (
        f"{_describe(message, index)}: {message.type!r} messages are not supported; "
        "ChatReplicate takes system, human and AI messages only (no tool calling)."
    )
    raise ValueError(msg)


def message_text(
    message: BaseMessage, *, index: int = 0, allow_images: bool = False
) -> str:
    """Return the text of a message, its text blocks joined with newlines.

    Args:
        message: The message to read.
        index: Its position in the conversation, used in error messages.
        allow_images: Skip image blocks (the caller sends them through
            `extract_images`) instead of rejecting them.

    Returns:
        The text; empty if the message has none.

    Raises:
        ValueError: If the message holds an image (and `allow_images` is false)
            or any other non-text block (audio, video, file, tool call...).
    """
    texts: list[str] = []
    for block in _blocks(message):
        kind = block["type"]
        if kind == "text":
            texts.append(block["text"])
        elif kind in _SKIPPED_BLOCKS or (allow_images and _is_image(block)):
            continue
        elif _is_image(block):
            msg = (
                f"{_describe(message, index)} contains an image, but this model input "
                "takes text only."
            )
            raise ValueError(msg)
        else:
            msg = (
                f"{_describe(message, index)} contains an unsupported {kind!r} content "
                "block; ChatReplicate sends text and images only."
            )
            raise ValueError(msg)
    return "\n".join(texts)


def to_turns(
    messages: Sequence[BaseMessage], *, allow_images: bool = False
) -> list[Turn]:
    """Reduce messages to (role, text) turns, checking each is supported.

    Args:
        messages: The conversation.
        allow_images: Skip image blocks instead of rejecting them.

    Returns:
        One `Turn` per message, in order.

    Raises:
        ValueError: On tool or function messages, AI messages with tool calls,
            unknown `ChatMessage` roles, or unsupported content (see
            `message_text`).
    """
    return [
        Turn(_role(m, i), message_text(m, index=i, allow_images=allow_images))
        for i, m in enumerate(messages)
    ]


def to_openai_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """Build the `messages` input: `[{"role": ..., "content": "..."}]`.

    Roles are `system`, `user` and `assistant`; content is always a string.
    Images are left out here: send them through `extract_images` and the
    schema's image input (`image_slot`).

    Args:
        messages: The conversation.

    Returns:
        The list for the `messages` input.

    Raises:
        ValueError: As `to_turns`.
    """
    return [
        {"role": turn.role, "content": turn.text}
        for turn in to_turns(messages, allow_images=True)
    ]


def _is_image(block: Mapping[str, Any]) -> bool:
    if block.get("type") == "image":
        return True
    value = block.get("value")
    return (
        block.get("type") == "non_standard"
        and isinstance(value, Mapping)
        and value.get("type") == "image_url"
    )


def _sniff_mime_type(data: bytes) -> str:
    for signature, mime_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def _from_bytes(data: bytes, mime_type: str | None) -> ImageURL | ImageUpload:
    mime_type = mime_type or _sniff_mime_type(data)
    if len(data) > DATA_URI_MAX_BYTES:
        return ImageUpload(data=data, mime_type=mime_type)
    encoded = base64.b64encode(data).decode("ascii")
    return ImageURL(f"data:{mime_type};base64,{encoded}")


def _decode_base64(data: str, where: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as e:
        msg = f"{where} has base64 image data that does not decode: {e}"
        raise ValueError(msg) from e


def _from_url(url: str, where: str) -> ImageURL | ImageUpload:
    if not url.startswith("data:"):
        return ImageURL(url)
    match = _DATA_URI.fullmatch(url)
    if match is None:
        msg = f"{where} has a malformed data: URI (expected data:<mime>;base64,...)."
        raise ValueError(msg)
    if ";base64" in match["params"]:
        data = _decode_base64(match["data"], where)
    else:
        data = unquote_to_bytes(match["data"])
    if len(data) <= DATA_URI_MAX_BYTES:
        return ImageURL(url)
    return ImageUpload(data=data, mime_type=match["mime"] or _sniff_mime_type(data))


def _image_from_block(block: Mapping[str, Any], where: str) -> ImageInput:
    if block.get("type") == "non_standard":
        # An OpenAI `image_url` part whose `image_url` is a bare string, which
        # langchain-core does not normalise.
        url = block["value"]["image_url"]
        if isinstance(url, str):
            return _from_url(url, where)
    elif "url" in block:
        return _from_url(block["url"], where)
    elif "base64" in block:
        data = _decode_base64(block["base64"], where)
        return _from_bytes(data, block.get("mime_type"))
    elif "file_id" in block:
        return ImageFile(block["file_id"])
    msg = f"{where} has an image block without a url, base64 data or file_id."
    raise ValueError(msg)


def extract_images(messages: Sequence[BaseMessage]) -> list[ImageInput]:
    """Collect every image in the conversation, in order.

    Accepts OpenAI `image_url` parts (URL or data URI), v0 base64/url blocks,
    Anthropic `source` blocks and v1 `ImageContentBlock`s (`url`, `base64` +
    `mime_type`, `file_id`).

    Args:
        messages: The conversation.

    Returns:
        `ImageURL` for URLs and for inline data of at most `DATA_URI_MAX_BYTES`
        (as a `data:` URI), `ImageUpload` for larger inline data, `ImageFile`
        for a `file_id`.

    Raises:
        ValueError: On base64 that does not decode, a malformed data URI, or an
            image block with no source.
    """
    images: list[ImageInput] = []
    for i, message in enumerate(messages):
        images.extend(
            _image_from_block(block, _describe(message, i))
            for block in _blocks(message)
            if _is_image(block)
        )
    return images


@dataclass(frozen=True)
class ImageSlot:
    """The schema input that takes images."""

    name: str
    """Input name, e.g. `image` or `image_input`."""
    multiple: bool
    """True when the input is an array of URIs, false for a single URI."""

    def fill(self, urls: Sequence[str]) -> dict[str, str | list[str]]:
        """Return the input entry for these image URLs.

        Args:
            urls: The images, already URLs (uploads done).

        Returns:
            `{name: [urls...]}` for an array input, `{name: url}` for a single one.

        Raises:
            ValueError: If the input takes one image and `urls` is not one.
        """
        if self.multiple:
            return {self.name: list(urls)}
        if len(urls) != 1:
            msg = f"input {self.name!r} takes exactly one image; got {len(urls)}."
            raise ValueError(msg)
        return {self.name: urls[0]}


_IMAGE_INPUT_NAMES = ("image_input", "images", "image", "input_image", "input_images")
"""Names taken as image inputs even when the schema omits `format: uri`."""


def _takes_uris(spec: Mapping[str, Any]) -> tuple[bool, bool]:
    """Return (takes a URI string, takes an array of URI strings)."""
    if spec.get("type") == "array":
        items = spec.get("items")
        if isinstance(items, Mapping) and items.get("type", "string") == "string":
            return False, items.get("format") == "uri"
        return False, False
    return spec.get("format") == "uri", False


def _order(properties: Mapping[str, Any], name: str) -> tuple[int, str]:
    order = properties[name].get("x-order")
    return (order if isinstance(order, int) else 1_000_000, name)


def image_slot(
    input_schema: Mapping[str, Any], *, model: str, count: int
) -> ImageSlot | None:
    """Find the model's image input and check it can take `count` images.

    An image input is a property named in `_IMAGE_INPUT_NAMES` (`image_input`,
    `images`, `image`, ...) or any property whose name contains "image" and
    that takes a URI or an array of URIs. When several qualify, the named ones
    win, then the lowest `x-order`. Call this before uploading anything, so a
    request that cannot succeed fails before any I/O.

    Args:
        input_schema: The version's `components.schemas.Input` object.
        model: The model reference, for error messages.
        count: How many images the conversation holds.

    Returns:
        The slot, or `None` when `count` is 0.

    Raises:
        ValueError: If there are images but the model takes none, or it takes
            a single image and `count` is more than one.
    """
    if count == 0:
        return None
    properties: Mapping[str, Any] = input_schema.get("properties", {})
    candidates: list[tuple[int, tuple[int, str], ImageSlot]] = []
    for name, spec in properties.items():
        single, multiple = _takes_uris(spec)
        named = name in _IMAGE_INPUT_NAMES
        if named and not multiple and spec.get("type") == "array":
            multiple = True
        elif named and not multiple and spec.get("type") == "string":
            single = True
        if (named or "image" in name) and (single or multiple):
            rank = 0 if named else 1
            candidates.append(
                (rank, _order(properties, name), ImageSlot(name, multiple))
            )
    if not candidates:
        inputs = ", ".join(sorted(properties, key=lambda n: _order(properties, n)))
        msg = (
            f"model {model} takes no image input; its inputs are: {inputs}. "
            "Remove the images or use a vision model."
        )
        raise ValueError(msg)
    slot = min(candidates, key=lambda c: (c[0], c[1]))[2]
    if not slot.multiple and count > 1:
        msg = (
            f"model {model} takes a single image (input {slot.name!r}), "
            f"but the messages hold {count}."
        )
        raise ValueError(msg)
    return slot


# --- the chat-completions family: full OpenAI form ---------------------------------

_TOOL_BLOCKS = frozenset(
    {"tool_call", "tool_call_chunk", "invalid_tool_call", "server_tool_call"}
)
"""Blocks of an AI message that travel in `tool_calls`, not in the content."""


def _completion_text(message: BaseMessage, index: int, *, skip: frozenset[str]) -> str:
    texts: list[str] = []
    for block in _blocks(message):
        kind = block["type"]
        if kind == "text":
            texts.append(block["text"])
        elif kind in skip or kind in _SKIPPED_BLOCKS or _is_tool_use(block):
            continue
        else:
            msg = (
                f"{_describe(message, index)} contains an unsupported {kind!r} content "
                "block; this model takes text, images and tool calls only."
            )
            raise ValueError(msg)
    return "\n".join(texts)


def _is_tool_use(block: Mapping[str, Any]) -> bool:
    """An Anthropic-style `tool_use` block (langchain-core keeps it non-standard)."""
    value = block.get("value")
    return (
        block.get("type") == "non_standard"
        and isinstance(value, Mapping)
        and value.get("type") == "tool_use"
    )


def _image_part(image: ImageInput, where: str) -> dict[str, Any]:
    if isinstance(image, ImageURL):
        url = image.url
    elif isinstance(image, ImageUpload):
        encoded = base64.b64encode(image.data).decode("ascii")
        url = f"data:{image.mime_type};base64,{encoded}"
    else:
        msg = (
            f"{where} refers to a file by id ({image.file_id}); this model takes "
            "images as URLs or inline data in the message."
        )
        raise ValueError(msg)  # noqa: TRY004 - a bad input value, like the others
    return {"type": "image_url", "image_url": {"url": url}}


def _user_content(message: BaseMessage, index: int) -> str | list[dict[str, Any]]:
    where = _describe(message, index)
    images = [
        _image_from_block(block, where)
        for block in _blocks(message)
        if _is_image(block)
    ]
    text = _completion_text(message, index, skip=frozenset({"image", "non_standard"}))
    if not images:
        return text
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    return parts + [_image_part(image, where) for image in images]


def _openai_tool_calls(message: AIMessage) -> list[dict[str, Any]]:
    calls = [
        {
            "id": call.get("id") or "",
            "type": "function",
            "function": {
                "name": call["name"],
                "arguments": json.dumps(call["args"], ensure_ascii=False),
            },
        }
        for call in message.tool_calls
    ]
    calls.extend(
        {
            "id": call.get("id") or "",
            "type": "function",
            "function": {
                "name": call.get("name") or "",
                "arguments": call.get("args") or "{}",
            },
        }
        for call in message.invalid_tool_calls
    )
    return calls


def _completion_message(message: BaseMessage, index: int) -> dict[str, Any]:
    if isinstance(message, ToolMessage):
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "content": _completion_text(message, index, skip=frozenset()),
        }
    if isinstance(message, AIMessage):
        turn: dict[str, Any] = {
            "role": "assistant",
            "content": _completion_text(message, index, skip=_TOOL_BLOCKS),
        }
        if calls := _openai_tool_calls(message):
            turn["tool_calls"] = calls
            turn["content"] = turn["content"] or None
        return turn
    role = _role(message, index)
    if role == "user":
        return {"role": "user", "content": _user_content(message, index)}
    return {"role": role, "content": _completion_text(message, index, skip=frozenset())}


def to_chat_completion_messages(
    messages: Sequence[BaseMessage],
) -> list[dict[str, Any]]:
    """Build the chat-completions family's `messages` input (full OpenAI form).

    Args:
        messages: The conversation: system, human (text and images), AI (text
            and tool calls) and tool messages.

    Returns:
        OpenAI chat messages.

    Raises:
        ValueError: On function messages, unknown roles, or content other
            than text, images and tool calls (e.g. audio).
    """
    return [_completion_message(m, i) for i, m in enumerate(messages)]
