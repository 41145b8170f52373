"""What a model can do (langchain-core's `ModelProfile`), from this package's data.

`ChatReplicate.profile` must be known at construction, without a network call,
so it comes from a small table of model families keyed by `owner/name`
patterns (the same facts the input schemas show; see
`/docs` "Tool calling, structured output and agents"):

* the chat-completions family (IBM Granite 3.3 / 4.0 / 4.1 on Replicate's
  vLLM predictor: `messages` + `tools` + `response_format` inputs): tool
  calling, tool choice, streamed tool calls, native structured output; text
  in, text out;
* Replicate's OpenAI models (`openai/gpt-*`, `openai/o*`): text and image
  inputs (`image_input`); tools by prompt (no `tools` input);
* any other model: text in, text out, tools by prompt (image input unknown).

`reasoning_output` is true for the families whose thinking `ChatReplicate`
separates by default (`_outputs.thinking_models`: DeepSeek-R1, QwQ, Qwen3...).

Every language model calls tools (natively or by prompt, see
`_chat/prompted_tools.py`), chooses them and streams the calls; only the
chat-completions family has native structured output. `create_agent` reads
`structured_output` to choose between the provider strategy
(`response_format`) and the tool strategy. Pass `profile=` to `ChatReplicate`
to override the table for a model it does not know.
"""

from __future__ import annotations

import re

from langchain_core.language_models.model_profile import ModelProfile

from langchain_replicate._outputs.thinking_models import reasoning_format

__all__ = ["model_profile"]

_CALLS_TOOLS = ModelProfile(
    text_inputs=True,
    text_outputs=True,
    tool_calling=True,
    tool_choice=True,
    tool_call_streaming=True,
)
"""What every language model does here: text in and out, tools (native or by prompt)."""
_CHAT_COMPLETIONS = ModelProfile(
    **_CALLS_TOOLS, image_inputs=False, structured_output=True
)
_OPENAI_ON_REPLICATE = ModelProfile(
    **_CALLS_TOOLS,
    image_inputs=True,
    image_url_inputs=True,
    structured_output=False,
)
_TEXT_ONLY = ModelProfile(**_CALLS_TOOLS, structured_output=False)

_FAMILIES: tuple[tuple[re.Pattern[str], ModelProfile], ...] = (
    (re.compile(r"^ibm-granite/granite-(3\.3|4\.\d+)(-|$)"), _CHAT_COMPLETIONS),
    (re.compile(r"^openai/(gpt-|o\d)"), _OPENAI_ON_REPLICATE),
)


def model_profile(model: str) -> ModelProfile:
    """The profile of a model reference (`owner/name[:version]`, deployments too).

    Args:
        model: The model reference as given to `ChatReplicate`.

    Returns:
        A copy of the family's profile (text-only for unknown families).
    """
    slug = model.removeprefix("deployments/").split(":", 1)[0].lower()
    found = next((p for pattern, p in _FAMILIES if pattern.search(slug)), _TEXT_ONLY)
    profile = ModelProfile(**found)
    if reasoning_format(model, switch=None) is not None:
        profile["reasoning_output"] = True
    return profile
