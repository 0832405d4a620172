"""Signals at random moments of a real batch with worker processes, then `--resume`.

The command runs in its own session (its process group is its pid), so every process it
starts (the worker pool, multiprocessing's resource tracker) can be found afterwards even if
it was orphaned. For each signal, sent to the batch process alone (`kill PID`) or to its
whole group (Ctrl-C in a terminal, `kill -TERM -PGID`), at a moment drawn at random from a
seeded generator (printed on failure) after the manifest is written (so also during the
pool's start-up):

- SIGINT exits 130 and SIGTERM 143, each saying what is kept and that --resume finishes it
  (was, for SIGTERM: killed by it without a word, exit 143 in a shell, the workers and the
  resource tracker left running; for SIGKILL: the same processes left);
  SIGKILL gives no chance to say anything;
- no process of the group is left alive a few seconds later (zombies waiting for a reaper
  count as ended);
- `--resume` then completes the batch, in worker processes again, leaving no process
  either, and its table equals the batch played without interruption row for row: no run
  missing, none twice.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import CLI_ENV, SCENARIOS

from wargame.batch import runner as batch
from wargame.batch import storage

psutil = pytest.importorskip("psutil")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc"),
]

TUTORIAL = SCENARIOS / "tutorial.yaml"
RUNS, VARIANTS, SEED = 600, ("weak", "strong"), 5
ARGS = ["batch", str(TUTORIAL), "--runs", str(RUNS), "--variants", ",".join(VARIANTS)]
ARGS += ["--seed", str(SEED), "--chunk-size", "4", "--workers", "2", "--out", "out"]
LATEST = 1.5  # seconds after the manifest appears: from the pool's start-up to mid-batch


@dataclass(frozen=True)
class Ended:
    code: int
    stderr: str
    left: list[str]  # processes of its group still alive after it ended


def alive_in_group(group: int) -> list[str]:
    """Processes of the process group that have not ended (zombies have)."""
    found = []
    for process in psutil.process_iter(["pid", "status", "cmdline"]):
        try:
            if os.getpgid(process.pid) == group and process.status() != psutil.STATUS_ZOMBIE:
                found.append(f"{process.pid} {' '.join(process.info['cmdline'] or [])[:120]}")
        except (psutil.Error, ProcessLookupError):
            continue
    return found


def settled(group: int, seconds: float = 10.0) -> list[str]:
    """What is still alive in the group once it had `seconds` to end."""
    deadline = time.monotonic() + seconds
    while (left := alive_in_group(group)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def start(folder: Path, *args: str) -> subprocess.Popen[bytes]:
    with open(folder / "stderr", "wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "wargame", *args],
            cwd=folder,
            env=CLI_ENV,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,  # its own process group: pgid == pid
        )


def finish(process: subprocess.Popen[bytes], folder: Path, timeout: float = 120) -> Ended:
    try:
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    stderr = (folder / "stderr").read_text(encoding="utf-8", errors="replace")
    return Ended(process.returncode, stderr, settled(process.pid))


def interrupt(folder: Path, sig: signal.Signals, group: bool, delay: float) -> Ended:
    """Start the batch, send `sig` `delay` seconds after its manifest appears, wait."""
    process = start(folder, *ARGS)
    try:
        deadline = time.monotonic() + 60
        while not (folder / "out" / storage.MANIFEST).exists():
            assert process.poll() is None, (folder / "stderr").read_text()
            assert time.monotonic() < deadline, "no manifest within 60 s"
            time.sleep(0.01)
        time.sleep(delay)
        assert process.poll() is None, f"the batch ended before the signal ({delay:.2f} s)"
        (os.killpg if group else os.kill)(process.pid, sig)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return finish(process, folder)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    out = tmp_path_factory.mktemp("reference") / "out"
    batch.run(TUTORIAL, variants=VARIANTS, runs=RUNS, seed=SEED, chunk_size=4, out=out)
    return pq.read_table(out / storage.RUNS)


CASES = {
    # (signal, to the whole group?, exit code, what it says)
    "SIGINT to the group (Ctrl-C)": (signal.SIGINT, True, 130, "interrupted; "),
    "SIGTERM to the batch": (signal.SIGTERM, False, 143, "terminated (SIGTERM); "),
    "SIGTERM to the group": (signal.SIGTERM, True, 143, "terminated (SIGTERM); "),
    "SIGKILL to the batch": (signal.SIGKILL, False, -signal.SIGKILL, ""),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_signal_at_a_random_moment_leaves_no_process_and_resume_completes(
    tmp_path: Path, reference: pa.Table, case: str
):
    sig, group, code, says = CASES[case]
    delay = random.Random(case).uniform(0.0, LATEST)
    ended = interrupt(tmp_path, sig, group, delay)

    moment = f"{case} {delay:.2f} s after the manifest"
    assert ended.code == code, f"{moment}: exit {ended.code}\n{ended.stderr}"
    assert "Traceback" not in ended.stderr, ended.stderr
    if says:
        kept = "the finished runs are kept in out: run the same command with --resume"
        assert f"{says}{kept} to finish the batch" in ended.stderr, ended.stderr
    assert not ended.left, f"{moment}: left running: {ended.left}"
    out = tmp_path / "out"
    assert not (out / storage.RUNS).exists(), f"{moment}: the batch had finished"

    resumed = finish(start(tmp_path, *ARGS, "--resume"), tmp_path)

    assert resumed.code == 0, f"{moment}: resume exit {resumed.code}\n{resumed.stderr}"
    assert not resumed.left, resumed.left
    table = pq.read_table(out / storage.RUNS)
    keys = list(zip(table["run"].to_pylist(), table["variant"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys)), f"{moment}: a run twice"
    assert set(keys) == {(r, v) for r in range(RUNS) for v in VARIANTS}, f"{moment}: a run missing"
    assert table.equals(reference)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp") or (p.suffix == ".parquet"
                and p.parent.name == "parts")]  # fmt: skip


def test_sigterm_stops_a_sensitivity_analysis_like_ctrl_c_and_resume_finishes_it(tmp_path: Path):
    args = ["sensitivity", str(TUTORIAL), "--outcome", "crisis", "--base-samples", "64"]
    args += ["--include", "parameters.*_strength", "--replicates", "8", "--workers", "2"]
    args += ["--out", "out"]  # 64 x (2 + 2) points x 8 = 2,048 runs
    process = start(tmp_path, *args)
    try:
        deadline = time.monotonic() + 60
        while not list((tmp_path / "out" / "parts").glob("runs-*.parquet")):
            assert process.poll() is None, (tmp_path / "stderr").read_text()
            assert time.monotonic() < deadline, "no part within 60 s"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGTERM)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    ended = finish(process, tmp_path)
    assert ended.code == 143, ended.stderr
    assert "terminated (SIGTERM); the finished runs are kept in out: run the same command " in (
        ended.stderr
    )
    assert "--resume to finish the analysis" in ended.stderr
    assert not ended.left, ended.left

    resumed = finish(start(tmp_path, *args, "--resume"), tmp_path)
    assert resumed.code == 0, resumed.stderr
    assert not resumed.left, resumed.left
    assert (tmp_path / "out" / "sobol.json").exists()
