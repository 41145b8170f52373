"""LangChain messages → the OpenAI-form `messages` inputs of Replicate models (pure).

* `to_openai_messages`: the `messages` input of Replicate's chat-shaped models
  (`openai/gpt-5-nano`, `openai/o4-mini`, ...). Their schema documents it as
  `[{"role": "user", "content": "Hello, how are you?"}]` and gives images their
  own `image_input` array, so content is always a string and images travel
  separately (`_chat.images.extract_images` + `image_slot`). That also keeps
  every byte payload on the one path that knows the 256 KB data-URI limit.
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
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from langchain_replicate._chat.images import image_from_block
from langchain_replicate._chat.messages import (
    SKIPPED_BLOCKS,
    blocks,
    describe,
    is_image,
    message_role,
    to_turns,
)
from langchain_replicate._inputs.uploads import ImageInput, ImageUpload, ImageURL

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["to_chat_completion_messages", "to_openai_messages"]


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


_TOOL_BLOCKS = frozenset(
    {"tool_call", "tool_call_chunk", "invalid_tool_call", "server_tool_call"}
)
"""Blocks of an AI message that travel in `tool_calls`, not in the content."""


def _completion_text(message: BaseMessage, index: int, *, skip: frozenset[str]) -> str:
    texts: list[str] = []
    for block in blocks(message):
        kind = block["type"]
        if kind == "text":
            texts.append(block["text"])
        elif kind in skip or kind in SKIPPED_BLOCKS or _is_tool_use(block):
            continue
        else:
            msg = (
                f"{describe(message, index)} contains an unsupported {kind!r} content "
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
    where = describe(message, index)
    images = [
        image_from_block(block, where) for block in blocks(message) if is_image(block)
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
    role = message_role(message, index)
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
