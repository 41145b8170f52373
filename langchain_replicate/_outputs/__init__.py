"""Outputs: a prediction's output and metrics → text, files, usage (pure).

* `text.py`: output → the text an LLM returns (`output_to_text`) and the text a
  stream adds (`output_delta`), read by the model's schema, never by
  replicate's `transform_output` (which turns text starting `https:` into a file).
* `files.py`: file outputs: URLs, data URIs, file names, and the image tool's
  artifact (`ReplicateImageResult`).
* `metadata.py`: `generation_info` / `response_metadata`, token usage.
* `stop.py`: stop sequences found across tokens (`StopSequenceFinder`).
* `progress.py`: progress of a running prediction from its tqdm log lines.
* `values.py`: any output read by value for a model tool (text, files, an
  object with file fields, JSON), and the tool's content (no base64 in it).
* `reasoning.py`: `ReasoningSplitter`, reasoning and answer out of text fed in
  any pieces (a tag split anywhere, forced-think replies without the opening
  tag, several blocks, an unclosed block marked incomplete).
* `thinking_models.py`: the one table of families that think in their text
  and how (`reasoning_format`).

Imports: `_inputs`, `errors`.
"""
