"""The image tool against the local Replicate server: real HTTP, real images."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
import warnings
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from langchain.agents import create_agent
from langchain_classic.chains import LLMChain, SimpleSequentialChain, TransformChain
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import PromptTemplate
from langchain_core.tools import ToolException
from langchain_tests.integration_tests import ToolsIntegrationTests
from PIL import Image

from langchain_replicate import (
    Replicate,
    ReplicateImageGenerationTool,
    ReplicateImageResult,
)
from langchain_replicate.testing import ModelPace
from tests.modes import MODES, invoke

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from langchain_core.language_models import LanguageModelInput
    from langchain_core.runnables import Runnable
    from langchain_core.tools import BaseTool

    from langchain_replicate.testing import LocalReplicateServer

DOLLY = (
    "replicate/dolly-v2-12b:"
    "ef0e1aefc61f8e096ebe4db6b2bacc297daf2ef6899f0f7e001ec445893500e5"
)

STABLE_DIFFUSION = (
    "stability-ai/stable-diffusion:"
    "db21e45d3f7023abc2a46ee38a23973f6dce16bb082a930b0c49861f96d1e5bf"
)
SDXL = (
    "stability-ai/sdxl:7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc"
)
FAILS = (
    "replicate-testing/fails:"
    "652869557ad239a9d3dd05fdf434ed79da9a0ee23adae7cd240d963de617b33a"
)
BIG_FILE = (
    "replicate-testing/big-file:"
    + hashlib.sha256(b"replicate-testing/big-file").hexdigest()
)
MIB = 1024 * 1024


@pytest.fixture
def kw(replicate_server: LocalReplicateServer) -> dict[str, Any]:
    return {
        "api_key": replicate_server.api_token,
        "base_url": replicate_server.base_url,
    }


def tool_call(args: dict[str, Any], name: str = "replicate_image_generation") -> Any:
    return {"type": "tool_call", "id": "call-1", "name": name, "args": args}


async def read_all(result: ReplicateImageResult, mode: str) -> list[bytes]:
    if mode == "sync":
        return [file.read() for file in result.files]
    return [await file.aread() for file in result.files]


async def fetch(url: str) -> bytes:
    async with httpx.AsyncClient(timeout=10) as http:
        return (await http.get(url)).content


def measure(data: bytes) -> tuple[int, int, str]:
    with Image.open(io.BytesIO(data)) as image:
        return image.width, image.height, str(image.format)


class TestStandard(ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> type[ReplicateImageGenerationTool]:
        return ReplicateImageGenerationTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"prompt": "A logo of colorful socks", "aspect_ratio": "16:9"}

    @pytest.fixture
    def tool(self, kw: dict[str, Any]) -> BaseTool:
        return ReplicateImageGenerationTool(**kw)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "case",
    [
        (
            "black-forest-labs/flux-schnell",
            {"aspect_ratio": "16:9", "num_outputs": 2},
            {"aspect_ratio": "16:9", "num_outputs": 2},
            [(1344, 768, "WEBP")] * 2,
        ),
        (
            "black-forest-labs/flux-schnell",
            {"width": 768, "height": 1344},
            {"aspect_ratio": "9:16"},
            [(768, 1344, "WEBP")],
        ),
        (
            STABLE_DIFFUSION,
            {"width": 512, "height": 512, "negative_prompt": "blur"},
            {"image_dimensions": "512x512", "negative_prompt": "blur"},
            [(512, 512, "PNG")],
        ),
        (
            SDXL,
            {"aspect_ratio": "16:9", "seed": 42},
            {"width": 1344, "height": 768, "seed": 42},
            [(1344, 768, "PNG")],
        ),
    ],
)
async def test_each_reference_model_makes_the_images_asked_for(
    kw: dict[str, Any], mode: str, case: tuple[Any, ...]
) -> None:
    """(model, tool args, the input sent, (width, height, format) of each image)."""
    model, args, sent, made = case
    tool = ReplicateImageGenerationTool(model=model, **kw)
    message = await invoke(tool, mode, tool_call({"prompt": "socks", **args}))
    result = message.artifact
    assert result.model_input == {"prompt": "socks", **sent}
    assert message.content.splitlines() == result.urls
    assert all(url.startswith(f"{kw['base_url']}/delivery/") for url in result.urls)
    assert [measure(data) for data in await read_all(result, mode)] == made
    assert result.metrics["predict_time"] > 0


@pytest.mark.parametrize("mode", MODES)
async def test_save_dir_streams_a_big_file_without_holding_it_in_memory(
    kw: dict[str, Any], mode: str, tmp_path: Path
) -> None:
    size_mb = 32
    # big-file takes no prompt: its one input is fixed by model_kwargs.
    tool = ReplicateImageGenerationTool(
        model=BIG_FILE, model_kwargs={"size_mb": size_mb}, save_dir=tmp_path, **kw
    )
    tracemalloc.start()
    try:
        message = await invoke(tool, mode, tool_call({"prompt": "big"}))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (path,) = message.artifact.paths
    assert path.stat().st_size == size_mb * MIB
    assert path.name == f"{message.artifact.prediction_id}-out.bmp"
    assert measure(path.read_bytes())[2] == "BMP"
    assert message.content.endswith(f"Saved to:\n{path}")
    assert peak < size_mb * MIB / 4, f"peak {peak / MIB:.1f} MiB"


@pytest.mark.parametrize("mode", MODES)
async def test_sync_mode_inline_files_are_saved_and_described_not_quoted(
    kw: dict[str, Any], mode: str, tmp_path: Path
) -> None:
    tool = ReplicateImageGenerationTool(
        wait=30, save_dir=tmp_path, model_kwargs={"output_format": "png"}, **kw
    )
    message = await invoke(tool, mode, tool_call({"prompt": "socks", "num_outputs": 2}))
    result = message.artifact
    assert all(url.startswith("data:image/png;base64,") for url in result.urls)
    assert "base64" not in message.content
    assert message.content.startswith(
        "black-forest-labs/flux-schnell made 2 files (image/png, "
    )
    assert message.content.endswith("Saved to:\n" + "\n".join(map(str, result.paths)))
    saved = [path.read_bytes() for path in result.paths]
    assert saved == await read_all(result, mode)
    assert [measure(data) for data in saved] == [(1024, 1024, "PNG")] * 2


@pytest.mark.parametrize("mode", MODES)
async def test_a_failed_prediction_reaches_an_agent_as_the_models_error(
    kw: dict[str, Any], mode: str
) -> None:
    tool = ReplicateImageGenerationTool(model=FAILS, **kw)
    with pytest.raises(ToolException, match="CUDA out of memory"):
        await invoke(tool, mode, "socks")
    handled = ReplicateImageGenerationTool(model=FAILS, handle_tool_error=True, **kw)
    message = await invoke(handled, mode, tool_call({"prompt": "socks"}))
    assert message.status == "error"
    assert "CUDA out of memory (reference failure)" in message.content


@pytest.mark.parametrize("mode", MODES)
async def test_the_deadline_cancels_the_prediction_on_the_server(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    replicate_server.set_pace(ModelPace(image_step_time=0.5))
    tool = ReplicateImageGenerationTool(timeout=1, **kw)
    with pytest.raises(ToolException, match="did not finish within timeout=1"):
        await invoke(tool, mode, "socks")
    cancels = [p for m, p in replicate_server.request_log() if p.endswith("/cancel")]
    assert len(cancels) == 1
    pid = cancels[0].split("/")[3]
    assert kw_get(kw, f"/v1/predictions/{pid}")["status"] == "canceled"


def kw_get(kw: dict[str, Any], path: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {kw['api_key']}"}
    response = httpx.get(kw["base_url"] + path, headers=headers, timeout=10)
    data: dict[str, Any] = response.json()
    return data


async def test_progress_arrives_as_custom_events(
    replicate_server: LocalReplicateServer, kw: dict[str, Any]
) -> None:
    replicate_server.set_pace(ModelPace(image_step_time=0.02))
    tool = ReplicateImageGenerationTool(
        model=STABLE_DIFFUSION, model_kwargs={"num_inference_steps": 50}, **kw
    )
    events = [
        event
        async for event in tool.astream_events({"prompt": "socks"}, version="v2")
        if event["event"] == "on_custom_event"
    ]
    data: list[dict[str, Any]] = [dict(event["data"]) for event in events]
    steps = [item["step"] for item in data]
    assert {event["name"] for event in events} == {"replicate_progress"}
    assert len(steps) >= 2
    assert steps == sorted(set(steps))
    assert data[-1]["total"] == 50


# -- in chains and agents -------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_lcel_pipeline_ends_in_image_urls(kw: dict[str, Any], mode: str) -> None:
    chain = (
        PromptTemplate.from_template("Describe a logo for a company that makes {x}.")
        | Replicate(model=DOLLY, max_tokens=30, **kw)
        | StrOutputParser()
        | ReplicateImageGenerationTool(**kw)
    )
    if mode == "sync":
        url = chain.invoke({"x": "colorful socks"})
    else:
        url = await chain.ainvoke({"x": "colorful socks"})
    assert url.startswith(f"{kw['base_url']}/delivery/")
    assert measure(await fetch(url)) == (1024, 1024, "WEBP")


def test_seed_sequential_chain_with_the_tool_as_its_last_step(
    kw: dict[str, Any],
) -> None:
    dolly_llm = Replicate(model=DOLLY, max_tokens=30, **kw)
    text2image = ReplicateImageGenerationTool(model=STABLE_DIFFUSION, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LLMChain and Chain.run are deprecated
        chain = LLMChain(
            llm=dolly_llm,
            prompt=PromptTemplate(
                input_variables=["product"],
                template="What is a good name for a company that makes {product}?",
            ),
        )
        chain_two = LLMChain(
            llm=dolly_llm,
            prompt=PromptTemplate(
                input_variables=["company_name"],
                template="Write a description of a logo for this company: "
                "{company_name}",
            ),
        )
        chain_three = TransformChain(
            input_variables=["company_logo_description"],
            output_variables=["logo"],
            transform=lambda v: {"logo": text2image.run(v["company_logo_description"])},
        )
        overall_chain = SimpleSequentialChain(
            chains=[chain, chain_two, chain_three], verbose=True
        )
        logo = overall_chain.run("colorful socks")
    assert logo.startswith(f"{kw['base_url']}/delivery/")
    assert measure(httpx.get(logo, timeout=10).content) == (768, 768, "PNG")


class ScriptedChatModel(GenericFakeChatModel):
    """Replies from a script; binding tools changes nothing (the script calls them)."""

    def bind_tools(
        self, tools: Sequence[Any], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self


def scripted(*args: dict[str, Any]) -> ScriptedChatModel:
    calls = [
        AIMessage(
            content="",
            tool_calls=[
                {"name": "replicate_image_generation", "args": a, "id": f"call-{i}"}
            ],
        )
        for i, a in enumerate(args)
    ]
    return ScriptedChatModel(messages=iter([*calls, AIMessage(content="Done.")]))


@pytest.mark.parametrize("mode", MODES)
async def test_an_agent_calls_the_tool_and_recovers_from_a_bad_argument(
    kw: dict[str, Any], mode: str
) -> None:
    tool = ReplicateImageGenerationTool(handle_tool_error=True, **kw)
    model = scripted(
        {"prompt": "a sock logo", "negative_prompt": "text"},  # flux takes none
        {"prompt": "a sock logo", "aspect_ratio": "1:1"},
    )
    agent = create_agent(model, tools=[tool])
    state: Any = {"messages": [HumanMessage("Make a logo for a sock company.")]}
    if mode == "sync":
        result = agent.invoke(state)
    else:
        result = await agent.ainvoke(state)
    failed, made = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert failed.status == "error"
    assert "does not take negative_prompt" in failed.content
    assert made.status == "success"
    assert str(made.content).startswith(f"{kw['base_url']}/delivery/")
    assert isinstance(made.artifact, ReplicateImageResult)
    assert made.artifact.urls == [made.content]
    assert result["messages"][-1].content == "Done."
