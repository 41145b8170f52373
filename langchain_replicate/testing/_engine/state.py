"""Everything the server remembers: models, predictions, files, configuration."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._engine.files import FileStore, OutputFile
from langchain_replicate.testing._engine.guard import RateLimiter
from langchain_replicate.testing._engine.predictions import (
    Prediction,
    cancel,
    run_prediction,
)
from langchain_replicate.testing._engine.validation import (
    input_validator,
    validate,
    with_defaults,
)
from langchain_replicate.testing._engine.wire import (
    new_api_token,
    new_prediction_id,
    official_version_label,
)
from langchain_replicate.testing._models.reference import (
    DocsPage,
    ModelPace,
    ReferenceCollection,
    ReferenceDeployment,
    ReferenceModel,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from jsonschema import Draft202012Validator

DEFAULT_CREATE_RATE_LIMIT = "600/minute"
DEFAULT_RATE_LIMIT = "3000/minute"
DEFAULT_SYNC_DATA_URI_MAX_BYTES = 10_000_000
DEFAULT_PAGE_SIZE = 100
MAX_UPLOAD_BYTES = 100_000_000
REQUEST_LOG_MAX = 100_000


@dataclass
class Faults:
    """Failures to inject, for testing clients' error handling."""

    fail_creates: int = 0
    """How many of the next prediction creates fail."""
    status: int = 503
    """HTTP status of those failures."""
    body: Mapping[str, Any] | None = None
    """Their problem+json body (default: a generic one with `status`)."""
    cut_stream_after: int | None = None
    """Close every SSE connection after this many events of it (no `done`)."""
    delay: float = 0.0
    """Seconds to wait before answering each API request."""
    foreign_origin: bool = False
    """Put `urls.stream` and output file URLs on the server's second listener (a
    port of its own, hence another origin, like `stream.replicate.com` or
    `replicate.delivery` beside `api.replicate.com`). That listener serves only
    streams and files, needs no token, and records whether `Authorization`
    arrived (`LocalReplicateServer.foreign_requests()`)."""
    retry_after: float | None = None
    """`Retry-After` seconds sent with the injected create failures (429s)."""
    fail_gets: int = 0
    """How many of the next prediction `GET`s (`/v1/predictions/{id}`) fail."""
    get_status: int = 500
    """HTTP status of those failures; `0` drops the connection without an answer."""
    lose_creates: int = 0
    """How many of the next creates make their prediction, then lose the answer."""
    lost_status: int = 0
    """How that answer is lost: `0` drops the connection, else this status (502)."""
    stall_stream_after: int | None = None
    """Stop sending on every SSE connection after N events (of that connection),
    keeping it open."""
    odd_separators: bool = False
    """Predictions created meanwhile put U+2028, U+2029, U+0085, VT, FF, FS, GS
    and RS inside their text tokens (SSE must split lines only at CR, LF)."""
    no_beta_search: bool = False
    """`GET /v1/search` answers 404, as an API without the beta search does
    (clients fall back to `QUERY /v1/models`)."""

    def as_dict(self) -> dict[str, Any]:
        """JSON form, for the admin endpoint."""
        return {
            "fail_creates": self.fail_creates,
            "status": self.status,
            "body": dict(self.body) if self.body is not None else None,
            "cut_stream_after": self.cut_stream_after,
            "delay": self.delay,
            "foreign_origin": self.foreign_origin,
            "retry_after": self.retry_after,
            "fail_gets": self.fail_gets,
            "get_status": self.get_status,
            "lose_creates": self.lose_creates,
            "lost_status": self.lost_status,
            "stall_stream_after": self.stall_stream_after,
            "odd_separators": self.odd_separators,
            "no_beta_search": self.no_beta_search,
        }

    def take_create_failure(self) -> _errors.ProblemError | None:
        """The error for this create, if one is due (counts it down)."""
        if self.fail_creates <= 0:
            return None
        self.fail_creates -= 1
        body = dict(self.body or {"detail": "Injected failure", "status": self.status})
        detail = str(body.pop("detail", "Injected failure"))
        title = body.pop("title", None)
        include_status = "status" in body
        body.pop("status", None)
        error = _errors.ProblemError(
            self.status,
            detail,
            title=None if title is None else str(title),
            extra=body,
            include_status=include_status,
        )
        if self.retry_after is not None:
            error.headers["Retry-After"] = f"{self.retry_after:g}"
        return error

    def take_get_failure(self) -> int | None:
        """The status for this prediction `GET` (0: drop), if a failure is due."""
        if self.fail_gets <= 0:
            return None
        self.fail_gets -= 1
        return self.get_status

    def take_lost_create(self) -> int | None:
        """How to lose this create's answer (0: drop), if a loss is due."""
        if self.lose_creates <= 0:
            return None
        self.lose_creates -= 1
        return self.lost_status


class Registry:
    """The models, versions and deployments the server knows."""

    def __init__(
        self,
        models: Sequence[ReferenceModel],
        deployments: Sequence[ReferenceDeployment],
        collections: Sequence[ReferenceCollection] = (),
    ) -> None:
        """Index `models`, `deployments` and `collections` (of these models)."""
        self.versions: dict[str, ReferenceModel] = {m.version: m for m in models}
        by_ref: dict[str, list[ReferenceModel]] = {}
        for model in models:
            by_ref.setdefault(model.ref, []).append(model)
        self.by_ref = {
            ref: sorted(versions, key=lambda m: m.created_at)
            for ref, versions in by_ref.items()
        }
        self.deployments = {f"{d.owner}/{d.name}": d for d in deployments}
        kept = (
            dataclasses.replace(c, models=tuple(r for r in c.models if r in by_ref))
            for c in collections
        )
        self.collections = {c.slug: c for c in kept if c.models}
        """Collections by slug, each with only the models served."""

    def newest(self) -> list[ReferenceModel]:
        """The latest version of every model, in catalogue order."""
        return [versions[-1] for versions in self.by_ref.values()]

    def latest(self, ref: str) -> ReferenceModel | None:
        """The newest version of `owner/name`, or None."""
        versions = self.by_ref.get(ref)
        return versions[-1] if versions else None

    def version(self, ref: str, version: str) -> ReferenceModel | None:
        """A version of `owner/name`, or None."""
        model = self.versions.get(version)
        return model if model is not None and model.ref == ref else None

    def resolve(self, version: str) -> ReferenceModel | None:
        """What a create body's `version` names: `<id>`, `o/n:<id>` or `o/n`."""
        ref, sep, version_id = version.partition(":")
        if sep:
            return self.version(ref, version_id)
        if "/" in version:
            return self.latest(version)
        return self.versions.get(version)


@dataclass(frozen=True)
class ForeignRequest:
    """A request that reached the second listener (another origin)."""

    method: str
    path: str
    authorization: bool
    """Whether it carried an `Authorization` header (a token sent off-origin)."""


@dataclass
class ServerState:
    """The mutable state behind one app."""

    api_token: str = field(default_factory=new_api_token)
    pace: ModelPace = field(default_factory=ModelPace)
    models: Sequence[ReferenceModel] = ()
    deployments: Sequence[ReferenceDeployment] = ()
    collections: Sequence[ReferenceCollection] = ()
    """Collections; each keeps only the models the server has, empty ones go."""
    pages: Sequence[DocsPage] = ()
    """Docs pages `/v1/search` can return."""
    create_rate_limit: str = DEFAULT_CREATE_RATE_LIMIT
    rate_limit: str = DEFAULT_RATE_LIMIT
    sync_data_uri_max_bytes: int = DEFAULT_SYNC_DATA_URI_MAX_BYTES
    page_size: int = DEFAULT_PAGE_SIZE
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    faults: Faults = field(default_factory=Faults)
    request_log: deque[tuple[str, str]] = field(
        default_factory=lambda: deque(maxlen=REQUEST_LOG_MAX)
    )
    """(method, path?query) of recent requests; the oldest drop off past the cap."""
    files: FileStore = field(default_factory=FileStore)
    predictions: dict[str, Prediction] = field(default_factory=dict)
    foreign_port: int | None = None
    """The second listener's port (set by `LocalReplicateServer.start`)."""
    foreign_origin: str | None = None
    """The second listener's origin (set by `LocalReplicateServer.start`)."""
    foreign_requests: list[ForeignRequest] = field(default_factory=list)
    """Every request the second listener received, oldest first."""

    def __post_init__(self) -> None:
        """Build the indexes and the rate limiter."""
        self.registry = Registry(self.models, self.deployments, self.collections)
        self.limiter = RateLimiter(self.create_rate_limit, self.rate_limit)
        self._validators: dict[str, Draft202012Validator] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        """The loop serving the app, while it runs (set by the app's lifespan)."""
        self._seq = 0

    def current_pace(self) -> ModelPace:
        """The pace now (it can change while predictions run)."""
        return self.pace

    def validate_input(self, model: ReferenceModel, values: object) -> dict[str, Any]:
        """The input with defaults filled in.

        Raises:
            ProblemError: 422 with `invalid_fields` if it does not match the schema.
        """
        validator = self._validators.get(model.version)
        if validator is None:
            validator = input_validator(model.input_schema, model.extra_schemas)
            self._validators[model.version] = validator
        fields = validate(validator, values, prefix="input")
        if fields or not isinstance(values, dict):
            raise _errors.validation_failed(fields)
        return with_defaults(model.input_schema, values)

    def create_prediction(
        self,
        model: ReferenceModel,
        values: dict[str, Any],
        *,
        official: bool,
        deployment: str | None,
        output_url: Callable[[OutputFile], str],
    ) -> Prediction:
        """Record a prediction and start running it (call on the server's loop)."""
        self._seq += 1
        prediction = Prediction(
            id=new_prediction_id(),
            seq=self._seq,
            model=model,
            version_label=official_version_label(model.version)
            if official
            else model.version,
            input=values,
            created_at=time.time(),
            deployment=deployment,
            odd_separators=self.faults.odd_separators,
        )
        self.predictions[prediction.id] = prediction
        prediction.task = asyncio.get_running_loop().create_task(
            run_prediction(prediction, self.files, self.current_pace, output_url),
            name=f"prediction-{prediction.id}",
        )
        return prediction

    def configure(
        self,
        *,
        create_rate_limit: str | None = None,
        rate_limit: str | None = None,
        sync_data_uri_max_bytes: int | None = None,
        page_size: int | None = None,
    ) -> None:
        """Change rate limits, the sync data-URI size limit or the page size."""
        self.limiter.configure(create_limit=create_rate_limit, other_limit=rate_limit)
        if create_rate_limit is not None:
            self.create_rate_limit = create_rate_limit
        if rate_limit is not None:
            self.rate_limit = rate_limit
        if sync_data_uri_max_bytes is not None:
            self.sync_data_uri_max_bytes = sync_data_uri_max_bytes
        if page_size is not None:
            self.page_size = page_size

    def record_foreign(self, method: str, path: str, *, authorization: bool) -> None:
        """Note a request that reached the second listener."""
        self.foreign_requests.append(ForeignRequest(method, path, authorization))

    def files_origin(self, origin: str) -> str:
        """Where stream and output file URLs point.

        `origin`, or the second listener's when the `foreign_origin` fault is on.
        """
        if self.faults.foreign_origin and self.foreign_origin is not None:
            return self.foreign_origin
        return origin

    def reset(self) -> None:
        """Clear faults, the request logs and the rate-limit counters."""
        self.faults = Faults()
        self.request_log.clear()
        self.foreign_requests.clear()
        self.limiter.reset()

    def shutdown(self) -> None:
        """Cancel every running prediction (on the loop; open streams then end)."""
        for prediction in self.predictions.values():
            cancel(prediction)
