"""The deterministic text generator behind the reference language models."""

from __future__ import annotations

import random

import pytest

from langchain_replicate.testing._models.text import (
    count_tokens,
    derive_seed,
    keywords,
    last_user_turn,
    limit_tokens,
    parse_stop_sequences,
    render_template,
    reply_tokens,
    split_tokens,
)


def reply(
    question: str, seed: int = 1, *, facts: tuple[str, ...] = (), min_tokens: int = 0
) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible text
    return list(reply_tokens(question, rng, facts=facts, min_tokens=min_tokens))


def test_render_template_fills_both_placeholders_and_leaves_other_braces() -> None:
    rendered = render_template(
        '{"sys": "{system_prompt}"} {prompt} {other}', prompt="hi", system_prompt="be"
    )
    assert rendered == '{"sys": "be"} hi {other}'


def test_count_tokens_counts_words_and_marks() -> None:
    assert count_tokens("Hello, world!") == 4
    assert count_tokens("") == 0
    assert count_tokens("<|eot_id|>[INST] hi [/INST]<<SYS>>") == 5


def test_derive_seed_is_stable_and_depends_on_the_input() -> None:
    assert derive_seed({"prompt": "a", "x": 1}) == derive_seed({"x": 1, "prompt": "a"})
    assert derive_seed({"prompt": "a"}) != derive_seed({"prompt": "b"})
    assert 0 <= derive_seed({"prompt": "a"}) < 100_000


def test_parse_stop_sequences_splits_on_commas_and_drops_empties() -> None:
    assert parse_stop_sequences("<|end_of_text|>,<|eot_id|>") == [
        "<|end_of_text|>",
        "<|eot_id|>",
    ]
    assert parse_stop_sequences("\n\n,") == ["\n\n"]
    assert parse_stop_sequences(None) == []


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (
            (
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe kind"
                "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nFirst question"
                "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nAn answer"
                "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nSecond question"
                "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
            ),
            "Second question",
        ),
        (
            (
                "[INST] <<SYS>>\nBe kind\n<</SYS>>\n\nFirst [/INST] ok </s>"
                "<s>[INST] Second one [/INST]"
            ),
            "Second one",
        ),
        ("[INST] <<SYS>>\nBe kind\n<</SYS>>\n\nOnly turn [/INST]", "Only turn"),
        (
            (
                "<|im_start|>system\nBe kind<|im_end|>\n"
                "<|im_start|>user\nFirst<|im_end|>\n"
                "<|im_start|>assistant\nok<|im_end|>\n"
                "<|im_start|>user\nLast<|im_end|>\n"
                "<|im_start|>assistant\n"
            ),
            "Last",
        ),
        ("Intro\n\n### Instruction:\nDo it\n\n### Response:\n", "Do it"),
        ("  plain prompt \n", "plain prompt"),
    ],
)
def test_last_user_turn_reads_chat_markup(prompt: str, expected: str) -> None:
    assert last_user_turn(prompt) == expected


def test_keywords_keep_content_words_once_in_order() -> None:
    assert keywords("What is the Capital of France? capital, FRANCE, Paris") == [
        "Capital",
        "France",
        "Paris",
    ]


def test_split_tokens_gives_words_with_leading_space_and_marks() -> None:
    tokens = split_tokens('You asked: "Hello, world!" Don\'t stop.')
    assert tokens == [
        "You",
        " asked",
        ":",
        ' "',
        "Hello",
        ",",
        " world",
        "!",
        '"',
        " Don't",
        " stop",
        ".",
    ]


def test_reply_restates_the_question_and_says_what_it_is() -> None:
    text = "".join(reply("Why is the sky blue at noon?"))
    assert text.startswith('You asked: "Why is the sky blue at noon?".')
    assert "reference reply from the local Replicate server" in text
    assert "language model" not in text.lower()
    assert "blue" in text.split("\n\n", 1)[1]


def test_reply_is_deterministic_and_depends_on_seed_and_question() -> None:
    assert reply("Tell me about rivers", seed=3) == reply(
        "Tell me about rivers", seed=3
    )
    assert reply("Tell me about rivers", seed=3) != reply(
        "Tell me about rivers", seed=4
    )
    assert reply("Tell me about rivers") != reply("Tell me about mountains")


def test_reply_has_paragraphs_and_realistic_blank_lines() -> None:
    shapes = set()
    for seed in range(10):
        tokens = reply("Explain tides and the moon", seed=seed)
        text = "".join(tokens)
        assert 4 <= text.count("\n\n") + 1 <= 7
        assert "\n\n\n" not in text
        shapes |= {token for token in tokens if "\n" in token}
        words = [token for token in tokens if token.strip() and token[0] == " "]
        assert len(words) > len(tokens) / 2
    assert shapes == {"\n", "\n\n"}


def test_reply_keeps_going_until_min_tokens() -> None:
    short = reply("Explain tides")
    long = reply("Explain tides", min_tokens=len(short) * 3)
    assert len(long) >= len(short) * 3
    assert long[: len(short) - 20] == short[: len(short) - 20]


def test_reply_states_facts_after_the_question() -> None:
    text = "".join(reply("What is this?", facts=("The image is red.",)))
    assert text.split("\n\n")[1] == "The image is red."


def test_reply_to_an_empty_prompt() -> None:
    assert "".join(reply("")).startswith("You sent an empty prompt.")


TOKENS = ["Hello", " world", ",", " how", " are", " you", "?", "\n\n", "Fine", "."]


def limited(**kwargs: object) -> list[str]:
    kwargs.setdefault("max_tokens", 100)
    return list(limit_tokens(iter(TOKENS), **kwargs))  # type: ignore[arg-type]


def test_limit_tokens_stops_at_max_tokens() -> None:
    assert limited(max_tokens=3) == ["Hello", " world", ","]
    assert limited(max_tokens=0) == []
    assert limited() == TOKENS


def test_limit_tokens_stops_before_a_stop_sequence_on_a_token_boundary() -> None:
    assert limited(stop_sequences=["\n\n"]) == TOKENS[:7]
    assert limited(stop_sequences=["?", "\n\n"]) == TOKENS[:6]


def test_limit_tokens_finds_stop_sequences_across_tokens_and_cuts_tokens() -> None:
    assert limited(stop_sequences=["d, h"]) == ["Hello", " worl"]
    assert limited(stop_sequences=["ow a"]) == ["Hello", " world", ",", " h"]


def test_limit_tokens_releases_held_back_text_that_was_not_a_stop() -> None:
    assert limited(stop_sequences=["you!"]) == TOKENS
    assert "".join(limited(stop_sequences=[" are you?!"])) == "".join(TOKENS)


def test_limit_tokens_ignores_stops_until_min_tokens() -> None:
    assert limited(stop_sequences=[","], min_tokens=5) == TOKENS
    assert limited(stop_sequences=["\n\n"], min_tokens=3) == TOKENS[:7]


def test_limit_tokens_counts_max_before_stop() -> None:
    assert limited(max_tokens=2, stop_sequences=["world!"]) == ["Hello", " world"]


@pytest.mark.parametrize("seed", range(20))
def test_limit_tokens_output_is_the_longest_prefix_without_a_stop(seed: int) -> None:
    tokens = reply("Explain tides, the moon and the sea", seed=seed)
    text = "".join(tokens)
    rng = random.Random(seed)  # noqa: S311 - test data
    start = rng.randrange(len(text) - 8)
    stops = [text[start : start + rng.randint(1, 8)], "never seen"]
    out = "".join(limit_tokens(iter(tokens), max_tokens=10_000, stop_sequences=stops))
    assert out == text[: text.find(stops[0])]
