"""The local server's models and endpoints for "any model as a tool" (issue 21).

Real HTTP against the session's server, through the official `replicate` client
where it has the call. Each test cites what it checks: `tools §N` is
`shared/model-tools.md`, `api §N` is `shared/replicate-api.md`.
"""

from __future__ import annotations

import base64
import io
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from PIL import Image
from replicate.exceptions import ModelError, ReplicateError
from replicate.helpers import FileOutput
from replicate.pagination import paginate

from langchain_replicate.testing import ModelPace
from langchain_replicate.testing._models import media

if TYPE_CHECKING:
    from replicate.client import Client

    from langchain_replicate.testing import LocalReplicateServer

FLUX_PRO = "black-forest-labs/flux-1.1-pro"
ESRGAN = (
    "nightmareai/real-esrgan:"
    "f121d640bd286e1fdc67f9799164c1d5be36ff74576ee11c803ae5b665dd46aa"
)
WHISPER = (
    "openai/whisper:8099696689d249cf8b122d833c36ac3f75505c666a395ca40ef26f68e7d3d16e"
)
KOKORO = (
    "jaaari/kokoro-82m:f559560eb822dc509045f3921a1921234918b91739db4bf3daab2169b71c7a13"
)
VIDEO = "minimax/video-01"
GPT_IMAGE = "openai/gpt-image-1.5"


def _png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def _data_uri(content_type: str, data: bytes) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _read(value: Any, http: httpx.Client) -> bytes:
    """The bytes of a file output: a `FileOutput` (data: URI) or a URL string."""
    if isinstance(value, FileOutput):
        return value.read()
    response = http.get(str(value))
    assert response.status_code == 200
    return response.content


def _problem(http: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = http.post(path, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    return problem


# -- models: output shapes (tools §3) ----------------------------------------------- -


def test_flux_pro_makes_one_file_with_ref_enums(
    client: Client, http: httpx.Client
) -> None:
    model = client.models.get(FLUX_PRO)
    assert model.latest_version is not None
    schemas = model.latest_version.openapi_schema["components"]["schemas"]
    assert schemas["Output"] == {"type": "string", "format": "uri", "title": "Output"}
    assert schemas["Input"]["properties"]["aspect_ratio"]["allOf"] == [
        {"$ref": "#/components/schemas/aspect_ratio"}
    ]
    assert "custom" in schemas["aspect_ratio"]["enum"]
    output = client.run(
        FLUX_PRO, input={"prompt": "a lighthouse", "aspect_ratio": "16:9"}
    )
    assert not isinstance(output, list)
    image = Image.open(io.BytesIO(_read(output, http)))
    assert (image.format, image.size) == ("WEBP", (1344, 768))


def test_esrgan_upscales_an_uploaded_file_by_scale(
    client: Client, http: httpx.Client
) -> None:
    upload = io.BytesIO(_png((40, 30), (20, 120, 220)))
    upload.name = "small.png"
    output = client.run(ESRGAN, input={"image": upload, "scale": 3})
    image = Image.open(io.BytesIO(_read(output, http)))
    assert (image.format, image.size) == ("PNG", (120, 90))
    assert image.convert("RGB").getpixel((60, 45)) == (20, 120, 220)


def test_an_output_url_feeds_the_next_model(client: Client, http: httpx.Client) -> None:
    """Generate, then upscale the generated image by its URL (api §9.3)."""
    prediction = client.models.predictions.create(
        model=FLUX_PRO, input={"prompt": "a red barn", "aspect_ratio": "1:1"}
    )
    prediction.wait()
    url = prediction.output
    assert isinstance(url, str)
    assert url.startswith(str(http.base_url).rstrip("/") + "/delivery/")
    upscaled = client.predictions.create(
        version=ESRGAN.split(":")[1], input={"image": url, "scale": 0.25}
    )
    upscaled.wait()
    assert upscaled.status == "succeeded"
    image = Image.open(io.BytesIO(_read(upscaled.output, http)))
    assert image.size == (256, 256)


def test_a_url_on_another_host_fails_the_prediction_clearly(client: Client) -> None:
    with pytest.raises(ModelError) as caught:
        client.run(ESRGAN, input={"image": "https://example.com/cat.png"})
    assert "reads only data: URIs and its own file URLs" in (
        caught.value.prediction.error or ""
    )


def test_kokoro_speaks_and_whisper_transcribes_it_back(
    client: Client, http: httpx.Client
) -> None:
    text = "Four hours of steady work faced us. It was worth it."
    speech = client.run(KOKORO, input={"text": text, "voice": "af_sky"})
    wav = _read(speech, http)
    assert wav[:4] == b"RIFF"
    assert wav[8:12] == b"WAVE"
    result = client.run(WHISPER, input={"audio": _data_uri("audio/wav", wav)})
    assert isinstance(result, dict)
    assert isinstance(result["txt_file"], FileOutput)  # sync mode: data: URIs
    assert result["txt_file"].url.startswith("data:text/plain;base64,")
    assert result["transcription"] == " " + text
    assert result["detected_language"] == "english"
    assert result["translation"] is None
    assert [s["id"] for s in result["segments"]] == [0, 1]
    assert _read(result["txt_file"], http).decode() == text
    assert _read(result["srt_file"], http).decode().startswith("1\n00:00:00,000 --> ")


def test_whisper_file_fields_are_urls_when_polled(
    client: Client, http: httpx.Client
) -> None:
    """Object outputs keep file fields as URLs (polled) like list outputs (api §3)."""
    wav = media.speak("Hi.")
    prediction = client.predictions.create(
        version=WHISPER.split(":")[1],
        input={"audio": _data_uri("audio/wav", wav), "transcription": "srt"},
    )
    prediction.wait()
    output = prediction.output
    assert isinstance(output, dict)
    (segment,) = output["segments"]
    assert segment["end"] == pytest.approx(media.wav_duration(wav), abs=0.01)
    end = media.timestamp(segment["end"], hours=True, marker=",")
    assert output["transcription"] == f"1\n00:00:00,000 --> {end}\nHi.\n\n"
    for key in ("txt_file", "srt_file"):
        assert output[key].startswith(str(http.base_url).rstrip("/") + "/delivery/")
    assert http.get(output["txt_file"]).text == "Hi."


def test_file_fields_follow_the_files_origin(
    client: Client, replicate_server: LocalReplicateServer, http: httpx.Client
) -> None:
    """With `foreign_origin`, object file fields point off-origin like lists do."""
    replicate_server.inject_faults(foreign_origin=True)
    prediction = client.predictions.create(
        version=WHISPER.split(":")[1],
        input={"audio": _data_uri("audio/wav", media.speak("Hi."))},
    )
    prediction.wait()
    output = prediction.output
    assert isinstance(output, dict)
    ours = str(http.base_url).rstrip("/")
    for key in ("txt_file", "srt_file"):
        assert "/delivery/" in output[key]
        assert not output[key].startswith(ours)
    response = httpx.get(output["txt_file"])
    assert response.text == "Hi."
    assert [r.path.split("/")[1] for r in replicate_server.foreign_requests()] == [
        "delivery"
    ]


def test_whisper_refuses_what_is_not_audio(client: Client) -> None:
    with pytest.raises(ModelError) as caught:
        client.run(
            WHISPER, input={"audio": _data_uri("image/png", _png((4, 4), (0, 0, 0)))}
        )
    assert "not audio" in (caught.value.prediction.error or "")


def test_video_logs_progress_then_returns_an_mp4(
    client: Client, replicate_server: LocalReplicateServer, http: httpx.Client
) -> None:
    replicate_server.set_pace(ModelPace(video_step_time=0.01))
    prediction = client.models.predictions.create(
        model=VIDEO, input={"prompt": "a dog runs on a beach"}
    )
    prediction.wait()
    assert prediction.status == "succeeded"
    logs = prediction.logs or ""
    assert "24/24" in logs
    assert prediction.progress is not None
    assert prediction.progress.percentage == 1.0
    response = http.get(str(prediction.output))
    assert response.headers["content-type"] == "video/mp4"
    assert [kind for kind, _ in media.mp4_boxes(response.content)] == [
        "ftyp",
        "mdat",
        "moov",
    ]


def test_a_canceled_video_stops_and_makes_nothing(
    client: Client, replicate_server: LocalReplicateServer
) -> None:
    replicate_server.set_pace(ModelPace(video_step_time=0.2))
    prediction = client.models.predictions.create(model=VIDEO, input={"prompt": "x"})
    while "4%" not in (prediction.logs or ""):
        time.sleep(0.02)
        prediction.reload()
    prediction.cancel()
    prediction.reload()
    assert prediction.status == "canceled"
    assert prediction.output is None
    (record,) = [p for p in replicate_server.predictions() if p.id == prediction.id]
    assert record.status == "canceled"


def test_secret_inputs_are_redacted_in_what_the_server_shows(
    client: Client, replicate_server: LocalReplicateServer, http: httpx.Client
) -> None:
    """A `cog.Secret` value reaches the model and shows as `**********` (tools §3)."""
    key = "sk-never-shown-0123456789"
    prediction = client.models.predictions.create(
        model=GPT_IMAGE, input={"prompt": "a fox", "openai_api_key": key}
    )
    prediction.wait()
    assert prediction.status == "succeeded"
    assert "Using your OpenAI API key" in (prediction.logs or "")
    assert (prediction.input or {})["openai_api_key"] == "**********"
    raw = http.get(f"/v1/predictions/{prediction.id}").text
    assert key not in raw
    listed = http.get("/v1/predictions").text
    assert key not in listed
    (record,) = [p for p in replicate_server.predictions() if p.id == prediction.id]
    assert record.input["openai_api_key"] == "**********"
    assert isinstance(prediction.output, list)
    assert len(prediction.output) == 1


# -- models: input validation (api §7.1) ------------------------------------------- --


@pytest.mark.parametrize(
    ("path", "body", "field", "detail"),
    [
        (
            f"/v1/models/{FLUX_PRO}/predictions",
            {"input": {"prompt": "x", "aspect_ratio": "7:3"}},
            "input.aspect_ratio",
            'aspect_ratio must be one of the following: "custom", "1:1"',
        ),
        (
            f"/v1/models/{FLUX_PRO}/predictions",
            {"input": {"prompt": "x", "output_format": "gif"}},
            "input.output_format",
            'output_format must be one of the following: "webp", "jpg", "png"',
        ),
        (
            "/v1/predictions",
            {"version": WHISPER, "input": {"audio": "x", "transcription": "txt"}},
            "input.transcription",
            'transcription must be one of the following: "plain text", "srt", "vtt"',
        ),
        (
            "/v1/predictions",
            {"version": KOKORO, "input": {"text": "x", "voice": "robot"}},
            "input.voice",
            'voice must be one of the following: "af_alloy"',
        ),
        (
            "/v1/predictions",
            {"version": ESRGAN, "input": {"image": "x", "scale": 12}},
            "input.scale",
            "Must be less than or equal to 10",
        ),
        (
            f"/v1/models/{VIDEO}/predictions",
            {"input": {"first_frame_image": "x"}},
            "input",
            "prompt is required",
        ),
    ],
)
def test_bad_inputs_are_refused_with_the_field_named(  # noqa: PLR0917 - parametrized
    http: httpx.Client,
    replicate_server: LocalReplicateServer,
    path: str,
    body: dict[str, Any],
    field: str,
    detail: str,
) -> None:
    before = len(replicate_server.predictions())
    problem = _problem(http, path, body)
    assert problem["title"] == "Input validation failed"
    assert problem["detail"].startswith(f"- {field}: {detail}")
    assert [f["field"] for f in problem["invalid_fields"]] == [field]
    assert len(replicate_server.predictions()) == before


# -- discovery endpoints (tools §2, api §2.1, §2.3, §11) ----------------------------- -


def test_models_search_with_query_method(client: Client, http: httpx.Client) -> None:
    page = client.models.search("upscale")
    assert page.results[0].owner == "nightmareai"
    assert page.results[0].name == "real-esrgan"
    raw = http.request(
        "QUERY",
        "/v1/models",
        content="speech to text",
        headers={"Content-Type": "text/plain"},
    )
    assert raw.status_code == 200
    body = raw.json()
    assert set(body) == {"next", "previous", "results"}
    first = body["results"][0]
    assert f"{first['owner']}/{first['name']}" == "openai/whisper"
    assert first["latest_version"]["openapi_schema"]["components"]["schemas"]["Input"]
    assert "is_official" not in first  # search results: models.get minus is_official
    empty = http.request("QUERY", "/v1/models", content="")
    assert empty.status_code == 400


def test_query_pages_follow_next_with_the_same_body(
    http: httpx.Client, replicate_server: LocalReplicateServer
) -> None:
    replicate_server.configure(page_size=2)
    seen: list[str] = []
    url: str | None = "/v1/models"
    while url:
        body = http.request("QUERY", url, content="image").json()
        seen += [f"{m['owner']}/{m['name']}" for m in body["results"]]
        url = body["next"]
    replicate_server.configure(page_size=100)
    everything = http.request("QUERY", "/v1/models", content="image")
    assert len(seen) > 2
    assert seen == [f"{m['owner']}/{m['name']}" for m in everything.json()["results"]]


def test_beta_search_returns_models_collections_and_pages(http: httpx.Client) -> None:
    response = http.get("/v1/search", params={"query": "upscale image", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "models", "collections", "pages"}
    assert body["query"] == "upscale image"
    assert 1 <= len(body["models"]) <= 3
    top = body["models"][0]
    assert (
        f"{top['model']['owner']}/{top['model']['name']}" == "nightmareai/real-esrgan"
    )
    assert top["model"]["is_official"] is False
    assert top["model"]["latest_version"]["id"] == ESRGAN.split(":")[1]
    metadata = top["metadata"]
    assert "scale (number, default 4)" in metadata["generated_description"]
    assert "upscaler" in metadata["tags"]
    assert metadata["score"] > 0
    collection = body["collections"][0]
    assert collection["slug"] == "super-resolution"
    assert collection["models"] == ["nightmareai/real-esrgan"]
    assert {"name", "href"} == set(body["pages"][0])
    assert http.get("/v1/search").status_code == 400
    assert http.get("/v1/search", params={"query": "x", "limit": 51}).status_code == 400


def test_models_list_pages_and_sorts(
    client: Client, http: httpx.Client, replicate_server: LocalReplicateServer
) -> None:
    every = [
        f"{m.owner}/{m.name}" for page in paginate(client.models.list) for m in page
    ]
    assert {FLUX_PRO, VIDEO, "openai/whisper", "jaaari/kokoro-82m"} <= set(every)
    assert len(every) == len(set(every))
    newest = http.get("/v1/models").json()["results"]
    oldest = http.get("/v1/models", params={"sort_direction": "asc"}).json()["results"]
    assert newest == oldest[::-1]
    stamps = [m["latest_version"]["created_at"] for m in newest]
    assert stamps == sorted(stamps, reverse=True)
    assert http.get("/v1/models", params={"sort_by": "name"}).status_code == 400
    replicate_server.configure(page_size=5)
    paged = [
        f"{m.owner}/{m.name}" for page in paginate(client.models.list) for m in page
    ]
    assert paged == every


def test_model_object_has_the_real_fields(client: Client, http: httpx.Client) -> None:
    body = http.get("/v1/models/nightmareai/real-esrgan").json()
    assert {
        "url",
        "owner",
        "name",
        "description",
        "visibility",
        "github_url",
        "paper_url",
        "license_url",
        "run_count",
        "cover_image_url",
        "default_example",
        "latest_version",
        "is_official",
    } == set(body)
    assert body["run_count"] > 0
    assert body["github_url"] == "https://github.com/xinntao/Real-ESRGAN"
    cover = http.get(body["cover_image_url"], headers={"Authorization": ""})
    assert cover.status_code == 200
    assert Image.open(io.BytesIO(cover.content)).format == "PNG"
    assert client.models.get("openai/whisper").description


def test_collections_list_and_get(client: Client) -> None:
    slugs = [c.slug for page in paginate(client.collections.list) for c in page]
    assert {"text-to-image", "super-resolution", "speech-to-text"} <= set(slugs)
    collection = client.collections.get("speech-to-text")
    assert collection.name == "Speech to text"
    assert collection.models is not None
    (model,) = collection.models
    assert (model.owner, model.name) == ("openai", "whisper")
    assert model.latest_version is not None
    with pytest.raises(ReplicateError) as caught:
        client.collections.get("no-such-collection")
    assert caught.value.status == 404
