"""A batch's folder on disk: file names, Parquet parts written atomically as chunks finish,
which runs are done, and the streaming compaction of the parts into `runs.parquet`.

    OUT/manifest.json             what the batch is (checked by --resume)
    OUT/parts/runs-N.parquet      finished chunks, until compaction
    OUT/parts/steps-N.parquet     their trajectories (with trajectories=True)
    OUT/runs.parquet              all runs in run order: the batch is finished
    OUT/trajectories.parquet      all trajectories in run order

Every Parquet file the batch writes carries the batch's id (a hash of its manifest, without
the scenario's path) in its key-value metadata; a file without it, or with another batch's,
is never read into this batch, never compacted and never deleted by a resume.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wargame.batch.memory import give_back
from wargame.errors import InputError, Problem, WargameError
from wargame.files.atomic import write_error

T = TypeVar("T")

MANIFEST = "manifest.json"
RUNS = "runs.parquet"
TRAJECTORIES = "trajectories.parquet"
FLUSH_SECONDS = 2.0
"""Finished chunks are written at least this often (at most this much finished work lost)."""
ROW_GROUP_ROWS = 8_192
"""Rows per row group of the compacted files: memory of compaction is about one group."""
BATCH_KEY = b"wargame.batch"
"""The key-value metadata key of every Parquet file a batch writes: the batch's id."""
FOREIGN_LISTED = 5
"""Files of another batch named one by one in the message (the rest are counted)."""


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


def batch_files(out: Path) -> list[Path]:
    """The files of a batch in `out` that a batch reads back: its tables and its parts."""
    tables = [out / name for name in (RUNS, TRAJECTORIES) if (out / name).exists()]
    return tables + sorted((out / "parts").glob("*.parquet"))


def batch_id_of(path: Path) -> str | None:
    """The batch id in a Parquet file's metadata (None: it has none); read from the footer."""
    metadata = read_schema(path).metadata or {}
    found = metadata.get(BATCH_KEY)
    return found.decode("ascii", "replace") if found is not None else None


def not_ours(out: Path, path: Path, found: str | None, batch: str) -> Problem:
    """The problem of a file in `out` that does not belong to batch `batch`."""
    if found is None:
        what = (
            "this file carries no batch id, so nothing shows it belongs to this batch "
            "(it was written by another tool or an older wargame)"
        )
    else:
        what = (
            f"this file belongs to another batch (batch id {found[:12]}, not this batch's "
            f"{batch[:12]}): its runs would be mixed into this one"
        )
    return Problem(
        str(path),
        None,
        None,
        what,
        f"move it out of {out} and run the same command again, or start over with --force "
        "(which deletes it)",
    )


def check_owned(out: Path, paths: Sequence[Path], batch: str) -> None:
    """Refuse (InputError, exit 2) if any of these files is not batch `batch`'s."""
    problems = []
    for path in paths:
        found = batch_id_of(path)
        if found != batch:
            problems.append(not_ours(out, path, found, batch))
    if len(problems) > FOREIGN_LISTED:
        more = len(problems) - FOREIGN_LISTED
        problems = [
            *problems[:FOREIGN_LISTED],
            Problem(
                str(out / "parts"),
                None,
                None,
                f"and {more} more files of another batch",
                f"move them out of {out}, or start over with --force",
            ),
        ]
    if problems:
        raise InputError(problems)


def done_chunks(out: Path, chunk_size: int, schema: pa.Schema) -> set[int]:
    """The first runs of the chunks already written to parts (a chunk's rows are always
    written together). Each runs part must have the batch's columns. The set grows with the
    chunks done, not with the batch: a resumed batch of 10**9 runs holds no list of runs."""
    starts: set[int] = set()
    for part in (out / "parts").glob("runs-*.parquet"):
        table = read_part(part, columns=["run"])
        if not _same_columns(read_schema(part), schema):
            raise InputError([_changed(part)])
        runs = table["run"].to_numpy()
        starts.update(np.unique(runs - runs % chunk_size).tolist())
    return starts


def _same_columns(found: pa.Schema, schema: pa.Schema) -> bool:
    return found.remove_metadata().equals(schema.remove_metadata())


def _changed(part: Path) -> Problem:
    also = ""
    if part.name.startswith("steps-"):  # its runs part must go too: the runs replay
        also = f" and {part_path(part.parent.parent, part_number(part)).name}"
    return Problem(
        str(part),
        None,
        None,
        "this batch part does not have the batch's columns; it was changed after it was written",
        f"delete it{also} and run the same command with --resume: the runs it held are played "
        "again",
    )


def read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    """Read a part; one that cannot be read is an InputError naming it and the fix."""
    return _reading(path, lambda: pq.read_table(path, columns=columns))


def read_schema(path: Path) -> pa.Schema:
    """A Parquet file's columns and metadata (its footer only), or an InputError like read_part."""
    return _reading(path, lambda: pq.read_schema(path))


def _reading(path: Path, read: Callable[[], T]) -> T:
    """`read()` of a Parquet file of the batch; a failure is an InputError naming it and the fix.

    Parts are written atomically, so an unreadable one was damaged afterwards (a failing
    disk, a copy taken mid-write, an edit). It is not replayed silently: the damage may not
    stop at what pyarrow notices, and the user should know. Deleting a part is always safe,
    since resume plays every run that no readable part holds; a compacted table holds runs
    no part holds any more, so the batch must be played again.
    """
    try:
        return read()
    except (pa.ArrowException, OSError) as error:
        kind = "part" if path.parent.name == "parts" else "file"
        if isinstance(error, OSError) and error.errno:  # refused (permission, I/O): not damage
            problem = f"cannot read this batch {kind}: {os.strerror(error.errno)}"
            fix = "make it readable and run the same command with --resume"
        else:
            # "Could not open Parquet input source '<path>': <reason>": the path is named
            reason = str(error).splitlines()[0].split(f"'{path}': ", 1)[-1]
            problem = (
                f"this batch {kind} cannot be read ({type(error).__name__}: {reason}); "
                "it was damaged after it was written"
            )
            if kind == "file":
                fix = "start the batch again with --force (or restore the file from a copy)"
            else:
                also = ""
                if path.name.startswith("steps-"):  # its runs part must go too: the runs replay
                    also = f" and {part_path(path.parent.parent, part_number(path)).name}"
                fix = (
                    f"delete it{also} and run the same command with --resume: the runs it held "
                    "are played again, every other part is kept"
                )
        raise InputError([Problem(str(path), None, None, problem, fix)]) from None


@contextlib.contextmanager
def held(out: Path) -> Iterator[None]:
    """Hold the batch folder `out` while the block runs: a second batch started on the same
    folder meanwhile is refused (its chunks and part numbers would mix with this one's).

    An advisory lock (flock) on the folder itself: no lock file is left behind, and the
    kernel releases it when the process ends however it ends. Where there is no flock (not
    POSIX, or a file system without locks), nothing is held.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    handle = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WargameError(
                f"{out} is in use by another batch that is still running (two batches in one "
                "folder would mix their runs); wait for it to end, or choose another --out"
            ) from None
        except OSError:  # a file system without locks (some network mounts): not held
            pass
        yield
    finally:
        os.close(handle)


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

    def __init__(self, out: Path, batch: str) -> None:
        self.out = out
        self.metadata = {BATCH_KEY: batch.encode("ascii")}
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
        if not self.runs:
            self.last = time.monotonic()
            return
        path = part_path(self.out, self.number)
        try:
            if self.steps:
                self._write(pa.concat_tables(self.steps), part_path(self.out, self.number, "steps"))
            self._write(pa.concat_tables(self.runs), path)
        finally:
            # Written, even if a Ctrl-C then landed (while the folder was synced, or before
            # the buffer was emptied): never again, or resume finds its runs twice. Not
            # written (a full disk): the buffer stays for a later flush.
            if path.exists():
                self.number += 1
                self.runs, self.steps = [], []
                self.last = time.monotonic()
        give_back()

    def _write(self, table: pa.Table, path: Path) -> None:
        try:
            write_table_atomic(table.replace_schema_metadata(self.metadata), path)
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


def compact(out: Path, runs: int, batch: str, schema: pa.Schema) -> None:
    """Merge the parts into runs.parquet (and trajectories.parquet) in run order, streaming.

    Parts hold chunks in the order they finished; blocks of consecutive runs are copied out
    in run order, a few parts cached at a time, so the result is the same whichever way the
    work was spread, and memory is about a row group, not the batch. The runs parts must
    cover runs 0, 1, ... up to `runs` each exactly once: a run held twice or missing is an
    error naming the parts, never a table with a duplicate or a hole. Every part must carry
    the id `batch` (and a runs part the columns `schema`): a part of another batch is refused
    before anything is written or removed, never merged.

    Every part is opened before anything is written, and trajectories are written first:
    runs.parquet marks a finished batch (resume plays nothing once it exists), so until it
    is written every runs part stays, and a damaged part found on the way can still be
    deleted and its runs played again. A failed write (a full disk) leaves no temp file
    and every part of that kind in place.
    """
    plans: list[tuple[Path | None, list[Path], list[tuple[int, int, int, int, int]]]] = []
    for kind, name in (("steps", TRAJECTORIES), ("runs", RUNS)):
        parts = sorted((out / "parts").glob(f"{kind}-*.parquet"))
        check_owned(out, parts, batch)
        if (out / name).exists():
            check_owned(out, [out / name], batch)
        if not parts:
            continue
        if (out / name).exists():
            # Written from all the parts by a compaction killed while removing them: what is
            # left is already in it (rebuilding from the rest would lose rows).
            plans.append((None, parts, []))
            continue
        blocks = _run_blocks(parts, schema if kind == "runs" else None)
        if kind == "runs":
            _check_cover(blocks, parts, runs)
        plans.append((out / name, parts, blocks))
    for target, parts, blocks in plans:
        if target is not None:
            _merge(target, parts, blocks, {BATCH_KEY: batch.encode("ascii")})
        for part in parts:
            part.unlink()
    give_back()  # what the merge took: the summary reads the table next


def _merge(
    target: Path,
    parts: Sequence[Path],
    blocks: Sequence[tuple[int, int, int, int, int]],
    metadata: dict[bytes, bytes],
) -> None:
    """Copy the blocks into `target` via a temp file, fsync and rename."""
    temp = target.with_name(f".{target.name}.tmp")
    writer = None
    buffered: list[pa.Table] = []
    cache: dict[int, pa.Table] = {}
    try:
        for n, (_, _, index, offset, length) in enumerate(blocks):
            if index not in cache:  # parts finish about in run order: two are enough
                if len(cache) >= 2:
                    del cache[next(iter(cache))]
                cache[index] = read_part(parts[index])
            buffered.append(cache[index].slice(offset, length))
            if sum(t.num_rows for t in buffered) >= ROW_GROUP_ROWS or n == len(blocks) - 1:
                # One row group per ~8k rows: a row group per part would make the footer
                # (and the writer's memory) grow with the number of chunks.
                merged = pa.concat_tables(buffered).replace_schema_metadata(metadata)
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


def _run_blocks(
    parts: Sequence[Path], schema: pa.Schema | None
) -> list[tuple[int, int, int, int, int]]:
    """(first run, last run, part index, offset, rows) of each block of consecutive runs, in
    run order. Every part must have the columns `schema` (if given) or those of the first."""
    blocks = []
    first: pa.Schema | None = schema
    for index, part in enumerate(parts):
        found = read_schema(part)
        if first is None:
            first = found
        elif not _same_columns(found, first):
            raise InputError([_changed(part)])
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
    blocks: Sequence[tuple[int, int, int, int, int]], parts: Sequence[Path], runs: int
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
    if blocks and expected != runs:
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
