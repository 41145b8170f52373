"""What the reference audio and video models do (whisper, kokoro, video-01).

* `predict_speech` (jaaari/kokoro-82m): the text as a speech WAV of
  `_models.media` (tones that encode it; `speed` changes the length, the voice
  the loudness), one file `output.wav`.
* `predict_whisper` (openai/whisper): reads the audio input. A speech WAV is
  transcribed back to its exact text; any other audio (WAV, MP3, OGG, FLAC,
  M4A, WebM) gets two Harvard sentences chosen by the SHA-256 of its bytes;
  bytes that are not audio fail the prediction as the real model does. It
  returns cog-whisper's object: `segments` (one per sentence, with
  `id/seek/start/end/text/tokens/temperature/avg_logprob/compression_ratio/
  no_speech_prob`), `transcription` (plain text, SRT or VTT), `translation`
  (the text when `translate`, else null), `detected_language`, and two file
  fields, `txt_file` and `srt_file`. The real model declares those two but
  its recorded outputs leave them out; the reference fills them so clients
  meet an object with file fields (they must also accept them missing).
* `predict_video` (minimax/video-01): logs a tqdm line per frame at
  `pace.video_step_time` (a few seconds by default; the test pace makes it
  quick), then returns `output.mp4`: 24 Motion-JPEG frames of 160x90 at 8 fps
  (`_models.media.mp4`, `video/mp4`). `first_frame_image` becomes frame 0.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import re
import time
import zlib
from typing import TYPE_CHECKING, Any

from PIL import Image

from langchain_replicate.testing._models.images import (
    encode_image,
    measure_image,
    render_image,
    tqdm_line,
)
from langchain_replicate.testing._models.media import (
    audio_format,
    hear,
    mp4,
    speak,
    srt,
    vtt,
    wav_duration,
)
from langchain_replicate.testing._models.reference import (
    GeneratedFile,
    JsonOutput,
    Output,
    PredictionContext,
)
from langchain_replicate.testing._models.text import derive_seed

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence


def _file(filename: str, content_type: str, data: bytes) -> GeneratedFile:
    return GeneratedFile(
        filename=filename,
        content_type=content_type,
        size=len(data),
        chunks=functools.partial(iter, (data,)),
    )


# -- text to speech ------------------------------------------------------------------

KOKORO_VOICES = (
    "af_alloy", "af_aoede", "af_bella", "af_jessica", "af_kore", "af_nicole",
    "af_nova", "af_river", "af_sarah", "af_sky", "am_adam", "am_echo", "am_eric",
    "am_fenrir", "am_liam", "am_michael", "am_onyx", "am_puck", "bf_alice",
    "bf_emma", "bf_isabella", "bf_lily", "bm_daniel", "bm_fable", "bm_george",
    "bm_lewis",
)  # fmt: skip
"""kokoro-82m's voices (American/British, female/male)."""
_CHUNK_CHARS = 200


def voice_amplitude(voice: str) -> int:
    """The peak sample value a voice speaks at (8000-15999, from its name)."""
    return 8000 + int.from_bytes(hashlib.sha256(voice.encode()).digest()[:2]) % 8000


async def predict_speech(ctx: PredictionContext) -> AsyncIterator[Output]:
    """kokoro-82m: `text` as a speech WAV.

    Raises:
        ValueError: for empty text.
    """
    values = ctx.input
    text: str = values["text"]
    if not text.strip():
        msg = "text is empty: there is nothing to say"
        raise ValueError(msg)
    chunks = max(1, -(-len(text) // _CHUNK_CHARS))
    ctx.log(f"Voice {values['voice']}, speed {values['speed']:g}, {chunks} chunk(s)\n")
    for chunk in range(chunks):
        if ctx.pace.media_step_time > 0:
            await ctx.sleep(ctx.pace.media_step_time)
        ctx.log(f"Generated chunk {chunk + 1}/{chunks}\n")
    data = await asyncio.to_thread(
        speak,
        text,
        speed=float(values["speed"]),
        amplitude=voice_amplitude(values["voice"]),
    )
    yield _file("output.wav", "audio/wav", data)


# -- speech to text ------------------------------------------------------------------

HARVARD_SENTENCES = (
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
)
"""What whisper hears in audio that is not a speech WAV (chosen by hash)."""
_SECONDS_PER_SENTENCE = 3.0
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_TOKEN_SPACE = 50_000
_FIRST_TOKEN = 50_365


def _sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(text.strip()) if part] or [text]


def _tokens(text: str) -> list[int]:
    """Stable stand-in token ids: one per word, framed like whisper's."""
    ids = [
        int.from_bytes(hashlib.sha256(word.encode()).digest()[:4]) % _TOKEN_SPACE
        for word in text.split()
    ]
    return [_FIRST_TOKEN, *ids, _FIRST_TOKEN + len(ids) + 1]


def _compression_ratio(text: str) -> float:
    raw = text.encode()
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def whisper_segments(
    text: str, duration: float, temperature: float
) -> list[dict[str, Any]]:
    """cog-whisper's `segments` for `text` spread over `duration` seconds.

    Each sentence is a segment; its time span is its share of the characters.
    """
    sentences = _sentences(text)
    total = sum(len(s) for s in sentences) or 1
    segments = []
    start = 0.0
    for index, sentence in enumerate(sentences):
        end = round(start + duration * len(sentence) / total, 2)
        segments.append(
            {
                "id": index,
                "seek": round(start * 100),
                "start": round(start, 2),
                "end": end,
                "text": f" {sentence}",
                "tokens": _tokens(sentence),
                "temperature": temperature,
                "avg_logprob": -0.1 - 0.01 * index,
                "compression_ratio": _compression_ratio(sentence),
                "no_speech_prob": 0.01,
            }
        )
        start = end
    return segments


WHISPER_LANGUAGES = {
    "en": "english", "zh": "chinese", "de": "german", "es": "spanish",
    "ru": "russian", "ko": "korean", "fr": "french", "ja": "japanese",
    "pt": "portuguese", "tr": "turkish", "pl": "polish", "ca": "catalan",
    "nl": "dutch", "ar": "arabic", "sv": "swedish", "it": "italian",
    "id": "indonesian", "hi": "hindi", "fi": "finnish", "vi": "vietnamese",
    "he": "hebrew", "uk": "ukrainian", "el": "greek", "ms": "malay",
    "cs": "czech", "ro": "romanian", "da": "danish", "hu": "hungarian",
    "ta": "tamil", "no": "norwegian", "th": "thai", "ur": "urdu",
    "hr": "croatian", "bg": "bulgarian", "lt": "lithuanian", "la": "latin",
    "mi": "maori", "ml": "malayalam", "cy": "welsh", "sk": "slovak",
    "te": "telugu", "fa": "persian", "lv": "latvian", "bn": "bengali",
    "sr": "serbian", "az": "azerbaijani", "sl": "slovenian", "kn": "kannada",
    "et": "estonian", "mk": "macedonian", "br": "breton", "eu": "basque",
    "is": "icelandic", "hy": "armenian", "ne": "nepali", "mn": "mongolian",
    "bs": "bosnian", "kk": "kazakh", "sq": "albanian", "sw": "swahili",
    "gl": "galician", "mr": "marathi", "pa": "punjabi", "si": "sinhala",
    "km": "khmer", "sn": "shona", "yo": "yoruba", "so": "somali",
    "af": "afrikaans", "oc": "occitan", "ka": "georgian", "be": "belarusian",
    "tg": "tajik", "sd": "sindhi", "gu": "gujarati", "am": "amharic",
    "yi": "yiddish", "lo": "lao", "uz": "uzbek", "fo": "faroese",
    "ht": "haitian creole", "ps": "pashto", "tk": "turkmen", "nn": "nynorsk",
    "mt": "maltese", "sa": "sanskrit", "lb": "luxembourgish", "my": "myanmar",
    "bo": "tibetan", "tl": "tagalog", "mg": "malagasy", "as": "assamese",
    "tt": "tatar", "haw": "hawaiian", "ln": "lingala", "ha": "hausa",
    "ba": "bashkir", "jw": "javanese", "su": "sundanese", "yue": "cantonese",
}  # fmt: skip
"""whisper's `LANGUAGES` (code → name), as its tokenizer defines them."""
WHISPER_LANGUAGE_CHOICES = (
    "auto",
    *sorted(WHISPER_LANGUAGES),
    *sorted(name.title() for name in WHISPER_LANGUAGES.values()),
)
"""The `language` enum: `auto`, the codes, then the names title-cased."""


def detected_language(language: str) -> str:
    """What `detected_language` says: `english` for `auto`, else the name."""
    if language == "auto":
        return "english"
    return WHISPER_LANGUAGES.get(language, language.lower())


async def predict_whisper(ctx: PredictionContext) -> AsyncIterator[Output]:
    """openai/whisper: transcribe the audio input (see the module docstring).

    Raises:
        ValueError: if the input is not audio.
    """
    values = ctx.input
    data = await ctx.read_file(values["audio"])
    kind = audio_format(data)
    if kind is None:
        msg = (
            "Failed to load audio: the file is not audio "
            "(expected WAV, MP3, OGG, FLAC, M4A or WebM)"
        )
        raise ValueError(msg)
    heard = await asyncio.to_thread(hear, data) if kind == "wav" else None
    if heard is not None:
        text, duration = heard.text, heard.duration
    else:
        digest = hashlib.sha256(data).digest()
        picks = [HARVARD_SENTENCES[b % len(HARVARD_SENTENCES)] for b in digest[:2]]
        text = " ".join(picks)
        duration = (kind == "wav" and wav_duration(data)) or (
            _SECONDS_PER_SENTENCE * len(picks)
        )
    ctx.log("Transcribe with large-v3 model.\n")
    ctx.log(f"Detected language: {detected_language(values['language'])}\n")
    segments = whisper_segments(text, duration, float(values["temperature"]))
    started = time.monotonic()
    for done in range(len(segments) + 1):
        if done and ctx.pace.media_step_time > 0:
            await ctx.sleep(ctx.pace.media_step_time)
        line = tqdm_line(done, len(segments), time.monotonic() - started)
        ctx.log(line + "\n")
    yield _whisper_output(values, text, segments)


def _whisper_output(
    values: Any,  # noqa: ANN401 - the validated input
    text: str,
    segments: Sequence[dict[str, Any]],
) -> JsonOutput:
    spans = [(s["start"], s["end"], s["text"]) for s in segments]
    form = values["transcription"]
    if form == "srt":
        transcription = srt(spans)
    elif form == "vtt":
        transcription = vtt(spans)
    else:
        transcription = " " + text
    return JsonOutput(
        {
            "segments": list(segments),
            "translation": (" " + text) if values["translate"] else None,
            "transcription": transcription,
            "detected_language": detected_language(values["language"]),
        },
        files={
            "txt_file": _file("transcription.txt", "text/plain", text.encode()),
            "srt_file": _file("transcription.srt", "text/plain", srt(spans).encode()),
        },
    )


# -- video ---------------------------------------------------------------------------

VIDEO_FRAMES = 24
VIDEO_FPS = 8
VIDEO_SIZE = (160, 90)


def video_frames(prompt: str, seed: int, first: bytes | None) -> list[bytes]:
    """The JPEG frames: a gradient for the prompt with a bar that moves."""
    width, height = VIDEO_SIZE
    base = render_image(prompt, seed, 0, VIDEO_SIZE)
    frames = []
    for index in range(VIDEO_FRAMES):
        if index == 0 and first is not None:
            with Image.open(io.BytesIO(first)) as image:
                frame = image.convert("RGB").resize(VIDEO_SIZE)
        else:
            frame = base.copy()
            left = index * (width - 16) // max(VIDEO_FRAMES - 1, 1)
            frame.paste(
                (255, 255, 255), (left, height // 3, left + 16, 2 * height // 3)
            )
        frames.append(encode_image(frame, "JPEG", 85))
    return frames


async def predict_video(ctx: PredictionContext) -> AsyncIterator[Output]:
    """minimax/video-01: progress per frame, then `output.mp4`."""
    values = ctx.input
    prompt: str = values["prompt"]
    first = None
    if values.get("first_frame_image"):
        first = await ctx.read_file(values["first_frame_image"])
        await asyncio.to_thread(measure_image, first)
    if values.get("subject_reference"):
        subject = await ctx.read_file(values["subject_reference"])
        await asyncio.to_thread(measure_image, subject)
        ctx.log("Using subject reference (S2V-01)\n")
    if values["prompt_optimizer"]:
        ctx.log(f"Optimized prompt: {prompt}, cinematic, smooth camera motion\n")
    started = time.monotonic()
    for frame in range(VIDEO_FRAMES + 1):
        if frame and ctx.pace.video_step_time > 0:
            await ctx.sleep(ctx.pace.video_step_time)
        ctx.log(tqdm_line(frame, VIDEO_FRAMES, time.monotonic() - started) + "\n")
    seed = derive_seed(values)
    frames = await asyncio.to_thread(video_frames, prompt, seed, first)
    data = mp4(frames, *VIDEO_SIZE, VIDEO_FPS)
    yield _file("output.mp4", "video/mp4", data)
