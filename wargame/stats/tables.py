"""The batch summary as a person reads it: which measures, under which labels, in which units.

`summarise` (wargame.stats.comparison) computes every measure; this module picks the ones to
show (`select`: the outcomes and the scenario's `report:` list, or `--measures` patterns),
names them from the scenario (`labels`: an outcome's description, an action's label, a
variable's description) and writes the full table as CSV or Markdown (`csv_text`,
`markdown_text`). Rates are shares of runs, printed in percent; their differences are in
percentage points ("pts"), never "%".
"""

from __future__ import annotations

import csv
import fnmatch
import io
import math
import re
from collections.abc import Sequence
from typing import Any

from wargame.errors import WargameError
from wargame.scenario.schema import NO_VARIANT, REPORT_MEASURES, ScenarioSpec

DEFAULT_MEASURES = ("turns", "escalation")
"""The measures shown beside the outcomes when the scenario has no `report:` list."""
LABEL_CHARACTERS = 72
"""The longest label taken from a description (cut at a word, with an ellipsis)."""


def variant_label(name: str) -> str:
    """How a variant is named in a table: its id with spaces; the game with no variant says so."""
    if name == NO_VARIANT:
        return f"{NO_VARIANT} (no variant)"
    return name.replace("_", " ")


def column_headers(summary: dict[str, Any]) -> list[str]:
    """The headings of the cells `rows` gives: each variant, then each other variant 'vs' the
    baseline."""
    variants, baseline = summary["variants"], summary["baseline"]
    return [variant_label(v) for v in variants] + [
        f"{variant_label(v)} vs {variant_label(baseline)}" for v in variants if v != baseline
    ]


def measure_names(summary: dict[str, Any]) -> list[str]:
    """Every measure of the summary, in its order: outcome ids, then the means' columns."""
    return [row["measure"] for row in summary["rates"]] + [
        row["measure"] for row in summary["means"]
    ]


def known_names(columns: Sequence[str]) -> list[str]:
    """The measures a runs table can show (whether or not any run had them): outcome ids,
    turns, escalation, count.ACTION and final.VARIABLE."""
    found = [c[8:] for c in columns if c.startswith("outcome.")]
    found += [c for c in columns if c in REPORT_MEASURES]
    found += [c for c in columns if c.startswith(("count.", "final.")) and c.count(".") == 1]
    return found


def _matches(pattern: str, name: str, outcomes: set[str]) -> bool:
    if fnmatch.fnmatchcase(name, pattern):
        return True
    return name in outcomes and fnmatch.fnmatchcase(f"outcome.{name}", pattern)


def chosen(
    summary: dict[str, Any],
    columns: Sequence[str],
    *,
    patterns: Sequence[str] | None = None,
    report: Sequence[str] = (),
) -> list[str]:
    """The measures to show. With `patterns` (--measures: glob patterns over measure names,
    an outcome also as outcome.ID): exactly those matching; a pattern matching no measure of
    the batch is a WargameError naming the known ones. Without: every outcome, and the
    scenario's `report:` list, or turns and escalation if it has none. In the order given."""
    outcomes = [row["measure"] for row in summary["rates"]]
    if patterns is None:
        named = [name[8:] if name.startswith("outcome.") else name for name in report]
        return list(dict.fromkeys([*outcomes, *(named or DEFAULT_MEASURES)]))
    known = known_names(columns)
    outcome_ids = {c[8:] for c in columns if c.startswith("outcome.")}
    keep: dict[str, None] = {}
    for pattern in patterns:
        found = [name for name in known if _matches(pattern, name, outcome_ids)]
        if not found:
            shown = ", ".join(
                [*sorted(outcome_ids), *DEFAULT_MEASURES, "count.ACTION", "final.VARIABLE"]
            )
            raise WargameError(
                f"--measures '{pattern}' matches no measure of this batch. Fix: name measures "
                f"or glob patterns (e.g. 'count.nk_*') among: {shown}"
            )
        keep.update(dict.fromkeys(found))
    return list(keep)


def select(summary: dict[str, Any], keep: Sequence[str]) -> dict[str, Any]:
    """The summary with only the measures in `keep`, in that order."""
    place = {name: i for i, name in enumerate(keep)}

    def chosen_rows(key: str) -> list[dict[str, Any]]:
        found = [row for row in summary[key] if row["measure"] in place]
        return sorted(found, key=lambda row: place[row["measure"]])

    return {**summary, "rates": chosen_rows("rates"), "means": chosen_rows("means")}


def _sentence(description: str) -> str:
    """A description's first clause, at most LABEL_CHARACTERS, cut at a word."""
    text = " ".join(description.split())
    text = re.split(r"(?<=[a-z0-9)])\. | \(|; ", text, maxsplit=1)[0].rstrip(". ")
    if len(text) <= LABEL_CHARACTERS:
        return text
    cut = text[: LABEL_CHARACTERS - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut}…"


def labels(spec: ScenarioSpec | None) -> dict[str, str]:
    """A label per measure name, from the scenario (without one: the ids, made readable)."""
    found = {
        "turns": "turns played",
        "escalation": "escalation (summed weights of the moves)",
    }
    if spec is None:
        return found
    for name, outcome in spec.outcomes.items():
        found[name] = _sentence(outcome.description) if outcome.description else _plain(name)
    for name, action in spec.actions.items():
        found[f"count.{name}"] = f"{action.actor}: {action.label} (per game)"
    for name, variable in spec.state.variables.items():
        said = _sentence(variable.description) if variable.description else _plain(name)
        found[f"final.{name}"] = f"{said}, at the end"
    return found


def _plain(name: str) -> str:
    return name.replace("_", " ").replace(".", ": ", 1)


def label_of(name: str, names: dict[str, str]) -> str:
    return names.get(name) or _plain(name)


# -- cells ------------------------------------------------------------------------------------


def rate_cell(interval: dict[str, float]) -> str:
    """'5.5% [3.1, 9.6]': a share of runs with its 95% interval, in percent."""
    return (
        f"{interval['estimate'] * 100:.1f}% "
        f"[{interval['low'] * 100:.1f}, {interval['high'] * 100:.1f}]"
    )


def points_cell(interval: dict[str, float]) -> str:
    """'+3.5 pts [0.7, 6.9]': a difference of two shares, in percentage points."""
    return (
        f"{interval['estimate'] * 100:+.1f} pts "
        f"[{interval['low'] * 100:.1f}, {interval['high'] * 100:.1f}]"
    )


def decimals(values: Sequence[float]) -> int:
    """Decimals for a row of means: four significant digits of the largest, 0 to 3."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if largest < 1:
        return 3
    return max(0, min(3, 3 - math.floor(math.log10(largest))))


def mean_cell(entry: dict[str, Any], digits: int = 3, *, interval: bool = True) -> str:
    """'0.562 [0.441, 0.683]': a mean per run with its 95% interval (the mean alone without
    `interval`, or without one: a single run a variant)."""
    found = entry.get("interval")
    if found is None or not interval:
        return f"{entry['mean']:.{digits}f}"
    return f"{entry['mean']:.{digits}f} [{found['low']:.{digits}f}, {found['high']:.{digits}f}]"


def difference_cell(interval: dict[str, float], digits: int = 3) -> str:
    """'+0.147 [0.121, 0.174]': a difference of means, in the measure's own unit."""
    e, lo, hi = interval["estimate"], interval["low"], interval["high"]
    return f"{e:+.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def width_ratio(entry: dict[str, Any]) -> str:
    """The paired interval's width over the independent one's: the common-random-number gain."""
    if entry["unpaired"] is None:  # a single run a variant: no independent interval
        return "-"
    paired = entry["difference"]["high"] - entry["difference"]["low"]
    unpaired = entry["unpaired"]["high"] - entry["unpaired"]["low"]
    return f"{paired / unpaired:.2f}" if unpaired > 0 else "-"


def rows(
    summary: dict[str, Any], names: dict[str, str], *, mean_intervals: bool = True
) -> list[tuple[str, str, list[str]]]:
    """(measure, label, cells) per measure: each variant's value, then each other variant's
    difference to the baseline (outcomes in percent and points, means in their unit; each
    mean with its interval unless `mean_intervals` is off, as in the narrow terminal)."""
    variants, baseline = summary["variants"], summary["baseline"]
    others = [v for v in variants if v != baseline]
    found = []
    for row in summary["rates"]:
        by = row["by_variant"]
        cells = [rate_cell(by[v]["rate"]) for v in variants]
        cells += [points_cell(by[v]["difference"]) for v in others]
        found.append((row["measure"], label_of(row["measure"], names), cells))
    for row in summary["means"]:
        by = row["by_variant"]
        digits = decimals([by[v]["mean"] for v in variants])
        cells = [mean_cell(by[v], digits, interval=mean_intervals) for v in variants]
        cells += [difference_cell(by[v]["difference"], digits) for v in others]
        found.append((row["measure"], label_of(row["measure"], names), cells))
    return found


# -- the full table as files ----------------------------------------------------------------


CSV_HEADER = [
    "measure",
    "label",
    "kind",
    "variant",
    "value",
    "low",
    "high",
    "baseline",
    "difference",
    "difference_low",
    "difference_high",
    "difference_unit",
    "ci_width_paired_over_independent",
    "pairs",
]


def csv_text(summary: dict[str, Any], names: dict[str, str]) -> str:
    """Every measure of the summary, one line per (measure, variant): rates in percent of
    runs (kind 'rate'), means in the measure's unit (kind 'mean'), each with its 95% interval
    (low, high), and the paired 95% interval of the difference to the baseline (in
    percentage points for rates)."""
    stream = io.StringIO()
    write = csv.writer(stream, lineterminator="\n")
    write.writerow(CSV_HEADER)
    baseline, pairs = summary["baseline"], summary["pairs"]
    for kind, key in (("rate", "rates"), ("mean", "means")):
        for row in summary[key]:
            for variant, entry in row["by_variant"].items():
                if kind == "rate":
                    rate = entry["rate"]
                    value = [_number(rate[k] * 100) for k in ("estimate", "low", "high")]
                else:
                    found = entry.get("interval")
                    value = [_number(entry["mean"]), "", ""]
                    if found is not None:
                        value[1:] = [_number(found["low"]), _number(found["high"])]
                difference = ["", "", "", ""]
                if "difference" in entry:
                    scale, unit = (100.0, "points") if kind == "rate" else (1.0, "")
                    d = entry["difference"]
                    difference = [
                        *(_number(d[k] * scale) for k in ("estimate", "low", "high")),
                        unit,
                    ]
                ratio = width_ratio(entry) if "difference" in entry else ""
                write.writerow(
                    [
                        row["measure"],
                        label_of(row["measure"], names),
                        kind,
                        variant,
                        *value,
                        baseline,
                        *difference,
                        "" if ratio == "-" else ratio,
                        pairs,
                    ]
                )
    return stream.getvalue()


def _number(value: float) -> str:
    return f"{value:.6g}"


def markdown_text(summary: dict[str, Any], names: dict[str, str]) -> str:
    """Every measure of the summary as a Markdown table, with the measure's id beside its
    label and the paired/independent interval widths (the gain from common random numbers)."""
    variants, baseline = summary["variants"], summary["baseline"]
    others = [v for v in variants if v != baseline]
    header = [
        "measure",
        "id",
        *(variant_label(v) for v in variants),
        *(f"{variant_label(v)} vs {variant_label(baseline)} (paired 95% CI)" for v in others),
        *(f"{variant_label(v)}: CI width paired / independent" for v in others),
    ]
    lines = [
        f"{summary['pairs']} complete pairs; outcomes in % of runs, their differences in "
        "percentage points (pts); means per run in the measure's unit, with 95% intervals.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + " --- |" * len(header),
    ]
    by_name = {row["measure"]: row for row in [*summary["rates"], *summary["means"]]}
    for measure, label, cells in rows(summary, names):
        ratios = [width_ratio(by_name[measure]["by_variant"][v]) for v in others]
        line = [_escape(label), f"`{measure}`", *cells, *ratios]
        lines.append("| " + " | ".join(line) + " |")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")
