"""Seminar latency: from a human team's entry to the next prompt, over whole games.

    python benchmarks/bench_play.py [--games N] [--humans JP,KR] [--profile]

What it measures: wall time (what the room waits), on the shipped scenario with two human
teams (default Japan and South Korea, in different phases) and four agent teams, each game
played to its end (12 turns) through the same code the seminar screen uses (`Desk`, the
`Session`, and `view` building what the next prompt shows), with the session file written
atomically (fsync, rename) to a temporary folder at every start of a turn and phase. The human
teams enter the first option they may take.

Two figures, each the median and 95th percentile over every entry of every game:

- entry -> next prompt (reviews on): what the screen does when a team presses Enter; the
  next prompt is the facilitator's review of that phase (decided and planned, nothing
  written yet). Each review accepted is timed too: accept -> next prompt (the phase applied,
  agents' phases played up to the next stop, the session file written at every checkpoint).
- entry -> next human team's prompt (reviews off): everything the game does between two
  teams' turns at the keyboard, every agents' phase and every session write included; the
  slowest path.

Target (issue 10): median under 100 ms, 95th percentile under 200 ms. `--profile` prints where
the time goes on the slow path.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wargame.scenario.loading import load_scenario  # noqa: E402
from wargame.seminar import view  # noqa: E402
from wargame.seminar.desk import Desk  # noqa: E402
from wargame.seminar.session import Session  # noqa: E402
from wargame.seminar.sessionfile import saver  # noqa: E402

KOREA = ROOT / "scenarios" / "korea_2017_over_japan.yaml"
TARGET_MEDIAN, TARGET_P95 = 0.100, 0.200


def shown(desk: Desk) -> None:
    """What the screen computes to show a prompt (the board, the turn so far, the options or
    the plan)."""
    session = desk.session
    view.board(session)
    view.turn_so_far(session)
    prompt = desk.prompt
    if prompt.kind == "moves" and prompt.team is not None:
        view.menu(session, prompt.team)
    elif prompt.kind == "review":
        view.decisions(session)
        view.plan_items(session, desk.plan())


def entry(desk: Desk) -> str:
    """The human team's entry: the first option it may take now."""
    team = desk.prompt.team
    assert team is not None
    legal = [o.number for o in view.menu(desk.session, team) if o.illegal is None]
    return str(legal[0]) if legal else "0"


def game(seed: int, humans: list[str], folder: Path, reviews: bool) -> dict[str, list[float]]:
    """One whole game; the latencies of each kind of input."""
    scenario = load_scenario(KOREA)
    session = Session.start(scenario, seed=seed, controllers={h: "human" for h in humans})
    session.autosave = saver(folder / f"game-{seed}.json", KOREA, KOREA.read_text())
    session.autosave(session)
    desk = Desk(session)
    desk.settle()
    shown(desk)
    times: dict[str, list[float]] = {"entry": [], "accept": []}
    while desk.prompt.kind != "over":
        prompt = desk.prompt
        start = time.perf_counter()
        if prompt.kind == "moves":
            desk.enter_moves(str(prompt.team), entry(desk))
            kind = "entry"
            if not reviews:
                while desk.prompt.kind == "review":
                    desk.accept()
        elif prompt.kind == "review":
            desk.accept()
            kind = "accept"
        else:
            raise SystemExit(f"unexpected prompt {prompt}")
        shown(desk)
        times[kind].append(time.perf_counter() - start)
    session.model.release()
    return times


def figures(values: list[float]) -> str:
    values = sorted(values)
    median = statistics.median(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"median {median * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--games", type=int, default=5)
    parser.add_argument("--humans", default="JP,KR")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    humans = args.humans.split(",")
    load_scenario(KOREA)  # warm the imports
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        print(
            f"shipped scenario, human teams {', '.join(humans)}, "
            f"{6 - len(humans)} agent teams, {args.games} games of 12 turns, "
            "session file written at every checkpoint"
        )
        on: dict[str, list[float]] = {"entry": [], "accept": []}
        off: list[float] = []
        for seed in range(args.games):
            for kind, values in game(seed, humans, folder, reviews=True).items():
                on[kind] += values
            off += game(seed, humans, folder, reviews=False)["entry"]
        print(f"entry -> next prompt (reviews on):        {figures(on['entry'])}")
        print(f"accept -> next prompt (reviews on):       {figures(on['accept'])}")
        print(f"entry -> next team's prompt (reviews off): {figures(off)}")
        worst = sorted(off)[min(len(off) - 1, round(0.95 * (len(off) - 1)))]
        verdict = (
            "meets" if statistics.median(off) < TARGET_MEDIAN and worst < TARGET_P95 else "MISSES"
        )
        print(f"target (median < 100 ms, p95 < 200 ms) on the slowest path: {verdict}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            game(99, humans, folder, reviews=False)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())


if __name__ == "__main__":
    main()
