"""Chat templates: every family's exact output, selection, overrides, errors.

Expected strings are written out by hand from each family's published chat
template (Meta's llama-2 `chat_completion`, the Hugging Face `chat_template` of
Llama-3-8B-Instruct, Mixtral-8x7B-Instruct-v0.1, Qwen2, Gemma 3, DeepSeek-R1
and Phi-3.5), never computed with the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_replicate._chat.prompts import (
    BUILTIN_TEMPLATES,
    ChatTemplate,
    SystemPromptSplit,
    render_prompt,
    split_system_prompt,
)
from langchain_replicate._chat.template_choice import (
    select_template,
    template_for_model,
)

ONE_TURN: list[BaseMessage] = [SystemMessage("S"), HumanMessage("U1")]
MULTI_TURN: list[BaseMessage] = [
    SystemMessage("S"),
    HumanMessage("U1"),
    AIMessage("A1"),
    HumanMessage("U2"),
]
NO_SYSTEM: list[BaseMessage] = [HumanMessage("U1")]

# DeepSeek's special tokens use U+FF5C (fullwidth vertical bar) and U+2581.
BAR = "\uff5c"
DS_BOS = f"<{BAR}begin\u2581of\u2581sentence{BAR}>"
DS_EOS = f"<{BAR}end\u2581of\u2581sentence{BAR}>"
DS_USER = f"<{BAR}User{BAR}>"
DS_ASSISTANT = f"<{BAR}Assistant{BAR}>"

EXPECTED: dict[str, tuple[str, str, str]] = {
    # name: (no system, system + one user turn, system + multi-turn)
    "llama-2": (
        "<s>[INST] U1 [/INST]",
        "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST]",
        "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST] A1 </s><s>[INST] U2 [/INST]",
    ),
    "llama-3": (
        (
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nU1<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n"
        ),
        (
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nU1<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n"
        ),
        (
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nU1<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nA1<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nU2<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n"
        ),
    ),
    "mistral": (
        "<s>[INST] U1 [/INST]",
        "<s>[INST] S\n\nU1 [/INST]",
        "<s>[INST] S\n\nU1 [/INST]A1</s>[INST] U2 [/INST]",
    ),
    "chatml": (
        "<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\n",
        (
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n"
            "<|im_start|>assistant\n"
        ),
        (
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n"
            "<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nU2<|im_end|>\n"
            "<|im_start|>assistant\n"
        ),
    ),
    "gemma": (
        "<bos><start_of_turn>user\nU1<end_of_turn>\n<start_of_turn>model\n",
        "<bos><start_of_turn>user\nS\n\nU1<end_of_turn>\n<start_of_turn>model\n",
        (
            "<bos><start_of_turn>user\nS\n\nU1<end_of_turn>\n"
            "<start_of_turn>model\nA1<end_of_turn>\n"
            "<start_of_turn>user\nU2<end_of_turn>\n<start_of_turn>model\n"
        ),
    ),
    "deepseek": (
        f"{DS_BOS}{DS_USER}U1{DS_ASSISTANT}",
        f"{DS_BOS}S{DS_USER}U1{DS_ASSISTANT}",
        f"{DS_BOS}S{DS_USER}U1{DS_ASSISTANT}A1{DS_EOS}{DS_USER}U2{DS_ASSISTANT}",
    ),
    "phi-3": (
        "<|user|>\nU1<|end|>\n<|assistant|>\n",
        "<|system|>\nS<|end|>\n<|user|>\nU1<|end|>\n<|assistant|>\n",
        (
            "<|system|>\nS<|end|>\n<|user|>\nU1<|end|>\n<|assistant|>\nA1<|end|>\n"
            "<|user|>\nU2<|end|>\n<|assistant|>\n"
        ),
    ),
}


def test_every_builtin_template_is_tested() -> None:
    assert set(EXPECTED) == set(BUILTIN_TEMPLATES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_builtin_templates_render_published_formats(name: str) -> None:
    template = BUILTIN_TEMPLATES[name]
    no_system, one_turn, multi_turn = EXPECTED[name]
    assert render_prompt(NO_SYSTEM, template) == no_system
    assert render_prompt(ONE_TURN, template) == one_turn
    assert render_prompt(MULTI_TURN, template) == multi_turn


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Several system messages, anywhere, are joined and placed once.
        (
            "chatml",
            (
                "<|im_start|>system\nS1\n\nS2<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n"
                "<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nU2<|im_end|>\n"
                "<|im_start|>assistant\n"
            ),
        ),
        (
            "llama-2",
            (
                "<s>[INST] <<SYS>>\nS1\n\nS2\n<</SYS>>\n\nU1 [/INST] A1 </s>"
                "<s>[INST] U2 [/INST]"
            ),
        ),
        (
            "gemma",
            (
                "<bos><start_of_turn>user\nS1\n\nS2\n\nU1<end_of_turn>\n"
                "<start_of_turn>model\nA1<end_of_turn>\n"
                "<start_of_turn>user\nU2<end_of_turn>\n<start_of_turn>model\n"
            ),
        ),
    ],
)
def test_several_system_messages(name: str, expected: str) -> None:
    messages: list[BaseMessage] = [
        SystemMessage("S1"),
        HumanMessage("U1"),
        AIMessage("A1"),
        SystemMessage("S2"),
        HumanMessage("U2"),
    ]
    assert render_prompt(messages, BUILTIN_TEMPLATES[name]) == expected


def test_consecutive_same_role_turns_are_merged() -> None:
    messages: list[BaseMessage] = [
        HumanMessage("U1"),
        HumanMessage("U1b"),
        AIMessage("A1"),
        AIMessage("A1b"),
        HumanMessage("U2"),
    ]
    assert (
        render_prompt(messages, BUILTIN_TEMPLATES["mistral"])
        == "<s>[INST] U1\n\nU1b [/INST]A1\n\nA1b</s>[INST] U2 [/INST]"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "llama-3",
            (
                "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nU1<|eot_id|>"
                "<|start_header_id|>assistant<|end_header_id|>\n\nThe answer is"
            ),
        ),
        ("llama-2", "<s>[INST] U1 [/INST] The answer is"),
        ("mistral", "<s>[INST] U1 [/INST]The answer is"),
        (
            "chatml",
            "<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nThe answer is",
        ),
        (
            "gemma",
            (
                "<bos><start_of_turn>user\nU1<end_of_turn>\n"
                "<start_of_turn>model\nThe answer is"
            ),
        ),
        ("deepseek", f"{DS_BOS}{DS_USER}U1{DS_ASSISTANT}The answer is"),
        ("phi-3", "<|user|>\nU1<|end|>\n<|assistant|>\nThe answer is"),
    ],
)
def test_conversation_ending_with_ai_message_is_a_prefill(
    name: str, expected: str
) -> None:
    messages: list[BaseMessage] = [HumanMessage("U1"), AIMessage("The answer is")]
    assert render_prompt(messages, BUILTIN_TEMPLATES[name]) == expected


def test_content_is_verbatim_braces_and_placeholders_included() -> None:
    messages: list[BaseMessage] = [
        SystemMessage("use {content} and {system}"),
        HumanMessage("{content} {0} {x}"),
    ]
    assert render_prompt(messages, BUILTIN_TEMPLATES["gemma"]) == (
        "<bos><start_of_turn>user\nuse {content} and {system}\n\n{content} {0} {x}"
        "<end_of_turn>\n<start_of_turn>model\n"
    )


def test_list_content_text_blocks_are_joined() -> None:
    messages: list[BaseMessage] = [
        HumanMessage(["a", {"type": "text", "text": "b"}]),
    ]
    assert (
        render_prompt(messages, BUILTIN_TEMPLATES["llama-2"])
        == "<s>[INST] a\nb [/INST]"
    )


def test_chat_message_roles() -> None:
    messages: list[BaseMessage] = [
        ChatMessage(role="system", content="S"),
        ChatMessage(role="user", content="U1"),
        ChatMessage(role="assistant", content="A1"),
        ChatMessage(role="human", content="U2"),
    ]
    assert render_prompt(messages, BUILTIN_TEMPLATES["phi-3"]) == EXPECTED["phi-3"][2]


def test_reasoning_blocks_of_ai_turns_are_dropped() -> None:
    messages: list[BaseMessage] = [
        HumanMessage("U1"),
        AIMessage(
            [{"type": "reasoning", "reasoning": "hmm"}, {"type": "text", "text": "A1"}]
        ),
        HumanMessage("U2"),
    ]
    assert (
        render_prompt(messages, BUILTIN_TEMPLATES["mistral"])
        == "<s>[INST] U1 [/INST]A1</s>[INST] U2 [/INST]"
    )


# --- selection --------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("meta/meta-llama-3-8b-instruct", "llama-3"),
        ("meta/meta-llama-3.1-405b-instruct", "llama-3"),
        ("meta/llama-3.2-90b-vision-instruct", "llama-3"),
        ("meta/llama-2-70b-chat", "llama-2"),
        ("meta/llama-2-7b-chat:02e509c789964a7ea8736978a43525956ef40397", "llama-2"),
        ("a16z-infra/llama13b-v2-chat", "llama-2"),
        ("a16z-infra/llama70b-v2-chat", "llama-2"),
        ("meta/codellama-13b-instruct", "llama-2"),
        ("mistralai/mixtral-8x7b-instruct-v0.1", "mistral"),
        ("mistralai/mistral-7b-instruct-v0.2", "mistral"),
        ("nousresearch/nous-hermes-2-yi-34b-gguf", "chatml"),
        ("kcaverly/nous-hermes-2-mixtral-8x7b-dpo", "chatml"),  # not mistral
        ("nousresearch/hermes-3-llama-3.1-405b", "chatml"),  # not llama-3
        ("teknium/openhermes-2.5-mistral-7b", "chatml"),
        ("mikeei/dolphin-2.9-llama3-70b-gguf", "chatml"),
        ("qwen/qwen2.5-72b-instruct", "chatml"),
        ("lucataco/qwen1.5-110b", "chatml"),
        ("01-ai/yi-34b-chat", "chatml"),
        ("google-deepmind/gemma-7b-it", "gemma"),
        ("google/gemma-3-27b-it", "gemma"),
        ("deepseek-ai/deepseek-r1", "deepseek"),
        ("deepseek-ai/deepseek-v3", "deepseek"),
        ("lucataco/deepseek-r1-distill-llama-70b", "deepseek"),  # not llama-3
        ("lucataco/deepseek-r1-distill-qwen-32b", "deepseek"),  # not chatml
        ("microsoft/phi-3-mini-4k-instruct", "phi-3"),
        ("lucataco/phi-3.5-mini-instruct", "phi-3"),
        ("MistralAI/Mixtral-8x7B-Instruct-v0.1", "mistral"),  # case-insensitive
    ],
)
def test_template_for_model(model: str, name: str) -> None:
    template = template_for_model(model)
    assert template is not None
    assert template.name == name
    assert select_template(model) is template


@pytest.mark.parametrize(
    "model",
    ["yorickvp/llava-13b", "openai/gpt-5-nano", "stability-ai/sdxl", "meta/llama-4"],
)
def test_unknown_model_matches_nothing(model: str) -> None:
    assert template_for_model(model) is None
    with pytest.raises(ValueError, match="prompt_template=") as info:
        select_template(model)
    assert str(info.value) == (
        f"No chat template is known for model {model!r}. Pass prompt_template= "
        "with one of: chatml, deepseek, gemma, llama-2, llama-3, mistral, phi-3; "
        "or a ChatTemplate for another format."
    )


def test_override_by_name_beats_the_model_name() -> None:
    template = select_template("meta/meta-llama-3-8b-instruct", "chatml")
    assert template is BUILTIN_TEMPLATES["chatml"]
    assert select_template("yorickvp/llava-13b", "llama-2").name == "llama-2"


def test_override_with_unknown_name() -> None:
    with pytest.raises(ValueError, match="Unknown prompt_template 'llama3'") as info:
        select_template("meta/meta-llama-3-8b-instruct", "llama3")
    assert "chatml, deepseek, gemma, llama-2, llama-3, mistral, phi-3" in str(
        info.value
    )


ALPACA = ChatTemplate(
    name="alpaca",
    system="{content}\n\n",
    user="### Instruction:\n{content}\n\n",
    assistant="### Response:\n{content}\n\n",
)


def test_custom_template() -> None:
    assert select_template("anyone/anything", ALPACA) is ALPACA
    assert render_prompt(MULTI_TURN, ALPACA) == (
        "S\n\n### Instruction:\nU1\n\n### Response:\nA1\n\n"
        "### Instruction:\nU2\n\n### Response:\n"
    )


def test_custom_template_with_folded_system_and_generation_prompt() -> None:
    template = ChatTemplate(
        name="vicuna",
        bos="<s>",
        user="USER: {content} ",
        assistant="ASSISTANT: {content}</s>",
        generation_prompt="ASSISTANT:",
        system_in_user="[{system}] {content}",
        system_user_turn="last",
    )
    assert render_prompt(MULTI_TURN, template) == (
        "<s>USER: U1 ASSISTANT: A1</s>USER: [S] U2 ASSISTANT:"
    )
    prefill: list[BaseMessage] = [HumanMessage("U1"), AIMessage("Sure")]
    assert render_prompt(prefill, template) == "<s>USER: U1 ASSISTANT: Sure"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"user": "no placeholder"},
            (
                "ChatTemplate 'bad': user must contain {content} exactly once; "
                "got 'no placeholder'."
            ),
        ),
        (
            {"assistant": "{content}{content}"},
            (
                "ChatTemplate 'bad': assistant must contain {content} exactly once; "
                "got '{content}{content}'."
            ),
        ),
        (
            {"system": "S:"},
            "ChatTemplate 'bad': system must contain {content} exactly once; got 'S:'.",
        ),
        (
            {"system_in_user": "{content}"},
            (
                "ChatTemplate 'bad': system_in_user must contain {system} and "
                "{content} once each; got '{content}'."
            ),
        ),
    ],
)
def test_custom_template_validation(kwargs: dict[str, str], message: str) -> None:
    fields: dict[str, Any] = {
        "user": "U:{content}",
        "assistant": "A:{content}",
        **kwargs,
    }
    with pytest.raises(ValueError, match="ChatTemplate 'bad'") as info:
        ChatTemplate(name="bad", **fields)
    assert str(info.value) == message


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [SystemMessage("S")],
        [SystemMessage("S"), AIMessage("A1")],
    ],
)
def test_no_user_message(messages: list[BaseMessage]) -> None:
    expected = "The messages hold no user (human) message; at least one is required."
    with pytest.raises(ValueError, match="no user") as info:
        render_prompt(messages, BUILTIN_TEMPLATES["chatml"])
    assert str(info.value) == expected
    with pytest.raises(ValueError, match="no user"):
        split_system_prompt(messages)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            ToolMessage("42", tool_call_id="1"),
            (
                "messages[1] (ToolMessage): 'tool' messages are not supported; "
                "ChatReplicate takes system, human and AI messages only (no tool "
                "calling)."
            ),
        ),
        (
            FunctionMessage(content="42", name="f"),
            (
                "messages[1] (FunctionMessage): 'function' messages are not supported; "
                "ChatReplicate takes system, human and AI messages only (no tool "
                "calling)."
            ),
        ),
        (
            AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "1"}]),
            (
                "messages[1] (AIMessage) has tool calls; ChatReplicate does not "
                "support tool calling, so a history with tool calls cannot be sent."
            ),
        ),
        (
            ChatMessage(role="critic", content="meh"),
            (
                "messages[1] (ChatMessage) has role 'critic'; supported roles are: ai, "
                "assistant, human, system, user."
            ),
        ),
    ],
)
def test_unsupported_messages(message: BaseMessage, expected: str) -> None:
    messages = [HumanMessage("U1"), message, HumanMessage("U2")]
    with pytest.raises(ValueError, match="messages\\[1\\]") as info:
        render_prompt(messages, BUILTIN_TEMPLATES["chatml"])
    assert str(info.value) == expected


IMAGE = {"type": "image", "url": "https://example.com/cat.png"}


def test_images_on_the_text_only_path() -> None:
    messages: list[BaseMessage] = [
        HumanMessage([{"type": "text", "text": "what is this?"}, IMAGE])
    ]
    with pytest.raises(ValueError, match="takes text only") as info:
        render_prompt(messages, BUILTIN_TEMPLATES["llama-3"])
    assert str(info.value) == (
        "messages[0] (HumanMessage) contains an image, but this model input takes "
        "text only."
    )
    # When the caller routes images to the schema's image input, they are skipped.
    assert render_prompt(messages, BUILTIN_TEMPLATES["chatml"], allow_images=True) == (
        "<|im_start|>user\nwhat is this?<|im_end|>\n<|im_start|>assistant\n"
    )


def test_non_text_non_image_content() -> None:
    messages: list[BaseMessage] = [
        HumanMessage(
            [
                {"type": "text", "text": "listen"},
                {"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"},
            ]
        )
    ]
    with pytest.raises(ValueError, match="'audio' content block") as info:
        render_prompt(messages, BUILTIN_TEMPLATES["chatml"], allow_images=True)
    assert str(info.value) == (
        "messages[0] (HumanMessage) contains an unsupported 'audio' content block; "
        "ChatReplicate sends text and images only."
    )


# --- system_prompt + prompt split -------------------------------------------


def test_split_single_turn_needs_no_template() -> None:
    assert split_system_prompt(ONE_TURN) == SystemPromptSplit("S", "U1")
    assert split_system_prompt(NO_SYSTEM) == SystemPromptSplit(None, "U1")
    messages: list[BaseMessage] = [
        SystemMessage("S1"),
        SystemMessage(""),
        SystemMessage("S2"),
        HumanMessage("U1"),
    ]
    assert split_system_prompt(messages) == SystemPromptSplit("S1\n\nS2", "U1")


def test_split_multi_turn_llama_3() -> None:
    split = split_system_prompt(MULTI_TURN, BUILTIN_TEMPLATES["llama-3"])
    assert split == SystemPromptSplit(
        "S",
        "U1<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nA1<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nU2",
    )
    # Replicate's default prompt_template for the official llama-3 models.
    server_template = (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "{system_prompt}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
        "{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    served = server_template.format(
        system_prompt=split.system_prompt, prompt=split.prompt
    )
    assert served == EXPECTED["llama-3"][2]


def test_split_multi_turn_llama_2() -> None:
    split = split_system_prompt(MULTI_TURN, BUILTIN_TEMPLATES["llama-2"])
    assert split == SystemPromptSplit("S", "U1 [/INST] A1 </s><s>[INST] U2")
    # The llama-2 chat models on Replicate wrap it like this (the tokenizer adds
    # the first <s>).
    server_template = "[INST] <<SYS>>\n{system_prompt}\n<</SYS>>\n\n{prompt} [/INST]"
    served = server_template.format(
        system_prompt=split.system_prompt, prompt=split.prompt
    )
    assert "<s>" + served == EXPECTED["llama-2"][2]


def test_split_multi_turn_other_families() -> None:
    assert split_system_prompt(MULTI_TURN, BUILTIN_TEMPLATES["chatml"]) == (
        SystemPromptSplit(
            "S",
            "U1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nU2",
        )
    )
    assert split_system_prompt(MULTI_TURN, BUILTIN_TEMPLATES["mistral"]) == (
        SystemPromptSplit("S", "U1 [/INST]A1</s>[INST] U2")
    )


def test_split_multi_turn_without_template() -> None:
    with pytest.raises(ValueError, match="multi-turn") as info:
        split_system_prompt(MULTI_TURN)
    assert str(info.value) == (
        "A multi-turn conversation needs the model family's chat template; pass "
        "prompt_template= with one of: chatml, deepseek, gemma, llama-2, llama-3, "
        "mistral, phi-3."
    )


@pytest.mark.parametrize(
    "messages",
    [
        [HumanMessage("U1"), AIMessage("The answer is")],
        [SystemMessage("S"), AIMessage("Hi! How can I help?"), HumanMessage("U1")],
    ],
)
def test_split_rejects_ai_first_or_last(messages: list[BaseMessage]) -> None:
    with pytest.raises(ValueError, match="must start and end with a human") as info:
        split_system_prompt(messages, BUILTIN_TEMPLATES["llama-3"])
    assert str(info.value) == (
        "This model applies its own chat template to system_prompt + prompt, so "
        "the conversation (after system messages) must start and end with a human "
        "message; an AI message first or last cannot be expressed."
    )


def test_split_with_images() -> None:
    messages: list[BaseMessage] = [
        HumanMessage([{"type": "text", "text": "what is this?"}, IMAGE])
    ]
    with pytest.raises(ValueError, match="takes text only"):
        split_system_prompt(messages)
    assert split_system_prompt(messages, allow_images=True) == SystemPromptSplit(
        None, "what is this?"
    )
