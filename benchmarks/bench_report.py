"""After-action report: the time to write it, its size, and what the risk timeline costs.

    python benchmarks/bench_report.py [--repeat 3] [--risk 200] [--workers 2]

On a 12-turn game of the shipped scenario (`wargame run --seed 1 --json`), through the real
command (a fresh process each time, imports included, as a facilitator runs it):

1. `wargame report run.json -o report.html`: median wall time of --repeat runs (target under
   3 s) and the file's size (target under 2 MB).
2. `wargame report run.json -o risk.html --risk N --workers W`: wall time, the continuation
   games it played and their turns per second, side by side with the batch runner's on the
   same machine in the same run (`wargame batch`, the same workers, as many games of the
   scenario's variants, as many turns in all): the report's risk timeline should cost what
   its games cost.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wargame.scenario.loading import load_scenario  # noqa: E402

KOREA = ROOT / "scenarios" / "korea_2017_over_japan.yaml"


def wargame(*args: object, cwd: Path) -> tuple[float, str]:
    """Run `python -m wargame ARGS`; its wall time and standard output."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "wargame", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"wargame {' '.join(map(str, args))} failed:\n{done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--risk", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as name:
        folder = Path(name)
        wargame("run", KOREA, "--seed", "1", "--json", "run.json", "--summary", cwd=folder)
        times = [
            wargame("report", "run.json", "-o", "report.html", "--force", cwd=folder)[0]
            for _ in range(args.repeat)
        ]
        size = (folder / "report.html").stat().st_size
        print(f"report of a 12-turn game, no risk ({args.repeat} runs, fresh process each):")
        print(f"  wall time: median {statistics.median(times):.2f} s (min {min(times):.2f} s)")
        print(f"  file size: {size / 2**20:.2f} MiB ({size:,} bytes)")

        seconds, said = wargame(
            "report", "run.json", "-o", "risk.html", "--risk", args.risk,
            "--workers", args.workers, cwd=folder,
        )  # fmt: skip
        found = re.search(r"risk from ([\d,]+) games in ([\d.]+) s", said)
        assert found, said
        games, risk_seconds = int(found.group(1).replace(",", "")), float(found.group(2))
        variants = ["base", *load_scenario(KOREA).spec.variants]
        policies = len(variants)
        # continuations from the start of turn t play 13 - t turns: 78 turns per run and policy
        turns = args.risk * policies * sum(13 - t for t in range(1, 13))
        print(f"report with --risk {args.risk} --workers {args.workers}:")
        print(f"  wall time: {seconds:.1f} s, of which the risk timeline {risk_seconds:.1f} s")
        print(
            f"  {games:,} continuation games, {turns:,} turns: {turns / risk_seconds:,.0f} turns/s"
        )

        runs = max(1, turns // (policies * 12))  # as many turns as the continuations played
        began = time.perf_counter()
        wargame(
            "batch", KOREA, "--runs", runs, "--workers", args.workers, "--sample", "none",
            "--variants", ",".join(variants), "--allow-hindsight", "--out", "batch", cwd=folder,
        )  # fmt: skip
        batch_seconds = time.perf_counter() - began
        batch_turns = runs * policies * 12
        print(f"reference: wargame batch --runs {runs} --workers {args.workers} (every variant):")
        print(
            f"  {runs * policies:,} games of 12 turns, {batch_turns:,} turns in "
            f"{batch_seconds:.1f} s (whole command): {batch_turns / batch_seconds:,.0f} turns/s"
        )


if __name__ == "__main__":
    main()
