"""Peak memory while saving a large file output to disk, one way per fresh process.

    python -m benchmarks._memory WAY BASE_URL TOKEN BIG_FILE_VERSION SIZE_MB

The baseline is the process's RSS after its imports and client set-up; the figure
is how far the peak RSS rose above it while the file was produced and saved. On
Linux the peak counter (`VmHWM`) is reset at the baseline through
`/proc/self/clear_refs`; elsewhere it is `ru_maxrss`, a peak since the process
started, which can hide a small rise under the imports' own peak.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

BIG_FILE = "replicate-testing/big-file"


_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_mib(field: str) -> float | None:
    """`VmRSS` / `VmHWM` from /proc/self/status (Linux), in MiB."""
    if not _STATUS.exists():
        return None
    for line in _STATUS.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def _start_peak() -> float:
    """The baseline: RSS now; the peak counter is reset when the OS allows it."""
    try:
        _CLEAR_REFS.write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return _status_mib("VmRSS") or 0.0


def _peak() -> float:
    """The peak RSS since `_start_peak`, in MiB."""
    high_water = _status_mib("VmHWM")
    if high_water is not None:
        return high_water
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ours(
    base_url: str, token: str, version: str, size_mb: float
) -> Callable[[Path], Path]:
    from langchain_replicate import ReplicateImageGenerationTool  # noqa: PLC0415

    def save(directory: Path) -> Path:
        tool = ReplicateImageGenerationTool(
            model=f"{BIG_FILE}:{version}",
            model_kwargs={"size_mb": size_mb},
            save_dir=directory,
            api_key=token,
            base_url=base_url,
        )
        args = {"prompt": "a large file"}  # the tool's one required argument
        message = tool.invoke(
            {"type": "tool_call", "id": "1", "name": tool.name, "args": args}
        )
        path: Path = message.artifact.paths[0]
        return path

    return save


def _bare(
    base_url: str, token: str, version: str, size_mb: float, *, whole: bool
) -> Callable[[Path], Path]:
    from replicate.client import Client  # noqa: PLC0415 - only this way needs it
    from replicate.helpers import FileOutput  # noqa: PLC0415 - same

    client = Client(api_token=token, base_url=base_url)

    def save(directory: Path) -> Path:
        target = directory / "out.bmp"
        output: Any = client.run(f"{BIG_FILE}:{version}", input={"size_mb": size_mb})
        if isinstance(output, str):  # it wraps only https: URLs; the server is http:
            output = FileOutput(output, client)
        with target.open("wb") as file:
            if whole:
                file.write(output.read())  # what the replicate README shows
            else:
                for chunk in output:
                    file.write(chunk)
        return target

    return save


def _community(
    base_url: str, token: str, version: str, size_mb: float
) -> Callable[[Path], Path]:
    os.environ["REPLICATE_API_TOKEN"] = token
    os.environ["REPLICATE_BASE_URL"] = base_url
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    module = importlib.import_module("langchain_community.llms.replicate")
    llm = module.Replicate(
        model=f"{BIG_FILE}:{version}", model_kwargs={"size_mb": size_mb}
    )

    def save(directory: Path) -> Path:
        target = directory / "out.bmp"
        url = llm.invoke("")  # it returns the file's URL; saving it is the user's job
        urllib.request.urlretrieve(url, target)  # noqa: S310 - the local server's URL
        return target

    return save


WAYS = {
    "ours-tool": "ReplicateImageGenerationTool(save_dir=...) streams it to disk",
    "replicate-read": "replicate: FileOutput.read(), then write",
    "replicate-iter": "replicate: iterate FileOutput chunks to the file",
    "community-url": "langchain_community: returns the URL; urlretrieve saves it",
}
"""The ways measured, with what each does."""


def main(argv: list[str]) -> None:
    """Measure one way; print JSON."""
    way, base_url, token, version, size = argv
    size_mb = float(size)
    if way == "ours-tool":
        save = _ours(base_url, token, version, size_mb)
    elif way == "community-url":
        save = _community(base_url, token, version, size_mb)
    else:
        save = _bare(base_url, token, version, size_mb, whole=way == "replicate-read")
    baseline = _start_peak()
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        target = save(Path(directory))
        wall = time.perf_counter() - started
        saved = target.stat().st_size
    peak = _peak()
    sys.stdout.write(
        json.dumps(
            {
                "baseline_mib": baseline,
                "peak_mib": peak,
                "above_baseline_mib": peak - baseline,
                "saved_bytes": saved,
                "wall": wall,
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
