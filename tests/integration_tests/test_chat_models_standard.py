"""langchain-tests' standard integration suite for `ChatReplicate`.

It runs against the local Replicate server, or against real Replicate when
`REPLICATE_API_TOKEN` is set and `REPLICATE_BASE_URL` is not.

Four reference models, one per way a model takes a conversation, and a
reasoning model:

* `meta/meta-llama-3-8b-instruct`: `prompt` + `system_prompt` + its own
  `prompt_template`, `stop_sequences`, `temperature`... (text only);
* `openai/gpt-5-nano`: `messages` + `image_input` + `max_completion_tokens`;
* `ibm-granite/granite-4.0-h-small`: the chat-completions family (`messages`
  + `tools` + `tool_choice` + `response_format`; JSON output);
* `deepseek-ai/deepseek-r1`: `prompt` alone (the conversation rendered with
  DeepSeek's template), a reply that thinks first (`thoughts\n</think>\n\n`
  then the answer).

Flags: tool calling, tool choice, structured output and JSON mode are on for
all four: natively for Granite, by prompt for the two others (they take no
`tools` input; `_chat/prompted_tools.py`; the local server's text models answer
tool prompts as Hermes-trained models do, `testing/_models/prompted.py`). Image URLs
are on against real
Replicate only: the local server reads only its own files and `data:` URIs
(our own tests cover URL pass-through).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_replicate import ChatReplicate

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from langchain_replicate.testing import LocalReplicateServer

REAL_REPLICATE = bool(os.environ.get("REPLICATE_API_TOKEN")) and not os.environ.get(
    "REPLICATE_BASE_URL"
)


@pytest.fixture(autouse=True)
def _point_at_the_server(
    replicate_server: LocalReplicateServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unless real Replicate is wanted, the models read the local server from env."""
    if not REAL_REPLICATE:
        monkeypatch.setenv("REPLICATE_BASE_URL", replicate_server.base_url)
        monkeypatch.setenv("REPLICATE_API_TOKEN", replicate_server.api_token)


class _ByPrompt(ChatModelIntegrationTests):
    """Models without a `tools` input: tools and structured output by prompt.

    The flags are the derived ones (`bind_tools` and `with_structured_output`
    are ChatReplicate's), said here so the suite's scope is plain.
    """

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True


class TestChatReplicateLlama3(_ByPrompt):
    """A model that templates `system_prompt` + `prompt` itself."""

    @property
    def chat_model_class(self) -> type[ChatReplicate]:
        return ChatReplicate

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "meta/meta-llama-3-8b-instruct"}

    @property
    def model_override_value(self) -> str:
        # Locally: the same model behind a deployment (a different reference).
        if REAL_REPLICATE:
            return "meta/meta-llama-3-70b-instruct"
        return "deployments/replicate-testing/llama-3"


class TestChatReplicateGpt5Nano(_ByPrompt):
    """A model that takes an OpenAI-style `messages` list and images."""

    @property
    def chat_model_class(self) -> type[ChatReplicate]:
        return ChatReplicate

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "openai/gpt-5-nano"}

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "openai/gpt-5-mini"

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return REAL_REPLICATE

    @pytest.mark.xfail(
        reason=(
            "the test downloads its image from raw.githubusercontent.com; "
            "without internet access it cannot start"
        ),
        raises=httpx.HTTPError,
        strict=False,
    )
    def test_image_inputs(self, model: BaseChatModel) -> None:
        super().test_image_inputs(model)


class TestChatReplicateGranite(ChatModelIntegrationTests):
    """A chat-completions model: tools, tool choice, structured output, JSON mode."""

    @property
    def chat_model_class(self) -> type[ChatReplicate]:
        return ChatReplicate

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "ibm-granite/granite-4.0-h-small"}

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "ibm-granite/granite-4.1-8b"

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True


class TestChatReplicateDeepSeekR1(_ByPrompt):
    """A reasoning model that thinks in the text, before every answer."""

    @property
    def chat_model_class(self) -> type[ChatReplicate]:
        return ChatReplicate

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "deepseek-ai/deepseek-r1"}

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        # The older version, which writes the opening <think> itself.
        return (
            "deepseek-ai/deepseek-r1:"
            "d0426501ce0499770ac3d3494e9f3c7c03f9b10e569212f6148a4fd337ec3ece"
        )
