"""Runs per second of one scenario in one process: summary mode and full records.

    python benchmarks/bench_run.py [SCENARIO] [--runs N] [--variant V] [--profile]

Target (issue 2): at least 500 runs/s in summary mode for the shipped scenario (12 turns)
on one core. Times are CPU seconds of this process (steadier than wall time on a shared
machine). Run it with the compiled build too (`make compiled`, then
`.venv-compiled/bin/python benchmarks/bench_run.py` from outside the repository root, so
that the installed package is imported). `--profile` prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

import wargame
from wargame.engine.model import WargameModel
from wargame.scenario.loading import load_scenario

DEFAULT = Path(__file__).resolve().parent.parent / "scenarios" / "korea_2017_over_japan.yaml"


def runs_per_second(scenario, runs: int, record: bool) -> float:
    """Play `runs` games (seeds 0..runs-1) and return games per second."""
    start = time.process_time()
    for seed in range(runs):
        model = WargameModel(scenario, seed=seed, record=record)
        model.run()
        model.summary()
        model.release()
    return runs / (time.process_time() - start)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--variant", default=None)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario, variant=args.variant)
    turns = scenario.spec.scenario.turns
    runs_per_second(scenario, 50, record=False)  # warm-up
    summary = runs_per_second(scenario, args.runs, record=False)
    full = runs_per_second(scenario, max(1, args.runs // 4), record=True)
    build = "compiled (mypyc)" if wargame.compiled() else "pure Python"
    print(
        f"scenario {scenario.id} variant {args.variant or 'base'}, {turns} turns, "
        f"Python {sys.version.split()[0]}, {build} build"
    )
    print(f"summary mode: {summary:8.1f} runs/s ({1000 / summary:.3f} ms/run, {args.runs} runs)")
    print(f"full records: {full:8.1f} runs/s ({1000 / full:.3f} ms/run, {args.runs // 4} runs)")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        runs_per_second(scenario, max(1, args.runs // 4), record=False)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


if __name__ == "__main__":
    main()
