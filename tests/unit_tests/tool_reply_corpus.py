r"""Realistic raw replies of prompted models, for the tool call parser.

Each fixture names the public source of its format. The replies are written
in those formats (the shapes are the sources'; the wording is ours):

* Hermes / Qwen 2.5: the `tool_call` part of the Qwen2.5-Instruct chat
  template (`tokenizer_config.json` of Qwen/Qwen2.5-7B-Instruct on the Hugging
  Face hub) and NousResearch/Hermes-Function-Calling (README, "Prompt Format
  for Function Calling"): `<tool_call>\n{"name": ..., "arguments": {...}}\n
  </tool_call>`, one block per call, results in `<tool_response>`.
* Llama 3.1 / 3.2: meta-llama/llama-models, `models/llama3_1/prompt_format.md`
  ("JSON based tool calling": `{"name": ..., "parameters": {...}}`, the
  `<|python_tag|>` token, and the `<function=name>{...}</function>` custom
  format); Llama 3.2 replies add `"type": "function"` (as vLLM's
  `llama3_json` tool parser expects).
* Mistral: mistralai/mistral-common (`[TOOL_CALLS]` control token followed by
  a JSON list of `{"name", "arguments"}`), as vLLM's `mistral` tool parser reads.
* DeepSeek V3: the model's chat template special tokens
  (`<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>name`
  + a fenced JSON block), as sgl-project/sglang's `DeepSeekV3Detector`
  (`python/sglang/srt/function_call/deepseekv3_detector.py`) reads; V3.1's
  `name<｜tool▁sep｜>{...}` form from the same project's V3.1 detector.
* `{"tool", "tool_input"}`: langchain-ai/langchain-experimental,
  `libs/experimental/langchain_experimental/llms/ollama_functions.py`.
* Slips (prose around calls, fences, trailing commas, single quotes, a cut-off
  reply, a missing closing tag): how LiteLLM's and vLLM's Hermes parsers
  describe real replies (`vllm/entrypoints/openai/tool_parsers/
  hermes_tool_parser.py` handles a missing `</tool_call>` at the end).
"""
# ruff: noqa: RUF001, RUF002 - DeepSeek's special tokens use fullwidth bars

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TOOLS = ("get_weather", "magic_function", "magic_function_no_args", "search")


@dataclass(frozen=True)
class Reply:
    id: str
    source: str
    raw: str
    content: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    invalid: int = 0
    forced: str | None = None


QWEN = "Qwen2.5-Instruct chat template"
HERMES = "NousResearch/Hermes-Function-Calling"
LLAMA31 = "meta-llama/llama-models llama3_1/prompt_format.md"
MISTRAL = "mistralai/mistral-common [TOOL_CALLS]"
DEEPSEEK = "DeepSeek V3 template / sglang DeepSeekV3Detector"
OLLAMA = "langchain_experimental OllamaFunctions"
SLIP = "slips seen by vLLM/LiteLLM Hermes parsers"

CORPUS: tuple[Reply, ...] = (
    Reply(
        "qwen-single",
        QWEN,
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", '
        '"unit": "celsius"}}\n</tool_call>',
        "",
        [("get_weather", {"city": "Paris", "unit": "celsius"})],
    ),
    Reply(
        "qwen-parallel",
        QWEN,
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n'
        '</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": '
        '{"city": "Tokyo"}}\n</tool_call>',
        "",
        [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Tokyo"})],
    ),
    Reply(
        "qwen-text-answer",
        QWEN,
        "The weather in Paris is 18 °C and sunny, according to the tool.",
        "The weather in Paris is 18 °C and sunny, according to the tool.",
    ),
    Reply(
        "hermes-prose-before",
        HERMES,
        'I\'ll look that up for you.\n<tool_call>\n{"arguments": {"query": '
        '"Replicate pricing"}, "name": "search"}\n</tool_call>',
        "I'll look that up for you.",
        [("search", {"query": "Replicate pricing"})],
    ),
    Reply(
        "hermes-prose-around",
        HERMES,
        'Let me check.\n<tool_call>\n{"name": "magic_function", '
        '"arguments": {"input": 3}}\n</tool_call>\nI will report back.',
        "Let me check.\nI will report back.",
        [("magic_function", {"input": 3})],
    ),
    Reply(
        "hermes-no-args",
        HERMES,
        '<tool_call>\n{"name": "magic_function_no_args", "arguments": {}}\n'
        "</tool_call>",
        "",
        [("magic_function_no_args", {})],
    ),
    Reply(
        "hermes-unicode",
        HERMES,
        '<tool_call>\n{"name": "search", "arguments": {"query": "天气 北京 '
        'ñandú 🌧"}}\n</tool_call>',
        "",
        [("search", {"query": "天气 北京 ñandú 🌧"})],
    ),
    Reply(
        "hermes-missing-close",
        SLIP,
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n',
        "",
        [("get_weather", {"city": "Oslo"})],
    ),
    Reply(
        "hermes-trailing-comma",
        SLIP,
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lima",}}\n'
        "</tool_call>",
        "",
        [("get_weather", {"city": "Lima"})],
    ),
    Reply(
        "hermes-single-quotes",
        SLIP,
        "<tool_call>\n{'name': 'get_weather', 'arguments': {'city': 'Rome'}}\n"
        "</tool_call>",
        "",
        [("get_weather", {"city": "Rome"})],
    ),
    Reply(
        "hermes-single-quoted-args",
        SLIP,
        '<tool_call>\n{"name": "get_weather", "arguments": {\'city\': '
        "'Cairo'}}\n</tool_call>",
        "",
        [("get_weather", {"city": "Cairo"})],
    ),
    Reply(
        "hermes-fenced-inside-tag",
        SLIP,
        '<tool_call>\n```json\n{"name": "search", "arguments": {"query": "x"}}'
        "\n```\n</tool_call>",
        "",
        [("search", {"query": "x"})],
    ),
    Reply(
        "hermes-string-arguments",
        SLIP,
        '<tool_call>\n{"name": "magic_function", "arguments": "{\\"input\\": '
        '5}"}\n</tool_call>',
        "",
        [("magic_function", {"input": 5})],
    ),
    Reply(
        "hermes-cut-off",
        SLIP,
        'Sure.\n<tool_call>\n{"name": "search", "arguments": {"query": "lang',
        "Sure.",
        [("search", {"query": "lang"})],
    ),
    Reply(
        "hermes-unreadable",
        SLIP,
        "<tool_call>\nget_weather(city='Paris')\n</tool_call>",
        "",
        [],
        invalid=1,
    ),
    Reply(
        "llama31-json",
        LLAMA31,
        '{"name": "get_weather", "parameters": {"city": "San Francisco"}}',
        "",
        [("get_weather", {"city": "San Francisco"})],
    ),
    Reply(
        "llama31-python-tag",
        LLAMA31,
        '<|python_tag|>{"name": "search", "parameters": {"query": "llamas"}}',
        "",
        [("search", {"query": "llamas"})],
    ),
    Reply(
        "llama32-type-function",
        LLAMA31,
        '{"type": "function", "name": "magic_function", "parameters": {"input": 7}}',
        "",
        [("magic_function", {"input": 7})],
    ),
    Reply(
        "llama31-two-calls-semicolon",
        LLAMA31,
        '{"name": "get_weather", "parameters": {"city": "Paris"}}; '
        '{"name": "get_weather", "parameters": {"city": "Berlin"}}',
        "",
        [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Berlin"})],
    ),
    Reply(
        "llama31-function-tag",
        LLAMA31,
        '<function=get_weather>{"city": "Madrid"}</function>',
        "",
        [("get_weather", {"city": "Madrid"})],
    ),
    Reply(
        "mistral-tool-calls",
        MISTRAL,
        '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Nice"}}, '
        '{"name": "search", "arguments": {"query": "Nice museums"}}]',
        "",
        [("get_weather", {"city": "Nice"}), ("search", {"query": "Nice museums"})],
    ),
    Reply(
        "deepseek-v3",
        DEEPSEEK,
        "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather"
        '\n```json\n{"city": "Hangzhou"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
        "",
        [("get_weather", {"city": "Hangzhou"})],
    ),
    Reply(
        "deepseek-v31",
        DEEPSEEK,
        "Checking.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>search<｜tool▁sep｜>"
        '{"query": "DeepSeek"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
        "Checking.",
        [("search", {"query": "DeepSeek"})],
    ),
    Reply(
        "ollama-functions",
        OLLAMA,
        '{"tool": "search", "tool_input": {"query": "ollama"}}',
        "",
        [("search", {"query": "ollama"})],
    ),
    Reply(
        "fenced-json-call",
        SLIP,
        'Here is the call:\n```json\n{"name": "get_weather", "arguments": '
        '{"city": "Quito"}}\n```',
        "Here is the call:",
        [("get_weather", {"city": "Quito"})],
    ),
    Reply(
        "fenced-json-not-a-call",
        SLIP,
        'An example config:\n```json\n{"name": "my-app", "version": 2}\n```\n'
        "Save it as app.json.",
        'An example config:\n```json\n{"name": "my-app", "version": 2}\n```\n'
        "Save it as app.json.",
    ),
    Reply(
        "braces-in-prose",
        SLIP,
        'Use {name} in the template, and {"a": 1} is JSON;\n{x} too, and f(<b>) < 3.',
        'Use {name} in the template, and {"a": 1} is JSON;\n{x} too, and f(<b>) < 3.',
    ),
    Reply(
        "bare-json-unknown-name",
        SLIP,
        '{"name": "Ada Lovelace", "born": 1815}',
        '{"name": "Ada Lovelace", "born": 1815}',
    ),
    Reply(
        "forced-bare-arguments",
        SLIP,
        '{"city": "Paris", "unit": "celsius"}',
        "",
        [("get_weather", {"city": "Paris", "unit": "celsius"})],
        forced="get_weather",
    ),
    Reply(
        "forced-fenced-arguments",
        SLIP,
        '```json\n{"input": 3,}\n```',
        "",
        [("magic_function", {"input": 3})],
        forced="magic_function",
    ),
    Reply(
        "qwen-list-in-one-block",
        SLIP,
        '<tool_call>\n[{"name": "get_weather", "arguments": {"city": "Oslo"}}, '
        '{"name": "search", "arguments": {"query": "Oslo"}}]\n</tool_call>',
        "",
        [("get_weather", {"city": "Oslo"}), ("search", {"query": "Oslo"})],
    ),
    Reply(
        "llama31-parameters-as-string",
        LLAMA31,
        '{"name": "magic_function", "parameters": "{\\"input\\": 9}"}',
        "",
        [("magic_function", {"input": 9})],
    ),
    Reply(
        "hermes-think-then-call",
        HERMES,
        "<think>\nThe user wants the weather; I should call get_weather.\n</think>\n"
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Kyiv"}}\n'
        "</tool_call>",
        "<think>\nThe user wants the weather; I should call get_weather.\n</think>",
        [("get_weather", {"city": "Kyiv"})],
    ),
    Reply(
        "openai-function-object",
        SLIP,
        '```json\n{"type": "function", "function": {"name": "search", '
        '"arguments": "{\\"query\\": \\"vLLM\\"}"}}\n```',
        "",
        [("search", {"query": "vLLM"})],
    ),
    Reply(
        "markdown-list-and-link",
        SLIP,
        "[Replicate](https://replicate.com) runs models.\n[1] a footnote\n"
        "`code` and ``` inline.",
        "[Replicate](https://replicate.com) runs models.\n[1] a footnote\n"
        "`code` and ``` inline.",
    ),
)
