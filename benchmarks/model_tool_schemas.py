"""What an agent reads and calls to run one model: Replicate's MCP tools vs ours.

    python -m benchmarks.model_tool_schemas

Not a timing: it counts what each way puts in front of the LLM for the same
task ("run <model> on these inputs"), on the local server's reference models
(their schemas are copies of the real ones):

* **MCP** (`replicate-mcp`, static tools): the LLM must call `get_models` to
  learn the inputs (its result is the model object, `openapi_schema` and all,
  as JSON text), then `create_predictions` with an untyped `input: object`.
  Its request schema is rebuilt here from the spec's fields (`version`,
  `input`, `webhook`, `webhook_events_filter`, `Prefer`, `Cancel-After`,
  `jq_filter`); the 35 tool definitions it lists up front are not counted.
* **Ours, typed**: one `ReplicateModelTool` per model; the LLM reads its
  OpenAI tool definition and calls it once.
* **Ours, discovery**: `get_model` (the inputs in brief) then `run_model`.
* **A search**: MCP's `search_models` answers with whole model objects;
  ours with one line per model.

Tokens are estimated as characters / 4 (no tokenizer ships offline).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_replicate import ReplicateModelTool, ReplicateToolkit
from langchain_replicate._tool_use.model_cards import search_lines
from langchain_replicate.testing import LocalReplicateServer

MODELS = (
    "black-forest-labs/flux-schnell",
    "stability-ai/sdxl",
    "yorickvp/llava-13b",
)

MCP_CREATE_PREDICTIONS = {
    "name": "create_predictions",
    "description": (
        "Create a prediction for the model version and inputs you provide. "
        "Example cURL request: ..."
    ),
    "inputSchema": {
        "type": "object",
        "properties": {
            "version": {
                "type": "string",
                "description": "The ID of the model version.",
            },
            "input": {
                "type": "object",
                "description": (
                    "The model's input as a JSON object. The input schema depends "
                    "on what model you are running."
                ),
                "additionalProperties": True,
            },
            "webhook": {"type": "string"},
            "webhook_events_filter": {"type": "array", "items": {"type": "string"}},
            "Prefer": {"type": "string"},
            "Cancel-After": {"type": "string"},
            "jq_filter": {
                "type": "string",
                "description": "A jq filter to apply to the response.",
            },
        },
        "required": ["version", "input"],
    },
}


def chars(value: Any) -> int:  # noqa: ANN401 - JSON or text
    """Characters of a JSON value (compact) or a text."""
    if isinstance(value, str):
        return len(value)
    return len(json.dumps(value, separators=(",", ":")))


def row(label: str, calls: int, read: int, checked: str) -> str:
    """One line of the table."""
    return f"| {label} | {calls} | {read:,} | ~{read // 4:,} | {checked} |"


def main() -> None:
    """Print the comparison table for each model."""
    with LocalReplicateServer() as server:
        kw = {"api_key": server.api_token, "base_url": server.base_url}
        toolkit = ReplicateToolkit(discovery=True, **kw)
        discovery = {t.name: t for t in toolkit.get_tools()}
        headers = {"Authorization": f"Bearer {server.api_token}"}
        print(
            "| way | LLM calls | characters read | tokens | checked before a create |"
        )
        print("|---|---|---|---|---|")
        for model in MODELS:
            card = httpx.get(
                f"{server.base_url}/v1/models/{model}", headers=headers, timeout=10
            ).json()
            tool = ReplicateModelTool.from_model(model, **kw)
            typed = convert_to_openai_tool(tool)
            brief = discovery["get_model"].invoke({"model": model})
            run_model = convert_to_openai_tool(discovery["run_model"])
            get_model = convert_to_openai_tool(discovery["get_model"])
            print(f"| **{model}** | | | | |")
            print(
                row(
                    "MCP: get_models → create_predictions",
                    2,
                    chars(MCP_CREATE_PREDICTIONS) + chars(card),
                    "nothing (input is `object`)",
                )
            )
            print(
                row(
                    "ours: typed tool",
                    1,
                    chars(typed),
                    "types, enums, ranges, required, unknown names, files, run limit",
                )
            )
            print(
                row(
                    "ours: get_model → run_model",
                    2,
                    chars(get_model) + chars(run_model) + chars(brief),
                    "the same, and the allow-list",
                )
            )
        search_rows(server.base_url, server.api_token)


def search_rows(base_url: str, token: str, count: int = 5) -> None:
    """What a search of `count` models puts in front of the LLM, each way.

    `QUERY /v1/models` (MCP's `search_models`) answers with model objects,
    each with its latest version's whole `openapi_schema`; the local server's
    `GET /v1/models` page has the same objects, so its first `count` stand in.
    """
    headers = {"Authorization": f"Bearer {token}"}
    page = httpx.get(f"{base_url}/v1/models", headers=headers, timeout=10).json()
    models = page["results"][:count]
    print(f"| **a search answering {count} models** | | | | |")
    print(row("MCP: search_models (model objects)", 1, chars(models), "-"))
    print(
        row("ours: search_models (one line each)", 1, chars(search_lines(models)), "-")
    )


if __name__ == "__main__":
    main()
