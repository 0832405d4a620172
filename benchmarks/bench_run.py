"""Games per second of one scenario, summary mode and full records, side by side with a reference.

    python benchmarks/bench_run.py [SCENARIO] [--runs N] [--variant V] [--rounds R]
                                   [--reference REV | --reference none] [--profile]

What it measures: CPU time (time.process_time, steadier than wall time on a shared machine)
to play whole games of SCENARIO (default: the shipped scenario, 12 turns; side by side, the
shipped scenario as the reference revision had it, which both codes can read), seeds 0..N-1, each
game built, run, summarised and released, once in summary mode (record=False) and once with
full records (N // 4 games).

Side by side (the default, `--reference b9b035a`): the `wargame/` package of revision REV is
extracted into a temporary directory (`git archive REV wargame | tar -x`), and the current code
(the working tree, PYTHONPATH = the repository root) and the reference (PYTHONPATH = that
directory) are each measured in their own subprocess of this same Python. Each subprocess
prints which `wargame/__init__.py` it imported, and the run stops if that is not the one
meant. Both load the same scenario file and play the same seeds. The games are split into R
rounds (default 5); in each round the two play in turn (who goes first alternates), so that a
noisy neighbour on the machine hurts both alike. Reported: median games/s and ms/game over the
rounds, and the ratio current/reference of games/s (median, with min-max over rounds).
Target: summary mode within 5% of the reference (the pause points of a turn cost nothing when
nobody pauses). The measuring code handles both the old layout (`wargame.model`,
`wargame.scenario.load_scenario`) and the current one (`wargame.engine.model`,
`wargame.scenario.loading.load_scenario`).

`--reference none` measures only the code this Python imports, in this process (the older
single figure; also the way to measure the compiled build: `make compiled`, then
`.venv-compiled/bin/python benchmarks/bench_run.py --reference none` from outside the
repository root, so that the installed package is imported). Target (issue 2): at least 500
runs/s in summary mode on one core. `--profile` prints where the time goes in summary mode
(for both codes when there is a reference).

    .venv/bin/python benchmarks/bench_run.py --runs 1000

`--engines` measures the two engines of the current code side by side instead, in this
process: the reference engine (one game at a time, summary mode) and the lockstep engine
(K games at once as arrays) for K = 64, 256, 1,024 and 4,096, each on seeds 0..N-1 of the
same scenario, in R rounds in which the engines take turns. Reported: games/s (CPU time),
microseconds per game, the ratio to the reference engine, and peak memory (tracemalloc, the
allocations of one call: a game, or a chunk of K games). Before timing, the first 64 games
of every K are compared with the reference engine's rows. Target (issue 15): at least 5,000
games/s on one core. `--profile` adds where the lockstep engine's time goes at K = 4,096.

    .venv/bin/python benchmarks/bench_run.py --engines --runs 8192
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "korea_2017_over_japan.yaml"
REFERENCE = "b9b035a"
WARM_UP = 50
TARGET = 0.95  # current/reference games/s in summary mode
MODES = (("summary mode", False), ("full records", True))


def engine() -> tuple[Any, Any]:
    """WargameModel and load_scenario, from whichever package layout `wargame` has."""
    import wargame

    if (Path(wargame.__file__).parent / "engine" / "model.py").exists():
        model = importlib.import_module("wargame.engine.model")
        loading = importlib.import_module("wargame.scenario.loading")
    else:  # before the sub-packages (b9b035a and older)
        model = importlib.import_module("wargame.model")
        loading = importlib.import_module("wargame.scenario")
    return model.WargameModel, loading.load_scenario


def foreign_modules(package: Path) -> list[str]:
    """Imported wargame modules whose file is not under `package`."""
    foreign = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        ours = name == "wargame" or name.startswith("wargame.")
        if ours and file and not Path(file).resolve().is_relative_to(package):
            foreign.append(name)
    return sorted(foreign)


def play(model_class: Any, scenario: Any, seeds: Iterable[int], record: bool) -> float:
    """Play one game per seed; return the CPU seconds it took."""
    start = time.process_time()
    for seed in seeds:
        model = model_class(scenario, seed=seed, record=record)
        model.run()
        model.summary()
        model.release()
    return time.process_time() - start


def profile(model_class: Any, scenario: Any, runs: int) -> str:
    """The 18 functions with the most own time over `runs` summary-mode games."""
    profiler = cProfile.Profile()
    profiler.enable()
    play(model_class, scenario, range(runs), record=False)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
    return out.getvalue()


def describe(scenario: Any, variant: str | None) -> str:
    """Scenario, variant, turns, Python and build, for the heading."""
    import wargame

    build = "compiled (mypyc)" if wargame.compiled() else "pure Python"
    return (
        f"scenario {scenario.id} variant {variant or 'base'}, {scenario.spec.scenario.turns} "
        f"turns, Python {sys.version.split()[0]}, {build} build"
    )


def worker(scenario_path: str, variant: str | None) -> None:
    """Subprocess side: load, warm up, then play what the parent asks, one JSON line each."""
    channel = sys.stdout
    sys.stdout = sys.stderr  # anything the engine prints must not garble the replies
    # An editable install adds a finder that serves wargame.* from the working tree when
    # the package on PYTHONPATH lacks a module: drop it, so the two codes cannot mix.
    sys.meta_path[:] = [
        finder
        for finder in sys.meta_path
        if not getattr(finder, "__module__", "").startswith("__editable__")
    ]
    import wargame

    model_class, load_scenario = engine()
    scenario = load_scenario(scenario_path, variant=variant)
    play(model_class, scenario, range(WARM_UP), record=False)
    play(model_class, scenario, range(WARM_UP // 4), record=True)
    package = Path(wargame.__file__).resolve().parent
    modules = sum(1 for name in sys.modules if name == "wargame" or name.startswith("wargame."))

    def reply(message: dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    reply(
        {
            "file": wargame.__file__,
            "modules": modules,
            "foreign": foreign_modules(package),
            "heading": describe(scenario, variant),
        }
    )
    for line in sys.stdin:
        ask = json.loads(line)
        if ask.get("profile"):
            reply({"profile": profile(model_class, scenario, ask["profile"])})
        else:
            seeds = range(ask["first"], ask["first"] + ask["runs"])
            reply({"cpu": play(model_class, scenario, seeds, ask["record"])})


class Side:
    """One subprocess measuring one copy of the package."""

    def __init__(self, name: str, path: Path, args: argparse.Namespace) -> None:
        self.name = name
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", args.scenario]
        if args.variant:
            command += ["--variant", args.variant]
        env = dict(os.environ, PYTHONPATH=str(path))
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=path
        )
        hello = self.receive()
        self.file = Path(hello["file"]).resolve()
        expected = (path / "wargame" / "__init__.py").resolve()
        if self.file != expected:
            self.close()
            sys.exit(f"{name}: imported {self.file}, not {expected}")
        if hello["foreign"]:
            self.close()
            sys.exit(f"{name}: modules from elsewhere than {expected.parent}: {hello['foreign']}")
        self.modules: int = hello["modules"]
        self.heading: str = hello["heading"]
        self.rates: dict[str, list[float]] = {mode: [] for mode, _ in MODES}

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"{self.name}: the measuring subprocess stopped (see its error above)")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, **message: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        return self.receive()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def extract(rev: str, into: Path) -> str:
    """Put `rev`'s wargame/ package and scenarios/ under `into`; return the full commit hash."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        sys.exit(f"--reference {rev}: not a commit of {ROOT}")
    commit = found.stdout.strip()
    archive = subprocess.Popen(
        ["git", "-C", str(ROOT), "archive", commit, "wargame", "scenarios"], stdout=subprocess.PIPE
    )
    subprocess.run(["tar", "-x", "-C", str(into)], stdin=archive.stdout, check=True)
    assert archive.stdout is not None
    archive.stdout.close()
    if archive.wait() != 0:
        sys.exit(f"git archive {rev} wargame failed")
    return commit


def working_tree() -> str:
    """HEAD's short hash, and whether wargame/ has uncommitted changes."""
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "wargame"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"working tree at {head}" + (" + uncommitted changes in wargame/" if dirty else "")


def side_by_side(args: argparse.Namespace) -> None:
    """Measure the working tree and the reference in alternation and print the comparison."""
    rounds = max(1, args.rounds)
    games = {
        "summary mode": max(1, args.runs // rounds),
        "full records": max(1, args.runs // 4 // rounds),
    }
    tree = working_tree()
    with tempfile.TemporaryDirectory(prefix="bench-reference-") as tmp:
        commit = extract(args.reference, Path(tmp))
        if args.scenario is None:  # the shipped scenario as the reference knew it: both can play it
            args.scenario = str(Path(tmp) / DEFAULT.relative_to(ROOT))
        current = Side("current", ROOT, args)
        reference = Side("reference", Path(tmp), args)
        try:
            for number in range(rounds):
                order = (current, reference) if number % 2 == 0 else (reference, current)
                for mode, record in MODES:
                    n = games[mode]
                    for side in order:
                        cpu = side.ask(first=number * n, runs=n, record=record)["cpu"]
                        side.rates[mode].append(n / cpu)
            profiles = [
                (s, s.ask(profile=max(1, args.runs // 4))["profile"])
                for s in (current, reference)
                if args.profile
            ]
        finally:
            current.close()
            reference.close()

    print(current.heading)
    print(
        f"current:   {tree}, {current.file.parent} "
        f"(all {current.modules} wargame modules from there)"
    )
    print(
        f"reference: {args.reference} = {commit[:12]}, extracted to {reference.file.parent} "
        f"(all {reference.modules} wargame modules from there)"
    )
    print(f"scenario file: {args.scenario}")
    print(
        f"{rounds} rounds, the two alternating (who starts alternates), CPU time of each "
        f"subprocess; seeds 0..N-1 for both"
    )
    print()
    print(
        f"{'':14} {'games':>6} | {'current':>9} {'':>8} | {'reference':>9} {'':>8} | "
        f"{'current/reference':>17} {'min-max over rounds':>20}"
    )
    print(
        f"{'':14} {'':>6} | {'games/s':>9} {'ms/game':>8} | {'games/s':>9} {'ms/game':>8} | "
        f"{'median':>17} {'':>20}"
    )
    ratios: dict[str, float] = {}
    for mode, _ in MODES:
        cur = statistics.median(current.rates[mode])
        ref = statistics.median(reference.rates[mode])
        per_round = [c / r for c, r in zip(current.rates[mode], reference.rates[mode], strict=True)]
        ratios[mode] = statistics.median(per_round)
        spread = f"{min(per_round):.3f}-{max(per_round):.3f}"
        print(
            f"{mode:14} {games[mode] * rounds:>6} | {cur:9.1f} {1000 / cur:8.3f} | "
            f"{ref:9.1f} {1000 / ref:8.3f} | {ratios[mode]:17.3f} {spread:>20}"
        )
    print()
    ratio = ratios["summary mode"]
    verdict = "within 5%: yes" if ratio >= TARGET else "within 5%: NO"
    change = f"{(1 - ratio) * 100:.1f}% slower" if ratio < 1 else f"{(ratio - 1) * 100:.1f}% faster"
    print(
        f"summary mode: current is {change} than {args.reference} "
        f"(median ratio {ratio:.3f}), {verdict}"
    )
    for side, text in profiles:
        print(f"\nprofile of the {side.name} code, {max(1, args.runs // 4)} games in summary mode:")
        print(text)


def alone(args: argparse.Namespace) -> None:
    """The code this Python imports, in this process (no reference)."""
    model_class, load_scenario = engine()
    scenario = load_scenario(args.scenario, variant=args.variant)
    play(model_class, scenario, range(WARM_UP), record=False)  # warm-up
    full_runs = max(1, args.runs // 4)
    summary = args.runs / play(model_class, scenario, range(args.runs), record=False)
    full = full_runs / play(model_class, scenario, range(full_runs), record=True)
    print(describe(scenario, args.variant))
    print(f"summary mode: {summary:8.1f} runs/s ({1000 / summary:.3f} ms/run, {args.runs} runs)")
    print(f"full records: {full:8.1f} runs/s ({1000 / full:.3f} ms/run, {full_runs} runs)")
    if args.profile:
        print(profile(model_class, scenario, full_runs))


CHUNKS = (64, 256, 1024, 4096)
LOCKSTEP_TARGET = 5000.0


def engines(args: argparse.Namespace) -> None:
    """The reference and the lockstep engine of this code, side by side (see the docstring)."""
    import tracemalloc

    from wargame.engine import lockstep
    from wargame.engine.model import WargameModel
    from wargame.scenario.loading import load_scenario

    scenario = load_scenario(args.scenario, variant=args.variant)
    runs = max(max(CHUNKS), args.runs)
    rounds = max(1, args.rounds)

    def reference_rows(seeds: Iterable[int]) -> list[str]:
        rows = []
        for seed in seeds:
            model = WargameModel(scenario, seed=seed, record=False)
            rows.append(json.dumps(lockstep.summary_row(model.run().summary()), sort_keys=True))
            model.release()
        return rows

    expected = reference_rows(range(64))
    for k in CHUNKS:  # warm-up, and the rows checked against the reference engine's
        played = lockstep.play(scenario, list(range(min(k, 64))))
        got = [json.dumps(played.row(i), sort_keys=True) for i in range(min(k, 64))]
        if got != expected[: len(got)]:
            sys.exit(f"K = {k}: the lockstep engine's rows differ from the reference's")
    reference_games = max(1, runs // 16 // rounds)  # the reference is slow: fewer games
    rates: dict[str, list[float]] = {"reference": [], **{f"K={k}": [] for k in CHUNKS}}
    for number in range(rounds):
        first = number * reference_games
        start = time.process_time()
        play(WargameModel, scenario, range(first, first + reference_games), record=False)
        rates["reference"].append(reference_games / (time.process_time() - start))
        for k in CHUNKS:
            chunks = max(1, runs // k // rounds)
            start = time.process_time()
            for c in range(chunks):
                lockstep.play(
                    scenario, list(range((number * chunks + c) * k, (number * chunks + c + 1) * k))
                )
            rates[f"K={k}"].append(chunks * k / (time.process_time() - start))
    peaks: dict[str, float] = {}
    tracemalloc.start()
    play(WargameModel, scenario, range(1), record=False)
    peaks["reference"] = tracemalloc.get_traced_memory()[1]
    for k in CHUNKS:
        tracemalloc.reset_peak()
        lockstep.play(scenario, list(range(k)))
        peaks[f"K={k}"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(describe(scenario, args.variant))
    print(f"{working_tree()}; summary mode; {rounds} rounds, the engines in turn; CPU time")
    print("rows of the first 64 games identical to the reference engine's: yes, for every K")
    print()
    print(
        f"{'engine':>22} | {'games/s':>9} {'us/game':>9} {'x reference':>12} | "
        f"{'peak memory':>12} {'per game':>10}"
    )
    base = statistics.median(rates["reference"])
    for name, found in rates.items():
        rate = statistics.median(found)
        games = 1 if name == "reference" else int(name[2:])
        label = "reference (one game)" if name == "reference" else f"lockstep {name}"
        print(
            f"{label:>22} | {rate:9.0f} {1e6 / rate:9.1f} {rate / base:12.1f} | "
            f"{peaks[name] / 2**20:9.1f} MiB {peaks[name] / games / 1024:7.1f} KiB"
        )
    best = statistics.median(rates[f"K={max(CHUNKS)}"])
    verdict = "yes" if best >= LOCKSTEP_TARGET else "NO"
    print()
    print(
        f"lockstep at K = {max(CHUNKS)}: {best:.0f} games/s; "
        f"target {LOCKSTEP_TARGET:.0f}: {verdict}"
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        lockstep.play(scenario, list(range(max(CHUNKS))))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
        print(f"\nprofile of the lockstep engine, {max(CHUNKS)} games at once:")
        print(out.getvalue())


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=None)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--variant", default=None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--reference", default=REFERENCE, help="git revision to compare with, or 'none'"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--engines", action="store_true", help="reference vs lockstep engine")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario is not None:
        args.scenario = str(Path(args.scenario).resolve())
    elif args.worker or args.engines or args.reference.lower() == "none":
        args.scenario = str(DEFAULT)
    if args.engines:
        engines(args)
    elif args.worker:
        worker(args.scenario, args.variant)
    elif args.reference.lower() == "none":
        alone(args)
    else:
        side_by_side(args)


if __name__ == "__main__":
    main()
