"""The conversation: messages → a model's prompt inputs, and its reply back (pure).

A conversation goes one way through this wing, each step once, in
`inputs.chat_prompt`: (0) untrusted text neutralized (`untrusted`); (1) tools
and tool turns for a model without a `tools` input lowered into plain turns
(`prompted_tools` → `tool_prompts`); (2) the input shape chosen from the
schema; (3) rendering: a chat-completion or OpenAI-form `messages` list
(`openai_messages`), or one prompt string (`images` apart, `messages` → turns,
`template_choice`, `prompts`). The reply comes back through `results`, with
reasoning split off first (`reasoning_reader`).

* `inputs.py`: `chat_prompt` and `ChatPrompt` (the inputs, waiting for image
  URLs).
* `untrusted.py`: the special tokens of the model's template family and the
  tools-by-prompt tags, neutralized in the content of human, AI and tool
  messages (U+200B after a token's first character; `restore` inverts it).
  System messages are the developer's and sent as written.
* `messages.py`: messages → role and text turns; the block readers;
  `check_text_only` (the LLM refuses images).
* `images.py`: a conversation's images and the schema input that takes them.
* `openai_messages.py`: the OpenAI-form `messages` inputs.
* `prompts.py`, `template_choice.py`: the chat templates and which one a
  model gets.
* `tool_prompts.py`, `prompted_tools.py`: tools, tool calls and results as
  plain turns (`<tools>`, `<tool_call>`, `<tool_response>`), a forced call's
  opening, constraint inputs.
* `prompted_reader.py`, `results.py`: the reply → LangChain results (plain
  text; chat-completion JSON via `_tool_use.completions`; tool calls by prompt).
* `reasoning_reader.py`: `ReasoningReader` in front of every reader (reasoning
  to `additional_kwargs["reasoning_content"]`); the prompt side of reasoning:
  `open_block` for forced-think templates, `without_reasoning` for history.

Rule kept here: untrusted text never becomes a prompt's structure.

Imports: `_tool_use`, `_core` (types only), `_outputs`, `_inputs`, `errors`.
"""
