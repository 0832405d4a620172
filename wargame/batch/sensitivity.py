"""Sobol sensitivity of one outcome to the scenario's uncertain numbers, played as a batch.

A Saltelli design over the chosen uncertain numbers (the others stay at their central
values) is played through the batch runner, each point `replicates` times with its own
seeds, so a yes/no outcome becomes a rate at each point rather than one noisy die. SALib
then gives first-order and total indices with bootstrap confidence intervals
(`wargame.stats.sensitivity`, which also draws the plot).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wargame.batch import runner
from wargame.batch.sampling import MAX_RUNS
from wargame.batch.spec import BASE
from wargame.batch.storage import RUNS
from wargame.errors import WargameError
from wargame.scenario.loading import load_scenario
from wargame.stats import sensitivity as stats
from wargame.stats.sensitivity import Index

MAX_DESIGN_VALUES = 2_000_000
"""The most values (points x uncertain numbers) a Saltelli design may hold."""


def sobol(
    scenario: str | Path,
    *,
    outcome: str,
    out: str | Path,
    variant: str = BASE,
    include: Sequence[str] = ("*",),
    base_samples: int = 32,
    replicates: int = 8,
    seed: int = 0,
    workers: int = 1,
    client: Any = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    on_progress: Callable[[runner.Progress], None] | None = None,
    allow_hindsight: bool = False,
) -> list[Index]:
    """First-order and total Sobol indices of `outcome` (an outcome id or a runs column); a
    hindsight variant is refused unless `allow_hindsight`."""
    # workers and seed first (runs follow from the design, checked below and by the runner)
    runner.check_options(runs=1, workers=workers, seed=seed, sample="lhs", chunk_size=None)
    loaded = load_scenario(scenario, variant=None if variant == BASE else variant)
    runner.hindsight_variants(loaded.spec, [variant], allow=allow_hindsight)
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
    check_design(base_samples, len(chosen), replicates)
    names = [u.path for u in chosen]
    problem = stats.problem(names, [(u.low, u.high) for u in chosen])
    points = stats.saltelli_points(problem, base_samples, seed)
    result = runner.run(
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
        allow_hindsight=allow_hindsight,
    )
    y = point_means(result.out / RUNS, outcome, replicates)
    if not np.isfinite(y).all():
        raise WargameError("some points failed in every replicate; see the runs table's errors")
    return stats.indices(problem, y, seed)


def check_design(base_samples: int, numbers: int, replicates: int) -> None:
    """The design's sizes within their ranges before it is built (it is held in memory and
    sent to every worker): a power of 2 for the base samples, at most MAX_DESIGN_VALUES
    values, and replicates that leave the batch within its number of runs."""
    if base_samples < 2 or base_samples & (base_samples - 1):
        shown = runner.shown(base_samples)
        raise WargameError(f"--base-samples must be a power of 2 (>= 2), got {shown}")
    points = base_samples * (numbers + 2)  # Saltelli without second-order indices
    if points * numbers > MAX_DESIGN_VALUES:
        raise WargameError(
            f"--base-samples {runner.shown(base_samples)} with {numbers} uncertain numbers makes "
            f"a design of {runner.shown(points)} points x {numbers} values, more than "
            f"{MAX_DESIGN_VALUES:,} (the design is held in memory and sent to every worker); "
            "lower --base-samples or --include fewer numbers"
        )
    if not 1 <= replicates <= MAX_RUNS // points:
        raise WargameError(
            f"--replicates must be between 1 and {MAX_RUNS // points:,} with {points:,} design "
            f"points (a batch holds at most 2**48 runs), got {runner.shown(replicates)}"
        )


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
    return stats.replicate_means(values, replicates)
