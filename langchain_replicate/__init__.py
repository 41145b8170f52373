"""LangChain integration for Replicate.

The public names are imported on first use (PEP 562), as `langchain_core`'s own
packages do: `from langchain_replicate import Replicate` loads the LLM and its
base class, not the chat model or the tool.
"""

from __future__ import annotations

from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_replicate.chat_models import ChatReplicate
    from langchain_replicate.embeddings import ReplicateEmbeddings
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
        ReplicateTokenError,
    )
    from langchain_replicate.llms import Replicate
    from langchain_replicate.model_tools import (
        ReplicateModelResult,
        ReplicateModelTool,
        ReplicateToolkit,
    )
    from langchain_replicate.tools import (
        ReplicateImageGenerationTool,
        ReplicateImageInput,
        ReplicateImageResult,
    )

try:
    __version__ = metadata.version(__package__ or __name__)
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = ""

_MODULE_OF = {
    "ChatReplicate": "chat_models",
    "Replicate": "llms",
    "ReplicateAPIError": "errors",
    "ReplicateAuthenticationError": "errors",
    "ReplicateConnectionError": "errors",
    "ReplicateEmbeddings": "embeddings",
    "ReplicateImageGenerationTool": "tools",
    "ReplicateImageInput": "tools",
    "ReplicateImageResult": "tools",
    "ReplicateInputError": "errors",
    "ReplicateInvalidRequestError": "errors",
    "ReplicateModelResult": "model_tools",
    "ReplicateModelTool": "model_tools",
    "ReplicateNotFoundError": "errors",
    "ReplicatePaymentRequiredError": "errors",
    "ReplicatePermissionDeniedError": "errors",
    "ReplicatePredictionCanceledError": "errors",
    "ReplicatePredictionError": "errors",
    "ReplicateRateLimitError": "errors",
    "ReplicateServerError": "errors",
    "ReplicateTimeoutError": "errors",
    "ReplicateToolkit": "model_tools",
    "ReplicateTokenError": "errors",
}
"""Where each public name lives (imported on first access)."""

__all__ = [
    "ChatReplicate",
    "Replicate",
    "ReplicateAPIError",
    "ReplicateAuthenticationError",
    "ReplicateConnectionError",
    "ReplicateEmbeddings",
    "ReplicateImageGenerationTool",
    "ReplicateImageInput",
    "ReplicateImageResult",
    "ReplicateInputError",
    "ReplicateInvalidRequestError",
    "ReplicateModelResult",
    "ReplicateModelTool",
    "ReplicateNotFoundError",
    "ReplicatePaymentRequiredError",
    "ReplicatePermissionDeniedError",
    "ReplicatePredictionCanceledError",
    "ReplicatePredictionError",
    "ReplicateRateLimitError",
    "ReplicateServerError",
    "ReplicateTimeoutError",
    "ReplicateTokenError",
    "ReplicateToolkit",
    "__version__",
]


def __getattr__(name: str) -> Any:  # noqa: ANN401 - any public name
    module = _MODULE_OF.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return list(__all__)
