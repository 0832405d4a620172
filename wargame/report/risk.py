"""The risk timeline: from the state at the start of every turn, many Monte Carlo
continuations to the end of the game give the chance of each outcome by then, with 95%
Wilson intervals; under the policies as played (people's teams handed to their agents) and
under each of the scenario's variants ("what if we had switched policy here?").

The states come from replaying the game: a session's journal (its checkpoints at the start
of every turn), or a plain run by its seed, checked against the records it wrote.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wargame.batch.continuations import play_continuations
from wargame.batch.spec import BASE
from wargame.engine.model import WargameModel
from wargame.engine.records import turn_records_to_json
from wargame.errors import InputError, Problem
from wargame.report.game import Game
from wargame.seminar.sessionfile import first_difference, load_session
from wargame.stats.intervals import wilson

AS_PLAYED = "as played"


@dataclass(frozen=True)
class RiskPoint:
    """The chance of one outcome by the game's end, from the start of one turn."""

    turn: int
    policy: str
    outcome: str
    probability: float
    low: float
    high: float


@dataclass(frozen=True)
class RiskTimeline:
    runs: int
    policies: list[str]
    """'as played' first, then each variant of the scenario."""
    points: list[RiskPoint]
    games: int
    seconds: float

    def series(self, outcome: str, policy: str) -> list[RiskPoint]:
        return [p for p in self.points if p.outcome == outcome and p.policy == policy]


def states_at_turn_starts(game: Game) -> list[dict[str, Any]]:
    """The game's state at the start of each turn it played (snapshots, without records)."""
    if game.kind == "session":
        session, _ = load_session(game.path, scenario_from_session=True, check_records=True)
        starts = {c.turn + 1: c.snapshot for c in session.history if c.stage == "between_turns"}
        return [starts[r.turn] for r in game.records if r.turn in starts]
    model = WargameModel(game.scenario, seed=game.seed, turns=len(game.records) or None)
    states: list[dict[str, Any]] = []
    while model.running and len(states) < len(game.records):
        states.append(model.snapshot(records=False))
        model.step()
    difference = first_difference(
        turn_records_to_json(game.records), turn_records_to_json(model.records)
    )
    if difference or not game.records or game.records[0].turn != 1:
        raise InputError(
            [
                Problem(
                    str(game.path),
                    None,
                    None,
                    "the risk timeline replays the game from its seed, and this run does not "
                    f"replay to its records ({difference or 'it does not start at turn 1'})",
                    "make the report without --risk, or from a session file",
                )
            ]
        )
    return states


def risk_timeline(
    game: Game,
    *,
    runs: int,
    workers: int = 1,
    seed: int = 0,
    client: Any = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RiskTimeline:
    """Play `runs` continuations from each turn's start under each policy; `on_progress`
    hears (games played, games in all) as they finish."""
    began = time.perf_counter()
    states = states_at_turn_starts(game)
    scenario = game.scenario
    played = game.variant or BASE
    others = [v for v in scenario.spec.variants if v != played]
    names = {played: AS_PLAYED} | {v: v for v in others}
    table = play_continuations(
        scenario.file,
        game.scenario_text,
        states,
        variants=[played, *others],
        runs=runs,
        seed=seed,
        overrides=game.overrides,
        workers=workers,
        client=client,
        on_progress=on_progress,
    )
    turns = [game.records[i].turn for i in range(len(states))]
    data = table.to_pydict()
    outcomes = [o[0] for o in scenario.program.outcomes]
    counts: dict[tuple[int, str, str], int] = {}
    totals: dict[tuple[int, str], int] = {}
    for row in range(table.num_rows):
        state, variant = data["state"][row], data["variant"][row]
        if data["error"][row] is not None:
            continue
        totals[(state, variant)] = totals.get((state, variant), 0) + 1
        for outcome in outcomes:
            if data[f"outcome.{outcome}"][row] is not None:
                key = (state, variant, outcome)
                counts[key] = counts.get(key, 0) + 1
    points = []
    for state, turn in enumerate(turns):
        for variant, name in names.items():
            n = totals.get((state, variant), 0)
            for outcome in outcomes:
                k = counts.get((state, variant, outcome), 0)
                interval = wilson(k, n) if n else None
                points.append(
                    RiskPoint(
                        turn,
                        name,
                        outcome,
                        k / n if n else float("nan"),
                        interval.low if interval else float("nan"),
                        interval.high if interval else float("nan"),
                    )
                )
    return RiskTimeline(
        runs=runs,
        policies=list(names.values()),
        points=points,
        games=table.num_rows,
        seconds=time.perf_counter() - began,
    )
