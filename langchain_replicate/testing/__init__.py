"""A local server that speaks the Replicate HTTP API, with built-in reference models.

For tests and demos without a token or a network. Point the official client at it:

    import replicate
    from langchain_replicate.testing import LocalReplicateServer, ModelPace

    with LocalReplicateServer(pace=ModelPace(time_to_first_token=0.005)) as server:
        client = replicate.Client(api_token=server.api_token, base_url=server.base_url)
        for event in client.stream(
            "meta/meta-llama-3-8b-instruct", input={"prompt": "Say hi"}
        ):
            print(str(event), end="")

Or run it on its own with `python -m langchain_replicate.testing --port 8787`, or
serve `create_app()` with any ASGI server, or use the `replicate_server` fixture
of `langchain_replicate.testing.pytest_plugin`.

Needs the `server` extra: `pip install "langchain-replicate[server]"`.
"""

from langchain_replicate.testing._engine.predictions import PredictionRecord
from langchain_replicate.testing._http.app import create_app
from langchain_replicate.testing._models.reference import (
    GeneratedFile,
    JsonOutput,
    ModelPace,
    PredictionContext,
    ReferenceDeployment,
    ReferenceModel,
)
from langchain_replicate.testing._server import LocalReplicateServer, ServerStartError

__all__ = [
    "GeneratedFile",
    "JsonOutput",
    "LocalReplicateServer",
    "ModelPace",
    "PredictionContext",
    "PredictionRecord",
    "ReferenceDeployment",
    "ReferenceModel",
    "ServerStartError",
    "create_app",
]
