"""Prediction metadata for `generation_info` / `response_metadata`, and token usage.

Pure (no I/O).

Token usage (`usage_from_prediction`) comes from the prediction's `metrics`
(`input_token_count` / `output_token_count`, or Granite's
`token_input_count` / `token_output_count`) and, for reasoning models, from
what they report of their hidden reasoning:

* a `reasoning_token_count` metric, should a model report one;
* the token summary GPT-5 (and GPT-5.1...) write at the end of their logs on
  Replicate: `Input token count: 644`, `Output token count: 757`,
  `- Reasoning tokens: 742`, `Total token count: 1401` (one line each; the
  last summary in the logs counts). Its output count includes the reasoning,
  as OpenAI's does: it replaces a smaller `output_token_count` metric, and its
  counts stand in for metrics the prediction lacks (sync mode).

The reasoning count goes to `usage_metadata["output_token_details"]["reasoning"]`,
a part of `output_tokens` (not added to it), as langchain-openai reports it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from langchain_core.messages.ai import OutputTokenDetails, UsageMetadata

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_replicate._inputs.calls import PreparedCall


def prediction_info(
    prediction: Mapping[str, Any], *, model_name: str
) -> dict[str, Any]:
    """What a generation reports about its prediction.

    Args:
        prediction: The prediction JSON (final, or as far as known).
        model_name: The reference the user asked for (e.g. `meta/x` or `o/n:ver`).

    Returns:
        `prediction_id`, `model_name`, `model` (what Replicate ran), `version`,
        `status`, `metrics` (empty when the API gave none, as in sync mode) and
        `web_url` (the prediction's page on replicate.com).
    """
    return {
        "prediction_id": prediction.get("id"),
        "model_name": model_name,
        "model": prediction.get("model"),
        "version": prediction.get("version"),
        "status": prediction.get("status"),
        "metrics": dict(prediction.get("metrics") or {}),
        "model_provider": "replicate",
        "web_url": (prediction.get("urls") or {}).get("web"),
    }


def generation_info(
    call: PreparedCall, prediction: Mapping[str, Any], *, stopped: bool
) -> dict[str, Any]:
    """`prediction_info` plus why the output ended (`finish_reason`).

    What `Replicate`'s `generation_info` and `ChatReplicate`'s
    `response_metadata` report.

    Args:
        call: The call the prediction ran.
        prediction: The prediction JSON (final, or as far as known).
        stopped: Whether our stop sequence finder cut the output.

    Returns:
        The metadata, with `finish_reason` (see `finish_reason`).
    """
    info = prediction_info(prediction, model_name=str(call.ref))
    info["finish_reason"] = finish_reason(
        info["metrics"], stopped=stopped, max_tokens=call.max_tokens
    )
    return info


_LOG_COUNTS = {
    "input": re.compile(r"^Input token count: (\d+)\s*$", re.MULTILINE),
    "output": re.compile(r"^Output token count: (\d+)\s*$", re.MULTILINE),
    "reasoning": re.compile(r"^\W*Reasoning tokens: (\d+)\s*$", re.MULTILINE),
}
"""The token summary lines of GPT-5's logs on Replicate."""


def log_token_counts(logs: object) -> dict[str, int]:
    """The token counts GPT-5-style logs report (`input`, `output`, `reasoning`).

    Args:
        logs: The prediction's `logs`.

    Returns:
        Each count the logs give, from their last summary; empty if none.
    """
    if not isinstance(logs, str) or "token count" not in logs:
        return {}
    counts = {}
    for name, pattern in _LOG_COUNTS.items():
        found = pattern.findall(logs)
        if found:
            counts[name] = int(found[-1])
    return counts


def usage_from_prediction(prediction: Mapping[str, Any]) -> UsageMetadata | None:
    """Token usage of a prediction: its metrics, then what its logs report.

    Args:
        prediction: The prediction JSON (final, or as far as known).

    Returns:
        The usage, with `output_token_details["reasoning"]` when the
        prediction reports reasoning tokens; `None` when it reports no token
        counts at all.
    """
    metrics = prediction.get("metrics") or {}
    logged = log_token_counts(prediction.get("logs"))
    reasoning = metrics.get("reasoning_token_count", logged.get("reasoning"))
    usage = usage_from_metrics(metrics)
    if not logged and not isinstance(reasoning, int):
        return usage
    input_tokens = usage["input_tokens"] if usage else logged.get("input")
    output_tokens = max(usage["output_tokens"] if usage else 0, logged.get("output", 0))
    if input_tokens is None and not output_tokens:
        return None
    input_tokens = input_tokens or 0
    result = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
    if isinstance(reasoning, int):
        result["output_token_details"] = OutputTokenDetails(reasoning=reasoning)
    return result


def usage_from_metrics(metrics: Mapping[str, Any] | None) -> UsageMetadata | None:
    """Token usage from a prediction's metrics.

    Reads `input_token_count` / `output_token_count`, or the other naming
    some models use (`token_input_count` / `token_output_count`, e.g. IBM's
    Granite 4.1).

    Args:
        metrics: The prediction's `metrics`.

    Returns:
        The usage, or `None` when the model reported no token counts.
    """
    if not metrics:
        return None
    input_tokens = metrics.get("input_token_count", metrics.get("token_input_count"))
    output_tokens = metrics.get("output_token_count", metrics.get("token_output_count"))
    if not isinstance(input_tokens, int) and not isinstance(output_tokens, int):
        return None
    input_tokens = input_tokens if isinstance(input_tokens, int) else 0
    output_tokens = output_tokens if isinstance(output_tokens, int) else 0
    return UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )


def finish_reason(
    metrics: Mapping[str, Any] | None, *, stopped: bool, max_tokens: int | None
) -> str:
    """Why the output ended, in LangChain's terms.

    Args:
        metrics: The prediction's `metrics`.
        stopped: Whether our stop sequence finder cut the output.
        max_tokens: The output-token limit the call ran with, if known.

    Returns:
        `stop_sequence` when a stop sequence ended it, `length` when the output
        reached `max_tokens`, else `stop`.
    """
    if stopped:
        return "stop_sequence"
    metrics = metrics or {}
    output_tokens = metrics.get("output_token_count", metrics.get("token_output_count"))
    if (
        isinstance(max_tokens, int)
        and isinstance(output_tokens, int)
        and output_tokens >= max_tokens
    ):
        return "length"
    return "stop"
