"""How actors choose: the logit rule, sequential picks, doctrines and human control."""

from __future__ import annotations

import pytest
from conftest import records_json, scripted
from hypothesis import given, settings
from hypothesis import strategies as st

from wargame.engine.model import WargameModel
from wargame.engine.policies import LogitPolicy, Scored, logit, pick, pick_pass_or_option
from wargame.errors import WargameError


@settings(max_examples=300, deadline=None)
@given(
    utilities=st.lists(st.floats(-3, 3), min_size=1, max_size=12),
    keep=st.lists(st.booleans(), min_size=12, max_size=12),
    rationality=st.floats(0, 50),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_reusing_single_pick_odds_equals_a_fresh_logit_over_what_is_left(
    utilities, keep, rationality, draw
):
    probabilities = logit([0.0, *utilities], rationality)
    pairs = zip(utilities, probabilities[1:], strict=True)
    everything = [Scored(None, u, None, p) for u, p in pairs]  # type: ignore[arg-type]
    left = [s for s, k in zip(everything, keep[: len(everything)], strict=True) if k]
    fresh = logit([0.0] + [s.utility for s in left], rationality)
    reused = pick_pass_or_option(left, probabilities[0], rationality, draw)
    exact = pick(fresh, draw) - 1
    if reused != exact:  # only a draw within rounding of a boundary may differ
        edges = [sum(fresh[: i + 1]) for i in range(len(fresh))]
        assert min(abs(draw - e) for e in edges) < 1e-9


def test_the_pick_recomputes_when_the_remaining_odds_underflow():
    probabilities = logit([0.0, 1000.0, -5.0], 10.0)
    assert probabilities[2] == 0.0
    left = [Scored(None, -5.0, None, probabilities[2])]  # type: ignore[arg-type]
    assert pick_pass_or_option(left, probabilities[0], 10.0, 0.999) == -1
    assert pick_pass_or_option(left, probabilities[0], 0.0, 0.999) == 0


def test_an_agent_takes_several_options_within_its_budget(tiny):
    scenario = tiny(
        actors=scripted(P="p_always") | {"G": {"rationality": 50, "budget": {"count": 3}}},
        actions={"g_weak": {"motive": 1}, "g_strong": {"motive": 1}, "g_delayed": {"motive": 1}},
    )
    model = WargameModel(scenario, seed=0, turns=1).run()
    chosen = records_json(model)[0]["phases"][1]["decisions"][0]["chosen"]
    assert sorted(chosen) == ["g_delayed", "g_strong", "g_weak"]


def test_budget_points_limit_what_fits(tiny):
    scenario = tiny(
        actors=scripted(P="p_always")
        | {"G": {"rationality": 50, "budget": {"count": 3, "points": 1.5}}},
        actions={"g_weak": {"motive": 1}, "g_strong": {"motive": 1, "budget_cost": 1}},
    )
    model = WargameModel(scenario, seed=0, turns=1).run()
    assert len(records_json(model)[0]["phases"][1]["decisions"][0]["chosen"]) == 1


def test_each_utility_is_the_sum_of_its_explained_terms(tiny):
    model = WargameModel(tiny(), seed=0)
    actor = model.program.actors["P"]
    for option in LogitPolicy().score(actor, model, [], explain=True):
        assert option.terms is not None
        assert sum(option.terms.values()) == pytest.approx(option.utility)


def test_a_doctrine_skips_what_is_illegal_and_says_why(tiny):
    scenario = tiny(
        doctrines={"g_twice": {"actor": "G", "plan": [{"choose": ["g_weak", "g_weak"]}]}},
        actors=scripted(P="p_always", G="g_twice"),
    )
    record = records_json(WargameModel(scenario, seed=0, turns=1).run())[0]
    decision = record["phases"][1]["decisions"][0]
    assert decision["chosen"] == ["g_weak"]
    assert "g_weak: at most 1 per turn" in decision["narrative"]


def test_a_human_enters_moves_through_the_same_interface(tiny):
    scenario = tiny(actors=scripted(P="p_always") | {"G": {"controller": "human"}})
    model = WargameModel(scenario, seed=0)
    model.human_moves["G"] = ["g_strong"]
    model.step()
    assert records_json(model)[0]["phases"][1]["decisions"][0]["chosen"] == ["g_strong"]
    with pytest.raises(WargameError, match="no moves entered for G"):
        model.step()  # entered moves last one turn


@pytest.mark.parametrize(
    ("moves", "message"),
    [(["g_nuke"], "has no option 'g_nuke'"), (["g_weak", "g_weak"], "at most 1 per turn")],
)
def test_a_human_move_that_cannot_be_taken_is_refused_by_name(tiny, moves, message):
    scenario = tiny(actors=scripted(P="p_always") | {"G": {"controller": "human"}})
    model = WargameModel(scenario, seed=0)
    model.human_moves["G"] = moves
    with pytest.raises(WargameError, match=message):
        model.step()
