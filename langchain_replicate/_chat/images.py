"""The images of a conversation → image references and the model's image input.

Pure, no I/O. Messages are read as v1 standard blocks (see `_chat/messages.py`).

* `extract_images`: image references in message order. URLs pass through;
  inline bytes become `data:` URIs when at most `DATA_URI_MAX_BYTES` (256 KB,
  the size Replicate's API recommends data URIs for) and `ImageUpload`s above
  it, for the I/O layer to send through the files API. `ImageFile` is a file
  already on Replicate (a v1 block's `file_id`). These values, shared by every
  file input, are defined in `_inputs/uploads.py` (re-exported here).
* `image_slot`: which schema input takes the images (`image` for one,
  `image_input`/`images` for a list), with clear errors when the model takes
  no image or only one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_replicate._chat.messages import blocks, describe, is_image
from langchain_replicate._inputs.uploads import (
    DATA_URI_MAX_BYTES,
    ImageFile,
    ImageInput,
    ImageUpload,
    ImageURL,
    decode_base64,
    from_bytes,
    from_url,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_core.messages import BaseMessage

__all__ = [
    "DATA_URI_MAX_BYTES",
    "ImageFile",
    "ImageInput",
    "ImageSlot",
    "ImageURL",
    "ImageUpload",
    "extract_images",
    "image_from_block",
    "image_slot",
]


def image_from_block(block: Mapping[str, Any], where: str) -> ImageInput:
    if block.get("type") == "non_standard":
        # An OpenAI `image_url` part whose `image_url` is a bare string, which
        # langchain-core does not normalise.
        url = block["value"]["image_url"]
        if isinstance(url, str):
            return from_url(url, where)
    elif "url" in block:
        return from_url(block["url"], where)
    elif "base64" in block:
        data = decode_base64(block["base64"], where)
        return from_bytes(data, block.get("mime_type"))
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
            image_from_block(block, describe(message, i))
            for block in blocks(message)
            if is_image(block)
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
