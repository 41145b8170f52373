"""Reasoning token counts into `usage_metadata` (pure: no sockets)."""

from __future__ import annotations

from langchain_replicate._outputs.metadata import (
    log_token_counts,
    usage_from_metrics,
    usage_from_prediction,
)
from langchain_replicate._tool_use.completions import _usage

# As GPT-5.1's example run on Replicate shows it (one line each).
GPT5_LOGS = (
    "Model variant: gpt-5.1\n"
    "Input token count: 644\n"
    "Output token count: 757\n"
    "  - Reasoning tokens: 742\n"
    "Total token count: 1401\n"
    "TTFT: 0.22s\n"
)


def test_the_gpt5_log_summary_gives_the_reasoning_tokens() -> None:
    prediction = {
        "metrics": {"input_token_count": 644, "output_token_count": 757},
        "logs": GPT5_LOGS,
    }
    assert usage_from_prediction(prediction) == {
        "input_tokens": 644,
        "output_tokens": 757,
        "total_tokens": 1401,
        "output_token_details": {"reasoning": 742},
    }


def test_the_logs_output_count_wins_over_a_smaller_metric_and_fills_in_for_none() -> (
    None
):
    visible_only = {
        "metrics": {"input_token_count": 644, "output_token_count": 15},
        "logs": GPT5_LOGS,
    }
    usage = usage_from_prediction(visible_only)
    assert usage is not None
    assert (usage["output_tokens"], usage["total_tokens"]) == (757, 1401)
    sync_mode = {"metrics": {}, "logs": "Loading\n" + GPT5_LOGS}
    assert usage_from_prediction(sync_mode) == usage_from_prediction(
        {
            "metrics": {"input_token_count": 644, "output_token_count": 757},
            "logs": GPT5_LOGS,
        }
    )


def test_the_last_summary_counts_and_other_logs_give_nothing() -> None:
    twice = GPT5_LOGS.replace("742", "1") + GPT5_LOGS
    assert log_token_counts(twice) == {"input": 644, "output": 757, "reasoning": 742}
    assert log_token_counts("Generated 12 tokens in 0.10s.\n") == {}
    assert log_token_counts(None) == {}
    # Prose quoting the words mid-line is not a summary line.
    assert log_token_counts("the Output token count: 5 was printed\n") == {}


def test_without_reasoning_reports_usage_is_the_metrics_usage() -> None:
    metrics = {"input_token_count": 7, "output_token_count": 30}
    prediction = {"metrics": metrics, "logs": "Random seed used: `1`\n"}
    assert usage_from_prediction(prediction) == usage_from_metrics(metrics)
    assert usage_from_prediction({"metrics": {}, "logs": ""}) is None


def test_a_reasoning_token_metric_is_read_too() -> None:
    prediction = {
        "metrics": {
            "input_token_count": 5,
            "output_token_count": 50,
            "reasoning_token_count": 40,
        }
    }
    usage = usage_from_prediction(prediction)
    assert usage is not None
    assert usage["output_token_details"] == {"reasoning": 40}
    assert usage["output_tokens"] == 50


def test_chat_completion_usage_details_give_reasoning_tokens() -> None:
    usage = _usage(
        {
            "prompt_tokens": 10,
            "completion_tokens": 90,
            "total_tokens": 100,
            "completion_tokens_details": {"reasoning_tokens": 64},
        }
    )
    assert usage == {
        "input_tokens": 10,
        "output_tokens": 90,
        "total_tokens": 100,
        "output_token_details": {"reasoning": 64},
    }
