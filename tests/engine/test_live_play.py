"""Live play: the pausable turn (begin_turn, decide_phase, plan_phase, apply_phase, end_turn).

1. Step by step equals `step()`: for many seeds, every variant of the tutorial and the Korea
   scenario and random tiny scenarios, driving a game one stage at a time gives exactly the
   records, summary and snapshot of `run()`; so does a game snapshotted at the start of any
   phase, restored from JSON and finished (model.steps included).
2. A refused input changes nothing: random bad inputs (unknown or illegal options, moves for
   the wrong team, bad keys and results, bad events, steps in the wrong stage, missing
   reasons) at random points of random games with human teams raise `WargameError`, leave
   the game as it was and let it play on to the end of a game that never had them.
3. Two games of one scenario with different sampled numbers, played interleaved stage by
   stage in one process (one with records and explanations, one without; facilitators
   forcing, re-rolling, handing over, firing and adding events), each give what they give
   alone; `options()` asked of either at any point changes neither.
4. Error messages name the team, the option or key and the valid choices.

Every hypothesis test has a fixed `max_examples` and `deadline=None`; the module takes about
30 s on a 2-core machine. CI derandomises hypothesis (tests/conftest.py).
`WARGAME_FUZZ_SCALE=20 python -m pytest tests/engine/test_live_play.py` hunts longer locally.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SCENARIOS, records_json, tiny_data
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from wargame.engine.model import WargameModel
from wargame.engine.resolver import Move
from wargame.errors import WargameError
from wargame.scenario.loading import Scenario, load_scenario, load_scenario_text

TUTORIAL = SCENARIOS / "tutorial.yaml"
KOREA = SCENARIOS / "korea_2017_over_japan.yaml"
SEEDS = st.integers(0, 2**63 - 1)
SLOW_OK = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCALE = int(os.environ.get("WARGAME_FUZZ_SCALE", "1"))


def examples(n: int) -> int:
    """n examples, times WARGAME_FUZZ_SCALE for longer hunts."""
    return n * SCALE


# The tiny scenario (tests/conftest.py) with two events: one scheduled, one random.
INJECTS = {
    "summit": {
        "description": "A summit",
        "turns": [2],
        "effects": [{"target": "tension", "add": -0.05}],
    },
    "rumour": {
        "description": "A rumour of a test",
        "probability": "0.4",
        "max_times": 2,
        "effects": [{"target": "tension", "add": 0.05}],
    },
}


@cache
def shipped(path: Path, variant: str | None = None) -> Scenario:
    return load_scenario(path, variant=variant)


@cache
def tiny_text(text: str) -> Scenario:
    return load_scenario_text(text, file="tiny.yaml")


def tiny_scenario(**sections: Any) -> Scenario:
    """The tiny scenario with sections deep-merged (loaded once per distinct text)."""
    return tiny_text(yaml.safe_dump(tiny_data(**sections), sort_keys=False))


def tiny_with_injects() -> Scenario:
    """The tiny scenario with two events, and a doctrine for G of always proposing the
    resolution V votes on."""
    resolve = {"actor": "G", "plan": [{"choose": ["g_resolution"]}]}
    return tiny_scenario(injects=INJECTS, doctrines={"g_resolve": resolve})


def variants(path: Path) -> list[str | None]:
    return [None, *shipped(path).spec.variants]


@st.composite
def tiny_scenarios(draw: st.DrawFn) -> Scenario:
    """Random tiny scenarios: parameters, rationalities, controllers, phases, turns, events."""
    parameters = {
        "deterrence_strength": {"value": draw(st.floats(0, 10)), "assumption": [0, 10]},
        "spiral_strength": {"value": draw(st.floats(0, 10)), "assumption": [0, 10]},
        "weak_below": {"value": draw(st.floats(0, 1)), "assumption": [0, 1]},
    }
    rationality = st.sampled_from([0, 0.5, 2, 5, 50])
    actors: dict[str, Any] = {a: {"rationality": draw(rationality)} for a in "PGAV"}
    if draw(st.booleans()):
        actors["P"]["controller"] = "script:p_always"
    if draw(st.booleans()):
        actors["G"]["controller"] = "script:g_none"
    phases = draw(
        st.sampled_from(
            [
                [
                    {"name": "provoke", "actors": ["P"]},
                    {"name": "answer", "actors": ["G", "A", "V"]},
                ],
                [
                    {"name": "provoke", "actors": ["P"]},
                    {"name": "guarantee", "actors": ["G"]},
                    {"name": "others", "actors": ["A", "V"]},
                ],
                [
                    {"name": "answer", "actors": ["G", "A", "V"]},
                    {"name": "provoke", "actors": ["P"]},
                ],
                [{"name": "all", "actors": ["V", "P", "G", "A"]}],
            ]
        )
    )
    injects = {
        "rumour": {
            "description": "A rumour",
            "probability": str(draw(st.sampled_from([0, 0.3, 1]))),
            "effects": [{"target": "tension", "add": draw(st.floats(-0.2, 0.2))}],
        }
    }
    return tiny_scenario(
        scenario={"turns": draw(st.integers(1, 6))},
        parameters=parameters,
        actors=actors,
        phases=phases,
        injects=injects,
    )


# -- driving a game one stage at a time -----------------------------------------------------
def human_moves(model: WargameModel, actor: str) -> list[str]:
    """What a (scripted) person enters: one of the options legal now (a different one each
    turn) or nothing; a pure function of the game, so twin games get the same entries."""
    legal = [o.action for o in model.options(actor)]
    pick = (model.state.turn + len(actor)) % (len(legal) + 1)
    return legal[pick : pick + 1]


def human_votes(model: WargameModel) -> dict[str, dict[str, str]]:
    """Each human voter's ballots, alternating by turn."""
    votes: dict[str, dict[str, str]] = {}
    for voter, proposals in model.awaiting_votes().items():
        for proposal in proposals:
            ballots = [b.id for b in model.program.actors[voter].ballots[proposal]]
            votes.setdefault(voter, {})[proposal] = ballots[model.state.turn % len(ballots)]
    return votes


def advance(model: WargameModel) -> None:
    """One stage forward, with the human teams' moves and votes where they are due."""
    stage = model.stage
    if stage == "between_turns":
        model.begin_turn()
    elif stage == "deciding":
        model.decide_phase({a: human_moves(model, a) for a in model.awaiting_moves()})
    elif stage == "decided":
        model.plan_phase(human_votes(model))
    elif stage == "planned":
        model.apply_phase()
    else:
        model.end_turn()


def over(model: WargameModel) -> bool:
    return not model.running and model.stage == "between_turns"


def finish(model: WargameModel) -> WargameModel:
    while not over(model):
        advance(model)
    return model


def dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def fingerprint(model: WargameModel) -> str:
    """All a finished game leaves: records, summary, snapshot, mesa's step count."""
    return dump(
        {
            "records": records_json(model),
            "summary": model.summary(),
            "snapshot": model.snapshot(),
            "steps": model.steps,
            "time": getattr(model, "time", None),
            "running": model.running,
        }
    )


def collected(model: WargameModel) -> str:
    """What the DataCollector gathered (one row per turn, plus the start)."""
    assert model.datacollector is not None
    return dump(
        {
            "model": model.datacollector.model_vars,
            "agents": model.datacollector.get_agent_vars_dataframe().to_dict("split"),
        }
    )


def _move(move: Move) -> list[Any]:
    writes = [
        [list(term), op, amount, delay, cause] for term, op, amount, delay, cause in move.writes
    ]
    return [
        move.key,
        move.votes,
        move.passed,
        move.odds,
        move.roll,
        move.branch,
        move.forced,
        move.rolled,
        move.forced_votes,
        writes,
    ]


def frozen(model: WargameModel) -> str:
    """Everything a refused input must leave alone: the snapshot where one may be taken, and
    in every stage the state, dice, overrides, records, interventions, entered moves and
    votes, controllers and the pending phase (its decisions, votes and planned moves)."""
    view: dict[str, Any] = {
        "stage": model.stage,
        "running": model.running,
        "steps": model.steps,
        "time": getattr(model, "time", None),
        "state": model.state.to_json(),
        "rerolls": model.dice.rerolls,
        "overrides": {k: [o.result, o.reason] for k, o in model.overrides.items()},
        "rerolled": model.rerolled,
        "inject_counts": model.inject_counts,
        "escalation": model.escalation,
        "records": records_json(model),
        "interventions": [dataclasses.asdict(i) for i in model.interventions],
        "controllers": model.controllers,
        "policies": {a: actor.policy.name for a, actor in model.actors.items()},
        "human_moves": model.human_moves,
        "human_votes": model.human_votes,
    }
    progress = model.turn_progress
    if progress is not None:
        view["progress"] = {
            "phase_index": progress.phase_index,
            "moves": [[m.action.id, m.index, m.passed] for m in progress.moves],
            "injects": [dataclasses.asdict(i) for i in progress.injects],
            "phases": [dataclasses.asdict(p) for p in progress.phases],
            "effects": None
            if progress.effects is None
            else [dataclasses.asdict(e) for e in progress.effects],
            "controllers": progress.controllers,
        }
    pending = model.pending
    if pending is not None:
        view["pending"] = {
            "decisions": [
                [
                    d.actor,
                    d.controller,
                    [a.id for a in d.chosen],
                    d.note,
                    [[o.action.id, o.utility, o.probability, o.terms] for o in d.options],
                ]
                for d in pending.decisions
            ],
            "replaced": pending.replaced,
            "votes": pending.votes,
            "moves": None if pending.moves is None else [_move(m) for m in pending.moves],
        }
    if model.stage not in ("decided", "planned"):
        view["snapshot"] = model.snapshot()
    return dump(view)


# -- 1. step by step equals step() ----------------------------------------------------------
def check_step_by_step(scenario: Scenario, seed: int, record: bool = True) -> None:
    whole = WargameModel(scenario, seed=seed, record=record).run()
    parts = finish(WargameModel(scenario, seed=seed, record=record))
    assert fingerprint(parts) == fingerprint(whole)
    if record:
        assert collected(parts) == collected(whole)


@pytest.mark.parametrize("variant", variants(TUTORIAL), ids=str)
@settings(SLOW_OK, max_examples=examples(40))
@given(seed=SEEDS, record=st.booleans())
def test_tutorial_step_by_step_equals_step(variant, seed, record):
    check_step_by_step(shipped(TUTORIAL, variant), seed, record)


@pytest.mark.parametrize("variant", variants(KOREA), ids=str)
@settings(SLOW_OK, max_examples=examples(6))
@given(seed=SEEDS, record=st.booleans())
def test_korea_step_by_step_equals_step(variant, seed, record):
    check_step_by_step(shipped(KOREA, variant), seed, record)


@settings(SLOW_OK, max_examples=examples(60))
@given(scenario=tiny_scenarios(), seed=SEEDS, record=st.booleans())
def test_random_tiny_scenarios_step_by_step_equal_step(scenario, seed, record):
    check_step_by_step(scenario, seed, record)


def snapshot_points(model: WargameModel) -> Iterator[None]:
    """Advance the game, pausing at every point a snapshot may be taken: between turns, at
    the start of each phase and after the last phase."""
    while True:
        if model.stage in ("between_turns", "deciding", "ending"):
            yield
        if over(model):
            return
        advance(model)


Acts = dict[int, int]
"""Stage number -> facilitator act (see `facilitate`)."""
ACTS = st.dictionaries(st.integers(0, 60), st.integers(1, 7), max_size=6)


def facilitate(model: WargameModel, act: int) -> None:
    """A facilitator's act chosen by number, that may be made at this point (else none):
    force or re-roll a die of the plan, hand a team over, add an event, force a die or
    re-roll an inject of the next turn, fire an inject."""
    stage = model.stage
    if act == 1 and stage == "planned" and model.pending is not None:
        dice = [m for m in model.pending.moves or [] if m.odds]
        if dice:
            results = list(dice[0].odds)
            other = results[(results.index(dice[0].branch or results[0]) + 1) % len(results)]
            model.force(dice[0].key, other, "the other way")
    elif act == 2 and stage == "planned" and model.pending is not None:
        dice = [m for m in model.pending.moves or [] if m.odds]
        if dice:
            model.reroll(dice[-1].key, "again")
    elif act == 3:
        actor = sorted(model.controllers)[model.state.turn % len(model.controllers)]
        program = model.program
        valid = [
            "agent",
            "human",
            *(f"script:{d}" for d, s in program.doctrines.items() if s.actor == actor),
        ]
        after = valid[(valid.index(model.controllers[actor]) + 1) % len(valid)]
        model.hand_over(actor, after, "change of team")
    elif act == 4 and stage in ("deciding", "ending"):
        actors = sorted(model.program.actors)
        signal = (actors[0], actors[-1], 0.5)
        model.add_inject("News", [("tension", "add", 0.01)], "an event", signal=signal)
    elif act == 5:
        dice = [a for a in model.program.actions.values() if a.branches]
        if dice:
            action = dice[model.state.turn % len(dice)]
            key = f"t{model.state.turn + 1}:{action.actor}:{action.id}#1"
            model.force(key, action.branches[-1].name, "decided ahead")
    elif act == 6 and model.program.injects:
        inject = model.program.injects[model.state.turn % len(model.program.injects)]
        model.reroll(f"t{model.state.turn + 1}:inject:{inject.id}", "another roll")
    elif act == 7 and model.program.injects and stage in ("deciding", "ending"):
        inject = model.program.injects[model.state.turn % len(model.program.injects)]
        model.fire_inject(inject.id, "it happens again")


def scripted_play(model: WargameModel, acts: Acts, count: int = 0) -> Iterator[int]:
    """Play the game stage by stage from stage number `count`, with the facilitator's acts
    at the given stage numbers; pause after each stage (yielding the next one's number)."""
    while not over(model):
        facilitate(model, acts.get(count, 0))
        advance(model)
        count += 1
        yield count


def check_restore(
    scenario: Scenario,
    seed: int,
    at: int,
    by_step: bool,
    controllers: dict[str, str] | None = None,
    acts: Acts | None = None,
) -> None:
    """Snapshot a game at its `at`-th point (between turns, at the start of a phase or after
    the last phase), restore it from JSON, finish both the game and its restored copy; both
    equal the game played without stopping. Facilitators act at the stages `acts` says."""
    acts = acts or {}
    humans = bool(controllers) or any(a == 3 for a in acts.values())
    whole = WargameModel(scenario, seed=seed, controllers=controllers)
    for _ in scripted_play(whole, acts):
        pass
    model = WargameModel(scenario, seed=seed, controllers=controllers)
    count, points, player = 0, 0, scripted_play(model, acts)
    while not over(model):
        if model.stage in ("between_turns", "deciding", "ending"):
            if points == at:
                break
            points += 1
        count = next(player)
    note(f"snapshot at turn {model.state.turn}, stage {model.stage}, phase {model.phase}")
    saved = json.loads(json.dumps(model.snapshot()))
    restored = WargameModel.restore(scenario, saved)
    assert restored.steps == model.steps
    assert dump(restored.snapshot()) == dump(saved)
    # humans' moves are entered stage by stage; agents' games may also finish with step()
    for game in (restored, model):
        if by_step and not humans and not any(n >= count for n in acts):
            game.run()
        else:
            for _ in scripted_play(game, acts, count):
                pass
        assert fingerprint(game) == fingerprint(whole)


@pytest.mark.parametrize("variant", variants(TUTORIAL), ids=str)
@settings(SLOW_OK, max_examples=examples(30))
@given(seed=SEEDS, at=st.integers(0, 30), by_step=st.booleans(), acts=ACTS)
def test_tutorial_restored_at_the_start_of_any_phase_equals_never_stopping(
    variant, seed, at, by_step, acts
):
    check_restore(shipped(TUTORIAL, variant), seed, at, by_step, acts=acts)


@pytest.mark.parametrize("variant", variants(KOREA), ids=str)
@settings(SLOW_OK, max_examples=examples(4))
@given(seed=SEEDS, at=st.integers(0, 80), by_step=st.booleans(), acts=ACTS)
def test_korea_restored_at_the_start_of_any_phase_equals_never_stopping(
    variant, seed, at, by_step, acts
):
    check_restore(shipped(KOREA, variant), seed, at, by_step, acts=acts)


@settings(SLOW_OK, max_examples=examples(40))
@given(
    scenario=tiny_scenarios(), seed=SEEDS, at=st.integers(0, 40), by_step=st.booleans(), acts=ACTS
)
def test_random_tiny_scenarios_restored_at_any_phase_equal_never_stopping(
    scenario, seed, at, by_step, acts
):
    check_restore(scenario, seed, at, by_step, acts=acts)


HUMAN_GAMES: list[tuple[Callable[[], Scenario], dict[str, str]]] = [
    (tiny_with_injects, {"G": "human"}),
    (tiny_with_injects, {"G": "human", "V": "human"}),
    (tiny_with_injects, {"P": "human", "V": "human"}),
    (tiny_with_injects, {"G": "script:g_resolve", "V": "human"}),
    (tiny_with_injects, {"P": "human", "G": "human", "A": "human", "V": "human"}),
    (lambda: shipped(TUTORIAL), {"Blue": "human"}),
    (lambda: shipped(TUTORIAL, "weak"), {"Red": "human", "Green": "human"}),
]


@settings(SLOW_OK, max_examples=examples(40))
@given(game=st.sampled_from(HUMAN_GAMES), seed=SEEDS, at=st.integers(0, 40), acts=ACTS)
def test_games_with_human_teams_restored_at_any_phase_equal_never_stopping(game, seed, at, acts):
    make, controllers = game
    check_restore(make(), seed, at, by_step=False, controllers=controllers, acts=acts)


# -- 2. a refused input changes nothing -----------------------------------------------------
@dataclass
class Refusal:
    """A bad input at this point of the game, and what its error message must name."""

    name: str
    call: Callable[[], Any]
    names: tuple[str, ...] = ()


STEPS = ("begin_turn", "decide_phase", "plan_phase", "apply_phase", "end_turn")
DUE = {
    "between_turns": {"begin_turn"},
    "deciding": {"decide_phase"},
    "decided": {"plan_phase", "apply_phase"},
    "planned": {"plan_phase", "apply_phase"},
    "ending": {"end_turn"},
}
REASON = "facilitator ruling"


def refusals(m: WargameModel) -> list[Refusal]:
    """Every kind of bad input that applies at this point of the game `m`."""
    program, stage, turn = m.program, m.stage, m.state.turn
    out: list[Refusal] = []
    add = out.append
    actors = list(program.actors)
    at_phase_start = stage in ("deciding", "ending")

    # a step in the wrong stage (or a turn after the game is over)
    for step in STEPS:
        if step not in DUE[stage]:
            add(Refusal(f"{step} at {stage}", getattr(m, step), (f"'{stage}'", f"turn {turn}")))
    if stage == "between_turns" and not m.running:
        add(Refusal("begin_turn after the end", m.begin_turn, ("the game is over",)))
    if stage in ("decided", "planned"):
        add(Refusal("snapshot mid-phase", m.snapshot, ("start of a phase",)))

    # asking about, or handing over, an actor that does not exist or to a stranger's doctrine
    add(Refusal("options of nobody", lambda: m.options("Nobody"), ("unknown actor 'Nobody'",)))
    add(Refusal("hand over nobody", lambda: m.hand_over("Nobody", "agent", REASON), ("'Nobody'",)))
    for actor in actors:
        valid = (
            "agent",
            "human",
            *(f"script:{d}" for d, s in program.doctrines.items() if s.actor == actor),
        )
        for doctrine, spec in program.doctrines.items():
            if spec.actor != actor:
                add(
                    Refusal(
                        f"hand {actor} to {doctrine}",
                        lambda a=actor, d=doctrine: m.hand_over(a, f"script:{d}", REASON),
                        (actor, f"'script:{doctrine}'", *valid),
                    )
                )
        add(
            Refusal(
                f"hand {actor} to a robot",
                lambda a=actor: m.hand_over(a, "robot", REASON),
                (actor, "'robot'", *valid),
            )
        )
        add(
            Refusal(
                f"hand {actor} over without reason",
                lambda a=actor: m.hand_over(a, "agent", " "),
                ("reason",),
            )
        )

    # force and re-roll: keys that are no item, items that are closed, results they cannot take
    dice = [a for a in program.actions.values() if a.branches]
    plain = [a for a in program.actions.values() if not a.branches and not a.ballot_on]
    for bad in ("nonsense", "t1:nobody", "tx:P:p_test#1", f"t{turn + 1}:Nobody:nope#1"):
        add(Refusal(f"force {bad}", lambda k=bad: m.force(k, "success", REASON), (f"'{bad}'",)))
        add(Refusal(f"reroll {bad}", lambda k=bad: m.reroll(k, REASON), (f"'{bad}'",)))
    add(Refusal("reroll without reason", lambda: m.reroll(f"t{turn + 1}:x", ""), ("reason",)))
    for action in dice:
        results = [b.name for b in action.branches]
        later = f"t{turn + 1}:{action.actor}:{action.id}#1"
        typo = f"t{turn + 1}:{action.actor}:{action.id}x#1"
        add(
            Refusal(
                f"force {later} to boom",
                lambda k=later: m.force(k, "boom", REASON),
                (later, "'boom'", *results),
            )
        )
        add(
            Refusal(
                f"force {later} without reason",
                lambda k=later, r=results[0]: m.force(k, r, ""),
                ("reason",),
            )
        )
        add(
            Refusal(
                f"force {typo}",
                lambda k=typo, r=results[0]: m.force(k, r, REASON),
                (typo, action.actor, action.id),
            )
        )
        past = turn if stage == "between_turns" else turn - 1
        if past >= 1:
            key = f"t{past}:{action.actor}:{action.id}#1"
            add(
                Refusal(
                    f"force {key} (past)",
                    lambda k=key, r=results[0]: m.force(k, r, REASON),
                    (key, f"turn {past} is over"),
                )
            )
            add(
                Refusal(
                    f"reroll {key} (past)",
                    lambda k=key: m.reroll(k, REASON),
                    (key, f"turn {past} is over"),
                )
            )
        if m.turn_progress is not None:
            index = m.turn_progress.phase_index
            moving = [i for i, (_, ids) in enumerate(program.phases) if action.actor in ids]
            if all(i < index for i in moving):
                key = f"t{turn}:{action.actor}:{action.id}#1"
                add(
                    Refusal(
                        f"force {key} (applied)",
                        lambda k=key, r=results[0]: m.force(k, r, REASON),
                        (key, "has been applied"),
                    )
                )
            if stage == "planned" and index in moving:
                key = f"t{turn}:{action.actor}:{action.id}#9"
                add(
                    Refusal(
                        f"force {key} (not planned)",
                        lambda k=key, r=results[0]: m.force(k, r, REASON),
                        (key, "not in this phase's plan"),
                    )
                )
    for action in plain[:3]:
        key = f"t{turn + 1}:{action.actor}:{action.id}#1"
        add(
            Refusal(
                f"force {key} (no die)",
                lambda k=key: m.force(k, "success", REASON),
                (key, "no die"),
            )
        )
    for action in program.actions.values():
        if action.voters:
            voter = action.voters[0]
            ballots = [b.id for b in program.actors[voter].ballots[action.id]]
            key = f"t{turn + 1}:{action.actor}:{action.id}#1:vote:{voter}"
            add(
                Refusal(
                    f"force {key} to maybe",
                    lambda k=key: m.force(k, "maybe", REASON),
                    (key, "'maybe'", *ballots),
                )
            )
            stranger = next(a for a in actors if a not in action.voters)
            key = f"t{turn + 1}:{action.actor}:{action.id}#1:vote:{stranger}"
            add(
                Refusal(
                    f"force {key} (no voter)",
                    lambda k=key, b=ballots[0]: m.force(k, b, REASON),
                    (stranger, action.id, voter),
                )
            )
    for inject in program.injects:
        key = f"t{turn}:inject:{inject.id}"
        if turn >= 1:
            add(
                Refusal(
                    f"force {key} (resolved)",
                    lambda k=key: m.force(k, "fired", REASON),
                    (key, "already resolved"),
                )
            )
        key = f"t{turn + 1}:inject:{inject.id}"
        add(
            Refusal(
                f"force {key} to maybe",
                lambda k=key: m.force(k, "maybe", REASON),
                (key, "'maybe'", "fired", "not fired"),
            )
        )
        add(
            Refusal(
                f"fire {inject.id} without reason",
                lambda i=inject.id: m.fire_inject(i, "  "),
                ("reason",),
            )
        )
        if not at_phase_start:
            add(
                Refusal(
                    f"fire {inject.id} at {stage}",
                    lambda i=inject.id: m.fire_inject(i, REASON),
                    (f"'{stage}'",),
                )
            )
    injects = ", ".join(i.id for i in program.injects) or "none"
    add(
        Refusal(
            "fire an unknown inject", lambda: m.fire_inject("nope", REASON), ("'nope'", injects)
        )
    )

    # ad-hoc events: unknown terms, numbers that are not finite or out of bounds, signals
    sender = actors[0]
    events: list[tuple[str, Callable[[], Any], tuple[str, ...]]] = [
        (
            "unknown term",
            lambda: m.add_inject("x", [("tension", "add", 0.1), ("tensoin", "add", 0.1)], REASON),
            ("tensoin",),
        ),
        ("nan", lambda: m.add_inject("x", [("tension", "add", math.nan)], REASON), ("finite",)),
        ("inf", lambda: m.add_inject("x", [("tension", "mul", math.inf)], REASON), ("finite",)),
        ("-inf", lambda: m.add_inject("x", [("tension", "add", -math.inf)], REASON), ("finite",)),
        (
            "set outside bounds",
            lambda: m.add_inject("x", [("tension", "set", 1.5)], REASON),
            ("tension", "[0.0, 1.0]"),
        ),
        (
            "bad operation",
            lambda: m.add_inject("x", [("tension", "pow", 2.0)], REASON),
            ("add, mul or set",),
        ),
        (
            "signal above 1",
            lambda: m.add_inject(
                "x", [("tension", "add", 0.1)], REASON, signal=(sender, actors[1], 1.5)
            ),
            ("[0, 1]",),
        ),
        (
            "signal below 0",
            lambda: m.add_inject("x", [], REASON, signal=(sender, actors[1], -0.1)),
            ("[0, 1]",),
        ),
        (
            "signal from nobody",
            lambda: m.add_inject(
                "x", [("tension", "add", 0.1)], REASON, signal=("Nobody", sender, 0.5)
            ),
            ("'Nobody'",),
        ),
        (
            "no description",
            lambda: m.add_inject("  ", [("tension", "add", 0.1)], REASON),
            ("description",),
        ),
        ("no reason", lambda: m.add_inject("x", [("tension", "add", 0.1)], ""), ("reason",)),
    ]
    for name, call, names in events:
        add(
            Refusal(
                f"add_inject: {name}",
                call,
                names if at_phase_start or "reason" in names or "description" in names else (),
            )
        )
    if not at_phase_start:
        add(
            Refusal(
                f"add_inject at {stage}",
                lambda: m.add_inject("x", [("tension", "add", 0.1)], REASON),
                (f"'{stage}'",),
            )
        )

    # entering moves
    phase = m.phase
    humans = [a for a, c in m.controllers.items() if c == "human"]
    if stage == "deciding" and phase is not None:
        name, movers = phase
        due = m.awaiting_moves()
        fine = {t: human_moves(m, t) for t in due}

        def enter(team: str, ids: list[str]) -> Callable[[], Any]:
            return lambda: m.decide_phase({**fine, team: ids})

        for team in due:
            menu = [a.id for a in program.actors[team].menu]
            legal = [o.action for o in m.options(team)]
            add(Refusal(f"{team} enters nope", enter(team, ["nope"]), (team, "'nope'", *menu)))
            if legal:
                too_many = [legal[0]] * (program.actors[team].budget_count + 1)
                names = (team, f"'{legal[0]}'", *legal)
                add(Refusal(f"{team} over budget", enter(team, too_many), names))
            for illegal in [a for a in menu if a not in legal][:2]:
                names = (team, f"'{illegal}'", "cannot take")
                add(Refusal(f"{team} enters illegal {illegal}", enter(team, [illegal]), names))
            if team not in m.human_moves:
                others = {t: human_moves(m, t) for t in due if t != team}
                add(
                    Refusal(
                        f"no moves for {team}",
                        lambda o=others: m.decide_phase(o),
                        (team, f"'{name}'"),
                    )
                )
        for actor in movers:
            if actor not in due:
                add(
                    Refusal(
                        f"moves for {actor} (not human)",
                        lambda a=actor: m.decide_phase({a: []}),
                        (f"'{actor}'", f"'{name}'", *due),
                    )
                )
        for team in humans:
            if team not in movers:
                add(
                    Refusal(
                        f"moves for {team} (other phase)",
                        lambda t=team: m.decide_phase({t: []}),
                        (f"'{team}'", f"'{name}'"),
                    )
                )
        add(Refusal("moves for nobody", lambda: m.decide_phase({"Nobody": []}), ("'Nobody'",)))
    elif stage != "deciding":
        add(Refusal("decide with moves", lambda: m.decide_phase({}), (f"'{stage}'",)))

    # votes and replaced moves in a decided or planned phase
    if stage in ("decided", "planned") and m.pending is not None:
        needed = m.awaiting_votes()
        movers = [d.actor for d in m.pending.decisions]
        for voter, proposals in needed.items():
            proposal = proposals[0]
            ballots = [b.id for b in program.actors[voter].ballots[proposal]]
            add(
                Refusal(
                    f"{voter} votes maybe",
                    lambda v=voter, p=proposal: m.plan_phase({v: {p: "maybe"}}),
                    (voter, "'maybe'", proposal, *ballots),
                )
            )
            add(
                Refusal(
                    f"{voter} votes on nothing",
                    lambda v=voter, b=ballots[0]: m.plan_phase({v: {"nope": b}}),
                    (voter, "'nope'", proposal),
                )
            )
            if stage == "decided" and voter not in m.human_votes:
                add(
                    Refusal(
                        f"{voter} has not voted (plan)", m.plan_phase, (voter, proposal, *ballots)
                    )
                )
                add(
                    Refusal(
                        f"{voter} has not voted (apply)", m.apply_phase, (voter, proposal, *ballots)
                    )
                )
        stranger = next((a for a in actors if a not in needed), None)
        if stranger is not None:
            add(
                Refusal(
                    f"{stranger} votes",
                    lambda s=stranger: m.plan_phase({s: {}}),
                    (f"'{stranger}'",),
                )
            )
        for actor in movers:
            if m.controllers[actor] == "human":
                add(
                    Refusal(
                        f"replace human {actor}",
                        lambda a=actor: m.replace_moves(a, [], REASON),
                        (actor, "human team"),
                    )
                )
                continue
            menu = [a.id for a in program.actors[actor].menu]
            add(
                Refusal(
                    f"replace {actor} by nope",
                    lambda a=actor: m.replace_moves(a, ["nope"], REASON),
                    (actor, "'nope'", *menu),
                )
            )
            add(
                Refusal(
                    f"replace {actor} without reason",
                    lambda a=actor: m.replace_moves(a, [], ""),
                    ("reason",),
                )
            )
            legal = [o.action for o in m.options(actor)]
            for illegal in [a for a in menu if a not in legal][:2]:
                add(
                    Refusal(
                        f"replace {actor} by illegal {illegal}",
                        lambda a=actor, i=illegal: m.replace_moves(a, [i], REASON),
                        (actor, f"'{illegal}'", "cannot take"),
                    )
                )
            if legal:
                too_many = [legal[0]] * (program.actors[actor].budget_count + 1)
                add(
                    Refusal(
                        f"replace {actor} over budget",
                        lambda a=actor, ids=too_many: m.replace_moves(a, ids, REASON),
                        (actor, f"'{legal[0]}'"),
                    )
                )
        for actor in actors:
            if actor not in movers:
                add(
                    Refusal(
                        f"replace {actor} (not moving)",
                        lambda a=actor: m.replace_moves(a, [], REASON),
                        (f"'{actor}'", *movers),
                    )
                )
    else:
        add(
            Refusal(
                f"replace at {stage}", lambda: m.replace_moves(actors[0], [], REASON), ("decided",)
            )
        )
    return out


def kind_of(name: str) -> str:
    """The kind of a bad input (drawn first, so that rare kinds are drawn as often)."""
    first = name.split()[0]
    if first in (*STEPS, "snapshot"):
        return "step"
    if first in ("force", "reroll"):
        return "force"
    if first in ("fire", "add_inject", "add_inject:"):
        return "event"
    if first in ("hand", "options", "replace"):
        return first
    return "votes" if "vote" in name else "moves"


REFUSAL_GAMES = [
    *HUMAN_GAMES,
    (tiny_with_injects, {}),
    (lambda: shipped(TUTORIAL, "strong"), {}),
]


def new_game(game: tuple[Callable[[], Scenario], dict[str, str]], seed: int) -> WargameModel:
    make, controllers = game
    return WargameModel(make(), seed=seed, controllers=controllers)


@settings(SLOW_OK, max_examples=examples(300))
@given(data=st.data(), game=st.sampled_from(REFUSAL_GAMES), seed=SEEDS, at=st.integers(0, 36))
def test_a_refused_input_changes_nothing_and_the_game_plays_on_as_if_never_given(
    data, game, seed, at
):
    model, twin = new_game(game, seed), new_game(game, seed)
    acts = data.draw(ACTS, label="facilitator acts")
    plays = zip(scripted_play(model, acts), scripted_play(twin, acts), strict=True)
    for _ in zip(range(at), plays, strict=False):
        pass
    note(f"turn {model.state.turn}, stage {model.stage}, phase {model.phase}")
    for _ in range(data.draw(st.integers(1, 3), label="bad inputs")):
        choices = refusals(model)
        kind = data.draw(st.sampled_from(sorted({kind_of(r.name) for r in choices})), label="kind")
        refusal = data.draw(
            st.sampled_from([r for r in choices if kind_of(r.name) == kind]), label="bad input"
        )
        note(refusal.name)
        event(f"{model.stage}: {kind}")
        before = frozen(model)
        with pytest.raises(WargameError) as refused:
            refusal.call()
        assert frozen(model) == before, refusal.name
        message = str(refused.value)
        missing = [n for n in refusal.names if n not in message]
        assert not missing, (refusal.name, message)
    assert fingerprint(finish(model)) == fingerprint(finish(twin))


def test_a_refused_step_leaves_the_game_as_it_was():
    model = tiny_game({"G": "human"})  # G moves in the second phase; nothing entered
    before = frozen(model)
    with pytest.raises(WargameError, match="no moves entered for G"):
        model.step()
    assert frozen(model) == before
    model.human_moves = {"G": ["g_weak"]}  # entered before step(), the old way: it plays
    model.step()
    assert model.state.counts["g_weak"] == 1 and model.steps == 1


def test_a_step_after_the_end_changes_nothing():
    """Mesa's wrapper counts every step(); one after the end must not count a turn."""
    model = WargameModel(tiny_with_injects(), seed=2).run()
    before = frozen(model)
    model.step()
    assert frozen(model) == before
    assert model.steps == WargameModel.restore(tiny_with_injects(), model.snapshot()).steps


CONTROLS_THAT_REPLAN = {
    "force a vote": lambda m: m.force("t1:G:g_resolution#1:vote:V", "v_support", REASON),
    "force a later die": lambda m: m.force("t2:P:p_test#1", "failure", REASON),
    "re-roll a vote": lambda m: m.reroll("t1:G:g_resolution#1:vote:V", REASON),
    "replace moves": lambda m: m.replace_moves("A", [], REASON),
}


@pytest.mark.parametrize("control", list(CONTROLS_THAT_REPLAN))
def test_a_control_refused_by_the_re_plan_changes_nothing(control):
    model = tiny_game({"G": "script:g_resolve"}, seed=1)
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    model.decide_phase()
    model.plan_phase()  # G proposes g_resolution; V, an agent, has voted
    model.hand_over("V", "human", "a person takes over V")
    before = frozen(model)
    try:
        CONTROLS_THAT_REPLAN[control](model)
    except WargameError:
        assert frozen(model) == before


# -- 3. two games interleaved in one process ------------------------------------------------
def sampled_values(scenario: Scenario, seed: int) -> dict[str, float]:
    """Values for a random part of the scenario's sampled numbers, anywhere in their ranges."""
    rng = random.Random(seed)
    chosen = rng.sample(scenario.sampled, rng.randint(1, len(scenario.sampled)))
    return {u.path: rng.uniform(u.low, u.high) for u in chosen}


def result(model: WargameModel) -> str:
    return dump({"records": records_json(model), "summary": model.summary(), "steps": model.steps})


MODES = st.sampled_from([(True, True), (True, False), (False, False), (False, True)])
"""(record, explain)"""


def check_interleaved(scenario: Scenario, data: st.DataObject, ask_every: int) -> None:
    seeds = data.draw(st.tuples(SEEDS, SEEDS), label="seeds")
    inputs = data.draw(st.tuples(st.integers(0, 2**32), st.integers(0, 2**32)), label="inputs")
    values = [sampled_values(scenario, s) for s in inputs]
    assume(values[0] != values[1])
    modes = data.draw(st.tuples(MODES, MODES), label="(record, explain)")
    acts = data.draw(st.tuples(ACTS, ACTS), label="facilitator acts")

    def new(i: int) -> WargameModel:
        record, explain = modes[i]
        return WargameModel(
            scenario, seed=seeds[i], inputs=values[i], record=record, explain=explain
        )

    alone = [new(i) for i in (0, 1)]
    for i in (0, 1):
        for _ in scripted_play(alone[i], acts[i]):
            pass
    games = [new(0), new(1)]
    plays = [scripted_play(g, a) for g, a in zip(games, acts, strict=True)]
    running = [True, True]
    while any(running):
        i = data.draw(st.integers(0, 1), label="who") if all(running) else running.index(True)
        running[i] = next(plays[i], False) is not False
        if data.draw(st.integers(1, ask_every), label="ask") == 1:
            asked = games[data.draw(st.integers(0, 1), label="asked")]
            actor = data.draw(st.sampled_from(sorted(asked.program.actors)), label="about")
            before = [frozen(g) for g in games]
            asked.options(actor)
            assert [frozen(g) for g in games] == before
    for game, single in zip(games, alone, strict=True):
        assert result(game) == result(single)


@settings(SLOW_OK, max_examples=examples(40))
@given(data=st.data(), variant=st.sampled_from(variants(TUTORIAL)))
def test_two_tutorial_games_with_sampled_numbers_interleaved_equal_each_alone(data, variant):
    check_interleaved(shipped(TUTORIAL, variant), data, ask_every=4)


@settings(SLOW_OK, max_examples=examples(5))
@given(data=st.data(), variant=st.sampled_from(variants(KOREA)))
def test_two_korea_games_with_sampled_numbers_interleaved_equal_each_alone(data, variant):
    check_interleaved(shipped(KOREA, variant), data, ask_every=20)


@pytest.mark.parametrize("seed", range(4))
def test_options_asked_of_either_game_at_every_stage_change_nothing(seed):
    scenario = shipped(TUTORIAL)
    values = [
        {"parameters.test_success": 0.6, "actors.Blue.rationality": 2, "parameters.step": 0.2},
        {"parameters.test_success": 0.95, "actors.Blue.rationality": 20, "parameters.step": 0.05},
    ]
    games = [WargameModel(scenario, seed=seed, inputs=v) for v in values]
    alone = [WargameModel(scenario, seed=seed, inputs=v).run() for v in values]
    while not all(over(g) for g in games):
        for me, other in (games, games[::-1]):
            if over(me):
                continue
            advance(me)
            before = [frozen(games[0]), frozen(games[1])]
            for actor in scenario.program.actors:
                other.options(actor)
                me.options(actor)
            assert [frozen(games[0]), frozen(games[1])] == before
    assert [result(g) for g in games] == [result(a) for a in alone]


def test_firing_an_inject_uses_the_sampled_numbers_of_its_own_game():
    """fire_inject evaluates its effects with the game's own sampled numbers, even when
    another game bound the shared sampling program last."""
    scenario = shipped(KOREA)
    low, high = {"parameters.threat_tension": 0.01}, {"parameters.threat_tension": 0.06}
    mine, other = (
        WargameModel(scenario, seed=3, inputs=low),
        WargameModel(scenario, seed=3, inputs=high),
    )
    mine.begin_turn()
    other.begin_turn()  # the shared sampling program now holds the other game's numbers
    fired = mine.fire_inject("presidential_threat", "the threat is repeated")
    alone = WargameModel(scenario, seed=3, inputs=low)
    alone.begin_turn()
    expected = alone.fire_inject("presidential_threat", "the threat is repeated")
    assert dataclasses.asdict(fired) == dataclasses.asdict(expected)
    assert mine.state.to_json() == alone.state.to_json()


def test_replacing_moves_checks_legality_with_the_sampled_numbers_of_its_own_game():
    """replace_moves checks `requires` with the game's own sampled numbers."""
    scenario = tiny_scenario(actions={"g_strong": {"requires": "tension < weak_below"}})
    games = [
        WargameModel(scenario, seed=1, inputs={"parameters.weak_below": w}) for w in (0.0, 1.0)
    ]
    for game in games:
        game.begin_turn()
        game.decide_phase()
        game.apply_phase()
        game.decide_phase()  # the answer phase is decided: G's moves may be replaced
    games[1].options("G")  # binds weak_below = 1, under which g_strong is legal
    with pytest.raises(WargameError, match="requires tension < weak_below"):
        games[0].replace_moves("G", ["g_strong"], "stronger")


# -- 4. what the messages name -------------------------------------------------------------
def tiny_game(controllers: dict[str, str] | None = None, seed: int = 0) -> WargameModel:
    return WargameModel(tiny_with_injects(), seed=seed, controllers=controllers)


def at_answer(
    controllers: dict[str, str], moves: dict[str, list[str]] | None = None
) -> WargameModel:
    """Turn 1 of the tiny game, P's test applied, at the answer phase (decided if `moves`)."""
    model = tiny_game(controllers)
    model.force("t1:P:p_test#1", "success", "the test flew")
    model.hand_over("P", "script:p_always", "P tests")
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    if moves is not None:
        model.decide_phase(moves)
    return model


def finish_turns(model: WargameModel, turns: int) -> WargameModel:
    for _ in range(turns):
        model.step()
    return model


def planned_provocation() -> WargameModel:
    model = tiny_game()
    model.hand_over("P", "script:p_always", "P tests")
    model.begin_turn()
    model.decide_phase()
    model.plan_phase()
    return model


MESSAGES: list[tuple[str, Callable[[], WargameModel], Callable[[WargameModel], Any], list[str]]] = [
    (
        "unknown option",
        lambda: at_answer({"G": "human"}),
        lambda m: m.decide_phase({"G": ["g_wek"]}),
        [
            "G has no option 'g_wek'",
            "g_weak",
            "Its options: g_weak, g_strong, g_covert, g_delayed, g_resolution",
        ],
    ),
    (
        "over budget",
        lambda: at_answer({"G": "human"}),
        lambda m: m.decide_phase({"G": ["g_weak", "g_strong"]}),
        [
            "G cannot take 'g_strong' now",
            "budget is 1 option(s)",
            "Options it can take now: g_strong",
        ],
    ),
    (
        "moves of a team that is not human",
        lambda: at_answer({"G": "human"}),
        lambda m: m.decide_phase({"A": ["a_wait"], "G": []}),
        ["'A' is not a human team of phase 'answer'", "moves go to G"],
    ),
    (
        "moves of a human team of another phase",
        lambda: at_answer({"G": "human", "P": "human"}),
        lambda m: m.decide_phase({"P": ["p_test"], "G": []}),
        ["'P' is not a human team of phase 'answer'", "moves go to G"],
    ),
    (
        "no moves in a phase of agents",
        lambda: at_answer({}),
        lambda m: m.decide_phase({"G": []}),
        ["'G' is not a human team of phase 'answer'", "no team (agents and doctrines decide it)"],
    ),
    (
        "missing moves",
        lambda: at_answer({"G": "human", "A": "human"}),
        lambda m: m.decide_phase({"A": []}),
        ["no moves entered for G", "phase 'answer'", "an empty list"],
    ),
    (
        "a missing vote",
        lambda: at_answer({"G": "human", "V": "human"}, {"G": ["g_resolution"], "V": []}),
        lambda m: m.apply_phase(),
        ["V must vote on g_resolution", "v_veto, v_support"],
    ),
    (
        "an unknown ballot",
        lambda: at_answer({"G": "human", "V": "human"}, {"G": ["g_resolution"], "V": []}),
        lambda m: m.plan_phase({"V": {"g_resolution": "abstain"}}),
        ["V has no ballot 'abstain' on g_resolution", "v_veto, v_support"],
    ),
    (
        "a vote on what is not proposed",
        lambda: at_answer({"G": "human", "V": "human"}, {"G": ["g_resolution"], "V": []}),
        lambda m: m.plan_phase({"V": {"g_weak": "v_veto"}}),
        ["V votes on g_resolution now, not on 'g_weak'"],
    ),
    (
        "a vote by a team with none to cast",
        lambda: at_answer({"G": "human", "V": "human"}, {"G": ["g_resolution"], "V": []}),
        lambda m: m.plan_phase({"A": {"g_resolution": "v_veto"}}),
        ["'A' has no vote to cast", "votes go to V"],
    ),
    (
        "replace a human team's moves",
        lambda: at_answer({"G": "human"}, {"G": ["g_weak"]}),
        lambda m: m.replace_moves("G", ["g_strong"], REASON),
        ["G is played by a human team"],
    ),
    (
        "replace with an illegal option",
        lambda: at_answer({}, {}),
        lambda m: m.replace_moves("G", ["g_weak", "g_strong"], REASON),
        ["G cannot take 'g_strong' now", "budget", "Options it can take now"],
    ),
    (
        "replace with an unknown option",
        lambda: at_answer({}, {}),
        lambda m: m.replace_moves("A", ["g_weak"], REASON),
        ["A has no option 'g_weak'", "Its options: a_wait"],
    ),
    (
        "replace the moves of a team of another phase",
        lambda: at_answer({}, {}),
        lambda m: m.replace_moves("P", [], REASON),
        ["'P' does not move in this phase", "its actors: G, A, V"],
    ),
    (
        "replace moves without a reason",
        lambda: at_answer({}, {}),
        lambda m: m.replace_moves("G", [], " "),
        ["replacing G's moves needs a reason"],
    ),
    (
        "force an unknown option",
        lambda: tiny_game(),
        lambda m: m.force("t1:P:p_tset#1", "success", REASON),
        ["'t1:P:p_tset#1' names no option of P", "p_test", "t3:NK:nk_test#1"],
    ),
    (
        "force a key that is no key",
        lambda: tiny_game(),
        lambda m: m.force("p_test", "success", REASON),
        ["'p_test' is not an item key", "t3:NK:nk_test#1", "t3:inject:ID"],
    ),
    (
        "force a result the die cannot take",
        lambda: tiny_game(),
        lambda m: m.force("t2:P:p_test#1", "boom", REASON),
        ["cannot force t2:P:p_test#1 to 'boom'", "Its results: success, failure"],
    ),
    (
        "force an option without a die",
        lambda: tiny_game(),
        lambda m: m.force("t2:G:g_weak#1", "success", REASON),
        ["'t2:G:g_weak#1'", "g_weak has no die"],
    ),
    (
        "force the vote of a team that does not vote",
        lambda: tiny_game(),
        lambda m: m.force("t2:G:g_resolution#1:vote:A", "v_veto", REASON),
        ["A does not vote on g_resolution", "its voters: V"],
    ),
    (
        "force a vote to an unknown ballot",
        lambda: tiny_game(),
        lambda m: m.force("t2:G:g_resolution#1:vote:V", "abstain", REASON),
        ["to 'abstain'", "Its results: v_veto, v_support"],
    ),
    (
        "force an item of an applied phase",
        lambda: at_answer({}),
        lambda m: m.force("t1:P:p_test#1", "failure", REASON),
        ["'t1:P:p_test#1'", "P's phase of turn 1 has been applied"],
    ),
    (
        "force an item of a past turn",
        lambda: finish_turns(tiny_game(), 2),
        lambda m: m.force("t1:P:p_test#1", "failure", REASON),
        ["'t1:P:p_test#1'", "turn 1 is over"],
    ),
    (
        "force an item not in this phase's plan",
        planned_provocation,
        lambda m: m.force("t1:P:p_test#2", "failure", REASON),
        ["'t1:P:p_test#2' is not in this phase's plan", "its items: t1:P:p_test#1"],
    ),
    (
        "force a resolved inject",
        lambda: at_answer({}),
        lambda m: m.force("t1:inject:rumour", "fired", REASON),
        ["'t1:inject:rumour'", "already resolved"],
    ),
    (
        "force an unknown inject",
        lambda: tiny_game(),
        lambda m: m.force("t2:inject:rumor", "fired", REASON),
        ["no inject 'rumor'", "rumour"],
    ),
    (
        "force without a reason",
        lambda: tiny_game(),
        lambda m: m.force("t2:P:p_test#1", "failure", ""),
        ["forcing t2:P:p_test#1 needs a reason"],
    ),
    (
        "re-roll an unknown key",
        lambda: tiny_game(),
        lambda m: m.reroll("t2:G:g_wek#1", REASON),
        ["names no option of G", "g_weak"],
    ),
    (
        "hand over to another actor's doctrine",
        lambda: tiny_game(),
        lambda m: m.hand_over("G", "script:p_always", REASON),
        ["G cannot be played by 'script:p_always'", "choose one of agent, human, script:g_none"],
    ),
    (
        "hand over an unknown actor",
        lambda: tiny_game(),
        lambda m: m.hand_over("Q", "agent", REASON),
        ["unknown actor 'Q'", "Actors: P, G, A, V"],
    ),
    (
        "fire an unknown inject",
        lambda: at_answer({}),
        lambda m: m.fire_inject("sumit", REASON),
        ["no inject 'sumit'", "summit", "Its injects: summit, rumour"],
    ),
    (
        "fire an inject mid-phase",
        lambda: at_answer({}, {}),
        lambda m: m.fire_inject("summit", REASON),
        ["cannot fire an inject now", "'decided'"],
    ),
    (
        "an event with an unknown term",
        lambda: at_answer({}),
        lambda m: m.add_inject("News", [("tension", "add", 0.1), ("tensoin", "add", 0.1)], REASON),
        ["effect 2 (tensoin add 0.1)", "tensoin", "tension"],
    ),
    (
        "an event with a value that is not finite",
        lambda: at_answer({}),
        lambda m: m.add_inject("News", [("tension", "add", math.inf)], REASON),
        ["effect 1 (tension add inf)", "finite"],
    ),
    (
        "an event that sets a term outside its bounds",
        lambda: at_answer({}),
        lambda m: m.add_inject("News", [("P.capability", "set", -1.0)], REASON),
        ["effect 1 (P.capability set -1.0)", "P.capability lies within [0.0, 1.0]"],
    ),
    (
        "an event with a signal above 1",
        lambda: at_answer({}),
        lambda m: m.add_inject("News", [], REASON, signal=("G", "P", 1.01)),
        ["signal", "[0, 1]"],
    ),
    (
        "an event with a signal from an unknown actor",
        lambda: at_answer({}),
        lambda m: m.add_inject("News", [], REASON, signal=("Gg", "P", 0.5)),
        ["unknown actor 'Gg'", "G"],
    ),
    (
        "a step in the wrong stage",
        lambda: at_answer({}),
        lambda m: m.begin_turn(),
        ["cannot begin a turn now", "'deciding' (turn 1)", "decide_phase()"],
    ),
    (
        "ending a turn mid-phase",
        lambda: at_answer({}, {}),
        lambda m: m.end_turn(),
        ["cannot end a turn now", "'decided' (turn 1)", "plan_phase()", "apply_phase()"],
    ),
    (
        "deciding twice",
        lambda: at_answer({}, {}),
        lambda m: m.decide_phase(),
        ["cannot decide a phase now", "'decided'"],
    ),
    (
        "a turn after the last",
        lambda: finish(tiny_game()),
        lambda m: m.begin_turn(),
        ["the game is over", "restore"],
    ),
    (
        "a snapshot mid-phase",
        lambda: at_answer({}, {}),
        lambda m: m.snapshot(),
        ["start of a phase", "apply this phase first"],
    ),
    (
        "options of an unknown actor",
        lambda: tiny_game(),
        lambda m: m.options("GG"),
        ["unknown actor 'GG'", "G"],
    ),
]


@pytest.mark.parametrize(("name", "make", "call", "names"), MESSAGES, ids=[m[0] for m in MESSAGES])
def test_a_refusal_names_the_team_the_option_or_key_and_the_valid_choices(name, make, call, names):
    model = make()
    before = frozen(model)
    with pytest.raises(WargameError) as refused:
        call(model)
    message = str(refused.value)
    for fragment in names:
        assert fragment in message, (fragment, message)
    assert "\n" not in message
    assert frozen(model) == before
