"""What the chat-completions reference models do (IBM Granite 4.0 / 4.1).

Their schemas (data) are in `catalogue.granite`: Replicate's vLLM-based
predictor's inputs (`prompt`, `messages`, `tools`, `tool_choice`,
`response_format`, `documents`, `chat_template_kwargs`, sampling, `stop`,
`stream`; the declared output is a text iterator). They answer as it does:

* with `prompt` (no `messages`): plain text tokens, the server's usual
  deterministic reply (`_models.text.reply_tokens`);
* with `messages`: chat-completion JSON, one item (`ChatCompletionResponse`),
  or one `ChatCompletionStreamResponse` per item when `stream` is true: a
  role chunk, one chunk per content token, tool calls split over several
  chunks (id, type and name first, then the arguments in pieces), a closing
  chunk with `finish_reason`.

The two versions differ as the real ones do:

| | granite-4.0-h-small | granite-4.1-8b |
|---|---|---|
| nulls and empty lists | omitted | written |
| streamed usage | a final usage-only chunk (`choices: []`) | none |
| metrics | `input_token_count`, | `token_input_count`, `token_output_count` |
| | `output_token_count` | (none when streamed) |
| `messages` default | `[]` | none (nullable) |

What they answer follows `tool_rules` (which tool) and `argument_rules` (which
arguments, JSON instances), whose module docstrings list the rules, plus:

1. tools come from `tools`, the choice from `tool_choice` (`none`, `auto`,
   `required`, or a JSON string naming a function; JSON that does not parse
   is ignored, as the real predictor does). A named function that is not in
   `tools` fails the prediction with vLLM's error JSON, as does a
   `tool_choice` other than `none` without `tools`, and an assistant tool
   call whose arguments are not JSON;
2. no tools, or `none`: a text reply. `auto` (or no choice) right after tool
   results (the last message is a `tool` message): the next tool of the plan
   the last user message names (`tool_rules.next_named_tool`: "make an image
   with flux-schnell, then upscale it with real-esrgan"), its URL arguments
   taking the results' URLs; when the plan is done (or there is none), a
   text reply that quotes the results;
   `required` right after tool results (an agent forcing its answer tool):
   a call to the first tool no assistant turn has called yet (all tools if
   every one was), its arguments built from the results;
3. a tool call's `finish_reason` is `tool_calls` when the model chose by itself
   (`auto`), `stop` for `required` or a named choice;
4. `response_format` `json_schema`: the content is a JSON instance of the
   schema (`json_instance`); `json_object`: an object keyed by the quoted
   identifiers of the last user message (`json_object_for`);
5. `documents` (the input, or `chat_template_kwargs["documents"]`: both are
   chat-template variables): the text reply cites the first document (its
   title, else its id, and its text);
6. text replies honour `max_completion_tokens` (else `max_tokens`),
   `min_tokens` and `stop` (the sequence that ended the text is the choice's
   `stop_reason`, as vLLM reports it); JSON content and tool calls are never
   cut.

Usage counts the words and marks of every message (and the tools' JSON) as
prompt tokens, and the content tokens (or the arguments' tokens) as
completion tokens.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_replicate.testing._models.argument_rules import (
    build_arguments,
    find_urls,
    json_instance,
    json_object_for,
)
from langchain_replicate.testing._models.completion_writer import (
    Call,
    CompletionStyle,
    CompletionWriter,
    Reply,
    split_json,
)
from langchain_replicate.testing._models.prompted import prompted_reply, reply_pieces
from langchain_replicate.testing._models.text import (
    content_text,
    count_tokens,
    derive_seed,
    limit_tokens,
    reply_tokens,
)
from langchain_replicate.testing._models.tool_rules import (
    UnknownToolError,
    choose_tool,
    next_named_tool,
    tool_name,
    tool_parameters,
)

if TYPE_CHECKING:
    from langchain_replicate.testing._models.reference import (
        Output,
        Predict,
        PredictionContext,
    )

__all__ = ["CompletionStyle", "chat_completions_model"]


class _VLLMError(Exception):
    """A request vLLM refuses: the prediction fails with its error JSON."""

    def __init__(self, message: str) -> None:
        body = {
            "object": "error",
            "message": message,
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        }
        super().__init__(json.dumps(body))


# --- reading the request -------------------------------------------------------


def _last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    users = [m for m in messages if m.get("role") == "user"]
    return content_text(users[-1].get("content")) if users else ""


def _tool_choice(value: object, tools: Sequence[Any]) -> object:
    """The parsed choice; bad JSON is ignored, as the real predictor does."""
    choice: object = value
    if isinstance(value, str) and value not in {"none", "auto", "required"}:
        try:
            choice = json.loads(value)
        except ValueError:
            choice = None
    if choice is not None and choice != "none" and not tools:
        msg = "When using `tool_choice`, `tools` must be set."
        raise _VLLMError(msg)
    return choice


def _check_history(messages: Sequence[Mapping[str, Any]]) -> None:
    for index, message in enumerate(messages):
        for call in message.get("tool_calls") or []:
            arguments = (call.get("function") or {}).get("arguments")
            try:
                json.loads(arguments) if isinstance(arguments, str) else None
            except ValueError:
                msg = (
                    f"messages[{index}]: tool call arguments are not valid JSON: "
                    f"{arguments!r}"
                )
                raise _VLLMError(msg) from None


def _prompt_tokens(values: Mapping[str, Any]) -> int:
    seen = [content_text(m.get("content")) for m in values["messages"]]
    seen += [json.dumps(values.get("tools") or [])] if values.get("tools") else []
    return sum(count_tokens(text) for text in seen)


def _tool_results(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    """The trailing tool messages' contents (the results just returned)."""
    results: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.insert(0, content_text(message.get("content")))
    return results


_Tool = TypeVar("_Tool", bound=Mapping[str, Any])


def _not_called(
    tools: list[_Tool], messages: Sequence[Mapping[str, Any]]
) -> list[_Tool]:
    """The tools no assistant turn has called yet (all, if none is left)."""
    called = {
        str((call.get("function") or {}).get("name"))
        for message in messages
        if message.get("role") == "assistant"
        for call in message.get("tool_calls") or []
        if isinstance(call, Mapping)
    }
    fresh = [tool for tool in tools if tool_name(tool) not in called]
    return fresh or tools


def _called_since_user(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of the tools called since the last user message."""
    last_user = max(
        (i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1
    )
    return [
        str((call.get("function") or {}).get("name"))
        for message in messages[last_user + 1 :]
        if message.get("role") == "assistant"
        for call in message.get("tool_calls") or []
        if isinstance(call, Mapping)
    ]


# --- the reply (a `Reply`, written by `completion_writer`) ---------------------------


def _max_tokens(values: Mapping[str, Any]) -> int:
    max_tokens = values.get("max_completion_tokens")
    return max_tokens if isinstance(max_tokens, int) else int(values["max_tokens"])


def _text_reply(
    values: Mapping[str, Any], question: str, facts: list[str]
) -> tuple[list[str], str | None]:
    """The text tokens, and the stop sequence that ended them (if one did)."""
    rng = random.Random(_seed(values))  # noqa: S311 - reproducible text
    max_tokens = _max_tokens(values)
    min_tokens = max(int(values.get("min_tokens") or 0), 0)
    tokens = list(reply_tokens(question, rng, facts=facts, min_tokens=min_tokens))
    stops = [s for s in values.get("stop") or [] if s]
    whole = "".join(limit_tokens(tokens, max_tokens=max_tokens, min_tokens=min_tokens))
    cut = list(
        limit_tokens(
            tokens,
            max_tokens=max_tokens,
            min_tokens=min_tokens,
            stop_sequences=stops,
        )
    )
    rest = whole[len("".join(cut)) :]
    hit = next((s for s in stops if rest.startswith(s)), None) if rest else None
    return cut, hit


def _seed(values: Mapping[str, Any]) -> int:
    seed = values.get("seed")
    return int(seed) if isinstance(seed, int) and seed >= 0 else derive_seed(values)


def _call_id(values: Mapping[str, Any], index: int) -> str:
    digest = hashlib.sha256(f"{_seed(values)}:{index}".encode()).hexdigest()[:32]
    return f"chatcmpl-tool-{digest}"


def _facts(values: Mapping[str, Any], results: Sequence[str]) -> list[str]:
    facts = [f'The tool returned: "{result}".' for result in results]
    template_kwargs = values.get("chat_template_kwargs") or {}
    given = values.get("documents") or template_kwargs.get("documents") or []
    documents = [d for d in given if isinstance(d, Mapping)]
    if documents:
        first = documents[0]
        label = first.get("title") or first.get("doc_id") or "1"
        facts.append(f'According to document "{label}": {first.get("text", "")}')
    return facts


def _reply(values: Mapping[str, Any]) -> Reply:
    messages = values["messages"]
    _check_history(messages)
    tools = [t for t in values.get("tools") or [] if isinstance(t, Mapping)]
    if not tools and (scripted := prompted_reply(messages)) is not None:
        # Tools described in the messages (ChatReplicate's tool_calling="prompt").
        pieces = reply_pieces(scripted)
        content = list(limit_tokens(pieces, max_tokens=_max_tokens(values)))
        return Reply(content, (), "stop", len(content))
    choice = _tool_choice(values.get("tool_choice"), tools)
    text = _last_user_text(messages)
    results = _tool_results(messages)
    chosen = None
    urls: list[str] = []
    chooses_itself = choice is None or choice == "auto"
    if results and not chooses_itself and choice == "required":
        # A call required right after results (an agent forcing its answer
        # tool): the next step's tool, its arguments from the results.
        tools, text = _not_called(tools, messages), " ".join(results)
    if results and chooses_itself:
        # The next step of the plan the user named, fed the results' URLs.
        chosen = next_named_tool(tools, text, _called_since_user(messages))
        urls = [url for result in results for url in find_urls(result)]
    else:
        try:
            chosen = choose_tool(tools, choice, text)
        except UnknownToolError as e:
            raise _VLLMError(str(e)) from None
    if chosen is not None:
        name = tool_name(chosen)
        arguments = json.dumps(
            build_arguments(tool_parameters(chosen), text, name=name, urls=urls),
            ensure_ascii=False,
        )
        reason = "tool_calls" if chooses_itself else "stop"
        call = Call(_call_id(values, 0), name, arguments)
        return Reply([], (call,), reason, count_tokens(arguments))
    response_format = values.get("response_format") or {}
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        content = split_json(
            json.dumps(json_instance(schema, text), ensure_ascii=False)
        )
    elif kind == "json_object":
        content = split_json(json.dumps(json_object_for(text), ensure_ascii=False))
    else:
        content, stopped_by = _text_reply(values, text, _facts(values, results))
        full = len(content) >= _max_tokens(values) and stopped_by is None
        reason = "length" if full else "stop"
        return Reply(content, (), reason, len(content), stopped_by)
    return Reply(content, (), "stop", len(content))


async def _paced(ctx: PredictionContext, items: Sequence[str]) -> AsyncIterator[str]:
    for count, item in enumerate(items):
        delay = ctx.pace.token_interval if count else ctx.pace.time_to_first_token
        if delay > 0:
            await ctx.sleep(delay)
        yield item


def chat_completions_model(style: CompletionStyle) -> Predict:
    """The predictor of a chat-completions model (see the module docstring)."""

    async def predict(ctx: PredictionContext) -> AsyncIterator[Output]:
        values = ctx.input
        if not values.get("messages"):
            prompt = str(values.get("prompt") or "")
            tokens, _ = _text_reply(values, prompt, _facts(values, []))
            ctx.metrics[style.input_metric] = count_tokens(
                f"{values.get('system_prompt') or ''} {prompt}"
            )
            ctx.metrics[style.output_metric] = len(tokens)
            async for token in _paced(ctx, tokens):
                yield token
            return
        reply = _reply(values)
        prompt_tokens = _prompt_tokens(values)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": prompt_tokens + reply.completion_tokens,
        }
        seed = _seed(values)
        writer = CompletionWriter(
            style, f"chatcmpl-{seed:08x}{len(values['messages']):04x}", int(time.time())
        )
        streamed = bool(values.get("stream"))
        if not streamed or style.metrics_when_streamed:
            ctx.metrics[style.input_metric] = prompt_tokens
            ctx.metrics[style.output_metric] = reply.completion_tokens
        ctx.log(
            f"Chat completion: {len(values['messages'])} messages, "
            f"{len(values.get('tools') or [])} tools\n"
        )
        if streamed:
            async for item in _paced(ctx, writer.stream(reply, usage)):
                yield item
            return
        async for _ in _paced(ctx, reply.content or ["."]):
            pass
        yield writer.response(reply, usage)

    return predict
