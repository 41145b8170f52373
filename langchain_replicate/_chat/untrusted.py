"""Untrusted text stays text: special tokens in message content neutralized (pure).

A conversation's content comes from people and programs the developer does
not control: a user's words, a page a tool fetched, a document retrieval
found, earlier AI replies built from those. When that text lands inside a
prompt string (our chat template, the tools-by-prompt tags, or a template
the model's server applies to `prompt`, `system_prompt` or `messages`), a
`<|eot_id|>` or `</tool_response>` in it would be read by the tokenizer as
structure: a forged turn, a forged tool call.

`neutralize_messages` is the one place this is prevented. It runs once per
call, first in `_chat.inputs.chat_prompt`, before tools are lowered into
turns (whose `<tool_call>` / `<tool_response>` tags are then ours, and
live) and before any rendering. In the content of human, AI (text, tool-call
arguments) and tool messages, every special token of the set in force gets a
ZERO WIDTH SPACE (U+200B, `MARK`) after its first character: `<|eot_id|>`
becomes `<` + U+200B + `|eot_id|>`. A tokenizer then reads plain characters
(no special id; for the bracket families such as `[INST]`, not the byte
sequence the template writes either), while the model still sees the same
words. A U+200B already in the content is doubled, so the mark is
unambiguous: `restore` removes a lone mark and halves a run, giving back
the original exactly. System messages are the developer's and are left as
they are; so is the `Replicate` LLM's prompt (the caller writes the
template there).

The set in force (`special_tokens`): the Hermes tool tags of tools by
prompt (`<tools>`, `<tool_call>`, `<tool_response>` and their closers),
plus the model's family by name (`_chat.template_choice`, and Granite),
plus an explicit `prompt_template`'s family (a built-in's tokens, or a
`ChatTemplate`'s literal parts); when the model's family is unknown, the
union of every family below (`GENERIC`).

* llama-2: `<s>` `</s>` `[INST]` `[/INST]` `<<SYS>>` `<</SYS>>`
* llama-3: `<|begin_of_text|>` `<|end_of_text|>` `<|start_header_id|>`
  `<|end_header_id|>` `<|eot_id|>` `<|eom_id|>` `<|python_tag|>`
  `<|finetune_right_pad_id|>` `<|image|>` `<|reserved_special_token_N|>`
* mistral: `<s>` `</s>` `<unk>` `[INST]` `[/INST]` and v3's
  `[SYSTEM_PROMPT]` `[AVAILABLE_TOOLS]` `[TOOL_CALLS]` `[TOOL_RESULTS]`
  (with their closers)
* chatml: `<|im_start|>` `<|im_end|>` `<|endoftext|>`
* gemma: `<bos>` `<eos>` `<pad>` `<start_of_turn>` `<end_of_turn>`
  `<start_of_image>` `<end_of_image>`
* deepseek: `<|begin▁of▁sentence|>` `<|end▁of▁sentence|>` `<|User|>`
  `<|Assistant|>` and the `<|tool▁...|>` tokens, each bar really U+FF5C
  FULLWIDTH VERTICAL LINE (the ASCII forms are plain text to its tokenizer)
* phi-3: `<s>` `</s>` `<|system|>` `<|user|>` `<|assistant|>` `<|end|>`
  `<|endoftext|>`
* granite: `<|start_of_role|>` `<|end_of_role|>` `<|end_of_text|>`
  `<|tool_call|>`
* only in `GENERIC`: OpenAI harmony's `<|start|>` `<|message|>` `<|channel|>`
  `<|return|>` `<|call|>` `<|constrain|>`, phi-4's `<|im_sep|>`

`ChatReplicate(escape_special_tokens=False)` turns this off for callers who
put template tokens in content on purpose.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_replicate._chat.prompts import BUILTIN_TEMPLATES, ChatTemplate
from langchain_replicate._chat.template_choice import template_for_model

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

__all__ = [
    "FAMILY_TOKENS",
    "GENERIC",
    "HERMES_TAGS",
    "MARK",
    "SpecialTokens",
    "neutralize_messages",
    "restore",
    "special_tokens",
]

MARK = "\u200b"
"""ZERO WIDTH SPACE: put after a special token's first character."""

HERMES_TAGS: tuple[str, ...] = (
    "<tools>",
    "</tools>",
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
)
"""The tags of tools by prompt (`_chat.tool_prompts`)."""

_DEEPSEEK = tuple(
    f"<\uff5c{name}\uff5c>"
    for name in (
        "begin\u2581of\u2581sentence",
        "end\u2581of\u2581sentence",
        "User",
        "Assistant",
        "tool\u2581calls\u2581begin",
        "tool\u2581calls\u2581end",
        "tool\u2581call\u2581begin",
        "tool\u2581call\u2581end",
        "tool\u2581sep",
        "tool\u2581outputs\u2581begin",
        "tool\u2581outputs\u2581end",
        "tool\u2581output\u2581begin",
        "tool\u2581output\u2581end",
    )
)
"""DeepSeek's tokens: U+FF5C FULLWIDTH VERTICAL LINE and U+2581 LOWER ONE EIGHTH
BLOCK, as in its tokenizer (the ASCII look-alikes are plain text to it)."""

FAMILY_TOKENS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "llama-2": ("<s>", "</s>", "[INST]", "[/INST]", "<<SYS>>", "<</SYS>>"),
        "llama-3": (
            "<|begin_of_text|>",
            "<|end_of_text|>",
            "<|start_header_id|>",
            "<|end_header_id|>",
            "<|eot_id|>",
            "<|eom_id|>",
            "<|python_tag|>",
            "<|finetune_right_pad_id|>",
            "<|image|>",
        ),
        "mistral": (
            "<s>",
            "</s>",
            "<unk>",
            "[INST]",
            "[/INST]",
            "[SYSTEM_PROMPT]",
            "[/SYSTEM_PROMPT]",
            "[AVAILABLE_TOOLS]",
            "[/AVAILABLE_TOOLS]",
            "[TOOL_CALLS]",
            "[TOOL_RESULTS]",
            "[/TOOL_RESULTS]",
        ),
        "chatml": ("<|im_start|>", "<|im_end|>", "<|endoftext|>"),
        "gemma": (
            "<bos>",
            "<eos>",
            "<pad>",
            "<start_of_turn>",
            "<end_of_turn>",
            "<start_of_image>",
            "<end_of_image>",
        ),
        "deepseek": _DEEPSEEK,
        "phi-3": (
            "<s>",
            "</s>",
            "<|system|>",
            "<|user|>",
            "<|assistant|>",
            "<|end|>",
            "<|endoftext|>",
        ),
        "granite": (
            "<|start_of_role|>",
            "<|end_of_role|>",
            "<|end_of_text|>",
            "<|tool_call|>",
        ),
    }
)
"""Each family's special tokens (those a chat template writes, and the
tokenizer's other control tokens), by the names of `BUILTIN_TEMPLATES` plus
`granite`, whose models template `messages` on the server."""

_FAMILY_PATTERNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"llama-3": (r"<\|reserved_special_token_\d+\|>",)}
)
"""Token ranges, as regular expressions."""

_GENERIC_EXTRA = (
    "<|start|>",
    "<|message|>",
    "<|channel|>",
    "<|return|>",
    "<|call|>",
    "<|constrain|>",
    "<|im_sep|>",
)
"""Well-known tokens of families the package does not render (OpenAI harmony,
phi-4), for models whose family is unknown."""

_NAME_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"granite"), "granite"),
)
"""Families known by name that are not templates we render (else:
`template_for_model`)."""

_MIN_TOKEN = 2
"""A token needs a first character and a rest (see `restore`)."""


@dataclass(frozen=True)
class SpecialTokens:
    """A set of special tokens, and how to neutralize them in a text."""

    tokens: frozenset[str]
    """Literal tokens (each at least two characters, none holding `MARK`)."""
    patterns: tuple[str, ...] = ()
    """Regular expressions for token ranges (e.g. llama-3's reserved ones)."""

    def __or__(self, other: SpecialTokens) -> SpecialTokens:
        """The union of two sets."""
        patterns = tuple(dict.fromkeys((*self.patterns, *other.patterns)))
        return SpecialTokens(self.tokens | other.tokens, patterns)

    @functools.cached_property
    def finder(self) -> re.Pattern[str]:
        """Matches any token (longest first) or a `MARK` already in the text.

        The literals are grouped by first character (`<` then the rests of
        the `<...>` tokens), so at each `<` of the text only those are tried.
        """
        groups: dict[str, list[str]] = {}
        for token in sorted(self.tokens, key=lambda t: (-len(t), t)):
            groups.setdefault(token[0], []).append(re.escape(token[1:]))
        literals = [
            f"{re.escape(first)}(?:{'|'.join(rests)})"
            for first, rests in sorted(groups.items())
        ]
        return re.compile("|".join([*literals, *self.patterns, re.escape(MARK)]))

    def neutralize(self, text: str) -> str:
        """Put `MARK` after each token's first character (and double each `MARK`).

        Args:
            text: Untrusted text.

        Returns:
            The text with no live token; `restore` gives it back.
        """
        return self.finder.sub(_break, text)


def _break(match: re.Match[str]) -> str:
    found = match[0]
    return found[0] + MARK + found[1:]


_MARKS = re.compile(f"{re.escape(MARK)}+")


def restore(text: str) -> str:
    """Undo `SpecialTokens.neutralize`: drop each lone mark, halve each run.

    A mark put after a token's first character stands alone (tokens neither
    start with nor hold one); a mark that was in the text came back doubled.

    Args:
        text: A neutralized text.

    Returns:
        The text as it was before.
    """
    return _MARKS.sub(lambda m: MARK * (len(m[0]) // 2), text)


def _family(name: str) -> SpecialTokens:
    return SpecialTokens(frozenset(FAMILY_TOKENS[name]), _FAMILY_PATTERNS.get(name, ()))


HERMES = SpecialTokens(frozenset(HERMES_TAGS))
"""The tool tags alone."""

GENERIC: SpecialTokens = functools.reduce(
    SpecialTokens.__or__,
    [_family(name) for name in FAMILY_TOKENS],
    SpecialTokens(frozenset(_GENERIC_EXTRA)),
)
"""Every family's tokens, for a model whose family is unknown."""


def family_tokens(name: str) -> SpecialTokens:
    """One family's tokens plus the Hermes tool tags.

    Args:
        name: A key of `FAMILY_TOKENS`.

    Returns:
        The set.
    """
    return _family(name) | HERMES


def _model_family(model: str) -> str | None:
    ref = model.split(":", 1)[0].lower()
    for pattern, name in _NAME_RULES:
        if pattern.search(ref):
            return name
    template = template_for_model(model)
    return template.name if template is not None else None


_PLACEHOLDERS = re.compile(r"\{(?:system|content)\}")


def _template_parts(template: ChatTemplate) -> frozenset[str]:
    """A custom template's literal parts (what its turns are made of)."""
    formats = [
        template.bos,
        template.user,
        template.assistant,
        template.system or "",
        template.generation_prompt or "",
        template.system_in_user,
    ]
    parts = (p.strip() for f in formats for p in _PLACEHOLDERS.split(f))
    return frozenset(p for p in parts if len(p) >= _MIN_TOKEN and MARK not in p)


@functools.lru_cache(maxsize=256)
def special_tokens(
    model: str, prompt_template: str | ChatTemplate | None = None
) -> SpecialTokens:
    """The tokens neutralized in a call's untrusted content (module docstring).

    Args:
        model: The model reference (its family is matched by name).
        prompt_template: The caller's template choice, if any.

    Returns:
        The Hermes tags, the model's family (or `GENERIC`) and the explicit
        template's tokens (cached: the same set, compiled once, per model).
    """
    family = _model_family(model)
    found = HERMES | (GENERIC if family is None else _family(family))
    if isinstance(prompt_template, ChatTemplate):
        builtin = BUILTIN_TEMPLATES.get(prompt_template.name)
        if builtin == prompt_template:
            return found | _family(prompt_template.name)
        return found | SpecialTokens(_template_parts(prompt_template))
    if prompt_template is not None and prompt_template in FAMILY_TOKENS:
        return found | _family(prompt_template)
    return found


# -- messages -------------------------------------------------------------------------

_KEEP_BLOCKS = frozenset({"image", "image_url", "file", "audio", "video"})
"""Blocks whose strings are data (URLs, base64), never prompt text."""


def _deep(value: Any, tokens: SpecialTokens) -> Any:  # noqa: ANN401 - any JSON value
    """Every string in a JSON-like value neutralized (keys included)."""
    if isinstance(value, str):
        return tokens.neutralize(value)
    if isinstance(value, Mapping):
        return {_deep(k, tokens): _deep(v, tokens) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_deep(v, tokens) for v in value]
    return value


def _block(block: Any, tokens: SpecialTokens, *, deep: bool) -> Any:  # noqa: ANN401 - a content block
    if isinstance(block, str):
        return tokens.neutralize(block)
    if not isinstance(block, Mapping) or block.get("type") in _KEEP_BLOCKS:
        return block
    if block.get("type") == "text" and isinstance(block.get("text"), str):
        return {**block, "text": tokens.neutralize(block["text"])}
    return _deep(block, tokens) if deep else block


def _content(
    content: str | list[Any], tokens: SpecialTokens, *, deep: bool
) -> str | list[Any]:
    """Text neutralized (and, `deep`, any non-media block: tool results are dumped)."""
    if isinstance(content, str):
        return tokens.neutralize(content)
    return [_block(block, tokens, deep=deep) for block in content]


def _is_trusted(message: BaseMessage) -> bool:
    """The developer's own messages: system ones."""
    return isinstance(message, SystemMessage) or (
        isinstance(message, ChatMessage) and message.role == "system"
    )


def _message(message: BaseMessage, tokens: SpecialTokens) -> BaseMessage:
    if _is_trusted(message):
        return message
    update: dict[str, Any] = {
        "content": _content(
            message.content, tokens, deep=isinstance(message, ToolMessage)
        )
    }
    if isinstance(message, AIMessage):
        update["tool_calls"] = [
            {**call, "args": _deep(call["args"], tokens)} for call in message.tool_calls
        ]
        update["invalid_tool_calls"] = [
            {**call, "args": _deep(call.get("args"), tokens)}
            for call in message.invalid_tool_calls
        ]
    return message.model_copy(update=update)


def neutralize_messages(
    messages: Sequence[BaseMessage], tokens: SpecialTokens
) -> list[BaseMessage]:
    """The conversation with every untrusted text neutralized (module docstring).

    Args:
        messages: The conversation as the caller passed it.
        tokens: The set in force (`special_tokens`).

    Returns:
        New messages (the caller's are not changed); system messages as they
        were, media blocks untouched.
    """
    return [_message(m, tokens) for m in messages]
