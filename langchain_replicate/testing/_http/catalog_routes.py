"""Routes for what an account can run: models, versions, deployments, hardware.

Listing and finding models (`GET`/`QUERY /v1/models`, search, collections)
is in `_http.discovery_routes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._engine import resources as _resources
from langchain_replicate.testing._engine.wire import json_response
from langchain_replicate.testing._http.requests import origin_of, state_of

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from langchain_replicate.testing._models.reference import (
        ReferenceDeployment,
        ReferenceModel,
    )


# -- models, versions, deployments -------------------------------------------------


def _latest(request: Request) -> ReferenceModel:
    ref = f"{request.path_params['owner']}/{request.path_params['name']}"
    model = state_of(request).registry.latest(ref)
    if model is None:
        raise _errors.not_found()
    return model


async def get_model(request: Request) -> Response:
    """`GET /v1/models/{owner}/{name}`."""
    return json_response(_resources.model_json(_latest(request), origin_of(request)))


async def list_versions(request: Request) -> Response:
    """`GET /v1/models/{owner}/{name}/versions`: newest first, one page."""
    model = _latest(request)
    versions = state_of(request).registry.by_ref[model.ref]
    return json_response(
        {
            "next": None,
            "previous": None,
            "results": [_resources.version_json(v) for v in reversed(versions)],
        }
    )


async def get_version(request: Request) -> Response:
    """`GET /v1/models/{owner}/{name}/versions/{version}`."""
    model = _latest(request)
    version = state_of(request).registry.version(
        model.ref, request.path_params["version"]
    )
    if version is None:
        msg = "Not found."
        raise _errors.not_found(msg)
    return json_response(_resources.version_json(version))


def _deployment(request: Request) -> ReferenceDeployment:
    ref = f"{request.path_params['owner']}/{request.path_params['name']}"
    deployment = state_of(request).registry.deployments.get(ref)
    if deployment is None:
        raise _errors.not_found()
    return deployment


async def get_deployment(request: Request) -> Response:
    """`GET /v1/deployments/{owner}/{name}`."""
    return json_response(_resources.deployment_json(_deployment(request)))


async def list_deployments(request: Request) -> Response:
    """`GET /v1/deployments`."""
    deployments = state_of(request).registry.deployments.values()
    return json_response(
        {
            "next": None,
            "previous": None,
            "results": [_resources.deployment_json(d) for d in deployments],
        }
    )


# -- account, hardware ---------------------------------------------------------------


async def account(request: Request) -> Response:  # noqa: ARG001 - Starlette signature
    """`GET /v1/account`."""
    return json_response(_resources.ACCOUNT)


async def hardware(request: Request) -> Response:  # noqa: ARG001 - Starlette signature
    """`GET /v1/hardware`: a bare array."""
    return json_response(_resources.HARDWARE)


CATALOG_ROUTES = [
    Route("/v1/models/{owner}/{name}", get_model, methods=["GET"]),
    Route("/v1/models/{owner}/{name}/versions", list_versions, methods=["GET"]),
    Route("/v1/models/{owner}/{name}/versions/{version}", get_version, methods=["GET"]),
    Route("/v1/deployments", list_deployments, methods=["GET"]),
    Route("/v1/deployments/{owner}/{name}", get_deployment, methods=["GET"]),
    Route("/v1/account", account, methods=["GET"]),
    Route("/v1/hardware", hardware, methods=["GET"]),
]
