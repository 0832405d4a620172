"""Monte Carlo batches: many games of several policy variants on common random numbers.

Run i of every variant uses the same seed, the same keyed draws and the same sampled
uncertain values, so differences between variants come from policy, not luck. Work goes out
in chunks of run indices (each chunk plays all variants of its runs) to local processes or
a Dask cluster; each finished chunk is written at once as its own Parquet file (atomically),
so a killed batch loses at most the chunks in flight and `resume=True` finishes it. At the
end the parts are compacted into one `runs.parquet`, streaming, so memory stays flat.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from wargame import __version__
from wargame.batch.executors import connect, dispatch
from wargame.batch.memory import lean_while
from wargame.batch.progress import progress_shown
from wargame.batch.sampling import MAX_RUNS
from wargame.batch.spec import BASE, BatchSpec, chunk_count, chunks, columns, design, scenario_of
from wargame.batch.storage import (
    FOREIGN_LISTED,
    MANIFEST,
    RESUME,
    RUNS,
    TRAJECTORIES,
    PartWriter,
    batch_files,
    check_owned,
    compact,
    done_chunks,
    failures,
    held,
    kept_in,
    part_number,
    read_part,
)
from wargame.batch.worker import lockstep_refusal
from wargame.engine.snapshot import MAX_SEED, check_snapshot
from wargame.errors import InputError, Problem, WargameError
from wargame.files.atomic import write_error, write_json
from wargame.files.saved import read_manifest, read_snapshot
from wargame.scenario.loading import hindsight_known, hindsight_note, load_scenario
from wargame.scenario.schema import ScenarioSpec

MAX_CHUNK_ROWS = 10_000
"""The most games in one chunk (chunk size x variants): a worker holds a chunk's rows."""
WORKERS_PER_CORE = 4
"""The most local worker processes per core this process may use."""


@dataclass
class Progress:
    """Counts for a progress display: runs done (all variants) of runs in all."""

    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class Todo:
    """The chunks a batch still has to play: generated one at a time, with their counts
    computed (a batch of 10**12 runs holds no list of chunks, runs or seeds)."""

    batch: str
    """The batch id its parts carry (see `batch_id`)."""
    chunks: Iterable[tuple[int, int]]
    count: int
    """How many chunks `chunks` yields."""
    runs: int
    """How many runs they hold."""

    @classmethod
    def of(cls, batch: str, chunks: Sequence[tuple[int, int]]) -> Todo:
        """The given chunks (e.g. a few of a batch, for tests)."""
        return cls(batch, list(chunks), len(chunks), sum(stop - start for start, stop in chunks))


def describe(spec: BatchSpec) -> dict[str, Any]:
    """What the manifest says about a batch (everything a resume must match)."""
    sample = design(spec)
    return {
        "format": "wargame-batch/1",
        **spec.fingerprint(),
        "engine_version": __version__,
        **({"hindsight": list(spec.hindsight)} if spec.hindsight else {}),
        "design": None
        if sample is None
        else {
            "method": spec.sample,
            "fingerprint": sample.fingerprint(),
            "dimensions": [asdict(d) for d in sample.dimensions],
        },
    }


def batch_id(described: dict[str, Any]) -> str:
    """The id every Parquet file of the batch carries: a hash of its description without the
    scenario's path (another spelling of the same file is the same batch; its content is in
    the description as a hash)."""
    same = {k: v for k, v in described.items() if k not in ("scenario", "seeds")}
    return hashlib.sha256(json.dumps(same, sort_keys=True).encode()).hexdigest()


def prepare(out: Path, spec: BatchSpec, resume: bool, force: bool) -> Todo:
    """Check the folder and the manifest (or write it); return the chunks still to play.

    Nothing of another batch is ever read into this one: a folder with batch files but no
    manifest, a manifest of another batch, or a Parquet file whose batch id is not this
    batch's is refused (exit 2) before anything is written or removed; `force` deletes the
    batch files and starts over.
    """
    manifest = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise WargameError(f"{out} is a file; --out must be a directory")
    wanted = describe(spec)
    batch = batch_id(wanted)
    files = batch_files(out)
    found: Any = None
    if force and not resume:
        for old in files:
            old.unlink()
    elif manifest.exists() or manifest.is_symlink():
        found = read_manifest(manifest)
        if not resume:
            raise WargameError(
                f"{out} already holds a batch; pass --resume to finish it or --force to start again"
            )
        mismatched = sorted(
            k
            for k in wanted
            # the path may be spelled otherwise (./x, an absolute path, a link): the same
            # content (scenario_sha256) is the same scenario
            if k != "scenario" and found.get(k) != wanted[k]
        )
        if len(mismatched) > 1 and "design" in mismatched:
            mismatched.remove("design")  # it follows from runs, seed, sample or variants
        if mismatched:
            raise WargameError(
                f"{manifest} describes a different batch (differs in: {', '.join(mismatched)}); "
                "resume with the same command, or choose another --out"
            )
        check_owned(out, files, batch)
    elif resume and any(p for p in out.glob("*") if not _left_by_a_kill(p)):
        raise WargameError(f"{out} has files but no {MANIFEST}; it is not a batch to resume")
    elif files:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"this batch file is in {out}, which has no {MANIFEST}: nothing shows that "
                    "it belongs to this batch, and it would be mixed into it",
                    f"move it out of {out} (or choose another --out), or start over with "
                    "--force (which deletes it)",
                )
                for path in files[:FOREIGN_LISTED]
            ]
        )
    if found is not None or force or resume:
        # Temp files of this batch killed mid-write: never complete, never read.
        for stale in [*out.glob(".*.tmp"), *(out / "parts").glob(".*.tmp")]:
            stale.unlink(missing_ok=True)
    document = {**wanted, "seeds": "run i plays seed derive_seed(seed, 'run', i) in every variant"}
    if found is not None:
        document["scenario"] = found["scenario"]  # as first given: the same file
    if found != document:  # a resume writes nothing it need not (a full disk, damaged parts)
        write_json(
            manifest,
            document,
            kept=kept_in(out) if resume else "",
            then=RESUME if resume else "run the command again",
        )
    if (out / RUNS).exists():
        return Todo(batch, (), 0, 0)
    runs_parts = {part_number(p) for p in (out / "parts").glob("runs-*.parquet")}
    for steps in (out / "parts").glob("steps-*.parquet"):
        if part_number(steps) not in runs_parts:
            steps.unlink()  # an orphan: its chunks are played again
        else:
            read_part(steps, columns=["run"])  # a damaged one is reported now, not at the end
    done = {s for s in done_chunks(out, spec.chunk_size, columns(spec)) if s < spec.runs}
    left = spec.runs - sum(min(s + spec.chunk_size, spec.runs) - s for s in done)
    return Todo(batch, chunks(spec, skip=done), chunk_count(spec) - len(done), left)


def _left_by_a_kill(path: Path) -> bool:
    """What a batch killed before its manifest was written leaves: a temp file of the
    manifest, an empty parts folder (resume then starts the batch afresh)."""
    if path.name.startswith(f".{MANIFEST}.") and path.name.endswith(".tmp"):
        return True
    return path.name == "parts" and path.is_dir() and not any(path.iterdir())


def execute(
    spec: BatchSpec,
    todo: Todo,
    out: Path,
    *,
    workers: int = 1,
    client: Any = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Play the chunks still to do, writing each one as it finishes."""
    progress = Progress(total=spec.runs * len(spec.variants))
    progress.done = (spec.runs - todo.runs) * len(spec.variants)
    if on_progress:
        on_progress(progress)

    writer = PartWriter(out, todo.batch)

    def finished(start: int, result: tuple[pa.Table, pa.Table | None]) -> None:
        table, steps = result
        writer.add(table, steps)
        progress.done += table.num_rows
        if on_progress:
            on_progress(progress)

    try:
        dispatch(spec, todo.chunks, todo.count, workers, client, finished)
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
    hindsight: tuple[str, ...] = ()
    """The mark of each hindsight variant played (with --allow-hindsight): no forecast."""
    engines: tuple[str, ...] = ()
    """What the reference engine played instead of the lockstep engine, and why."""

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
        """Rates and means per variant with intervals, and paired differences to baseline;
        `hindsight` marks each hindsight variant played (no forecast), if any."""
        from wargame.stats.comparison import summarise

        found = summarise(self.out / RUNS, self.variants, self.baseline, resamples=resamples)
        if self.hindsight:
            found["hindsight"] = list(self.hindsight)
        return found


def hindsight_variants(
    spec: ScenarioSpec, variants: Sequence[str], *, allow: bool = False
) -> tuple[str, ...]:
    """The hindsight variants among `variants`, refused (exit 2) unless `allow`: they know
    what was not known at the start date, and a batch, a sensitivity analysis or a score is
    a forecast."""
    found = tuple(
        name
        for name in variants
        if name != BASE and name in spec.variants and spec.variants[name].hindsight
    )
    if found and not allow:
        name = found[0]
        hindsight = spec.variants[name]
        known = hindsight_known(spec, name)
        start = hindsight.set.get("scenario.start_date", spec.scenario.start_date)
        raise WargameError(
            f"variant '{name}' is a hindsight variant: it knows what was not known on "
            f"{start} ({known}), so its games are not a forecast and "
            "batches, sensitivity analyses and scores leave it out. Fix: pass "
            "--allow-hindsight to play it anyway (its results are then marked HINDSIGHT), "
            "or choose another variant"
        )
    return found


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
    allow_hindsight: bool = False,
    progress: bool | None = None,
    engine: str = "auto",
    on_note: Callable[[str], None] | None = None,
) -> BatchResult:
    """Run a batch and return its result (see the module docstring).

    `engine`: "auto" plays each variant on the lockstep engine (many games at once as
    arrays, the same rows) where it can, and says once for each variant it cannot play why
    the reference engine plays it (to `on_note`, else as a warning); "reference" plays
    every game on the reference engine.

    `progress` shows a line of games done and time left on stderr: None (the default) in a
    notebook only, True always, False never; `on_progress`, if given, hears the counts
    instead (a front end's own display).

    A hindsight variant is refused unless `allow_hindsight`; then its results are marked
    (the manifest's and the summary's `hindsight`).

    With `points` (one value per name in `point_names`, e.g. a Saltelli design) the batch
    plays each point `replicates` times instead of sampling; runs = points x replicates.
    """
    if points is not None:
        if not 1 <= replicates <= MAX_RUNS:
            raise WargameError(f"replicates must be between 1 and 2**48, got {shown(replicates)}")
        runs = len(points) * replicates
        if runs > MAX_RUNS:
            raise WargameError(
                f"{len(points):,} design points x {shown(replicates)} replicates make "
                f"{shown(runs)} runs, more than a batch can hold (2**48 = {MAX_RUNS:,}); "
                "lower the replicates or the base samples"
            )
    check_options(runs=runs, workers=workers, seed=seed, sample=sample, chunk_size=chunk_size)
    if workers > 1 and (client is not None or scheduler is not None):
        raise WargameError(
            f"workers={workers} asks for local worker processes, but the batch runs on a Dask "
            "cluster (--scheduler): the cluster's workers play it; leave out --workers"
        )
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
            raise WargameError(
                f"unknown variant '{name}' in {path}; variants: {known} ('{BASE}' is the "
                "scenario as written, with no variant)"
            )
    hindsight = hindsight_variants(base.spec, variants, allow=allow_hindsight)
    baseline = variants[0] if baseline is None else baseline
    if baseline not in variants:
        raise WargameError(f"the baseline '{baseline}' is not among the variants {list(variants)}")
    if engine not in ENGINES:
        raise WargameError(f"engine must be one of {', '.join(ENGINES)}, got '{engine}'")
    size = chunk_size or default_chunk_size(runs, len(variants))
    if size * len(variants) > MAX_CHUNK_ROWS:
        raise WargameError(
            f"chunk_size {size:,} x {len(variants)} variants makes chunks of "
            f"{size * len(variants):,} games, more than {MAX_CHUNK_ROWS:,} (a worker holds a "
            f"chunk's rows until it is done): use at most {MAX_CHUNK_ROWS // len(variants):,}"
        )
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
        hindsight=hindsight,
        engine="reference" if engine == "reference" else "auto",
    )
    for name in variants:
        scenario_of(spec, name)  # fail early on a bad variant/override combination
    engines = engine_notes(spec)
    for note in engines:
        if on_note is not None:
            on_note(note)
        else:
            warnings.warn(note, stacklevel=2)
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise WargameError(f"{target} is a file; --out must be a directory")
    own_client = None
    if scheduler is not None and client is None:
        # Before prepare: an unreachable scheduler must not leave a half-made --out behind.
        client = own_client = connect(scheduler)
    try:
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise write_error(target, error) from None
        with held(target), lean_while():  # a second batch on the folder is refused, not mixed in
            todo = prepare(target, spec, resume, force)
            with progress_shown("batch", progress) as show:
                execute(
                    spec, todo, target, workers=workers, client=client,
                    on_progress=on_progress or show,
                )  # fmt: skip
            if own_client is not None:
                own_client.close()
                own_client = None
            compact(target, spec.runs, todo.batch, columns(spec))
    finally:
        if own_client is not None:
            own_client.close()
    notes = tuple(hindsight_note(base.spec, name) for name in hindsight)
    return BatchResult(target, baseline, variants, failures(target / RUNS), notes, engines)


ENGINES = ("auto", "reference")

LOCKSTEP_CHUNK = 4096
"""The most games of a variant a worker plays at once: the lockstep engine's games per
second grow with their number up to about this many (benchmarks/bench_run.py)."""


def default_chunk_size(runs: int, variants: int) -> int:
    """Runs per chunk: at least 120 games a chunk, at most LOCKSTEP_CHUNK of a variant (and
    MAX_CHUNK_ROWS rows), and otherwise a sixteenth of the batch, so that progress moves
    and two workers share the work evenly. A function of the batch alone (for resume)."""
    small = max(1, math.ceil(120 / variants))
    large = max(small, min(LOCKSTEP_CHUNK, MAX_CHUNK_ROWS // variants))
    return max(small, min(math.ceil(runs / 16), large))


def engine_notes(spec: BatchSpec) -> tuple[str, ...]:
    """A line for each variant the reference engine plays although the lockstep engine was
    allowed, saying why (the batch is then slower, not different)."""
    if spec.engine == "reference" or spec.trajectories:
        return ()  # asked for, or turn-by-turn rows, which only the reference keeps
    found = []
    for variant in spec.variants:
        refusal = lockstep_refusal(spec, variant)
        if refusal is not None:
            found.append(
                f"variant {variant}: played one by one by the reference engine, as the "
                f"lockstep engine does not play it ({refusal})"
            )
    return tuple(found)


def shown(number: int) -> str:
    """A whole number for a message: with thousands separators, or its size if it is huge
    (Python refuses to print an int of more than 4,300 digits)."""
    if number.bit_length() > 100:
        return f"a number of about {int(number.bit_length() * 0.30103) + 1:,} digits"
    return f"{number:,}"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_options(
    *, runs: int, workers: int, seed: int, sample: str, chunk_size: int | None
) -> None:
    """Every number of a batch within its range, before anything is loaded, played or written."""
    if runs < 1:
        raise WargameError(f"runs must be at least 1, got {shown(runs)}")
    if runs > MAX_RUNS:
        raise WargameError(
            f"runs must be at most 2**48 = {MAX_RUNS:,} (the largest batch the sampler "
            f"and the run numbers support), got {shown(runs)}"
        )
    check_workers(workers)
    if not 0 <= seed <= MAX_SEED:
        raise WargameError(f"seed must be between 0 and 2**64 - 1, got {shown(seed)}")
    if sample not in ("lhs", "random", "none"):
        raise WargameError(f"sample must be lhs, random or none, got '{sample}'")
    if chunk_size is not None and not 1 <= chunk_size <= MAX_CHUNK_ROWS:
        raise WargameError(
            f"chunk_size must be between 1 and {MAX_CHUNK_ROWS:,} runs, got {shown(chunk_size)}"
        )


def check_workers(workers: int) -> None:
    """At least 1 and at most WORKERS_PER_CORE per core this process may use."""
    if workers < 1:
        raise WargameError(f"workers must be at least 1, got {shown(workers)}")
    most = WORKERS_PER_CORE * usable_cores()
    if workers > most:
        raise WargameError(
            f"workers must be at most {most} ({WORKERS_PER_CORE} per core; this process may use "
            f"{usable_cores()}), got {shown(workers)}: more worker processes than cores only add "
            "start-up time and memory (each loads the engine); use a Dask cluster "
            "(--scheduler) to play on more machines"
        )


def iter_failed(result: BatchResult) -> Iterator[str]:
    """Lines naming each failed run with its seed and error."""
    for run_index, variant, seed, error in result.failed:
        yield f"run {run_index} ({variant}, seed {seed}): {error}"
