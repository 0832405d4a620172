"""Sobol sensitivity (and Morris screening) of one outcome to the scenario's uncertain
numbers, played as a batch.

A Saltelli design over the chosen uncertain numbers (the others stay at their central
values) is played through the batch runner, each point `replicates` times with its own
seeds, so a yes/no outcome becomes a rate at each point rather than one noisy die. SALib
then gives first-order and total indices with bootstrap confidence intervals
(`wargame.stats.sensitivity`, which also draws the plot). `grow` doubles the base sample
until the intervals are narrow enough; `morris` screens many numbers with elementary effects
on a trajectory design, played the same way.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wargame.batch import runner
from wargame.batch.sampling import MAX_RUNS
from wargame.batch.spec import BASE
from wargame.batch.storage import MANIFEST, RUNS
from wargame.errors import WargameError
from wargame.files.saved import read_manifest
from wargame.scenario.loading import load_scenario
from wargame.scenario.provenance import Uncertainty
from wargame.stats import sensitivity as stats
from wargame.stats.sensitivity import Effect, Index

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
    progress: bool | None = None,
    allow_hindsight: bool = False,
) -> list[Index]:
    """First-order and total Sobol indices of `outcome` (an outcome id or a runs column); a
    hindsight variant is refused unless `allow_hindsight`."""
    chosen = choose(
        scenario, outcome=outcome, variant=variant, include=include, seed=seed,
        workers=workers, allow_hindsight=allow_hindsight,
    )  # fmt: skip
    check_design(base_samples, len(chosen), replicates)
    names = [u.path for u in chosen]
    problem = stats.problem(names, [(u.low, u.high) for u in chosen])
    points = stats.saltelli_points(problem, base_samples, seed)
    runs = play_design(
        scenario, points, names, variant=variant, out=out, seed=seed, replicates=replicates,
        workers=workers, client=client, scheduler=scheduler, resume=resume, force=force,
        on_progress=on_progress, progress=progress, allow_hindsight=allow_hindsight,
    )  # fmt: skip
    y = point_means(runs, outcome, replicates)
    if not np.isfinite(y).all():
        raise WargameError("some points failed in every replicate; see the runs table's errors")
    return stats.indices(problem, y, seed)


def grow(
    scenario: str | Path,
    *,
    outcome: str,
    out: str | Path,
    target_width: float,
    max_samples: int,
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
    progress: bool | None = None,
    on_round: Callable[[int, list[Index]], None] | None = None,
    allow_hindsight: bool = False,
) -> tuple[list[Index], int]:
    """`sobol` again with the base sample doubled until every interval (full width) is under
    `target_width` or the base sample would pass `max_samples`; each round is a whole batch
    in `out` (the next replaces it), and `on_round(base_samples, indices)` hears of each.
    Returns the last round's indices and its base sample size."""
    if not (math.isfinite(target_width) and target_width > 0):
        raise WargameError(f"--target-ci-width must be a number above 0, got {target_width}")
    chosen = choose(
        scenario, outcome=outcome, variant=variant, include=include, seed=seed,
        workers=workers, allow_hindsight=allow_hindsight,
    )  # fmt: skip
    check_design(base_samples, len(chosen), replicates)
    if max_samples < base_samples or max_samples & (max_samples - 1):
        raise WargameError(
            f"--max-samples must be a power of 2, at least --base-samples ({base_samples}), "
            f"got {runner.shown(max_samples)}"
        )
    check_design(max_samples, len(chosen), replicates)  # the last round fits too
    samples = base_samples
    if resume:  # go on with the round that was stopped (its size is in the manifest)
        samples = _stopped_round(Path(out), base_samples, max_samples, len(chosen), replicates)
    while True:
        indices = sobol(
            scenario, outcome=outcome, out=out, variant=variant, include=include,
            base_samples=samples, replicates=replicates, seed=seed, workers=workers,
            client=client, scheduler=scheduler, resume=resume, force=force,
            on_progress=on_progress, progress=progress, allow_hindsight=allow_hindsight,
        )  # fmt: skip
        if on_round is not None:
            on_round(samples, indices)
        if stats.widest(indices)[0] < target_width or samples * 2 > max_samples:
            return indices, samples
        samples *= 2
        resume, force = False, True  # the last round's batch is replaced by the larger one


def _stopped_round(
    out: Path, base_samples: int, max_samples: int, numbers: int, replicates: int
) -> int:
    """The base sample size of the round a grown analysis in `out` was playing when it was
    stopped: the manifest's runs are N (D + 2) replicates; `base_samples` if there is none
    or it is not one of this analysis's rounds (the runner then says what is there)."""
    if not (out / MANIFEST).is_file():
        return base_samples
    runs = read_manifest(out / MANIFEST).get("runs")
    if not isinstance(runs, int) or runs % (replicates * (numbers + 2)):
        return base_samples
    samples = runs // (replicates * (numbers + 2))
    rounds = {base_samples << k for k in range(max_samples.bit_length())}
    return samples if samples in rounds and samples <= max_samples else base_samples


def morris(
    scenario: str | Path,
    *,
    outcome: str,
    out: str | Path,
    variant: str = BASE,
    include: Sequence[str] = ("*",),
    trajectories: int = 10,
    replicates: int = 8,
    seed: int = 0,
    workers: int = 1,
    client: Any = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    on_progress: Callable[[runner.Progress], None] | None = None,
    progress: bool | None = None,
    allow_hindsight: bool = False,
) -> tuple[list[Effect], float]:
    """Morris screening of `outcome`: `trajectories` x (D + 1) points, each played
    `replicates` times; mu*, its interval and sigma of each uncertain number (in scenario
    order), and the mu* the noise between games alone would give (`stats.morris_noise`).
    Cheap enough for hundreds of numbers, to pick the few worth a Sobol analysis."""
    chosen = choose(
        scenario, outcome=outcome, variant=variant, include=include, seed=seed,
        workers=workers, allow_hindsight=allow_hindsight,
    )  # fmt: skip
    check_trajectories(trajectories, len(chosen), replicates)
    names = [u.path for u in chosen]
    problem = stats.problem(names, [(u.low, u.high) for u in chosen])
    points = stats.morris_points(problem, trajectories, seed)
    runs = play_design(
        scenario, points, names, variant=variant, out=out, seed=seed, replicates=replicates,
        workers=workers, client=client, scheduler=scheduler, resume=resume, force=force,
        on_progress=on_progress, progress=progress, allow_hindsight=allow_hindsight,
    )  # fmt: skip
    values = game_values(runs, outcome)
    y = stats.replicate_means(values, replicates)
    if not np.isfinite(y).all():
        raise WargameError("some points failed in every replicate; see the runs table's errors")
    return stats.morris_effects(problem, points, y, seed), stats.morris_noise(values, replicates)


def play_design(
    scenario: str | Path,
    points: np.ndarray,
    names: Sequence[str],
    *,
    variant: str,
    out: str | Path,
    seed: int,
    replicates: int,
    **batch: Any,
) -> Path:
    """Play every point of a design (values of the uncertain numbers `names`) `replicates`
    times as one batch of `variant`; return its runs table. `batch`: the runner's options
    (workers, client, scheduler, resume, force, on_progress, progress, allow_hindsight)."""
    result = runner.run(
        scenario, variants=[variant], out=out, seed=seed, points=points.tolist(),
        point_names=names, replicates=replicates, **batch,
    )  # fmt: skip
    return result.out / RUNS


def choose(
    scenario: str | Path,
    *,
    outcome: str,
    variant: str,
    include: Sequence[str],
    seed: int,
    workers: int,
    allow_hindsight: bool,
) -> list[Uncertainty]:
    """The uncertain numbers matching `include` (in scenario order), once the options, the
    variant and the outcome have been checked."""
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
    return chosen


def descriptions(scenario: str | Path, paths: Sequence[str], variant: str = BASE) -> list[str]:
    """Each path's label from the scenario: an actor's attribute as "North Korea: capability
    (its description)", a relation's number as "United States -> Japan: trust"; otherwise
    the description of the nearest thing on the path that has one (a parameter, a state
    variable, an action...), else the nearest name or label, else ""."""
    spec = load_scenario(scenario, variant=None if variant == BASE else variant).spec
    data = spec.model_dump(by_alias=True, warnings=False)  # the file's keys: dicts and lists
    return [_attribute_or_relation(data, path) or _described(data, path) for path in paths]


def _attribute_or_relation(data: Any, path: str) -> str:
    """The label of an actor's attribute or a relation's number ("" for any other path)."""
    parts = path.split(".")
    actors = data.get("actors") or {}

    def name(actor: str) -> str:
        found = actors.get(actor)
        return found.get("name") or actor if isinstance(found, dict) else actor

    if len(parts) == 4 and parts[0] == "actors" and parts[2] == "attributes":
        attribute = (data.get("state") or {}).get("attributes", {}).get(parts[3]) or {}
        said = " ".join(str(attribute.get("description") or "").split())
        return f"{name(parts[1])}: {parts[3]}" + (f" ({said})" if said else "")
    relations = data.get("relations") or []
    place = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else len(relations)
    if parts[0] == "relations" and place < len(relations) and isinstance(relations[place], dict):
        relation = relations[place]
        return f"{name(relation.get('from'))} -> {name(relation.get('to'))}: {parts[2]}"
    return ""


def _described(data: Any, path: str) -> str:
    node: Any = data
    described = named = ""
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            node = None
        if node is None:
            break
        if isinstance(node, dict):
            for key in ("description", "label", "name"):
                text = node.get(key)
                if isinstance(text, str) and text.strip():
                    if key == "description":
                        described = " ".join(text.split())
                    else:
                        named = " ".join(text.split())
                    break
    return described or named


def check_trajectories(trajectories: int, numbers: int, replicates: int) -> None:
    """The Morris design's sizes within their ranges: at least 2 trajectories (sigma needs
    two), at most MAX_DESIGN_VALUES values, replicates within a batch's number of runs."""
    if trajectories < 2:
        raise WargameError(
            f"--trajectories must be at least 2 (sigma needs two), got {runner.shown(trajectories)}"
        )
    points = trajectories * (numbers + 1)
    if points * numbers > MAX_DESIGN_VALUES:
        raise WargameError(
            f"--trajectories {runner.shown(trajectories)} with {numbers} uncertain numbers makes "
            f"a design of {runner.shown(points)} points x {numbers} values, more than "
            f"{MAX_DESIGN_VALUES:,}; lower --trajectories or --include fewer numbers"
        )
    if not 1 <= replicates <= MAX_RUNS // points:
        raise WargameError(
            f"--replicates must be between 1 and {MAX_RUNS // points:,} with {points:,} design "
            f"points (a batch holds at most 2**48 runs), got {runner.shown(replicates)}"
        )


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
    return stats.replicate_means(game_values(runs_file, outcome), replicates)


def game_values(runs_file: Path, outcome: str) -> np.ndarray:
    """The outcome of each game in run order (1/0 for yes/no outcomes; NaN: it failed)."""
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
    return values
