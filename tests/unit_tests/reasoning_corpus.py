"""Reasoning replies as reasoning models write them, with how each must split.

One entry per pitfall of `shared/reasoning-models.md` §3 (the `pitfall`
field), and a few ordinary replies. The tests feed each whole, split in two
at every position, one character at a time, and in random pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_replicate._outputs.reasoning import (
    BRACKET_THINK,
    HARMONY,
    HARMONY_TURN,
    THINK,
    THINKING,
    THOUGHT,
    ThinkTags,
)
from langchain_replicate._outputs.thinking_models import ANY_SPELLING


@dataclass(frozen=True)
class Reply:
    name: str
    pitfall: int | None
    """The §3 pitfall it covers (`None`: an ordinary reply)."""
    text: str
    reasoning: str
    answer: str
    incomplete: bool = False
    spellings: tuple[ThinkTags, ...] = (THINK,)
    forced: bool = False


R1_THOUGHTS = (
    "Okay, the user is asking for the capital of France. I remember that "
    "Paris is the capital.\n\nLet me double-check: yes, Paris has been the "
    "capital for centuries. I'll answer briefly."
)

CORPUS: tuple[Reply, ...] = (
    Reply(
        "deepseek-r1, old template (opening tag written)",
        None,
        f"<think>\n{R1_THOUGHTS}\n</think>\n\nThe capital of France is **Paris**.",
        R1_THOUGHTS,
        "The capital of France is **Paris**.",
        forced=True,
    ),
    Reply(
        "deepseek-r1, current template (opening tag in the prompt)",
        1,
        f"{R1_THOUGHTS}\n</think>\n\nThe capital of France is **Paris**.",
        R1_THOUGHTS,
        "The capital of France is **Paris**.",
        forced=True,
    ),
    Reply(
        "qwen3-thinking-2507: only </think>, answer with a list",
        1,
        "Okay, list two primes.\nTwo and three.\n</think>\n\n- 2\n- 3\n",
        "Okay, list two primes.\nTwo and three.",
        "- 2\n- 3\n",
        forced=True,
    ),
    Reply(
        "qwen3 hybrid, opening tag written",
        None,
        "<think>\nSimple greeting.\n</think>\n\nHello! How can I help?",
        "Simple greeting.",
        "Hello! How can I help?",
    ),
    Reply(
        "tags that look split by a tokenizer",
        2,
        "<think>a<b and c</d</think>x</think>nk>ok",
        "a<b and c</d",
        "x</think>nk>ok",
    ),
    Reply(
        "deepseek-r1 bypasses thinking: an empty block",
        3,
        "<think>\n\n</think>\n\nParis.",
        "",
        "Paris.",
        forced=True,
    ),
    Reply(
        "qwen3 with /no_think: an empty block, then the answer",
        3,
        "<think>\n\n</think>\n\nHere you go: 42.",
        "",
        "Here you go: 42.",
    ),
    Reply(
        "max_tokens ran out while thinking",
        4,
        "<think>\nLet me compute 17 * 23. 17 * 20 = 340, 17 * 3 =",
        "Let me compute 17 * 23. 17 * 20 = 340, 17 * 3 =",
        "",
        incomplete=True,
    ),
    Reply(
        "forced thinking, budget ran out before </think>",
        4,
        "The user wants a poem. First, the rhyme scheme",
        "The user wants a poem. First, the rhyme scheme",
        "",
        incomplete=True,
        forced=True,
    ),
    Reply(
        "budget ran out in the middle of the closing tag",
        4,
        "<think>\nnearly done</thi",
        "nearly done</thi",
        "",
        incomplete=True,
    ),
    Reply(
        "the answer mentions <think> in prose",
        5,
        "<think>\nExplain tags.\n</think>\n\nModels wrap thoughts in a <think> tag "
        "and close it with </think>.",
        "Explain tags.",
        "Models wrap thoughts in a <think> tag and close it with </think>.",
    ),
    Reply(
        "the answer writes <think> at a line start inside a code fence",
        5,
        "<think>\nShow XML.\n</think>\n\n```xml\n<think>\n  plan\n</think>\n```\n"
        "That is the format.",
        "Show XML.",
        "```xml\n<think>\n  plan\n</think>\n```\nThat is the format.",
    ),
    Reply(
        "a reply that starts with prose, not a block",
        5,
        "Sure. In HTML there is no <think> element.",
        "",
        "Sure. In HTML there is no <think> element.",
    ),
    Reply(
        "interleaved thinking: think, answer, think, answer",
        6,
        "<think>\nFirst step.\n</think>\nStep one: boil water.\n<think>\nNow the "
        "tea.\n</think>\nStep two: steep the tea.",
        "First step.\n\nNow the tea.",
        "Step one: boil water.\nStep two: steep the tea.",
    ),
    Reply(
        "text after the block that contains a second closing tag",
        6,
        "<think>\nok\n</think>\n\nThe answer</think> stays whole.",
        "ok",
        "The answer</think> stays whole.",
    ),
    Reply(
        "nested tags",
        7,
        "<think>Outer <think>inner</think> continues</think>Visible",
        "Outer <think>inner</think> continues",
        "Visible",
    ),
    Reply(
        "magistral 2507: [THINK] tokens",
        8,
        "[THINK]The user greets me. Reply politely.[/THINK]Hello! Nice to meet you.",
        "The user greets me. Reply politely.",
        "Hello! Nice to meet you.",
        spellings=(BRACKET_THINK, THINK),
    ),
    Reply(
        "magistral 2506: <think> strings",
        8,
        "<think>\nGreeting.\n</think>\nHello!",
        "Greeting.",
        "Hello!",
        spellings=(BRACKET_THINK, THINK),
    ),
    Reply(
        "<thinking> (reasoning=True, any spelling)",
        8,
        "<thinking>Check units.</thinking>\n5 km.",
        "Check units.",
        "5 km.",
        spellings=ANY_SPELLING,
    ),
    Reply(
        "<thought> (reasoning=True, any spelling)",
        8,
        "<thought>hm</thought>Yes.",
        "hm",
        "Yes.",
        spellings=(THINKING, THOUGHT, THINK),
    ),
    Reply(
        "gpt-oss harmony channels left in the text",
        8,
        "<|channel|>analysis<|message|>User asks 2+2. Answer 4."
        "<|end|><|start|>assistant<|channel|>final<|message|>2 + 2 = 4.",
        "User asks 2+2. Answer 4.",
        "2 + 2 = 4.",
        spellings=(HARMONY,),
    ),
    Reply(
        "gpt-oss harmony with the assistant header written out",
        8,
        "<|start|>assistant<|channel|>analysis<|message|>Short."
        "<|end|><|start|>assistant<|channel|>final<|message|>Hi!",
        "Short.",
        "Hi!",
        spellings=(HARMONY, HARMONY_TURN),
    ),
    Reply(
        "thinking before a prompted tool call",
        9,
        '<think>\nI need the weather tool.\n</think>\n\n<tool_call>\n{"name": '
        '"get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
        "I need the weather tool.",
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n'
        "</tool_call>",
        forced=True,
    ),
    Reply(
        "thinking before JSON (structured output)",
        9,
        '<think>\nThe schema wants a city.\n</think>\n{"city": "Paris"}',
        "The schema wants a city.",
        '{"city": "Paris"}',
    ),
    Reply(
        "granite: newline before and after </think>",
        10,
        "<think>\nweigh options\n</think>\nBoth work.",
        "weigh options",
        "Both work.",
    ),
    Reply(
        "a plain answer from a reasoning family keeps its whitespace",
        None,
        "  Indented answer.\n",
        "",
        "  Indented answer.\n",
    ),
    Reply(
        "whitespace before the opening tag",
        None,
        "\n\n<think>x</think>y",
        "x",
        "y",
    ),
    Reply("an empty reply", None, "", "", ""),
    Reply(
        "unicode thoughts and answer",
        None,
        "<think>\nΠαρίσι — 巴黎 🗼\n</think>\n\nParís 🇫🇷",  # noqa: RUF001
        "Παρίσι — 巴黎 🗼",
        "París 🇫🇷",
    ),
)
