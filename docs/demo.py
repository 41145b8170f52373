"""`make demo`: a short tour of langchain-replicate, offline unless you have a token.

Without `REPLICATE_API_TOKEN` it starts the local Replicate-compatible server (the
reference models answer with deterministic text and draw real PNGs); with one, it
runs on Replicate (a few cents). Then:

1. chat with a system prompt;
2. streaming, token by token;
3. a stop sequence: the same prompt with and without it, time and tokens compared;
4. a text-to-image chain (prompt | LLM | image tool) that saves a PNG to disk.

Run it with `make demo`, or `uv run --locked python docs/demo.py`.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import PromptTemplate

from langchain_replicate import Replicate, ReplicateImageGenerationTool
from langchain_replicate.testing import LocalReplicateServer, ModelPace

if TYPE_CHECKING:
    from collections.abc import Iterator

LLM = "meta/meta-llama-3-8b-instruct"
IMAGE_MODEL = "black-forest-labs/flux-schnell"
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
    """One question, answered under a system prompt."""
    heading("Chat, with a system prompt")
    llm = Replicate(
        model=LLM,
        max_tokens=80,
        model_kwargs={"system_prompt": "You are a concise travel guide."},
    )
    question = "What should I see in Lisbon in one day?"
    say(f"user: {question}")
    say(f"assistant: {llm.invoke(question)}")


def streaming() -> None:
    """Tokens printed as the model makes them (over server-sent events)."""
    heading("Streaming")
    llm = Replicate(model=LLM, max_tokens=60)
    for chunk in llm.stream("Write a haiku about llamas."):
        print(chunk, end="", flush=True)
    say("")


def stop_sequence() -> None:
    """The same prompt without and with a stop sequence: time and tokens saved."""
    heading("A stop sequence ends (and stops paying for) the prediction")
    llm = Replicate(model=LLM, max_tokens=300, temperature=0.01)
    prompt = "What is the best way to learn python?"
    runs = {}
    for label, stop in (("without stop", None), ("with stop=['\\n\\n']", ["\n\n"])):
        started = time.perf_counter()
        generation = llm.generate([prompt], stop=stop).generations[0][0]
        seconds = time.perf_counter() - started
        metrics = (generation.generation_info or {}).get("metrics", {})
        tokens = metrics.get("output_token_count")
        runs[label] = (seconds, tokens)
        chars = len(generation.text)
        say(f"{label:>20}: {seconds:5.2f} s, {tokens} tokens, {chars} characters")
    (full_s, full_tokens), (stopped_s, stopped_tokens) = runs.values()
    saved = (
        f"{full_tokens - stopped_tokens} tokens"
        if isinstance(full_tokens, int) and isinstance(stopped_tokens, int)
        else "the tokens after it"
    )
    say(f"The stop sequence saved {full_s - stopped_s:.2f} s and {saved}.")


def text_to_image() -> None:
    """An LLM writes an image prompt, the image tool draws and saves it."""
    heading("A text-to-image chain: prompt | LLM | image tool")
    writer = Replicate(model=LLM, max_tokens=40)
    painter = ReplicateImageGenerationTool(
        model=IMAGE_MODEL,
        model_kwargs={"megapixels": "0.25", "output_format": "png"},
        save_dir=OUTPUT_DIR,
        show_progress=True,
    )
    chain = (
        PromptTemplate.from_template(
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


def main() -> None:
    """Run the tour."""
    with replicate_backend() as backend:
        say(backend)
        started = time.perf_counter()
        chat()
        streaming()
        stop_sequence()
        text_to_image()
        heading("Done")
        say(f"The images are in {OUTPUT_DIR.resolve()}")
        say(f"The tour took {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
