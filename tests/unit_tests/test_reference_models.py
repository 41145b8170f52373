"""The built-in reference models, driven directly through a fake prediction context."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft202012Validator
from PIL import Image
from replicate.prediction import Prediction

from langchain_replicate.testing._models.image_models import flux_size
from langchain_replicate.testing._models.reference import (
    GeneratedFile,
    ModelPace,
    ReferenceModel,
)
from langchain_replicate.testing.catalogue import (
    REFERENCE_DEPLOYMENTS,
    REFERENCE_MODELS,
    find_deployment,
    find_model,
)
from langchain_replicate.testing.catalogue.embeddings import (
    MODELS as EMBEDDING_MODELS,
)
from langchain_replicate.testing.catalogue.granite import (
    GRANITE_4_0_H_SMALL,
    GRANITE_4_1_8B,
)
from langchain_replicate.testing.catalogue.images import (
    FLUX_PRO,
    FLUX_SCHNELL,
    GPT_IMAGE,
    SDXL,
    STABLE_DIFFUSION,
)
from langchain_replicate.testing.catalogue.media import VIDEO_01
from langchain_replicate.testing.catalogue.reasoning import (
    MODELS as REASONING_MODELS,
)
from langchain_replicate.testing.catalogue.replicate_testing import (
    BIG_FILE,
    COLD_START,
    ECHO,
    FAILS,
    THINK_ECHO,
)
from langchain_replicate.testing.catalogue.text import (
    DOLLY,
    GPT_5_NANO,
    LLAMA_2_CHAT,
    LLAMA_3,
    LLAVA,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

FAST = ModelPace(time_to_first_token=0, token_interval=0, image_step_time=0)


@dataclass
class FakeContext:
    """The `PredictionContext` protocol, recording what the model did."""

    input: Mapping[str, Any]
    pace: ModelPace = FAST
    files: Mapping[str, bytes] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    logs: str = ""
    sleeps: list[float] = field(default_factory=list)

    def log(self, text: str) -> None:
        self.logs += text

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def read_file(self, url: str) -> bytes:
        if url.startswith("data:"):
            return base64.b64decode(url.partition(",")[2])
        if url in self.files:
            return self.files[url]
        msg = f"Unknown file URL: {url}"
        raise ValueError(msg)


def validator(model: ReferenceModel) -> Draft202012Validator:
    """Validate against `Input`, resolving `#/components/schemas/...` references."""
    schemas = model.openapi_schema["components"]["schemas"]
    return Draft202012Validator(
        {**model.input_schema, "components": {"schemas": schemas}}
    )


def with_defaults(model: ReferenceModel, **values: Any) -> dict[str, Any]:
    """The input the server would pass: defaults filled in, then validated."""
    properties = model.input_schema["properties"]
    filled = {
        name: prop["default"] for name, prop in properties.items() if "default" in prop
    }
    filled.update(values)
    validator(model).validate(filled)
    return filled


async def run(model: ReferenceModel, **values: Any) -> tuple[list[Any], FakeContext]:
    """Run `model` on `values` (defaults filled in) with the fast pace."""
    return await run_in(model, FakeContext(with_defaults(model, **values)))


async def run_in(
    model: ReferenceModel, ctx: FakeContext
) -> tuple[list[Any], FakeContext]:
    return [output async for output in model.predict(ctx)], ctx


def png(size: tuple[int, int], colour: tuple[int, int, int], fmt: str = "PNG") -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def opened(file: GeneratedFile) -> Image.Image:
    data = b"".join(file.chunks())
    assert len(data) == file.size
    return Image.open(io.BytesIO(data))


# --- catalogue and schemas ----------------------------------------------------------


def test_the_catalogue_has_the_real_refs_and_versions() -> None:
    versions = {
        model.ref: model.version
        for model in REFERENCE_MODELS
        # pinned in test_embedding_models.py and test_reference_reasoning.py
        if model not in EMBEDDING_MODELS and model not in REASONING_MODELS
    }
    assert versions == {
        "meta/meta-llama-3-8b-instruct": (
            "5a6809ca6288247d06daf6365557e5e429063f32a21146b2a807c682652136b8"
        ),
        "a16z-infra/llama13b-v2-chat": (
            "df7690f1994d94e96ad9d568eac121aecf50684a0b0963b25a41cc40061269e5"
        ),
        "replicate/dolly-v2-12b": (
            "ef0e1aefc61f8e096ebe4db6b2bacc297daf2ef6899f0f7e001ec445893500e5"
        ),
        "openai/gpt-5-nano": GPT_5_NANO.version,
        "yorickvp/llava-13b": (
            "b5f6212d032508382d61ff00469ddda3e32fd8a0e75dc39d8a4191bb742157fb"
        ),
        "black-forest-labs/flux-schnell": (
            "c846a69991daf4c0e5d016514849d14ee5b2e6846ce6b9d6f21369e564cfe51e"
        ),
        "stability-ai/stable-diffusion": (
            "db21e45d3f7023abc2a46ee38a23973f6dce16bb082a930b0c49861f96d1e5bf"
        ),
        "stability-ai/sdxl": (
            "7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc"
        ),
        "black-forest-labs/flux-1.1-pro": FLUX_PRO.version,
        "openai/gpt-image-1.5": GPT_IMAGE.version,
        "nightmareai/real-esrgan": (
            "f121d640bd286e1fdc67f9799164c1d5be36ff74576ee11c803ae5b665dd46aa"
        ),
        "openai/whisper": (
            "8099696689d249cf8b122d833c36ac3f75505c666a395ca40ef26f68e7d3d16e"
        ),
        "jaaari/kokoro-82m": (
            "f559560eb822dc509045f3921a1921234918b91739db4bf3daab2169b71c7a13"
        ),
        "minimax/video-01": VIDEO_01.version,
        "replicate-testing/fails": FAILS.version,
        "replicate-testing/cold-start": COLD_START.version,
        "replicate-testing/big-file": BIG_FILE.version,
        "replicate-testing/echo": ECHO.version,
        "replicate-testing/think-echo": THINK_ECHO.version,
        "ibm-granite/granite-4.0-h-small": GRANITE_4_0_H_SMALL.version,
        "ibm-granite/granite-4.1-8b": GRANITE_4_1_8B.version,
    }
    assert all(re.fullmatch("[0-9a-f]{64}", version) for version in versions.values())
    assert len(set(versions.values())) == len(versions)
    official = {
        model.ref
        for model in REFERENCE_MODELS
        if model.official
        and model not in EMBEDDING_MODELS
        and model not in REASONING_MODELS
    }
    assert official == {
        "meta/meta-llama-3-8b-instruct",
        "openai/gpt-5-nano",
        "black-forest-labs/flux-schnell",
        "black-forest-labs/flux-1.1-pro",
        "openai/gpt-image-1.5",
        "minimax/video-01",
        "ibm-granite/granite-4.0-h-small",
        "ibm-granite/granite-4.1-8b",
    }
    assert [model.ref for model in REFERENCE_MODELS if model.cold_start] == [
        "replicate-testing/cold-start"
    ]


def test_the_deployment_routes_to_llama_3() -> None:
    (deployment,) = REFERENCE_DEPLOYMENTS
    assert (deployment.owner, deployment.name) == ("replicate-testing", "llama-3")
    assert deployment.model is LLAMA_3
    assert find_deployment("replicate-testing/llama-3") is deployment
    assert find_deployment("replicate-testing/nope") is None


def test_find_model_by_name_pinned_version_or_version_id() -> None:
    assert find_model("stability-ai/sdxl") is SDXL
    assert find_model(f"stability-ai/sdxl:{SDXL.version}") is SDXL
    assert find_model(SDXL.version) is SDXL
    assert find_model(f"stability-ai/sdxl:{LLAMA_3.version}") is None
    assert find_model("nobody/nothing") is None


@pytest.mark.parametrize("model", REFERENCE_MODELS, ids=lambda model: model.ref)
def test_input_schema_follows_cog_conventions(model: ReferenceModel) -> None:
    schema = model.input_schema
    assert (schema["type"], schema["title"]) == ("object", "Input")
    properties = schema["properties"]
    orders = sorted(prop["x-order"] for prop in properties.values())
    assert orders == list(range(len(properties)))
    enums = model.extra_schemas
    for name, prop in properties.items():
        if "allOf" in prop:
            assert prop["allOf"] == [{"$ref": f"#/components/schemas/{name}"}]
            assert enums[name]["type"] == "string"
            assert enums[name]["description"] == "An enumeration."
            assert prop["default"] in enums[name]["enum"]
        elif "enum" in prop:  # inlined, as older cogs wrote it (whisper)
            assert (prop["type"], prop["title"]) == ("string", name)
            assert prop["default"] in prop["enum"]
        else:
            assert prop["title"] == name.replace("_", " ").title()
            assert prop["type"] in {
                "string",
                "integer",
                "number",
                "boolean",
                "array",
                "object",
            }
        if "default" in prop and "minimum" in prop:
            assert prop["minimum"] <= prop["default"] <= prop.get("maximum", 1e9)
    for name in schema.get("required", []):
        assert "default" not in properties[name]
    assert set(enums) == {name for name, prop in properties.items() if "allOf" in prop}


@pytest.mark.parametrize("model", REFERENCE_MODELS, ids=lambda model: model.ref)
def test_defaults_validate_against_the_schema(model: ReferenceModel) -> None:
    required = dict.fromkeys(model.input_schema.get("required", []), "x")
    with_defaults(model, **required)


def test_enums_reject_unknown_choices() -> None:
    errors = list(
        validator(FLUX_SCHNELL).iter_errors({"prompt": "x", "megapixels": "2"})
    )
    assert [error.validator for error in errors] == ["enum"]


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        (LLAMA_3, "text"),
        (LLAMA_2_CHAT, "text"),
        (DOLLY, "text"),
        (GPT_5_NANO, "text"),
        (LLAVA, "text"),
        (COLD_START, "text"),
        (FLUX_SCHNELL, "files"),
        (STABLE_DIFFUSION, "files"),
        (SDXL, "files"),
        (BIG_FILE, "file"),
        (ECHO, "string"),
        (FAILS, "string"),
    ],
    ids=lambda value: getattr(value, "ref", value),
)
def test_output_schema_kinds(model: ReferenceModel, kind: str) -> None:
    expected = {
        "text": {
            "type": "array",
            "items": {"type": "string"},
            "title": "Output",
            "x-cog-array-type": "iterator",
            "x-cog-array-display": "concatenate",
        },
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "uri"},
            "title": "Output",
        },
        "file": {"type": "string", "format": "uri", "title": "Output"},
        "string": {"type": "string", "title": "Output"},
    }
    assert model.output_schema == expected[kind]


def test_llama_3_schema_defaults() -> None:
    properties = LLAMA_3.input_schema["properties"]
    defaults = {name: prop.get("default") for name, prop in properties.items()}
    assert defaults == {
        "prompt": "",
        "min_tokens": 0,
        "max_tokens": 512,
        "temperature": 0.6,
        "top_p": 0.9,
        "top_k": 50,
        "presence_penalty": 1.15,
        "frequency_penalty": 0.2,
        "prompt_template": (
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            "{system_prompt}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
            "{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        ),
        "system_prompt": "You are a helpful assistant",
        "stop_sequences": "<|end_of_text|>,<|eot_id|>",
        "seed": None,
    }
    assert "required" not in LLAMA_3.input_schema


def test_file_inputs_are_uris() -> None:
    assert LLAVA.input_schema["properties"]["image"]["format"] == "uri"
    assert LLAVA.input_schema["required"] == ["image", "prompt"]
    assert SDXL.input_schema["properties"]["mask"]["format"] == "uri"
    assert "required" not in SDXL.input_schema
    image_input = GPT_5_NANO.input_schema["properties"]["image_input"]
    assert image_input["items"] == {"type": "string", "format": "uri"}


# --- language models ----------------------------------------------------------------

TEXT_MODELS = [
    (LLAMA_3, "max_tokens"),
    (LLAMA_2_CHAT, "max_new_tokens"),
    (DOLLY, "max_length"),
    (GPT_5_NANO, "max_completion_tokens"),
    (COLD_START, "max_tokens"),
]
TEXT_IDS = [model.ref for model, _ in TEXT_MODELS]


@pytest.mark.parametrize(("model", "max_key"), TEXT_MODELS, ids=TEXT_IDS)
async def test_replies_are_deterministic_and_depend_on_the_prompt(
    model: ReferenceModel, max_key: str
) -> None:
    first, _ = await run(model, prompt="How do tides work?")
    again, _ = await run(model, prompt="How do tides work?")
    other, _ = await run(model, prompt="Why do volcanoes erupt?")
    assert first == again
    assert "".join(first).startswith('You asked: "How do tides work?".')
    assert "".join(other).startswith('You asked: "Why do volcanoes erupt?".')
    assert "reference reply from the local Replicate server" in "".join(first)
    assert "language model" not in "".join(first + other).lower()


@pytest.mark.parametrize(("model", "max_key"), TEXT_MODELS, ids=TEXT_IDS)
async def test_max_tokens_under_each_models_own_name(
    model: ReferenceModel, max_key: str
) -> None:
    tokens, ctx = await run(model, prompt="Tell me about rivers", **{max_key: 7})
    assert len(tokens) == 7
    assert all(isinstance(token, str) for token in tokens)
    assert "Generated 7 tokens" in ctx.logs


async def test_seed_changes_the_reply_and_is_logged() -> None:
    one, ctx = await run(LLAMA_3, prompt="Tell me about rivers", seed=1)
    two, _ = await run(LLAMA_3, prompt="Tell me about rivers", seed=2)
    assert one != two
    assert "Random seed used: `1`\n" in ctx.logs


async def test_without_a_seed_one_is_derived_from_the_input() -> None:
    _, ctx = await run(LLAMA_3, prompt="Tell me about rivers")
    seed = re.search(r"Random seed used: `(\d+)`", ctx.logs)
    assert seed
    seeded, _ = await run(LLAMA_3, prompt="Tell me about rivers", seed=int(seed[1]))
    unseeded, _ = await run(LLAMA_3, prompt="Tell me about rivers")
    assert seeded == unseeded


async def test_min_tokens_makes_the_reply_longer() -> None:
    natural, _ = await run(LLAMA_3, prompt="Tell me about rivers")
    longer, _ = await run(
        LLAMA_3, prompt="Tell me about rivers", min_tokens=600, max_tokens=1000
    )
    assert len(natural) < 600 <= len(longer) < 1000
    disabled, _ = await run(LLAMA_2_CHAT, prompt="Tell me about rivers")
    assert len(disabled) <= 128
    chat, _ = await run(
        LLAMA_2_CHAT,
        prompt="Tell me about rivers",
        min_new_tokens=300,
        max_new_tokens=500,
    )
    assert len(chat) >= 300


async def test_stop_sequences_end_the_reply_before_the_sequence() -> None:
    full, _ = await run(LLAMA_3, prompt="Tell me about rivers")
    cut, _ = await run(LLAMA_3, prompt="Tell me about rivers", stop_sequences="\n\n")
    assert "".join(full).startswith("".join(cut) + "\n\n")
    assert "\n" not in "".join(cut)
    mid, _ = await run(
        LLAMA_2_CHAT, prompt="Tell me about rivers", stop_sequences="zzz,local Rep"
    )
    assert "".join(mid).endswith("from the ")


async def test_token_boundaries_look_like_a_tokenizer() -> None:
    tokens, _ = await run(LLAMA_3, prompt="Tell me about rivers, please.")
    assert "".join(tokens).startswith("You asked:")
    assert tokens[:4] == ["You", " asked", ":", ' "']
    for token in tokens:
        assert token in {"\n", "\n\n"} or re.fullmatch(r" ?(\w+('\w+)?|[^\w\s])", token)


async def test_llama_3_renders_its_template_logs_it_and_counts_its_tokens() -> None:
    _, ctx = await run(LLAMA_3, prompt="Name a river.", system_prompt="Be brief.")
    expected = (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief."
        "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nName a river."
        "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    assert f"Formatted prompt: {expected}\n" in ctx.logs
    assert ctx.metrics["input_token_count"] == 19


async def test_a_custom_template_is_rendered_and_answered() -> None:
    tokens, ctx = await run(
        LLAMA_3, prompt="rivers", prompt_template="Question: {prompt}\nAnswer:"
    )
    assert "Formatted prompt: Question: rivers\nAnswer:\n" in ctx.logs
    assert "".join(tokens).startswith('You asked: "Question: rivers Answer:".')
    assert ctx.metrics["input_token_count"] == 5


async def test_the_last_user_turn_of_a_chat_formatted_prompt_is_answered() -> None:
    prompt = (
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nFirst question"
        "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nAn answer"
        "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nSecond question"
        "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    tokens, _ = await run(LLAMA_3, prompt=prompt, prompt_template="{prompt}")
    assert "".join(tokens).startswith('You asked: "Second question".')


async def test_llama_2_chat_uses_the_inst_template() -> None:
    tokens, ctx = await run(LLAMA_2_CHAT, prompt="Name a river.")
    assert (
        "Formatted prompt: [INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>"
        "\n\nName a river. [/INST]\n"
    ) in ctx.logs
    assert "".join(tokens).startswith('You asked: "Name a river.".')


async def test_dolly_uses_the_instruction_template() -> None:
    tokens, ctx = await run(DOLLY, prompt="Name a river.")
    assert "### Instruction:\nName a river.\n\n### Response:\n" in ctx.logs
    assert "".join(tokens).startswith('You asked: "Name a river.".')


async def test_tokens_are_paced_by_the_server_settings() -> None:
    pace = ModelPace(time_to_first_token=0.5, token_interval=0.25)
    ctx = FakeContext(with_defaults(LLAMA_3, prompt="Hi", max_tokens=5), pace=pace)
    tokens, ctx = await run_in(LLAMA_3, ctx)
    assert len(tokens) == 5
    assert ctx.sleeps == [0.5, 0.25, 0.25, 0.25, 0.25]
    _, fast = await run(LLAMA_3, prompt="Hi", max_tokens=5)
    assert fast.sleeps == []


# --- chat (gpt-5-nano) and vision (llava) -------------------------------------------


async def test_gpt_5_nano_answers_the_last_user_message() -> None:
    messages = [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "What about lakes?"},
        {"role": "assistant", "content": "Lakes are still."},
        {"role": "user", "content": "And oceans?"},
    ]
    tokens, ctx = await run(GPT_5_NANO, messages=messages, prompt="ignored")
    assert "".join(tokens).startswith('You asked: "And oceans?".')
    assert ctx.metrics["input_token_count"] == 14


async def test_gpt_5_nano_reads_content_parts_and_measures_their_images() -> None:
    red = png((40, 30), (255, 0, 0))
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What colour is this?"},
                {"type": "image_url", "image_url": {"url": red}},
            ],
        }
    ]
    blue = png((16, 16), (0, 0, 255))
    tokens, _ = await run(GPT_5_NANO, messages=messages, image_input=[blue])
    text = "".join(tokens)
    assert text.startswith('You asked: "What colour is this?".')
    assert "Image 1 is 16x16 pixels in PNG format" in text
    assert "Image 2 is 40x30 pixels in PNG format" in text
    assert "blue (#0000ff)" in text
    assert "red (#ff0000)" in text


async def test_gpt_5_nano_uses_prompt_when_there_are_no_messages() -> None:
    tokens, _ = await run(GPT_5_NANO, prompt="Why is snow white?", system_prompt="Hi")
    assert "".join(tokens).startswith('You asked: "Why is snow white?".')


async def test_llava_states_what_it_measured_from_the_image() -> None:
    image = png((64, 48), (20, 180, 40), fmt="JPEG")
    tokens, ctx = await run(LLAVA, image=image, prompt="What is in this picture?")
    text = "".join(tokens)
    assert text.startswith('You asked: "What is in this picture?".')
    paragraph = text.split("\n\n")[1]
    assert re.fullmatch(
        r"The image is 64x48 pixels in JPEG format, and its dominant colour is "
        r"green \(#[0-9a-f]{6}\)\.",
        paragraph,
    )
    assert "Image: 64x48 JPEG" in ctx.logs


async def test_llava_reads_server_file_urls_and_fails_on_unknown_ones() -> None:
    url = "http://127.0.0.1:8787/v1/files/abc/download"
    data = base64.b64decode(png((10, 20), (255, 255, 255)).partition(",")[2])
    ctx = FakeContext(
        with_defaults(LLAVA, image=url, prompt="Describe it"), files={url: data}
    )
    tokens, _ = await run_in(LLAVA, ctx)
    assert "10x20 pixels in PNG format" in "".join(tokens)
    with pytest.raises(ValueError, match="Unknown file URL"):
        await run(LLAVA, image="https://example.com/x.png", prompt="Describe it")


# --- image models -------------------------------------------------------------------


@pytest.mark.parametrize("megapixels", ["1", "0.25"])
def test_flux_sizes_are_multiples_of_16_with_the_right_shape(megapixels: str) -> None:
    choices = FLUX_SCHNELL.extra_schemas["aspect_ratio"]["enum"]
    assert len(choices) == 11
    for ratio in choices:
        width, height = flux_size(ratio, megapixels)
        assert width % 16 == 0
        assert height % 16 == 0
        across, down = map(int, ratio.split(":"))
        assert abs(width / height - across / down) < 0.1
        pixels = 1024 * 1024 * float(megapixels)
        assert 0.8 * pixels <= width * height <= 1.2 * pixels
    assert flux_size("1:1", megapixels)[0] == 1024 * (1 if megapixels == "1" else 0.5)
    assert flux_size("16:9", "1") == (1344, 768)


@pytest.mark.parametrize(
    ("values", "size", "fmt", "extension"),
    [
        ({}, (1024, 1024), "WEBP", "webp"),
        ({"aspect_ratio": "16:9", "output_format": "jpg"}, (1344, 768), "JPEG", "jpg"),
        (
            {"aspect_ratio": "9:21", "megapixels": "0.25", "output_format": "png"},
            (320, 768),
            "PNG",
            "png",
        ),
    ],
)
async def test_flux_makes_files_of_the_requested_size_and_format(
    values: dict[str, str], size: tuple[int, int], fmt: str, extension: str
) -> None:
    files, ctx = await run(FLUX_SCHNELL, prompt="a red fox", num_outputs=2, **values)
    assert [file.filename for file in files] == [
        f"out-0.{extension}",
        f"out-1.{extension}",
    ]
    for file in files:
        assert file.content_type == f"image/{fmt.lower()}"
        with opened(file) as image:
            assert (image.size, image.format) == (size, fmt)
    assert "Using seed: " in ctx.logs


async def test_image_models_log_tqdm_progress_and_pace_each_step() -> None:
    pace = ModelPace(image_step_time=0.125)
    values = with_defaults(FLUX_SCHNELL, prompt="x", num_inference_steps=3)
    files, ctx = await run_in(FLUX_SCHNELL, FakeContext(values, pace=pace))
    assert len(files) == 1
    assert ctx.sleeps == [0.125] * 3
    lines = [line for line in ctx.logs.splitlines() if "|" in line]
    assert [line.split("|")[-1].split()[0] for line in lines] == [
        "0/3",
        "1/3",
        "2/3",
        "3/3",
    ]
    assert Prediction.Progress.parse(ctx.logs) == Prediction.Progress(1.0, 3, 3)


async def test_images_are_deterministic_for_prompt_and_seed() -> None:
    async def image_bytes(prompt: str, seed: int) -> bytes:
        (file,), _ = await run(
            STABLE_DIFFUSION,
            prompt=prompt,
            seed=seed,
            image_dimensions="512x512",
            num_inference_steps=1,
        )
        return b"".join(file.chunks())

    assert await image_bytes("a cat", 1) == await image_bytes("a cat", 1)
    assert await image_bytes("a cat", 1) != await image_bytes("a cat", 2)
    assert await image_bytes("a cat", 1) != await image_bytes("a dog", 1)


async def test_stable_diffusion_makes_pngs_of_the_chosen_dimensions() -> None:
    files, ctx = await run(
        STABLE_DIFFUSION, image_dimensions="512x512", num_outputs=2, seed=7
    )
    assert [file.filename for file in files] == ["out-0.png", "out-1.png"]
    for file in files:
        with opened(file) as image:
            assert (image.size, image.format) == ((512, 512), "PNG")
    assert "Using seed: 7\n" in ctx.logs
    assert ctx.logs.count("/50 [") == 51
    (default,), _ = await run(STABLE_DIFFUSION, num_inference_steps=1)
    with opened(default) as image:
        assert image.size == (768, 768)


async def test_sdxl_makes_pngs_of_width_and_height() -> None:
    (file,), ctx = await run(SDXL, width=640, height=384, num_inference_steps=2)
    with opened(file) as image:
        assert (image.size, image.format) == ((640, 384), "PNG")
    assert "txt2img mode" in ctx.logs


async def test_sdxl_img2img_keeps_the_input_images_size() -> None:
    (file,), ctx = await run(
        SDXL, image=png((200, 120), (0, 0, 0)), num_inference_steps=1
    )
    with opened(file) as image:
        assert image.size == (200, 120)
    assert "img2img mode" in ctx.logs


# --- test models --------------------------------------------------------------------


async def test_fails_logs_then_raises_the_prediction_error() -> None:
    ctx = FakeContext(with_defaults(FAILS))
    with pytest.raises(RuntimeError) as raised:
        await run_in(FAILS, ctx)
    assert str(raised.value) == "CUDA out of memory (reference failure)"
    assert ctx.logs.count("\n") == 3


async def test_echo_returns_its_text_as_one_string() -> None:
    outputs, _ = await run(ECHO, text="https://example.com/not-a-file")
    assert outputs == ["https://example.com/not-a-file"]


async def test_cold_start_is_a_small_text_model() -> None:
    tokens, _ = await run(COLD_START, prompt="Hello there", max_tokens=3)
    assert tokens == ["You", " asked", ":"]


@pytest.mark.parametrize(
    ("size_mb", "size"), [(0.01, 10_486), (1, 1_048_576), (2.5, 2_621_440)]
)
async def test_big_file_is_exactly_the_requested_size(
    size_mb: float, size: int
) -> None:
    (file,), _ = await run(BIG_FILE, size_mb=size_mb)
    assert (file.filename, file.content_type, file.size) == (
        "out.bmp",
        "image/bmp",
        size,
    )
    with opened(file) as image:
        assert image.format == "BMP"


async def test_big_file_streams_in_bounded_chunks_without_holding_the_file() -> None:
    (file,), _ = await run(BIG_FILE, size_mb=200)
    assert file.size == 200 * 1024 * 1024
    total = largest = 0
    for chunk in file.chunks():
        total += len(chunk)
        largest = max(largest, len(chunk))
    assert total == file.size
    assert largest <= 1024 * 1024
    assert next(file.chunks()).startswith(b"BM")  # and it can be read again
