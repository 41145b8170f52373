"""Response helpers shared by the routes and the middleware."""

from __future__ import annotations

from starlette.responses import JSONResponse

from langchain_replicate.testing._errors import PROBLEM_JSON, ProblemError


def problem_response(error: ProblemError) -> JSONResponse:
    """The problem+json response for `error`."""
    return JSONResponse(
        error.body(),
        status_code=error.status,
        headers=error.headers,
        media_type=PROBLEM_JSON,
    )


def json_response(
    body: object, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSON response."""
    return JSONResponse(body, status_code=status_code, headers=headers)
