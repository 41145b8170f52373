"""`make demo`: a short tour of langchain-replicate, offline unless you have a token.

Without `REPLICATE_API_TOKEN` it starts the local Replicate-compatible server (the
reference models answer with deterministic text and draw real PNGs); with one, it
runs on Replicate (a few cents). Then:

1. `ChatReplicate` with a system prompt, and its token usage;
2. streaming, token by token;
3. a stop sequence: the same prompt with and without it, time and tokens compared;
4. a text-to-image chain (prompt | chat model | image tool) that saves a PNG;
5. retrieval: documents embedded with `ReplicateEmbeddings` into an in-memory
   vector store, the nearest ones found for a question.

Run it with `make demo`, or `uv run --locked python docs/demo.py`.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_replicate import (
    ChatReplicate,
    ReplicateEmbeddings,
    ReplicateImageGenerationTool,
)
from langchain_replicate.testing import LocalReplicateServer, ModelPace

if TYPE_CHECKING:
    from collections.abc import Iterator

CHAT_MODEL = "meta/meta-llama-3-8b-instruct"
IMAGE_MODEL = "black-forest-labs/flux-schnell"
EMBEDDING_MODEL = "ibm-granite/granite-embedding-278m-multilingual"
OUTPUT_DIR = Path("demo_output")

DEMO_PACE = ModelPace(
    time_to_first_token=0.15, token_interval=0.02, image_step_time=0.5
)
"""About Replicate's own speed: 50 tokens/s after 150 ms, 2 s per 4-step image."""


def say(text: str) -> None:
    """Print a line at once (make buffers nothing, but pipes would)."""
    print(text, flush=True)


def heading(text: str) -> None:
    """Print a section heading."""
    say(f"\n== {text} ==")


@contextmanager
def replicate_backend() -> Iterator[str]:
    """Replicate if a token is set, else the local server; yields which, in words.

    The classes read `REPLICATE_API_TOKEN` and `REPLICATE_BASE_URL`, so pointing
    them at the local server is two environment variables.
    """
    if os.environ.get("REPLICATE_API_TOKEN"):
        base_url = os.environ.get("REPLICATE_BASE_URL", "https://api.replicate.com")
        yield f"Using the Replicate API at {base_url} (REPLICATE_API_TOKEN is set)."
        return
    with LocalReplicateServer(pace=DEMO_PACE) as server:
        os.environ["REPLICATE_API_TOKEN"] = server.api_token
        os.environ["REPLICATE_BASE_URL"] = server.base_url
        yield (
            f"Using the local Replicate-compatible server at {server.base_url}; "
            "set REPLICATE_API_TOKEN to use Replicate."
        )


def chat() -> None:
    """One question under a system prompt, and what it cost in tokens."""
    heading("Chat, with a system prompt")
    model = ChatReplicate(model=CHAT_MODEL, max_tokens=80)
    messages = [
        ("system", "You are a concise travel guide."),
        ("human", "What should I see in Lisbon in one day?"),
    ]
    for role, text in messages:
        say(f"{role}: {text}")
    reply = model.invoke(messages)
    say(f"ai: {reply.content}")
    say(f"usage: {reply.usage_metadata}")


def streaming() -> None:
    """Tokens printed as the model makes them (over server-sent events)."""
    heading("Streaming")
    model = ChatReplicate(model=CHAT_MODEL, max_tokens=60)
    for chunk in model.stream("Write a haiku about llamas."):
        print(chunk.content, end="", flush=True)
    say("")


def stop_sequence() -> None:
    """The same prompt without and with a stop sequence: time and tokens saved."""
    heading("A stop sequence ends (and stops paying for) the prediction")
    model = ChatReplicate(model=CHAT_MODEL, max_tokens=300, temperature=0.01)
    prompt = "What is the best way to learn python?"
    runs = []
    for label, stop in (("without stop", None), ("with stop=['\\n\\n']", ["\n\n"])):
        started = time.perf_counter()
        reply = model.invoke(prompt, stop=stop)
        seconds = time.perf_counter() - started
        usage = reply.usage_metadata
        tokens = usage["output_tokens"] if usage else None
        runs.append((seconds, tokens))
        say(f"{label:>20}: {seconds:5.2f} s, {tokens} output tokens")
    (full_s, full_tokens), (stopped_s, stopped_tokens) = runs
    saved = (
        f"{full_tokens - stopped_tokens} tokens"
        if full_tokens is not None and stopped_tokens is not None
        else "the tokens after it"
    )
    say(f"The stop sequence saved {full_s - stopped_s:.2f} s and {saved}.")


def text_to_image() -> None:
    """A chat model writes an image prompt, the image tool draws and saves it."""
    heading("A text-to-image chain: prompt | chat model | image tool")
    writer = ChatReplicate(model=CHAT_MODEL, max_tokens=40)
    painter = ReplicateImageGenerationTool(
        model=IMAGE_MODEL,
        model_kwargs={"megapixels": "0.25", "output_format": "png"},
        save_dir=OUTPUT_DIR,
        show_progress=True,
    )
    chain = (
        ChatPromptTemplate.from_template(
            "Describe a logo for a company that makes {product}."
        )
        | writer
        | StrOutputParser()
        | painter
    )
    say("Drawing the logo of a company that makes colorful socks:")
    started = time.perf_counter()
    result = chain.invoke({"product": "colorful socks"})
    say(f"Done in {time.perf_counter() - started:.2f} s:\n{result}")


def retrieval() -> None:
    """Documents embedded into a vector store; the nearest found for a question."""
    heading("Retrieval: ReplicateEmbeddings and an in-memory vector store")
    facts = [
        "Replicate runs machine learning models in the cloud behind one HTTP API.",
        "A prediction on Replicate is one run of a model on one input.",
        "Lisbon is the capital of Portugal and sits on the Tagus river.",
        "Llamas are domesticated South American camelids.",
    ]
    started = time.perf_counter()
    store = InMemoryVectorStore.from_texts(
        facts, embedding=ReplicateEmbeddings(model=EMBEDDING_MODEL)
    )
    question = "Where is Lisbon?"
    say(f"Embedded {len(facts)} documents in {time.perf_counter() - started:.2f} s.")
    say(f"Nearest to {question!r}:")
    for doc, score in store.similarity_search_with_score(question, k=2):
        say(f"  {score:.3f}  {doc.page_content}")


def main() -> None:
    """Run the tour."""
    with replicate_backend() as backend:
        say(backend)
        started = time.perf_counter()
        chat()
        streaming()
        stop_sequence()
        text_to_image()
        retrieval()
        heading("Done")
        say(f"The images are in {OUTPUT_DIR.resolve()}")
        say(f"The tour took {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
