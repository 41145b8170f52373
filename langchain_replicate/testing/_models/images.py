"""Making and measuring images for the reference models (pure, Pillow).

* `render_image` draws a deterministic picture for a prompt and seed: a
  diagonal gradient between two colours taken from a hash, with the prompt
  written small in a corner;
* `encode_image` turns it into PNG / JPEG / WebP bytes;
* `upscale_image` resizes an encoded image (real-esrgan's stand-in);
* `measure_image` reads an image the way the vision model "sees" it: size,
  format and dominant colour (a name and a hex value);
* `tqdm_line` writes the progress lines image models print (and that
  `replicate.Prediction.progress` parses);
* `bmp_chunks` streams an uncompressed BMP of an exact byte size, row by row,
  so a file of hundreds of MB never sits in memory.
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFilter, UnidentifiedImageError

if TYPE_CHECKING:
    from collections.abc import Iterator

FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}
"""Output format names (as the models' inputs spell them) to Pillow's."""
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}

_NAMED_COLOURS = (
    ("black", (0, 0, 0)),
    ("gray", (128, 128, 128)),
    ("silver", (192, 192, 192)),
    ("white", (255, 255, 255)),
    ("red", (255, 0, 0)),
    ("maroon", (128, 0, 0)),
    ("orange", (255, 165, 0)),
    ("yellow", (255, 255, 0)),
    ("olive", (128, 128, 0)),
    ("green", (0, 255, 0)),
    ("green", (0, 128, 0)),
    ("teal", (0, 128, 128)),
    ("cyan", (0, 255, 255)),
    ("blue", (0, 0, 255)),
    ("navy", (0, 0, 128)),
    ("purple", (128, 0, 128)),
    ("magenta", (255, 0, 255)),
    ("pink", (255, 192, 203)),
    ("brown", (139, 69, 19)),
)
_SAMPLE_SIDE = 64
_BAR_WIDTH = 10
_BAR_PARTS = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class ImageFacts:
    """What the vision model measured from an image."""

    width: int
    height: int
    format: str
    """Pillow's format name, e.g. `PNG`, `JPEG`, `WEBP`."""
    colour_name: str
    """The name of the most common colour, e.g. `red`."""
    colour_hex: str
    """The average of the pixels of that colour, e.g. `#fe0102`."""


def render_image(
    prompt: str, seed: int, index: int, size: tuple[int, int]
) -> Image.Image:
    """A deterministic picture for `prompt`, `seed` and output `index`."""
    digest = hashlib.sha256(f"{prompt}\0{seed}\0{index}".encode()).digest()
    start, end = tuple(digest[0:3]), tuple(digest[3:6])
    mask = Image.linear_gradient("L").rotate(digest[6] % 4 * 90).resize(size)
    image = Image.composite(
        Image.new("RGB", size, end), Image.new("RGB", size, start), mask
    )
    ink = (0, 0, 0) if sum(start) > 3 * 128 else (255, 255, 255)
    ImageDraw.Draw(image).text((8, 8), prompt[:60], fill=ink)
    return image


def encode_image(image: Image.Image, format_name: str, quality: int = 80) -> bytes:
    """Encode `image` as `PNG`, `JPEG` or `WEBP` bytes."""
    buffer = io.BytesIO()
    if format_name == "PNG":
        image.save(buffer, format_name)
    else:
        image.save(buffer, format_name, quality=quality)
    return buffer.getvalue()


def upscale_image(data: bytes, size: tuple[int, int], *, sharpen: bool) -> bytes:
    """`data` (an encoded image) resized to `size` (Lanczos) as PNG bytes.

    `sharpen` applies an unsharp mask (the stand-in for face enhancement).
    Transparency is kept; other modes become RGB.
    """
    with Image.open(io.BytesIO(data)) as image:
        mode = "RGBA" if "A" in image.getbands() else "RGB"
        resized = image.convert(mode).resize(size, Image.Resampling.LANCZOS)
    if sharpen:
        resized = resized.filter(ImageFilter.UnsharpMask())
    return encode_image(resized, "PNG")


def measure_image(data: bytes) -> ImageFacts:
    """Measure size, format and dominant colour of an encoded image.

    Raises:
        ValueError: if `data` is not an image Pillow can read.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height, format_name = image.width, image.height, image.format
            sample = image.convert("RGB")
            sample.thumbnail((_SAMPLE_SIDE, _SAMPLE_SIDE))
    except (UnidentifiedImageError, OSError) as error:
        msg = f"The input is not an image this model can read: {error}"
        raise ValueError(msg) from error
    channels = iter(sample.tobytes())
    groups: dict[str, list[tuple[int, int, int]]] = {}
    for pixel in zip(channels, channels, channels, strict=True):
        groups.setdefault(_colour_name(pixel), []).append(pixel)
    name = Counter({key: len(value) for key, value in groups.items()}).most_common(1)
    colour_name = name[0][0]
    pixels = groups[colour_name]
    mean = [round(sum(channel) / len(pixels)) for channel in zip(*pixels, strict=True)]
    return ImageFacts(
        width=width,
        height=height,
        format=format_name or "unknown",
        colour_name=colour_name,
        colour_hex="#{:02x}{:02x}{:02x}".format(*mean),
    )


def _colour_name(pixel: tuple[int, int, int]) -> str:
    def distance(entry: tuple[str, tuple[int, int, int]]) -> int:
        return sum((a - b) ** 2 for a, b in zip(pixel, entry[1], strict=True))

    return min(_NAMED_COLOURS, key=distance)[0]


def tqdm_line(done: int, total: int, elapsed: float) -> str:
    """A tqdm progress line, e.g. ` 25%|██▌       | 1/4 [00:00<00:00, 99.50it/s]`."""
    fraction = done / total if total else 1.0
    eighths = int(fraction * _BAR_WIDTH * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_BAR_PARTS[part] if full < _BAR_WIDTH else "")
    if not done or elapsed <= 0:
        timing = f"{_clock(elapsed)}<?, ?it/s"
    else:
        rate = done / elapsed
        timing = f"{_clock(elapsed)}<{_clock((total - done) / rate)}, {rate:.2f}it/s"
    return f"{fraction * 100:3.0f}%|{bar.ljust(_BAR_WIDTH)}| {done}/{total} [{timing}]"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


_BMP_HEADER = 54
_BMP_WIDTH = 1024
_BMP_ROW = _BMP_WIDTH * 3
_ROWS_PER_CHUNK = 256
BMP_MIN_SIZE = _BMP_HEADER + _BMP_ROW
"""The smallest BMP `bmp_chunks` can make: its header and one row."""


def bmp_chunks(size: int) -> Iterator[bytes]:
    """Stream a valid 24-bit BMP of exactly `size` bytes, rows made on the fly.

    The picture is 1024 pixels wide with as many rows as fit; the few bytes
    left over sit between the header and the pixels (the header's pixel offset
    points past them), so any size from `BMP_MIN_SIZE` up is exact. Chunks are
    at most 256 rows (768 KiB).

    Raises:
        ValueError: if `size` is below `BMP_MIN_SIZE`.
    """
    if size < BMP_MIN_SIZE:
        msg = f"A BMP needs at least {BMP_MIN_SIZE} bytes, got {size}."
        raise ValueError(msg)
    rows, gap = divmod(size - _BMP_HEADER, _BMP_ROW)
    yield struct.pack(
        "<2sIHHIIiiHHIIiiII",
        b"BM",
        size,
        0,
        0,
        _BMP_HEADER + gap,
        40,
        _BMP_WIDTH,
        rows,
        1,
        24,
        0,
        rows * _BMP_ROW,
        2835,
        2835,
        0,
        0,
    ) + bytes(gap)
    for first in range(0, rows, _ROWS_PER_CHUNK):
        last = min(first + _ROWS_PER_CHUNK, rows)
        yield b"".join(_bmp_row(row, rows) for row in range(first, last))


def _bmp_row(row: int, rows: int) -> bytes:
    shade = row * 255 // max(rows - 1, 1)
    return bytes((255 - shade, 96, shade)) * _BMP_WIDTH
