import subprocess
import sys

import pytest

import langchain_replicate
from langchain_replicate import __all__

EXPECTED_ALL = [
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


def test_all_imports() -> None:
    assert sorted(EXPECTED_ALL) == sorted(__all__)
    assert list(__all__) == sorted(__all__)
    for name in __all__:
        assert hasattr(langchain_replicate, name)


def test_every_public_name_resolves_to_its_module() -> None:
    for name in __all__:
        if name != "__version__":
            value = getattr(langchain_replicate, name)
            assert value.__name__ == name
            assert value.__module__.startswith("langchain_replicate.")
    assert sorted(dir(langchain_replicate)) == sorted(__all__)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'ChatReplicat'"):
        _ = langchain_replicate.ChatReplicat


def test_importing_the_llm_loads_neither_the_chat_model_nor_the_tool() -> None:
    # A fresh interpreter: this test session has imported everything already.
    code = (
        "import sys\n"
        "from langchain_replicate import Replicate\n"
        "print(sorted(m for m in sys.modules if m.startswith('langchain_replicate')))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = done.stdout.strip()
    assert "langchain_replicate.llms" in loaded
    assert "langchain_replicate.chat_models" not in loaded
    assert "langchain_replicate.tools" not in loaded
