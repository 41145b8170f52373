"""The steps of each call, written once for sync and async (sans-I/O).

A flow is a generator that *yields effects* (send this create, get that
prediction, sleep, read the SSE events, emit a value to the caller) and is
*sent back* their results, or thrown their errors. It never does I/O itself.
`ReplicateAPI` runs a flow with one of two short drivers (`_drive` / `_adrive`
in `_core/drivers.py`), the only places where sync and async differ; this is the
pattern of httpx's `Auth.auth_flow`.

The effects a flow may yield and the `Flow` object are in `_core/effects.py`. The
drivers also keep the one rule about abandoned predictions: while a flow's
`unfinished` names a prediction, leaving the flow early (the caller stops
iterating, an error, `KeyboardInterrupt`, asyncio cancellation, the deadline)
cancels that prediction on the server. A flow clears `unfinished` once the
prediction has ended.
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlencode

import httpx

from langchain_replicate._core.abandonment import creates
from langchain_replicate._core.effects import (
    Cancel,
    CloseEvents,
    Effect,
    Emit,
    Flow,
    Get,
    GetJSON,
    OpenEvents,
    Policy,
    QueryJSON,
    ReadEvents,
    Schema,
    SendCreate,
    Sleep,
    Target,
    Upload,
)
from langchain_replicate._core.lookup import (
    adoptable,
    held,
    is_ambiguous,
    list_path,
    same_input,
    sent_input,
)
from langchain_replicate._core.protocol import (
    Deadline,
    Prediction,
    can_return,
    check_prediction,
    create_request,
    create_retry_delay,
    get_retry_delay,
    has_final_output,
    is_terminal,
    poll_sleeps,
    response_json,
    stream_url,
    timeout_error,
)
from langchain_replicate._core.streaming import StreamPiece, StreamState
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate.errors import (
    ReplicateAPIError,
    ReplicateNotFoundError,
    ReplicateTimeoutError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Sequence

    from langchain_replicate._inputs.calls import CallPlan, PreparedCall
    from langchain_replicate._inputs.model_ref import ModelRef

logger = logging.getLogger(__name__)

T = TypeVar("T")


class InputsAwaitingFiles(Protocol):
    """A call's inputs, built from the schema, that wait for their files' URLs.

    `_chat.inputs.ChatPrompt` is one: the conversation's images are uploaded
    (or passed as URLs) before the prediction input can be written.
    """

    @property
    def images(self) -> Sequence[Any]:
        """The files, in order, for the I/O layer to turn into URLs."""
        ...

    def prepare(
        self, plan: CallPlan, schema: InputSchema | None, image_urls: Sequence[str]
    ) -> PreparedCall:
        """The call, with each file replaced by its URL."""
        ...


# -- the flows -------------------------------------------------------------------------


def create(
    policy: Policy,
    ref: ModelRef,
    model_input: dict[str, Any],
    *,
    stream: bool,
    deadline: Deadline,
) -> Generator[Effect, Any, tuple[Prediction, bool]]:
    """Create a prediction (`Prefer: wait` unless `stream`), retrying as allowed.

    A create whose answer was lost (it may have created the prediction) is
    looked for on the server and adopted (`_core.lookup`); if the server has none,
    it is sent again, once.

    Returns:
        The prediction, and whether it was adopted (found, not answered).
    """
    action = f"create a prediction for {ref}"
    resent = False
    for attempt in itertools.count():
        request = create_request(
            ref,
            model_input,
            stream=stream,
            deadline=deadline,
            wait=policy.wait,
            timeout=policy.timeout,
        )
        sent_at = policy.wall()
        try:
            return response_json((yield SendCreate(request, ref)), action), False
        except (httpx.HTTPError, ReplicateAPIError) as e:
            error = e
        made_nothing = False
        if is_ambiguous(error):
            found, searched = yield from find_lost(ref, request, sent_at, deadline)
            if found is not None:
                return found, True
            made_nothing, resent = searched and not resent, True
        delay = create_retry_delay(
            error,
            attempt,
            policy.max_retries,
            deadline,
            action,
            made_nothing=made_nothing,
        )
        yield Sleep(delay)
    raise AssertionError  # pragma: no cover - itertools.count() never ends


def find_lost(
    ref: ModelRef, request: dict[str, Any], sent_at: float, deadline: Deadline
) -> Generator[Effect, Any, tuple[Prediction | None, bool]]:
    """The prediction a create with a lost answer made, if the server has one.

    Returns:
        It (held for this call) or `None`, and whether the search was made
        (`False`: the list failed, so nothing is known).
    """
    sent = sent_input(request)
    creates.hold_answered()
    action = f"look for the prediction of a lost create for {ref}"
    logger.warning("The answer to a create for %s was lost; looking for it", ref)
    try:
        page = yield GetJSON(list_path(sent_at), action)
        results = page.get("results") if isinstance(page, dict) else None
        for candidate in adoptable(results or [], ref, sent, sent_at):
            prediction = candidate
            if "input" not in prediction:
                prediction = yield Get(str(candidate["id"]), deadline)
            if same_input(prediction.get("input"), sent) and held.claim(
                str(prediction["id"])
            ):
                logger.info("Adopted prediction %s", prediction["id"])
                return dict(prediction), True
    except ReplicateAPIError as e:
        logger.warning("Could not look for it: %s", e)
        return None, False
    return None, True


def get(prediction_id: str, deadline: Deadline) -> Generator[Effect, Any, Prediction]:
    """Fetch a prediction, retrying 5xx and broken connections (`get_retry_delay`)."""
    for attempt in itertools.count():
        try:
            prediction: Prediction = yield Get(prediction_id, deadline)
        except ReplicateAPIError as e:
            delay = get_retry_delay(e, attempt, deadline)
        else:
            return prediction
        yield Sleep(delay)
    raise AssertionError  # pragma: no cover - itertools.count() never ends


def read_stream(
    policy: Policy, state: StreamState, deadline: Deadline, *, emit: bool
) -> Generator[Effect, Any, None]:
    """Texts from the prediction's SSE stream until it is over, breaks or stalls.

    A stream silent for `STREAM_STALL` seconds (its read timeout) has stalled:
    the prediction is looked at (a `GET`). If it is still running, the stream
    is reopened after the last event read (`Last-Event-ID`; events replayed
    anyway are skipped); otherwise, as after a broken stream, the caller polls,
    which delivers a finished prediction's remaining output at once.
    """
    while True:
        if deadline.expired():
            raise timeout_error(state.prediction_id, policy.timeout)
        if (url := stream_url(state.prediction)) is None:
            return
        stalled = yield from read_events(policy, state, deadline, url, emit=emit)
        if not stalled or (state.last_event_id is None and state.chars_seen):
            return  # (output without event ids could not be resumed exactly)
        if is_terminal((yield from get(state.prediction_id, deadline))):
            return
        state.resumed = True


def read_events(
    policy: Policy, state: StreamState, deadline: Deadline, url: str, *, emit: bool
) -> Generator[Effect, Any, bool]:
    """Texts from one connection to the stream; whether it stalled."""
    yield OpenEvents(url, deadline, state.last_event_id if state.resumed else None)
    stalled = False
    try:
        yield ReadEvents(state, emit)
    except ReplicateAPIError as e:
        if deadline.expired():
            raise timeout_error(state.prediction_id, policy.timeout) from e
        stalled = isinstance(e, ReplicateTimeoutError)
        what = "stalled" if stalled else "broke"
        logger.info("Stream of %s %s (%s)", state.prediction_id, what, e)
    yield CloseEvents()
    return stalled


def poll(
    policy: Policy, state: StreamState, deadline: Deadline, *, emit: bool
) -> Generator[Effect, Any, None]:
    """Texts from polling with backoff until the prediction ends or stops."""
    if state.finder.stopped:
        return
    sleeps = poll_sleeps(deadline, state.prediction_id, policy.timeout)
    while True:
        prediction = yield from get(state.prediction_id, deadline)
        if (text := state.on_poll(prediction)) and emit:
            yield Emit(StreamPiece(text))
        if state.stop_polling:
            return
        yield Sleep(next(sleeps))


def started(
    flow: Flow[Any], policy: Policy, target: Target, *, stream: bool
) -> Generator[Effect, Any, tuple[Prediction, Deadline, bool]]:
    """Create the call's prediction and mark it `unfinished` (see the module doc).

    Returns:
        The prediction, its deadline, and whether it was adopted (`create`).
    """
    deadline = policy.deadline()
    prediction, adopted = yield from create(
        policy, *target, stream=stream, deadline=deadline
    )
    flow.unfinished = prediction["id"]
    held.claim(prediction["id"])  # (adopted ones are held already)
    return prediction, deadline, adopted


def run(
    flow: Flow[Prediction], policy: Policy, target: Target, *, final: bool
) -> Generator[Effect, Any, None]:
    """Run a prediction to completion: sync mode first, then stream or poll.

    Emits the ended prediction (checked: raises if it failed or was canceled).
    """
    prediction, deadline, adopted = yield from started(
        flow, policy, target, stream=False
    )
    # An adopted prediction was listed, not answered in sync mode.
    if not can_return(prediction, final=final, answered=not adopted):
        state = StreamState(None, prediction)
        if not adopted and not has_final_output(prediction):
            yield from read_stream(policy, state, deadline, emit=False)
        yield from poll(policy, state, deadline, emit=False)
        prediction = state.prediction
    flow.unfinished = None
    yield Emit(check_prediction(prediction))


def stream(
    flow: Flow[StreamPiece],
    policy: Policy,
    target: Target,
    *,
    stop: Sequence[str] | None,
) -> Generator[Effect, Any, None]:
    """Stream a prediction's text, stopping (and canceling) at a stop sequence."""
    prediction, deadline, adopted = yield from started(
        flow, policy, target, stream=True
    )
    state = StreamState(stop, prediction)
    if not adopted:  # a stream joined late may not replay what was said
        yield from read_stream(policy, state, deadline, emit=True)
    yield from poll(policy, state, deadline, emit=True)
    if state.finder.stopped:
        state.prediction = (yield Cancel(state.prediction_id)) or state.prediction
    flow.unfinished = None
    for piece in state.final_pieces():
        yield Emit(piece)


def follow(
    flow: Flow[Prediction], policy: Policy, target: Target
) -> Generator[Effect, Any, None]:
    """Create a prediction and emit each view of it until it ends.

    The create's answer first, then each poll (with backoff). Only a sync-mode
    create's answer may count as ended while `processing` (`has_final_output`);
    a polled one must be terminal, since a model may still add files.
    """
    prediction, deadline, adopted = yield from started(
        flow, policy, target, stream=False
    )
    yield Emit(prediction)
    over = (
        has_final_output(prediction, answered=not adopted)
        if policy.wait
        else is_terminal(prediction)
    )
    sleeps = poll_sleeps(deadline, prediction["id"], policy.timeout)
    while not over:
        yield Sleep(next(sleeps))
        prediction = yield from get(prediction["id"], deadline)
        yield Emit(prediction)
        over = is_terminal(prediction)
    flow.unfinished = None


def fetch_schema(
    flow: Flow[InputSchema | None], ref: ModelRef
) -> Generator[Effect, Any, None]:
    """Emit the model's input schema (`None` if it has none): one or two `GET`s."""
    del flow  # creates no prediction
    action = f"look up the schema of {ref}"
    if ref.is_deployment:
        deployment = yield GetJSON(f"/v1/deployments/{ref.slug}", action)
        release = deployment.get("current_release") or {}
        model, version = release.get("model"), release.get("version")
        if not model or not version:
            yield Emit(None)
            return
        path = f"/v1/models/{model}/versions/{version}"
    elif ref.version:
        path = f"/v1/models/{ref.slug}/versions/{ref.version}"
    else:
        model_json = yield GetJSON(f"/v1/models/{ref.slug}", action)
        yield Emit(_schema_of(model_json.get("latest_version")))
        return
    yield Emit(_schema_of((yield GetJSON(path, action))))


def fetch_model(
    flow: Flow[dict[str, Any]], ref: ModelRef
) -> Generator[Effect, Any, None]:
    """Emit a model's card: `{"model": <model JSON>, "version": <version JSON>}`.

    `GET /v1/models/{owner}/{name}` (name, description, run count; its
    `latest_version`), then the version a pinned reference names; a deployment
    is read first for its current release's model and version.
    """
    del flow  # creates no prediction
    action = f"look up the model {ref}"
    slug, version = ref.slug, ref.version
    if ref.is_deployment:
        deployment = yield GetJSON(f"/v1/deployments/{ref.slug}", action)
        release = deployment.get("current_release") or {}
        slug, version = release.get("model") or "", release.get("version")
        if not slug:
            yield Emit({"model": None, "version": None})
            return
    model_json = yield GetJSON(f"/v1/models/{slug}", action)
    latest = model_json.get("latest_version") or None
    if version and (latest or {}).get("id") != version:
        latest = yield GetJSON(f"/v1/models/{slug}/versions/{version}", action)
    yield Emit({"model": model_json, "version": latest})


def search_models(
    flow: Flow[dict[str, Any]], query: str, limit: int
) -> Generator[Effect, Any, None]:
    """Emit the results of a model search: `{"models": [...], "source": ...}`.

    The beta `GET /v1/search` first (models with AI-written descriptions and
    tags); where the API has no such endpoint (404/405), `QUERY /v1/models`
    with the query as a plain-text body (one page of model objects).
    Each item of `models` is a model object, with `metadata` when the beta
    search gave one.
    """
    del flow  # creates no prediction
    action = "search Replicate's models"
    path = f"/v1/search?{urlencode({'query': query, 'limit': limit})}"
    try:
        found = yield GetJSON(path, action)
    except ReplicateAPIError as e:
        if not isinstance(e, ReplicateNotFoundError) and e.status != 405:  # noqa: PLR2004
            raise
    else:
        models = [
            {**item["model"], "metadata": item.get("metadata") or {}}
            for item in found.get("models") or []
            if isinstance(item, dict) and isinstance(item.get("model"), dict)
        ]
        yield Emit({"models": models, "source": "GET /v1/search"})
        return
    page = yield QueryJSON("/v1/models", query, action)
    models = [m for m in page.get("results") or [] if isinstance(m, dict)]
    yield Emit({"models": models[:limit], "source": "QUERY /v1/models"})


def upload_files(
    flow: Flow[list[str]],
    files: Sequence[Any],
    file_url: Callable[[Any], str | Any],
) -> Generator[Effect, Any, None]:
    """Emit the URLs of file inputs, uploading those that must be (in order)."""
    del flow  # creates no prediction
    urls: list[str] = []
    for file in files:
        url = file_url(file)
        urls.append(url if isinstance(url, str) else (yield Upload(url)))
    yield Emit(urls)


def _schema_of(version: dict[str, Any] | None) -> InputSchema | None:
    return InputSchema.from_openapi((version or {}).get("openapi_schema"))


def prepare_chat(
    flow: Flow[PreparedCall],
    plan: CallPlan,
    build: Callable[[InputSchema | None], InputsAwaitingFiles],
    image_url: Callable[[Any], str | Any],
) -> Generator[Effect, Any, None]:
    """Emit a chat call: the schema, the prompt inputs, then image uploads."""
    del flow  # creates no prediction
    schema = yield Schema(plan.ref)
    prompt = build(schema)
    urls: list[str] = []
    for image in prompt.images:
        url = image_url(image)
        urls.append(url if isinstance(url, str) else (yield Upload(url)))
    yield Emit(prompt.prepare(plan, schema, urls))
