"""Problem-details errors (`application/problem+json`), with the bodies of spec §7.1.

`ProblemError` is raised anywhere in the server; the app turns it into a response.
The constructors below are pure and hold the exact texts the real API sends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class InvalidField:
    """One entry of a 422 body's `invalid_fields`."""

    type: str
    """`required`, `enum`, `invalid_type`, `additional_property_not_allowed`, ..."""
    field: str
    """Dotted path, e.g. `input.output_format`; empty for the request body itself."""
    description: str

    def detail_line(self) -> str:
        """The line this field contributes to the body's `detail`."""
        if self.field:
            return f"- {self.field}: {self.description}\n"
        return f"- {self.description}\n"


class ProblemError(Exception):
    """An HTTP error with a problem+json body."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        include_status: bool = True,
    ) -> None:
        """Create the error.

        Args:
            status: HTTP status code.
            detail: Human-readable explanation.
            title: Short summary, when the real API sends one.
            extra: Additional body members (e.g. `invalid_fields`).
            headers: Extra response headers (e.g. `Retry-After`).
            include_status: Whether the body repeats `status` (some real bodies do not).
        """
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.extra: dict[str, Any] = dict(extra or {})
        self.headers: dict[str, str] = dict(headers or {})
        self.include_status = include_status

    def body(self) -> dict[str, Any]:
        """The JSON body, members in the order the real API uses."""
        body: dict[str, Any] = {}
        if self.title is not None:
            body["title"] = self.title
        body["detail"] = self.detail
        if self.include_status:
            body["status"] = self.status
        body.update(self.extra)
        return body


def unauthenticated() -> ProblemError:
    """401: missing or wrong token."""
    return ProblemError(
        401,
        "You did not pass a valid authentication token",
        title="Unauthenticated",
    )


def not_found(
    detail: str = "The requested resource could not be found.",
) -> ProblemError:
    """404 as the Go API words it."""
    return ProblemError(404, detail)


def file_not_found() -> ProblemError:
    """404 for an unknown or deleted file."""
    return ProblemError(404, "File not found")


def invalid_version() -> ProblemError:
    """422: the `version` does not exist."""
    return ProblemError(
        422,
        "The specified version does not exist (or perhaps you don't have "
        "permission to use it?)",
        title="Invalid version or not permitted",
    )


def validation_failed(fields: list[InvalidField]) -> ProblemError:
    """422: the body or the input does not match its schema."""
    return ProblemError(
        422,
        "".join(f.detail_line() for f in fields),
        title="Input validation failed",
        extra={
            "invalid_fields": [
                {"type": f.type, "field": f.field, "description": f.description}
                for f in fields
            ]
        },
    )


def bad_request(detail: str) -> ProblemError:
    """400: a malformed request (bad JSON, bad `Prefer` header...)."""
    return ProblemError(400, detail, title="Bad request")


def too_large(limit_bytes: int) -> ProblemError:
    """413: an upload over the size limit."""
    megabytes = limit_bytes // 1_000_000
    return ProblemError(
        413, f"Files must be less than {megabytes}MB in size", include_status=False
    )


def throttled(retry_after: float) -> ProblemError:
    """429 with `Retry-After` (whole seconds, at least 1)."""
    seconds = max(1, math.ceil(retry_after))
    return ProblemError(
        429,
        f"Request was throttled. Your rate limit resets in ~{seconds}s.",
        headers={"Retry-After": str(seconds)},
    )
