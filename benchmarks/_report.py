"""From raw measurements to figures, ratios, target checks, a table and a chart (pure
but for writing the chart)."""

from __future__ import annotations

import importlib
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One subject's figure for one measure."""

    value: float | None
    """None: not measured (see `note`)."""
    text: str
    """How the table shows it."""
    lower_bound: bool = False
    """The value is only a lower bound (a capped run)."""
    note: str = ""


@dataclass
class Measure:
    """One row group of the table."""

    key: str
    label: str
    unit: str
    """`s`, `ms` or `MiB`: how values are shown."""
    floor: float | None
    floor_text: str
    figures: dict[str, Figure] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """One target of the issue, checked against our figure."""

    label: str
    passed: bool | None
    """None: could not be measured."""
    measured: str
    note: str = ""


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def show(value: float, unit: str) -> str:
    """A value in its unit, with sensible precision."""
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value * 1000:.3f} ms"
    return f"{value:.1f} {unit}"


def ratio(value: float | None, other: float | None, *, lower_bound: bool) -> str:
    """`value / other` as `1.23x`, or `—` when it has no meaning."""
    if value is None or other is None or other <= 0 or value < 0:
        return "—"
    sign = "≥ " if lower_bound else ""
    return f"{sign}{value / other:.2f}x"


def to_markdown(measures: Sequence[Measure], labels: dict[str, str]) -> str:
    """The table: per measure, each subject's figure and its ratios."""
    keys = list(labels)
    header = ["Measure", "Client", "Figure", "vs floor"] + [
        f"vs {labels[key]}" for key in keys
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for measure in measures:
        floor = f"{measure.label}: floor {measure.floor_text}"
        first = True
        for key in keys:
            figure = measure.figures.get(key)
            if figure is None:
                continue
            cells = [floor if first else "", labels[key], figure.text]
            cells.append(
                ratio(figure.value, measure.floor, lower_bound=figure.lower_bound)
            )
            for other in keys:
                peer = measure.figures.get(other)
                if (
                    other == key
                    or peer is None
                    or peer.value is None
                    or (peer.lower_bound and figure.lower_bound)
                ):
                    cells.append("—")
                elif peer.lower_bound:
                    shown = ratio(figure.value, peer.value, lower_bound=False)
                    cells.append(shown if shown == "—" else f"≤ {shown}")
                else:
                    cells.append(
                        ratio(figure.value, peer.value, lower_bound=figure.lower_bound)
                    )
            lines.append("| " + " | ".join(cells) + " |")
            first = False
    return "\n".join(lines)


def targets_markdown(targets: Sequence[Target]) -> str:
    """One line per target: PASS / MISS / n/a with the figure."""
    lines = []
    for target in targets:
        verdict = {True: "PASS", False: "MISS", None: "n/a"}[target.passed]
        line = f"- **{verdict}** {target.label}: {target.measured}"
        if target.note and not target.passed:
            line += f" — {target.note}"
        lines.append(line)
    return "\n".join(lines)


def chart(
    measures: Sequence[Measure], labels: dict[str, str], path: Path, title: str
) -> None:
    """One bar panel per measure, the floor as a dashed line; saved as PNG."""
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    pyplot = importlib.import_module("matplotlib.pyplot")
    columns = 3
    rows = -(-len(measures) // columns)
    fig, axes = pyplot.subplots(rows, columns, figsize=(15, 3.6 * rows))
    colours = pyplot.rcParams["axes.prop_cycle"].by_key()["color"]
    flat = list(axes.flat)
    for axis, measure in zip(flat, measures, strict=False):
        scale = 1000 if measure.unit in {"s", "ms"} else 1
        unit = "ms" if scale == 1000 else measure.unit
        names, values, hatches = [], [], []
        for index, key in enumerate(labels):
            figure = measure.figures.get(key)
            if figure is None or figure.value is None:
                continue
            names.append(labels[key].replace(" ", "\n", 1))
            values.append(figure.value * scale)
            hatches.append((colours[index % len(colours)], figure.lower_bound))
        bars = axis.bar(range(len(values)), values, color=[c for c, _ in hatches])
        for bar, (_, capped) in zip(bars, hatches, strict=True):
            if capped:
                bar.set_hatch("//")
                axis.annotate(
                    "capped",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
        if measure.floor:
            axis.axhline(measure.floor * scale, color="black", linestyle="--")
        axis.set_xticks(range(len(values)), names, fontsize=7)
        axis.set_title(f"{measure.label} ({unit}; dashed: floor)", fontsize=9)
        if values and max(values) > 20 * max(min(values), 1e-9):
            axis.set_yscale("log")
    for axis in flat[len(measures) :]:
        axis.set_visible(False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    pyplot.close(fig)


# -- summaries of the workers' raw results ------------------------------------------


def median_of(runs: Sequence[dict[str, Any]], name: str) -> float:
    """Median of one field over the runs that have it."""
    return float(
        statistics.median(run[name] for run in runs if run.get(name) is not None)
    )


def problem(result: dict[str, Any] | None) -> str | None:
    """Why a scenario has no figures (None: it has)."""
    if result is None:
        return "not run"
    if "unsupported" in result:
        return f"n/a: {result['unsupported']}"
    if "error" in result:
        return f"failed: {result['error']}"
    return None
