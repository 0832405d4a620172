"""Monte Carlo batches: runs/s of a plain loop, the batch runner and mesa.batch_run; peak memory.

    python benchmarks/bench_batch.py [SCENARIO] [--runs N] [--variants base,...] [--workers W]
        [--repeat K] [--no-lhs] [--no-mesa] [--mesa-release]
        [--memory SIZES | --big | --no-memory] [--json OUT]

The shipped scenario (12 monthly turns), summary mode. Every throughput figure plays the same
games: run i plays seed `run_seed(seed, i)` of every variant, with `sample="none"` (nothing
drawn from the scenario's uncertain ranges), so the plain loop, the runner and mesa.batch_run
do identical work; the benchmark checks that they return identical results (each timing
includes collecting (seed, variant) -> (turns, escalation) for that check). A second line
repeats the plain loop and the runner with `sample="lhs"` (the runner's default: each run also
gets its own values of the scenario's uncertain numbers).

1. plain loop: one process, no runner: build, play, summarise, release each game;
2. `wargame.batch.run` with 1 worker (in-process) and with W workers (spawned processes);
   wall time including pool start-up, Parquet parts and compaction, into a temp directory;
3. `mesa.batch_run(..., number_processes=W)` over the same seeds, through a small adapter
   model class (`ShippedScenarioModel`) since mesa builds models from keyword parameters;
4. ratios: W workers / 1 worker (target with W = 2: >= 1.8 on the lockstep engine, issue
   15; >= 1.7 with `--engine reference`) and 1 worker / plain loop (target >= 0.9 with
   `--engine reference`; with the lockstep engine it is the engines' speed-up);
5. peak memory of whole batches (default 1,000 and 10,000 runs; `--big`: 10,000 and 100,000,
   which takes minutes): each batch runs in a fresh subprocess (`batch.run`, then the summary
   the command line prints), and the RSS of that process and all its descendants (workers,
   the resource tracker) is summed every 50 ms; the maximum is reported (target: under 1 GiB,
   no growth with N). Summed RSS counts pages shared between processes (imported libraries)
   in each of them: an upper bound.
   `--memory-sample` (default lhs, the runner's default) sets the sample mode of these batches.

Times are wall-clock (several processes take part), so the figures depend on what else the
machine is doing: the load average is printed next to them, and `--repeat K` plays the paths
K times in turn (interleaved, so a burst of load hits all of them) and keeps each one's best.
CPU seconds are summed over all processes (a pool's workers count once the pool has closed):
per game they show the runner's own overhead whatever the load. Spawning workers costs a
fixed ~1-1.5 s (each imports mesa, pandas, scipy, pyarrow and wargame), so the W-worker ratio
only approaches W for batches of several thousand runs. The issue's figures (2 cores):

    python benchmarks/bench_batch.py --runs 2000 --memory 10000,100000 --json batch.json

The runner plays the lockstep engine (`--engine auto`, its default) unless `--engine
reference`; the issue 15 figures (lockstep, 2 workers, the two op-ed variants, memory
from 10,000 to 1,000,000 games; `--no-plain` leaves out the slow reference loop):

    python benchmarks/bench_batch.py --runs 100000 --no-mesa --no-lhs --no-plain \
        --variants weak_response,strong_united_response --memory 5000,500000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import mesa
import pyarrow.parquet as pq

import wargame
from wargame.batch import runner as batch
from wargame.batch.spec import BASE, BatchSpec, design, run_seed
from wargame.batch.storage import RUNS
from wargame.batch.worker import summary_row
from wargame.engine.model import WargameModel
from wargame.scenario.loading import Scenario, load_scenario

DEFAULT = Path(__file__).resolve().parent.parent / "scenarios" / "korea_2017_over_japan.yaml"
MiB = 1024 * 1024

# A game's identity and result, to check that every path played the same games:
# (seed, variant) -> (turns played, escalation total).
Games = dict[tuple[int, str], tuple[int, float]]


# -- the mesa.batch_run adapter (module level: spawned workers import it from here) ----------
_SCENARIOS: dict[tuple[str, str], Scenario] = {}


def cached_scenario(path: str, variant: str) -> Scenario:
    """The scenario (variant), loaded once per process."""
    key = (path, variant)
    if key not in _SCENARIOS:
        _SCENARIOS[key] = load_scenario(path, variant=None if variant == BASE else variant)
    return _SCENARIOS[key]


def final_row(model: ShippedScenarioModel) -> dict[str, Any] | None:
    """Model reporter: the runner's row for the finished game (None on earlier turns)."""
    if model.running:
        return None
    return {"seed": model.seed, "variant": model.variant, **summary_row(model.summary())}


class ShippedScenarioModel(WargameModel):
    """WargameModel built from keyword parameters, as mesa.batch_run builds models.

    mesa.batch_run reads `model.datacollector.model_vars[name][model.steps - 1]` at the end,
    so the collector is called once per turn (mesa's idiom); the reporter builds the row only
    once the game is over. `release=True` drops the model from mesa 3.3's `Agent._ids` at the
    end, as the runner does; mesa itself never does, so by default every finished model stays
    alive in its worker until the pool closes.
    """

    def __init__(
        self,
        seed: int = 0,
        rng: Any = None,
        *,
        scenario_file: str = str(DEFAULT),
        variant: str = BASE,
        release: bool = False,
    ) -> None:
        super().__init__(cached_scenario(scenario_file, variant), seed=seed, record=False, rng=rng)
        self.variant = variant
        self.release_at_end = release
        self.datacollector = mesa.DataCollector(model_reporters={"row": final_row})

    def step(self) -> None:
        """One turn, then collect (mesa's idiom); release at the end if asked."""
        super().step()
        self.datacollector.collect(self)
        if not self.running and self.release_at_end:
            self.release()


def warm_worker(path: str, variants: tuple[str, ...]) -> None:
    """Load the scenario in a fresh worker (for timing pool start-up)."""
    for variant in variants:
        cached_scenario(path, variant)


# -- sampling the RSS of a process tree -------------------------------------------------------
class TreeRss(threading.Thread):
    """Samples the summed RSS of a process and all its descendants every 50 ms; keeps the peak.

    Summed RSS counts pages shared between processes (imported libraries) in every process
    that maps them: an upper bound of what the tree really holds. Listing the tree costs ~1 ms
    (it scans /proc), so it is refreshed every 0.5 s; reading RSS of known processes is cheap.
    """

    def __init__(self, pid: int, period: float = 0.05) -> None:
        super().__init__(daemon=True)
        import psutil

        self.psutil = psutil
        self.root = psutil.Process(pid)
        self.period = period
        self.stopped = threading.Event()
        self.peak = self.peak_root = 0
        self.processes = self.samples = 0
        self.tree: list[Any] = []

    def sample(self) -> None:
        """One reading of the tree (its members are looked up afresh every 10th reading)."""
        if self.samples % 10 == 0 or not self.tree:
            try:
                self.tree = [self.root, *self.root.children(recursive=True)]
            except self.psutil.NoSuchProcess:
                return
        tree = self.tree
        total = 0
        for process in tree:
            try:
                rss = process.memory_info().rss
            except (self.psutil.NoSuchProcess, self.psutil.AccessDenied):
                continue
            total += rss
            if process.pid == self.root.pid:
                self.peak_root = max(self.peak_root, rss)
        self.peak = max(self.peak, total)
        self.processes = max(self.processes, len(tree))
        self.samples += 1

    def run(self) -> None:
        """Sample until stopped."""
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.period)

    def stop(self) -> TreeRss:
        """Stop sampling (after one last reading) and return self."""
        self.stopped.set()
        self.join()
        self.sample()
        return self


# -- the three ways to play a batch ------------------------------------------------------------
def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished, waited-for children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], Games], memory: bool = False) -> dict[str, Any]:
    """Wall seconds of `fn`, CPU seconds of this process and of its finished children, what
    `fn` returned and (if `memory`) the peak summed RSS of this process and its descendants.
    """
    sampler = TreeRss(os.getpid()) if memory else None
    if sampler is not None:
        sampler.start()
    wall, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
    games = fn()
    timing: dict[str, Any] = {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "games": games,
    }
    # Workers are joined when their pool closes, so their CPU time is counted here.
    timing["tree_cpu_s"] = timing["cpu_s"] + children_cpu() - children
    if sampler is not None:
        timing["peak_tree_rss_mib"] = sampler.stop().peak / MiB
    return timing


def plain_loop(path: str, variants: tuple[str, ...], runs: int, seed: int, sample: str) -> Games:
    """The games of a batch in one process, without the runner (scenario loading included)."""
    scenarios = {v: load_scenario(path, variant=None if v == BASE else v) for v in variants}
    sample_design = None
    if sample != "none":
        text = Path(path).read_text(encoding="utf-8")
        spec = BatchSpec(path, text, variants, (), runs, seed, sample, chunk_size=runs)
        sample_design = design(spec)  # the runner's design: the same values per run
    sampled = {v: {u.path for u in s.sampled} for v, s in scenarios.items()}
    games: Games = {}
    for i in range(runs):
        game_seed = run_seed(seed, i)
        values = sample_design.values(i) if sample_design is not None else None
        for variant, scenario in scenarios.items():
            inputs = None
            if values:
                inputs = {k: x for k, x in values.items() if k in sampled[variant]}
            model = WargameModel(scenario, seed=game_seed, record=False, inputs=inputs)
            model.run()
            summary = model.summary()
            model.release()
            games[game_seed, variant] = (summary["turns_played"], summary["escalation_total"])
    return games


ENGINE = "auto"
"""The runner's engine (--engine): auto plays the lockstep engine where it can."""


def through_runner(
    path: str, variants: tuple[str, ...], runs: int, seed: int, sample: str, workers: int, out: Path
) -> Games:
    """The batch through wargame.batch.run (Parquet into `out`); the games read back."""
    batch.run(
        path,
        variants=variants,
        runs=runs,
        seed=seed,
        out=out,
        workers=workers,
        sample=sample,
        force=True,
        engine=ENGINE,
    )
    table = pq.read_table(out / RUNS, columns=["seed", "variant", "turns", "escalation"])
    rows = zip(*(table[c].to_pylist() for c in table.column_names), strict=True)
    return {(s, v): (t, e) for s, v, t, e in rows}


def through_mesa(
    path: str, variants: tuple[str, ...], runs: int, seed: int, processes: int, release: bool
) -> Games:
    """The same games through mesa.batch_run, one task per game, results held in memory."""
    results = mesa.batch_run(
        ShippedScenarioModel,
        parameters={
            "seed": [run_seed(seed, i) for i in range(runs)],
            "variant": list(variants),
            "scenario_file": path,  # a str is one value, not an iterable of values
            "release": release,
        },
        number_processes=processes,
        iterations=1,
        data_collection_period=-1,
        display_progress=False,
    )
    return {
        (r["row"]["seed"], r["variant"]): (r["row"]["turns"], r["row"]["escalation"])
        for r in results
    }


def pool_startup(path: str, variants: tuple[str, ...], workers: int) -> float:
    """Seconds to spawn `workers` processes that import wargame and load the scenario."""
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(warm_worker, [path] * workers, [variants] * workers))
    return time.perf_counter() - start


# -- peak memory of a whole batch in a fresh process tree -------------------------------------
MEMORY_CHILD = """
import json, sys, time
from wargame import batch

options = json.loads(sys.argv[1])
start = time.perf_counter()
result = batch.run(**options, force=True, progress=False)
played = time.perf_counter()
result.summary()
print(json.dumps({"wall_s": played - start, "summary_s": time.perf_counter() - played}))
"""
"""A batch as a script runs it: `batch.run`, then the summary the command line prints. Not
this file: spawned workers import the main module, and this one imports mesa for its
adapter (about 90 MiB in every process of the tree that a user's batch does not have)."""


def peak_memory(args: argparse.Namespace, runs: int) -> dict[str, Any]:
    """Run a batch of `runs` in a fresh subprocess; the peak of its process tree's summed RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-batch-mem-") as tmp:
        options = {
            "scenario": args.scenario,
            "runs": runs,
            "out": str(Path(tmp) / "batch"),
            "variants": list(args.variant_list),
            "seed": args.seed,
            "workers": args.memory_workers,
            "sample": args.memory_sample,
            "engine": args.engine,
        }
        command = [sys.executable, "-c", MEMORY_CHILD, json.dumps(options)]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        sampler = TreeRss(child.pid)
        sampler.start()
        stdout, _ = child.communicate()
        sampler.stop()
    if child.returncode != 0:
        raise SystemExit(f"memory batch of {runs} runs failed (exit {child.returncode})")
    times = json.loads(stdout.strip().splitlines()[-1])
    games = runs * len(args.variant_list)
    return {
        "runs": runs,
        "games": games,
        "chunk_size": batch.default_chunk_size(runs, len(args.variant_list)),
        "peak_tree_rss_mib": sampler.peak / MiB,
        "peak_main_rss_mib": sampler.peak_root / MiB,
        "processes": sampler.processes,
        "samples": sampler.samples,
        "batch_wall_s": times["wall_s"],
        "summary_s": times["summary_s"],
        "games_per_s": games / times["wall_s"],
    }


# -- the report --------------------------------------------------------------------------------
def verdict(value: float, target: float) -> str:
    """Whether a ratio meets its target."""
    return f"target >= {target}: {'met' if value >= target else 'NOT met'}"


def load() -> str:
    """The load averages (1, 5, 15 minutes), for the figures' context."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def throughput(args: argparse.Namespace, sample: str, tmp: Path, startup: float) -> dict[str, Any]:
    """Time the plain loop, the runner (1 and W workers) and maybe mesa for one sample mode."""
    path, variants, runs, seed, w = (
        args.scenario,
        args.variant_list,
        args.runs,
        args.seed,
        args.workers,
    )
    games = runs * len(variants)
    plain, one, many = "plain loop (1 process)", "runner, workers=1", f"runner, workers={w}"
    kept, released = f"mesa.batch_run, {w} processes", f"mesa.batch_run, {w} p., released"
    # (label, what to time, whether it all runs in this process)
    todo: list[tuple[str, Callable[[], Games], bool]] = [
        (plain, lambda: plain_loop(path, variants, runs, seed, sample), True),
    ][args.no_plain :]
    todo += [
        (one, lambda: through_runner(path, variants, runs, seed, sample, 1, tmp / "1"), True),
        (many, lambda: through_runner(path, variants, runs, seed, sample, w, tmp / "w"), False),
    ]
    if sample == "none" and not args.no_mesa:
        todo.append((kept, lambda: through_mesa(path, variants, runs, seed, w, False), False))
        if args.mesa_release:
            todo.append(
                (released, lambda: through_mesa(path, variants, runs, seed, w, True), False)
            )
    print(
        f"sample={sample!r}: {runs} runs x {len(variants)} variant(s) = {games} games "
        f"(runs/s counts games); {load()}"
    )
    line: dict[str, Any] = {"sample": sample, "games": games, "load_before": os.getloadavg()}
    paths: dict[str, dict[str, Any]] = {}
    reference: Games | None = None
    for _ in range(args.repeat):  # interleaved: a burst of load hits every path alike
        for label, fn, in_process in todo:
            timing = timed(fn, memory=not in_process)
            played = timing.pop("games")
            reference = played if reference is None else reference
            timing["same_games"] = played == reference
            if label not in paths or timing["wall_s"] < paths[label]["wall_s"]:
                paths[label] = timing
    line["paths"] = paths
    rate = {label: games / timing["wall_s"] for label, timing in paths.items()}
    for label, timing in paths.items():
        timing["games_per_s"] = rate[label]
        cpu_ms = 1000 * timing["tree_cpu_s"] / games
        notes = [f"CPU {timing['tree_cpu_s']:5.1f} s = {cpu_ms:4.2f} ms/game"]
        if "peak_tree_rss_mib" in timing:
            notes.append(f"peak RSS {timing['peak_tree_rss_mib']:4.0f} MiB")
        if not timing["same_games"]:
            notes.append("<< DIFFERENT GAMES")
        print(
            f"  {label:<31} {rate[label]:7.1f} runs/s  wall {timing['wall_s']:6.2f} s, "
            + ", ".join(notes)
        )
    line["ratio_workers"] = parallel = rate[many] / rate[one]
    overhead = line["ratio_runner_1_over_plain"] = rate[one] / rate[plain] if plain in rate else 0
    # The W-worker ratio with the separately measured pool start-up taken out (an estimate;
    # meaningless when start-up is most of the wall time, as in tiny batches).
    work = paths[many]["wall_s"] - startup
    steady = games / work / rate[one] if work > 0.5 * paths[many]["wall_s"] else None
    line["ratio_workers_without_startup"] = steady
    without = "n/a" if steady is None else f"{steady:.2f}"
    print(
        f"  ratio runner {w} workers / 1 worker: {parallel:5.2f} "
        f"({verdict(parallel, 1.7 if ENGINE == 'reference' else 1.8)}); "
        f"{without} without the {startup:.1f} s start-up"
    )
    if plain not in rate:
        pass
    elif ENGINE == "reference":
        print(f"  ratio runner 1 worker / plain loop: {overhead:5.2f} ({verdict(overhead, 0.9)})")
    else:  # the runner plays in lockstep, the plain loop game by game
        print(f"  ratio runner 1 worker (lockstep) / plain loop (reference): {overhead:5.2f}")
    if kept in rate:
        versus = line["ratio_runner_over_mesa"] = rate[many] / rate[kept]
        if released in rate:
            line["ratio_runner_over_mesa_released"] = rate[many] / rate[released]
        word = "faster" if versus >= 1 else "slower"
        print(
            f"  ratio runner {w} workers / mesa.batch_run {w} processes: {versus:5.2f} "
            f"(the runner is {word})"
        )
    line["all_same_games"] = all(p["same_games"] for p in paths.values())
    line["load_after"] = os.getloadavg()
    print(f"  same games on every path: {'yes' if line['all_same_games'] else 'NO'}; {load()}")
    return line


# Why the runner and mesa.batch_run differ (printed with the figures). Both play the same
# games in the same number of spawned processes, and a game (~4 ms) dwarfs the per-task
# costs, so at a few thousand runs their speeds are close; what differs is how they scale:
# - mesa.batch_run submits one task per run (Pool.imap_unordered, chunksize 1): a pickled task
#   and a pickled result per game. That balances perfectly (no worker idles at the end); the
#   runner sends chunks of ~120 runs (~0.5 s each), so the last chunks can leave a worker idle,
#   and with few chunks (small N) the imbalance shows.
# - mesa 3.3.1 calls multiprocessing.set_start_method("spawn", force=True) on import; its pool
#   and the runner's both start fresh interpreters that import mesa (pandas, scipy,
#   networkx...) and wargame: ~1 s and ~190 MiB per worker, paid on every batch.
# - mesa keeps every result row in a list in the parent until the batch ends; the runner
#   writes each chunk to Parquet as it arrives and keeps nothing (flat memory).
# - mesa 3.3.1's Agent._ids (a defaultdict keyed by model) keeps every finished model alive in
#   its worker unless the model is released (~28 KiB per game here: ~2.7 GiB per 100,000
#   games); `--mesa-release` times the adapter releasing each model as the runner does.
# - mesa's DataCollector runs every turn and deep-copies the reporter's result.
WHY_MESA = """\
why: both spawn W fresh interpreters (mesa 3.3.1 forces "spawn" on import; ~1 s each to import
     mesa, pandas, scipy... and wargame) and a game (~4 ms) dwarfs per-task costs, so speeds are
     close. mesa.batch_run sends one task per game (pickled kwargs out, pickled row back):
     perfect balance, but it keeps every result row in the parent, and on mesa 3.3.1
     Agent._ids keeps every finished model alive in its worker (~28 KiB a game) unless
     released, so its memory grows with N. The runner sends chunks of ~120 games (~0.5 s):
     a worker may idle while the last chunk finishes (visible at small N), but it streams
     each chunk to Parquet and holds nothing, so its memory stays flat."""


def main() -> None:
    """Parse arguments, print the figures, save them with --json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=1000, help="runs per throughput timing")
    parser.add_argument("--variants", default=BASE, help="comma-separated (default: base)")
    parser.add_argument("--seed", type=int, default=0, help="the batch seed")
    parser.add_argument("--workers", type=int, default=2, help="the parallel worker count")
    parser.add_argument("--repeat", type=int, default=1, help="keep the best of K timings")
    parser.add_argument("--no-lhs", action="store_true", help="skip the sample='lhs' line")
    parser.add_argument("--no-mesa", action="store_true", help="skip mesa.batch_run")
    parser.add_argument(
        "--no-plain", action="store_true", help="skip the plain loop (reference, slow)"
    )
    parser.add_argument(
        "--mesa-release", action="store_true", help="also time mesa with models released"
    )
    parser.add_argument(
        "--memory", default="1000,10000", help="batch sizes for peak memory (comma-separated)"
    )
    parser.add_argument("--big", action="store_true", help="memory at 10,000 and 100,000 runs")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory batches")
    parser.add_argument("--memory-workers", type=int, default=None, help="default: --workers")
    parser.add_argument("--memory-sample", default="lhs", choices=["lhs", "random", "none"])
    parser.add_argument("--json", default=None, help="save the figures to this file")
    parser.add_argument(
        "--engine",
        default="auto",
        choices=["auto", "reference"],
        help="the runner's engine: auto (lockstep where it plays) or reference",
    )
    args = parser.parse_args()
    args.scenario = str(Path(args.scenario).resolve())
    args.variant_list = tuple(v.strip() for v in args.variants.split(",") if v.strip())
    if args.memory_workers is None:
        args.memory_workers = args.workers
    global ENGINE
    ENGINE = args.engine
    scenario = load_scenario(args.scenario)
    build = "compiled (mypyc)" if wargame.compiled() else "pure Python"
    figures: dict[str, Any] = {
        "scenario": scenario.id,
        "turns": scenario.spec.scenario.turns,
        "variants": list(args.variant_list),
        "runs": args.runs,
        "seed": args.seed,
        "workers": args.workers,
        "repeat": args.repeat,
        "python": sys.version.split()[0],
        "mesa": mesa.__version__,
        "build": build,
        "cpus": os.cpu_count(),
        "engine": args.engine,
    }
    print(
        f"scenario {scenario.id}, {figures['turns']} turns, summary mode, variants "
        f"{','.join(args.variant_list)}; Python {figures['python']}, {build} build, "
        f"mesa {mesa.__version__}; {os.cpu_count()} CPUs; {load()}; runner engine "
        f"{args.engine} (the plain loop and mesa play the reference engine)"
    )
    print(
        "every path plays the same games: run i = seed run_seed(seed, i), sample='none' "
        "(sample='lhs' adds per-run uncertain values)"
    )
    print(
        f"wall times (best of {args.repeat}, interleaved) include worker start-up; CPU = all "
        "processes (workers counted when their pool closes); RSS summed over the process tree"
    )
    startup = pool_startup(args.scenario, args.variant_list, args.workers)
    figures["pool_startup_s"] = startup
    print(
        f"spawn pool start-up ({args.workers} workers import wargame, load scenario): "
        f"{startup:.2f} s"
    )

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        figures["none"] = throughput(args, "none", Path(tmp), startup)
        if not args.no_mesa:
            print(WHY_MESA)
        if not args.no_lhs:
            figures["lhs"] = throughput(args, "lhs", Path(tmp), startup)

    if not args.no_memory:
        sizes = [10_000, 100_000] if args.big else [int(s) for s in args.memory.split(",") if s]
        print(
            f"peak memory: fresh process per batch, sample={args.memory_sample!r}, "
            f"workers={args.memory_workers}; RSS summed over the process and its descendants, "
            "sampled every 50 ms"
        )
        rows = []
        for size in sizes:
            row = peak_memory(args, size)
            row["load_after"] = os.getloadavg()
            rows.append(row)
            print(
                f"  {row['games']:>9,} games: peak {row['peak_tree_rss_mib']:7.1f} MiB "
                f"(main process {row['peak_main_rss_mib']:6.1f} MiB, up to "
                f"{row['processes']} processes, chunks of {row['chunk_size']:,} runs), "
                f"{row['games_per_s']:6.1f} games/s "
                f"(batch {row['batch_wall_s']:.1f} s, then its summary {row['summary_s']:.1f} s);"
                f" {load()}"
            )
        figures["memory"] = rows
        if len(rows) >= 2:
            small, big = rows[0], rows[-1]
            growth = big["peak_tree_rss_mib"] - small["peak_tree_rss_mib"]
            share = growth / small["peak_tree_rss_mib"]
            under = max(r["peak_tree_rss_mib"] for r in rows) < 1024
            figures["memory_growth_mib"] = growth
            print(
                f"  growth {small['games']:,} -> {big['games']:,} games: {growth:+.1f} MiB "
                f"({share:+.1%}); target under 1 GiB: {'met' if under else 'NOT met'}"
            )
            # Chunks grow with the batch up to LOCKSTEP_CHUNK runs a variant, and a worker
            # holds one: memory may grow until then, and must not after.
            full = [r for r in rows if r["chunk_size"] == big["chunk_size"]]
            if len(full) >= 2:
                first = full[0]
                after = (big["peak_tree_rss_mib"] - first["peak_tree_rss_mib"]) / first[
                    "peak_tree_rss_mib"
                ]
                print(
                    f"  with chunks of {big['chunk_size']:,} runs ({first['games']:,} -> "
                    f"{big['games']:,} games): {after:+.1%}; no growth (< 10 %): "
                    f"{'met' if after < 0.10 else 'NOT met'}"
                )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"figures saved to {args.json}")


if __name__ == "__main__":
    main()
