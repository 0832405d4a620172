"""A batch's folder on disk: file names, Parquet parts written atomically as chunks finish,
which runs are done, and the streaming compaction of the parts into `runs.parquet`.

    OUT/manifest.json             what the batch is (checked by --resume)
    OUT/parts/runs-N.parquet      finished chunks, until compaction
    OUT/parts/steps-N.parquet     their trajectories (with trajectories=True)
    OUT/runs.parquet              all runs in run order: the batch is finished
    OUT/trajectories.parquet      all trajectories in run order
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wargame.errors import InputError, Problem, WargameError
from wargame.files.atomic import write_error

MANIFEST = "manifest.json"
RUNS = "runs.parquet"
TRAJECTORIES = "trajectories.parquet"
FLUSH_SECONDS = 2.0
"""Finished chunks are written at least this often (at most this much finished work lost)."""
ROW_GROUP_ROWS = 8_192
"""Rows per row group of the compacted files: memory of compaction is about one group."""


def part_path(out: Path, number: int, kind: str = "runs") -> Path:
    """Where part `number` (some finished chunks) is kept until compaction."""
    return out / "parts" / f"{kind}-{number:012d}.parquet"


def part_number(path: Path) -> int:
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
                also = f" and {part_path(path.parent.parent, part_number(path)).name}"
            fix = (
                f"delete it{also} and run the same command with --resume: the runs it held "
                "are played again, every other part is kept"
            )
        raise InputError([Problem(str(path), None, None, problem, fix)]) from None


def kept_in(out: Path) -> str:
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
        numbers = [part_number(p) for p in (out / "parts").glob("*-*.parquet")]
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
            raise write_error(path, error, kept=kept_in(self.out), then=RESUME) from None


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
        raise write_error(target, error, kept=kept_in(folder), then=RESUME) from None
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


def failures(runs_file: Path) -> tuple[tuple[int, str, int, str], ...]:
    """(run, variant, seed, error) of every failed game in the table, read in batches."""
    found: list[tuple[int, str, int, str]] = []
    parquet = pq.ParquetFile(runs_file)
    for part in parquet.iter_batches(columns=["run", "variant", "seed", "error"]):
        table = pa.Table.from_batches([part])
        for row in table.filter(pc.is_valid(table["error"])).to_pylist():
            found.append((row["run"], row["variant"], row["seed"], row["error"]))
    return tuple(found)
