"""The image tool's pure steps: argument mapping per model, files, progress."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from langchain_replicate._inputs.image_args import map_image_args
from langchain_replicate._inputs.schema import InputSchema
from langchain_replicate._outputs.files import (
    content_text,
    decode_data_uri,
    file_name,
    output_urls,
)
from langchain_replicate._outputs.progress import ProgressTracker, read_progress
from langchain_replicate.errors import ReplicateInputError
from langchain_replicate.testing._models.images import tqdm_line
from langchain_replicate.testing.catalogue.images import (
    FLUX_SCHNELL,
    SDXL,
    STABLE_DIFFUSION,
)

FLUX = InputSchema.from_openapi(FLUX_SCHNELL.openapi_schema)
SD = InputSchema.from_openapi(STABLE_DIFFUSION.openapi_schema)
XL = InputSchema.from_openapi(SDXL.openapi_schema)
ONE_IMAGE = InputSchema.from_openapi(
    {
        "components": {
            "schemas": {
                "Input": {
                    "properties": {
                        "text": {"type": "string", "x-order": 0},
                        "size": {"type": "string", "x-order": 1},
                    },
                    "required": ["text"],
                }
            }
        }
    }
)


def mapped(schema: InputSchema | None, **args: Any) -> dict[str, Any]:
    return map_image_args({"prompt": "p", **args}, schema, model="o/m")


def test_enums_are_read_through_cogs_refs() -> None:
    assert FLUX is not None
    assert SD is not None
    ratios = ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3")
    assert FLUX.choices("aspect_ratio") == (*ratios, "9:16", "9:21")
    assert SD.choices("image_dimensions") == ("512x512", "768x768")
    assert FLUX.choices("prompt") is None


@pytest.mark.parametrize(
    ("schema", "args", "expected"),
    [
        # flux: aspect_ratio; width/height become the nearest allowed ratio.
        (FLUX, {"aspect_ratio": "16:9"}, {"aspect_ratio": "16:9"}),
        (FLUX, {"width": 1344, "height": 768}, {"aspect_ratio": "16:9"}),
        (FLUX, {"width": 768, "height": 1024}, {"aspect_ratio": "3:4"}),
        (FLUX, {"width": 512, "height": 512}, {"aspect_ratio": "1:1"}),
        (FLUX, {"num_outputs": 4, "seed": 1}, {"num_outputs": 4, "seed": 1}),
        # Stable Diffusion: image_dimensions.
        (SD, {"width": 512, "height": 512}, {"image_dimensions": "512x512"}),
        (SD, {"aspect_ratio": "1:1"}, {"image_dimensions": "768x768"}),
        (SD, {"negative_prompt": "blur"}, {"negative_prompt": "blur"}),
        # SDXL: width/height; an aspect ratio keeps the default's area.
        (XL, {"aspect_ratio": "16:9"}, {"width": 1344, "height": 768}),
        (XL, {"aspect_ratio": "1:1"}, {"width": 1024, "height": 1024}),
        (XL, {"width": 640}, {"width": 640}),
        (XL, {"width": 640, "height": 512}, {"width": 640, "height": 512}),
        # One image per call, and no count input: asking for one is fine.
        (ONE_IMAGE, {"num_outputs": 1}, {}),
    ],
)
def test_arguments_map_onto_each_models_inputs(
    schema: InputSchema, args: dict[str, Any], expected: dict[str, Any]
) -> None:
    prompt_key = "text" if schema is ONE_IMAGE else "prompt"
    assert mapped(schema, **args) == {prompt_key: "p", **expected}


@pytest.mark.parametrize(
    ("schema", "args", "match"),
    [
        (FLUX, {"negative_prompt": "x"}, "o/m does not take negative_prompt"),
        (FLUX, {"aspect_ratio": "5:1"}, "aspect_ratio='5:1'; allowed: 1:1"),
        (FLUX, {"aspect_ratio": "wide"}, "must look like '16:9'"),
        (FLUX, {"num_outputs": 0}, r"num_outputs in 1\.\.4; got 0"),
        (FLUX, {"width": 1000, "height": 250}, "none of its ratios"),
        (FLUX, {"height": 512}, "pass both width and height"),
        (SD, {"aspect_ratio": "16:9"}, "cannot make a 16:9 image.*512x512, 768x768"),
        (SD, {"width": 640, "height": 640}, "image_dimensions='640x640'"),
        (XL, {"aspect_ratio": "1:1", "height": 5}, "not both"),
        (ONE_IMAGE, {"num_outputs": 2}, "makes one image per call"),
        (ONE_IMAGE, {"seed": 2}, "does not take seed"),
        (ONE_IMAGE, {"width": 2, "height": 2}, "takes no size"),
        (None, {"seed": 2}, "publishes no input schema, so seed cannot"),
    ],
)
def test_what_a_model_cannot_express_is_a_clear_error(
    schema: InputSchema | None, args: dict[str, Any], match: str
) -> None:
    with pytest.raises(ReplicateInputError, match=match):
        mapped(schema, **args)


def test_a_model_without_schema_takes_just_the_prompt() -> None:
    assert mapped(None) == {"prompt": "p"}


# -- files -----------------------------------------------------------------------------


def test_file_names_are_safe_and_unique_per_prediction() -> None:
    url = "https://replicate.delivery/xezq/abc/out-0.webp"
    assert file_name(url, 0, "pid") == "pid-out-0.webp"
    assert file_name("https://x/a/..%2F..%2Fetc%2Fpasswd", 0, "pid") == (
        "pid-.._2F.._2Fetc_2Fpasswd"
    )
    assert file_name("https://x/", 2, "pid") == "pid-out-2"
    assert file_name("data:image/png;base64,AAAA", 1, "pid") == "pid-out-1.png"
    assert file_name("data:application/x-unknown,hi", 0, "pid") == "pid-out-0.bin"
    assert "/" not in file_name("https://x/a/b", 0, "../../pid")


def test_data_uris_decode_and_malformed_ones_are_errors() -> None:
    data = bytes(range(256))
    assert decode_data_uri("data:image/png;base64," + base64.b64encode(data).decode())
    assert decode_data_uri("data:text/plain,a%20b") == b"a b"
    with pytest.raises(ValueError, match="no comma"):
        decode_data_uri("data:image/png;base64")
    with pytest.raises(ValueError, match="bad base64"):
        decode_data_uri("data:image/png;base64,@@@")


def test_content_quotes_urls_and_describes_inline_files() -> None:
    urls = ["https://r/out-0.webp", "https://r/out-1.webp"]
    assert (
        content_text(urls, None, model="m")
        == "https://r/out-0.webp\nhttps://r/out-1.webp"
    )
    assert content_text(urls, [Path("/d/a"), Path("/d/b")], model="m") == (
        "https://r/out-0.webp\nhttps://r/out-1.webp\nSaved to:\n/d/a\n/d/b"
    )
    inline = "data:image/png;base64," + base64.b64encode(bytes(3000)).decode()
    text = content_text([inline, inline], None, model="m")
    assert text.startswith("m made 2 files (image/png, 2.9 KB, image/png, 2.9 KB)")
    assert "base64" not in text
    assert content_text([], None, model="m") == "m returned no files."
    assert output_urls(None) == []
    assert output_urls("https://r/x.png") == ["https://r/x.png"]


# -- progress --------------------------------------------------------------------------


def test_progress_is_the_last_bar_even_when_tqdm_redraws_with_carriage_returns() -> (
    None
):
    logs = "Using seed: 1\n" + "\r".join(tqdm_line(i, 20, 0.5 * i) for i in range(10))
    progress = read_progress({"id": "p", "status": "processing", "logs": logs})
    assert progress is not None
    assert (progress.step, progress.total, progress.percent) == (9, 20, 45.0)
    assert progress.bar("flux") == "flux |█████████░░░░░░░░░░░|  45% 9/20"
    assert read_progress({"logs": "no bar here"}) is None
    assert read_progress({"logs": None}) is None


def test_tracker_reports_each_step_once() -> None:
    tracker = ProgressTracker()
    first = {"id": "p", "status": "processing", "logs": tqdm_line(1, 4, 1) + "\n"}
    later = {"id": "p", "status": "processing", "logs": tqdm_line(2, 4, 1) + "\n"}
    seen = [tracker.update(p) for p in (first, first, later, later)]
    assert [s and s.step for s in seen] == [1, None, 2, None]
