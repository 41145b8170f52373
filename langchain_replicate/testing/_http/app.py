"""The Starlette app: the Replicate HTTP API v1 (spec §2) over a `ServerState`.

The routes live by resource in `_http.prediction_routes`, `_http.catalog_routes`,
`_http.discovery_routes` and `_http.file_routes` (what they read from a request
in `_http.requests`); here they are put together with the admin routes, the
`Guard` middleware (auth, rate limits, the request log, the second listener)
and the problem+json error handlers.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException

from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._engine.guard import Guard
from langchain_replicate.testing._engine.state import (
    DEFAULT_CREATE_RATE_LIMIT,
    DEFAULT_PAGE_SIZE,
    DEFAULT_RATE_LIMIT,
    DEFAULT_SYNC_DATA_URI_MAX_BYTES,
    ServerState,
)
from langchain_replicate.testing._engine.wire import problem_response
from langchain_replicate.testing._http.admin import admin_routes
from langchain_replicate.testing._http.catalog_routes import CATALOG_ROUTES
from langchain_replicate.testing._http.discovery_routes import DISCOVERY_ROUTES
from langchain_replicate.testing._http.file_routes import FILE_ROUTES
from langchain_replicate.testing._http.prediction_routes import PREDICTION_ROUTES
from langchain_replicate.testing._models.reference import (
    DocsPage,
    ModelPace,
    ReferenceCollection,
    ReferenceDeployment,
    ReferenceModel,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from starlette.requests import Request
    from starlette.responses import Response


async def _on_problem(request: Request, exc: Exception) -> Response:  # noqa: ARG001 - handler signature
    assert isinstance(exc, _errors.ProblemError)  # noqa: S101 - registered for this type only
    return problem_response(exc)


async def _on_http(request: Request, exc: Exception) -> Response:  # noqa: ARG001 - handler signature
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for this type only
    if exc.status_code == 404:  # noqa: PLR2004 - HTTP status
        return problem_response(_errors.not_found())
    return problem_response(_errors.ProblemError(exc.status_code, str(exc.detail)))


ROUTES = [*PREDICTION_ROUTES, *DISCOVERY_ROUTES, *CATALOG_ROUTES, *FILE_ROUTES]


def build_app(state: ServerState) -> Starlette:
    """The ASGI app serving `state`."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:  # noqa: ARG001 - Starlette signature
        state.loop = asyncio.get_running_loop()
        yield
        state.shutdown()
        state.loop = None

    app = Starlette(
        routes=[*ROUTES, *admin_routes()],
        exception_handlers={
            _errors.ProblemError: _on_problem,
            HTTPException: _on_http,
        },
        lifespan=lifespan,
    )
    app.state.replicate = state
    app.add_middleware(Guard, state=state)
    return app


def default_models() -> tuple[
    tuple[ReferenceModel, ...], tuple[ReferenceDeployment, ...]
]:
    """The built-in reference models and deployments."""
    from langchain_replicate.testing.catalogue import (  # noqa: PLC0415 - heavy (Pillow), loaded on demand
        REFERENCE_DEPLOYMENTS,
        REFERENCE_MODELS,
    )

    return REFERENCE_MODELS, REFERENCE_DEPLOYMENTS


def default_collections() -> tuple[
    tuple[ReferenceCollection, ...], tuple[DocsPage, ...]
]:
    """The built-in collections and docs pages."""
    from langchain_replicate.testing.catalogue import (  # noqa: PLC0415 - heavy (Pillow), loaded on demand
        DOCS_PAGES,
        REFERENCE_COLLECTIONS,
    )

    return REFERENCE_COLLECTIONS, DOCS_PAGES


def create_app(
    *,
    api_token: str | None = None,
    pace: ModelPace | None = None,
    models: Sequence[ReferenceModel] | None = None,
    deployments: Sequence[ReferenceDeployment] | None = None,
    create_rate_limit: str = DEFAULT_CREATE_RATE_LIMIT,
    rate_limit: str = DEFAULT_RATE_LIMIT,
    sync_data_uri_max_bytes: int = DEFAULT_SYNC_DATA_URI_MAX_BYTES,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Starlette:
    """Create the ASGI app of a local Replicate server.

    Args:
        api_token: The token clients must send (random `r8_...` when None; read it
            back from `app.state.replicate.api_token`).
        pace: How fast the models work (default `ModelPace()`).
        models: The models to serve (default: the built-in reference models).
        deployments: The deployments (default: the built-in ones when `models` is
            also defaulted, else none).
        create_rate_limit: Limit on prediction creates per token, e.g. `600/minute`.
        rate_limit: Limit on every other API request per token.
        sync_data_uri_max_bytes: In sync mode (`Prefer: wait`), output files up to
            this size come back as `data:` URIs; larger ones as URLs.
        page_size: Results per page of the list endpoints.
    """
    return build_app(
        make_state(
            api_token=api_token,
            pace=pace,
            models=models,
            deployments=deployments,
            create_rate_limit=create_rate_limit,
            rate_limit=rate_limit,
            sync_data_uri_max_bytes=sync_data_uri_max_bytes,
            page_size=page_size,
        )
    )


def make_state(
    *,
    api_token: str | None,
    pace: ModelPace | None,
    models: Sequence[ReferenceModel] | None,
    deployments: Sequence[ReferenceDeployment] | None,
    create_rate_limit: str,
    rate_limit: str,
    sync_data_uri_max_bytes: int,
    page_size: int,
) -> ServerState:
    """A `ServerState` from `create_app`'s arguments (defaults resolved).

    The built-in collections and docs pages always come along; a collection
    keeps only the models served.
    """
    collections, pages = default_collections()
    if models is None:
        models, builtin_deployments = default_models()
        if deployments is None:
            deployments = builtin_deployments
    state = ServerState(
        pace=pace or ModelPace(),
        models=tuple(models),
        deployments=tuple(deployments or ()),
        collections=collections,
        pages=pages,
        create_rate_limit=create_rate_limit,
        rate_limit=rate_limit,
        sync_data_uri_max_bytes=sync_data_uri_max_bytes,
        page_size=page_size,
    )
    if api_token is not None:
        state.api_token = api_token
    return state
