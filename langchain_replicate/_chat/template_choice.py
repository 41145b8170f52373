"""Which chat template a model gets (pure, no I/O).

Template choice (`select_template`): an explicit `prompt_template` (a built-in
name or a `ChatTemplate`) wins; otherwise the lower-cased model reference is
matched against `_MODEL_RULES` in order, first match wins. Fine-tune families
come before base families because a fine-tune's format is its trainer's:
`nous-hermes-2-mixtral` is chatml, `deepseek-r1-distill-llama` is deepseek.
When nothing matches, `select_template` raises and lists the names: a wrong
format gives plausible-looking garbage that users blame on the model, while the
error is fixed with one argument. (A single user message needs no template:
see `_chat.prompts.split_system_prompt`.)
"""

from __future__ import annotations

import re

from langchain_replicate._chat.prompts import BUILTIN_TEMPLATES, ChatTemplate

__all__ = ["select_template", "template_for_model"]


_MODEL_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        # Fine-tunes first: their format is their trainer's, not the base's.
        (r"deepseek", "deepseek"),
        (r"qwen|hermes-?[23]|openhermes|dolphin|(^|[/-])yi-", "chatml"),
        (r"phi-?3", "phi-3"),
        (r"gemma", "gemma"),
        (r"mistral|mixtral", "mistral"),
        (r"llama-?3(?!\d)", "llama-3"),
        (r"llama-?2(?!\d)|llama\d+b-v2|codellama", "llama-2"),
    )
)
"""(pattern searched in the lower-cased `owner/name`, template name); first wins."""


def template_for_model(model: str) -> ChatTemplate | None:
    """Return the built-in template matching a model reference, if any.

    Args:
        model: `owner/name`, optionally with `:version`.

    Returns:
        The first template whose rule matches (see `_MODEL_RULES`), or `None`.
    """
    ref = model.split(":", 1)[0].lower()
    for pattern, name in _MODEL_RULES:
        if pattern.search(ref):
            return BUILTIN_TEMPLATES[name]
    return None


def select_template(
    model: str, prompt_template: str | ChatTemplate | None = None
) -> ChatTemplate:
    """Choose the template: the explicit one, else the one matching the model.

    Args:
        model: `owner/name`, optionally with `:version`.
        prompt_template: A built-in template name, a `ChatTemplate`, or `None`
            to match on `model`.

    Returns:
        The template.

    Raises:
        ValueError: If the name is not a built-in template, or nothing matches.
    """
    names = ", ".join(sorted(BUILTIN_TEMPLATES))
    if isinstance(prompt_template, ChatTemplate):
        return prompt_template
    if prompt_template is not None:
        if prompt_template in BUILTIN_TEMPLATES:
            return BUILTIN_TEMPLATES[prompt_template]
        msg = (
            f"Unknown prompt_template {prompt_template!r}; built-in templates are: "
            f"{names}. For another format pass a ChatTemplate."
        )
        raise ValueError(msg)
    template = template_for_model(model)
    if template is None:
        msg = (
            f"No chat template is known for model {model!r}. Pass "
            f"prompt_template= with one of: {names}; or a ChatTemplate for "
            "another format."
        )
        raise ValueError(msg)
    return template
