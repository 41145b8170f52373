"""Routes for finding models: search, the models list, collections, covers.

* `QUERY /v1/models` (`models.search`): the body is the query as plain text;
  a page of model objects (without `is_official`, as the spec's search
  results), best match first. Its `next` URL is
  `/v1/models?cursor=...`, to be sent again with QUERY and the same body
  (as the Stainless client pages it).
* `GET /v1/search?query=&limit=` (beta): `{query, models: [{model, metadata:
  {generated_description, tags, score}}], collections: [{name, slug,
  description, models: [owner/name]}], pages: [{name, href}]}`; `limit`
  (1-50, default 20) caps the models.
* `GET /v1/models?sort_by=&sort_direction=`: every model, paged.
* `GET /v1/collections` (paged `{name, slug, description}`) and
  `GET /v1/collections/{slug}` (with `full_description` and full models).
* `GET /covers/{owner}/{name}.png`: the cover image `cover_image_url` points
  at (no auth, like replicate.delivery).

The ranking is `_engine.search`'s.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import Route

from langchain_replicate.testing._engine import errors as _errors
from langchain_replicate.testing._engine import resources as _resources
from langchain_replicate.testing._engine import search as _search
from langchain_replicate.testing._engine.wire import json_response
from langchain_replicate.testing._http.requests import origin_of, page_of, state_of

if TYPE_CHECKING:
    from starlette.requests import Request

    from langchain_replicate.testing._models.reference import ReferenceModel

SEARCH_LIMIT_DEFAULT = 20
SEARCH_LIMIT_MAX = 50
SORT_BY = ("latest_version_created_at", "model_created_at")
SORT_DIRECTION = ("desc", "asc")
_COVER_SIDE = 256


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> str:
    value = request.query_params.get(name, allowed[0])
    if value not in allowed:
        msg = f"{name} must be one of: {', '.join(allowed)} (got {value!r})"
        raise _errors.bad_request(msg)
    return value


def _ranked_page(
    request: Request,
    models: list[ReferenceModel],
    base: str,
    *,
    official_flag: bool = True,
) -> Response:
    """`models` in this order, one page of them (cursor from the request).

    Without `official_flag` the objects leave out `is_official`, as
    `models.search` results do.
    """
    state = state_of(request)
    rank = {m.ref: len(models) - i for i, m in enumerate(models)}
    page = page_of(
        models, lambda m: rank[m.ref], request.query_params.get("cursor"),
        state.page_size,
    )  # fmt: skip
    origin = origin_of(request)
    return json_response(
        _resources.page_json(
            [_model_json(m, origin, official_flag=official_flag) for m in page.results],
            f"{origin}{base}",
            page.next_cursor,
            page.previous_cursor,
        )
    )


def _model_json(
    model: ReferenceModel, origin: str, *, official_flag: bool
) -> dict[str, Any]:
    body = _resources.model_json(model, origin)
    if not official_flag:
        del body["is_official"]
    return body


async def list_models(request: Request) -> Response:
    """`GET /v1/models`: `sort_by` a created date, `sort_direction` desc/asc."""
    sort_by = _choice(request, "sort_by", SORT_BY)
    direction = _choice(request, "sort_direction", SORT_DIRECTION)
    newest = state_of(request).registry.newest()
    if sort_by == "model_created_at":
        created = {
            ref: v[0].created_at for ref, v in state_of(request).registry.by_ref.items()
        }
        ordered = sorted(newest, key=lambda m: (created[m.ref], m.ref))
    else:
        ordered = sorted(newest, key=lambda m: (m.created_at, m.ref))
    if direction == "desc":
        ordered.reverse()
    return _ranked_page(request, ordered, "/v1/models")


async def _query_text(request: Request) -> str:
    raw = await request.body()
    try:
        text = raw.decode().strip()
    except UnicodeDecodeError as e:
        msg = "The search query must be UTF-8 text"
        raise _errors.bad_request(msg) from e
    if not text:
        msg = "The search query is empty: send it as the text/plain body"
        raise _errors.bad_request(msg)
    return text


async def query_models(request: Request) -> Response:
    """`QUERY /v1/models`: search; the text/plain body is the query."""
    query = await _query_text(request)
    state = state_of(request)
    hits = _search.search_models(
        query, state.registry.newest(), list(state.registry.collections.values())
    )
    return _ranked_page(
        request, [h.model for h in hits], "/v1/models", official_flag=False
    )


def _limit(request: Request) -> int:
    text = request.query_params.get("limit")
    if text is None:
        return SEARCH_LIMIT_DEFAULT
    if not text.isdigit() or not 1 <= int(text) <= SEARCH_LIMIT_MAX:
        msg = (
            f"limit must be a whole number from 1 to {SEARCH_LIMIT_MAX} (got {text!r})"
        )
        raise _errors.bad_request(msg)
    return int(text)


async def search(request: Request) -> Response:
    """`GET /v1/search?query=&limit=` (beta): models, collections, docs pages.

    404 under the `no_beta_search` fault (an API without the beta search).
    """
    if state_of(request).faults.no_beta_search:
        raise _errors.not_found()
    query = (request.query_params.get("query") or "").strip()
    if not query:
        msg = "query is required, e.g. /v1/search?query=upscale"
        raise _errors.bad_request(msg)
    limit = _limit(request)
    state = state_of(request)
    collections = list(state.registry.collections.values())
    hits = _search.search_models(query, state.registry.newest(), collections)
    origin = origin_of(request)
    return json_response(
        {
            "query": query,
            "models": [
                {
                    "model": _resources.model_json(hit.model, origin),
                    "metadata": {
                        "generated_description": _search.generated_description(
                            hit.model
                        ),
                        "tags": list(hit.model.tags),
                        "score": hit.score,
                    },
                }
                for hit in hits[:limit]
            ],
            "collections": [
                {**_resources.collection_summary_json(c), "models": list(c.models)}
                for c in _search.search_collections(query, collections, hits)
            ],
            "pages": [
                {"name": p.name, "href": p.href}
                for p in _search.search_pages(query, state.pages)
            ],
        }
    )


async def list_collections(request: Request) -> Response:
    """`GET /v1/collections`: paged `{name, slug, description}`."""
    collections = list(state_of(request).registry.collections.values())
    rank = {c.slug: len(collections) - i for i, c in enumerate(collections)}
    page = page_of(
        collections, lambda c: rank[c.slug], request.query_params.get("cursor"),
        state_of(request).page_size,
    )  # fmt: skip
    return json_response(
        _resources.page_json(
            [_resources.collection_summary_json(c) for c in page.results],
            f"{origin_of(request)}/v1/collections",
            page.next_cursor,
            page.previous_cursor,
        )
    )


async def get_collection(request: Request) -> Response:
    """`GET /v1/collections/{slug}`: the collection with its full models."""
    registry = state_of(request).registry
    collection = registry.collections.get(request.path_params["slug"])
    if collection is None:
        raise _errors.not_found()
    models = [m for ref in collection.models if (m := registry.latest(ref))]
    return json_response(
        _resources.collection_json(collection, models, origin_of(request))
    )


async def cover(request: Request) -> Response:
    """`GET /covers/{owner}/{name}.png`: a small picture for the model."""
    from langchain_replicate.testing._models.images import (  # noqa: PLC0415 - Pillow on demand
        encode_image,
        render_image,
    )

    ref = f"{request.path_params['owner']}/{request.path_params['name']}"
    model = state_of(request).registry.latest(ref)
    if model is None:
        raise _errors.not_found()

    def draw() -> bytes:
        image = render_image(model.description, 0, 0, (_COVER_SIDE, _COVER_SIDE))
        return encode_image(image, "PNG")

    return Response(await asyncio.to_thread(draw), media_type="image/png")


DISCOVERY_ROUTES = [
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models", query_models, methods=["QUERY"]),
    Route("/v1/search", search, methods=["GET"]),
    Route("/v1/collections", list_collections, methods=["GET"]),
    Route("/v1/collections/{slug}", get_collection, methods=["GET"]),
    Route("/covers/{owner}/{name}.png", cover, methods=["GET"]),
]
