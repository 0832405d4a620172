"""Faults in the middle of a batch: a lost Dask worker, a full disk at every write, a run
that always fails, Ctrl-C inside a write, a part damaged on disk before a resume.

Each case ends the same way: the exit code (or exception) and the message (the file named,
what is kept, what to do; no traceback), no temp file (`*.tmp`) left, the parts already
written intact, and after a resume a runs table equal, row for row, to the same batch run
without the fault, with every (run, variant) exactly once. Faults are real where they can
be (SIGKILL of a Dask worker process, the kernel's ENOSPC from /dev/full) and injected by
monkeypatching the writers otherwise, in process or in a `python -c` that then runs the
real `wargame.cli.main()`. A part copied in twice is refused rather than compacted into
duplicates. (A killed main process, Ctrl-C of the real command and a killed local worker
process are in tests/test_batch.py.)
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from wargame.batch import runner as batch
from wargame.batch import spec as specs
from wargame.batch import storage, worker
from wargame.engine.model import WargameModel
from wargame.errors import DiskFullError, InputError, RunError, WargameError

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "scenarios" / "tutorial.yaml"
slow = pytest.mark.slow
linux_only = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs Linux /proc")

VARIANTS = ("weak", "strong")
RUNS = 12
ARGS: dict[str, Any] = {
    "variants": VARIANTS,
    "runs": RUNS,
    "seed": 7,
    "chunk_size": 2,  # six chunks
    "trajectories": True,
}
CLI_ARGS = ["--variants", ",".join(VARIANTS), "--runs", str(RUNS), "--seed", "7"]
CLI_ARGS += ["--chunk-size", "2", "--trajectories"]
FULL = "No space left on device"
RESUME = "run the same command with --resume"


# -- helpers ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tables:
    runs: pa.Table
    steps: pa.Table | None


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Tables:
    """The batch of ARGS played without a fault."""
    out = tmp_path_factory.mktemp("reference") / "out"
    batch.run(TUTORIAL, out=out, **ARGS)
    return Tables(pq.read_table(out / storage.RUNS), pq.read_table(out / storage.TRAJECTORIES))


@pytest.fixture
def small_parts(monkeypatch) -> None:
    """Every chunk its own part, compaction in several row groups: more write points."""
    monkeypatch.setattr(storage, "FLUSH_SECONDS", 0.0)
    monkeypatch.setattr(storage, "ROW_GROUP_ROWS", 8)


def temp_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def parts(out: Path, kind: str = "runs") -> list[int]:
    return sorted(int(p.stem.rpartition("-")[2]) for p in (out / "parts").glob(f"{kind}-*"))


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under folder with a hash of its bytes and its mtime: to see that nothing
    was written (not even the same bytes again)."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def rows_of(table: pa.Table, runs: list[int]) -> pa.Table:
    return table.filter(pc.is_in(table["run"], value_set=pa.array(runs, pa.int64())))


def assert_parts_intact(out: Path, reference: Tables) -> None:
    """Each runs part left holds exactly the reference's rows of its runs, in order."""
    for number in parts(out):
        table = pq.read_table(storage.part_path(out, number))
        held = sorted(set(table["run"].to_pylist()))
        assert table.equals(rows_of(reference.runs, held)), number


def assert_complete(out: Path, reference: Tables, trajectories: bool = True) -> None:
    """Row for row the reference, every (run, variant) once, no part or temp file left."""
    runs = pq.read_table(out / storage.RUNS)
    keys = list(zip(runs["run"].to_pylist(), runs["variant"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys)), "a (run, variant) is there twice"
    assert set(keys) == {(r, v) for r in range(RUNS) for v in VARIANTS}, "a run is missing"
    assert runs.equals(reference.runs)
    if trajectories:
        assert pq.read_table(out / storage.TRAJECTORIES).equals(reference.steps)
    assert not temp_files(out)
    assert not list((out / "parts").glob("*"))


def interrupted(out: Path, rows: int, **args: Any) -> None:
    """The batch stopped by Ctrl-C once `rows` games are written (with small_parts)."""

    def stop(progress: batch.Progress) -> None:
        if progress.done >= rows:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.run(TUTORIAL, out=out, on_progress=stop, **{**ARGS, **args})
    assert parts(out), "the interruption must leave parts"
    assert not (out / storage.RUNS).exists()


class FullDisk:
    """Writes to files whose name contains `name` fail with ENOSPC, as on a full disk: the
    first `after` of them succeed, every one after fails (leaving a half-written file, as a
    real one does) until `free()`.

    `at` is where the write fails: "write_table" (a part's pq.write_table), "writer" (a
    row group of the compaction's ParquetWriter) or "fsync" (any file: the manifest, the
    compacted files; on some file systems a full disk shows only at fsync).
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: str, name: str, after: int = 0):
        self.name, self.after, self.seen, self.full = name, after, 0, True
        write_table, fsync = pq.write_table, os.fsync
        write_group, close = pq.ParquetWriter.write_table, pq.ParquetWriter.close

        def failing_write_table(table: pa.Table, where: Any, *args: Any, **kwargs: Any) -> None:
            if self.hit(where):
                Path(where).write_bytes(b"PAR1 half a part")
                self.fail()
            write_table(table, where, *args, **kwargs)

        def failing_write_group(writer: Any, *args: Any, **kwargs: Any) -> None:
            if self.hit(writer.where):
                self.fail()  # its temp file holds the row groups written before
            write_group(writer, *args, **kwargs)

        def failing_close(writer: Any) -> None:
            close(writer)
            if self.full and self.seen > self.after and self.name in Path(writer.where).name:
                self.fail()  # no room for the footer either, each time it is tried

        def failing_fsync(fd: int) -> None:
            if self.hit(os.readlink(f"/proc/self/fd/{fd}")):
                self.fail()  # the file is written, but not all of it is on the disk
            fsync(fd)

        patches: dict[str, tuple[Any, str, Callable[..., Any]]] = {
            "write_table": (pq, "write_table", failing_write_table),
            "writer": (pq.ParquetWriter, "write_table", failing_write_group),
            "close": (pq.ParquetWriter, "close", failing_close),
            "fsync": (os, "fsync", failing_fsync),
        }
        monkeypatch.setattr(*patches[at])
        if at == "writer":
            monkeypatch.setattr(*patches["close"])

    def hit(self, path: Any) -> bool:
        if not self.full or self.name not in Path(str(path)).name:
            return False
        self.seen += 1
        return self.seen > self.after

    @staticmethod
    def fail() -> None:
        raise OSError(errno.ENOSPC, FULL)

    def free(self) -> None:
        self.full = False


def wargame(*args: str | Path, cwd: Path, fault: str = "") -> subprocess.CompletedProcess[str]:
    """The real `wargame.cli.main()` in a new interpreter, after running `fault` there."""
    code = "\n".join(
        [
            "import sys",
            fault,
            "from wargame.cli import main",
            "sys.argv = ['wargame', *sys.argv[1:]]",
            "main()",
        ]
    )
    env = {**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def full_disk_after(after: int) -> str:
    """Source for `wargame(fault=...)`: every chunk its own part; runs-part writes after the
    first `after` fail with ENOSPC (leaving a half-written temp file)."""
    return f"""
import errno
from pathlib import Path
import pyarrow.parquet as pq
from wargame.batch import storage
storage.FLUSH_SECONDS = 0.0
_write_table, _seen = pq.write_table, []
def _failing(table, where, *args, **kwargs):
    if Path(where).name.startswith(".runs-"):
        _seen.append(where)
        if len(_seen) > {after}:
            Path(where).write_bytes(b"PAR1 half a part")
            raise OSError(errno.ENOSPC, "{FULL}")
    return _write_table(table, where, *args, **kwargs)
pq.write_table = _failing
"""


# -- 1. a Dask worker lost mid-batch ------------------------------------------------------------
DASK_ARGS: dict[str, Any] = {"variants": VARIANTS, "runs": 160, "seed": 3, "chunk_size": 8}
DYING_CHUNK = 40  # (of 20 chunks: the kill lands mid-batch, with chunks written before it)

# Run in each worker (client.run): the worker that starts playing chunk DYING_CHUNK first
# SIGKILLs itself, there and then: a worker lost while playing a chunk, without racing
# the batch from outside. Tasks name play_chunk by reference, so workers use this one.
DIE_ONCE = """
import os, signal
import wargame.batch.worker as worker
play = getattr(worker.play_chunk, "__wrapped__", worker.play_chunk)
def dying(spec, start, stop):
    if start == {start}:
        try:
            os.close(os.open({marker!r}, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            pass  # another worker died on it already
        else:
            os.kill(os.getpid(), signal.SIGKILL)
    return play(spec, start, stop)
dying.__wrapped__ = play
worker.play_chunk = dying
"""
HEALED = """
import wargame.batch.worker as worker
worker.play_chunk = getattr(worker.play_chunk, "__wrapped__", worker.play_chunk)
"""


@pytest.fixture(scope="module")
def dask_reference(tmp_path_factory) -> Tables:
    out = tmp_path_factory.mktemp("dask-reference") / "out"
    batch.run(TUTORIAL, out=out, **DASK_ARGS)
    return Tables(pq.read_table(out / storage.RUNS), None)


@pytest.fixture
def client(cluster) -> Iterator[Any]:
    from distributed import Client

    with Client(cluster) as connected:
        connected.wait_for_workers(2, timeout=60)
        yield connected
        connected.run(exec, HEALED, {}, on_error="ignore")


def die_once(client: Any, marker: Path) -> None:
    """The worker that plays chunk DYING_CHUNK first dies doing it (marker: it did)."""
    client.run(exec, DIE_ONCE.format(start=DYING_CHUNK, marker=str(marker)), {})


def dask_complete(out: Path, reference: Tables) -> None:
    runs = pq.read_table(out / storage.RUNS)
    keys = list(zip(runs["run"].to_pylist(), runs["variant"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys)) == DASK_ARGS["runs"] * len(VARIANTS)
    assert runs.equals(reference.runs)
    assert not temp_files(out)
    assert not list((out / "parts").glob("*"))


@slow
def test_a_dask_worker_killed_while_playing_a_chunk_is_rescheduled_and_the_table_is_whole(
    tmp_path, client, dask_reference
):
    pids = set(client.run(os.getpid).values())
    die_once(client, tmp_path / "died")
    result = batch.run(TUTORIAL, out=tmp_path / "out", client=client, **DASK_ARGS)
    assert (tmp_path / "died").exists(), "a worker must have died mid-batch"
    client.wait_for_workers(2, timeout=60)
    assert len(pids & set(client.run(os.getpid).values())) == 1  # one was replaced
    assert not result.failed
    dask_complete(tmp_path / "out", dask_reference)


@slow
def test_every_dask_worker_killed_at_once_loses_the_spec_which_is_scattered_again(
    tmp_path, client, dask_reference, monkeypatch
):
    scatters: list[Any] = []
    scatter = client.scatter
    monkeypatch.setattr(client, "scatter", lambda *a, **k: scatters.append(a) or scatter(*a, **k))
    killed: list[int] = []

    def kill_all(progress: batch.Progress) -> None:
        if progress.done and not killed:  # once a chunk is in: the kill lands mid-batch
            for pid in client.run(os.getpid).values():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    batch.run(TUTORIAL, out=tmp_path / "out", client=client, on_progress=kill_all, **DASK_ARGS)
    assert len(killed) == 2
    # the nannies restart the workers, but the spec the tasks need died with them: without
    # scattering it again every task left would be cancelled ("already forgotten")
    assert len(scatters) >= 2
    dask_complete(tmp_path / "out", dask_reference)


@slow
def test_a_chunk_dask_gives_up_on_stops_the_batch_clearly_and_resume_finishes_it(
    tmp_path, cluster, client, dask_reference
):
    out = tmp_path / "out"
    die_once(client, tmp_path / "died")
    allowed = cluster.scheduler.allowed_failures
    cluster.scheduler.allowed_failures = 0  # one worker death while playing it: KilledWorker
    try:
        with pytest.raises(RunError) as caught:
            batch.run(TUTORIAL, out=out, client=client, **DASK_ARGS)
    finally:
        cluster.scheduler.allowed_failures = allowed
    assert (tmp_path / "died").exists()
    assert type(caught.value) is RunError and caught.value.exit_code == 1
    message = str(caught.value)
    assert message.startswith("the Dask cluster lost work in flight (KilledWorker: ")
    assert "all those workers died while running it)" in message  # one sentence, no link
    assert "the finished runs are kept" in message and RESUME in message
    assert not temp_files(out)
    assert parts(out) and not (out / storage.RUNS).exists()
    held = set(pq.read_table(out / "parts")["run"].to_pylist())
    assert DYING_CHUNK not in held and len(held) < DASK_ARGS["runs"]
    client.wait_for_workers(2, timeout=60)
    batch.run(TUTORIAL, out=out, client=client, resume=True, **DASK_ARGS)
    dask_complete(out, dask_reference)


# -- 2. a full disk at every write point --------------------------------------------------------
@dataclass(frozen=True)
class WritePoint:
    at: str  # FullDisk's `at`
    name: str  # the file name it fails on (part of it)
    after: int  # writes to it that succeed first
    file: str  # the file the message names, relative to out
    kept: str | None  # the folder the message says keeps the finished runs
    runs_parts: tuple[int, ...]  # runs parts left
    steps_parts: tuple[int, ...]  # steps parts left
    final: tuple[str, ...] = ()  # compacted files already in place


POINTS = {
    "runs part": WritePoint(
        "write_table", ".runs-", 2, "parts/runs-000000000002.parquet", ".", (0, 1), (0, 1, 2)
    ),
    "trajectory part": WritePoint(
        "write_table", ".steps-", 1, "parts/steps-000000000001.parquet", ".", (0,), (0,)
    ),
    "manifest": WritePoint("fsync", ".manifest.json.", 0, "manifest.json", None, (), ()),
    "compacting trajectories": WritePoint(
        "fsync",
        ".trajectories.parquet.tmp",
        0,
        "trajectories.parquet",
        "parts",
        tuple(range(6)),
        tuple(range(6)),
    ),
    "compacting runs": WritePoint(
        "writer",
        ".runs.parquet.tmp",
        1,
        "runs.parquet",
        "parts",
        tuple(range(6)),
        (),
        ("trajectories.parquet",),
    ),
}


@linux_only
@pytest.mark.parametrize("point", POINTS.values(), ids=POINTS.keys())
def test_a_full_disk_stops_the_batch_keeping_its_work_and_resume_completes_it(
    tmp_path, monkeypatch, small_parts, reference, point
):
    out = tmp_path / "out"
    disk = FullDisk(monkeypatch, point.at, point.name, point.after)
    with pytest.raises(DiskFullError) as caught:
        batch.run(TUTORIAL, out=out, **ARGS)
    error = caught.value
    assert isinstance(error, RunError) and error.exit_code == 1  # the input was fine
    message = str(error)
    assert message.startswith(f"the disk is full: cannot write {out / point.file} ({FULL}); ")
    if point.kept is None:  # the first write of a new batch: nothing to keep, nothing kept
        assert message.endswith("free some space and run the command again")
        assert not list(out.iterdir())
    else:
        kept = out if point.kept == "." else out / point.kept
        assert f"; the finished runs are kept in {kept}; free some space and {RESUME}" in message
    assert disk.seen > point.after, "the fault must have fired"
    assert not temp_files(out), "a half-written file was left"
    assert tuple(parts(out)) == point.runs_parts
    assert tuple(parts(out, "steps")) == point.steps_parts
    assert tuple(sorted(p.name for p in out.glob("*.parquet"))) == point.final
    assert_parts_intact(out, reference)

    disk.free()
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)


@linux_only
def test_resume_on_a_disk_still_full_loses_nothing(tmp_path, monkeypatch, small_parts, reference):
    out = tmp_path / "out"
    disk = FullDisk(monkeypatch, "write_table", ".runs-", after=3)
    with pytest.raises(DiskFullError, match=re.escape(f"{storage.part_path(out, 3)} ({FULL})")):
        batch.run(TUTORIAL, out=out, **ARGS)
    before = {n: storage.part_path(out, n).read_bytes() for n in parts(out)}
    assert list(before) == [0, 1, 2]
    with pytest.raises(
        DiskFullError, match=re.escape(f"kept in {out}; free some space and {RESUME}")
    ):
        batch.run(TUTORIAL, out=out, resume=True, **ARGS)  # plays chunk 3 again: no room
    assert {n: storage.part_path(out, n).read_bytes() for n in parts(out)} == before
    assert not temp_files(out)
    disk.free()
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("write", ["part", "compaction"])
def test_the_kernels_enospc_through_pyarrow_is_a_full_disk_too(tmp_path, reference, write):
    """No monkeypatch: a temp file the batch will write is /dev/full, where writes fail."""
    out = tmp_path / "out"
    (out / "parts").mkdir(parents=True)
    target = storage.part_path(out, 0) if write == "part" else out / storage.RUNS
    temp = {
        "part": out / "parts" / f".runs-000000000000.parquet.{os.getpid()}.tmp",
        "compaction": out / ".runs.parquet.tmp",  # (its ParquetWriter cannot even start)
    }[write]
    temp.symlink_to("/dev/full")
    args = {**ARGS, "trajectories": False}
    with pytest.raises(DiskFullError) as caught:
        batch.run(TUTORIAL, out=out, **args)
    assert str(caught.value).startswith(f"the disk is full: cannot write {target} ({FULL}); ")
    assert not temp.is_symlink() and not temp_files(out)
    assert parts(out) == ([] if write == "part" else [0])
    assert_parts_intact(out, reference)
    batch.run(TUTORIAL, out=out, resume=True, **args)
    assert_complete(out, reference, trajectories=False)


@slow
def test_the_cli_says_the_disk_is_full_exits_1_and_resume_completes(tmp_path, reference):
    full = full_disk_after(2)
    ended = wargame("batch", TUTORIAL, *CLI_ARGS, "--out", "out", cwd=tmp_path, fault=full)
    assert ended.returncode == 1, ended.stderr
    assert "Traceback" not in ended.stdout + ended.stderr
    part = Path("out") / "parts" / "runs-000000000002.parquet"
    assert (
        f"error: the disk is full: cannot write {part} ({FULL}); the finished runs are kept "
        f"in out; free some space and {RESUME}"
    ) in ended.stderr
    out = tmp_path / "out"
    assert not temp_files(out)
    assert parts(out) == [0, 1]
    assert_parts_intact(out, reference)

    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)


# -- 3. an exception inside one run ------------------------------------------------------------
def test_a_run_that_always_fails_is_kept_once_with_its_seed_and_never_replayed(
    tmp_path, monkeypatch, small_parts
):
    bad = specs.run_seed(ARGS["seed"], 5)
    step = WargameModel.step

    def failing_step(model: WargameModel) -> None:
        if model.seed == bad:  # a bug only run 5's numbers reach, in every variant
            raise ZeroDivisionError("float division by zero")
        step(model)

    monkeypatch.setattr(WargameModel, "step", failing_step)
    whole = batch.run(TUTORIAL, out=tmp_path / "whole", **ARGS)
    error = "ZeroDivisionError: float division by zero"
    assert set(whole.failed) == {(5, v, bad, error) for v in VARIANTS}

    out = tmp_path / "out"
    interrupted(out, rows=6 * len(VARIANTS))  # chunks (0, 2), (2, 4), (4, 6): run 5 failed
    played: list[tuple[int, int]] = []
    play = worker.play_chunk

    def spy(spec: specs.BatchSpec, start: int, stop: int) -> Any:
        played.append((start, stop))
        return play(spec, start, stop)

    monkeypatch.setattr(worker, "play_chunk", spy)
    result = batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert played == [(6, 8), (8, 10), (10, 12)]  # the failed run counts as done
    assert set(result.failed) == set(whole.failed)  # listed, though written before the stop
    assert pq.read_table(out / storage.RUNS).equals(
        pq.read_table(tmp_path / "whole" / storage.RUNS)
    )
    runs = pq.read_table(out / storage.RUNS)
    failed = runs.filter(pc.is_valid(runs["error"])).to_pylist()
    assert [(r["run"], r["variant"], r["seed"], r["turns"]) for r in failed] == [
        (5, "weak", bad, None),
        (5, "strong", bad, None),
    ]
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)  # finished: plays nothing more
    assert played == [(6, 8), (8, 10), (10, 12)]
    assert not temp_files(out)


@slow
def test_the_cli_lists_failed_games_of_an_interrupted_batch_after_resume(tmp_path, small_parts):
    """A variant whose every game fails (a human actor with no moves), Ctrl-C after three
    chunks, then --resume: exit 1, every failure listed once with its seed."""
    data = yaml.safe_load(TUTORIAL.read_text(encoding="utf-8"))
    data["variants"]["human"] = {"controllers": {"Blue": "human"}}
    scenario = tmp_path / "human.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    args = {"variants": ("weak", "human"), "runs": 12, "chunk_size": 2}

    def stop(progress: batch.Progress) -> None:
        if progress.done >= 12:  # three chunks
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.run(scenario, out=out, on_progress=stop, **args)
    assert parts(out) == [0, 1, 2] and not temp_files(out)

    ended = wargame(
        "batch", scenario, "--variants", "weak,human", "--runs", "12", "--chunk-size", "2",
        "--out", out, "--resume", cwd=tmp_path,
    )  # fmt: skip
    assert ended.returncode == 1, ended.stderr
    assert "Traceback" not in ended.stdout + ended.stderr
    assert "12 game(s) failed; their pairs were dropped:" in ended.stderr
    for run in range(12):
        line = f"run {run} (human, seed {specs.run_seed(0, run)}): WargameError: no moves"
        assert ended.stderr.count(line) == 1, line
    runs = pq.read_table(out / storage.RUNS)
    keys = list(zip(runs["run"].to_pylist(), runs["variant"].to_pylist(), strict=True))
    assert sorted(keys) == sorted({(r, v) for r in range(12) for v in ("weak", "human")})
    assert not temp_files(out)


# -- 4. a part damaged on disk before a resume ------------------------------------------------
@slow
def test_a_truncated_part_is_named_with_its_fix_and_nothing_is_touched(
    tmp_path, monkeypatch, small_parts, reference
):
    out = tmp_path / "out"
    interrupted(out, rows=8)  # two chunks
    damaged = storage.part_path(out, 1)
    damaged.write_bytes(damaged.read_bytes()[:300])  # e.g. a copy of the folder cut short
    before = snapshot(out)

    ended = wargame("batch", TUTORIAL, *CLI_ARGS, "--out", out, "--resume", cwd=tmp_path)
    assert ended.returncode == 2, ended.stderr  # like any damaged input file
    assert "Traceback" not in ended.stdout + ended.stderr
    assert f"error: 1 problem in {damaged}:" in ended.stderr
    assert f"  {damaged}: this batch part cannot be read (ArrowInvalid: " in ended.stderr
    assert "it was damaged after it was written. Fix: delete it and " in ended.stderr
    assert f"{RESUME}: the runs it held are played again" in ended.stderr
    assert snapshot(out) == before  # nothing written, nothing removed

    damaged.unlink()  # the fix, as told
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)


@slow
def test_a_stray_file_in_the_parts_folder_is_named_and_nothing_is_touched(
    tmp_path, monkeypatch, small_parts, reference
):
    out = tmp_path / "out"
    interrupted(out, rows=8)
    stray = out / "parts" / "runs-copy.parquet"
    stray.write_bytes(storage.part_path(out, 0).read_bytes())  # a copy made by hand
    before = snapshot(out)

    ended = wargame("batch", TUTORIAL, *CLI_ARGS, "--out", out, "--resume", cwd=tmp_path)
    assert ended.returncode == 2, ended.stderr
    assert "Traceback" not in ended.stdout + ended.stderr
    assert f"{stray}: this file is not a part the batch wrote" in ended.stderr
    assert "Fix: move it out of the parts folder" in ended.stderr
    assert snapshot(out) == before

    stray.unlink()  # the fix, as told
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)


@pytest.mark.parametrize("damage", ["garbage", "empty"])
def test_a_damaged_trajectory_part_names_its_runs_part_too(
    tmp_path, small_parts, reference, damage
):
    out = tmp_path / "out"
    interrupted(out, rows=16)  # four chunks
    steps = storage.part_path(out, 2, "steps")
    steps.write_bytes(b"PAR1" + b"not a footer" * 20 + b"PAR1" if damage == "garbage" else b"")
    before = snapshot(out)
    with pytest.raises(InputError) as caught:
        batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert f"{steps}: this batch part cannot be read" in message
    assert "Fix: delete it and runs-000000000002.parquet and run the same command" in message
    assert snapshot(out) == before

    steps.unlink()
    storage.part_path(out, 2).unlink()
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)


def test_a_part_copied_in_twice_is_refused_not_compacted_into_duplicates(
    tmp_path, small_parts, reference
):
    out = tmp_path / "out"
    interrupted(out, rows=8)
    copy = storage.part_path(out, 9)
    shutil.copy(storage.part_path(out, 1), copy)  # e.g. a file restored from a backup
    before = snapshot(out)
    with pytest.raises(WargameError) as caught:
        batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert caught.value.exit_code == 2
    assert f"hold run 2 twice ({storage.part_path(out, 1)} and {copy})" in str(caught.value)
    assert not (out / storage.RUNS).exists()
    assert {k: v for k, v in snapshot(out).items() if k in before} == before
    copy.unlink()
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)


def test_a_part_missing_some_of_its_runs_is_refused_not_compacted_with_a_hole(
    tmp_path, small_parts, reference
):
    out = tmp_path / "out"
    interrupted(out, rows=8)
    edited = storage.part_path(out, 1)  # runs 2 and 3; an edit drops run 3
    table = pq.read_table(edited)
    pq.write_table(table.filter(pc.equal(table["run"], 2)), edited)
    with pytest.raises(WargameError) as caught:
        batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert f"hold no run 3 (the next is in {storage.part_path(out, 2)})" in message
    assert f"delete the parts next to the gap and {RESUME}" in message
    assert not (out / storage.RUNS).exists() and not temp_files(out)
    edited.unlink()
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)


# -- 5. Ctrl-C inside a write (the real command's Ctrl-C and kills: tests/test_batch.py) -----------
def test_ctrl_c_inside_a_part_write_leaves_no_temp_file_and_keeps_the_chunk(
    tmp_path, monkeypatch, small_parts, reference
):
    out = tmp_path / "out"
    write_table = pq.write_table
    calls: list[str] = []

    def interrupted_write(table: pa.Table, where: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(str(where))
        if len(calls) == 4:  # chunk 1's runs part, half written
            Path(where).write_bytes(b"PAR1 half")
            raise KeyboardInterrupt
        write_table(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", interrupted_write)
    with pytest.raises(KeyboardInterrupt):
        batch.run(TUTORIAL, out=out, **ARGS)
    assert not temp_files(out)
    assert parts(out) == [0, 1]  # the finished chunk was written on the way out
    assert_parts_intact(out, reference)
    monkeypatch.setattr(pq, "write_table", write_table)
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)


def test_ctrl_c_during_compaction_leaves_every_part_and_no_temp_file(
    tmp_path, monkeypatch, small_parts, reference
):
    out = tmp_path / "out"
    write_group = pq.ParquetWriter.write_table

    def interrupted_group(writer: Any, *args: Any, **kwargs: Any) -> None:
        if Path(writer.where).name == ".runs.parquet.tmp":
            raise KeyboardInterrupt
        write_group(writer, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", interrupted_group)
    with pytest.raises(KeyboardInterrupt):
        batch.run(TUTORIAL, out=out, **ARGS)
    assert not temp_files(out) and not (out / storage.RUNS).exists()
    assert parts(out) == list(range(6))
    assert_parts_intact(out, reference)
    monkeypatch.setattr(pq.ParquetWriter, "write_table", write_group)
    batch.run(TUTORIAL, out=out, resume=True, **ARGS)
    assert_complete(out, reference)
