"""Any model as a tool, against the local Replicate server: real HTTP, real files.

Models here are the server's reference models with real schemas: flux-schnell
(cog `$ref` enums, a list of files out), SDXL (a community model, an image
in), LLaVA (an image in, text out), Llama 3 (text out, also as a deployment).
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import TYPE_CHECKING, Any

import pytest
from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import ToolException
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_tests.integration_tests import ToolsIntegrationTests
from PIL import Image
from pydantic import ValidationError

from langchain_replicate import (
    ChatReplicate,
    ReplicateModelResult,
    ReplicateModelTool,
    ReplicateToolkit,
)
from langchain_replicate.testing import ModelPace
from tests.modes import MODES, invoke
from tests.polling import until

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from langchain_core.language_models import LanguageModelInput
    from langchain_core.runnables import Runnable
    from langchain_core.tools import BaseTool

    from langchain_replicate.testing import LocalReplicateServer

FLUX = "black-forest-labs/flux-schnell"
SDXL = "stability-ai/sdxl"
LLAVA = "yorickvp/llava-13b"
LLAMA = "meta/meta-llama-3-8b-instruct"
GRANITE = "ibm-granite/granite-4.0-h-small"


@pytest.fixture
def kw(replicate_server: LocalReplicateServer) -> dict[str, Any]:
    return {
        "api_key": replicate_server.api_token,
        "base_url": replicate_server.base_url,
    }


def call(name: str, args: dict[str, Any], i: int = 1) -> dict[str, Any]:
    return {"type": "tool_call", "id": f"call-{i}", "name": name, "args": args}


def measure(data: bytes) -> tuple[int, int, str]:
    with Image.open(io.BytesIO(data)) as image:
        return image.width, image.height, str(image.format)


async def build(model: str, mode: str, **kwargs: Any) -> ReplicateModelTool:
    if mode == "sync":
        return ReplicateModelTool.from_model(model, **kwargs)
    return await ReplicateModelTool.afrom_model(model, **kwargs)


class TestStandard(ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> type[ReplicateModelTool]:
        return ReplicateModelTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"prompt": "A logo of colorful socks", "aspect_ratio": "16:9"}

    @pytest.fixture
    def tool(self, kw: dict[str, Any]) -> BaseTool:
        return ReplicateModelTool.from_model(FLUX, **kw)


@pytest.mark.parametrize("mode", MODES)
async def test_flux_as_a_typed_tool_makes_the_images_asked_for(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    tool = await build(FLUX, mode, **kw)
    assert tool.name == "flux-schnell"
    params = convert_to_openai_tool(tool)["function"]["parameters"]
    assert params["properties"]["aspect_ratio"]["enum"][:2] == ["1:1", "16:9"]
    before = len(replicate_server.predictions())
    msg = await invoke(
        tool,
        mode,
        call(tool.name, {"prompt": "socks", "aspect_ratio": "16:9", "num_outputs": 2}),
    )
    assert isinstance(msg.artifact, ReplicateModelResult)
    assert msg.artifact.kind == "files"
    urls = msg.artifact.urls
    assert len(urls) == 2
    assert msg.content.splitlines() == [
        f"{FLUX} made 2 files:",
        *(f"{url} (image/webp)" for url in urls),
    ]
    for file in msg.artifact.files:
        data = file.read() if mode == "sync" else await file.aread()
        assert measure(data) == (1344, 768, "WEBP")
    (record,) = replicate_server.predictions()[before:]
    assert record.model == FLUX
    assert record.input["aspect_ratio"] == "16:9"
    assert "seed" not in record.input  # (no default: left out, not sent as null)


@pytest.mark.parametrize("mode", MODES)
async def test_invalid_arguments_never_reach_the_server(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    tool = await build(FLUX, mode, **kw)
    before = len(replicate_server.predictions())
    with pytest.raises(ValidationError, match="aspect_ratio"):
        await invoke(tool, mode, {"prompt": "x", "aspect_ratio": "7:3"})
    handled = await build(FLUX, mode, handle_validation_error=True, **kw)
    msg = await invoke(
        handled, mode, call(handled.name, {"prompt": "x", "num_outputs": 9})
    )
    assert msg.status == "error"
    assert msg.content == (
        f"Invalid arguments for {FLUX}: num_outputs: Input should be less than or "
        "equal to 4."
    )
    assert len(replicate_server.predictions()) == before
    creates = [p for m, p in replicate_server.request_log() if m == "POST"]
    assert creates == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_community_model_is_pinned_and_takes_an_image_url(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    flux = await build(FLUX, mode, **kw)
    made = await invoke(flux, mode, call(flux.name, {"prompt": "a cat", "seed": 1}))
    sdxl = await build(SDXL, mode, **kw)
    # A community model runs by version: the tool pins the card's latest.
    assert sdxl.model.startswith(f"{SDXL}:")
    edited = await invoke(
        sdxl,
        mode,
        call(
            sdxl.name, {"prompt": "a cat, watercolor", "image": made.artifact.urls[0]}
        ),
    )
    assert edited.artifact.kind == "files"
    records = replicate_server.predictions()[-2:]
    assert [r.model for r in records] == [FLUX, SDXL]
    assert records[1].input["image"] == made.artifact.urls[0]


@pytest.mark.parametrize("mode", MODES)
async def test_a_local_file_is_uploaded_and_a_text_output_is_text(
    replicate_server: LocalReplicateServer,
    kw: dict[str, Any],
    mode: str,
    tmp_path: Path,
) -> None:
    image = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(image, format="PNG")
    (tmp_path / "red.png").write_bytes(image.getvalue())
    tool = await build(LLAVA, mode, input_dir=tmp_path, **kw)
    with pytest.raises(ToolException, match="outside the allowed directory"):
        await invoke(tool, mode, {"image": "../etc/passwd", "prompt": "x"})
    msg = await invoke(
        tool, mode, call(tool.name, {"image": "red.png", "prompt": "What is this?"})
    )
    assert msg.artifact.kind == "text"
    assert isinstance(msg.content, str)
    assert msg.content
    (record,) = replicate_server.predictions()[-1:]
    assert record.input["image"].startswith(f"{kw['base_url']}/v1/files/")
    assert ("POST", "/v1/files") in replicate_server.request_log()


@pytest.mark.parametrize("mode", MODES)
async def test_text_models_and_deployments(kw: dict[str, Any], mode: str) -> None:
    llm = await build(LLAMA, mode, **kw)
    assert llm.description.endswith(f"[Replicate model {LLAMA}. Returns text.]")
    text = await invoke(llm, mode, {"prompt": "Say hi", "max_tokens": 20})
    assert isinstance(text, str)
    assert text
    deployed = await build("deployments/replicate-testing/llama-3", mode, **kw)
    assert deployed.name == "meta-llama-3-8b-instruct"
    assert isinstance(await invoke(deployed, mode, {"prompt": "Say hi"}), str)


@pytest.mark.parametrize("mode", MODES)
async def test_the_deadline_cancels_the_prediction_on_the_server(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    replicate_server.set_pace(ModelPace(image_step_time=0.5))
    tool = await build(FLUX, mode, timeout=1, **kw)
    with pytest.raises(ToolException, match="did not finish within timeout=1"):
        await invoke(tool, mode, {"prompt": "socks"})
    (record,) = replicate_server.predictions()[-1:]
    assert record.status == "canceled"


async def test_progress_arrives_as_custom_events(
    replicate_server: LocalReplicateServer, kw: dict[str, Any]
) -> None:
    replicate_server.set_pace(ModelPace(image_step_time=0.02))
    tool = await ReplicateModelTool.afrom_model(
        SDXL, model_kwargs={"num_inference_steps": 40}, **kw
    )
    assert "num_inference_steps" not in tool.args
    events = [
        event
        async for event in tool.astream_events({"prompt": "socks"}, version="v2")
        if event["event"] == "on_custom_event"
    ]
    steps = [dict(event["data"])["step"] for event in events]
    assert {event["name"] for event in events} == {"replicate_progress"}
    assert len(steps) >= 2
    assert steps == sorted(set(steps))


@pytest.mark.parametrize("mode", MODES)
async def test_save_dir_keeps_the_files(
    kw: dict[str, Any], mode: str, tmp_path: Path
) -> None:
    tool = await build(FLUX, mode, save_dir=tmp_path, **kw)
    msg = await invoke(tool, mode, call(tool.name, {"prompt": "socks"}))
    (path,) = msg.artifact.paths
    assert path.parent == tmp_path
    assert measure(path.read_bytes())[2] == "WEBP"
    assert f"Saved to:\n{path}" in msg.content


# -- the toolkit -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_toolkit_runs_only_allowed_models_within_max_runs(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    toolkit = ReplicateToolkit(
        models=[FLUX],
        discovery=True,
        allowed_models=["stability-ai/*"],
        max_runs=2,
        **kw,
    )
    tools = {
        t.name: t
        for t in (toolkit.get_tools() if mode == "sync" else await toolkit.aget_tools())
    }
    assert list(tools) == ["flux-schnell", "search_models", "get_model", "run_model"]
    brief = await invoke(tools["get_model"], mode, {"model": SDXL})
    assert "- prompt (optional; string" in brief
    assert "Output: a list of files (their URLs)." in brief
    run = tools["run_model"]
    before = len(replicate_server.predictions())
    refused = await invoke(
        run, mode, call("run_model", {"model": LLAMA, "input": {"prompt": "x"}})
    )
    assert refused.status == "error"
    assert "is not one of the models this agent may run" in refused.content
    bad = await invoke(
        run,
        mode,
        call("run_model", {"model": SDXL, "input": {"prompt": "x", "width": "wide"}}),
    )
    assert bad.content.startswith(f"Invalid arguments for {SDXL}")
    ok = await invoke(
        run, mode, call("run_model", {"model": SDXL, "input": {"prompt": "x"}})
    )
    assert ok.artifact.kind == "files"
    flux = tools["flux-schnell"]
    assert (
        await invoke(flux, mode, call(flux.name, {"prompt": "x"}))
    ).status == "success"
    spent = await invoke(flux, mode, call(flux.name, {"prompt": "y"}))
    assert "Run limit reached" in spent.content
    records = replicate_server.predictions()[before:]
    assert [r.model for r in records] == [SDXL, FLUX]


class ScriptedChatModel(GenericFakeChatModel):
    """Replies from a script; binding tools changes nothing (the script calls them)."""

    def bind_tools(
        self, tools: Sequence[Any], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self


@pytest.mark.parametrize("mode", MODES)
async def test_an_agent_makes_an_image_then_passes_its_url_to_the_next_model(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    toolkit = ReplicateToolkit(models=[FLUX, LLAVA], max_runs=2, **kw)
    tools = toolkit.get_tools()
    url_seen: list[str] = []

    def second_call() -> AIMessage:
        return AIMessage(
            content="",
            tool_calls=[
                {
                    "name": "llava-13b",
                    "args": {"image": url_seen[0], "prompt": "Describe it."},
                    "id": "call-2",
                }
            ],
        )

    class Agent(ScriptedChatModel):
        def _generate(self, messages: Any, *args: Any, **kwargs: Any) -> Any:
            tool_messages = [m for m in messages if isinstance(m, ToolMessage)]
            if tool_messages and not url_seen:
                # What an LLM reads: the content's URL line (`<url> (image/webp)`).
                text = str(tool_messages[-1].content)
                url_seen.append(text.splitlines()[1].split()[0])
            return super()._generate(messages, *args, **kwargs)

    first = AIMessage(
        content="",
        tool_calls=[
            {"name": "flux-schnell", "args": {"prompt": "a red sock"}, "id": "call-1"}
        ],
    )

    def replies() -> Any:
        yield first
        yield second_call()  # (made once the first tool result was read)
        yield AIMessage(content="Done.")

    agent = create_agent(Agent(messages=replies()), tools=tools)
    state: Any = {
        "messages": [HumanMessage("Make an image of a sock and describe it.")]
    }
    result = agent.invoke(state) if mode == "sync" else await agent.ainvoke(state)
    made, described = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert made.artifact.kind == "files"
    assert described.artifact.kind == "text"
    records = replicate_server.predictions()[-2:]
    assert [r.model for r in records] == [FLUX, LLAVA]
    assert records[1].input["image"] == made.artifact.urls[0]
    assert json.dumps(records[1].input).count("http") == 1


async def test_a_cancelled_agent_step_cancels_the_prediction(
    replicate_server: LocalReplicateServer, kw: dict[str, Any]
) -> None:
    replicate_server.set_pace(ModelPace(image_step_time=0.5))
    tool = await ReplicateModelTool.afrom_model(FLUX, **kw)
    before = len(replicate_server.predictions())
    task = asyncio.ensure_future(tool.ainvoke({"prompt": "socks"}))
    await until(lambda: len(replicate_server.predictions()) > before)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await until(lambda: replicate_server.predictions()[-1].completed_at is not None)
    (record,) = replicate_server.predictions()[before:]
    assert record.status == "canceled"


# -- faults ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_lost_create_answer_makes_one_prediction(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    tool = await build(FLUX, mode, **kw)
    before = len(replicate_server.predictions())
    replicate_server.inject_faults(lose_creates=1, lost_status=0)
    msg = await invoke(tool, mode, call(tool.name, {"prompt": "socks"}))
    assert msg.artifact.kind == "files"
    (record,) = replicate_server.predictions()[before:]  # adopted, not created twice
    assert record.id == msg.artifact.prediction_id


@pytest.mark.parametrize("mode", MODES)
async def test_output_files_on_another_origin_get_no_token(
    replicate_server: LocalReplicateServer,
    kw: dict[str, Any],
    mode: str,
    tmp_path: Path,
) -> None:
    replicate_server.inject_faults(foreign_origin=True)
    tool = await build(FLUX, mode, save_dir=tmp_path, **kw)
    msg = await invoke(tool, mode, call(tool.name, {"prompt": "a cat"}))
    (file,) = msg.artifact.files
    data = file.read() if mode == "sync" else await file.aread()
    assert data == msg.artifact.paths[0].read_bytes()
    foreign = replicate_server.foreign_requests()
    # one download by the tool (save_dir), one FileOutput read
    assert [r.path.split("/")[1] for r in foreign] == ["delivery", "delivery"]
    assert not any(r.authorization for r in foreign)


@pytest.mark.parametrize("mode", MODES)
async def test_a_granite_agent_runs_a_model_tool(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    toolkit = ReplicateToolkit(models=[FLUX, LLAVA], discovery=True, max_runs=2, **kw)
    tools = toolkit.get_tools() if mode == "sync" else await toolkit.aget_tools()
    agent = create_agent(ChatReplicate(model=GRANITE, **kw), tools)
    before = len(replicate_server.predictions())
    question = "Use flux-schnell to make an image of 'a red sock'."
    state = await invoke(agent, mode, {"messages": [HumanMessage(question)]})
    kinds = [type(m).__name__ for m in state["messages"]]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    made = state["messages"][2]
    assert made.artifact.kind == "files"
    assert made.artifact.urls[0] in state["messages"][-1].text
    records = replicate_server.predictions()[before:]
    assert [r.model for r in records] == [GRANITE, FLUX, GRANITE]
    assert records[1].input["prompt"] == "a red sock"
    sent_tools = records[0].input["tools"]
    flux = next(t for t in sent_tools if t["function"]["name"] == "flux-schnell")
    assert flux["function"]["parameters"]["properties"]["aspect_ratio"]["enum"][0] == (
        "1:1"
    )
    assert "default" not in flux["function"]["parameters"]["properties"]["seed"]
