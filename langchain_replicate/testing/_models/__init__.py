"""The reference models' behaviour: deterministic stand-ins for Replicate's models.

* `reference.py`: the contract (`ReferenceModel`, `ReferenceDeployment`,
  `PredictionContext`, `GeneratedFile`, `JsonOutput`, `ModelPace`): a model is
  data plus one async generator, `predict`; the server owns the rest.
* `schemas.py`: the schema DSL (`In` rows, `reference_model`, cog outputs).
* `text.py`, `language.py`: the deterministic text generator and the text and
  vision predictors; `prompted.py` answers tool and JSON-schema prompts as a
  Hermes-trained model would.
* `chat_completions.py`, `completion_writer.py`, `tool_rules.py`,
  `argument_rules.py`: the chat-completions (Granite) predictor, the JSON it
  writes, and the documented rules its replies follow.
* `images.py`, `image_models.py`: the image renderer and the image predictors.
* `embeddings.py`: the embedding predictors (hashed n-gram vectors).
* `replicate_testing.py`: `fails`, `big-file`, `echo`.

Imports: nothing of the server above it.
"""
