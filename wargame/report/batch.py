"""The batch report: one offline HTML file of a finished batch (`wargame batch --html`,
`wargame summarize DIR --html`). Rates and means per variant with 95% intervals, a forest plot
of the paired differences against the baseline, distributions of action counts, and the
cumulative share of runs in which each outcome has happened, turn by turn.

This module picks the content as typed records (from the summary and the runs table, the
measures and labels of `wargame.stats.tables`); `charts` draws, `render` lays it out.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wargame.batch.runner import BatchResult
from wargame.batch.storage import MANIFEST, RUNS
from wargame.files.saved import read_manifest
from wargame.report import charts
from wargame.report.content import Fact
from wargame.report.figures import Figure
from wargame.scenario.schema import ScenarioSpec
from wargame.stats import tables
from wargame.stats.intervals import wilson

MOST_BINS = 25
"""The most bars a count's distribution has (larger counts are grouped into equal bins)."""


# -- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A variant's paired difference to the baseline on one measure, with its 95% interval:
    for an outcome in percentage points, for a mean in the measure's own unit."""

    measure: str
    label: str
    variant: str
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Curve:
    """One variant's share of runs (%) in which an outcome had happened by the end of each
    turn, with 95% Wilson intervals, over `runs` complete runs."""

    variant: str
    runs: int
    turns: list[int]
    share: list[float]
    low: list[float]
    high: list[float]


@dataclass(frozen=True)
class Shares:
    """One variant's share of runs (%) in each bin of a count, with 95% Wilson intervals."""

    variant: str
    runs: int
    share: list[float]
    low: list[float]
    high: list[float]


@dataclass(frozen=True)
class Distribution:
    """How often an action was taken per game: the bins ('0', '1', or '4-7') and each
    variant's shares of runs in them."""

    measure: str
    bins: list[str]
    shares: list[Shares]


@dataclass(frozen=True)
class Row:
    """A line of the table: the measure's label, its id, and the cells (each variant's value,
    then each other variant's difference to the baseline)."""

    label: str
    measure: str
    cells: list[str]


@dataclass(frozen=True)
class BatchReport:
    """Everything the batch report shows, in its order."""

    title: str
    hindsight: list[str]
    facts: list[Fact]
    headers: list[str]
    outcome_rows: list[Row]
    mean_rows: list[Row]
    legend: str
    forest: list[Figure]
    curves: list[Figure]
    distributions: list[Figure]
    notes: list[str]


# -- content from the summary ----------------------------------------------------------------


def differences(
    summary: dict[str, Any], names: dict[str, str]
) -> tuple[list[Difference], list[Difference]]:
    """The paired differences of every other variant to the baseline: outcomes (in
    percentage points) and means (in their unit), measure by measure in the summary's order."""
    baseline = summary["baseline"]
    others = [v for v in summary["variants"] if v != baseline]

    def of(key: str, scale: float) -> list[Difference]:
        found = []
        for row in summary[key]:
            label = tables.label_of(row["measure"], names)
            for variant in others:
                d = row["by_variant"][variant]["difference"]
                found.append(
                    Difference(
                        row["measure"],
                        label,
                        variant,
                        d["estimate"] * scale,
                        d["low"] * scale,
                        d["high"] * scale,
                    )
                )
        return found

    return of("rates", 100.0), of("means", 1.0)


def unit_of(measure: str) -> str:
    """The unit a mean (and its difference) is in."""
    if measure == "turns":
        return "turns"
    if measure == "escalation":
        return "escalation points"
    if measure.startswith("count."):
        return "times taken per game"
    return "the variable's own scale"


def turn_axis(spec: ScenarioSpec | None) -> str:
    """The x-axis label of a chart over the turns: 'turn (month)', from the scenario."""
    if spec is None:
        return "turn"
    count, unit = spec.scenario.turn_length.split()
    unit = unit.removesuffix("s")
    return f"turn ({unit})" if count == "1" else f"turn ({count} {unit}s)"


# -- content from the runs table -------------------------------------------------------------


def read_runs(result: BatchResult, columns: Sequence[str]) -> pa.Table:
    """The runs table with only the columns needed (and run, variant, error, turns)."""
    wanted = list(dict.fromkeys(["run", "variant", "error", "turns", *columns]))
    return pq.read_table(result.out / RUNS, columns=wanted)


def complete_runs(table: pa.Table, variants: Sequence[str]) -> pa.Table:
    """The games of the variants compared in runs that finished in every variant: a failed
    game drops its whole pair, as the summary does."""
    bad = pc.unique(pc.filter(table["run"], pc.is_valid(table["error"])))
    chosen = pc.is_in(table["variant"], value_set=pa.array(list(variants), pa.string()))
    finished = pc.invert(pc.is_in(table["run"], value_set=bad))
    return table.filter(pc.and_(chosen, finished))


def _values(table: pa.Table, variant: str, column: str) -> list[Any]:
    return table.filter(pc.equal(table["variant"], variant))[column].to_pylist()


def turn_span(table: pa.Table, outcomes: Sequence[str]) -> list[int]:
    """The turns a curve runs over: from 1 (or 0, if an outcome held at the start) to the
    last turn any game played."""
    whens = [t for o in outcomes for t in table[f"outcome.{o}"].to_pylist() if t is not None]
    played = [t for t in table["turns"].to_pylist() if t is not None]
    first = min([1, *whens])
    return list(range(first, max([first, *played, *whens]) + 1))


def cumulative(
    table: pa.Table, outcome: str, variants: Sequence[str], turns: Sequence[int]
) -> list[Curve]:
    """Per variant: the share of runs in which `outcome` had happened by each turn (its
    column holds the turn it first happened, or null), with 95% Wilson intervals."""
    curves = []
    for variant in variants:
        when = _values(table, variant, f"outcome.{outcome}")
        if not when:
            continue
        happened = sorted(t for t in when if t is not None)
        found = [wilson(bisect_right(happened, t), len(when)) for t in turns]
        curves.append(
            Curve(
                variant,
                len(when),
                list(turns),
                [100 * i.estimate for i in found],
                [100 * i.low for i in found],
                [100 * i.high for i in found],
            )
        )
    return curves


def distribution(table: pa.Table, measure: str, variants: Sequence[str]) -> Distribution:
    """Per variant: the share of runs in which the action was taken 0, 1, 2... times (in at
    most MOST_BINS equal bins), with 95% Wilson intervals."""
    by_variant = {v: [int(x or 0) for x in _values(table, v, measure)] for v in variants}
    top = max((max(xs) for xs in by_variant.values() if xs), default=0)
    width = math.ceil((top + 1) / MOST_BINS)
    starts = list(range(0, top + 1, width))
    bins = [str(s) if width == 1 else f"{s}-{s + width - 1}" for s in starts]
    shares = []
    for variant, xs in by_variant.items():
        if not xs:
            continue
        counted = Counter(x // width for x in xs)
        found = [wilson(counted.get(k, 0), len(xs)) for k in range(len(starts))]
        shares.append(
            Shares(
                variant,
                len(xs),
                [100 * i.estimate for i in found],
                [100 * i.low for i in found],
                [100 * i.high for i in found],
            )
        )
    return Distribution(measure, bins, shares)


# -- figures ---------------------------------------------------------------------------------


def forest_figures(summary: dict[str, Any], names: dict[str, str], pairs: int) -> list[Figure]:
    """The forest plots: outcomes in percentage points (one chart), and the means, a panel
    per measure in its own unit."""
    rates, means = differences(summary, names)
    base = tables.variant_label(summary["baseline"])
    several = len(summary["variants"]) > 2

    def row(d: Difference, label: str) -> charts.Whisker:
        return charts.Whisker(label, d.estimate, d.low, d.high)

    def named(d: Difference) -> str:
        return f"{d.label}: {tables.variant_label(d.variant)}" if several else d.label

    figures = []
    if rates:
        figures.append(
            Figure(
                "forest-outcomes",
                f"How much more often (or less) each outcome happened than under {base}, "
                f"in percentage points, paired run by run over {pairs} complete pairs: the "
                "point is the difference, the whiskers its 95% interval (Newcombe's paired "
                "interval); the dashed line is no difference.",
                charts.forest_chart(
                    f"Outcomes: difference against {base}",
                    [
                        charts.ForestPanel(
                            "",
                            "difference in share of runs (percentage points)",
                            [row(d, named(d)) for d in rates],
                        )
                    ],
                ),
            )
        )
    if means:
        panels = [
            charts.ForestPanel(
                tables.label_of(measure, names),
                f"difference in mean ({unit_of(measure)})",
                [row(d, tables.variant_label(d.variant)) for d in means if d.measure == measure],
            )
            for measure in dict.fromkeys(d.measure for d in means)
        ]
        figures.append(
            Figure(
                "forest-means",
                f"The difference of each measure's mean per game against {base}, in the "
                "measure's unit, paired run by run: the point is the difference, the "
                "whiskers its 95% bootstrap interval over pairs; the dashed line is no "
                "difference.",
                charts.forest_chart(f"Other measures: difference against {base}", panels),
            )
        )
    return figures


def curve_figure(label: str, outcome: str, curves: Sequence[Curve], x_label: str) -> Figure:
    """The cumulative share of runs in which an outcome has happened, by turn, per variant."""
    series = [
        charts.Series(tables.variant_label(c.variant), c.turns, c.share, c.low, c.high)
        for c in curves
    ]
    runs = ", ".join(f"{tables.variant_label(c.variant)} {c.runs}" for c in curves)
    return Figure(
        f"curve-{outcome}",
        f"{label}: the share of runs in which it had happened by the end of each turn "
        f"(cumulative; runs: {runs}). Shaded: 95% Wilson intervals.",
        charts.line_chart(
            _title(label, "by turn"),
            series,
            x_label=x_label,
            y_label="share of runs (%)",
            y_range=(0.0, 100.0),
            x_ticks=curves[0].turns if curves and len(curves[0].turns) <= 25 else None,
        ),
    )


def distribution_figure(label: str, found: Distribution) -> Figure:
    """A count's distribution per variant: the share of runs per number of times."""
    bars = [
        charts.Bars(tables.variant_label(s.variant), s.share, s.low, s.high) for s in found.shares
    ]
    return Figure(
        f"distribution-{found.measure}",
        f"{label}: the share of runs in which it was taken so many times in the game; "
        "error bars: 95% Wilson intervals.",
        charts.bar_chart(
            _title(label.removesuffix(" (per game)"), "how many times per game"),
            found.bins,
            bars,
            x_label="times taken per game",
            y_label="share of runs (%)",
            y_range=(0.0, 100.0),
        ),
    )


def _title(label: str, what: str) -> str:
    """A chart title: the label, cut to fit one line, and what is shown."""
    text = label if len(label) <= 60 else label[:59].rsplit(" ", 1)[0] + "…"
    return f"{text}: {what}"


# -- the whole report --------------------------------------------------------------------------


def batch_report(
    result: BatchResult,
    spec: ScenarioSpec | None,
    summary: dict[str, Any],
    keep: Sequence[str],
) -> BatchReport:
    """The report of a finished batch: the measures in `keep` (tables.chosen), labelled from
    the scenario (ids without it)."""
    names = tables.labels(spec)
    shown = tables.select(summary, keep)
    outcomes = [row["measure"] for row in shown["rates"]]
    counts = [row["measure"] for row in shown["means"] if row["measure"].startswith("count.")]
    variants = list(summary["variants"])
    notes = []
    curves: list[Figure] = []
    distributions: list[Figure] = []
    if summary["pairs"] > 0:
        table = complete_runs(
            read_runs(result, [*(f"outcome.{o}" for o in outcomes), *counts]), variants
        )
        turns = turn_span(table, outcomes)
        never = []
        for outcome in outcomes:
            found = cumulative(table, outcome, variants, turns)
            if not any(c.share[-1] > 0 for c in found):
                never.append(tables.label_of(outcome, names))
                continue
            label = tables.label_of(outcome, names)
            curves.append(curve_figure(label, outcome, found, turn_axis(spec)))
        if never:
            notes.append("Never happened in any run, so not drawn: " + "; ".join(never) + ".")
        for measure in counts:
            label = tables.label_of(measure, names)
            distributions.append(distribution_figure(label, distribution(table, measure, variants)))
    else:
        notes.append("No complete pair of runs: every run failed in some variant.")
    rows = [Row(label, measure, cells) for measure, label, cells in tables.rows(shown, names)]
    return BatchReport(
        title=_report_title(spec),
        hindsight=list(result.hindsight),
        facts=_facts(result, spec, summary),
        headers=tables.column_headers(summary),
        outcome_rows=rows[: len(shown["rates"])],
        mean_rows=rows[len(shown["rates"]) :],
        legend=_legend(summary),
        forest=forest_figures(shown, names, summary["pairs"]),
        curves=curves,
        distributions=distributions,
        notes=notes,
    )


def _report_title(spec: ScenarioSpec | None) -> str:
    if spec is None:
        return "Batch report"
    return f"Batch report: {' '.join(spec.scenario.title.split())}"


def _legend(summary: dict[str, Any]) -> str:
    return (
        "Outcomes: % of runs in which it happened [95% Wilson interval]; differences in "
        f"percentage points (pts) against {tables.variant_label(summary['baseline'])}, paired "
        "run by run [95% interval]. Other measures: mean per game [95% normal interval]; "
        "differences in the "
        "measure's unit [95% bootstrap interval over pairs]."
    )


def _facts(result: BatchResult, spec: ScenarioSpec | None, summary: dict[str, Any]) -> list[Fact]:
    """What the batch was: scenario, variants, runs, pairs, seed, sampling, fixed numbers."""
    manifest = read_manifest(result.out / MANIFEST)
    scenario = str(manifest["scenario"])
    if spec is not None:
        scenario = f"{' '.join(spec.scenario.title.split())} ({scenario})"
    variants = ", ".join(tables.variant_label(v) for v in summary["variants"])
    facts = [
        Fact("Scenario", scenario),
        Fact("Variants", variants),
        Fact("Baseline", tables.variant_label(summary["baseline"])),
        Fact("Runs per variant", str(manifest["runs"])),
        Fact(
            "Complete pairs",
            f"{summary['pairs']} (the same seeds and sampled inputs in every variant)",
        ),
    ]
    if summary["dropped_pairs"]:
        facts.append(Fact("Dropped", f"{summary['dropped_pairs']} runs in which a game failed"))
    facts += [
        Fact("Batch seed", str(manifest["seed"])),
        Fact("Uncertain numbers sampled by", str(manifest["sample"])),
    ]
    if manifest.get("overrides"):
        facts.append(Fact("Fixed with --set", ", ".join(map(str, manifest["overrides"]))))
    facts.append(Fact("Batch folder", str(result.out)))
    return facts
