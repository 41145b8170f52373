"""The conversation: messages → a model's prompt inputs, and its reply back (pure).

A conversation goes one way through this wing: `inputs.chat_prompt` reads the
model's schema and picks the conversation's form; tools and tool turns for a
model without a `tools` input are first written as plain turns
(`prompted_tools`, `tool_prompts`); then the messages become a chat-completion
`messages` list, an OpenAI-form `messages` list (`openai_messages`), or one
prompt string rendered with the family's template (`messages` → turns,
`template_choice`, `prompts`), with the images sent apart (`images`).

* `inputs.py`: `chat_prompt` and `ChatPrompt` (the inputs, waiting for image
  URLs).
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

Imports: `_tool_use`, `_core` (types only), `_outputs`, `_inputs`, `errors`.
"""
