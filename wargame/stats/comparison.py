"""The summary of a batch: each variant against the baseline, run by run (shown by `tables`).

Runs are paired by index (common random numbers), so differences are estimated on pairs:
Newcombe's paired interval for yes/no outcomes, a bootstrap over pairs for counts and
continuous outcomes. A run that failed in any variant drops its whole pair. Columns are read
one at a time from the Parquet file, so memory grows with the number of runs, not columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wargame.stats.intervals import (
    bootstrap_paired_mean_difference,
    newcombe_independent,
    normal_mean,
    normal_unpaired_mean_difference,
    paired_difference_of_rates,
    wilson,
)


def summarise(
    runs_file: Path, variants: Sequence[str], baseline: str, *, resamples: int = 2000
) -> dict[str, Any]:
    """Rates, means and paired differences against the baseline, as plain data."""
    parquet = pq.ParquetFile(runs_file)
    names = parquet.schema_arrow.names
    keys = parquet.read(columns=["run", "variant", "error"])
    run = keys["run"].to_numpy()
    failed = pc.is_valid(keys["error"]).to_numpy(zero_copy_only=False)
    bad_runs = set(run[failed].tolist())
    kept = ~np.isin(run, list(bad_runs))
    order: dict[str, np.ndarray] = {}
    for name in variants:  # (compared in Arrow: a million runs are not a million str objects)
        mine = pc.fill_null(pc.equal(keys["variant"], name), False).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(mine & kept)
        order[name] = rows[np.argsort(run[rows], kind="stable")]
    pairs = min((len(rows) for rows in order.values()), default=0)
    table: dict[str, Any] = {
        "variants": list(variants),
        "baseline": baseline,
        "pairs": pairs,
        "dropped_pairs": len(bad_runs),
        "rates": [],
        "means": [],
    }
    if pairs == 0:
        return table
    for column in names:
        if column.startswith("outcome."):
            values = pc.is_valid(parquet.read(columns=[column])[column]).to_numpy(
                zero_copy_only=False
            )
            table["rates"].append(_rates(column[8:], values, order, variants, baseline))
        elif column in ("turns", "escalation") or column.startswith(("count.", "final.")):
            if column.startswith("final.") and column.count(".") > 1:
                continue  # per-actor attributes: in the runs table, not the summary
            if column.startswith("count.") and column.count(".") > 1:
                continue  # branch counts likewise
            raw = parquet.read(columns=[column])[column].to_numpy(zero_copy_only=False)
            values = np.nan_to_num(raw.astype(float))
            if not values.any():
                continue
            table["means"].append(_means(column, values, order, variants, baseline, resamples))
    return table


def _rates(
    name: str,
    values: np.ndarray,
    order: dict[str, np.ndarray],
    variants: Sequence[str],
    baseline: str,
) -> dict[str, Any]:
    base = values[order[baseline]]
    row: dict[str, Any] = {"measure": name, "by_variant": {}}
    for v in variants:
        mine = values[order[v]]
        entry = {"rate": _interval(wilson(int(mine.sum()), len(mine)))}
        if v != baseline:
            entry["difference"] = _interval(paired_difference_of_rates(list(mine), list(base)))
            # what the same number of independent runs would give: the CRN saving
            entry["unpaired"] = _interval(
                newcombe_independent(int(mine.sum()), len(mine), int(base.sum()), len(base))
            )
        row["by_variant"][v] = entry
    return row


def _means(
    name: str,
    values: np.ndarray,
    order: dict[str, np.ndarray],
    variants: Sequence[str],
    baseline: str,
    resamples: int,
) -> dict[str, Any]:
    base = values[order[baseline]]
    row: dict[str, Any] = {"measure": name, "by_variant": {}}
    for v in variants:
        mine = values[order[v]]
        entry: dict[str, Any] = {"mean": float(mine.mean())}
        if mine.size >= 2:  # the mean's own 95% interval (a single run has none)
            entry["interval"] = _interval(normal_mean(mine))
        if v != baseline:
            entry["difference"] = _interval(
                bootstrap_paired_mean_difference(mine, base, resamples=resamples, seed=0)
            )
            # independent runs estimate a variance only from two runs a variant on
            enough = min(mine.size, base.size) >= 2
            entry["unpaired"] = (
                _interval(normal_unpaired_mean_difference(mine, base)) if enough else None
            )
        row["by_variant"][v] = entry
    return row


def _interval(interval: Any) -> dict[str, float]:
    return {"estimate": interval.estimate, "low": interval.low, "high": interval.high}
