r"""Chat templates: a conversation → one prompt string (pure, no I/O).

Models whose schema takes only a `prompt` need the conversation rendered in the
format they were trained on. Each family's format is data — a `ChatTemplate`
row in `BUILTIN_TEMPLATES` — and one renderer serves them all. Unlike LiteLLM's
`prompt_factory`, nothing is fetched from the network, list content never
crashes, and an unknown model is an error, not a space-joined guess.

Templates (the strings are the families' published chat templates):

* `llama-2`: `<s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {ai} </s>`
  then `<s>[INST] {user} [/INST]`, as Meta's reference `chat_completion`.
* `llama-3` (3, 3.1, 3.2, 3.3): `<|begin_of_text|>` and
  `<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>`, ending
  with the assistant header. No "Cutting Knowledge Date" preamble is added.
* `mistral` (mistral, mixtral): `<s>[INST] {user} [/INST]{ai}</s>[INST] ...`, as
  Mixtral-8x7B-Instruct-v0.1's template; the system text leads the first user
  turn, as in the Mistral-7B-Instruct v0.1/v0.2 templates (the versions on
  Replicate; v0.3 moves it to the last user turn: pass a `ChatTemplate` with
  `system_user_turn="last"` for that).
* `chatml` (qwen, nous-hermes 2/3, openhermes, dolphin, yi):
  `<|im_start|>{role}\n{content}<|im_end|>\n`, ending `<|im_start|>assistant\n`.
  No default system prompt is invented.
* `gemma`: `<bos><start_of_turn>user\n...<end_of_turn>\n`, role `model` for AI
  turns, system folded into the first user turn (as Gemma 3's template does).
* `deepseek` (V3 / R1 and the R1 distills):
  `<|begin▁of▁sentence|>{system}<|User|>{user}<|Assistant|>{ai}<|end▁of▁sentence|>`,
  whose bars are really U+FF5C FULLWIDTH VERTICAL LINE (as in the code below,
  and in DeepSeek's tokenizer; the ASCII look-alikes are plain text to it).
* `phi-3` (phi-3, phi-3.5): `<|system|>\n...<|end|>\n`, `<|user|>`, `<|assistant|>`.

Rules shared by every template:

* Content is rendered as given: `_chat.inputs.chat_prompt` has already
  neutralized the special tokens in untrusted content (`_chat/untrusted.py`).
* All system messages, wherever they are, are joined with a blank line and
  placed where the family puts its system prompt.
* Consecutive turns of the same role are merged with a blank line (several
  families require strict user/assistant alternation).
* At least one user message is required.
* A conversation ending with an AI message is rendered as an open assistant
  turn (prefill): the model continues that text. Only `split_system_prompt`,
  whose server-side template always ends after a user turn, rejects it.
* Content is inserted verbatim (no stripping, no brace interpretation).

The template is chosen by `_chat.template_choice.select_template` (an explicit
`prompt_template`, else the model's family). (A single user message needs no
template: see `split_system_prompt`.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from langchain_replicate._chat.messages import Turn, to_turns

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_core.messages import BaseMessage

__all__ = [
    "BUILTIN_TEMPLATES",
    "ChatTemplate",
    "SystemPromptSplit",
    "render_prompt",
    "render_turns",
    "split_system_prompt",
    "split_turns",
]

_CONTENT = "{content}"
_PLACEHOLDER = re.compile(r"\{(system|content)\}")


def _fill(fmt: str, **values: str) -> str:
    """Substitute `{content}` / `{system}` in one pass (values are never re-read)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), fmt)


@dataclass(frozen=True)
class ChatTemplate:
    r"""A chat format, as per-role strings with a `{content}` placeholder.

    Only `{content}` (and `{system}` in `system_in_user`) is special; other
    braces are literal, so no escaping is needed. Example, an Alpaca-style
    format::

        ChatTemplate(
            name="alpaca",
            system="{content}\n\n",
            user="### Instruction:\n{content}\n\n",
            assistant="### Response:\n{content}\n\n",
        )
    """

    name: str
    """Shown in error messages."""
    user: str
    """A user turn, e.g. `"<|im_start|>user\\n{content}<|im_end|>\\n"`."""
    assistant: str
    """An assistant turn. The part before `{content}` also opens a prefill."""
    system: str | None = None
    """The system turn, placed first (after `bos`). `None`: the family has no
    system turn and the system text is folded into a user turn instead."""
    generation_prompt: str | None = None
    """Appended after the last user turn to start the reply. `None` means the
    part of `assistant` before `{content}`."""
    bos: str = ""
    """Text at the very start, e.g. `<|begin_of_text|>`."""
    system_in_user: str = "{system}\n\n{content}"
    """How folded system text joins the user text (when `system` is `None`)."""
    system_user_turn: Literal["first", "last"] = "first"
    """Which user turn receives folded system text."""

    def __post_init__(self) -> None:
        """Check every format has its placeholders.

        Raises:
            ValueError: If a turn format lacks exactly one `{content}`, or
                `system_in_user` lacks `{system}` or `{content}`.
        """
        formats = {"user": self.user, "assistant": self.assistant}
        if self.system is not None:
            formats["system"] = self.system
        for field, fmt in formats.items():
            if fmt.count(_CONTENT) != 1:
                msg = (
                    f"ChatTemplate {self.name!r}: {field} must contain "
                    f"{_CONTENT} exactly once; got {fmt!r}."
                )
                raise ValueError(msg)
        placeholders = sorted(_PLACEHOLDER.findall(self.system_in_user))
        if self.system is None and placeholders != ["content", "system"]:
            msg = (
                f"ChatTemplate {self.name!r}: system_in_user must contain "
                f"{{system}} and {_CONTENT} once each; got {self.system_in_user!r}."
            )
            raise ValueError(msg)


def _assistant_prefix(template: ChatTemplate) -> str:
    return template.assistant.split(_CONTENT)[0]


def _generation_prompt(template: ChatTemplate) -> str:
    if template.generation_prompt is None:
        return _assistant_prefix(template)
    return template.generation_prompt


def _render(template: ChatTemplate, system: str, turns: Sequence[Turn]) -> str:
    """Render merged non-system turns (at least one user turn) and system text."""
    users = [i for i, t in enumerate(turns) if t.role == "user"]
    fold_at = users[0] if template.system_user_turn == "first" else users[-1]
    parts = [template.bos]
    if system and template.system is not None:
        parts.append(_fill(template.system, content=system))
    for i, turn in enumerate(turns):
        text = turn.text
        if turn.role == "user":
            if system and template.system is None and i == fold_at:
                text = _fill(template.system_in_user, system=system, content=text)
            parts.append(_fill(template.user, content=text))
        elif i == len(turns) - 1:  # prefill: an open assistant turn
            parts.append(_assistant_prefix(template) + text)
        else:
            parts.append(_fill(template.assistant, content=text))
    if turns[-1].role == "user":
        parts.append(_generation_prompt(template))
    return "".join(parts)


BUILTIN_TEMPLATES: Mapping[str, ChatTemplate] = MappingProxyType(
    {
        t.name: t
        for t in (
            ChatTemplate(
                name="llama-2",
                user="<s>[INST] {content} [/INST]",
                assistant=" {content} </s>",
                generation_prompt="",
                system_in_user="<<SYS>>\n{system}\n<</SYS>>\n\n{content}",
            ),
            ChatTemplate(
                name="llama-3",
                bos="<|begin_of_text|>",
                system="<|start_header_id|>system<|end_header_id|>\n\n{content}<|eot_id|>",
                user="<|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|>",
                assistant=(
                    "<|start_header_id|>assistant<|end_header_id|>\n\n"
                    "{content}<|eot_id|>"
                ),
            ),
            ChatTemplate(
                name="mistral",
                bos="<s>",
                user="[INST] {content} [/INST]",
                assistant="{content}</s>",
            ),
            ChatTemplate(
                name="chatml",
                system="<|im_start|>system\n{content}<|im_end|>\n",
                user="<|im_start|>user\n{content}<|im_end|>\n",
                assistant="<|im_start|>assistant\n{content}<|im_end|>\n",
            ),
            ChatTemplate(
                name="gemma",
                bos="<bos>",
                user="<start_of_turn>user\n{content}<end_of_turn>\n",
                assistant="<start_of_turn>model\n{content}<end_of_turn>\n",
            ),
            ChatTemplate(
                name="deepseek",
                bos="<｜begin▁of▁sentence｜>",  # noqa: RUF001 - DeepSeek's own token
                system="{content}",
                user="<｜User｜>{content}",  # noqa: RUF001
                assistant="<｜Assistant｜>{content}<｜end▁of▁sentence｜>",  # noqa: RUF001
            ),
            ChatTemplate(
                name="phi-3",
                system="<|system|>\n{content}<|end|>\n",
                user="<|user|>\n{content}<|end|>\n",
                assistant="<|assistant|>\n{content}<|end|>\n",
            ),
        )
    }
)
"""The built-in templates by name."""


def _prepare(turns: Sequence[Turn]) -> tuple[str, list[Turn]]:
    """Return (joined system text, merged non-system turns); require a user turn."""
    system = "\n\n".join(t.text for t in turns if t.role == "system" and t.text)
    merged: list[Turn] = []
    for turn in turns:
        if turn.role == "system":
            continue
        if merged and merged[-1].role == turn.role:
            merged[-1] = Turn(turn.role, f"{merged[-1].text}\n\n{turn.text}")
        else:
            merged.append(turn)
    if not any(t.role == "user" for t in merged):
        msg = "The messages hold no user (human) message; at least one is required."
        raise ValueError(msg)
    return system, merged


def render_prompt(
    messages: Sequence[BaseMessage],
    template: ChatTemplate,
    *,
    allow_images: bool = False,
) -> str:
    """Render a conversation into one prompt string with a chat template.

    Args:
        messages: The conversation (system, human and AI messages).
        template: The format (`select_template`).
        allow_images: Skip image blocks (sent through the schema's image input)
            instead of rejecting them.

    Returns:
        The prompt, ending with the generation prompt, or with the open
        assistant turn when the last message is an AI message (prefill).

    Raises:
        ValueError: If there is no user message, or on unsupported messages or
            content (see `_chat.messages.to_turns`).
    """
    return render_turns(to_turns(messages, allow_images=allow_images), template)


def render_turns(turns: Sequence[Turn], template: ChatTemplate) -> str:
    """`render_prompt` for turns already read (`_chat.messages.to_turns`).

    Raises:
        ValueError: If there is no user turn.
    """
    system, merged = _prepare(turns)
    return _render(template, system, merged)


@dataclass(frozen=True)
class SystemPromptSplit:
    """Inputs for a model that templates `system_prompt` + `prompt` itself."""

    system_prompt: str | None
    """All system messages joined with a blank line; `None` when there are
    none, so the model's default system prompt applies."""
    prompt: str
    """The user's text; for several turns, the conversation body (see
    `split_system_prompt`)."""


def split_system_prompt(
    messages: Sequence[BaseMessage],
    template: ChatTemplate | None = None,
    *,
    allow_images: bool = False,
) -> SystemPromptSplit:
    r"""Split messages for a schema with `system_prompt` and `prompt` inputs.

    Such models (Replicate's llama-2/llama-3 chat models) wrap the two inputs
    in their family template server-side, e.g. llama-3's
    `...system...{system_prompt}<|eot_id|>...user...\n\n{prompt}<|eot_id|>
    <assistant header>`. So the prompt must not be templated again:

    * one user turn: `prompt` is its text; no template is needed.
    * several turns: the conversation is rendered with `template` and the
      parts the server adds are cut off — the opening (`bos` + the first user
      turn's prefix) and the close (the last user turn's suffix + generation
      prompt). The server's wrapping then restores exactly the full rendering.
      This holds when the server template is the family's published one, as
      Replicate's llama-2 and llama-3 defaults are.

    Args:
        messages: The conversation.
        template: The family template; needed only for several turns.
        allow_images: Skip image blocks instead of rejecting them.

    Returns:
        The system prompt and the prompt.

    Raises:
        ValueError: If there is no user message, the first non-system message
            is not a user message, the last one is an AI message (the server
            template cannot continue it), there are several turns but no
            template, or on unsupported messages or content.
    """
    return split_turns(to_turns(messages, allow_images=allow_images), template)


def split_turns(
    turns: Sequence[Turn], template: ChatTemplate | None = None
) -> SystemPromptSplit:
    """`split_system_prompt` for turns already read (`_chat.messages.to_turns`).

    Raises:
        ValueError: As `split_system_prompt`, but for unsupported messages.
    """
    system, turns = _prepare(turns)
    if turns[0].role != "user" or turns[-1].role != "user":
        msg = (
            "This model applies its own chat template to system_prompt + prompt, "
            "so the conversation (after system messages) must start and end with "
            "a human message; an AI message first or last cannot be expressed."
        )
        raise ValueError(msg)
    system_prompt = system or None
    if len(turns) == 1:
        return SystemPromptSplit(system_prompt, turns[0].text)
    if template is None:
        names = ", ".join(sorted(BUILTIN_TEMPLATES))
        msg = (
            "A multi-turn conversation needs the model family's chat template; "
            f"pass prompt_template= with one of: {names}."
        )
        raise ValueError(msg)
    rendered = _render(template, "", turns)
    user_prefix, user_suffix = template.user.split(_CONTENT)
    head = template.bos + user_prefix
    tail = user_suffix + _generation_prompt(template)
    body = rendered[len(head) : len(rendered) - len(tail)]
    return SystemPromptSplit(system_prompt, body)
