"""Audio and video files for the reference media models (pure, stdlib + Pillow).

* **Speech as tones.** `speak` writes text as a real 16-bit mono WAV (stdlib
  `wave`) that `hear` reads back exactly: a marker burst, then each UTF-8
  byte as two bursts (high nibble, low nibble) of a sine with `8 + nibble`
  whole cycles, each burst followed by a short silence. The burst length is
  `480 / speed` samples at 24 kHz, so `speed` changes the duration and
  `hear` does not need to know it (bursts are split at the silences and their
  cycles counted from sign changes). The text-to-speech model makes such
  files; whisper transcribes them back to their text. `hear` returns None for
  any other audio.
* **Audio sniffing.** `audio_format` names the container of audio bytes
  (WAV, MP3, OGG, FLAC, M4A, WebM) so whisper can refuse what is not audio.
* **Subtitles.** `srt` and `vtt` format segments as cog-whisper does.
* **Video.** `mp4` writes an ISO-BMFF `.mp4` whose one video track holds
  Motion-JPEG frames (the `mp4v` sample entry with object type 0x6C, what
  `ffmpeg -c:v mjpeg out.mp4` writes): a valid `video/mp4` file, tiny, made
  without ffmpeg. Browsers may not play MJPEG-in-MP4; ffprobe and VLC do.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

SAMPLE_RATE = 24_000
"""Samples per second of the speech WAVs (kokoro's rate)."""
BURST_SAMPLES = 480
"""Samples of one burst at speed 1 (20 ms)."""
GAP_SAMPLES = 48
"""Silent samples after each burst (2 ms)."""
_MARKER_CYCLES = 30
_MIN_BURST = 2 * _MARKER_CYCLES + 4
"""Shortest burst: every half cycle keeps at least one sample."""
_NIBBLE_BASE = 8
_NIBBLES = 16


@dataclass(frozen=True)
class Heard:
    """What `hear` read from a speech WAV."""

    text: str
    duration: float
    """Length of the audio in seconds."""


def speak(text: str, *, speed: float = 1.0, amplitude: int = 12_000) -> bytes:
    """A WAV that encodes `text` (see the module docstring).

    Args:
        text: What to say.
        speed: Above 1 shortens each burst, below 1 lengthens it.
        amplitude: Peak sample value (the voice), 1000-30000.
    """
    length = max(_MIN_BURST, round(BURST_SAMPLES / speed))
    samples = array("h")
    silence = array("h", bytes(2 * GAP_SAMPLES))

    def sample(angle: float) -> int:
        # Never 0 inside a burst (zeros are the gaps): a sample that rounds to
        # 0 sits at a crossing, and either sign keeps the count of crossings.
        value = math.sin(angle)
        return round(amplitude * value) or (1 if value >= 0 else -1)

    def burst(cycles: int) -> None:
        step = 2 * math.pi * cycles / length
        samples.extend(sample(step * (i + 0.5)) for i in range(length))
        samples.extend(silence)

    burst(_MARKER_CYCLES)
    for byte in text.encode():
        burst(_NIBBLE_BASE + (byte >> 4))
        burst(_NIBBLE_BASE + (byte & 0x0F))
    return _wav(samples)


def silence_wav(seconds: float) -> bytes:
    """A silent WAV of `seconds` (for tests of audio that says nothing)."""
    return _wav(array("h", bytes(2 * round(seconds * SAMPLE_RATE))))


def _wav(samples: array[int]) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def wav_duration(data: bytes) -> float | None:
    """The length in seconds of a WAV, or None if `data` is not one."""
    try:
        with wave.open(io.BytesIO(data), "rb") as audio:
            return audio.getnframes() / audio.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def hear(data: bytes) -> Heard | None:
    """The text a `speak` WAV encodes, or None for any other audio."""
    try:
        with wave.open(io.BytesIO(data), "rb") as audio:
            if audio.getnchannels() != 1 or audio.getsampwidth() != 2:  # noqa: PLR2004 - 16-bit
                return None
            rate = audio.getframerate()
            samples = array("h", audio.readframes(audio.getnframes()))
    except (wave.Error, EOFError):
        return None
    cycles = [(changes + 1) // 2 for changes in _bursts(samples)]
    if not cycles or cycles[0] != _MARKER_CYCLES or len(cycles) % 2 != 1:
        return None
    nibbles = [c - _NIBBLE_BASE for c in cycles[1:]]
    if any(not 0 <= n < _NIBBLES for n in nibbles):
        return None
    raw = bytes(
        (hi << 4) | lo for hi, lo in zip(nibbles[::2], nibbles[1::2], strict=True)
    )
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return None
    return Heard(text=text, duration=len(samples) / rate)


def _bursts(samples: Sequence[int]) -> list[int]:
    """Sign changes inside each run of non-zero samples."""
    counts: list[int] = []
    changes = 0
    previous = 0
    for sample in samples:
        if sample == 0:
            if previous != 0:
                counts.append(changes)
            changes = 0
        elif previous == 0:
            changes = 0
        elif (sample > 0) != (previous > 0):
            changes += 1
        previous = sample
    if previous != 0:
        counts.append(changes)
    return counts


_AUDIO_MAGIC = (
    (b"RIFF", 0, "wav"),
    (b"ID3", 0, "mp3"),
    (b"OggS", 0, "ogg"),
    (b"fLaC", 0, "flac"),
    (b"ftyp", 4, "m4a"),
    (b"\x1a\x45\xdf\xa3", 0, "webm"),
)


def audio_format(data: bytes) -> str | None:
    """`wav`, `mp3`, `ogg`, `flac`, `m4a` or `webm`, or None if not audio."""
    for magic, offset, name in _AUDIO_MAGIC:
        if data[offset : offset + len(magic)] == magic:
            if name == "wav" and data[8:12] != b"WAVE":
                return None
            return name
    if len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:  # noqa: PLR2004 - MPEG sync
        return "mp3"
    return None


def timestamp(seconds: float, *, hours: bool = False, marker: str = ".") -> str:
    """Whisper's `format_timestamp`: `00:01.500`, or `00:00:01,500` for SRT."""
    millis = round(seconds * 1000)
    hour, millis = divmod(millis, 3_600_000)
    minute, millis = divmod(millis, 60_000)
    second, millis = divmod(millis, 1000)
    prefix = f"{hour:02d}:" if hours or hour else ""
    return f"{prefix}{minute:02d}:{second:02d}{marker}{millis:03d}"


def srt(segments: Sequence[tuple[float, float, str]]) -> str:
    """Segments `(start, end, text)` as cog-whisper's `write_srt` writes them."""
    lines = []
    for index, (start, end, text) in enumerate(segments, start=1):
        first = timestamp(start, hours=True, marker=",")
        last = timestamp(end, hours=True, marker=",")
        lines.append(f"{index}\n{first} --> {last}\n{_cue(text)}\n\n")
    return "".join(lines)


def vtt(segments: Sequence[tuple[float, float, str]]) -> str:
    """Segments as cog-whisper's `write_vtt` writes them (no header)."""
    return "".join(
        f"{timestamp(start)} --> {timestamp(end)}\n{_cue(text)}\n\n"
        for start, end, text in segments
    )


def _cue(text: str) -> str:
    return text.strip().replace("-->", "->")


# -- MP4 (ISO BMFF) with Motion-JPEG frames ------------------------------------------

_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_JPEG_OBJECT_TYPE = 0x6C
_VISUAL_STREAM = (4 << 2) | 1


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def _descriptor(tag: int, body: bytes) -> bytes:
    return bytes((tag, len(body))) + body


def mp4(frames: Sequence[bytes], width: int, height: int, fps: int) -> bytes:
    """An `.mp4` of JPEG `frames` (each `width` x `height`) at `fps` per second.

    Raises:
        ValueError: if there are no frames.
    """
    if not frames:
        msg = "A video needs at least one frame."
        raise ValueError(msg)
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2mp41")
    mdat = _box(b"mdat", *frames)
    first_frame_at = len(ftyp) + 8
    count = len(frames)
    duration_ms = count * 1000 // fps
    mvhd = _full_box(
        b"mvhd", 0, 0,
        struct.pack(">IIII", 0, 0, 1000, duration_ms),
        struct.pack(">IH", 0x10000, 0x100), bytes(10), _MATRIX, bytes(24),
        struct.pack(">I", 2),
    )  # fmt: skip
    tkhd = _full_box(
        b"tkhd", 0, 3,
        struct.pack(">IIIII", 0, 0, 1, 0, duration_ms), bytes(8),
        struct.pack(">hhhH", 0, 0, 0, 0), _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )  # fmt: skip
    mdhd = _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, fps, count, 0x55C4, 0))
    hdlr = _full_box(
        b"hdlr", 0, 0, struct.pack(">I4s", 0, b"vide"), bytes(12), b"VideoHandler\0"
    )
    esds = _full_box(
        b"esds", 0, 0,
        _descriptor(
            0x03,
            struct.pack(">HB", 1, 0)
            + _descriptor(
                0x04,
                struct.pack(">BB", _JPEG_OBJECT_TYPE, _VISUAL_STREAM)
                + bytes(3) + struct.pack(">II", 0, 0),
            )
            + _descriptor(0x06, b"\x02"),
        ),
    )  # fmt: skip
    sample_entry = _box(
        b"mp4v",
        bytes(6), struct.pack(">H", 1), bytes(16),
        struct.pack(">HHIIIH", width, height, 0x480000, 0x480000, 0, 1),
        bytes(32), struct.pack(">Hh", 0x18, -1), esds,
    )  # fmt: skip
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), sample_entry),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, count, 1)),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1)),
        _full_box(
            b"stsz", 0, 0, struct.pack(">II", 0, count),
            *(struct.pack(">I", len(f)) for f in frames),
        ),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, first_frame_at)),
    )  # fmt: skip
    minf = _box(
        b"minf",
        _full_box(b"vmhd", 0, 1, bytes(8)),
        _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1),
                                _full_box(b"url ", 0, 1))),
        stbl,
    )  # fmt: skip
    moov = _box(b"moov", mvhd, _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf)))
    return ftyp + mdat + moov


def mp4_boxes(data: bytes) -> list[tuple[str, int]]:
    """The top-level boxes of an MP4 as `(type, size)` (for tests and checks)."""
    boxes = []
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size < 8:  # noqa: PLR2004 - a box header
            break
        boxes.append((kind.decode("latin-1"), size))
        offset += size
    return boxes
