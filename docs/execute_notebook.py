"""Execute `docs/replicate.ipynb` in place, so its stored outputs come from a real run.

    uv run --locked python docs/execute_notebook.py

Without `REPLICATE_API_TOKEN` the notebook runs on the local server. Unlike
`jupyter execute --inplace`, this merges the many small stream outputs that
token-by-token printing makes into one per cell, and records no timestamps, so
the stored notebook stays small and its diffs readable.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).with_name("replicate.ipynb")


def main() -> None:
    """Execute the notebook (the path given, or `docs/replicate.ipynb`) in place."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOK
    # nbformat has no type annotations, hence the two ignores.
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]
    started = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        coalesce_streams=True,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    nbformat.write(notebook, path)  # type: ignore[no-untyped-call]
    print(f"Executed {path} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
