"""Monte Carlo batches: many games of several policy variants on common random numbers.

Run i of every variant uses the same seed, the same keyed draws and the same sampled
uncertain values, so differences between variants come from policy, not luck. Work goes out
in chunks of run indices (each chunk plays all variants of its runs) to local processes or
a Dask cluster; each finished chunk is written at once as its own Parquet file (atomically),
so a killed batch loses at most the chunks in flight and `resume=True` finishes it. At the
end the parts are compacted into one `runs.parquet`, streaming, so memory stays flat.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from wargame import __version__
from wargame.batch.executors import connect, dispatch
from wargame.batch.spec import BASE, BatchSpec, chunks, design, scenario_of
from wargame.batch.storage import (
    MANIFEST,
    RESUME,
    RUNS,
    TRAJECTORIES,
    PartWriter,
    compact,
    done_runs,
    failures,
    kept_in,
    part_number,
    read_part,
)
from wargame.engine.snapshot import check_snapshot
from wargame.errors import InputError, WargameError
from wargame.files.atomic import write_error, write_json
from wargame.files.saved import read_manifest, read_snapshot
from wargame.scenario.loading import load_scenario


@dataclass
class Progress:
    """Counts for a progress display: runs done (all variants) of runs in all."""

    done: int = 0
    total: int = 0


def prepare(out: Path, spec: BatchSpec, resume: bool, force: bool) -> list[tuple[int, int]]:
    """Check or write the manifest; return the chunks still to play."""
    manifest = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise WargameError(f"{out} is a file; --out must be a directory")
    sample = design(spec)
    wanted = {
        "format": "wargame-batch/1",
        **spec.fingerprint(),
        "engine_version": __version__,
        "design": None
        if sample is None
        else {
            "method": spec.sample,
            "fingerprint": sample.fingerprint(),
            "dimensions": [asdict(d) for d in sample.dimensions],
        },
    }
    found: Any = None
    if manifest.exists():
        found = read_manifest(manifest)
        mismatched = sorted(k for k in wanted if found.get(k) != wanted[k])
        if len(mismatched) > 1 and "design" in mismatched:
            mismatched.remove("design")  # it follows from runs, seed, sample or variants
        if not resume and not force:
            raise WargameError(
                f"{out} already holds a batch; pass --resume to finish it or --force to start again"
            )
        if resume and mismatched:
            raise WargameError(
                f"{manifest} describes a different batch (differs in: {', '.join(mismatched)}); "
                "resume with the same command, or choose another --out"
            )
        if force and not resume:
            for old in (out / "parts").glob("*.parquet"):
                old.unlink()
            (out / RUNS).unlink(missing_ok=True)
            (out / TRAJECTORIES).unlink(missing_ok=True)
        # Temp files of a batch that was killed mid-write: never complete, never read.
        for stale in [*out.glob(".*.tmp"), *(out / "parts").glob(".*.tmp")]:
            stale.unlink(missing_ok=True)
    elif resume and any(out.glob("*")):
        raise WargameError(f"{out} has files but no {MANIFEST}; it is not a batch to resume")
    document = {**wanted, "seeds": "run i plays seed derive_seed(seed, 'run', i) in every variant"}
    if found != document:  # a resume writes nothing it need not (a full disk, damaged parts)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise write_error(out, error) from None
        write_json(
            manifest,
            document,
            kept=kept_in(out) if resume else "",
            then=RESUME if resume else "run the command again",
        )
    if (out / RUNS).exists():
        return []
    runs_parts = {part_number(p) for p in (out / "parts").glob("runs-*.parquet")}
    for steps in (out / "parts").glob("steps-*.parquet"):
        if part_number(steps) not in runs_parts:
            steps.unlink()  # an orphan: its chunks are played again
        else:
            read_part(steps, columns=["run"])  # a damaged one is reported now, not at the end
    done = done_runs(out)
    return [c for c in chunks(spec) if c[0] not in done]


def execute(
    spec: BatchSpec,
    todo: Sequence[tuple[int, int]],
    out: Path,
    *,
    workers: int = 1,
    client: Any = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Play the chunks still to do, writing each one as it finishes."""
    progress = Progress(total=spec.runs * len(spec.variants))
    progress.done = (spec.runs - sum(stop - start for start, stop in todo)) * len(spec.variants)
    if on_progress:
        on_progress(progress)

    writer = PartWriter(out)

    def finished(start: int, result: tuple[pa.Table, pa.Table | None]) -> None:
        table, steps = result
        writer.add(table, steps)
        progress.done += table.num_rows
        if on_progress:
            on_progress(progress)

    try:
        dispatch(spec, todo, workers, client, finished)
    finally:
        writer.flush()  # also on Ctrl-C: what has finished is kept
    return progress


@dataclass(frozen=True)
class BatchResult:
    """A finished batch on disk; tables are read when asked for, not held."""

    out: Path
    baseline: str
    variants: tuple[str, ...]
    failed: tuple[tuple[int, str, int, str], ...] = ()

    def to_pandas(self) -> Any:
        """One row per (run, variant): seed, sampled values, outcomes, counts, final state."""
        return pq.read_table(self.out / RUNS).to_pandas()

    def trajectories(self) -> Any:
        """One row per (run, variant, turn) with the global variables (if recorded)."""
        path = self.out / TRAJECTORIES
        if not path.exists():
            raise WargameError("this batch kept no trajectories; run it with trajectories=True")
        return pq.read_table(path).to_pandas()

    def summary(self, *, resamples: int = 2000) -> dict[str, Any]:
        """Rates and means per variant with intervals, and paired differences to baseline."""
        from wargame.stats.comparison import summarise

        return summarise(self.out / RUNS, self.variants, self.baseline, resamples=resamples)


def run(
    scenario: str | Path,
    *,
    variants: Sequence[str] = (BASE,),
    runs: int = 1000,
    seed: int = 0,
    baseline: str | None = None,
    out: str | Path,
    workers: int = 1,
    client: Any = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    overrides: Sequence[str] = (),
    sample: str = "lhs",
    chunk_size: int | None = None,
    trajectories: bool = False,
    from_state: dict[str, Any] | str | Path | None = None,
    points: Sequence[Sequence[float]] | None = None,
    point_names: Sequence[str] = (),
    replicates: int = 1,
    on_progress: Callable[[Progress], None] | None = None,
) -> BatchResult:
    """Run a batch and return its result (see the module docstring).

    With `points` (one value per name in `point_names`, e.g. a Saltelli design) the batch
    plays each point `replicates` times instead of sampling; runs = points x replicates.
    """
    if points is not None:
        runs = len(points) * replicates
    if runs < 1:
        raise WargameError(f"runs must be at least 1, got {runs}")
    if workers < 1:
        raise WargameError(f"workers must be at least 1, got {workers}")
    if sample not in ("lhs", "random", "none"):
        raise WargameError(f"sample must be lhs, random or none, got '{sample}'")
    path = Path(scenario)
    base = load_scenario(path, overrides=overrides)  # validates the file and the overrides
    if isinstance(from_state, (str, Path)):
        from_state = read_snapshot(from_state, base, any_variant=True)
    elif from_state is not None and (
        problems := check_snapshot(base, from_state, "<state>", any_variant=True)
    ):
        raise InputError(problems)
    variants = tuple(dict.fromkeys(variants)) or (BASE,)
    for name in variants:
        if name != BASE and name not in base.spec.variants:
            known = ", ".join([BASE, *base.spec.variants])
            raise WargameError(f"unknown variant '{name}' in {path}; variants: {known}")
    baseline = variants[0] if baseline is None else baseline
    if baseline not in variants:
        raise WargameError(f"the baseline '{baseline}' is not among the variants {list(variants)}")
    size = chunk_size or max(1, min(256, math.ceil(120 / len(variants))))
    spec = BatchSpec(
        scenario_name=str(path),
        scenario_text=path.read_text(encoding="utf-8"),
        variants=variants,
        overrides=tuple(overrides),
        runs=runs,
        seed=seed,
        sample=sample,
        chunk_size=size,
        trajectories=trajectories,
        from_state=from_state,
        points=None if points is None else tuple(tuple(map(float, p)) for p in points),
        point_names=tuple(point_names),
        replicates=replicates,
    )
    for name in variants:
        scenario_of(spec, name)  # fail early on a bad variant/override combination
    target = Path(out)
    own_client = None
    if scheduler is not None and client is None:
        # Before prepare: an unreachable scheduler must not leave a half-made --out behind.
        client = own_client = connect(scheduler)
    try:
        todo = prepare(target, spec, resume, force)
        execute(spec, todo, target, workers=workers, client=client, on_progress=on_progress)
    finally:
        if own_client is not None:
            own_client.close()
    compact(target, spec.runs)
    return BatchResult(target, baseline, variants, failures(target / RUNS))


def iter_failed(result: BatchResult) -> Iterator[str]:
    """Lines naming each failed run with its seed and error."""
    for run_index, variant, seed, error in result.failed:
        yield f"run {run_index} ({variant}, seed {seed}): {error}"
