"""Inputs: a call's settings and arguments → one prediction's input (pure).

* `calls.py`: `CallPlan` (the instance's settings merged with the call's stop
  and kwargs; whether the model's schema is needed) and `PreparedCall` (the
  input, ready to send).
* `schema.py`: the model's schema read: `InputSchema` (the prompt input, what
  the model calls `max_tokens`, `stop`, which names exist), `build_input`, and
  `output_kind` (text, files or other, by `components.schemas.Output`).
* `arguments.py`: checks before any request, each a `ReplicateInputError`
  naming the argument (`stop_sequences`, `check_timeout`, `check_json_input`).
* `model_ref.py`: `ModelRef`, the model, version or deployment a call targets.
* `image_args.py`: the image tool's arguments (`ReplicateImageInput`).
* `reasoning.py`: `reasoning_effort` / `thinking_budget` mapped onto the inputs
  the schema names (`reasoning_effort`, `thinking_level`, `thinking`;
  `thinking_budget_tokens` with `extended_thinking`, `thinking_budget`), or a
  `ReplicateInputError` naming the model's inputs; `thinking_off_inputs`.
* `uploads.py`: file inputs: a URL, bytes to upload, a local file.

Rule kept here: bad input fails before any prediction exists.

Imports: `errors` only (the lowest wing).
"""
