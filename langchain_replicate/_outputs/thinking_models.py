"""Which models write their reasoning in the text, and how (the one family table).

`reasoning_format(model, switch=...)` decides, from the model's name and the
`reasoning` switch of `ChatReplicate`, whether a reply is split into
reasoning and answer (`_outputs.reasoning`), with which tags, and whether the
template opens the block itself (forced thinking):

| switch | known family (`FAMILIES`) | any other model |
| --- | --- | --- |
| `None` (default) | split, family's tags | not split: the text is the answer |
| `True` | split, family's tags | split, any spelling, opened only by the model |
| `False` | split, reasoning dropped | same as `True`, reasoning dropped |

So a model not known to reason (Llama, Mistral instruct, GPT-5, Claude...)
keeps a `<think>` it writes, by default: LangChain.js made its parser opt-in
after on-by-default parsing stripped tags from ordinary answers.

`reasoning=False` also turns thinking off where the model has an input for
it: `_inputs.reasoning.thinking_off_inputs`, with the other reasoning settings.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from langchain_replicate._outputs.reasoning import (
    BRACKET_THINK,
    HARMONY,
    HARMONY_TURN,
    THINK,
    THINKING,
    THOUGHT,
    ReasoningSplitter,
    ThinkTags,
)

__all__ = [
    "ANY_SPELLING",
    "FAMILIES",
    "ReasoningFormat",
    "reasoning_format",
]

ANY_SPELLING = (THINK, BRACKET_THINK, THINKING, THOUGHT, HARMONY, HARMONY_TURN)
"""What `reasoning=True` looks for on a model of no known family."""


@dataclass(frozen=True)
class ReasoningFormat:
    """How one model writes its reasoning."""

    family: str
    spellings: tuple[ThinkTags, ...]
    forced: bool = False
    """The chat template writes the opening tag: the reply starts in the block."""
    keep: bool = True
    """Whether the reasoning is kept (`reasoning=False` drops it)."""

    def splitter(self) -> ReasoningSplitter:
        """A splitter for one reply."""
        return ReasoningSplitter(self.spellings, opened=self.forced)

    def unforced(self) -> ReasoningFormat:
        """The same format for a reply that continues a pre-filled answer.

        A reply that continues text we pre-filled (an AI message ending the
        conversation, a tool call's opening) does not start in a block.
        """
        return dataclasses.replace(self, forced=False)


@dataclass(frozen=True)
class _Family:
    format: ReasoningFormat
    name: re.Pattern[str]
    """Matched (`search`) against the model's name after `owner/`, lowercased."""


def _family(
    family: str, name: str, spellings: tuple[ThinkTags, ...], *, forced: bool = False
) -> _Family:
    return _Family(ReasoningFormat(family, spellings, forced=forced), re.compile(name))


FAMILIES: tuple[_Family, ...] = (
    # DeepSeek-R1 and its distills: the current template ends the prompt with
    # "<think>\n", so the reply holds only "</think>" (DeepSeek-R1#526); an
    # older template's reply opens the block itself (consumed either way).
    _family("deepseek-r1", r"deepseek-r1", (THINK,), forced=True),
    # QwQ and Qwen3 *-Thinking(-2507): "<think>" pre-filled by the template;
    # "it is normal for the model's output to contain only </think>".
    _family("qwq", r"qwq", (THINK,), forced=True),
    _family("qwen3-thinking", r"qwen3.*-thinking", (THINK,), forced=True),
    # Qwen3 hybrid models write "<think>" themselves (an empty block when
    # thinking is off); Instruct-2507, Coder, embedding models never think.
    _family("qwen3", r"^qwen3(?!.*(instruct|coder|embedding|reranker))", (THINK,)),
    # Magistral 2507+: [THINK] tokens; 2506: <think> strings.
    _family("magistral", r"magistral", (BRACKET_THINK, THINK)),
    _family("phi-4-reasoning", r"phi-4(-mini)?-reasoning", (THINK,)),
    _family("kimi-k2-thinking", r"kimi-k2-thinking", (THINK,)),
    # gpt-oss: harmony channels, when the server leaves them in the text.
    _family("gpt-oss", r"gpt-oss", (HARMONY, HARMONY_TURN)),
)
"""Known reasoning families, first match wins (names from the model's `name`)."""


def _model_name(model: str) -> str:
    """`owner/name[:version]` or `deployments/owner/name` → `name`, lowercased."""
    return model.partition(":")[0].rsplit("/", 1)[-1].lower()


def reasoning_format(model: str, *, switch: bool | None) -> ReasoningFormat | None:
    """How to read a model's reasoning, given the `reasoning` switch.

    Args:
        model: The model reference as called (`owner/name[:version]`).
        switch: `ChatReplicate.reasoning` (or the call's `reasoning=`).

    Returns:
        The format, or `None` when the reply is not split (the default for a
        model of no known reasoning family).
    """
    name = _model_name(model)
    known = next((f.format for f in FAMILIES if f.name.search(name)), None)
    if known is None:
        if switch is None:
            return None
        known = ReasoningFormat("any", ANY_SPELLING)
    if switch is False:
        return ReasoningFormat(known.family, known.spellings, known.forced, keep=False)
    return known
