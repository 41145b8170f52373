"""LangChain integration for Replicate."""

from importlib import metadata

from langchain_replicate.chat_models import ChatReplicate
from langchain_replicate.errors import (
    ReplicateAPIError,
    ReplicateAuthenticationError,
    ReplicateConnectionError,
    ReplicateInputError,
    ReplicateInvalidRequestError,
    ReplicateNotFoundError,
    ReplicatePaymentRequiredError,
    ReplicatePermissionDeniedError,
    ReplicatePredictionCanceledError,
    ReplicatePredictionError,
    ReplicateRateLimitError,
    ReplicateServerError,
    ReplicateTimeoutError,
)
from langchain_replicate.llms import Replicate
from langchain_replicate.tools import (
    ReplicateImageGenerationTool,
    ReplicateImageInput,
    ReplicateImageResult,
)

try:
    __version__ = metadata.version(__package__ or __name__)
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = ""

__all__ = [
    "ChatReplicate",
    "Replicate",
    "ReplicateAPIError",
    "ReplicateAuthenticationError",
    "ReplicateConnectionError",
    "ReplicateImageGenerationTool",
    "ReplicateImageInput",
    "ReplicateImageResult",
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
    "__version__",
]
