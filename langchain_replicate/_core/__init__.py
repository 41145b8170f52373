"""The core: the prediction protocol and every request sent to Replicate.

Only this wing does I/O with Replicate. What a call *does* is decided by pure
code (flows and rules, on an injectable clock); two small drivers run it, one
sync and one async, so the two never drift.

Modules, from the top:

* `connection.py`: clients built and shared per settings (one sync client, one
  per event loop; the token put on by `secrets.OriginBoundToken`; up to 1,000
  pooled connections, one per open stream), the connection's `Pacer` and its
  `Syncer`, the process-wide schema cache.
* `drivers.py`: `Driver` runs a flow (`_drive`, `_adrive`, the only sync/async
  twins) and sends its single requests (`get`, uploads, the SSE reader).
* `create_io.py`: `CreateIO`, the driver's base: creates paced by the pacer and
  tracked while in flight; `settle` cancels what an abandoned create made, from
  a thread pool that outlives the event loop; `cancel` / `acancel`.
* `flows.py`: the steps of each call as sans-I/O generators (`create`, `run`,
  `stream`, `follow`, `fetch_schema`, `prepare_chat`) that yield effects.
* `effects.py`: the effects a flow may yield, `Policy`, `Target`, and `Flow`
  (what a driver sees: `unfinished`, `in_flight`, `final_effects()`).
* `lookup.py`: which listed prediction a create made (adopt a lost create,
  cancel an abandoned one) and `held`, the predictions this process holds.
* `abandonment.py`: creates in flight (`creates`) and `AbandonScope` (the
  flows of one batch, given up together).
* `pacing.py`: `Pacer`, the shared `Retry-After` gate and the adaptive create
  rate (AIMD), with `requeue` for a batch's own `429`s; `report` / `merge`
  exchange what it learned with the other processes on the account.
* `throttle_store.py`: `ThrottleStore`, one atomic exchange of a pacer's report
  for the account's view: SQLite in the user cache dir (default, one machine)
  or Redis (opt-in, many machines); a `Syncer` thread per connection does the
  store I/O, never a caller's thread or event loop.
* `streaming.py`: SSE text → lines (`LineSplitter`, CR/LF/CRLF only) → events
  (`EventDecoder`, small `SSEEvent` tuples, replicate's decoding rules) → text
  to emit (`StreamState`: stop hold-back, resume id).
* `protocol.py`: the state vocabulary (`Status`, `is_terminal`,
  `has_final_output`, `can_return`), `Deadline`, poll and retry schedules,
  `STREAM_STALL`, the requests sent.
* `files.py`: uploads (files API) and downloads (`.part`, then renamed).
* `secrets.py`, `origins.py`: the token cleaned (`clean_token`) and sent only
  where `origins.token_allowed` says, by `OriginBoundToken` on every client.

Rules kept here: a prediction the caller abandons is canceled (`Flow.unfinished`
and the drivers' `finally`; `CreateIO.settle` for a create still in flight);
a create that may have reached the server is never sent twice (`flows.create`
with `lookup`); the token goes only to Replicate's origins.

The waits (`protocol.STREAM_STALL`, `POLL_FIRST`, `RETRY_FIRST`,
`pacing.WINDOW`) are module attributes read at each use, never captured at
import, so a test can shorten one for its own duration; the package's values
and its wire traffic stay as they are.

Imports: `_outputs`, `_inputs`, `errors`, `_redaction`; never a wing above.
"""
