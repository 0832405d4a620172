"""`batch` and `sensitivity` options at and beyond their extremes.

Every number is range-checked before anything is loaded, played or written: each case
below ends under the hostile-input limits (5 CPU seconds, 256 MiB) with exit 2, a message
naming the option and its range, no traceback, and nothing written. A batch of 10**12 runs
starts in constant memory (its chunks are generated as they are played) and stops cleanly
on Ctrl-C; a seed the options accept is accepted by `--resume` too; and `--from-state`
with `--seed` uses the seed (run i continues the saved game with seed derive(N, 'run', i)).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import SCENARIOS, run_cli
from harness import ENV, MEMORY_BYTES, run_limited, tree

from wargame.batch import spec as specs
from wargame.batch import storage
from wargame.engine.snapshot import MAX_SEED

TUTORIAL = SCENARIOS / "tutorial.yaml"
BATCH = ("batch", str(TUTORIAL), "--out", "b")
SENSITIVITY = ("sensitivity", str(TUTORIAL), "--outcome", "crisis", "--out", "b")
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
HUGE = str(10**20)

CASES = {
    # name: (command, extra options, what the message says)
    "runs 0": (BATCH, ["--runs", "0"], ["runs must be at least 1, got 0"]),
    "runs negative": (BATCH, ["--runs", "-5"], ["runs must be at least 1, got -5"]),
    "runs 2**48 + 1": (BATCH, ["--runs", str(2**48 + 1)], ["runs must be at most 2**48"]),
    "runs 10**20": (
        BATCH,
        ["--runs", HUGE],
        ["runs must be at most 2**48", "got 100,000,000,000,000,000,000"],
    ),
    "runs 10**400": (BATCH, ["--runs", "1" + "0" * 400], ["a number of about 401 digits"]),
    "runs 5,000 digits": (BATCH, ["--runs", "9" * 5000], ["--runs", "exceeded maximum size"]),
    "workers 0": (BATCH, ["--workers", "0"], ["workers must be at least 1"]),
    "workers 500": (BATCH, ["--workers", "500"], [f"workers must be at most {4 * CORES}"]),
    "workers 10**20": (
        BATCH,
        ["--workers", HUGE],
        ["workers must be at most", "got 100,000,000,000,000,000,000"],
    ),
    "workers with a scheduler": (
        BATCH,
        ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
        ["runs on a Dask cluster", "leave out --workers"],
    ),
    "chunk size 10**20": (BATCH, ["--chunk-size", HUGE], ["chunk_size must be between 1 and"]),
    "chunk x variants": (
        BATCH,
        ["--chunk-size", "6000", "--variants", "weak,strong"],
        ["makes chunks of 12,000 games, more than 10,000", "use at most 5,000"],
    ),
    "seed -1": (BATCH, ["--seed", "-1"], ["--seed"]),
    "seed 2**64": (BATCH, ["--seed", str(2**64)], ["--seed", "18446744073709551615"]),
    "tls scheduler": (BATCH, ["--scheduler", "tls://127.0.0.1:8786"], ["uses the tls://", "tcp"]),
    "ucx scheduler": (BATCH, ["--scheduler", "ucx://127.0.0.1:8786"], ["uses the ucx://"]),
    "inproc scheduler": (BATCH, ["--scheduler", "inproc://x"], ["uses the inproc://"]),
    "ws scheduler": (BATCH, ["--scheduler", "ws://127.0.0.1:8786"], ["uses the ws://"]),
    "garbage scheduler": (BATCH, ["--scheduler", "::::"], ["is not a Dask scheduler address"]),
    "escapes in the address": (
        BATCH,
        ["--scheduler", "\x1b[31mred://x"],
        ["\\x1b[31mred://x", "tcp://host:port"],
    ),
    "a long address": (BATCH, ["--scheduler", "x" * 10_000 + "://"], ["(10,003 characters)"]),
    "base samples 3": (SENSITIVITY, ["--base-samples", "3"], ["power of 2"]),
    "base samples 0": (SENSITIVITY, ["--base-samples", "0"], ["power of 2"]),
    "base samples 2**40": (
        SENSITIVITY,
        ["--base-samples", str(2**40)],
        ["more than 2,000,000", "lower --base-samples"],
    ),
    "replicates 0": (SENSITIVITY, ["--replicates", "0"], ["--replicates"]),
    "replicates 10**20": (
        SENSITIVITY,
        ["--replicates", HUGE, "--base-samples", "2"],
        ["--replicates must be between 1 and"],
    ),
    "sensitivity workers 500": (SENSITIVITY, ["--workers", "500"], ["workers must be at most"]),
    "sensitivity seed 2**64": (SENSITIVITY, ["--seed", str(2**64)], ["--seed"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_an_option_out_of_range_is_refused_before_any_work(tmp_path: Path, case: str) -> None:
    command, extra, says = CASES[case]
    ended = run_limited(*command, *extra, cwd=tmp_path)
    assert ended.code == 2, f"exit {ended.code}:\n{ended.output}"
    assert "Traceback" not in ended.output, ended.output
    for fragment in says:
        assert fragment in ended.stderr, f"{fragment!r} not in:\n{ended.stderr}"
    assert tree(tmp_path) == {}, "the command wrote files"


def _limited_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_BYTES, MEMORY_BYTES))


@pytest.mark.slow
def test_a_batch_of_10_to_the_12_runs_starts_in_constant_memory_and_stops_cleanly(tmp_path):
    """Was: the whole list of chunks built first (1.35 GB within seconds at 10**9 runs): out
    of memory under the 256 MiB limit. Each process of the batch is held to it here."""
    runs = str(10**12)
    with open(tmp_path / "stderr", "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "wargame", *BATCH, "--runs", runs, "--workers", "2"],
            cwd=tmp_path,
            env=ENV,  # (OpenBLAS held to one thread, as in every hostile test)
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=_limited_memory,
        )
    try:
        deadline = time.monotonic() + 90
        while not list((tmp_path / "b" / "parts").glob("runs-*.parquet")):
            assert process.poll() is None, (tmp_path / "stderr").read_text()
            assert time.monotonic() < deadline, "no part within 90 s"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = (tmp_path / "stderr").read_text()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "out of memory" not in stderr, stderr
    assert "interrupted; the finished runs are kept in b: run the same command with --resume" in (
        stderr
    )
    held = pq.read_table(tmp_path / "b" / "parts", columns=["run"])["run"].to_pylist()
    assert held and len(held) == len(set(held))


@pytest.mark.slow
def test_the_largest_seed_the_options_accept_is_accepted_by_resume(tmp_path: Path) -> None:
    args = [*BATCH, "--runs", "4", "--seed", str(MAX_SEED)]
    assert run_cli(*args, cwd=tmp_path).returncode == 0
    first = (tmp_path / "b" / storage.RUNS).read_bytes()
    (tmp_path / "b" / storage.RUNS).unlink()  # as if killed before compaction
    resumed = run_cli(*args, "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "b" / storage.RUNS).read_bytes() == first


@pytest.mark.slow
def test_from_state_with_seed_uses_the_seed_for_every_run(tmp_path: Path) -> None:
    """The rule: run i continues the saved game with seed derive_seed(N, 'run', i); the
    state's own seed is replaced (its game is continued, not replayed)."""
    saved = run_cli("run", TUTORIAL, "--seed", "3", "--turns", "2", "--save-state", "s.json",
                    cwd=tmp_path)  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    tables = {}
    for name, seed in (("one", "1"), ("again", "1"), ("two", "2")):
        ended = run_cli("batch", TUTORIAL, "--from-state", "s.json", "--runs", "20", "--seed",
                        seed, "--out", name, cwd=tmp_path)  # fmt: skip
        assert ended.returncode == 0, ended.stderr
        tables[name] = pq.read_table(tmp_path / name / storage.RUNS).to_pandas()
    for name, seed in (("one", 1), ("two", 2)):
        assert tables[name]["seed"].tolist() == [specs.run_seed(seed, r) for r in range(20)]
    assert tables["one"].equals(tables["again"])
    outcomes = [c for c in tables["one"].columns if c.startswith("final.")]
    assert not tables["one"][outcomes].equals(tables["two"][outcomes])
