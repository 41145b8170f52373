import langchain_replicate
from langchain_replicate import __all__

EXPECTED_ALL = [
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


def test_all_imports() -> None:
    assert sorted(EXPECTED_ALL) == sorted(__all__)
    assert list(__all__) == sorted(__all__)
    for name in __all__:
        assert hasattr(langchain_replicate, name)
