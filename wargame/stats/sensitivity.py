"""Sobol sensitivity of one outcome to the scenario's uncertain numbers (SALib).

A Saltelli design over the chosen uncertain numbers (the others stay at their central
values) is played through the batch runner, each point `replicates` times with its own
seeds, so a yes/no outcome becomes a rate at each point rather than one noisy die. SALib
then gives first-order and total indices with bootstrap confidence intervals.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wargame.batch import runner as batch
from wargame.errors import WargameError
from wargame.files.atomic import write_error
from wargame.scenario.loading import load_scenario


@dataclass(frozen=True)
class Index:
    """The Sobol indices of one uncertain number, with 95% confidence half-widths."""

    name: str
    first: float
    first_conf: float
    total: float
    total_conf: float


def sobol(
    scenario: str | Path,
    *,
    outcome: str,
    out: str | Path,
    variant: str = batch.BASE,
    include: Sequence[str] = ("*",),
    base_samples: int = 32,
    replicates: int = 8,
    seed: int = 0,
    workers: int = 1,
    client: Any = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    on_progress: Callable[[batch.Progress], None] | None = None,
) -> list[Index]:
    """First-order and total Sobol indices of `outcome` (an outcome id or a runs column)."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    loaded = load_scenario(scenario, variant=None if variant == batch.BASE else variant)
    outcomes = [o[0] for o in loaded.program.outcomes]
    if (
        outcome not in outcomes
        and not outcome.startswith(("count.", "final."))
        and outcome
        not in (
            "turns",
            "escalation",
        )
    ):
        raise WargameError(f"unknown outcome '{outcome}'; outcomes: {', '.join(outcomes)}")
    chosen = [u for u in loaded.sampled if any(fnmatch.fnmatch(u.path, p) for p in include)]
    if not chosen:
        raise WargameError(
            f"no uncertain numbers of {scenario} match {list(include)}; "
            "see `wargame validate` for their paths"
        )
    if base_samples < 2 or base_samples & (base_samples - 1):
        raise WargameError(f"--base-samples must be a power of 2 (>= 2), got {base_samples}")
    names = [u.path for u in chosen]
    problem: dict[str, Any] = {
        "num_vars": len(chosen),
        "names": names,
        "bounds": [[u.low, u.high if u.high > u.low else u.low + 1e-12] for u in chosen],
    }
    points = sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    result = batch.run(
        scenario,
        variants=[variant],
        out=out,
        seed=seed,
        workers=workers,
        client=client,
        scheduler=scheduler,
        resume=resume,
        force=force,
        points=points.tolist(),
        point_names=names,
        replicates=replicates,
        on_progress=on_progress,
    )
    y = point_means(result.out / batch.RUNS, outcome, replicates)
    if not np.isfinite(y).all():
        raise WargameError("some points failed in every replicate; see the runs table's errors")
    indices = analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    return [
        Index(
            name,
            float(indices["S1"][k]),
            float(indices["S1_conf"][k]),
            float(indices["ST"][k]),
            float(indices["ST_conf"][k]),
        )
        for k, name in enumerate(names)
    ]


def point_means(runs_file: Path, outcome: str, replicates: int) -> np.ndarray:
    """The outcome averaged over each point's replicates (a rate for yes/no outcomes)."""
    parquet = pq.ParquetFile(runs_file)
    names = parquet.schema_arrow.names
    column = f"outcome.{outcome}" if f"outcome.{outcome}" in names else outcome
    if column not in names:
        known = [n[8:] for n in names if n.startswith("outcome.")]
        raise WargameError(f"unknown outcome '{outcome}'; outcomes: {', '.join(known)}")
    table = parquet.read(columns=["run", "error", column]).sort_by("run")
    if column.startswith("outcome."):
        values = pc.is_valid(table[column]).to_numpy(zero_copy_only=False).astype(float)
    else:
        values = table[column].to_numpy(zero_copy_only=False).astype(float)
    failed = pc.is_valid(table["error"]).to_numpy(zero_copy_only=False)
    values[failed] = np.nan
    grouped = values.reshape(-1, replicates)
    with np.errstate(invalid="ignore"):
        return np.nanmean(grouped, axis=1)


def plot(indices: Sequence[Index], outcome: str, path: Path) -> None:
    """A bar chart of first-order and total indices with their intervals, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [i.name for i in indices]
    y = np.arange(len(indices))
    figure, axes = plt.subplots(figsize=(8, 1.2 + 0.35 * len(indices)))
    axes.barh(
        y - 0.2,
        [i.first for i in indices],
        0.4,
        xerr=[i.first_conf for i in indices],
        label="first order",
    )
    axes.barh(
        y + 0.2,
        [i.total for i in indices],
        0.4,
        xerr=[i.total_conf for i in indices],
        label="total",
    )
    axes.set_yticks(y, names)
    axes.set_xlabel(f"Sobol index of {outcome}")
    axes.legend()
    figure.tight_layout()
    temp = path.with_name(f".{path.name}.tmp")
    try:
        figure.savefig(temp, dpi=110, format="png")
        temp.replace(path)
    except OSError as error:  # a full disk: no half picture, and a message naming it
        raise write_error(path, error) from None
    finally:
        plt.close(figure)
        temp.unlink(missing_ok=True)
