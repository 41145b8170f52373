"""Import time, each sample in a fresh interpreter (interpreter start-up excluded)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

_SNIPPET = """
import time
started = time.perf_counter()
{statement}
print(time.perf_counter() - started)
"""


@dataclass(frozen=True)
class ImportCase:
    """One thing to import."""

    key: str
    label: str
    statement: str
    samples: int


DEPENDENCIES = ImportCase(
    "deps",
    "its dependencies (the target's baseline)",
    "import langchain_core.language_models, langchain_core.tools, replicate",
    3,
)
"""The baseline the issue names: `langchain_core.language_models`,
`langchain_core.tools` and `replicate` (the first two are lazy packages)."""

CASES = (
    ImportCase("ours", "import langchain_replicate", "import langchain_replicate", 3),
    DEPENDENCIES,
    ImportCase(
        "bases",
        "dependencies + the base classes it subclasses",
        "import replicate\n"
        "from langchain_core.language_models import BaseChatModel, BaseLLM\n"
        "from langchain_core.tools import BaseTool",
        3,
    ),
    ImportCase(
        "ours_llm",
        "from langchain_replicate import Replicate",
        "from langchain_replicate import Replicate",
        5,
    ),
    ImportCase(
        "llm_bases",
        "replicate + BaseLLM (what the LLM subclasses)",
        "import replicate\nfrom langchain_core.language_models import BaseLLM",
        5,
    ),
    ImportCase(
        "community",
        "from langchain_community.llms import Replicate",
        "from langchain_community.llms import Replicate",
        1,
    ),
    ImportCase("litellm", "import litellm", "import litellm", 1),
    ImportCase("replicate", "import replicate", "import replicate", 2),
)


def _once(statement: str) -> float:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and snippet
        [sys.executable, "-W", "ignore", "-c", _SNIPPET.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(done.stdout.strip().splitlines()[-1])


def measure() -> dict[str, dict[str, object]]:
    """Median seconds per case; samples interleaved so drift hits all alike."""
    samples: dict[str, list[float]] = {case.key: [] for case in CASES}
    for round_ in range(max(case.samples for case in CASES)):
        for case in CASES:
            if round_ < case.samples:
                samples[case.key].append(_once(case.statement))
    return {
        case.key: {
            "label": case.label,
            "median": statistics.median(samples[case.key]),
            "samples": samples[case.key],
        }
        for case in CASES
    }
