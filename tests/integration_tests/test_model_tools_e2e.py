"""Any model as a tool, end to end: agents on Granite, media models, discovery.

Both halves together against the local server: `ChatReplicate` on the Granite
reference model (deterministic tool rules, `testing._models.tool_rules`)
driving `ReplicateToolkit` tools, the media reference models (real-esrgan,
whisper, kokoro, video-01), the discovery tools and a secret input. Every
check is on what the server saw (`server.predictions()`, its request log) or
on the real files (Pillow sizes, WAV bytes), never on timing.
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import TYPE_CHECKING, Any

import pytest
from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import ToolException
from langchain_core.utils.function_calling import convert_to_openai_tool
from PIL import Image
from pydantic import SecretStr

from langchain_replicate import ChatReplicate, ReplicateModelTool, ReplicateToolkit
from langchain_replicate.errors import ReplicateInputError
from langchain_replicate.testing import ModelPace
from tests.modes import MODES, invoke
from tests.polling import until

if TYPE_CHECKING:
    from pathlib import Path
    from uuid import UUID

    from langchain_core.messages import BaseMessage
    from langchain_core.tools import BaseTool
    from replicate.helpers import FileOutput

    from langchain_replicate.testing import LocalReplicateServer

FLUX = "black-forest-labs/flux-schnell"
ESRGAN = "nightmareai/real-esrgan"
WHISPER = "openai/whisper"
KOKORO = "jaaari/kokoro-82m"
VIDEO = "minimax/video-01"
GPT_IMAGE = "openai/gpt-image-1.5"
GRANITE = "ibm-granite/granite-4.0-h-small"

ASK = (
    "Make an image of 'a red sock' with flux-schnell, then upscale it with real-esrgan."
)
"""Names both tools in order: the Granite reference model calls flux-schnell,
then real-esrgan on the URL flux-schnell returned (`tool_rules`' next step)."""


@pytest.fixture
def kw(replicate_server: LocalReplicateServer) -> dict[str, Any]:
    return {
        "api_key": replicate_server.api_token,
        "base_url": replicate_server.base_url,
    }


def call(name: str, args: dict[str, Any], i: int = 1) -> dict[str, Any]:
    return {"type": "tool_call", "id": f"call-{i}", "name": name, "args": args}


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


async def tools_of(toolkit: ReplicateToolkit, mode: str) -> list[BaseTool]:
    return toolkit.get_tools() if mode == "sync" else await toolkit.aget_tools()


async def read(file: FileOutput, mode: str) -> bytes:
    return file.read() if mode == "sync" else await file.aread()


async def image_toolkit(kw: dict[str, Any], mode: str) -> list[BaseTool]:
    # The developer fixes flux's size (small images keep the test fast).
    fixed = {"model_kwargs": {"megapixels": "0.25"}, **kw}
    flux = (
        ReplicateModelTool.from_model(FLUX, **fixed)
        if mode == "sync"
        else await ReplicateModelTool.afrom_model(FLUX, **fixed)
    )
    return await tools_of(
        ReplicateToolkit(models=[flux, ESRGAN], max_runs=2, **kw), mode
    )


async def check_made_then_upscaled(
    replicate_server: LocalReplicateServer,
    before: int,
    messages: list[BaseMessage],
    mode: str,
) -> None:
    kinds = [type(m).__name__ for m in messages]
    assert kinds == [
        "HumanMessage",
        *("AIMessage", "ToolMessage") * 2,
        "AIMessage",
    ]
    made, upscaled = (m for m in messages if isinstance(m, ToolMessage))
    records = replicate_server.predictions()[before:]
    assert [r.model for r in records] == [GRANITE, FLUX, GRANITE, ESRGAN, GRANITE]
    assert all(r.status == "succeeded" for r in records)
    flux, esrgan = records[1], records[3]
    assert flux.input["prompt"] == "a red sock"
    assert flux.input["megapixels"] == "0.25"  # the developer's fixed input
    (flux_url,) = made.artifact.urls
    # The URL went from flux's output, through the LLM, into the upscaler.
    assert esrgan.input["image"] == flux_url
    assert esrgan.input["scale"] == 4  # (not given: the model's default)
    small = size_of(await read(made.artifact.files[0], mode))
    big = size_of(await read(upscaled.artifact.files[0], mode))
    assert small == (512, 512)
    assert big == (4 * small[0], 4 * small[1])
    assert upscaled.artifact.urls[0] in messages[-1].text


# -- 1. the headline: a Granite agent makes an image, then upscales it ------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_granite_agent_makes_an_image_then_upscales_it(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    tools = await image_toolkit(kw, mode)
    by_name = {tool.name: tool for tool in tools}
    llm = ChatReplicate(model=GRANITE, **kw).bind_tools(tools)
    before = len(replicate_server.predictions())
    messages: list[BaseMessage] = [HumanMessage(ASK)]
    for _ in range(4):  # the agent loop, by hand
        reply = await invoke(llm, mode, messages)
        messages.append(reply)
        if not isinstance(reply, AIMessage) or not reply.tool_calls:
            break
        messages.extend(
            [
                await invoke(by_name[tool_call["name"]], mode, dict(tool_call))
                for tool_call in reply.tool_calls
            ]
        )
    await check_made_then_upscaled(replicate_server, before, messages, mode)


# -- 2. the same toolkit through create_agent -----------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_create_agent_chains_flux_into_real_esrgan(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    agent = create_agent(
        ChatReplicate(model=GRANITE, **kw), await image_toolkit(kw, mode)
    )
    before = len(replicate_server.predictions())
    state = await invoke(agent, mode, {"messages": [HumanMessage(ASK)]})
    await check_made_then_upscaled(replicate_server, before, state["messages"], mode)
    # What the LLM was offered: typed tools, the upscaler's image as a URL.
    sent = {
        t["function"]["name"]: t["function"]["parameters"]
        for t in replicate_server.predictions()[before].input["tools"]
    }
    assert set(sent) == {"flux-schnell", "real-esrgan"}
    assert "megapixels" not in sent["flux-schnell"]["properties"]  # fixed by the dev
    assert sent["real-esrgan"]["required"] == ["image"]
    assert sent["real-esrgan"]["properties"]["scale"]["maximum"] == 10


@pytest.mark.parametrize(
    "chat_model", ["meta/meta-llama-3-8b-instruct", "openai/gpt-5-nano"]
)
async def test_an_agent_on_prompted_tool_calling_chains_the_models_too(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], chat_model: str
) -> None:
    """Models with no `tools` input (a chat template; `messages`) chain the same."""
    agent = create_agent(
        ChatReplicate(model=chat_model, **kw), await image_toolkit(kw, "async")
    )
    before = len(replicate_server.predictions())
    state = await agent.ainvoke({"messages": [HumanMessage(ASK)]})
    made, upscaled = (m for m in state["messages"] if isinstance(m, ToolMessage))
    records = replicate_server.predictions()[before:]
    assert [r.model for r in records] == [
        chat_model,
        FLUX,
        chat_model,
        ESRGAN,
        chat_model,
    ]
    assert records[3].input["image"] == made.artifact.urls[0]
    assert upscaled.artifact.kind == "files"


# -- 3, 4. speech: kokoro speaks, whisper hears a local file --------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_kokoro_gives_one_audio_file_as_a_file_block_and_saves_it(
    replicate_server: LocalReplicateServer,
    kw: dict[str, Any],
    mode: str,
    tmp_path: Path,
) -> None:
    tool = ReplicateModelTool.from_model(
        KOKORO, content_blocks=True, save_dir=tmp_path, **kw
    )
    msg = await invoke(tool, mode, call(tool.name, {"text": "Hello there."}))
    (url,) = msg.artifact.urls
    text_block, audio_block = msg.content
    assert text_block["type"] == "text"
    assert url in text_block["text"]
    # A standard file block with the audio's MIME type (langchain-core's
    # ToolMessage keeps file blocks; an audio block would turn it all to JSON).
    assert audio_block["type"] == "file"
    assert audio_block["url"] == url
    assert audio_block["mime_type"] == "audio/x-wav"
    (path,) = msg.artifact.paths
    assert path.parent == tmp_path
    saved = path.read_bytes()
    assert saved[:4] == b"RIFF"
    assert saved[8:12] == b"WAVE"
    assert saved == await read(msg.artifact.files[0], mode)
    (record,) = replicate_server.predictions()[-1:]
    assert record.model == KOKORO
    assert record.input["text"] == "Hello there."


@pytest.mark.parametrize("mode", MODES)
async def test_whisper_transcribes_a_local_file_kokoro_made(
    replicate_server: LocalReplicateServer,
    kw: dict[str, Any],
    mode: str,
    tmp_path: Path,
) -> None:
    spoken = "The quick brown fox jumps over the lazy dog."
    kokoro = ReplicateModelTool.from_model(KOKORO, save_dir=tmp_path, **kw)
    said = await invoke(kokoro, mode, call(kokoro.name, {"text": spoken}))
    (wav,) = said.artifact.paths
    whisper = ReplicateModelTool.from_model(WHISPER, input_dir=tmp_path, **kw)
    replicate_server.clear_request_log()
    msg = await invoke(whisper, mode, call(whisper.name, {"audio": wav.name}))
    # The local file was uploaded; the model got the upload's URL.
    assert ("POST", "/v1/files") in replicate_server.request_log()
    (record,) = replicate_server.predictions()[-1:]
    assert record.model == WHISPER
    assert record.input["audio"].startswith(f"{kw['base_url']}/v1/files/")
    # The content is the transcription object's JSON, the files as URLs.
    assert msg.artifact.kind == "object"
    shown = json.loads(msg.content)
    assert shown["transcription"].strip() == spoken
    assert shown["detected_language"] == "english"
    assert shown["txt_file"] in msg.artifact.urls
    assert shown["srt_file"] in msg.artifact.urls
    txt = next(f for f in msg.artifact.files if f.url == shown["txt_file"])
    assert (await read(txt, mode)).decode().strip() == spoken


async def test_whisper_refuses_a_path_outside_input_dir_before_any_upload(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "inside").mkdir()
    (tmp_path / "secret.wav").write_bytes(b"RIFF")
    whisper = ReplicateModelTool.from_model(
        WHISPER, input_dir=tmp_path / "inside", **kw
    )
    before = len(replicate_server.predictions())
    replicate_server.clear_request_log()
    with pytest.raises(ToolException, match="outside the allowed directory"):
        await whisper.ainvoke({"audio": "../secret.wav"})
    assert replicate_server.request_log() == []
    assert len(replicate_server.predictions()) == before


# -- 5. a long job: progress, timeout, cancellation -------------------------------


class Progress(BaseCallbackHandler):
    """Collects the `replicate_progress` events (sync callbacks)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if name == "replicate_progress":
            self.events.append(dict(data))


@pytest.mark.parametrize("mode", MODES)
async def test_video_progress_rises_to_the_end(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    replicate_server.set_pace(ModelPace(video_step_time=0.03))  # ~0.7 s of frames
    tool = ReplicateModelTool.from_model(VIDEO, **kw)
    progress = Progress()
    msg = await invoke(
        tool,
        mode,
        call(tool.name, {"prompt": "a sock"}),
        config={"callbacks": [progress]},
    )
    steps = [event["step"] for event in progress.events]
    assert len(steps) >= 2
    assert steps == sorted(set(steps))  # rising, never repeated
    assert steps[-1] == 24  # the video's frames, all done
    assert {event["total"] for event in progress.events} == {24}
    (record,) = replicate_server.predictions()[-1:]
    assert record.model == VIDEO
    assert record.status == "succeeded"
    assert msg.artifact.urls[0].endswith("/output.mp4")
    assert msg.content.endswith("(video/mp4)")


@pytest.mark.parametrize("mode", MODES)
async def test_video_past_timeout_is_canceled_on_the_server(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    replicate_server.set_pace(ModelPace(video_step_time=0.5))  # 12 s if left
    tool = ReplicateModelTool.from_model(VIDEO, timeout=0.5, **kw)
    before = len(replicate_server.predictions())
    with pytest.raises(ToolException, match="timeout"):
        await invoke(tool, mode, {"prompt": "a sock"})
    (record,) = replicate_server.predictions()[before:]
    assert record.model == VIDEO
    assert record.status == "canceled"


async def test_a_cancelled_video_run_is_canceled_on_the_server(
    replicate_server: LocalReplicateServer, kw: dict[str, Any]
) -> None:
    replicate_server.set_pace(ModelPace(video_step_time=0.5))
    tool = await ReplicateModelTool.afrom_model(VIDEO, **kw)
    before = len(replicate_server.predictions())
    task = asyncio.ensure_future(tool.ainvoke({"prompt": "a sock"}))
    await until(lambda: len(replicate_server.predictions()) > before)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await until(lambda: replicate_server.predictions()[-1].completed_at is not None)
    (record,) = replicate_server.predictions()[before:]
    assert record.status == "canceled"


# -- 6. discovery ---------------------------------------------------------------------


def discovery(toolkit: ReplicateToolkit) -> dict[str, BaseTool]:
    return {t.name: t for t in toolkit.get_tools()}


@pytest.mark.parametrize("mode", MODES)
async def test_search_models_uses_the_beta_search_then_falls_back(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    search = discovery(ReplicateToolkit(discovery=True, **kw))["search_models"]
    replicate_server.clear_request_log()
    found = await invoke(search, mode, {"query": "upscale images", "limit": 3})
    assert found.splitlines()[0].startswith(f"- {ESRGAN}: ")
    assert len(found.splitlines()) <= 3
    assert [m for m, p in replicate_server.request_log()] == ["GET"]
    assert replicate_server.request_log()[0][1].startswith("/v1/search?")
    # Without the beta endpoint (a 404), the same question by QUERY /v1/models.
    replicate_server.inject_faults(no_beta_search=True)
    replicate_server.clear_request_log()
    fallback = await invoke(search, mode, {"query": "upscale images", "limit": 3})
    assert [m for m, _ in replicate_server.request_log()] == ["GET", "QUERY"]
    assert replicate_server.request_log()[1][1] == "/v1/models"
    assert fallback.splitlines()[0].startswith(f"- {ESRGAN}: ")
    assert len(fallback.splitlines()) <= 3


@pytest.mark.parametrize("mode", MODES)
async def test_get_model_describes_real_esrgan(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    get_model = discovery(ReplicateToolkit(discovery=True, **kw))["get_model"]
    before = len(replicate_server.predictions())
    brief = await invoke(get_model, mode, {"model": ESRGAN})
    lines = brief.splitlines()
    assert lines[0].startswith(f"{ESRGAN}: Real-ESRGAN")
    assert any(line.startswith("- image (required") for line in lines)
    assert any(line.startswith("- scale (optional") for line in lines)
    assert "Output: a file (its URL)." in lines
    missing = await invoke(get_model, mode, call("get_model", {"model": "no/such"}))
    assert missing.status == "error"
    assert "no/such" in missing.content
    assert len(replicate_server.predictions()) == before


@pytest.mark.parametrize("mode", MODES)
async def test_run_model_refusals_create_nothing(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    toolkit = ReplicateToolkit(
        discovery=True, allowed_models=[ESRGAN, "black-forest-labs/*"], max_runs=1, **kw
    )
    run = discovery(toolkit)["run_model"]
    before = len(replicate_server.predictions())
    replicate_server.clear_request_log()
    outside = await invoke(
        run, mode, call("run_model", {"model": KOKORO, "input": {"text": "hi"}})
    )
    assert outside.status == "error"
    assert KOKORO in outside.content
    assert "is not one of the models this agent may run" in outside.content
    ok = await invoke(
        run, mode, call("run_model", {"model": FLUX, "input": {"prompt": "a sock"}})
    )
    assert ok.status == "success"
    spent = await invoke(
        run, mode, call("run_model", {"model": FLUX, "input": {"prompt": "again"}})
    )
    assert spent.status == "error"
    assert "Run limit reached" in spent.content
    records = replicate_server.predictions()[before:]
    assert [r.model for r in records] == [FLUX]
    creates = [p for m, p in replicate_server.request_log() if m == "POST"]
    assert creates == [f"/v1/models/{FLUX}/predictions"]
    assert toolkit.runs_started == 1


# -- 7. a secret input ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_secret_input_reaches_the_model_and_nothing_else(
    replicate_server: LocalReplicateServer, kw: dict[str, Any], mode: str
) -> None:
    key = "sk-e2e-never-shown-4242"
    tool = ReplicateModelTool.from_model(
        GPT_IMAGE, secret_inputs={"openai_api_key": SecretStr(key)}, **kw
    )
    offered = json.dumps(convert_to_openai_tool(tool))
    assert "openai_api_key" not in offered
    assert "openai_api_key" not in tool.args
    assert key not in repr(tool)
    tools = await tools_of(ReplicateToolkit(models=[tool], **kw), mode)
    msg = await invoke(tools[0], mode, call(tool.name, {"prompt": "a fox"}))
    assert msg.status == "success"
    (record,) = replicate_server.predictions()[-1:]
    assert record.secret_input == {"openai_api_key": key}  # it reached the model
    assert record.input["openai_api_key"] == "**********"  # the API shows it redacted
    artifact = msg.artifact
    seen = [
        str(msg.content),
        repr(artifact),
        json.dumps(artifact.model_input),
        json.dumps(artifact.info, default=str),
        repr(record),
    ]
    assert not [text for text in seen if key in text]
    assert "openai_api_key" not in artifact.model_input
    # A failed run's error does not carry it either.
    replicate_server.inject_faults(
        fail_creates=1, status=422, body={"detail": "Injected failure"}
    )
    with pytest.raises(ToolException, match="HTTP 422") as failed:
        await invoke(tools[0], mode, call(tool.name, {"prompt": "a fox"}, 2))
    assert key not in str(failed.value)
    assert key not in repr(failed.value.__cause__)


async def test_a_secret_in_model_kwargs_is_refused_without_quoting_it(
    replicate_server: LocalReplicateServer, kw: dict[str, Any]
) -> None:
    key = "sk-e2e-fixed-in-kwargs-77"
    before = len(replicate_server.predictions())
    with pytest.raises(ReplicateInputError, match="pass it in secret_inputs") as error:
        await ReplicateModelTool.afrom_model(
            GPT_IMAGE, model_kwargs={"openai_api_key": key}, **kw
        )
    assert "'openai_api_key' is a secret input" in str(error.value)
    assert key not in str(error.value)
    assert len(replicate_server.predictions()) == before


async def test_file_blocks_for_a_chat_model_that_takes_none_fail_before_its_turn(
    replicate_server: LocalReplicateServer, kw: dict[str, Any]
) -> None:
    """`content_blocks=True` is for chat models that take files: Granite does not.

    The agent's next turn is refused with a clear error before its prediction
    (the kokoro run before it is already done).
    """
    toolkit = ReplicateToolkit(
        models=[KOKORO], tool_kwargs={"content_blocks": True}, **kw
    )
    agent = create_agent(ChatReplicate(model=GRANITE, **kw), await toolkit.aget_tools())
    before = len(replicate_server.predictions())
    with pytest.raises(ReplicateInputError, match="unsupported 'file' content block"):
        await agent.ainvoke({"messages": [HumanMessage("Say 'hi' with kokoro-82m.")]})
    records = replicate_server.predictions()[before:]
    assert [r.model for r in records] == [GRANITE, KOKORO]
