"""`python -m langchain_replicate.testing`: run the local Replicate server.

    python -m langchain_replicate.testing --port 8787

prints the two `export` lines to point clients at it, then serves until Ctrl-C.
`--help` lists the flags: pace, token, rate limits, sync data-URI limit, faults.
The admin endpoint (`/_admin/...`, see `_http/admin.py`) changes them while it runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

import uvicorn

from langchain_replicate.testing._engine.state import (
    DEFAULT_CREATE_RATE_LIMIT,
    DEFAULT_RATE_LIMIT,
    DEFAULT_SYNC_DATA_URI_MAX_BYTES,
    Faults,
)
from langchain_replicate.testing._http.app import build_app, make_state
from langchain_replicate.testing._models.reference import ModelPace

if TYPE_CHECKING:
    from collections.abc import Sequence


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    defaults = ModelPace()
    parser = argparse.ArgumentParser(
        prog="python -m langchain_replicate.testing",
        description="A local Replicate-compatible server with reference models.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8787, help="port (default: %(default)s)"
    )
    parser.add_argument(
        "--token", default=None, help="API token to accept (default: random r8_...)"
    )
    parser.add_argument(
        "--ttft",
        type=float,
        default=defaults.time_to_first_token,
        help="seconds before a language model's first token (default: %(default)s)",
    )
    parser.add_argument(
        "--token-interval",
        type=float,
        default=defaults.token_interval,
        help="seconds between tokens (default: %(default)s)",
    )
    parser.add_argument(
        "--image-step-time",
        type=float,
        default=defaults.image_step_time,
        help="seconds per image denoising step (default: %(default)s)",
    )
    parser.add_argument(
        "--video-step-time",
        type=float,
        default=defaults.video_step_time,
        help="seconds per generated video frame (default: %(default)s)",
    )
    parser.add_argument(
        "--media-step-time",
        type=float,
        default=defaults.media_step_time,
        help=(
            "seconds per step of the audio and upscaling models (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--cold-start",
        type=float,
        default=defaults.cold_start,
        help="seconds the cold-start test model stays starting (default: %(default)s)",
    )
    parser.add_argument(
        "--create-rate-limit",
        default=DEFAULT_CREATE_RATE_LIMIT,
        help="prediction creates per token (default: %(default)s)",
    )
    parser.add_argument(
        "--rate-limit",
        default=DEFAULT_RATE_LIMIT,
        help="other API requests per token (default: %(default)s)",
    )
    parser.add_argument(
        "--sync-data-uri-max-bytes",
        type=int,
        default=DEFAULT_SYNC_DATA_URI_MAX_BYTES,
        help="largest output file inlined as data: in sync mode (default: %(default)s)",
    )
    faults = parser.add_argument_group("fault injection")
    faults.add_argument(
        "--fail-creates",
        type=int,
        default=0,
        help="fail the first N prediction creates (default: %(default)s)",
    )
    faults.add_argument(
        "--fail-status",
        type=int,
        default=503,
        help="HTTP status of those failures (default: %(default)s)",
    )
    faults.add_argument(
        "--cut-stream-after",
        type=int,
        default=None,
        help="close every SSE connection after N events, without done",
    )
    faults.add_argument(
        "--delay",
        type=float,
        default=0.0,
        help="seconds to wait before answering each API request (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the server in the foreground."""
    args = parse_args(argv)
    state = make_state(
        api_token=args.token,
        pace=ModelPace(
            time_to_first_token=args.ttft,
            token_interval=args.token_interval,
            image_step_time=args.image_step_time,
            cold_start=args.cold_start,
            video_step_time=args.video_step_time,
            media_step_time=args.media_step_time,
        ),
        models=None,
        deployments=None,
        create_rate_limit=args.create_rate_limit,
        rate_limit=args.rate_limit,
        sync_data_uri_max_bytes=args.sync_data_uri_max_bytes,
        page_size=100,
    )
    state.faults = Faults(
        fail_creates=args.fail_creates,
        status=args.fail_status,
        cut_stream_after=args.cut_stream_after,
        delay=args.delay,
    )
    host = f"[{args.host}]" if ":" in args.host else args.host
    sys.stdout.write(
        "Local Replicate server. Point clients at it with:\n"
        f"export REPLICATE_BASE_URL=http://{host}:{args.port}\n"
        f"export REPLICATE_API_TOKEN={state.api_token}\n"
    )
    sys.stdout.flush()
    uvicorn.run(build_app(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
