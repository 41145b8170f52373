"""Any model as a typed tool: schemas, validation, outputs, refusals (no sockets).

Typed-argument tests read real cog schemas (`model_schemas.py`); the runs go
through the real `replicate.Client` and our core over `httpx.MockTransport`
(a scripted API: model cards, creates, the files API, search).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import StructuredTool, ToolException
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_tests.unit_tests import ToolsUnitTests
from pydantic import ValidationError

from langchain_replicate import (
    ReplicateInputError,
    ReplicateModelResult,
    ReplicateModelTool,
    ReplicateServerError,
    ReplicateToolkit,
)
from langchain_replicate._inputs.model_ref import parse_model_ref
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate._outputs.values import output_content, read_output
from langchain_replicate._tool_use.model_access import RunBudget, allowed
from langchain_replicate._tool_use.model_cards import output_schema
from langchain_replicate._tool_use.model_schema import ModelArgs
from tests.modes import invoke
from tests.unit_tests import model_schemas as real
from tests.unit_tests.fake_replicate import TOKEN

if TYPE_CHECKING:
    from pathlib import Path

BASE = "https://api.replicate.com"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(300 * 1024)


def args_of(openapi: dict[str, Any], model: str = "o/m", **options: Any) -> ModelArgs:
    schema = InputSchema.from_openapi(openapi)
    assert schema is not None
    return ModelArgs.build(schema, model=model, **options)


def parameters(tool: Any) -> dict[str, Any]:
    params: dict[str, Any] = convert_to_openai_tool(tool)["function"]["parameters"]
    return params


class TestStandard(ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[ReplicateModelTool]:
        return ReplicateModelTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {
            "model": "black-forest-labs/flux-schnell",
            "openapi_schema": real.FLUX_SCHNELL,
            "api_key": TOKEN,
            "base_url": "https://api.replicate.test",
        }

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"prompt": "A logo of colorful socks", "aspect_ratio": "16:9"}

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"REPLICATE_API_TOKEN": TOKEN, "REPLICATE_BASE_URL": "https://r.test"},
            {"model": "nightmareai/real-esrgan", "openapi_schema": real.REAL_ESRGAN},
            {"replicate_api_token": TOKEN, "base_url": "https://r.test"},
        )


# -- typed arguments from real cog schemas ------------------------------------------


def test_langchain_core_alone_cannot_convert_a_cog_schema() -> None:
    # The anchor: a cog schema as a dict args_schema breaks on its $ref enums.
    raw = real.FLUX_SCHNELL["components"]["schemas"]["Input"]
    tool = StructuredTool(
        name="flux", description="d", args_schema=raw, func=lambda **_: ""
    )
    with pytest.raises(KeyError, match="aspect_ratio"):
        convert_to_openai_tool(tool)


def test_flux_ref_enums_ranges_defaults_and_order() -> None:
    params = parameters(args_of(real.FLUX_SCHNELL).args_schema)
    props = params["properties"]
    tool = ReplicateModelTool(
        model="black-forest-labs/flux-schnell",
        openapi_schema=real.FLUX_SCHNELL,
        api_key=TOKEN,
    )
    assert parameters(tool) == params  # (what the LLM sees of the tool)
    assert list(props) == [
        "prompt",
        "aspect_ratio",
        "num_outputs",
        "seed",
        "output_format",
        "output_quality",
        "disable_safety_checker",
        "go_fast",
        "megapixels",
    ]
    assert props["aspect_ratio"]["enum"][:3] == ["1:1", "16:9", "21:9"]
    assert props["aspect_ratio"]["default"] == "1:1"
    assert (
        props["aspect_ratio"]["description"] == "Aspect ratio for the generated image"
    )
    assert props["output_format"]["enum"] == ["webp", "jpg", "png"]
    assert props["num_outputs"] == {
        "default": 1,
        "description": "Number of outputs to generate",
        "maximum": 4,
        "minimum": 1,
        "type": "integer",
    }
    # cog's seed: no default, not required, never null: just an integer.
    assert props["seed"] == {
        "type": "integer",
        "description": "Random seed. Set for reproducible generation",
    }
    assert params["required"] == ["prompt"]
    assert params["additionalProperties"] is False
    assert "$ref" not in json.dumps(params)
    assert "components" not in params


def test_refusals_name_each_argument_and_never_quote_values() -> None:
    args = args_of(real.FLUX_SCHNELL, model="black-forest-labs/flux-schnell")
    with pytest.raises(ReplicateInputError) as caught:
        args.validate(
            {"num_outputs": 9, "aspect_ratio": "2:7", "steps": 3, "seed": "x" * 50}
        )
    message = str(caught.value)
    assert message.startswith("Invalid arguments for black-forest-labs/flux-schnell:")
    assert "prompt: required" in message
    assert "num_outputs: Input should be less than or equal to 4" in message
    assert "aspect_ratio: must be one of '1:1'" in message
    assert "steps: not an input of this model" in message
    assert "seed: Input should be a valid integer" in message
    assert "xxxxx" not in message


def test_validate_keeps_only_given_arguments() -> None:
    args = args_of(real.FLUX_SCHNELL)
    assert args.validate({"prompt": "a", "num_outputs": "2"}) == {
        "prompt": "a",
        "num_outputs": 2,
    }


def test_whisper_inline_enum_nullable_and_file_input() -> None:
    args = args_of(real.WHISPER)
    props = parameters(args.args_schema)["properties"]
    assert props["transcription"]["enum"] == ["plain text", "srt", "vtt"]
    assert props["patience"]["anyOf"] == [{"type": "number"}, {"type": "null"}]
    assert props["audio"]["type"] == "string"
    assert props["audio"]["description"].endswith(
        "(A URL (https://...) or a data: URI.)"
    )
    assert args.files == {"audio": "one"}
    with pytest.raises(ReplicateInputError, match="transcription: must be one of"):
        args.validate({"audio": "https://x/a.mp3", "transcription": "json"})


def test_real_esrgan_number_range() -> None:
    args = args_of(real.REAL_ESRGAN)
    props = parameters(args.args_schema)["properties"]
    assert props["scale"] == {
        "default": 4,
        "description": "Factor to scale image by",
        "maximum": 10,
        "minimum": 0,
        "type": "number",
    }
    with pytest.raises(ReplicateInputError, match="scale: Input should be less"):
        args.validate({"image": "https://x/a.png", "scale": 11})


def test_minimax_ref_enum_and_integer_range() -> None:
    props = parameters(args_of(real.MINIMAX_SPEECH).args_schema)["properties"]
    assert props["emotion"]["enum"] == ["auto", "neutral", "happy", "sad"]
    assert props["pitch"]["minimum"] == -12


def test_wan_nullable_seed_is_shown_as_nullable() -> None:
    params = parameters(args_of(real.WAN_I2V).args_schema)
    assert params["properties"]["seed"]["anyOf"] == [
        {"type": "integer"},
        {"type": "null"},
    ]
    assert params["required"] == ["image", "prompt"]


def test_secret_inputs_are_never_arguments() -> None:
    with pytest.raises(ReplicateInputError, match=r"openai_api_key.*secret_inputs"):
        args_of(real.GPT_IMAGE)
    args = args_of(real.GPT_IMAGE, secrets=["openai_api_key"])
    assert args.exposed == ("prompt", "quality")
    with pytest.raises(ReplicateInputError, match="secret input"):
        args_of(real.GPT_IMAGE, fixed=["openai_api_key"])
    with pytest.raises(ReplicateInputError, match="openai_api_key: not an input"):
        args.validate({"prompt": "x", "openai_api_key": "sk-..."})


def test_fixed_include_and_exclude_choose_the_arguments() -> None:
    args = args_of(
        real.FLUX_SCHNELL, fixed=["output_format"], include=["prompt", "seed"]
    )
    assert args.exposed == ("prompt", "seed")
    args = args_of(real.FLUX_SCHNELL, exclude={"go_fast", "megapixels"})
    assert "go_fast" not in args.exposed
    with pytest.raises(ReplicateInputError, match="include names 'steps'"):
        args_of(real.FLUX_SCHNELL, include=["steps"])
    with pytest.raises(ReplicateInputError, match="requires 'image'"):
        args_of(real.REAL_ESRGAN, exclude={"image"})
    with pytest.raises(
        ReplicateInputError, match="Invalid model_kwargs for o/m: scale: Input"
    ):
        args_of(real.REAL_ESRGAN, fixed=["scale"]).check_fixed({"scale": 99})


def test_file_arguments(tmp_path: Path) -> None:
    args = args_of(real.REAL_ESRGAN)
    (tmp_path / "in.png").write_bytes(PNG)
    small = "data:image/png;base64," + base64.b64encode(b"png").decode()
    assert args.file_inputs({"image": "https://x/a.png"}, None)[0][2].url == (  # type: ignore[union-attr]
        "https://x/a.png"
    )
    assert args.file_inputs({"image": small}, None)[0][2].url == small  # type: ignore[union-attr]
    big = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert args.file_inputs({"image": big}, None)[0][2].data == PNG  # type: ignore[union-attr]
    local = args.file_inputs({"image": "in.png"}, tmp_path)[0][2]
    assert local.path == tmp_path / "in.png"  # type: ignore[union-attr]
    refused = {
        "in.png": "local files are not enabled",
        "file:///etc/passwd": "file: URLs are not supported",
    }
    for value, problem in refused.items():
        with pytest.raises(ReplicateInputError, match=f"image.*{problem}"):
            args.file_inputs({"image": value}, None)
    with pytest.raises(ReplicateInputError, match="outside the allowed directory"):
        args.file_inputs({"image": "../in.png"}, tmp_path / "sub")
    with pytest.raises(ReplicateInputError, match=r"no file 'missing\.png'"):
        args.file_inputs({"image": "missing.png"}, tmp_path)


# -- outputs by value ------------------------------------------------------------------


def view(openapi: dict[str, Any], output: Any) -> Any:
    return read_output(output, output_schema(InputSchema.from_openapi(openapi)))


def test_outputs_read_by_their_schema() -> None:
    text = view(real.GEMINI, ["Hel", "lo"])
    assert (text.kind, text.text) == ("text", "Hello")
    files = view(real.FLUX_SCHNELL, ["https://d/out-0.webp", "https://d/out-1.webp"])
    assert (files.kind, files.urls) == (
        "files",
        ("https://d/out-0.webp", "https://d/out-1.webp"),
    )
    one = view(real.REAL_ESRGAN, "https://d/out.png")
    assert (one.kind, one.urls) == ("files", ("https://d/out.png",))
    whisper = {
        "segments": [{"id": 0, "text": "hi"}],
        "srt_file": "https://d/a.srt",
        "txt_file": "https://d/a.txt",
        "translation": None,
        "transcription": "hi there",
        "detected_language": "english",
    }
    obj = view(real.WHISPER, whisper)
    assert (obj.kind, obj.urls) == ("object", ("https://d/a.srt", "https://d/a.txt"))
    content = output_content(obj, model="openai/whisper")
    assert json.loads(content)["transcription"] == "hi there"  # type: ignore[arg-type]
    story = view(
        real.STORYDIFFUSION,
        {"comic": "https://d/c.png", "individual_images": ["https://d/1.png"]},
    )
    assert story.urls == ("https://d/c.png", "https://d/1.png")


def test_outputs_without_a_schema() -> None:
    assert read_output(["https://d/a.png"], None).kind == "files"
    assert read_output(["a", "b"], None).text == "ab"
    assert read_output({"score": 1}, None).kind == "json"
    assert read_output(3.5, None).kind == "json"


def test_file_content_lists_urls_or_gives_standard_blocks() -> None:
    files = view(real.MINIMAX_SPEECH, "https://d/out.mp3")
    text = output_content(files, model="minimax/speech-02-turbo")
    assert (
        text == "minimax/speech-02-turbo made 1 file:\nhttps://d/out.mp3 (audio/mpeg)"
    )
    blocks = output_content(files, model="m", blocks=True)
    assert isinstance(blocks, list)
    block = blocks[1]
    assert isinstance(block, dict)
    # (A file block: langchain-core's ToolMessage keeps no audio blocks.)
    assert block | {"id": None} == {
        "type": "file",
        "url": "https://d/out.mp3",
        "mime_type": "audio/mpeg",
        "id": None,
    }
    image = output_content(
        view(real.REAL_ESRGAN, "https://d/o.png"), model="m", blocks=True
    )
    assert image[1]["type"] == "image"  # type: ignore[index]


def test_inline_files_are_described_never_quoted() -> None:
    data = "data:image/png;base64," + base64.b64encode(PNG[:3000]).decode()
    files = output_content(view(real.REAL_ESRGAN, data), model="m")
    obj = output_content(
        view(real.STORYDIFFUSION, {"comic": data, "individual_images": []}), model="m"
    )
    for content in (files, obj):
        assert isinstance(content, str)
        assert "base64" not in content
        assert "image/png" in content


def test_long_json_is_cut_in_the_content() -> None:
    content = output_content(read_output({"x": "y" * 20_000}, None), model="m")
    assert isinstance(content, str)
    assert len(content) < 8200
    assert "whole output is in the tool's artifact" in content


# -- access ----------------------------------------------------------------------------


def test_allowed_models_patterns() -> None:
    ref = parse_model_ref("openai/whisper")
    assert allowed(ref, None)
    assert allowed(ref, ["openai/whisper"])
    assert allowed(ref, ["openai/*"])
    assert not allowed(ref, ["openai/whisper:abc"])
    assert not allowed(ref, [])
    assert allowed(parse_model_ref("openai/whisper:abc"), ["openai/whisper"])


def test_run_budget() -> None:
    budget = RunBudget(2)
    budget.take("a")
    budget.take("b")
    with pytest.raises(ReplicateInputError, match=r"Run limit reached.*2"):
        budget.take("c")
    assert budget.used == 2


# -- runs over a scripted API ----------------------------------------------------------


@dataclass
class FakeAPI:
    """Model cards, creates that succeed at once, the files API, search."""

    models: dict[str, dict[str, Any]]
    outputs: dict[str, Any]
    search: bool = True
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:  # noqa: PLR0911
        self.requests.append(request)
        path, method = request.url.path, request.method
        if method == "GET" and path == "/v1/search":
            if not self.search:
                return httpx.Response(404, json={"detail": "Not found."})
            return httpx.Response(
                200,
                json={
                    "query": "q",
                    "models": [
                        {"model": self.card(ref), "metadata": {"tags": ["upscale"]}}
                        for ref in self.models
                    ],
                    "collections": [],
                    "pages": [],
                },
            )
        if method == "QUERY" and path == "/v1/models":
            return httpx.Response(
                200,
                json={
                    "next": None,
                    "results": [
                        self.card(ref)
                        for ref in self.models
                        if request.content.decode() in ref
                    ],
                },
            )
        if method == "POST" and path == "/v1/files":
            return httpx.Response(
                201, json={"id": "f1", "urls": {"get": f"{BASE}/v1/files/f1"}}
            )
        parts = path.split("/")
        if method == "GET" and path.startswith("/v1/models/"):
            ref = "/".join(parts[3:5])
            if ref not in self.models:
                return httpx.Response(404, json={"detail": "Not found."})
            return httpx.Response(200, json=self.card(ref))
        if method == "POST" and path.endswith("/predictions"):
            ref = "/".join(parts[3:5])
            return httpx.Response(
                201,
                json={
                    "id": f"p{len(self.creates())}",
                    "model": ref,
                    "version": "v",
                    "status": "succeeded",
                    "input": json.loads(request.content)["input"],
                    "output": self.outputs[ref],
                    "logs": "",
                    "error": None,
                    "metrics": {"predict_time": 0.1},
                    "urls": {},
                },
            )
        return httpx.Response(404, json={"detail": "Not found."})

    def card(self, ref: str) -> dict[str, Any]:
        owner, name = ref.split("/")
        return {
            "owner": owner,
            "name": name,
            "description": f"The {name} model.",
            "run_count": 7,
            "latest_version": {"id": "v", "openapi_schema": self.models[ref]},
        }

    def creates(self) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.url.path.endswith("/predictions")
        ]

    def settings(self) -> dict[str, Any]:
        return {
            "api_key": TOKEN,
            "base_url": f"https://api-{id(self)}.test",  # (a schema cache of its own)
            "client_kwargs": {"transport": httpx.MockTransport(self.handle)},
        }


def fake(**outputs: Any) -> FakeAPI:
    schemas = {
        "nightmareai/real-esrgan": real.REAL_ESRGAN,
        "openai/whisper": real.WHISPER,
        "acme/gpt-image": real.GPT_IMAGE,
        "black-forest-labs/flux-schnell": real.FLUX_SCHNELL,
    }
    return FakeAPI(schemas, outputs)


def tool_call(tool: Any, args: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_call", "id": "1", "name": tool.name, "args": args}


async def test_from_model_runs_and_uploads_a_large_file(mode: str) -> None:
    api = fake(**{"nightmareai/real-esrgan": "https://d/out.png"})
    if mode == "sync":
        tool = ReplicateModelTool.from_model(
            "nightmareai/real-esrgan", **api.settings()
        )
    else:
        tool = await ReplicateModelTool.afrom_model(
            "nightmareai/real-esrgan", **api.settings()
        )
    assert tool.name == "real-esrgan"
    assert tool.description.startswith("The real-esrgan model. [Replicate model")
    big = "data:image/png;base64," + base64.b64encode(PNG).decode()
    msg = await invoke(tool, mode, tool_call(tool, {"image": big, "scale": 2}))
    assert isinstance(msg, ToolMessage)
    assert (
        msg.content
        == "nightmareai/real-esrgan made 1 file:\nhttps://d/out.png (image/png)"
    )
    assert isinstance(msg.artifact, ReplicateModelResult)
    assert msg.artifact.urls == ["https://d/out.png"]
    (create,) = api.creates()
    # Only what changes something: face_enhance's default is left to the model.
    assert json.loads(create.content)["input"] == {
        "image": f"{BASE}/v1/files/f1",
        "scale": 2,
    }
    assert [r.url.path for r in api.requests].index("/v1/files") < len(api.requests) - 1


async def test_invalid_arguments_create_nothing(mode: str) -> None:
    api = fake()
    tool = ReplicateModelTool.from_model("nightmareai/real-esrgan", **api.settings())
    with pytest.raises(ValidationError, match="scale"):
        await invoke(tool, mode, {"image": "https://x/a.png", "scale": 50})
    with pytest.raises(ToolException, match="local files are not enabled"):
        await invoke(tool, mode, {"image": "/etc/passwd"})
    tool.handle_validation_error = True
    tool = ReplicateModelTool.from_model(
        "nightmareai/real-esrgan", handle_validation_error=True, **api.settings()
    )
    msg = await invoke(tool, mode, tool_call(tool, {"image": "https://x", "scale": 50}))
    assert msg.status == "error"
    assert msg.content.startswith(
        "Invalid arguments for nightmareai/real-esrgan: scale:"
    )
    assert api.creates() == []


async def test_local_file_uploaded_from_input_dir(mode: str, tmp_path: Path) -> None:
    api = fake(**{"nightmareai/real-esrgan": "https://d/out.png"})
    (tmp_path / "photo.png").write_bytes(PNG[:100])
    tool = ReplicateModelTool.from_model(
        "nightmareai/real-esrgan", input_dir=tmp_path, save_dir=None, **api.settings()
    )
    assert "path of a local file" in tool.args["image"]["description"]
    await invoke(tool, mode, {"image": "photo.png"})
    (upload,) = [r for r in api.requests if r.url.path == "/v1/files"]
    assert b'filename="photo.png"' in upload.content
    assert PNG[:100] in upload.content


async def test_secret_input_is_sent_but_never_shown(mode: str) -> None:
    api = fake(**{"acme/gpt-image": ["https://d/a.png"]})
    tool = ReplicateModelTool.from_model(
        "acme/gpt-image",
        secret_inputs={"openai_api_key": "sk-secret"},
        **api.settings(),
    )
    assert "openai_api_key" not in json.dumps(parameters(tool))
    msg = await invoke(tool, mode, tool_call(tool, {"prompt": "a cat"}))
    (create,) = api.creates()
    assert json.loads(create.content)["input"]["openai_api_key"] == "sk-secret"
    assert "sk-secret" not in repr(tool)
    assert "sk-secret" not in repr(msg.artifact.model_input)
    assert "sk-secret" not in str(tool.model_dump())


async def test_whisper_object_output(mode: str) -> None:
    output: dict[str, Any] = {
        "transcription": "hello world",
        "detected_language": "english",
        "txt_file": "https://d/t.txt",
        "srt_file": None,
        "segments": [],
        "translation": None,
    }
    api = fake(**{"openai/whisper": output})
    tool = ReplicateModelTool.from_model("openai/whisper", **api.settings())
    msg = await invoke(tool, mode, tool_call(tool, {"audio": "https://x/a.mp3"}))
    assert json.loads(msg.content)["transcription"] == "hello world"
    assert msg.artifact.kind == "object"
    assert msg.artifact.urls == ["https://d/t.txt"]


async def test_toolkit_refusals_create_nothing(mode: str) -> None:
    api = fake(**{"nightmareai/real-esrgan": "https://d/o.png"})
    toolkit = ReplicateToolkit(
        models=["nightmareai/real-esrgan"],
        discovery=True,
        allowed_models=["nightmareai/*"],
        max_runs=1,
        **api.settings(),
    )
    tools = {
        t.name: t
        for t in (toolkit.get_tools() if mode == "sync" else await toolkit.aget_tools())
    }
    assert list(tools) == ["real-esrgan", "search_models", "get_model", "run_model"]
    run = tools["run_model"]
    outside = await invoke(
        run,
        mode,
        tool_call(run, {"model": "openai/whisper", "input": {"audio": "https://x"}}),
    )
    assert outside.status == "error"
    assert (
        "openai/whisper is not one of the models this agent may run" in outside.content
    )
    bad = await invoke(
        run,
        mode,
        tool_call(
            run,
            {
                "model": "nightmareai/real-esrgan",
                "input": {"image": "https://x", "scale": "big"},
            },
        ),
    )
    assert bad.content.startswith(
        "Invalid arguments for nightmareai/real-esrgan: scale:"
    )
    assert api.creates() == []
    ok = await invoke(
        run,
        mode,
        tool_call(
            run, {"model": "nightmareai/real-esrgan", "input": {"image": "https://x"}}
        ),
    )
    assert ok.artifact.urls == ["https://d/o.png"]
    typed = tools["real-esrgan"]
    spent = await invoke(typed, mode, tool_call(typed, {"image": "https://x"}))
    assert spent.status == "error"
    assert "Run limit reached" in spent.content
    assert len(api.creates()) == 1
    assert toolkit.runs_started == 1


async def test_search_falls_back_to_query_models(mode: str) -> None:
    for beta in (True, False):
        api = fake()
        api.search = beta
        toolkit = ReplicateToolkit(discovery=True, **api.settings())
        search = {t.name: t for t in toolkit.get_tools()}["search_models"]
        found = await invoke(search, mode, {"query": "esrgan"})
        assert "- nightmareai/real-esrgan: The real-esrgan model." in found
        methods = [r.method for r in api.requests]
        assert methods == (["GET"] if beta else ["GET", "QUERY"])
        if not beta:
            assert api.requests[1].headers["content-type"] == "text/plain"
            assert "openai/whisper" not in found


async def test_get_model_describes_inputs_in_brief(mode: str) -> None:
    api = fake()
    toolkit = ReplicateToolkit(discovery=True, allowed_models=[], **api.settings())
    get = {t.name: t for t in toolkit.get_tools()}["get_model"]
    text = await invoke(get, mode, {"model": "nightmareai/real-esrgan"})
    assert text.splitlines() == [
        "nightmareai/real-esrgan: The real-esrgan model.",
        "Runs: 7",
        "Inputs:",
        "- image (required; file): Input image",
        "- scale (optional; number; 0..10; default 4): Factor to scale image by",
        (
            "- face_enhance (optional; boolean; default False): Run GFPGAN face "
            "enhancement along with upscaling"
        ),
        "Output: a file (its URL).",
        "This model is not in the models you may run.",
    ]
    missing = await invoke(get, mode, tool_call(get, {"model": "no/such"}))
    assert missing.status == "error"


def test_inputs_pydantic_cannot_name_keep_their_names() -> None:
    awkward = real.openapi(
        {
            "json": {"type": "boolean", "default": False, "x-order": 0},
            "model_config": {"type": "string", "x-order": 1},
            "schema": {"type": "integer", "minimum": 1, "x-order": 2},
        },
        {"type": "string"},
        required=["schema"],
    )
    args = args_of(awkward)
    params = parameters(args.args_schema)
    assert list(params["properties"]) == ["json", "model_config", "schema"]
    assert params["required"] == ["schema"]
    assert args.validate({"json": True, "schema": 2}) == {"json": True, "schema": 2}
    with pytest.raises(ReplicateInputError, match="schema: Input should be greater"):
        args.validate({"schema": 0})
    keys = {name: key for key, name in args.keys.items()}
    assert args.present({keys["json"]: True, keys["model_config"]: None}) == {
        "json": True
    }


async def test_awkward_input_names_reach_the_model_by_their_names(mode: str) -> None:
    awkward = real.openapi(
        {"json": {"type": "boolean", "x-order": 0}, "prompt": {"type": "string"}},
        {"type": "string"},
        required=["prompt"],
    )
    api = FakeAPI({"acme/awkward": awkward}, {"acme/awkward": "ok"})
    tool = ReplicateModelTool.from_model("acme/awkward", **api.settings())
    shown = parameters(tool)
    assert list(shown["properties"]) == ["json", "prompt"]
    assert shown["additionalProperties"] is False
    assert await invoke(tool, mode, {"prompt": "x", "json": True}) == "ok"
    (create,) = api.creates()
    assert json.loads(create.content)["input"] == {"prompt": "x", "json": True}


async def test_beta_search_results_show_tags_and_run_counts(mode: str) -> None:
    api = fake()
    toolkit = ReplicateToolkit(discovery=True, **api.settings())
    search = {t.name: t for t in toolkit.get_tools()}["search_models"]
    found = await invoke(search, mode, {"query": "upscale", "limit": 3})
    assert (
        "- nightmareai/real-esrgan: The real-esrgan model. [upscale] (7 runs)" in found
    )
    (request,) = api.requests
    assert request.url.params["query"] == "upscale"
    assert request.url.params["limit"] == "3"


async def test_content_blocks_carry_the_files_for_a_chat_model(mode: str) -> None:
    api = fake(
        **{"black-forest-labs/flux-schnell": ["https://d/0.webp", "https://d/1.png"]}
    )
    tool = ReplicateModelTool.from_model(
        "black-forest-labs/flux-schnell", content_blocks=True, **api.settings()
    )
    msg = await invoke(tool, mode, tool_call(tool, {"prompt": "x", "num_outputs": 2}))
    text, first, second = msg.content
    assert text["type"] == "text"
    assert "https://d/0.webp" in text["text"]
    assert (first["type"], first["url"], first["mime_type"]) == (
        "image",
        "https://d/0.webp",
        "image/webp",
    )
    assert second["mime_type"] == "image/png"


def test_bad_options_are_our_errors_and_never_quote_the_token() -> None:
    api = fake()
    with pytest.raises(ReplicateInputError, match="requires 'image'") as caught:
        ReplicateModelTool.from_model(
            "nightmareai/real-esrgan", exclude_inputs=["image"], **api.settings()
        )
    assert TOKEN not in str(caught.value)
    with pytest.raises(ValueError, match="Malformed Replicate reference") as bad_ref:
        ReplicateToolkit(models=["not a model"], **api.settings())
    assert TOKEN not in str(bad_ref.value)


async def test_a_failed_upload_creates_nothing(mode: str) -> None:
    api = fake(**{"nightmareai/real-esrgan": "https://d/o.png"})
    answer = api.handle

    def files_down(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/files":
            api.requests.append(request)
            return httpx.Response(503, json={"detail": "files API down"})
        return answer(request)

    api.handle = files_down  # type: ignore[method-assign]
    tool = ReplicateModelTool.from_model("nightmareai/real-esrgan", **api.settings())
    big = "data:image/png;base64," + base64.b64encode(PNG).decode()
    with pytest.raises(ReplicateServerError, match="files API down"):
        await invoke(tool, mode, {"image": big})
    assert api.creates() == []


async def test_toolkit_takes_prebuilt_tools_and_shares_the_run_limit(
    mode: str,
) -> None:
    api = fake(**{"acme/gpt-image": ["https://d/a.png"]})
    settings = api.settings()
    image = ReplicateModelTool.from_model(
        "acme/gpt-image", secret_inputs={"openai_api_key": "sk-1"}, **settings
    )
    toolkit = ReplicateToolkit(models=[image], discovery=True, max_runs=1, **settings)
    tools = {t.name: t for t in toolkit.get_tools()}
    assert tools["gpt-image"] is image
    run = tools["run_model"]
    first = await invoke(
        run, mode, tool_call(run, {"model": "acme/gpt-image", "input": {"prompt": "a"}})
    )
    assert first.artifact.urls == ["https://d/a.png"]
    with pytest.raises(ToolException, match="Run limit reached"):
        await invoke(image, mode, tool_call(image, {"prompt": "b"}))
    assert len(api.creates()) == 1
    # One card read: building the tool; run_model reused it.
    cards = [r for r in api.requests if r.url.path.startswith("/v1/models/acme")]
    assert len([r for r in cards if r.method == "GET"]) == 1


async def test_get_model_on_a_model_that_needs_a_secret_is_a_tool_error(
    mode: str,
) -> None:
    api = fake()
    toolkit = ReplicateToolkit(discovery=True, **api.settings())
    get = {t.name: t for t in toolkit.get_tools()}["get_model"]
    msg = await invoke(get, mode, tool_call(get, {"model": "acme/gpt-image"}))
    assert msg.status == "error"
    assert "requires 'openai_api_key': set it in secret_inputs" in msg.content


def test_a_broken_ref_leaves_the_input_untyped_and_accept_is_described() -> None:
    schema = real.openapi(
        {
            "mode": {
                "allOf": [{"$ref": "#/components/schemas/missing"}],
                "default": "a",
                "description": "The mode",
            },
            "image": {**real.URI, "x-cog-accept": "image/*"},
        },
        {"type": "string"},
        required=["image"],
    )
    props = parameters(args_of(schema).args_schema)["properties"]
    assert props["mode"] == {"default": "a", "description": "The mode"}
    assert props["image"]["description"] == (
        "A URL (https://...) or a data: URI. Accepts image/*."
    )


def test_a_model_without_an_input_schema_is_refused() -> None:
    with pytest.raises(ReplicateInputError, match="publishes no input schema"):
        ReplicateModelTool(model="acme/blank", openapi_schema={}, api_key=TOKEN)
    no_inputs = real.openapi({}, {"type": "string"}, required=[])
    tool = ReplicateModelTool(
        model="acme/blank", openapi_schema=no_inputs, api_key=TOKEN
    )
    assert tool.args == {}
