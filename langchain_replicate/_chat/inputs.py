"""A conversation → the prompt inputs of one model, decided by its schema (pure).

`chat_prompt` is the conversation's one way through this wing, each step once:

0. untrusted text stays text: the special tokens and tool tags in the
   content of human, AI and tool messages are neutralized
   (`_chat/untrusted.py`), unless `escape_special_tokens=False`;
1. tools by prompt: a call's tools or response format for a model without a
   `tools` input (or any model with `tool_calling="prompt"`), and tool calls
   or results in its conversation, are lowered into plain turns
   (`_chat/prompted_tools.py`, with the texts of `_chat/tool_prompts.py`);
2. the input shape, chosen from the schema (first rule that fits):

   a. `messages` **and** `tools` inputs (the chat-completions family, e.g.
      IBM's Granite models): the full OpenAI message list (tool calls, tool
      results, images as `image_url` parts), plus the call's `tools`,
      `tool_choice`, `response_format`, `stop` and `stream`
      (`_tool_use/completions.py`; no `tools` when they went by prompt);
   b. a `messages` input (Replicate's newer official models, e.g.
      `openai/gpt-5-nano`): the OpenAI-style message list;
   c. one user message (after any system messages) and a `system_prompt`
      input: `system_prompt` + `prompt`, templated by the model itself;
   d. a `prompt_template` input (the official llama-3 models): the
      conversation rendered with the family template into `prompt`, and the
      model's own template set to `{prompt}` so it is not templated twice
      (what the model's schema recommends for dialogs);
   e. a `system_prompt` input: `split_turns` — the model adds the opening
      and the close of its family template, we render the rest;
   f. otherwise: the conversation rendered with the family template; one
      user message alone is sent as it is when no template is known;

3. rendering: `_chat/openai_messages.py` (a, b), `_chat/images.py` (images to
   the schema's image input, `image_slot`, checked before any upload),
   `_chat/prompts.py` (c-f: the messages read once into turns by
   `_chat/messages.py`, then `render_turns` / `split_turns`).

`ChatPrompt.prepare` fills the image input once the I/O layer has turned each
image into a URL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, ToolMessage

from langchain_replicate._chat.images import (
    ImageInput,
    ImageSlot,
    extract_images,
    image_slot,
)
from langchain_replicate._chat.messages import to_turns
from langchain_replicate._chat.openai_messages import (
    to_chat_completion_messages,
    to_openai_messages,
)
from langchain_replicate._chat.prompted_tools import ToolCalling, prompted_request
from langchain_replicate._chat.prompts import (
    ChatTemplate,
    render_turns,
    split_turns,
)
from langchain_replicate._chat.template_choice import (
    select_template,
    template_for_model,
)
from langchain_replicate._chat.untrusted import neutralize_messages, special_tokens
from langchain_replicate._inputs.schema import GUESSED_PROMPT_KEY
from langchain_replicate._tool_use.completions import (
    ToolRequest,
    completion_inputs,
    is_chat_completions,
)
from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_core.messages import BaseMessage

    from langchain_replicate._chat.prompted_tools import PromptedRequest
    from langchain_replicate._inputs.calls import CallPlan, PreparedCall
    from langchain_replicate._inputs.schema import InputSchema

_MESSAGES = "messages"
_SYSTEM_PROMPT = "system_prompt"
_PROMPT_TEMPLATE = "prompt_template"
_VERBATIM = "{prompt}"
"""A model's own `prompt_template` that leaves our rendered prompt as it is."""


@dataclass(frozen=True)
class ChatPrompt:
    """The inputs a conversation becomes for one model, before image uploads."""

    prompt_key: str
    """The input that takes `prompt`: `messages` or the schema's prompt input."""
    prompt: Any
    """The message list, or the prompt text."""
    inputs: dict[str, Any]
    """Further inputs from the conversation (`system_prompt`, `prompt_template`)."""
    images: tuple[ImageInput, ...] = ()
    """The images, in order, for the I/O layer to turn into URLs."""
    slot: ImageSlot | None = None
    """The schema input that takes the images (set when there are images)."""

    def prepare(
        self, plan: CallPlan, schema: InputSchema | None, image_urls: Sequence[str]
    ) -> PreparedCall:
        """Build the prediction input.

        The conversation's inputs win over `model_kwargs` and call kwargs of
        the same name: they are what the messages say.

        Args:
            plan: The call's parameters.
            schema: The model's input schema.
            image_urls: One URL per image in `images`.

        Returns:
            The prepared call.
        """
        inputs = dict(self.inputs)
        if self.slot is not None:
            inputs.update(self.slot.fill(image_urls))
        plan = dataclasses.replace(
            plan, prompt_key=self.prompt_key, extra={**plan.extra, **inputs}
        )
        return plan.prepare(self.prompt, schema)


def _takes(schema: InputSchema | None, name: str) -> bool:
    return schema is not None and name in schema.properties


def _prompted_request(
    messages: Sequence[BaseMessage], schema: InputSchema | None, request: ToolRequest
) -> PromptedRequest:
    """`prompted_request` for this call's tools, its errors as `ReplicateInputError`."""
    try:
        return prompted_request(
            messages,
            schema,
            tools=request.tools,
            tool_choice=request.choice,
            response_format=request.response_format,
        )
    except ValueError as e:
        raise ReplicateInputError(str(e)) from e


def _native_only(schema: InputSchema | None, model: str) -> ReplicateInputError:
    inputs = ", ".join(schema.names) if schema else "unknown"
    msg = (
        f"model {model} takes no `tools` input (its inputs: {inputs}), so it "
        "cannot call tools natively (tool_calling='native'). Use "
        "tool_calling='auto' or 'prompt' to describe the tools in the prompt, or "
        "a chat-completions model that takes `messages` and `tools` (e.g. "
        "ibm-granite/granite-4.0-h-small)."
    )
    return ReplicateInputError(msg)


def _has_tool_turns(messages: Sequence[BaseMessage]) -> bool:
    return any(
        isinstance(m, ToolMessage)
        or (isinstance(m, AIMessage) and (m.tool_calls or m.invalid_tool_calls))
        for m in messages
    )


def chat_prompt(
    messages: Sequence[BaseMessage],
    schema: InputSchema | None,
    *,
    model: str,
    prompt_template: str | ChatTemplate | None = None,
    tool_request: ToolRequest | None = None,
    stream: bool = False,
    stop: Sequence[str] | None = None,
    tool_calling: ToolCalling = "auto",
    escape_special_tokens: bool = True,
) -> ChatPrompt:
    """Decide how a conversation is sent to a model (see the module docstring).

    Args:
        messages: The conversation.
        schema: The model's input schema (`None` when it has none).
        model: The model reference, to choose a template and for errors.
        prompt_template: Our template choice (a built-in name or a
            `ChatTemplate`); `None` to choose by model name.
        tool_request: The call's tools, tool choice and response format.
        stream: Whether the call streams (chat-completions models are then
            asked for one JSON chunk per item).
        stop: The call's stop sequences.
        tool_calling: `auto` (native for models with `messages` and `tools`
            inputs, else by prompt), `native` (a model without a `tools`
            input raises) or `prompt` (by prompt for every model).
        escape_special_tokens: Neutralize special tokens and tool tags in
            untrusted content (`_chat/untrusted.py`).

    Returns:
        The prompt inputs.

    Raises:
        ReplicateInputError: On messages or content the model cannot take,
            images for a model without an image input, or no template for a
            conversation that needs one (before any prediction is created).
    """
    request = tool_request or ToolRequest()
    if not messages:
        msg = "No messages to send; pass at least one human message."
        raise ReplicateInputError(msg)
    # 0. Untrusted text stays text (before any tag of ours is written).
    if escape_special_tokens:
        tokens = special_tokens(model, prompt_template)
        messages = neutralize_messages(messages, tokens)
    # 1. Tools by prompt: lowered into plain turns.
    completions = schema is not None and is_chat_completions(schema)
    if not completions and not request.empty and tool_calling == "native":
        raise _native_only(schema, model)
    by_prompt = (
        tool_calling == "prompt"
        if completions
        else not request.empty or _has_tool_turns(messages)
    )
    prompted_inputs: dict[str, Any] = {}
    if by_prompt:
        prompted = _prompted_request(messages, schema, request)
        messages, prompted_inputs = prompted.messages, prompted.inputs
        request = ToolRequest()
    # 2. The input shape, from the schema; 3. rendering.
    try:
        if schema is not None and completions:
            inputs = completion_inputs(request, schema, stream=stream, stop=stop)
            openai = to_chat_completion_messages(messages)
            return ChatPrompt(_MESSAGES, openai, {**inputs, **prompted_inputs})
        images = extract_images(messages)
        slot = None
        if images:
            properties = schema.properties if schema else {}
            slot = image_slot(
                {"properties": properties}, model=model, count=len(images)
            )
        prompt_key, prompt, inputs = _prompt_inputs(
            messages,
            schema,
            model=model,
            prompt_template=prompt_template,
            allow_images=slot is not None,
        )
    except ReplicateInputError:
        raise
    except ValueError as e:
        raise ReplicateInputError(str(e)) from e
    inputs = {**prompted_inputs, **inputs}
    return ChatPrompt(prompt_key, prompt, inputs, tuple(images), slot)


def _prompt_inputs(
    messages: Sequence[BaseMessage],
    schema: InputSchema | None,
    *,
    model: str,
    prompt_template: str | ChatTemplate | None,
    allow_images: bool,
) -> tuple[str, Any, dict[str, Any]]:
    """(prompt input name, its value, further inputs), by the rules above."""
    prompt_key = schema.prompt_key() if schema else GUESSED_PROMPT_KEY
    if _takes(schema, _MESSAGES):
        return _MESSAGES, to_openai_messages(messages), {}
    turns = to_turns(messages, allow_images=allow_images)
    talk = [t for t in turns if t.role != "system"]
    single = len(talk) == 1 and talk[0].role == "user"
    if _takes(schema, _SYSTEM_PROMPT) and (
        single or not _takes(schema, _PROMPT_TEMPLATE)
    ):
        template = None if single else select_template(model, prompt_template)
        split = split_turns(turns, template)
        inputs = {_SYSTEM_PROMPT: split.system_prompt} if split.system_prompt else {}
        return prompt_key, split.prompt, inputs
    if _takes(schema, _PROMPT_TEMPLATE):
        template = select_template(model, prompt_template)
        rendered = render_turns(turns, template)
        return prompt_key, rendered, {_PROMPT_TEMPLATE: _VERBATIM}
    if (
        prompt_template is None
        and len(turns) == 1
        and single
        and template_for_model(model) is None
    ):
        return prompt_key, talk[0].text, {}
    template = select_template(model, prompt_template)
    return prompt_key, render_turns(turns, template), {}
