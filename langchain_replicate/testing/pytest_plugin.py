"""A pytest plugin with a session-wide local Replicate server.

Opt in from a `conftest.py`:

    pytest_plugins = ["langchain_replicate.testing.pytest_plugin"]

    def test_run(replicate_server):
        client = replicate.Client(
            api_token=replicate_server.api_token, base_url=replicate_server.base_url
        )
        ...

Override `replicate_server_pace` (session scope) to change how fast the models work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from langchain_replicate.testing._models.reference import ModelPace
from langchain_replicate.testing._server import LocalReplicateServer

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def replicate_server_pace() -> ModelPace:
    """The pace of the session's server: fast, for tests."""
    return ModelPace(
        time_to_first_token=0.005,
        token_interval=0.001,
        image_step_time=0.001,
        cold_start=0.3,
        video_step_time=0.002,
        media_step_time=0.001,
    )


@pytest.fixture(scope="session")
def replicate_server(
    replicate_server_pace: ModelPace,
) -> Iterator[LocalReplicateServer]:
    """A started `LocalReplicateServer` on a free loopback port, for the session."""
    with LocalReplicateServer(pace=replicate_server_pace) as server:
        yield server
