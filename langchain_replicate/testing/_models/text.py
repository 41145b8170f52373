r"""The deterministic text generator behind the reference language models (pure).

It is not a language model. A reply restates the question it was given, says it
is a reference reply from the local Replicate server, and then strings together
sentences built from a small vocabulary and the question's own keywords, so two
prompts give visibly different replies and the same prompt and seed always give
the same one.

The pieces, in the order a model uses them:

* `render_template` fills `{prompt}` / `{system_prompt}` into a prompt template;
  `count_tokens` measures the rendered prompt (words and punctuation);
* `last_user_turn` finds the question inside chat markup (llama-3 headers,
  `[INST]`, ChatML, `### Instruction:`, DeepSeek's user marker), or takes the whole
  prompt;
* `reply_tokens` yields the reply as realistic tokens (a word carries its
  leading space, punctuation stands alone, a blank line is `"\\n\\n"` or two
  `"\\n"`), paragraph after paragraph until it has said enough;
* `limit_tokens` applies max tokens and stop sequences the way a server does:
  it holds back text that might start a stop sequence and never emits the
  sequence itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import random
    from collections.abc import Iterable, Iterator, Sequence

_WORD_OR_MARK = re.compile(r"<\|\w+\|>|\[/?INST\]|<</?SYS>>|\w+|[^\w\s]")
_TOKEN = re.compile(r" ?\w+(?:'\w+)?| ?[^\w\s]")
_QUOTED_WORDS = 30

_TURNS = (
    re.compile(
        r"<\|start_header_id\|>user<\|end_header_id\|>(.*?)(?:<\|eot_id\|>|\Z)",
        re.DOTALL,
    ),
    re.compile(r"<\|im_start\|>user(.*?)(?:<\|im_end\|>|\Z)", re.DOTALL),
    re.compile(r"\[INST\](.*?)(?:\[/INST\]|\Z)", re.DOTALL),
    re.compile(r"### Instruction:(.*?)(?:### Response:|\Z)", re.DOTALL),
    re.compile(r"<｜User｜>(.*?)(?:<｜Assistant｜>|\Z)", re.DOTALL),  # noqa: RUF001
)
_SYSTEM_BLOCK = re.compile(r"<<SYS>>.*?<</SYS>>", re.DOTALL)

_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        """about above after again against also among because been before being
        below between both could does doing down during each either every from
        further have having here into itself just more most much must only other
        over same should some such than that their them then there these they this
        those through under until very want what when where which while whom why
        will with would your yours please tell explain describe give make using
        used like know""",
    )
)
_BLANK_LINES = (("\n\n",), ("\n", "\n"))
"""A blank line arrives as one token or as two, as real tokenizers do both."""
_FALLBACK_KEYWORDS = ("the question", "the answer", "the topic")

_NOUNS = (
    "context",
    "structure",
    "balance",
    "detail",
    "pattern",
    "process",
    "result",
    "method",
    "example",
    "measure",
    "system",
    "history",
)
_VERBS = (
    "shapes",
    "follows",
    "supports",
    "reflects",
    "limits",
    "explains",
    "affects",
    "extends",
)
_ADJECTIVES = (
    "simple",
    "careful",
    "clear",
    "small",
    "general",
    "concrete",
    "steady",
    "practical",
)
_SENTENCES = (
    "{A} is closely tied to {b}, and the two are easiest to understand side by side.",
    "A useful way to think about {a} is as a {adj} {noun} that {verb} {b}.",
    "Most practical questions about {a} come down to {noun} and {noun2}.",
    "When {a} changes, {b} usually {verb} the {noun} as well.",
    "It helps to start from a {adj} example of {a} before looking at {b}.",
    "In many cases {a} {verb} the {noun}, which makes {b} more {adj2}.",
    "The short answer is that {a} depends on {noun}; the longer one involves {b}.",
    "A {adj} {noun} makes {a} easier to reason about.",
    "Seen from the side of {b}, {a} is mostly a matter of {noun}.",
    "There is no single rule here, but {a} rarely works without a {adj} {noun}.",
)
_CLOSINGS = (
    "In short, {a} and {b} are best taken together.",
    "That is the outline; the details of {a} follow from it.",
    "Taken together, this should give a {adj} picture of {a}.",
)
_INTRO = (
    "This is a reference reply from the local Replicate server, put together "
    "from the words of your prompt, so the same prompt and seed always give the "
    "same text."
)


def render_template(template: str, *, prompt: str, system_prompt: str) -> str:
    """Fill `{prompt}` and `{system_prompt}` into `template`, as cog-vllm does.

    Other braces are left alone (templates often contain JSON or markup).
    """
    return template.replace("{system_prompt}", system_prompt).replace(
        "{prompt}", prompt
    )


def count_tokens(text: str) -> int:
    """A simple, deterministic token count: words, marks and special tokens.

    Chat markup such as `<|eot_id|>` or `[INST]` counts as one token, as it does
    for the real tokenizers.
    """
    return len(_WORD_OR_MARK.findall(text))


def derive_seed(values: Mapping[str, Any]) -> int:
    """A seed derived from a prediction's input, for when none was given."""
    blob = json.dumps(dict(values), sort_keys=True, default=str).encode()
    return int.from_bytes(hashlib.sha256(blob).digest()[:4], "big") % 100_000


def parse_stop_sequences(value: str | None) -> list[str]:
    """Split a comma-separated `stop_sequences` input, dropping empty entries."""
    return [stop for stop in (value or "").split(",") if stop]


def content_text(content: object) -> str:
    """The text of a `messages` item's content (a string, or its text parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") in {"text", "input_text"}
        )
    return ""


def user_turns(prompt: str) -> list[str]:
    """The user turns of a prompt in chat markup, in order (none: `[]`)."""
    for pattern in _TURNS:
        turns = pattern.findall(prompt)
        if turns:
            return [str(_SYSTEM_BLOCK.sub("", turn)).strip() for turn in turns]
    return []


def last_user_turn(prompt: str) -> str:
    """The last user turn of a prompt in chat markup, or the whole prompt."""
    for pattern in _TURNS:
        turns = pattern.findall(prompt)
        if turns:
            return str(_SYSTEM_BLOCK.sub("", turns[-1])).strip()
    return prompt.strip()


def keywords(question: str) -> list[str]:
    """The question's content words, in order, without repeats or stopwords."""
    seen: dict[str, str] = {}
    for word in re.findall(r"[^\W\d_]{4,}", question):
        if word.lower() not in _STOPWORDS:
            seen.setdefault(word.lower(), word)
    return list(seen.values())


def split_tokens(text: str) -> list[str]:
    """Split one line of text into tokens: words with their leading space, marks."""
    return _TOKEN.findall(text)


def reply_tokens(
    question: str,
    rng: random.Random,
    *,
    facts: Sequence[str] = (),
    min_tokens: int = 0,
) -> Iterator[str]:
    """Yield a reply to `question` token by token.

    Args:
        question: What the user asked (already taken out of any chat markup).
        rng: The source of every choice; the same state gives the same reply.
        facts: Sentences to state first, after restating the question (the
            vision model's measurements).
        min_tokens: Keep adding paragraphs until at least this many tokens
            were produced; the reply otherwise ends after 4 to 6 paragraphs
            (one more with `facts`).
    """
    words = keywords(question) or list(_FALLBACK_KEYWORDS)
    count = 0
    paragraphs = _paragraphs(question, words, facts, rng)
    for index, (paragraph, closing) in enumerate(paragraphs):
        if index:
            for token in rng.choice(_BLANK_LINES):
                count += 1
                yield token
        for token in split_tokens(paragraph):
            count += 1
            yield token
        if closing and count >= min_tokens:
            return


def _paragraphs(
    question: str, words: Sequence[str], facts: Sequence[str], rng: random.Random
) -> Iterator[tuple[str, bool]]:
    """Endless paragraphs, each with whether it could end the reply."""
    quoted = " ".join(question.split()[:_QUOTED_WORDS])
    if len(question.split()) > _QUOTED_WORDS:
        quoted += " ..."
    opening = f'You asked: "{quoted}".' if quoted else "You sent an empty prompt."
    yield f"{opening} {_INTRO}", False
    if facts:
        yield " ".join(facts), False
    body = rng.randint(2, 4)
    while True:
        for _ in range(body):
            sentences = (_sentence(rng, words) for _ in range(rng.randint(2, 4)))
            yield " ".join(sentences), False
        yield _fill(rng.choice(_CLOSINGS), rng, words), True
        body = 1


def _sentence(rng: random.Random, words: Sequence[str]) -> str:
    return _fill(rng.choice(_SENTENCES), rng, words)


def _fill(template: str, rng: random.Random, words: Sequence[str]) -> str:
    a = rng.choice(words)
    others = [word for word in words if word != a] or list(_FALLBACK_KEYWORDS)
    b = rng.choice(others)
    noun, noun2 = rng.sample(_NOUNS, 2)
    adj, adj2 = rng.sample(_ADJECTIVES, 2)
    return template.format(
        a=a,
        A=a[:1].upper() + a[1:],
        b=b,
        noun=noun,
        noun2=noun2,
        verb=rng.choice(_VERBS),
        adj=adj,
        adj2=adj2,
    )


def limit_tokens(
    tokens: Iterable[str],
    *,
    max_tokens: int,
    stop_sequences: Sequence[str] = (),
    min_tokens: int = 0,
) -> Iterator[str]:
    """Apply max tokens and stop sequences to a token stream.

    Stop sequences count only once `min_tokens` tokens were generated. Text that
    could be the start of a stop sequence is held back until it is known not to
    be; when a sequence is found, the text before it is emitted (the last token
    cut short if needed) and the stream ends.
    """
    pending: list[str] = []
    for count, token in enumerate(tokens, 1):
        if count > max_tokens:
            break
        pending.append(token)
        if count <= min_tokens or not stop_sequences:
            yield from pending
            pending.clear()
            continue
        text = "".join(pending)
        cut = _first_stop(text, stop_sequences)
        if cut is not None:
            yield from _take_text(pending, cut)
            return
        ready = _take_count(pending, len(text) - _held_back(text, stop_sequences))
        yield from pending[:ready]
        del pending[:ready]
    yield from pending


def _first_stop(text: str, stops: Sequence[str]) -> int | None:
    found = [index for stop in stops if (index := text.find(stop)) >= 0]
    return min(found, default=None)


def _held_back(text: str, stops: Sequence[str]) -> int:
    """Length of the longest end of `text` that begins some stop sequence."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:size]):
                longest = size
                break
    return longest


def _take_count(tokens: Sequence[str], length: int) -> int:
    """How many leading tokens fit entirely within the first `length` characters."""
    total = 0
    for index, token in enumerate(tokens):
        total += len(token)
        if total > length:
            return index
    return len(tokens)


def _take_text(tokens: Sequence[str], length: int) -> Iterator[str]:
    """The first `length` characters of `tokens`, the last token cut short."""
    for token in tokens:
        if length <= 0:
            return
        yield token[:length]
        length -= len(token)
