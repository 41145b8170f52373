"""Reference media models: an upscaler, speech-to-text, text-to-speech, video.

Data only; what they do is in `testing._models.image_models` (real-esrgan)
and `testing._models.media_models` (the others). Schemas follow the live ones
(sources in `shared/model-tools.md` §3):

* `nightmareai/real-esrgan` (community, run by version): `image` (uri,
  required), `scale` (number 0-10, default 4), `face_enhance` (bool); one PNG
  out.
* `openai/whisper` (community, the large-v3 version): `audio` (uri, required)
  and cog-whisper's options; its enums (`transcription`, `language`) are
  **inlined** as in the live schema of older cogs, not `$ref`s; object out with
  text and file fields (`txt_file`, `srt_file`) and a `segments` field with no
  `type` (cog's `Any`).
* `jaaari/kokoro-82m` (community): `text` (required), `speed` (0.1-5,
  default 1), `voice` (a `$ref` enum, default `af_bella`); one WAV out.
* `minimax/video-01` (official): `prompt` (required), `prompt_optimizer`,
  `first_frame_image`, `subject_reference` (uris); one MP4 out, after a few
  seconds of progress logs (`ModelPace.video_step_time`).
"""

from __future__ import annotations

from langchain_replicate.testing._models.image_models import predict_esrgan
from langchain_replicate.testing._models.media_models import (
    KOKORO_VOICES,
    WHISPER_LANGUAGE_CHOICES,
    predict_speech,
    predict_video,
    predict_whisper,
)
from langchain_replicate.testing._models.schemas import ONE_FILE, In, reference_model

REAL_ESRGAN = reference_model(
    "nightmareai/real-esrgan",
    [
        In("image", format="uri", description="Input image", required=True),
        In(
            "scale",
            "number",
            4,
            "Factor to scale image by",
            minimum=0,
            maximum=10,
        ),
        In(
            "face_enhance",
            "boolean",
            default=False,
            description="Run GFPGAN face enhancement along with upscaling",
        ),
    ],
    ONE_FILE,
    predict_esrgan,
    version="f121d640bd286e1fdc67f9799164c1d5be36ff74576ee11c803ae5b665dd46aa",
    description="Real-ESRGAN with optional face correction and adjustable upscale",
    cog_version="0.9.6",
    created_at="2024-07-26T21:16:34.165355Z",
    run_count=76_000_000,
    tags=("upscaler", "upscale", "super-resolution", "image", "restoration"),
    github_url="https://github.com/xinntao/Real-ESRGAN",
    paper_url="https://arxiv.org/abs/2107.10833",
    license_url="https://github.com/xinntao/Real-ESRGAN/blob/master/LICENSE",
)

WHISPER = reference_model(
    "openai/whisper",
    [
        In("audio", format="uri", description="Audio file", required=True),
        In(
            "transcription",
            default="plain text",
            description="Choose the format for the transcription",
            choices=("plain text", "srt", "vtt"),
            inline_enum=True,
        ),
        In(
            "translate",
            "boolean",
            default=False,
            description="Translate the text to English when set to True",
        ),
        In(
            "language",
            default="auto",
            description=(
                "Language spoken in the audio, specify 'auto' for automatic language"
                " detection"
            ),
            choices=WHISPER_LANGUAGE_CHOICES,
            inline_enum=True,
        ),
        In("temperature", "number", 0, "temperature to use for sampling"),
        In(
            "patience",
            "number",
            description=(
                "optional patience value to use in beam decoding, as in "
                "https://arxiv.org/abs/2204.05424, the default (1.0) is equivalent "
                "to conventional beam search"
            ),
        ),
        In(
            "suppress_tokens",
            default="-1",
            description=(
                "comma-separated list of token ids to suppress during sampling; '-1'"
                " will suppress most special characters except common punctuations"
            ),
        ),
        In(
            "initial_prompt",
            description="optional text to provide as a prompt for the first window.",
        ),
        In(
            "condition_on_previous_text",
            "boolean",
            default=True,
            description=(
                "if True, provide the previous output of the model as a prompt for "
                "the next window; disabling may make the text inconsistent across "
                "windows, but the model becomes less prone to getting stuck in a "
                "failure loop"
            ),
        ),
        In(
            "temperature_increment_on_fallback",
            "number",
            0.2,
            (
                "temperature to increase when falling back when the decoding fails "
                "to meet either of the thresholds below"
            ),
        ),
        In(
            "compression_ratio_threshold",
            "number",
            2.4,
            (
                "if the gzip compression ratio is higher than this value, treat the "
                "decoding as failed"
            ),
        ),
        In(
            "logprob_threshold",
            "number",
            -1,
            (
                "if the average log probability is lower than this value, treat the "
                "decoding as failed"
            ),
        ),
        In(
            "no_speech_threshold",
            "number",
            0.6,
            (
                "if the probability of the <|nospeech|> token is higher than this "
                "value AND the decoding has failed due to `logprob_threshold`, "
                "consider the segment as silence"
            ),
        ),
    ],
    {
        "type": "object",
        "title": "Output",
        "required": ["detected_language", "transcription"],
        "properties": {
            "segments": {"title": "Segments"},
            "srt_file": {"type": "string", "title": "Srt File", "format": "uri"},
            "txt_file": {"type": "string", "title": "Txt File", "format": "uri"},
            "translation": {"type": "string", "title": "Translation"},
            "transcription": {"type": "string", "title": "Transcription"},
            "detected_language": {"type": "string", "title": "Detected Language"},
        },
    },
    predict_whisper,
    version="8099696689d249cf8b122d833c36ac3f75505c666a395ca40ef26f68e7d3d16e",
    description="Convert speech in audio to text",
    cog_version="0.9.5",
    created_at="2023-11-14T20:09:48.946429Z",
    run_count=180_000_000,
    counts_tokens=False,
    tags=("speech-to-text", "transcription", "transcribe", "audio", "asr", "speech"),
    github_url="https://github.com/openai/whisper",
    paper_url="https://arxiv.org/abs/2212.04356",
    license_url="https://github.com/openai/whisper/blob/main/LICENSE",
)

KOKORO = reference_model(
    "jaaari/kokoro-82m",
    [
        In(
            "text",
            description="Text input (long text is automatically split)",
            required=True,
        ),
        In(
            "speed",
            "number",
            1.0,
            "Speech speed multiplier (0.5 = half speed, 2.0 = double speed)",
            minimum=0.1,
            maximum=5,
        ),
        In(
            "voice",
            default="af_bella",
            description="Voice to use for synthesis",
            choices=KOKORO_VOICES,
        ),
    ],
    ONE_FILE,
    predict_speech,
    version="f559560eb822dc509045f3921a1921234918b91739db4bf3daab2169b71c7a13",
    description=(
        "Kokoro v1.0 - text-to-speech (TTS) model with 82 million parameters "
        "(text2speech)"
    ),
    cog_version="0.13.6",
    created_at="2025-01-28T04:12:11.421311Z",
    run_count=60_000_000,
    tags=("text-to-speech", "tts", "speech", "voice", "audio"),
    github_url="https://github.com/hexgrad/kokoro",
    license_url="https://www.apache.org/licenses/LICENSE-2.0",
)

VIDEO_01 = reference_model(
    "minimax/video-01",
    [
        In("prompt", description="Text prompt for generation", required=True),
        In(
            "prompt_optimizer",
            "boolean",
            default=True,
            description="Use prompt optimizer",
        ),
        In(
            "first_frame_image",
            format="uri",
            description=(
                "First frame image for video generation. The output video will have "
                "the same aspect ratio as this image."
            ),
        ),
        In(
            "subject_reference",
            format="uri",
            description=(
                "An optional character reference image to use as the subject in the"
                " generated video (this will use the S2V-01 model)"
            ),
        ),
    ],
    ONE_FILE,
    predict_video,
    official=True,
    description=(
        "Generate 6s videos with prompts or images. (Also known as Hailuo). Use a "
        "subject reference to make a video with a character and the S2V-01 model."
    ),
    cog_version="0.13.6",
    created_at="2024-11-12T12:15:02.000000Z",
    run_count=900_000,
    tags=("text-to-video", "image-to-video", "video", "hailuo"),
)

MODELS = (REAL_ESRGAN, WHISPER, KOKORO, VIDEO_01)
"""This family, in the order the server lists them."""
