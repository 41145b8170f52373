"""The image tool over a real `replicate.Client` wired to `httpx.MockTransport`."""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import ToolMessage
from langchain_core.tools import ToolException
from langchain_tests.unit_tests import ToolsUnitTests
from replicate.helpers import FileOutput

from langchain_replicate import (
    ReplicateAuthenticationError,
    ReplicateConnectionError,
    ReplicateImageGenerationTool,
    ReplicateImageInput,
    ReplicateImageResult,
    ReplicateNotFoundError,
)
from langchain_replicate.testing.catalogue.images import FLUX_SCHNELL
from tests.modes import invoke
from tests.unit_tests.fake_replicate import TOKEN, FakeReplicate

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path
    from uuid import UUID


pytestmark = pytest.mark.usefixtures("fast_polls")  # polls counted, not timed

DELIVERY = "https://replicate.delivery/xezq/abc123"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


class _BrokenBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body cut off after its first bytes."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"\x89PNG partial"
        msg = "connection lost"
        raise httpx.ReadError(msg)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"\x89PNG partial"
        msg = "connection lost"
        raise httpx.ReadError(msg)


@dataclass
class FakeImages(FakeReplicate):
    """The scripted API as an image model: tqdm logs that grow per poll, files."""

    steps: int = 4
    files: dict[str, bytes] = field(
        default_factory=lambda: {"/xezq/abc123/out-0.png": PNG}
    )
    broken: set[str] = field(default_factory=set)
    """File paths whose download breaks after the first bytes."""

    def __post_init__(self) -> None:
        self.tokens = []
        self.schema = FLUX_SCHNELL.openapi_schema
        self.output = [f"{DELIVERY}/out-0.png"]

    def _prediction(
        self, status: str, output: Any, pid: str = "pred1"
    ) -> dict[str, Any]:
        body = super()._prediction(status, output, pid)
        done = self.steps if status != "starting" and output else self._polls
        body["logs"] = "".join(
            f"{100 * i // self.steps:3d}%|{'#' * i:{self.steps}}| {i}/{self.steps} "
            "[00:00<00:00]\n"
            for i in range(min(done, self.steps) + 1)
        )
        return body

    def _route(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "replicate.delivery":
            if request.url.path in self.broken:
                return httpx.Response(200, stream=_BrokenBody())
            data = self.files.get(request.url.path)
            if data is None:
                return httpx.Response(404)
            return httpx.Response(200, content=data)
        return super()._route(request)

    def deliveries(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == "replicate.delivery"]


@pytest.fixture
def fake() -> FakeImages:
    return FakeImages()


def make_tool(
    fake: FakeReplicate, *, use_async: bool = False, **kwargs: Any
) -> ReplicateImageGenerationTool:
    params: dict[str, Any] = {
        "api_key": TOKEN,
        "base_url": fake.base_url,
        "client_kwargs": {"transport": fake.transport(use_async=use_async)},
    }
    params.update(kwargs)
    return ReplicateImageGenerationTool(**params)


def tool_call(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "tool_call",
        "id": "call-1",
        "name": "replicate_image_generation",
        "args": args,
    }


class TestStandard(ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[ReplicateImageGenerationTool]:
        return ReplicateImageGenerationTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"api_key": TOKEN, "base_url": "https://api.replicate.test"}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"prompt": "A logo of colorful socks", "aspect_ratio": "16:9"}

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"REPLICATE_API_TOKEN": TOKEN, "REPLICATE_BASE_URL": "https://r.test"},
            {"model": "stability-ai/sdxl:" + "7" * 64},
            {"replicate_api_token": TOKEN, "base_url": "https://r.test"},
        )


# -- a run ----------------------------------------------------------------------------


async def test_content_is_the_url_and_the_artifact_holds_file_outputs(
    fake: FakeImages, mode: str
) -> None:
    tool = make_tool(fake, use_async=mode == "async")
    args = {"prompt": "socks", "aspect_ratio": "16:9", "num_outputs": 1, "seed": 7}
    message = await invoke(tool, mode, tool_call(args))
    assert isinstance(message, ToolMessage)
    assert message.content == f"{DELIVERY}/out-0.png"
    result = message.artifact
    assert isinstance(result, ReplicateImageResult)
    assert result.prediction_id == "pred1"
    assert result.metrics == fake.metrics
    assert result.model_input == {
        "prompt": "socks",
        "aspect_ratio": "16:9",
        "num_outputs": 1,
        "seed": 7,
    }
    assert fake.bodies() == [{"input": result.model_input}]
    # Polled, not sync mode: URLs and logs (no Prefer header).
    assert "prefer" not in fake.creates()[0].headers
    assert fake.deliveries() == []  # nothing downloaded unless asked
    (file,) = result.files
    assert isinstance(file, FileOutput)
    if mode == "sync":
        assert file.read() == PNG
        assert b"".join(file) == PNG
    else:
        assert await file.aread() == PNG
        assert b"".join([chunk async for chunk in file]) == PNG


async def test_plain_invoke_and_string_input_give_the_url_text(
    fake: FakeImages, mode: str
) -> None:
    tool = make_tool(fake, use_async=mode == "async")
    assert await invoke(tool, mode, "a logo of socks") == f"{DELIVERY}/out-0.png"
    assert await invoke(tool, mode, {"prompt": "x"}) == f"{DELIVERY}/out-0.png"
    assert [b["input"]["prompt"] for b in fake.bodies()] == ["a logo of socks", "x"]


def test_run_takes_a_plain_string_as_the_prompt(fake: FakeImages) -> None:
    # What SimpleSequentialChain and old-style agents pass.
    assert make_tool(fake).run("a logo") == f"{DELIVERY}/out-0.png"
    assert fake.bodies() == [{"input": {"prompt": "a logo"}}]


def test_secrets_stay_out_of_repr_and_the_schema_describes_every_argument() -> None:
    tool = ReplicateImageGenerationTool(api_key=TOKEN)
    assert TOKEN not in repr(tool)
    assert TOKEN not in str(tool.model_dump())
    props = ReplicateImageInput.model_json_schema()["properties"]
    assert tool.args_schema is ReplicateImageInput
    assert set(props) == {
        "prompt",
        "negative_prompt",
        "aspect_ratio",
        "width",
        "height",
        "num_outputs",
        "seed",
    }
    assert all(prop.get("description") for prop in props.values())


def test_malformed_model_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="Malformed Replicate reference"):
        ReplicateImageGenerationTool(api_key=TOKEN, model="not a model")


async def test_missing_token_is_not_hidden_as_a_tool_error(fake: FakeImages) -> None:
    tool = make_tool(fake, api_key=None, handle_tool_error=True)
    with pytest.raises(ReplicateAuthenticationError, match="REPLICATE_API_TOKEN"):
        tool.invoke(tool_call({"prompt": "x"}))
    assert fake.requests == []


# -- arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ({"negative_prompt": "blur"}, "does not take negative_prompt"),
        ({"num_outputs": 9}, r"num_outputs in 1\.\.4; got 9"),
        ({"aspect_ratio": "7:3"}, "allowed: 1:1, 16:9"),
        ({"width": 1000, "height": 300}, "none of its ratios"),
        ({"width": 512}, "pass both width and height"),
        ({"aspect_ratio": "1:1", "width": 512}, "not both"),
    ],
)
async def test_arguments_the_model_cannot_take_fail_before_any_prediction(
    fake: FakeImages, mode: str, args: dict[str, Any], match: str
) -> None:
    tool = make_tool(fake, use_async=mode == "async")
    with pytest.raises(ToolException, match=match):
        await invoke(tool, mode, {"prompt": "x", **args})
    assert fake.creates() == []


async def test_model_kwargs_are_sent_checked_and_call_arguments_win(
    fake: FakeImages,
) -> None:
    tool = make_tool(fake, model_kwargs={"output_format": "png", "aspect_ratio": "1:1"})
    tool.invoke({"prompt": "x", "aspect_ratio": "16:9"})
    assert fake.bodies()[0]["input"] == {
        "prompt": "x",
        "output_format": "png",
        "aspect_ratio": "16:9",
    }
    bad = make_tool(fake, model_kwargs={"image_dimensions": "512x512"})
    with pytest.raises(ToolException, match="does not take the input"):
        bad.invoke("x")
    assert len(fake.creates()) == 1


async def test_bad_arguments_reach_an_agent_as_an_error_message(
    fake: FakeImages,
) -> None:
    tool = make_tool(fake, handle_tool_error=True)
    message = tool.invoke(tool_call({"prompt": "x", "negative_prompt": "blur"}))
    assert message.status == "error"
    assert "does not take negative_prompt" in message.content
    assert fake.creates() == []


# -- progress --------------------------------------------------------------------------


class Events(BaseCallbackHandler):
    def __init__(self, *, fail_at: int | None = None) -> None:
        self.events: list[tuple[str, Any]] = []
        self.fail_at = fail_at

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
        self.events.append((name, data))
        if self.fail_at is not None and len(self.events) >= self.fail_at:
            msg = "handler failed"
            raise RuntimeError(msg)


async def test_progress_from_the_logs_is_a_custom_event_and_a_bar(
    fake: FakeImages, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.polls_before_done = 3
    tool = make_tool(fake, use_async=mode == "async", show_progress=True)
    handler = Events()
    await invoke(tool, mode, "socks", config={"callbacks": [handler]})
    steps = [data["step"] for name, data in handler.events]
    assert {name for name, _ in handler.events} == {"replicate_progress"}
    assert steps == sorted(set(steps))  # each step once, in order
    assert steps[-1] == 4
    assert handler.events[-1][1] == {
        "prediction_id": "pred1",
        "step": 4,
        "total": 4,
        "percent": 100.0,
        "status": "succeeded",
    }
    err = capsys.readouterr().err
    assert "flux-schnell |" in err
    assert err.endswith("100% 4/4\n")


async def test_an_abandoned_run_is_canceled(fake: FakeImages, mode: str) -> None:
    fake.polls_before_done = 100
    tool = make_tool(fake, use_async=mode == "async")
    handler = Events(fail_at=2)
    handler.raise_error = True  # so the handler's failure reaches the tool
    config: dict[str, Any] = {"callbacks": [handler]}
    with pytest.raises(RuntimeError, match="handler failed"):
        await invoke(tool, mode, "socks", config=config)
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


async def test_a_cancelled_task_cancels_the_prediction(fake: FakeImages) -> None:
    fake.polls_before_done = 10_000
    tool = make_tool(fake, use_async=True)
    task = asyncio.ensure_future(tool.ainvoke("socks"))
    await asyncio.sleep(0.5)  # the create, then polls (backing off)
    assert fake.creates()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


async def test_the_deadline_cancels_the_prediction(fake: FakeImages, mode: str) -> None:
    fake.polls_before_done = 10_000
    tool = make_tool(fake, use_async=mode == "async", timeout=0.5)
    # When the deadline cuts the polls is checked on a fake clock (follow runs the
    # same poll schedule): test_core_protocol.py::test_poll_sleeps_backoff_is_cut...
    with pytest.raises(ToolException, match="did not finish within timeout"):
        await invoke(tool, mode, "socks")
    assert fake.cancels() == ["/v1/predictions/pred1/cancel"]


# -- failures --------------------------------------------------------------------------


async def test_a_failed_prediction_is_a_tool_exception_with_the_models_error(
    fake: FakeImages, mode: str
) -> None:
    fake.final_status = "failed"
    fake.error = (
        "NSFW content detected. Try running it again, or try a different prompt."
    )
    tool = make_tool(fake, use_async=mode == "async")
    with pytest.raises(ToolException, match="NSFW content detected") as e:
        await invoke(tool, mode, "socks")
    assert e.value.__cause__ is not None
    handled = make_tool(fake, use_async=mode == "async", handle_tool_error=True)
    message = await invoke(handled, mode, tool_call({"prompt": "socks"}))
    assert message.status == "error"
    assert "NSFW content detected" in message.content


# -- files -----------------------------------------------------------------------------


async def test_a_broken_download_leaves_no_file_behind(
    fake: FakeImages, mode: str, tmp_path: Path
) -> None:
    fake.broken.add("/xezq/abc123/out-0.png")
    save_dir = tmp_path / "images"
    tool = make_tool(fake, use_async=mode == "async", save_dir=save_dir)
    with pytest.raises(ReplicateConnectionError, match="download"):
        await invoke(tool, mode, {"prompt": "socks"})
    assert list(save_dir.iterdir()) == []  # neither the file nor its .part


async def test_save_dir_streams_every_file_and_reports_the_paths(
    fake: FakeImages, mode: str, tmp_path: Path
) -> None:
    second = b"GIF89a" + bytes(5000)
    fake.files["/xezq/abc123/out-1.gif"] = second
    fake.output = [f"{DELIVERY}/out-0.png", f"{DELIVERY}/out-1.gif"]
    save_dir = tmp_path / "new" / "dir"
    tool = make_tool(fake, use_async=mode == "async", save_dir=save_dir)
    message = await invoke(tool, mode, tool_call({"prompt": "socks"}))
    paths = [save_dir / "pred1-out-0.png", save_dir / "pred1-out-1.gif"]
    assert message.artifact.paths == paths
    assert [p.read_bytes() for p in paths] == [PNG, second]
    assert sorted(save_dir.iterdir()) == paths  # no .part files left
    assert message.content.splitlines() == [
        *fake.output,
        "Saved to:",
        *map(str, paths),
    ]
    # Output files live on another host: the token is not sent there.
    assert [r.headers.get("authorization") for r in fake.deliveries()] == [None] * 2


@dataclass
class SlowDeliveries(FakeImages):
    """Output files served slowly, counting how many are fetched at once."""

    fetching: int = 0
    most_at_once: int = 0

    def _fetching(self, change: int) -> None:
        with self._lock:
            self.fetching += change
            self.most_at_once = max(self.most_at_once, self.fetching)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "replicate.delivery":
            return super().handle(request)
        self._fetching(1)
        time.sleep(0.05)
        self._fetching(-1)
        return super().handle(request)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "replicate.delivery":
            return await super().ahandle(request)
        self._fetching(1)
        await asyncio.sleep(0.05)
        self._fetching(-1)
        return await super().ahandle(request)


async def test_files_are_downloaded_concurrently_in_both_modes(
    mode: str, tmp_path: Path
) -> None:
    fake = SlowDeliveries()
    fake.files = {f"/xezq/abc123/out-{i}.png": PNG for i in range(3)}
    fake.output = [f"{DELIVERY}/out-{i}.png" for i in range(3)]
    tool = make_tool(fake, use_async=mode == "async", save_dir=tmp_path)
    message = await invoke(tool, mode, tool_call({"prompt": "socks"}))
    assert [p.read_bytes() for p in message.artifact.paths] == [PNG] * 3
    assert fake.most_at_once == 3


async def test_a_missing_file_leaves_no_partial_file(
    fake: FakeImages, mode: str, tmp_path: Path
) -> None:
    fake.output = [f"{DELIVERY}/gone.png"]
    tool = make_tool(fake, use_async=mode == "async", save_dir=tmp_path)
    with pytest.raises(ReplicateNotFoundError, match="HTTP 404"):
        await invoke(tool, mode, "socks")
    assert [p.name for p in tmp_path.iterdir()] == []  # noqa: ASYNC240 - a check


async def test_sync_mode_data_uris_never_reach_the_content(
    fake: FakeImages, mode: str, tmp_path: Path
) -> None:
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    fake.output = [uri]
    fake.create_status = "processing"
    tool = make_tool(fake, use_async=mode == "async", wait=10)
    message = await invoke(tool, mode, tool_call({"prompt": "socks"}))
    assert fake.creates()[0].headers["prefer"] == "wait=10"
    assert [r.url.path for r in fake.requests] == [
        "/v1/models/black-forest-labs/flux-schnell",
        "/v1/models/black-forest-labs/flux-schnell/predictions",
    ]  # the sync answer was final: no poll
    assert "base64" not in message.content
    assert message.content == (
        "black-forest-labs/flux-schnell made 1 file (image/png, 10.0 KB), returned "
        "inline (no URL). They are in the tool's artifact; set save_dir to save "
        "them to disk."
    )
    assert message.artifact.files[0].read() == PNG
    saving = make_tool(fake, use_async=mode == "async", wait=10, save_dir=tmp_path)
    message = await invoke(saving, mode, tool_call({"prompt": "socks"}))
    path = tmp_path / "pred1-out-0.png"
    assert path.read_bytes() == PNG
    assert message.content.endswith(f"Saved to:\n{path}")
    assert "base64" not in message.content
