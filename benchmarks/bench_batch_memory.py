"""Peak memory of a batch does not depend on --runs: the same batch at 10**6 and 10**9 runs.

    python benchmarks/bench_batch_memory.py [--runs 1000000,1000000000] [--seconds 60]
        [--workers 2] [--scenario scenarios/tutorial.yaml] [--code DIR] [--json OUT]

Each size runs the real command, `python -m wargame batch SCENARIO --runs N --workers W
--out TMP`, in its own session (process group), samples the summed RSS of the command and
all its descendants (workers, the resource tracker) every 50 ms (`TreeRss` of
bench_batch.py), sends Ctrl-C (SIGINT) after `--seconds`, and waits for it to end. Printed
side by side: peak RSS of the tree and of the main process, games written to parts, exit
code, the command's last message line, and the processes of its group still alive 10 s
after it ended (they must be none). Summed RSS counts shared library pages once per
process: an upper bound of what the tree holds.

`--code DIR` runs the package found in DIR instead (e.g. an earlier revision unpacked with
`git archive REV | tar -x -C DIR`), to compare before and after. The issue's figures:

    python benchmarks/bench_batch_memory.py --runs 1000000,1000000000 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from bench_batch import TreeRss

ROOT = Path(__file__).resolve().parent.parent
MiB = 2**20


def alive_in_group(group: int) -> list[int]:
    """Processes of the process group that have not ended (zombies have)."""
    import psutil

    found = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == group and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except (psutil.Error, ProcessLookupError):
            continue
    return found


def measure(args: argparse.Namespace, runs: int) -> dict[str, Any]:
    """One batch of `runs`, interrupted after args.seconds: its figures."""
    env = {**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    if args.code:
        env["PYTHONPATH"] = str(Path(args.code).resolve())
    with tempfile.TemporaryDirectory(prefix="bench-batch-memory-") as tmp:
        out = Path(tmp) / "out"
        command = [sys.executable, "-m", "wargame", "batch", args.scenario, "--runs", str(runs)]
        command += ["--workers", str(args.workers), "--out", str(out)]
        started = time.monotonic()
        with open(Path(tmp) / "stderr", "wb") as stderr:
            child = subprocess.Popen(
                command,
                cwd=tmp,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        sampler = TreeRss(child.pid)
        sampler.start()
        try:
            child.wait(timeout=args.seconds)
        except subprocess.TimeoutExpired:
            os.kill(child.pid, signal.SIGINT)
            try:
                child.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        ran = time.monotonic() - started
        sampler.stop()
        deadline = time.monotonic() + 10
        while (left := alive_in_group(child.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if left:
            os.killpg(child.pid, signal.SIGKILL)
        parts = sorted((out / "parts").glob("runs-*.parquet")) if out.exists() else []
        games = sum(pq.read_metadata(p).num_rows for p in parts)
        if (out / "runs.parquet").exists():
            games += pq.read_metadata(out / "runs.parquet").num_rows
        lines = (Path(tmp) / "stderr").read_text(errors="replace").strip().splitlines()
    return {
        "runs": runs,
        "seconds": ran,
        "peak_tree_rss_mib": sampler.peak / MiB,
        "peak_main_rss_mib": sampler.peak_root / MiB,
        "processes": sampler.processes,
        "games_written": games,
        "exit": child.returncode,
        "said": lines[-1][:110] if lines else "",
        "left_running": left,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="1000000,1000000000", help="sizes, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="Ctrl-C after this long")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "tutorial.yaml"))
    parser.add_argument("--code", help="a folder holding another revision's wargame package")
    parser.add_argument("--json", help="also save the figures here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.runs.split(",") if s]
    load = os.getloadavg()
    print(
        f"wargame batch {Path(args.scenario).name} --workers {args.workers}, Ctrl-C after "
        f"{args.seconds:.0f} s; code: {args.code or ROOT}; {os.cpu_count()} CPUs; "
        f"load {load[0]:.2f}"
    )
    rows = [measure(args, runs) for runs in sizes]
    width = 24
    print(f"{'--runs':<28}" + "".join(f"{r['runs']:>{width},}" for r in rows))
    for label, key, form in (
        ("peak RSS, process tree (MiB)", "peak_tree_rss_mib", "{:.1f}"),
        ("peak RSS, main process (MiB)", "peak_main_rss_mib", "{:.1f}"),
        ("processes (most at once)", "processes", "{}"),
        ("games written", "games_written", "{:,}"),
        ("ran (s)", "seconds", "{:.1f}"),
        ("exit code", "exit", "{}"),
        ("left running after 10 s", "left_running", "{}"),
    ):
        print(f"{label:<28}" + "".join(f"{form.format(r[key]):>{width}}" for r in rows))
    for row in rows:
        print(f"  {row['runs']:,} runs said: {row['said']}")
    if len(rows) >= 2:
        small, big = rows[0], rows[-1]
        growth = big["peak_tree_rss_mib"] - small["peak_tree_rss_mib"]
        print(
            f"growth {small['runs']:,} -> {big['runs']:,} runs: {growth:+.1f} MiB "
            f"({growth / small['peak_tree_rss_mib']:+.1%})"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
