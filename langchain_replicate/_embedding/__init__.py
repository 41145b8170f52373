"""Embedding models: texts → prediction inputs, outputs → vectors (pure).

Replicate's embedding models agree on nothing (an array input, a JSON list, a
newline-joined string or one text a prediction; vectors, objects, base64), so
the model's schema decides.

* `inputs.py`: the text input found in the schema (`TextInput`), texts
  encoded for it, side inputs, default prefixes (e5's `query: `).
* `outputs.py`: any output value → vectors (count and dimension checked).
* `plan.py`: `EmbeddingPlan`: options checked against the schema → batches,
  each batch's request, and its vectors read back.

Imports: `_inputs`, `errors`.
"""
