"""The reference media models (issue 21) and their pure parts: speech WAVs,
subtitles, MP4, search ranking, and each predictor run on a fake context.
"""

from __future__ import annotations

import base64
import io
import random
import struct
import wave
from typing import Any

import pytest
from PIL import Image

from langchain_replicate.testing._engine import search
from langchain_replicate.testing._engine.state import Registry
from langchain_replicate.testing._engine.validation import input_validator, validate
from langchain_replicate.testing._models import media
from langchain_replicate.testing._models.media_models import (
    HARVARD_SENTENCES,
    VIDEO_FRAMES,
    VIDEO_SIZE,
    detected_language,
    voice_amplitude,
)
from langchain_replicate.testing._models.reference import (
    GeneratedFile,
    JsonOutput,
    ModelPace,
    ReferenceModel,
)
from langchain_replicate.testing.catalogue import (
    DOCS_PAGES,
    REFERENCE_COLLECTIONS,
    REFERENCE_MODELS,
)
from langchain_replicate.testing.catalogue.images import FLUX_PRO, GPT_IMAGE
from langchain_replicate.testing.catalogue.media import (
    KOKORO,
    REAL_ESRGAN,
    VIDEO_01,
    WHISPER,
)
from tests.unit_tests.test_reference_models import FakeContext, png, run, run_in


def _bytes(file: GeneratedFile) -> bytes:
    data = b"".join(file.chunks())
    assert len(data) == file.size
    return data


def _data_uri(content_type: str, data: bytes) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


# -- speech WAVs ---------------------------------------------------------------------


@pytest.mark.parametrize("speed", [0.1, 0.5, 1.0, 2.0, 5.0])
def test_speech_wav_reads_back_to_its_text_at_any_speed(speed: float) -> None:
    text = "Héllo, wörld! 3 · 4 = 12. «quoted» ✓"
    data = media.speak(text, speed=speed)
    with wave.open(io.BytesIO(data)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth()) == (1, 2)
        assert audio.getframerate() == media.SAMPLE_RATE
    heard = media.hear(data)
    assert heard is not None
    assert heard.text == text
    assert heard.duration == pytest.approx(media.wav_duration(data))


def test_speech_survives_any_speed_in_the_schema_range() -> None:
    rng = random.Random(21)  # noqa: S311 - reproducible test data
    for _ in range(40):
        speed = rng.uniform(0.1, 5.0)
        text = "".join(chr(rng.randrange(32, 0x2000)) for _ in range(12))
        heard = media.hear(media.speak(text, speed=speed))
        assert heard is not None, speed
        assert heard.text == text, speed


def test_speed_changes_the_length_not_the_text() -> None:
    slow, fast = media.speak("abc", speed=0.5), media.speak("abc", speed=2.0)
    slow_length, fast_length = media.wav_duration(slow), media.wav_duration(fast)
    assert slow_length is not None
    assert fast_length is not None
    assert slow_length > 3 * fast_length


def test_other_audio_is_not_heard_as_speech() -> None:
    assert media.hear(media.silence_wav(0.5)) is None
    assert media.hear(b"not a wav") is None
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:  # a tone without the marker
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(struct.pack("<4h", 1000, -1000, 1000, -1000))
    assert media.hear(buffer.getvalue()) is None


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (media.silence_wav(0.01), "wav"),
        (b"ID3\x04rest", "mp3"),
        (b"\xff\xfb\x90\x00", "mp3"),
        (b"OggS\x00\x02", "ogg"),
        (b"fLaC\x00", "flac"),
        (b"\x00\x00\x00\x20ftypM4A ", "m4a"),
        (b"\x1a\x45\xdf\xa3\x01", "webm"),
        (b"RIFF\x00\x00\x00\x00AVI ", None),
        (b"\x89PNG\r\n", None),
        (b"", None),
    ],
)
def test_audio_format_sniffs_the_container(data: bytes, kind: str | None) -> None:
    assert media.audio_format(data) == kind


def test_subtitles_are_written_as_cog_whisper_writes_them() -> None:
    segments = [(0.0, 1.5, " Hello there."), (1.5, 3661.25, " A --> B")]
    assert media.srt(segments) == (
        "1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n"
        "2\n00:00:01,500 --> 01:01:01,250\nA -> B\n\n"
    )
    assert media.vtt(segments) == (
        "00:00.000 --> 00:01.500\nHello there.\n\n"
        "00:01.500 --> 01:01:01.250\nA -> B\n\n"
    )


# -- MP4 -----------------------------------------------------------------------------


def _children(data: bytes, start: int, end: int) -> dict[str, tuple[int, int]]:
    """Boxes in `data[start:end]`: type -> (payload start, box end)."""
    boxes = {}
    offset = start
    while offset < end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        boxes[kind.decode()] = (offset + 8, offset + size)
        offset += size
    assert offset == end
    return boxes


def _frames(data: bytes) -> list[bytes]:
    """The samples of the only track, located through stsz and stco."""
    top = _children(data, 0, len(data))
    moov = _children(data, *top["moov"])
    trak = _children(data, *moov["trak"])
    mdia = _children(data, *trak["mdia"])
    minf = _children(data, *mdia["minf"])
    stbl = _children(data, *minf["stbl"])
    stsz_at = stbl["stsz"][0]
    _, fixed, count = struct.unpack(">III", data[stsz_at : stsz_at + 12])
    assert fixed == 0
    sizes = struct.unpack(f">{count}I", data[stsz_at + 12 : stsz_at + 12 + 4 * count])
    stco_at = stbl["stco"][0]
    _, chunks, offset = struct.unpack(">III", data[stco_at : stco_at + 12])
    assert chunks == 1
    stsd_at = stbl["stsd"][0]
    assert data[stsd_at + 12 : stsd_at + 16] == b"mp4v"
    frames = []
    for size in sizes:
        frames.append(data[offset : offset + size])
        offset += size
    return frames


def test_mp4_holds_the_jpeg_frames_in_an_iso_bmff_file() -> None:
    frames = []
    for shade in (0, 120, 240):
        buffer = io.BytesIO()
        Image.new("RGB", (32, 18), (shade, 0, 0)).save(buffer, "JPEG")
        frames.append(buffer.getvalue())
    data = media.mp4(frames, 32, 18, 8)
    assert [kind for kind, _ in media.mp4_boxes(data)] == ["ftyp", "mdat", "moov"]
    assert data[8:12] == b"isom"
    assert _frames(data) == frames
    with pytest.raises(ValueError, match="at least one frame"):
        media.mp4([], 32, 18, 8)


# -- search --------------------------------------------------------------------------


def test_stems_join_word_forms() -> None:
    assert {search.stem(w) for w in ("upscaler", "upscaling", "upscale")} == {"upscal"}
    assert search.stem("text") == "text"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("upscale an image", "nightmareai/real-esrgan"),
        ("speech to text", "openai/whisper"),
        ("transcribe audio", "openai/whisper"),
        ("text to speech voice", "jaaari/kokoro-82m"),
        ("generate a video", "minimax/video-01"),
        ("flux", "black-forest-labs/flux-schnell"),
    ],
)
def test_search_ranks_the_fitting_model_first(query: str, first: str) -> None:
    hits = search.search_models(query, REFERENCE_MODELS, REFERENCE_COLLECTIONS)
    assert hits[0].model.ref == first
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert search.search_models("zzzz qqqq", REFERENCE_MODELS, ()) == []


def test_search_finds_collections_and_pages() -> None:
    slugs = [
        c.slug for c in search.search_collections("upscaling", REFERENCE_COLLECTIONS)
    ]
    assert slugs[0] == "super-resolution"
    query = "upscale image"
    hits = search.search_models(query, REFERENCE_MODELS, REFERENCE_COLLECTIONS)
    ranked = search.search_collections(query, REFERENCE_COLLECTIONS, hits)
    assert [c.slug for c in ranked][:2] == ["super-resolution", "text-to-image"]
    pages = search.search_pages("transcribe", DOCS_PAGES)
    assert pages[0].name == "Transcribe audio"


def test_generated_description_lists_inputs_and_output() -> None:
    text = search.generated_description(REAL_ESRGAN)
    assert text.startswith("Real-ESRGAN with optional face correction")
    assert "image (file, required), scale (number, default 4)" in text
    assert "face_enhance (boolean, default false)" in text
    assert text.endswith("Output: a file.")
    whisper = search.generated_description(WHISPER)
    assert "transcription (one of plain text/srt/vtt, default plain text)" in whisper
    assert "txt_file (file)" in whisper
    assert "aspect_ratio (one of custom/1:1/16:9" in search.generated_description(
        FLUX_PRO
    )


def test_collections_keep_only_the_models_served() -> None:
    registry = Registry([REAL_ESRGAN, WHISPER], [], REFERENCE_COLLECTIONS)
    assert set(registry.collections) == {"super-resolution", "speech-to-text"}
    assert registry.collections["speech-to-text"].models == ("openai/whisper",)


# -- schemas -------------------------------------------------------------------------


def test_flux_pro_enums_are_refs_and_whisper_enums_inlined() -> None:
    props = FLUX_PRO.input_schema["properties"]
    assert props["aspect_ratio"] == {
        "allOf": [{"$ref": "#/components/schemas/aspect_ratio"}],
        "description": "Aspect ratio for the generated image",
        "default": "1:1",
        "x-order": 2,
    }
    assert FLUX_PRO.extra_schemas["output_format"]["enum"] == ["webp", "jpg", "png"]
    assert FLUX_PRO.output_schema == {
        "type": "string",
        "format": "uri",
        "title": "Output",
    }
    transcription = WHISPER.input_schema["properties"]["transcription"]
    assert transcription["enum"] == ["plain text", "srt", "vtt"]
    assert transcription["title"] == "transcription"
    assert "allOf" not in transcription
    assert "transcription" not in WHISPER.extra_schemas
    assert WHISPER.output_schema["properties"]["segments"] == {"title": "Segments"}
    assert KOKORO.input_schema["properties"]["voice"]["allOf"]


def test_gpt_image_has_a_secret_input_as_cog_writes_it() -> None:
    props = GPT_IMAGE.input_schema["properties"]
    assert props["openai_api_key"] == {
        "type": "string",
        "title": "Openai Api Key",
        "format": "password",
        "writeOnly": True,
        "description": "Your OpenAI API key (optional - uses proxy if not provided)",
        "x-order": 1,
        "x-cog-secret": True,
    }
    assert props["input_images"]["nullable"] is True
    assert props["input_images"]["items"] == {"type": "string", "format": "uri"}
    assert GPT_IMAGE.input_schema["required"] == ["prompt"]


async def test_gpt_image_uses_the_key_without_showing_it() -> None:
    outputs, ctx = await run(
        GPT_IMAGE,
        prompt="a fox",
        openai_api_key="sk-test-123",
        aspect_ratio="3:2",
        number_of_images=2,
        output_format="jpeg",
    )
    assert [f.filename for f in outputs] == ["output_0.jpg", "output_1.jpg"]
    assert Image.open(io.BytesIO(_bytes(outputs[0]))).size == (1536, 1024)
    assert "Using your OpenAI API key" in ctx.logs
    assert "sk-test-123" not in ctx.logs
    _, proxied = await run(GPT_IMAGE, prompt="a fox")
    assert "proxy" in proxied.logs


@pytest.mark.parametrize(
    ("model", "values", "field", "kind"),
    [
        (
            FLUX_PRO,
            {"prompt": "x", "aspect_ratio": "7:3"},
            "input.aspect_ratio",
            "enum",
        ),
        (
            WHISPER,
            {"audio": "x", "transcription": "txt"},
            "input.transcription",
            "enum",
        ),
        (WHISPER, {"audio": "x", "language": "klingon"}, "input.language", "enum"),
        (KOKORO, {"text": "x", "voice": "robot"}, "input.voice", "enum"),
        (REAL_ESRGAN, {"image": "x", "scale": 11}, "input.scale", "number_lte"),
        (KOKORO, {"text": "x", "speed": 0}, "input.speed", "number_gte"),
        (VIDEO_01, {"prompt_optimizer": False}, "input", "required"),
    ],
)
def test_bad_inputs_are_named(
    model: ReferenceModel,
    values: dict[str, Any],
    field: str,
    kind: str,
) -> None:
    validator = input_validator(model.input_schema, model.extra_schemas)
    fields = validate(validator, values, prefix="input")
    assert [(f.field, f.type) for f in fields] == [(field, kind)]


# -- predictors ----------------------------------------------------------------------


async def test_flux_pro_makes_one_file_of_the_ratio_or_custom_size() -> None:
    outputs, ctx = await run(FLUX_PRO, prompt="a lighthouse", aspect_ratio="16:9")
    (file,) = outputs
    assert file.filename == "output.webp"
    assert Image.open(io.BytesIO(_bytes(file))).size == (1344, 768)
    assert "28/28" in ctx.logs
    outputs, _ = await run(
        FLUX_PRO,
        prompt="x",
        aspect_ratio="custom",
        width=500,
        height=300,
        output_format="png",
    )
    assert Image.open(io.BytesIO(_bytes(outputs[0]))).size == (512, 288)


async def test_esrgan_really_scales_the_image() -> None:
    source = png((40, 30), (10, 200, 30))
    outputs, ctx = await run(REAL_ESRGAN, image=source, scale=2.5)
    (file,) = outputs
    assert (file.filename, file.content_type) == ("output.png", "image/png")
    image = Image.open(io.BytesIO(_bytes(file)))
    assert (image.format, image.size) == ("PNG", (100, 75))
    assert image.getpixel((50, 37)) == (10, 200, 30)
    assert "4/4" in ctx.logs
    enhanced, _ = await run(REAL_ESRGAN, image=source, face_enhance=True)
    assert Image.open(io.BytesIO(_bytes(enhanced[0]))).size == (160, 120)


@pytest.mark.parametrize(
    ("scale", "message"), [(0, "empty image"), (10, "the largest output")]
)
async def test_esrgan_refuses_sizes_it_cannot_make(scale: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        await run(REAL_ESRGAN, image=png((800, 600), (0, 0, 0)), scale=scale)


async def test_kokoro_speaks_text_that_whisper_reads_back() -> None:
    text = "The birch canoe slid on the smooth planks. Glue the sheet!"
    spoken, ctx = await run(KOKORO, text=text, voice="bm_george", speed=1.5)
    (wav,) = spoken
    assert (wav.filename, wav.content_type) == ("output.wav", "audio/wav")
    assert "Voice bm_george, speed 1.5" in ctx.logs
    heard = media.hear(_bytes(wav))
    assert heard is not None
    assert heard.text == text
    outputs, _ = await run(WHISPER, audio=_data_uri("audio/wav", _bytes(wav)))
    (result,) = outputs
    assert isinstance(result, JsonOutput)
    value = result.value
    assert value["transcription"] == " " + text
    assert value["detected_language"] == "english"
    assert value["translation"] is None
    assert [s["text"] for s in value["segments"]] == [
        " The birch canoe slid on the smooth planks.",
        " Glue the sheet!",
    ]
    assert value["segments"][-1]["end"] == pytest.approx(heard.duration, abs=0.01)
    assert set(result.files) == {"txt_file", "srt_file"}
    assert _bytes(result.files["txt_file"]).decode() == text
    assert _bytes(result.files["srt_file"]).decode().startswith("1\n00:00:00,000 --> ")


def test_voices_speak_at_different_loudness() -> None:
    assert voice_amplitude("af_bella") != voice_amplitude("bm_george")


async def test_whisper_formats_translates_and_names_the_language() -> None:
    audio = _data_uri("audio/wav", media.speak("One. Two."))
    outputs, _ = await run(
        WHISPER, audio=audio, transcription="vtt", translate=True, language="fr"
    )
    value = outputs[0].value
    assert value["transcription"].startswith("00:00.000 --> ")
    assert value["translation"] == " One. Two."
    assert value["detected_language"] == "french"
    assert detected_language("German") == "german"


async def test_whisper_hears_harvard_sentences_in_other_audio() -> None:
    audio = _data_uri("audio/mpeg", b"ID3" + bytes(range(200)))
    first, _ = await run(WHISPER, audio=audio)
    again, _ = await run(WHISPER, audio=audio)
    text = first[0].value["transcription"].strip()
    assert text == again[0].value["transcription"].strip()
    assert any(text.startswith(s) for s in HARVARD_SENTENCES)


async def test_whisper_fails_on_bytes_that_are_not_audio() -> None:
    with pytest.raises(ValueError, match="not audio"):
        await run(WHISPER, audio=png((8, 8), (0, 0, 0)))


async def test_video_logs_a_line_per_frame_at_the_pace_then_makes_an_mp4() -> None:
    ctx = FakeContext(
        {"prompt": "a dog runs", "prompt_optimizer": True},
        pace=ModelPace(video_step_time=0.25),
    )
    outputs, ctx = await run_in(VIDEO_01, ctx)
    (file,) = outputs
    assert (file.filename, file.content_type) == ("output.mp4", "video/mp4")
    assert ctx.sleeps == [0.25] * VIDEO_FRAMES
    assert f"{VIDEO_FRAMES}/{VIDEO_FRAMES}" in ctx.logs
    assert "Optimized prompt: a dog runs" in ctx.logs
    frames = _frames(_bytes(file))
    assert len(frames) == VIDEO_FRAMES
    assert Image.open(io.BytesIO(frames[0])).size == VIDEO_SIZE


async def test_video_starts_from_the_first_frame_image() -> None:
    ctx = FakeContext(
        {
            "prompt": "x",
            "prompt_optimizer": False,
            "first_frame_image": png((64, 36), (250, 0, 0)),
        },
        pace=ModelPace(video_step_time=0),
    )
    outputs, _ = await run_in(VIDEO_01, ctx)
    first = Image.open(io.BytesIO(_frames(_bytes(outputs[0]))[0])).convert("RGB")
    red, green, blue = first.getpixel((80, 45))  # type: ignore[misc]
    assert red > 200 > max(green, blue)
