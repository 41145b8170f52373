"""Errors raised by `langchain-replicate`.

Every class inherits both a `replicate` exception and the matching
`langchain_core.exceptions` class, so `except replicate.exceptions.ReplicateError`
and `except langchain_core.exceptions.ModelRateLimitError` both keep working:

```text
ReplicateAPIError              (replicate.ReplicateError, core ModelError)
 ├── ReplicateAuthenticationError    401  (+ core ModelAuthenticationError)
 │    └── ReplicateTokenError        the token cannot be sent (+ ValueError)
 ├── ReplicatePaymentRequiredError   402  (+ core ModelPermissionDeniedError)
 ├── ReplicatePermissionDeniedError  403  (+ core ModelPermissionDeniedError)
 ├── ReplicateNotFoundError          404  (+ core ModelNotFoundError)
 ├── ReplicateInvalidRequestError    other 4xx  (+ core ModelInvalidRequestError)
 │    └── ReplicateInputError        rejected before any request was sent
 ├── ReplicateRateLimitError         429  (+ core ModelRateLimitError)
 ├── ReplicateServerError            5xx  (+ core ModelAPIError)
 ├── ReplicateConnectionError        no response  (+ core ModelConnectionError)
 └── ReplicateTimeoutError           deadline passed, prediction canceled
                                          (+ core ModelTimeoutError)
ReplicatePredictionError       (replicate.ModelError, core ModelError)
 └── ReplicatePredictionCanceledError
```

core has no class for HTTP 402 (out of credit); it is treated as a permission
problem, which is what retrying cannot fix either.

The API token never appears in a message: messages are built only from the
response body, the prediction and our own text, and every token this process
was given is redacted (`_redaction.redact`) from them and from the transport
exception chained to them (`_redaction.scrub`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypedDict

import httpx
from langchain_core import exceptions as core
from replicate import exceptions as sdk
from replicate.prediction import Prediction as _SdkPrediction
from typing_extensions import Unpack

from langchain_replicate._redaction import redact, scrub

if TYPE_CHECKING:
    from collections.abc import Mapping

_LOG_TAIL_LINES = 20


class _Problem(TypedDict, total=False):
    status: int | None
    type: str | None
    title: str | None
    detail: str | None
    instance: str | None


class ReplicateAPIError(sdk.ReplicateError, core.ModelError):
    """The Replicate API answered with an error, or could not be reached."""

    def __init__(self, message: str, **problem: Unpack[_Problem]) -> None:
        """Create the error.

        Args:
            message: What went wrong and what to do about it.
            **problem: HTTP `status` and the RFC 7807 fields of the response
                (`type`, `title`, `detail`, `instance`).
        """
        sdk.ReplicateError.__init__(self, **problem)
        Exception.__init__(self, message)
        self.message = message

    def __str__(self) -> str:
        """The message, which says what to do."""
        return self.message

    def __repr__(self) -> str:
        """Class name, status and message."""
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class ReplicateAuthenticationError(ReplicateAPIError, core.ModelAuthenticationError):
    """HTTP 401, or no API token was configured at all."""


class ReplicateTokenError(ReplicateAuthenticationError, ValueError):
    """The configured token cannot be sent (a character a header cannot carry).

    Raised at construction, before any request; the message names the setting
    (`api_key` or the environment variable), never the token.
    """


class ReplicatePaymentRequiredError(ReplicateAPIError, core.ModelPermissionDeniedError):
    """HTTP 402: the account has no credit left."""


class ReplicatePermissionDeniedError(
    ReplicateAPIError, core.ModelPermissionDeniedError
):
    """HTTP 403: the token may not use this model or deployment."""


class ReplicateNotFoundError(ReplicateAPIError, core.ModelNotFoundError):
    """HTTP 404: the model, version or deployment does not exist."""


class ReplicateInvalidRequestError(ReplicateAPIError, core.ModelInvalidRequestError):
    """HTTP 400/409/413/422: Replicate rejected the request, e.g. invalid input."""


class ReplicateInputError(ReplicateInvalidRequestError, ValueError):
    """The input was rejected before any prediction was created (nothing billed)."""


class ReplicateRateLimitError(ReplicateAPIError, core.ModelRateLimitError):
    """HTTP 429: too many requests; retry later."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        **problem: Unpack[_Problem],
    ) -> None:
        """Create the error.

        Args:
            message: What went wrong and what to do about it.
            retry_after: Seconds the server asked us to wait, if it said.
            **problem: As for `ReplicateAPIError`.
        """
        super().__init__(message, **problem)
        self.retry_after = retry_after


class ReplicateServerError(ReplicateAPIError, core.ModelAPIError):
    """HTTP 5xx: Replicate failed; retrying may help."""


class ReplicateConnectionError(ReplicateAPIError, core.ModelConnectionError):
    """Replicate could not be reached, or the connection broke."""


class ReplicateTimeoutError(ReplicateAPIError, core.ModelTimeoutError):
    """The prediction outlived `timeout`; it was canceled on the server."""

    def __init__(
        self,
        message: str,
        *,
        prediction_id: str | None = None,
        **problem: Unpack[_Problem],
    ) -> None:
        """Create the error.

        Args:
            message: What went wrong and what to do about it.
            prediction_id: The canceled prediction, if one was created.
            **problem: As for `ReplicateAPIError`.
        """
        super().__init__(message, **problem)
        self.prediction_id = prediction_id


class ReplicatePredictionError(sdk.ModelError, core.ModelError):
    """The prediction ended as `failed` (the model raised, ran out of memory...).

    Attributes:
        prediction: The prediction as `replicate.prediction.Prediction`.
        prediction_id: Its id (look it up on replicate.com/p/<id>).
        model_error: The model's own error text.
        logs_tail: The last lines of the prediction's logs.
    """

    def __init__(self, prediction: Mapping[str, Any], message: str) -> None:
        """Create the error.

        Args:
            prediction: The prediction JSON as the API returned it.
            message: The full message.
        """
        sdk.ModelError.__init__(self, _sdk_prediction(prediction))
        Exception.__init__(self, message)
        self.message = message
        self.prediction_id: str | None = prediction.get("id")
        self.model_error: str | None = prediction.get("error")
        self.logs_tail = _logs_tail(prediction.get("logs"))

    def __str__(self) -> str:
        """The message with the prediction id, error and log tail."""
        return self.message


class ReplicatePredictionCanceledError(ReplicatePredictionError):
    """The prediction was canceled by someone else (not by a stop sequence)."""


def _logs_tail(logs: object) -> str:
    if not isinstance(logs, str):
        return ""
    return "\n".join(logs.rstrip("\n").splitlines()[-_LOG_TAIL_LINES:])


def _sdk_prediction(prediction: Mapping[str, Any]) -> _SdkPrediction:
    fields = set(_SdkPrediction.__fields__)
    return _SdkPrediction.construct(
        **{key: value for key, value in prediction.items() if key in fields}
    )


def decode_model_error(error: object) -> str:
    """A model's error text, decoded when it is an OpenAI/vLLM error JSON.

    Chat-completions models (vLLM) fail a prediction with their server's
    error JSON as the error string, e.g. `{"object": "error", "message":
    "...", "type": "BadRequestError", "code": 400}`; the message is what a
    person needs.

    Args:
        error: The prediction's `error`.

    Returns:
        `message (type)` for an error JSON, else the error as text.
    """
    text = str(error)
    try:
        decoded = json.loads(text)
    except ValueError:
        return text
    if isinstance(decoded, dict) and isinstance(decoded.get("error"), dict):
        decoded = decoded["error"]
    if not isinstance(decoded, dict) or not isinstance(decoded.get("message"), str):
        return text
    kind = decoded.get("type")
    return (
        f"{decoded['message']} ({kind})"
        if isinstance(kind, str)
        else decoded["message"]
    )


def prediction_error(prediction: Mapping[str, Any]) -> ReplicatePredictionError:
    """Build the error for a prediction that ended `failed`, `canceled` or `aborted`.

    Args:
        prediction: The prediction JSON.

    Returns:
        The error to raise.
    """
    pid = prediction.get("id", "?")
    status = prediction.get("status")
    model = prediction.get("model", "?")
    if status in {"canceled", "aborted"}:
        message = (
            f"Prediction {pid} of {model} was {status} before it finished "
            "(canceled on replicate.com, through the API, or by a deadline)."
        )
        return ReplicatePredictionCanceledError(prediction, message)
    error = decode_model_error(prediction.get("error"))
    message = f"Prediction {pid} of {model} failed: {error}"
    tail = _logs_tail(prediction.get("logs"))
    if tail:
        message += f"\nLast log lines:\n{tail}"
    message += f"\nSee https://replicate.com/p/{pid} for details."
    return ReplicatePredictionError(prediction, message)


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after", "").strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


_HINTS = {
    401: "Check the API token: set REPLICATE_API_TOKEN or pass api_key=... "
    "(https://replicate.com/account/api-tokens).",
    402: "Add credit or a payment method at https://replicate.com/account/billing.",
    403: "This token may not use that model or deployment.",
    404: "Check the model reference (owner/name, owner/name:version or "
    "deployments/owner/name) and that the token can see it.",
    422: "Check the input names and values against the model's API page.",
    429: "Too many requests: retry later, lower max_concurrency, or raise max_retries.",
}


def error_from_response(response: httpx.Response, action: str) -> ReplicateAPIError:
    """Map an HTTP error response to the matching typed error.

    Args:
        response: A response with status >= 400.
        action: What we were doing, e.g. "create a prediction for meta/x".

    Returns:
        The error to raise.
    """
    base = sdk.ReplicateError.from_response(response)
    for name in ("detail", "title"):
        if isinstance(value := getattr(base, name), str):
            setattr(base, name, redact(value))
    status = response.status_code
    detail = (base.detail or base.title or response.reason_phrase).rstrip(". ")
    message = f"Replicate returned HTTP {status} when trying to {action}: {detail}."
    if hint := _HINTS.get(status):
        message = f"{message} {hint}"
    fields: _Problem = {
        "status": status,
        "title": base.title,
        "detail": base.detail,
        "type": base.type,
        "instance": base.instance,
    }
    cls: type[ReplicateAPIError]
    if status == 401:  # noqa: PLR2004 - HTTP status codes read best as numbers
        cls = ReplicateAuthenticationError
    elif status == 402:  # noqa: PLR2004
        cls = ReplicatePaymentRequiredError
    elif status == 403:  # noqa: PLR2004
        cls = ReplicatePermissionDeniedError
    elif status == 404:  # noqa: PLR2004
        cls = ReplicateNotFoundError
    elif status == 429:  # noqa: PLR2004
        return ReplicateRateLimitError(
            message, retry_after=_retry_after(response.headers), **fields
        )
    elif status >= 500:  # noqa: PLR2004
        cls = ReplicateServerError
    else:
        cls = ReplicateInvalidRequestError
    return cls(message, **fields)


def error_from_transport(exc: httpx.HTTPError, action: str) -> ReplicateAPIError:
    """Map an httpx transport failure (no usable response) to a typed error.

    Args:
        exc: The httpx exception.
        action: What we were doing.

    Returns:
        The error to raise.
    """
    scrub(exc)
    if isinstance(exc, httpx.TimeoutException):
        return ReplicateTimeoutError(
            f"Timed out trying to {action} ({type(exc).__name__}). Raise timeout=... "
            "or check the network."
        )
    return ReplicateConnectionError(
        f"Could not reach Replicate to {action} ({type(exc).__name__}: {exc}). "
        "Check base_url / REPLICATE_BASE_URL and the network."
    )


def missing_token_error() -> ReplicateAuthenticationError:
    """The error for a call made with no API token configured.

    Returns:
        The error to raise.
    """
    return ReplicateAuthenticationError(
        "No Replicate API token: set the REPLICATE_API_TOKEN environment variable "
        "or pass api_key=... (https://replicate.com/account/api-tokens)."
    )


__all__ = [
    "ReplicateAPIError",
    "ReplicateAuthenticationError",
    "ReplicateConnectionError",
    "ReplicateInputError",
    "ReplicateInvalidRequestError",
    "ReplicateNotFoundError",
    "ReplicatePaymentRequiredError",
    "ReplicatePermissionDeniedError",
    "ReplicatePredictionCanceledError",
    "ReplicatePredictionError",
    "ReplicateRateLimitError",
    "ReplicateServerError",
    "ReplicateTimeoutError",
    "ReplicateTokenError",
]
