"""Tool calling and structured output, natively and by prompt (pure).

* `tool_calling.py`: tools out and tool calls in for every path:
  `convert_tools`, `normalize_tool_choice`, `response_format_input`,
  `RawToolCall` → `ai_message` / `ai_chunk` / `final_message` (strict argument
  parsing).
* `completions.py`: the chat-completions family (schema takes `messages` and
  `tools`): `ToolRequest`, its inputs, and `CompletionReader` (chat-completion
  JSON, whole or streamed → message chunks; usage once; stop sequences on the
  content).
* `structured_output.py`: `with_structured_output`: the schema bound as a
  forced tool or a `response_format`, and the answer's parser.
* `profiles.py`: `ChatReplicate.profile` by model family.
* `model_schema.py`: a cog input schema → a pydantic arguments model (`$ref`
  and inlined enums, ranges, defaults, files, secrets never shown), checked
  before any prediction; `model_cards.py`: the texts an agent reads about a
  model; `model_access.py`: `allowed_models` patterns and the run budget.
* `call_parser.py`: `ToolCallStreamParser`, the one state machine that reads
  tool calls out of a reply, streamed or whole; its parts: `call_json.py` (the
  JSON of a call, bracket scan, `json_repair` salvage), `call_forms.py` (other
  families' special-token forms: Llama, Mistral, DeepSeek) and
  `call_deltas.py` (the deltas it writes, and their merge).

Imports: `_core` (types of what is streamed), `_outputs`, `_inputs`, `errors`.
"""
