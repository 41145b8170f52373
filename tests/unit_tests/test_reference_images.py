"""Making and measuring images for the reference models."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from replicate.prediction import Prediction

from langchain_replicate.testing._models.images import (
    BMP_MIN_SIZE,
    bmp_chunks,
    encode_image,
    measure_image,
    render_image,
    tqdm_line,
)


def encoded(size: tuple[int, int], colour: tuple[int, int, int], fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "colour", "name"),
    [
        ("PNG", (255, 0, 0), "red"),
        ("JPEG", (0, 0, 250), "blue"),
        ("WEBP", (20, 200, 30), "green"),
        ("GIF", (255, 255, 255), "white"),
        ("BMP", (250, 160, 5), "orange"),
    ],
)
def test_measure_image_reads_size_format_and_dominant_colour(
    fmt: str, colour: tuple[int, int, int], name: str
) -> None:
    facts = measure_image(encoded((120, 80), colour, fmt))
    assert (facts.width, facts.height, facts.format) == (120, 80, fmt)
    assert facts.colour_name == name
    measured = bytes.fromhex(facts.colour_hex[1:])
    assert all(abs(a - b) <= 4 for a, b in zip(measured, colour, strict=True))


def test_measure_image_finds_the_colour_covering_most_of_the_picture() -> None:
    image = Image.new("RGB", (100, 100), (255, 255, 0))
    image.paste((0, 0, 0), (0, 0, 100, 30))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    facts = measure_image(buffer.getvalue())
    assert (facts.colour_name, facts.colour_hex) == ("yellow", "#ffff00")


def test_measure_image_rejects_bytes_that_are_not_an_image() -> None:
    with pytest.raises(ValueError, match="not an image"):
        measure_image(b"plain text")


def test_render_image_is_deterministic_and_depends_on_prompt_seed_and_index() -> None:
    def png(prompt: str, seed: int, index: int = 0) -> bytes:
        return encode_image(render_image(prompt, seed, index, (96, 64)), "PNG")

    assert png("a cat", 1) == png("a cat", 1)
    assert (
        len({png("a cat", 1), png("a dog", 1), png("a cat", 2), png("a cat", 1, 1)})
        == 4
    )
    assert Image.open(io.BytesIO(png("a cat", 1))).size == (96, 64)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_encode_image_writes_the_format(fmt: str) -> None:
    data = encode_image(render_image("x", 0, 0, (32, 48)), fmt, quality=50)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == (fmt, (32, 48))


def test_tqdm_lines_look_like_tqdm_and_parse_as_replicate_progress() -> None:
    assert tqdm_line(0, 4, 0.0) == "  0%|          | 0/4 [00:00<?, ?it/s]"
    assert tqdm_line(1, 4, 0.5) == " 25%|██▌       | 1/4 [00:00<00:01, 2.00it/s]"
    assert tqdm_line(50, 50, 75.0) == "100%|██████████| 50/50 [01:15<00:00, 0.67it/s]"
    logs = "Using seed: 1\n" + "\n".join(tqdm_line(i, 8, i * 0.1) for i in range(4))
    progress = Prediction.Progress.parse(logs)
    assert progress == Prediction.Progress(percentage=0.38, current=3, total=8)


@pytest.mark.parametrize(
    "size", [BMP_MIN_SIZE, BMP_MIN_SIZE + 1, 10_485, 1_048_576, 3_000_001]
)
def test_bmp_chunks_make_a_valid_bmp_of_exactly_the_size(size: int) -> None:
    chunks = list(bmp_chunks(size))
    data = b"".join(chunks)
    assert len(data) == size
    assert max(len(chunk) for chunk in chunks) <= 256 * 1024 * 3
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "BMP"
        assert image.width == 1024
        image.load()


def test_bmp_chunks_refuse_a_size_below_the_header_and_one_row() -> None:
    with pytest.raises(ValueError, match="at least"):
        next(bmp_chunks(BMP_MIN_SIZE - 1))
