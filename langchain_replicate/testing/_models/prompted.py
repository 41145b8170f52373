r"""How the reference text models answer tool and JSON prompts (pure).

Models with no `tools` input (`meta/meta-llama-3-8b-instruct`,
`openai/gpt-5-nano`, ...) answer as Hermes-trained models do, so prompted tool
calling can be tested end to end. What they read is only what such a model
reads, never any instruction's wording:

* **tool definitions**: OpenAI function definitions written as JSON anywhere
  in the prompt (`{"type": "function", "function": {"name", ...}}`; the
  `<tools>` tags around them do not matter);
* **the `<tool_call>` convention**: earlier calls as `<tool_call>` blocks in
  assistant turns; an assistant turn left open after `<tool_call>` (a
  pre-filled call, optionally with `{"name": "...", "arguments": `), or a
  conversation that ends with an assistant message holding `<tool_call>`,
  means a call is required;
* **tool results**: a last user turn holding `<tool_response>` blocks, or one
  that follows an assistant turn with `<tool_call>` blocks;
* **a JSON schema**: a JSON object with `properties` (or exactly
  `{"type": "object"}`: any object) in the system part of the prompt, outside
  the tool definitions, asks for a JSON reply.

Replies (`prompted_reply`; `None` means "answer as usual"):

* tools and a question: the tool chosen by the same rules as the native
  chat-completions models (`_models.tool_rules.choose_tool`: a tool named in the
  question, else by the words of its name, else the first one when a call is
  required, else none), its arguments by `_models.argument_rules.build_arguments`,
  written as `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>`
  (or the rest of it, after a pre-filled opening);
* after tool results with a call required (an agent forcing its answer
  tool): a call to the first tool not called yet in the conversation (all
  tools if every one was), its arguments built from the results;
* after tool results, when the question (the last user turn that is no
  tool result) names tools not called since, and no JSON schema is asked
  for: a call to the next of them, as the chat-completions models do
  (`_models.tool_rules.next_named_tool`; URL arguments take the results'
  URLs);
* after tool results: text quoting them, `The tool returned: "...".` each
  (as the chat-completions reference models do), or, when a JSON schema was
  asked for too, its JSON instance built from the results (the final answer
  of an agent with a response format);
* a JSON schema and a question (with tools: when no tool is chosen):
  `_models.argument_rules.json_instance` of the schema (for `{"type": "object"}`,
  `_models.argument_rules.json_object_for` the question), as the whole reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from langchain_replicate.testing._models.argument_rules import (
    build_arguments,
    find_urls,
    json_instance,
    json_object_for,
)
from langchain_replicate.testing._models.text import (
    content_text,
    last_user_turn,
    user_turns,
)
from langchain_replicate.testing._models.tool_rules import (
    choose_tool,
    next_named_tool,
    tool_name,
    tool_parameters,
)

__all__ = ["prompted_reply", "reply_pieces"]

_TOOL_DEFINITION = re.compile(r'\{\s*"type"\s*:\s*"function"\s*,\s*"function"\s*:')
_SCHEMA_START = re.compile(r"\{")
_OPEN_CALL = re.compile(
    r'<tool_call>\s*(?:\{\s*"name"\s*:\s*"(?P<name>[^"]+)"\s*,\s*"arguments"\s*:\s*)?\Z'
)
_CALLED = re.compile(r'<tool_call>\s*\{\s*"name"\s*:\s*"([^"]+)"')
_RESPONSE = re.compile(r"<tool_response>\s*(.*?)\s*</tool_response>", re.DOTALL)
_PIECE = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")
_DECODER = json.JSONDecoder()


def _spans(text: str, start: re.Pattern[str]) -> list[tuple[dict[str, Any], int, int]]:
    """The JSON objects that begin where `start` matches in `text`, with their span."""
    found = []
    for match in start.finditer(text):
        try:
            value, end = _DECODER.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append((value, match.start(), end))
    return found


def _tools(text: str) -> list[dict[str, Any]]:
    return [value for value, _, _ in _spans(text, _TOOL_DEFINITION)]


def _schema(system: str) -> dict[str, Any] | None:
    """The first object schema in the text (`properties` or `{"type": "object"}`).

    Tool definitions are not schemas of the reply: their text is skipped.
    """
    for _, begin, end in _spans(system, _TOOL_DEFINITION):
        system = system[:begin] + " " * (end - begin) + system[end:]
    for value, _, _ in _spans(system, _SCHEMA_START):
        if isinstance(value.get("properties"), dict) or value == {"type": "object"}:
            return value
    return None


def _json_reply(schema: Mapping[str, Any], question: str) -> str:
    value = (
        json_object_for(question)
        if "properties" not in schema
        else json_instance(schema, question)
    )
    return json.dumps(value, ensure_ascii=False)


def _call(name: str, args: Mapping[str, Any]) -> str:
    body = json.dumps({"name": name, "arguments": dict(args)}, ensure_ascii=False)
    return f"<tool_call>\n{body}\n</tool_call>"


def _results_text(results: Sequence[str]) -> str:
    return " ".join(f'The tool returned: "{" ".join(r.split())}".' for r in results)


def _answer(
    tools: Sequence[Mapping[str, Any]],
    question: str,
    *,
    forced: bool,
    named: str | None,
    prefilled: bool,
) -> str | None:
    choice: object = "required" if forced else "auto"
    if named is not None:
        choice = {"type": "function", "function": {"name": named}}
    try:
        tool = choose_tool(tools, choice, question)
    except ValueError:
        return None
    if tool is None:
        return None
    name = tool_name(tool)
    args = build_arguments(tool_parameters(tool), question, name=name)
    if named is not None and prefilled:
        return json.dumps(args, ensure_ascii=False) + "}\n</tool_call>"
    block = _call(name, args)
    if prefilled:
        return block.removeprefix("<tool_call>").lstrip("\n")
    return block


def _from_prompt(prompt: str) -> str | None:
    """A reply to a rendered prompt (template models)."""
    tools = _tools(prompt)
    last = last_user_turn(prompt)
    open_call = _OPEN_CALL.search(prompt.rstrip(" "))
    schema = _schema(prompt.replace(last, ""))
    if tools:
        results = _RESPONSE.findall(last)
        if results and open_call is None:
            questions = [t for t in user_turns(prompt) if not _RESPONSE.search(t)]
            if questions and schema is None:
                since = prompt[prompt.rfind(questions[-1]) :]
                step = _next_step(tools, questions[-1], _CALLED.findall(since), results)
                if step is not None:
                    return step
            return _final_answer(results, schema)
        question = _RESPONSE.sub("", last).strip()
        if results:  # a call required right after results: the next step's tool
            tools = _not_called(tools, prompt[: open_call.start()] if open_call else "")
            question = " ".join(results)
        answer = _answer(
            tools,
            question,
            forced=open_call is not None,
            named=open_call["name"] if open_call else None,
            prefilled=open_call is not None,
        )
        if answer is None and schema is not None:
            return _json_reply(schema, question)
        return answer
    if schema is not None:
        return _json_reply(schema, last)
    return None


_Tool = TypeVar("_Tool", bound=Mapping[str, Any])


def _not_called(tools: list[_Tool], conversation: str) -> list[_Tool]:
    """The tools no `<tool_call>` of the conversation named (all, if none is left)."""
    called = set(_CALLED.findall(conversation))
    fresh = [tool for tool in tools if tool_name(tool) not in called]
    return fresh or tools


def _next_step(
    tools: Sequence[Mapping[str, Any]],
    question: str,
    called: Sequence[str],
    results: Sequence[str],
) -> str | None:
    """The next named tool's `<tool_call>` (`tool_rules.next_named_tool`), or None."""
    tool = next_named_tool(tools, question, called)
    if tool is None:
        return None
    name = tool_name(tool)
    urls = [url for result in results for url in find_urls(result)]
    parameters = tool_parameters(tool)
    return _call(name, build_arguments(parameters, question, name=name, urls=urls))


def _plan_step(
    turns: Sequence[tuple[str, str]],
    users: Sequence[int],
    tools: Sequence[Mapping[str, Any]],
    results: Sequence[str],
) -> str | None:
    """`_next_step` for a `messages` list.

    The question is the last user turn that does not follow an assistant's
    `<tool_call>` (that one holds tool results).
    """
    for index in reversed(users):
        role, text = turns[index - 1] if index > 0 else ("", "")
        if not (role == "assistant" and "<tool_call>" in text):
            after = "\n".join(t for r, t in turns[index + 1 :] if r == "assistant")
            return _next_step(tools, turns[index][1], _CALLED.findall(after), results)
    return None


def _final_answer(results: Sequence[str], schema: Mapping[str, Any] | None) -> str:
    """After tool results: JSON when a reply schema was asked for, else text."""
    if schema is not None:
        return _json_reply(schema, " ".join(results))
    return _results_text(results)


def _from_messages(messages: Sequence[Mapping[str, Any]]) -> str | None:
    """A reply to a `messages` list (chat models)."""
    turns = [(str(m.get("role")), content_text(m.get("content"))) for m in messages]
    system = "\n".join(text for role, text in turns if role == "system")
    tools = _tools(system)
    forced = (
        bool(turns) and turns[-1][0] == "assistant" and "<tool_call>" in turns[-1][1]
    )
    if forced:
        turns = turns[:-1]
    users = [i for i, (role, _) in enumerate(turns) if role == "user"]
    if not users:
        return None
    last = users[-1]
    question = turns[last][1]
    schema = _schema(system)
    if tools:
        before = turns[last - 1] if last > 0 else ("", "")
        follows_call = before[0] == "assistant" and "<tool_call>" in before[1]
        if follows_call:
            results = _RESPONSE.findall(question) or [question]
            if not forced:
                step = (
                    _plan_step(turns, users, tools, results) if schema is None else None
                )
                return step or _final_answer(results, schema)
            # A call required right after results: the next step's tool.
            tools = _not_called(tools, "\n".join(text for _, text in turns))
            question = " ".join(results)
        answer = _answer(tools, question, forced=forced, named=None, prefilled=False)
        if answer is None and schema is not None:
            return _json_reply(schema, question)
        return answer
    if schema is not None:
        return _json_reply(schema, question)
    return None


def prompted_reply(
    prompt: str | Sequence[Mapping[str, Any]] | None,
) -> str | None:
    """The reply to a tool or JSON-schema prompt, or `None` to answer as usual.

    Args:
        prompt: The rendered prompt (template models) or the `messages` list.

    Returns:
        The whole reply text, or `None` when the prompt asks for neither.
    """
    if prompt is None:
        return None
    if isinstance(prompt, str):
        return _from_prompt(prompt)
    return _from_messages(prompt)


def reply_pieces(text: str) -> list[str]:
    """Split a reply into tokens that add up to it exactly (whitespace kept)."""
    return _PIECE.findall(text)
