"""LangChain messages → role + text turns (pure, no I/O).

Every message is read through `BaseMessage.content_blocks`, langchain-core's
normalisation to v1 standard blocks, so OpenAI `image_url` parts, v0
`source_type` blocks, Anthropic `source` blocks and v1 `ImageContentBlock`s all
arrive here as one shape: `{"type": "image", "url" | "base64" | "file_id": ...}`.

What this module produces:

* `to_turns` / `message_text`: role + text per message, for the prompt
  templates (`_chat/prompts.py`) and the `messages` input. Text blocks are joined
  with newlines; reasoning blocks in AI messages are dropped (a model is not
  sent its own thoughts back); tool calls, tool/function messages and any other
  block (audio, video, files) raise `ValueError` naming the message.
* The block readers the other message modules share: `blocks`, `describe`,
  `is_image`, `message_role`, `SKIPPED_BLOCKS`.
* `check_text_only`: the `Replicate` LLM flattens a message list to text; a
  message with an image is refused rather than sent without its image.

The images of a conversation are read by `_chat/images.py`; the OpenAI-form
`messages` inputs are built by `_chat/openai_messages.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
)

from langchain_replicate.errors import ReplicateInputError

__all__ = [
    "SKIPPED_BLOCKS",
    "Role",
    "Turn",
    "blocks",
    "describe",
    "is_image",
    "message_role",
    "message_text",
    "to_turns",
]

Role = Literal["system", "user", "assistant"]

_CHAT_MESSAGE_ROLES: Mapping[str, Role] = {
    "system": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
}
SKIPPED_BLOCKS = frozenset({"reasoning"})
"""Blocks dropped from AI messages: the model's own reasoning is not resent."""


@dataclass(frozen=True)
class Turn:
    """One message reduced to what a prompt template needs."""

    role: Role
    text: str
    """The message's text blocks joined with newlines."""


def blocks(message: BaseMessage) -> list[dict[str, Any]]:
    """The message's content as v1 standard blocks, typed loosely for `.get`."""
    return cast("list[dict[str, Any]]", message.content_blocks)


def describe(message: BaseMessage, index: int) -> str:
    return f"messages[{index}] ({type(message).__name__})"


def message_role(message: BaseMessage, index: int) -> Role:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        if message.tool_calls or message.invalid_tool_calls:
            msg = (
                f"{describe(message, index)} has tool calls; ChatReplicate does not "
                "support tool calling, so a history with tool calls cannot be sent."
            )
            raise ValueError(msg)
        return "assistant"
    if isinstance(message, ChatMessage) and message.role in _CHAT_MESSAGE_ROLES:
        return _CHAT_MESSAGE_ROLES[message.role]
    if isinstance(message, ChatMessage):
        msg = (
            f"{describe(message, index)} has role {message.role!r}; supported roles "
            f"are: {', '.join(sorted(_CHAT_MESSAGE_ROLES))}."
        )
        # Unsupported kinds of message are bad input values, like every other
        # input error in this module.
        raise ValueError(msg)  # noqa: TRY004
    msg = (
        f"{describe(message, index)}: {message.type!r} messages are not supported; "
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
    for block in blocks(message):
        kind = block["type"]
        if kind == "text":
            texts.append(block["text"])
        elif kind in SKIPPED_BLOCKS or (allow_images and is_image(block)):
            continue
        elif is_image(block):
            msg = (
                f"{describe(message, index)} contains an image, but this model input "
                "takes text only."
            )
            raise ValueError(msg)
        else:
            msg = (
                f"{describe(message, index)} contains an unsupported {kind!r} content "
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
        Turn(message_role(m, i), message_text(m, index=i, allow_images=allow_images))
        for i, m in enumerate(messages)
    ]


def is_image(block: Mapping[str, Any]) -> bool:
    if block.get("type") == "image":
        return True
    value = block.get("value")
    return (
        block.get("type") == "non_standard"
        and isinstance(value, Mapping)
        and value.get("type") == "image_url"
    )


def check_text_only(messages: Sequence[BaseMessage]) -> None:
    """Refuse a conversation with images where only its text would be sent.

    Args:
        messages: The messages given to the `Replicate` LLM.

    Raises:
        ReplicateInputError: If a message holds an image (naming it).
    """
    for i, message in enumerate(messages):
        if any(is_image(block) for block in blocks(message)):
            msg = (
                f"{describe(message, i)} holds an image, and the Replicate LLM "
                "sends text only (it would drop the image). Use ChatReplicate, "
                "which sends images to models with an image input, or pass the "
                "image URL as a model input (e.g. invoke(text, image=url))."
            )
            raise ReplicateInputError(msg)
