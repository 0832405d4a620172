"""Monte Carlo batches: many games of several policy variants on common random numbers.

Run i of every variant uses the same seed, the same keyed draws and the same sampled
uncertain values, so differences between variants come from policy, not luck. Work goes out
in chunks of run indices (each chunk plays all variants of its runs) to local processes or
a Dask cluster; each finished chunk is written at once as its own Parquet file (atomically),
so a killed batch loses at most the chunks in flight and `resume=True` finishes it. At the
end the parts are compacted into one `runs.parquet`, streaming, so memory stays flat.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wargame import __version__
from wargame.batch.sampling import Design, Dimension, PointDesign
from wargame.engine.model import WargameModel
from wargame.engine.rng import derive_seed
from wargame.engine.snapshot import check_snapshot
from wargame.errors import InputError, Problem, RunError, WargameError
from wargame.files.atomic import write_error, write_json
from wargame.files.saved import read_manifest, read_snapshot
from wargame.scenario.loading import Scenario, load_scenario, load_scenario_text

BASE = "base"
"""The variant name that means the scenario as written, with no variant applied."""
MANIFEST = "manifest.json"
RUNS = "runs.parquet"
TRAJECTORIES = "trajectories.parquet"
POOL_RESTARTS = 3
"""How often a pool whose worker died is replaced before the batch gives up (resumable)."""
FLUSH_SECONDS = 2.0
"""Finished chunks are written at least this often (at most this much finished work lost)."""
ROW_GROUP_ROWS = 8_192
"""Rows per row group of the compacted files: memory of compaction is about one group."""


@dataclass(frozen=True)
class BatchSpec:
    """Everything a worker needs to play its chunks; the same for every chunk (picklable)."""

    scenario_name: str
    scenario_text: str
    variants: tuple[str, ...]
    overrides: tuple[str, ...]
    runs: int
    seed: int
    sample: str
    chunk_size: int
    trajectories: bool = False
    from_state: dict[str, Any] | None = None
    points: tuple[tuple[float, ...], ...] | None = None
    """Given points to play instead of a sample (sensitivity designs), `replicates` each."""
    point_names: tuple[str, ...] = ()
    replicates: int = 1

    def fingerprint(self) -> dict[str, Any]:
        """What must match for a directory to be resumed with this batch."""
        return {
            "scenario": self.scenario_name,
            "scenario_sha256": hashlib.sha256(self.scenario_text.encode()).hexdigest(),
            "variants": list(self.variants),
            "overrides": list(self.overrides),
            "runs": self.runs,
            "seed": self.seed,
            "sample": self.sample,
            "chunk_size": self.chunk_size,
            "trajectories": self.trajectories,
            "points_sha256": None
            if self.points is None
            else hashlib.sha256(repr((self.point_names, self.points)).encode()).hexdigest(),
            "replicates": self.replicates,
            "from_state_sha256": None
            if self.from_state is None
            else hashlib.sha256(json.dumps(self.from_state, sort_keys=True).encode()).hexdigest(),
        }


def run_seed(batch_seed: int, run: int) -> int:
    """The game seed of run `run`: the same for every variant (common random numbers)."""
    return derive_seed(batch_seed, "run", run)


# -- playing a chunk (in a worker) ---------------------------------------------------------
_LOADED: dict[tuple[str, str, tuple[str, ...]], Scenario] = {}


def _scenario(spec: BatchSpec, variant: str) -> Scenario:
    key = (hashlib.sha256(spec.scenario_text.encode()).hexdigest(), variant, spec.overrides)
    if key not in _LOADED:
        _LOADED[key] = load_scenario_text(
            spec.scenario_text,
            file=spec.scenario_name,
            variant=None if variant == BASE else variant,
            overrides=spec.overrides,
        )
    return _LOADED[key]


def design(spec: BatchSpec) -> Design | PointDesign | None:
    """The batch's sample of uncertain numbers (None when nothing is sampled)."""
    if spec.points is not None:
        ranges = {u.path: u for v in spec.variants for u in _scenario(spec, v).sampled}
        given = [Dimension(n, ranges[n].low, ranges[n].high) for n in spec.point_names]
        return PointDesign(given, spec.points, spec.replicates)
    if spec.sample == "none" or spec.from_state is not None:
        return None
    dims: dict[str, Dimension] = {}
    for variant in spec.variants:
        for u in _scenario(spec, variant).sampled:
            dims.setdefault(u.path, Dimension(u.path, u.low, u.high))
    if not dims:
        return None
    method: Literal["lhs", "random"] = "random" if spec.sample == "random" else "lhs"
    return Design(list(dims.values()), spec.runs, derive_seed(spec.seed, "design"), method)


def columns(spec: BatchSpec) -> pa.Schema:
    """The runs table's columns, fixed for the batch so every part has the same schema."""
    first = _scenario(spec, spec.variants[0])
    fields: list[pa.Field] = [
        pa.field("run", pa.int64()),
        pa.field("variant", pa.string()),
        pa.field("seed", pa.int64()),
        pa.field("error", pa.string()),
        pa.field("turns", pa.int32()),
        pa.field("escalation", pa.float64()),
    ]
    sample = design(spec)
    if sample is not None:
        fields += [pa.field(f"in.{d.name}", pa.float64()) for d in sample.dimensions]
    program = first.program
    fields += [pa.field(f"outcome.{o[0]}", pa.int32()) for o in program.outcomes]
    keys = sorted(
        {
            *program.actions,
            *(f"{a}.{b.name}" for a, act in program.actions.items() for b in act.branches),
        }
    )
    fields += [pa.field(f"count.{k}", pa.int32()) for k in keys]
    fields += [pa.field(f"final.{v}", pa.float64()) for v in program.initial.vars]
    fields += [
        pa.field(f"final.{a}.{k}", pa.float64())
        for a, attrs in program.initial.attrs.items()
        for k in attrs
    ]
    return pa.schema(fields)


def play_chunk(spec: BatchSpec, start: int, stop: int) -> tuple[pa.Table, pa.Table | None]:
    """Play runs [start, stop) of every variant; one row per (run, variant)."""
    schema, sample = _prepared(spec)
    scenarios = {v: _scenario(spec, v) for v in spec.variants}
    sampled = {v: frozenset(u.path for u in s.sampled) for v, s in scenarios.items()}
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for run in range(start, stop):
        seed = run_seed(spec.seed, run)
        values = sample.values(run) if sample is not None else {}
        for variant, scenario in scenarios.items():
            row: dict[str, Any] = {"run": run, "variant": variant, "seed": seed}
            row |= {f"in.{k}": v for k, v in values.items()}
            try:
                inputs = {k: v for k, v in values.items() if k in sampled[variant]}
                model = _game(spec, scenario, seed, inputs if values else None)
                try:
                    while model.running:
                        model.step()
                        if spec.trajectories:
                            steps.append(_step_row(run, variant, model))
                    row |= _summary_row(model.summary())
                finally:
                    model.release()  # a failed game too: mesa 3.3 would keep it alive
            except Exception as error:  # one failed game must not lose the others
                row["error"] = f"{type(error).__name__}: {error}"
            rows.append(row)
    table = pa.Table.from_pylist(rows, schema=schema)
    for i, name in enumerate(schema.names):
        if name.startswith("count."):  # an action never taken has no count: 0, not missing
            table = table.set_column(i, schema.field(i), pc.fill_null(table.column(i), 0))
    return table, (pa.Table.from_pylist(steps) if spec.trajectories and steps else None)


def _game(
    spec: BatchSpec, scenario: Scenario, seed: int, inputs: dict[str, float] | None
) -> WargameModel:
    if spec.from_state is not None:
        # Play on to the scenario's last turn (restore stops at a terminal outcome).
        model = WargameModel.restore(
            scenario,
            spec.from_state,
            record=False,
            check=False,  # checked once, in run()
            turns=scenario.spec.scenario.turns,
            any_variant=True,
        )
        return model.reseed(seed)
    return WargameModel(scenario, seed=seed, record=False, inputs=inputs)


_PREPARED: dict[str, tuple[pa.Schema, Design | PointDesign | None]] = {}


def _prepared(spec: BatchSpec) -> tuple[pa.Schema, Design | PointDesign | None]:
    """The batch's columns and design, built once per worker process (not per chunk)."""
    key = json.dumps(spec.fingerprint(), sort_keys=True)
    if key not in _PREPARED:
        _PREPARED.clear()
        _PREPARED[key] = (columns(spec), design(spec))
    return _PREPARED[key]


def _summary_row(summary: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "turns": summary["turns_played"],
        "escalation": summary["escalation_total"],
    }
    row |= {f"outcome.{k}": v for k, v in summary["outcomes"].items()}
    row |= {f"count.{k}": v for k, v in summary["counts"].items()}
    row |= {f"final.{k}": v for k, v in summary["final"]["variables"].items()}
    for actor, attrs in summary["final"]["attributes"].items():
        row |= {f"final.{actor}.{k}": v for k, v in attrs.items()}
    return row


def _step_row(run: int, variant: str, model: WargameModel) -> dict[str, Any]:
    return {"run": run, "variant": variant, "turn": model.state.turn, **model.state.vars}


# -- running a batch (in the main process) -------------------------------------------------
@dataclass
class Progress:
    """Counts for a progress display: runs done (all variants) of runs in all."""

    done: int = 0
    total: int = 0


def chunks(spec: BatchSpec) -> list[tuple[int, int]]:
    """The run ranges the batch is cut into (fixed by runs and chunk size, for resume)."""
    size = spec.chunk_size
    return [(s, min(s + size, spec.runs)) for s in range(0, spec.runs, size)]


def part_path(out: Path, number: int, kind: str = "runs") -> Path:
    """Where part `number` (some finished chunks) is kept until compaction."""
    return out / "parts" / f"{kind}-{number:012d}.parquet"


def _part_number(path: Path) -> int:
    """The number in parts/runs-000000000012.parquet; a file named otherwise is not ours."""
    digits = path.stem.rpartition("-")[2]
    if not (digits.isdigit() and digits.isascii()):
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    "this file is not a part the batch wrote (parts are named "
                    "runs-NUMBER.parquet and steps-NUMBER.parquet)",
                    "move it out of the parts folder and run the same command again",
                )
            ]
        )
    return int(digits)


def done_runs(out: Path) -> set[int]:
    """Runs already written to parts (a chunk's rows are always written together)."""
    runs: set[int] = set()
    for part in (out / "parts").glob("runs-*.parquet"):
        runs.update(read_part(part, columns=["run"])["run"].to_pylist())
    return runs


def read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    """Read a part; one that cannot be read is an InputError naming it and the fix.

    Parts are written atomically, so an unreadable one was damaged afterwards (a failing
    disk, a copy taken mid-write, an edit). It is not replayed silently: the damage may not
    stop at what pyarrow notices, and the user should know. Deleting it is always safe,
    since resume plays every run that no readable part holds.
    """
    try:
        return pq.read_table(path, columns=columns)
    except (pa.ArrowException, OSError) as error:
        if isinstance(error, OSError) and error.errno:  # refused (permission, I/O): not damage
            problem = f"cannot read this batch part: {os.strerror(error.errno)}"
            fix = "make it readable and run the same command with --resume"
        else:
            # "Could not open Parquet input source '<path>': <reason>": the path is named
            reason = str(error).splitlines()[0].split(f"'{path}': ", 1)[-1]
            problem = (
                f"this batch part cannot be read ({type(error).__name__}: {reason}); "
                "it was damaged after it was written"
            )
            also = ""
            if path.name.startswith("steps-"):  # its runs part must go too: the runs replay
                also = f" and {part_path(path.parent.parent, _part_number(path)).name}"
            fix = (
                f"delete it{also} and run the same command with --resume: the runs it held "
                "are played again, every other part is kept"
            )
        raise InputError([Problem(str(path), None, None, problem, fix)]) from None


def _kept(out: Path) -> str:
    return f"the finished runs are kept in {out}"


RESUME = "run the same command with --resume"


class PartWriter:
    """Buffers finished chunks and writes them as one part every few seconds.

    A part per chunk would make thousands of small files (slow to compact); holding more
    than FLUSH_SECONDS of results would put more finished work at risk. Trajectory rows go
    to a part of the same number, written first; a trajectory part without its runs part
    (a kill in between) is deleted on resume, since those chunks are played again.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        numbers = [_part_number(p) for p in (out / "parts").glob("*-*.parquet")]
        self.number = max(numbers, default=-1) + 1
        self.runs: list[pa.Table] = []
        self.steps: list[pa.Table] = []
        self.last = time.monotonic()

    def add(self, table: pa.Table, steps: pa.Table | None) -> None:
        """Keep a finished chunk; write the buffer if it is old or large enough."""
        self.runs.append(table)
        if steps is not None:
            self.steps.append(steps)
        rows = sum(t.num_rows for t in self.runs)
        if rows >= ROW_GROUP_ROWS or time.monotonic() - self.last >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered, atomically; a failed write keeps the buffer (and says so).

        On a failure (a full disk) nothing half-written is left, the parts written before
        are untouched, and the buffer is kept so that a later flush may still write it.
        """
        if self.runs:
            if self.steps:
                self._write(pa.concat_tables(self.steps), part_path(self.out, self.number, "steps"))
            self._write(pa.concat_tables(self.runs), part_path(self.out, self.number))
            self.number += 1
        self.runs, self.steps, self.last = [], [], time.monotonic()

    def _write(self, table: pa.Table, path: Path) -> None:
        try:
            write_table_atomic(table, path)
        except OSError as error:
            raise write_error(path, error, kept=_kept(self.out), then=RESUME) from None


def write_table_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file via a temp file, fsync and rename: never a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, temp)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


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
            kept=_kept(out) if resume else "",
            then=RESUME if resume else "run the command again",
        )
    if (out / RUNS).exists():
        return []
    runs_parts = {_part_number(p) for p in (out / "parts").glob("runs-*.parquet")}
    for steps in (out / "parts").glob("steps-*.parquet"):
        if _part_number(steps) not in runs_parts:
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
        _dispatch(spec, todo, workers, client, finished)
    finally:
        writer.flush()  # also on Ctrl-C: what has finished is kept
    return progress


def _dispatch(
    spec: BatchSpec,
    todo: Sequence[tuple[int, int]],
    workers: int,
    client: Any,
    finished: Callable[[int, tuple[pa.Table, pa.Table | None]], None],
) -> None:
    """Play the chunks here, in local worker processes, or on a Dask cluster."""
    if client is None and (workers <= 1 or len(todo) <= 1):  # no pool for a single chunk
        for start, stop in todo:
            finished(start, play_chunk(spec, start, stop))
        return
    if client is not None:
        _on_dask(spec, todo, client, finished)
        return
    done: set[int] = set()

    def record(start: int, result: tuple[pa.Table, pa.Table | None]) -> None:
        finished(start, result)
        done.add(start)

    context = multiprocessing.get_context("spawn")
    for attempt in range(1 + POOL_RESTARTS):
        left = [c for c in todo if c[0] not in done]
        # Workers ignore Ctrl-C: the main process stops them and keeps what has finished.
        try:
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=signal.signal,
                initargs=(signal.SIGINT, signal.SIG_IGN),
            ) as pool:
                _bounded(
                    left,
                    lambda s, e: pool.submit(play_chunk, spec, s, e),
                    lambda futures: wait(futures, return_when=FIRST_COMPLETED).done,
                    record,
                    limit=2 * workers,
                )
            return
        except BrokenProcessPool:
            # A worker died (killed, out of memory, crashed): finished chunks are kept; the
            # ones in flight are played again by a new pool.
            if attempt == POOL_RESTARTS:
                raise RunError(
                    f"worker processes died {POOL_RESTARTS + 1} times; the finished runs are "
                    "kept: run the same command with --resume to finish the batch"
                ) from None


class _Lost(Exception):
    """Dask could not deliver a chunk's result (carries Dask's exception)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


def _on_dask(
    spec: BatchSpec,
    todo: Sequence[tuple[int, int]],
    client: Any,
    finished: Callable[[int, tuple[pa.Table, pa.Table | None]], None],
) -> None:
    """Play the chunks on a Dask cluster; a lost worker's chunks are played again elsewhere.

    The scheduler reschedules the tasks of a worker that died (and the nanny restarts it).
    If every worker holding the scattered spec died, the tasks are cancelled: the spec is
    scattered again and the unfinished chunks resubmitted (POOL_RESTARTS times at most).
    When Dask gives up on a chunk (lost with `distributed.scheduler.allowed-failures` + 1
    workers: KilledWorker) or the scheduler is gone, the batch stops with a RunError: the
    finished chunks are written, and --resume plays the rest.
    """
    from concurrent.futures import CancelledError

    from distributed import KilledWorker
    from distributed import wait as dask_wait

    lost = (KilledWorker, CancelledError, OSError, TimeoutError)  # OSError: CommClosedError

    def wait_first(futures: list[Any]) -> Any:
        try:
            return dask_wait(futures, return_when="FIRST_COMPLETED").done
        except lost as error:
            raise _Lost(error) from None

    def result(future: Any) -> Any:
        try:
            return future.result()
        except lost as error:
            raise _Lost(error) from None

    done: set[int] = set()

    def record(start: int, chunk: tuple[pa.Table, pa.Table | None]) -> None:
        finished(start, chunk)
        done.add(start)

    def stopped(error: BaseException) -> RunError:
        # the first sentence: KilledWorker goes on with a link and the worker's address
        reason = str(error).split(". ")[0].strip() or "no details"
        return RunError(
            f"the Dask cluster lost work in flight ({type(error).__name__}: {reason}); the "
            "finished runs are kept: check the cluster and run the same command with --resume"
        )

    for attempt in range(1 + POOL_RESTARTS):
        left = [c for c in todo if c[0] not in done]
        try:
            if attempt:
                client.wait_for_workers(1, timeout=60)
            remote = client.scatter(spec, broadcast=True)
            limit = 2 * max(1, sum(client.nthreads().values()))
        except lost as error:
            raise stopped(error) from None
        submit = functools.partial(client.submit, play_chunk, remote, pure=False)
        try:
            _bounded(left, submit, wait_first, record, limit=limit, result=result)
            return
        except _Lost as caught:  # (only Dask's own errors: not those of `finished`)
            cause = caught.error
            again = isinstance(cause, CancelledError)  # e.g. the scattered spec was lost
            if not again or attempt == POOL_RESTARTS:
                raise stopped(cause) from None


def _bounded(
    todo: Sequence[tuple[int, int]],
    submit: Callable[[int, int], Any],
    wait_first: Callable[[list[Any]], Any],
    finished: Callable[[int, Any], None],
    limit: int,
    result: Callable[[Any], Any] = lambda future: future.result(),
) -> None:
    """Keep at most `limit` chunks in flight; hand each result over as it comes, in any order."""
    pending = list(todo)[::-1]
    flight: dict[Any, int] = {}
    try:
        while pending or flight:
            while pending and len(flight) < limit:
                start, stop = pending.pop()
                flight[submit(start, stop)] = start
            for future in wait_first(list(flight)):
                finished(flight.pop(future), result(future))
    finally:
        for future in flight:
            future.cancel()


def compact(out: Path, runs: int | None = None) -> None:
    """Merge the parts into runs.parquet (and trajectories.parquet) in run order, streaming.

    Parts hold chunks in the order they finished; blocks of consecutive runs are copied out
    in run order, a few parts cached at a time, so the result is the same whichever way the
    work was spread, and memory is about a row group, not the batch. The runs parts must
    cover runs 0, 1, ... (up to `runs`, if given) each exactly once: a run held twice or
    missing is an error naming the parts, never a table with a duplicate or a hole.

    Every part is opened before anything is written, and trajectories are written first:
    runs.parquet marks a finished batch (resume plays nothing once it exists), so until it
    is written every runs part stays, and a damaged part found on the way can still be
    deleted and its runs played again. A failed write (a full disk) leaves no temp file
    and every part of that kind in place.
    """
    plans = []
    for kind, name in (("steps", TRAJECTORIES), ("runs", RUNS)):
        parts = sorted((out / "parts").glob(f"{kind}-*.parquet"))
        if not parts:
            continue
        if (out / name).exists():
            # Written from all the parts by a compaction killed while removing them: what is
            # left is already in it (rebuilding from the rest would lose rows).
            for part in parts:
                part.unlink()
            continue
        blocks = _run_blocks(parts)
        if kind == "runs":
            _check_cover(blocks, parts, runs)
        plans.append((out / name, parts, blocks))
    for target, parts, blocks in plans:
        _merge(target, parts, blocks)
        for part in parts:
            part.unlink()


def _merge(
    target: Path, parts: Sequence[Path], blocks: Sequence[tuple[int, int, int, int, int]]
) -> None:
    """Copy the blocks into `target` via a temp file, fsync and rename."""
    temp = target.with_name(f".{target.name}.tmp")
    writer = None
    buffered: list[pa.Table] = []
    cache: dict[int, pa.Table] = {}
    try:
        for n, (_, _, index, offset, length) in enumerate(blocks):
            if index not in cache:
                if len(cache) >= 4:
                    del cache[next(iter(cache))]
                cache[index] = read_part(parts[index])
            buffered.append(cache[index].slice(offset, length))
            if sum(t.num_rows for t in buffered) >= ROW_GROUP_ROWS or n == len(blocks) - 1:
                # One row group per ~8k rows: a row group per part would make the footer
                # (and the writer's memory) grow with the number of chunks.
                merged = pa.concat_tables(buffered)
                buffered = []
                if writer is None:
                    writer = pq.ParquetWriter(temp, merged.schema)
                writer.write_table(merged, row_group_size=len(merged))
        assert writer is not None
        writer.close()
        writer = None
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())  # durable before the parts it replaces are removed
        os.replace(temp, target)
    except OSError as error:  # reads raise WargameError (read_part): this is a write
        folder = target.parent / "parts"
        raise write_error(target, error, kept=_kept(folder), then=RESUME) from None
    finally:
        if writer is not None:
            with contextlib.suppress(Exception):  # a writer whose write failed may fail to
                writer.close()  # close too; the temp file must go all the same
        temp.unlink(missing_ok=True)


def _run_blocks(parts: Sequence[Path]) -> list[tuple[int, int, int, int, int]]:
    """(first run, last run, part index, offset, rows) of each block of consecutive runs, in
    run order."""
    blocks = []
    for index, part in enumerate(parts):
        runs = read_part(part, columns=["run"])["run"].to_numpy()
        steps = np.diff(runs)
        breaks = np.flatnonzero((steps < 0) | (steps > 1)) + 1
        starts = [0, *breaks.tolist()]
        ends = [*breaks.tolist(), len(runs)]
        blocks += [
            (int(runs[s]), int(runs[e - 1]), index, s, e - s)
            for s, e in zip(starts, ends, strict=True)
        ]
    return sorted(blocks)


def _check_cover(
    blocks: Sequence[tuple[int, int, int, int, int]], parts: Sequence[Path], runs: int | None
) -> None:
    """Every run from 0 (to `runs`) in exactly one block, or an error naming the parts.

    Parts written by the batch always cover whole chunks once; anything else was done to
    the folder from outside (a part restored from a backup, an edited part).
    """
    expected, previous = 0, None
    again = f"{RESUME}, or start again with --force"
    for first, last, index, _, _ in blocks:
        if first < expected:
            raise WargameError(
                f"the parts of this batch hold run {first} twice ({parts[previous or 0]} and "
                f"{parts[index]}): a part was copied in or changed outside the batch; delete "
                f"the extra copy and {again}"
            )
        if first > expected:
            raise WargameError(
                f"the parts of this batch hold no run {expected} (the next is in {parts[index]}): "
                f"a part was changed outside the batch; delete the parts next to the gap and "
                f"{again}"
            )
        expected, previous = last + 1, index
    if runs is not None and blocks and expected != runs:
        raise WargameError(
            f"the parts of this batch hold runs 0-{expected - 1} of {runs} "
            f"(the last in {parts[blocks[-1][2]]}): a part was changed outside the batch; "
            f"delete that part and {again}"
        )


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
        _scenario(spec, name)  # fail early on a bad variant/override combination
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


def failures(runs_file: Path) -> tuple[tuple[int, str, int, str], ...]:
    """(run, variant, seed, error) of every failed game in the table, read in batches."""
    found: list[tuple[int, str, int, str]] = []
    parquet = pq.ParquetFile(runs_file)
    for part in parquet.iter_batches(columns=["run", "variant", "seed", "error"]):
        table = pa.Table.from_batches([part])
        for row in table.filter(pc.is_valid(table["error"])).to_pylist():
            found.append((row["run"], row["variant"], row["seed"], row["error"]))
    return tuple(found)


def connect(address: str, timeout: float = 10.0) -> Any:
    """A Dask client for a scheduler address; a clear error if it cannot be reached."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise WargameError("Dask's distributed package is not installed") from None
    started = time.monotonic()
    try:
        return Client(address, timeout=timeout)
    except ValueError as error:  # e.g. no port: distributed cannot parse the address
        raise WargameError(
            f"'{address}' is not a Dask scheduler address ({error}); "
            "write it as tcp://host:port, e.g. tcp://127.0.0.1:8786"
        ) from None
    except (OSError, TimeoutError) as error:
        waited = time.monotonic() - started
        raise WargameError(
            f"cannot reach the Dask scheduler at {address} ({type(error).__name__} after "
            f"{waited:.0f} s); start one with `dask scheduler` or check the address"
        ) from None


def iter_failed(result: BatchResult) -> Iterator[str]:
    """Lines naming each failed run with its seed and error."""
    for run_index, variant, seed, error in result.failed:
        yield f"run {run_index} ({variant}, seed {seed}): {error}"
