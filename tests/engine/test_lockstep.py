"""The lockstep engine against the reference engine, game by game.

The reference engine (`WargameModel`) defines the rules; the lockstep engine plays many
games at once and must give each the very row the reference gives it: the same outcomes on
the same turns, the same counts, the same final state to the last bit (as rounded for the
batch). Each case plays seeds through both and compares every game.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import SCENARIOS, tiny_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_live_play import tiny_scenarios

from wargame.engine import lockstep
from wargame.engine.lockstep.formulas import Formulas
from wargame.engine.lockstep.games import Games, Layout
from wargame.engine.model import WargameModel
from wargame.scenario import load_scenario, load_scenario_text
from wargame.scenario.loading import Scenario

KOREA = SCENARIOS / "korea_2017_over_japan.yaml"
TUTORIAL = SCENARIOS / "tutorial.yaml"


def reference_row(scenario: Scenario, seed: int, inputs: dict[str, float] | None) -> str:
    model = WargameModel(scenario, seed=seed, record=False, inputs=inputs)
    try:
        return json.dumps(lockstep.summary_row(model.run().summary()), sort_keys=True)
    finally:
        model.release()


def differences(
    scenario: Scenario, seeds: list[int], sampled: bool, draw_seed: int = 0
) -> list[int]:
    """The seeds whose lockstep row differs from the reference's (sampled inputs drawn
    uniformly from each uncertain number's range when `sampled`)."""
    inputs = None
    if sampled:
        rnd = random.Random(draw_seed)
        inputs = [{u.path: rnd.uniform(u.low, u.high) for u in scenario.sampled} for _ in seeds]
    played = lockstep.play(scenario, seeds, columns(inputs) if inputs is not None else None)
    return [
        seed
        for i, seed in enumerate(seeds)
        if json.dumps(played.row(i), sort_keys=True)
        != reference_row(scenario, seed, inputs[i] if inputs else None)
    ]


def columns(inputs: list[dict[str, float]]) -> dict[str, list[float]]:
    """Per-game inputs as the lockstep engine takes them: one column per uncertain number."""
    return {path: [given[path] for given in inputs] for path in inputs[0]} if inputs else {}


def variants(path: Path) -> list[str | None]:
    return [None, *load_scenario(path).spec.variants]


CASES = [(path, v) for path in (KOREA, TUTORIAL) for v in variants(path)]


@pytest.mark.parametrize("sampled", [False, True], ids=["central", "sampled"])
@pytest.mark.parametrize(("path", "variant"), CASES, ids=lambda c: getattr(c, "stem", c))
def test_every_variant_of_the_shipped_scenarios_plays_as_the_reference(path, variant, sampled):
    scenario = load_scenario(path, variant=variant)
    assert lockstep.supported(scenario) is None
    games = 24 if path == KOREA else 120
    assert differences(scenario, list(range(1000, 1000 + games)), sampled) == []


@pytest.mark.slow  # about 5,000 games through both engines
@pytest.mark.parametrize("sampled", [False, True], ids=["central", "sampled"])
def test_thousands_of_games_of_the_shipped_scenario_play_as_the_reference(sampled):
    compared = 0
    for variant in variants(KOREA):
        scenario = load_scenario(KOREA, variant=variant)
        seeds = list(range(300))
        assert differences(scenario, seeds, sampled, draw_seed=7) == [], variant
        compared += len(seeds)
    assert compared == 300 * len(variants(KOREA))


def test_every_formula_reads_what_the_reference_reads_in_the_middle_of_a_game():
    # the state after five turns of a game has counts, beliefs, signals and pending effects
    scenario = load_scenario(KOREA)
    program = scenario.program
    model = WargameModel(scenario, seed=3, record=False)
    for _ in range(5):
        model.step()
    state = model.state
    assert state.counts and state.signals and state.turn == 5
    layout = Layout.of(program)
    games = Games.start(program, layout, [3, 4], None, state)
    formulas = Formulas(program, scenario.spec, layout)
    assert len(program.formulas) > 150
    for getter in program.formulas:
        got = np.broadcast_to(formulas(getter)(games), (2,)).tolist()
        assert got == [getter(state)] * 2


SCHEDULES: dict[str, list[dict[str, Any]]] = {
    "every turn": [{"turns": [1, 2, 3, 4], "choose": ["g_strong"]}],
    "over the budget": [{"turns": [1, 2], "choose": ["g_strong", "g_weak", "g_delayed"]}],
    "while it holds": [{"turns": [1, 2, 3], "when": "tension > 0.35", "choose": ["g_weak"]}],
    "a proposal to vote on": [{"turns": [1, 3], "choose": ["g_resolution"]}],
}


@pytest.mark.parametrize("controller", ["agent", "script:g_none"])
@pytest.mark.parametrize("schedule", list(SCHEDULES), ids=str)
def test_scheduled_moves_are_made_as_the_reference_makes_them(schedule, controller):
    data = tiny_data()
    data["scenario"]["turns"] = 4
    data["actors"]["G"]["schedule"] = SCHEDULES[schedule]
    data["actors"]["G"]["controller"] = controller
    data["actors"]["G"]["budget"] = {"count": 2}
    scenario = load_scenario_text(yaml.safe_dump(data), file="tiny.yaml")
    assert differences(scenario, list(range(80)), sampled=False) == []
    assert differences(scenario, list(range(80)), sampled=True) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(), first=st.integers(0, 2**40))
def test_random_tiny_scenarios_play_as_the_reference(scenario, first):
    seeds = [first + i for i in range(12)]
    assert differences(scenario, seeds, sampled=False) == []
    assert differences(scenario, seeds, sampled=True, draw_seed=first) == []


def test_a_team_a_person_plays_is_not_played_in_lockstep():
    data = tiny_data()
    data["actors"]["G"]["controller"] = "human"
    scenario = load_scenario_text(yaml.safe_dump(data), file="tiny.yaml")
    assert lockstep.supported(scenario) == "G is played by a person"
    with pytest.raises(lockstep.Unsupported, match="played by a person"):
        lockstep.play(scenario, [1, 2])


def test_python_rounding_to_six_places_is_kept_where_numpy_would_part_from_it():
    # x * 1e6 lands on a half in floats where the decimal value is not a half, and back
    values = np.array([0.0000025, 1.0000005, 2.6749995, -0.3125, 1e300, -1e-7, 0.1234565])
    assert lockstep.round6(values).tolist() == [round(v, 6) for v in values.tolist()]
    rnd = random.Random(1)
    many = np.array([rnd.uniform(-2, 2) for _ in range(20000)] + [k / 2e6 for k in range(2000)])
    assert lockstep.round6(many).tolist() == [round(v, 6) for v in many.tolist()]


def feature_scenarios() -> dict[str, Scenario]:
    """The named scenarios of the engine's feature tests, each a format feature at work."""
    from test_delay import delayed
    from test_excludes import scenario as excluding
    from test_fallback import scenario as negotiated
    from test_foresees import scenario as foreseeing
    from test_response_by import answered

    return {
        "negotiated down two drafts": negotiated({"g_full": "veto", "g_mid": "veto"}),
        "negotiated down one draft": negotiated({"g_full": "veto"}, chain="two"),
        "passed at once": negotiated({"g_full": "support"}),
        "options that exclude each other": excluding(),
        "a rule foreseen": foreseeing(),
        "a rule foreseen that fires": foreseeing(when="true"),
        "a delay read from a parameter": delayed("lag"),
        "a delay with a range": delayed({"value": 2, "assumption": [1, 4]}),
        "responses read by a rule": answered(),
    }


@pytest.mark.parametrize("name", list(feature_scenarios()), ids=str)
def test_each_feature_of_the_format_plays_as_the_reference(name):
    scenario = feature_scenarios()[name]
    assert lockstep.supported(scenario) is None
    assert differences(scenario, list(range(60)), sampled=False) == []
    assert differences(scenario, list(range(60)), sampled=True) == []


def test_three_senders_are_heard_in_the_order_of_the_actors_whoever_signals_first():
    # V, A and G all signal P in one phase, V first; response(P) multiplies three factors,
    # whose product depends on their order in the last bit (these strengths are ones where
    # it does: V, A, G would give 0.6855040000000001)
    data = tiny_data()
    signal = {"label": "Signal", "category": "posturing", "targets": ["P"], "motive": "1"}
    data["actions"] |= {
        f"{a.lower()}_signal": {**signal, "actor": a, "signals": s}
        for a, s in (("V", 0.04), ("A", 0.16), ("G", 0.61))
    }
    data["state"]["variables"]["heard"] = {"initial": 0.0}
    data["rules"]["read"] = {"when": "true", "effects": [{"target": "heard", "set": "response(P)"}]}
    data["phases"] = [{"name": "all", "actors": ["V", "A", "G", "P"]}]
    data["doctrines"] |= {
        f"{a.lower()}_says": {"actor": a, "plan": [{"choose": [f"{a.lower()}_signal"]}]}
        for a in "VAG"
    }
    for a in "VAG":
        data["actors"][a]["controller"] = f"script:{a.lower()}_says"
    scenario = load_scenario_text(yaml.safe_dump(data), file="tiny.yaml")
    model = WargameModel(scenario, seed=1, record=False)
    model.step()
    miss = 1.0
    for strength in (0.61, 0.16, 0.04):  # G, A, V: the order the scenario lists them
        miss *= 1.0 - strength
    assert model.state.vars["heard"] == 1.0 - miss
    assert differences(scenario, list(range(20)), sampled=False) == []
