"""The batch summary table on hand-made runs tables whose right answers are known.

Each table is written with pyarrow the way a batch writes `runs.parquet` (one row per run and
variant, an `error` column, `outcome.*` holding the turn an outcome happened or null), with
rows shuffled so that pairing by run index, not by row order, is what is tested.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wargame.stats import tables
from wargame.stats.comparison import summarise
from wargame.stats.intervals import (
    bootstrap_paired_mean_difference,
    newcombe_independent,
    newcombe_paired,
    normal_mean,
    wilson,
)

# The 2x2 table of the yes/no outcome "crisis", alt against base, over the complete pairs.
BOTH, ALT_ONLY, BASE_ONLY, NEITHER = 5, 3, 1, 6
PAIRS = BOTH + ALT_ONLY + BASE_ONLY + NEITHER  # runs 0..14 complete
FAILED_RUN = PAIRS  # run 15: alt failed, so base's row of that run must be dropped too


def write_runs(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write rows (shuffled, fixed seed) with the column types a batch uses."""
    schema = pa.schema(
        [
            ("run", pa.int64()),
            ("variant", pa.string()),
            ("seed", pa.int64()),
            ("error", pa.string()),
            ("turns", pa.int32()),
            ("escalation", pa.float64()),
            ("outcome.crisis", pa.int32()),
            ("count.test", pa.int32()),
            ("count.test.success", pa.int32()),  # branch count: not summarised
            ("count.never", pa.int32()),  # zero everywhere: not summarised
            ("final.tension", pa.float64()),
            ("final.Red.capability", pa.float64()),  # per-actor attribute: not summarised
        ]
    )
    shuffled = list(rows)
    random.Random(7).shuffle(shuffled)
    columns = {name: [row.get(name) for row in shuffled] for name in schema.names}
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


def game(run: int, variant: str, crisis: bool, tension: float, **extra: Any) -> dict[str, Any]:
    return {
        "run": run,
        "variant": variant,
        "seed": 1000 + run,
        "turns": 6 - run % 3,
        "escalation": 10.0 * run + (3.0 if variant == "alt" else 0.0),
        "outcome.crisis": 4 if crisis else None,
        "count.test": run % 4 + (1 if variant == "alt" else 0),
        "count.test.success": run % 2,
        "count.never": 0,
        "final.tension": tension,
        "final.Red.capability": 0.3,
        **extra,
    }


@pytest.fixture
def two_variants(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """base and alt over 15 complete pairs in the 2x2 table above, and one failed pair."""
    cells = (
        [(True, True)] * BOTH
        + [(True, False)] * ALT_ONLY
        + [(False, True)] * BASE_ONLY
        + [(False, False)] * NEITHER
    )
    rows, tension = [], {"base": [], "alt": []}
    for run, (alt_yes, base_yes) in enumerate(cells):
        t_base, t_alt = 0.1 + 0.05 * run, 0.1 + 0.05 * run + (0.02 if run % 2 else -0.01)
        rows.append(game(run, "base", base_yes, t_base))
        rows.append(game(run, "alt", alt_yes, t_alt))
        tension["base"].append(t_base)
        tension["alt"].append(t_alt)
    # The failed pair: counted in every measure, it would move every estimate.
    rows.append(game(FAILED_RUN, "base", True, 5.0, **{"count.test": 50}))
    rows.append(
        {
            "run": FAILED_RUN,
            "variant": "alt",
            "seed": 1000 + FAILED_RUN,
            "error": "WargameError: no moves entered for Blue, which a human controls",
            "count.test": 0,
        }
    )
    arrays = {k: np.array(v) for k, v in tension.items()}
    return write_runs(tmp_path / "runs.parquet", rows), arrays


def measure(summary: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    [row] = [r for r in summary[kind] if r["measure"] == name]
    return row["by_variant"]


def as_tuple(interval: Any) -> tuple[float, float, float]:
    if isinstance(interval, dict):
        return (interval["estimate"], interval["low"], interval["high"])
    return (interval.estimate, interval.low, interval.high)


def test_rates_are_wilson_intervals_of_the_complete_pairs(two_variants):
    path, _ = two_variants
    summary = summarise(path, ["base", "alt"], "base", resamples=500)
    assert summary["pairs"] == PAIRS
    assert summary["dropped_pairs"] == 1
    crisis = measure(summary, "rates", "crisis")
    assert as_tuple(crisis["base"]["rate"]) == as_tuple(wilson(BOTH + BASE_ONLY, PAIRS))
    assert as_tuple(crisis["alt"]["rate"]) == as_tuple(wilson(BOTH + ALT_ONLY, PAIRS))
    assert "difference" not in crisis["base"]  # the baseline is not compared with itself


def test_the_paired_difference_of_rates_is_newcombe_on_the_2x2_table(two_variants):
    path, _ = two_variants
    summary = summarise(path, ["base", "alt"], "base", resamples=500)
    difference = measure(summary, "rates", "crisis")["alt"]["difference"]
    expected = newcombe_paired(BOTH, ALT_ONLY, BASE_ONLY, NEITHER)
    assert as_tuple(difference) == as_tuple(expected)
    assert difference["estimate"] == pytest.approx((ALT_ONLY - BASE_ONLY) / PAIRS)


def test_means_and_bootstrap_differences_use_the_pairs_only(two_variants):
    path, tension = two_variants
    summary = summarise(path, ["base", "alt"], "base", resamples=500)
    final = measure(summary, "means", "final.tension")
    assert final["base"]["mean"] == pytest.approx(tension["base"].mean())
    assert final["alt"]["mean"] == pytest.approx(tension["alt"].mean())
    expected = bootstrap_paired_mean_difference(
        tension["alt"], tension["base"], resamples=500, seed=0
    )
    assert as_tuple(final["alt"]["difference"]) == pytest.approx(as_tuple(expected))
    # escalation: alt is base + 3 in every pair, so the interval is the point 3
    escalation = measure(summary, "means", "escalation")
    assert as_tuple(escalation["alt"]["difference"]) == pytest.approx((3.0, 3.0, 3.0))
    counts = measure(summary, "means", "count.test")
    assert counts["base"]["mean"] == pytest.approx(np.mean([r % 4 for r in range(PAIRS)]))
    assert as_tuple(counts["alt"]["difference"]) == pytest.approx((1.0, 1.0, 1.0))


def test_each_mean_has_its_normal_interval_over_the_runs(two_variants):
    path, tension = two_variants
    summary = summarise(path, ["base", "alt"], "base", resamples=100)
    final = measure(summary, "means", "final.tension")
    for variant in ("base", "alt"):
        values = tension[variant]
        half = 1.959964 * values.std(ddof=1) / np.sqrt(values.size)
        expected = (values.mean(), values.mean() - half, values.mean() + half)
        assert as_tuple(final[variant]["interval"]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("values", [[], [1.0], [1.0, float("nan")]])
def test_a_mean_interval_needs_two_finite_values(values):
    with pytest.raises(ValueError):
        normal_mean(values)


def test_the_failed_run_drops_its_pair_from_every_measure(two_variants):
    path, _ = two_variants
    summary = summarise(path, ["base", "alt"], "base", resamples=200)
    # base's row of the failed run (tension 5, count 50, a crisis) would show in every one
    assert measure(summary, "means", "final.tension")["base"]["mean"] < 1.0
    assert measure(summary, "means", "count.test")["base"]["mean"] < 2.0
    assert measure(summary, "means", "turns")["base"]["mean"] == pytest.approx(
        np.mean([6 - r % 3 for r in range(PAIRS)])
    )
    assert measure(summary, "rates", "crisis")["base"]["rate"]["estimate"] == pytest.approx(
        (BOTH + BASE_ONLY) / PAIRS
    )


def test_branch_counts_actor_attributes_and_all_zero_columns_are_left_out(two_variants):
    path, _ = two_variants
    summary = summarise(path, ["base", "alt"], "base", resamples=200)
    names = [row["measure"] for row in summary["means"]]
    assert names == ["turns", "escalation", "count.test", "final.tension"]
    assert [row["measure"] for row in summary["rates"]] == ["crisis"]


def test_identical_variants_differ_by_exactly_zero(tmp_path):
    rows = []
    for run in range(12):
        for variant in ("a", "b"):
            rows.append(game(run, variant, run % 3 == 0, 0.1 * run, escalation=float(run)))
    path = write_runs(tmp_path / "runs.parquet", rows)
    summary = summarise(path, ["a", "b"], "a", resamples=300)
    assert summary["rates"] and summary["means"]
    for row in summary["rates"]:
        assert row["by_variant"]["b"]["difference"]["estimate"] == 0.0
    for row in summary["means"]:
        assert as_tuple(row["by_variant"]["b"]["difference"]) == (0.0, 0.0, 0.0)


def test_the_baseline_need_not_be_the_first_variant(two_variants):
    path, _ = two_variants
    summary = summarise(path, ["base", "alt"], "alt", resamples=200)
    difference = measure(summary, "rates", "crisis")["base"]["difference"]
    assert as_tuple(difference) == as_tuple(newcombe_paired(BOTH, BASE_ONLY, ALT_ONLY, NEITHER))
    assert "difference" not in measure(summary, "rates", "crisis")["alt"]


def test_when_every_pair_failed_there_is_nothing_to_compare(tmp_path):
    rows = [game(0, "base", True, 0.2), {"run": 0, "variant": "alt", "seed": 1, "error": "x"}]
    path = write_runs(tmp_path / "runs.parquet", rows)
    summary = summarise(path, ["base", "alt"], "base")
    assert (summary["pairs"], summary["dropped_pairs"]) == (0, 1)
    assert summary["rates"] == [] and summary["means"] == []
    assert tables.rows(summary, {}) == []


def test_table_rows_format_percentages_points_and_intervals(two_variants):
    path, tension = two_variants
    summary = summarise(path, ["base", "alt"], "base", resamples=500)
    by_name = {measure: cells for measure, _, cells in tables.rows(summary, {})}
    assert list(by_name) == ["crisis", "turns", "escalation", "count.test", "final.tension"]

    def percent(interval: Any) -> str:
        e, lo, hi = (100 * x for x in as_tuple(interval))
        return f"{e:.1f}% [{lo:.1f}, {hi:.1f}]"

    def points(interval: Any) -> str:
        e, lo, hi = (100 * x for x in as_tuple(interval))
        return f"{e:+.1f} pts [{lo:.1f}, {hi:.1f}]"

    base_rate = wilson(BOTH + BASE_ONLY, PAIRS)
    paired = newcombe_paired(BOTH, ALT_ONLY, BASE_ONLY, NEITHER)
    independent = newcombe_independent(BOTH + ALT_ONLY, PAIRS, BOTH + BASE_ONLY, PAIRS)
    assert by_name["crisis"] == [
        percent(base_rate),
        percent(wilson(BOTH + ALT_ONLY, PAIRS)),
        points(paired),  # a difference of rates is in percentage points, never "%"
    ]
    crisis = measure(summary, "rates", "crisis")["alt"]
    assert tables.width_ratio(crisis) == f"{paired.width / independent.width:.2f}"
    assert by_name["crisis"][0].startswith("40.0% [")  # 6 of 15
    assert by_name["escalation"][2] == "+3.00 [3.00, 3.00]"  # means above 1: 4 digits
    entry = measure(summary, "means", "final.tension")["alt"]
    difference, unpaired = entry["difference"], entry["unpaired"]
    mean_of = measure(summary, "means", "final.tension")
    assert by_name["final.tension"] == [
        "{:.3f} [{:.3f}, {:.3f}]".format(*as_tuple(mean_of["base"]["interval"])),
        "{:.3f} [{:.3f}, {:.3f}]".format(*as_tuple(mean_of["alt"]["interval"])),
        "{:+.3f} [{:.3f}, {:.3f}]".format(*as_tuple(difference)),
    ]
    narrow = {m: cells for m, _, cells in tables.rows(summary, {}, mean_intervals=False)}
    assert narrow["final.tension"][:2] == [
        f"{tension['base'].mean():.3f}",
        f"{tension['alt'].mean():.3f}",
    ]  # the terminal's summary: the means alone
    ratio = (difference["high"] - difference["low"]) / (unpaired["high"] - unpaired["low"])
    assert tables.width_ratio(entry) == f"{ratio:.2f}"
    # the tension of a pair moves together, so pairing narrows the interval a lot
    assert ratio < 0.5


def test_one_run_a_variant_has_no_independent_interval_and_the_table_says_so(tmp_path):
    """A variance needs two runs: with one run a variant the summary still comes out (found by
    the command-line fuzz: `wargame batch ... --runs 1` ended in a traceback)."""
    rows = [
        {"run": 0, "variant": v, "seed": 7, "error": None, "count.test": n, "outcome.crisis": None}
        for v, n in (("base", 1), ("alt", 2))
    ]
    summary = summarise(write_runs(tmp_path / "runs.parquet", rows), ["base", "alt"], "base")
    test = measure(summary, "means", "count.test")["alt"]
    assert test["unpaired"] is None
    assert tables.width_ratio(test) == "-"
    assert test["mean"] == 2.0
