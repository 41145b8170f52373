"""The local server's engine: its state, predictions and files, on the wire.

* `state.py`: `ServerState` (models, predictions, files, faults, limits).
* `predictions.py`: the prediction lifecycle (run a model's `predict`, record
  events and metrics, cancel) and its SSE event stream (resumed after
  `Last-Event-ID`, as nchan does).
* `guard.py`: the middleware in front of every route (request log, injected
  delay, auth) and the two-bucket moving-window rate limiter.
* `resources.py`: the JSON bodies of models, versions, predictions, files.
* `files.py`: uploaded and output files.
* `validation.py`: request and model-input validation (JSON Schema).
* `wire.py`: ids, timestamps, output shaping, JSON and problem+json responses,
  SSE encoding, injected failures.
* `errors.py`: problem-details errors with the real API's texts.
* `search.py`: ranking models, collections and docs pages for a query, and a
  model's `generated_description` (pure).

Imports: `_models` (the reference contract); never `_http` or `catalogue`.
"""
