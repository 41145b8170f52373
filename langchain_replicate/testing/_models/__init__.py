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
* `images.py`, `image_models.py`: the image renderer and the image predictors
  (FLUX, gpt-image, real-esrgan, which really upscales with Pillow).
* `media.py`, `media_models.py`: pure audio and video (text written as tones in
  a WAV and read back exactly, subtitles as cog-whisper writes them, a
  Motion-JPEG MP4) and the whisper, kokoro-82m and video-01 predictors.
* `embeddings.py`: the embedding predictors (hashed n-gram vectors).
* `replicate_testing.py`: `fails`, `big-file`, `echo`.

Imports: nothing of the server above it.
"""
