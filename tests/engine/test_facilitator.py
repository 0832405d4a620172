"""Facilitator controls on the tiny scenario, each a named case with a known answer.

P (under the doctrine p_always) tests every turn: one die, key t{turn}:P:p_test#1, success
0.7. G answers in phase 'answer' with A and V; V votes on G's resolution.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import records_json, scripted, tiny_data

from wargame.engine.model import WargameModel
from wargame.engine.narrative import turn_lines
from wargame.errors import WargameError
from wargame.scenario import load_scenario_text

GUAM = {
    "guam": {
        "description": "Pyongyang threatens Guam",
        "probability": 0.5,
        "effects": [{"target": "tension", "add": 0.1}],
    }
}


def scenario(**sections):
    data = tiny_data(actors=scripted(P="p_always"), injects=GUAM, **sections)
    return load_scenario_text(yaml.safe_dump(data), file="tiny.yaml")


def to_phase(model: WargameModel, name: str) -> None:
    """Play up to the start of phase `name` (beginning the turn if needed)."""
    if model.stage == "between_turns":
        model.begin_turn()
    while model.phase is not None and model.phase[0] != name:
        model.decide_phase()
        model.apply_phase()


def die(model: WargameModel, turn: int) -> dict:
    """The record of P's test in `turn`."""
    return records_json(model)[turn - 1]["phases"][0]["adjudication"][0]


def other_rolls(model: WargameModel, skip: str) -> dict[str, float]:
    """Every die's roll by key, but `skip`."""
    return {
        move["key"]: move["roll"]
        for record in records_json(model)
        for phase in record["phases"]
        for move in phase["adjudication"]
        if move["roll"] is not None and move["key"] != skip
    }


def test_a_forced_die_changes_exactly_that_item():
    plain = WargameModel(scenario(), seed=5).run()
    rolled = die(plain, 1)["result"]
    other = "failure" if rolled == "success" else "success"
    forced = WargameModel(scenario(), seed=5)
    to_phase(forced, "provoke")
    forced.decide_phase()
    forced.plan_phase()
    forced.force("t1:P:p_test#1", other, "the room wants to see a failure")
    (item,) = forced.plan_phase()
    assert (item.result, item.rolled_result, item.forced) == (
        other,
        rolled,
        "the room wants to see a failure",
    )
    forced.run()
    record = die(forced, 1)
    assert record["roll"] == die(plain, 1)["roll"]  # the die was rolled; the result replaced
    assert (record["result"], record["rolled_result"]) == (other, rolled)
    # every other die of the game rolled the same (keyed draws): only this item was changed
    assert other_rolls(forced, "t1:P:p_test#1") == other_rolls(plain, "t1:P:p_test#1")
    (act,) = forced.records[0].interventions
    assert (act.kind, act.target, act.reason) == (
        "force",
        "t1:P:p_test#1",
        "the room wants to see a failure",
    )
    text = "\n".join(turn_lines(forced.program, forced.records[0]))
    assert f"FORCED by the facilitator (the die gave {rolled})" in text


def test_a_reroll_draws_that_item_again_and_nothing_else():
    plain = WargameModel(scenario(), seed=5).run()
    again = WargameModel(scenario(), seed=5)
    again.reroll("t2:P:p_test#1", "the die fell off the table")  # a later turn's item
    again.run()
    assert die(again, 2)["roll"] != die(plain, 2)["roll"]
    assert die(again, 2)["rerolled"] == "the die fell off the table"
    assert other_rolls(again, "t2:P:p_test#1") == other_rolls(plain, "t2:P:p_test#1")
    assert "RE-ROLLED by the facilitator" in "\n".join(turn_lines(again.program, again.records[1]))


def test_a_forced_vote_decides_the_proposal():
    model = WargameModel(scenario(), seed=1, controllers={"G": "human"})
    to_phase(model, "answer")
    model.decide_phase({"G": ["g_resolution"]})
    key = "t1:G:g_resolution#1:vote:V"
    model.force(key, "v_veto", "Moscow says no")
    vetoed = next(i for i in model.plan_phase() if i.action == "g_resolution")
    assert (vetoed.votes, vetoed.passed, vetoed.forced_votes) == (
        {"V": "v_veto"},
        False,
        {"V": "Moscow says no"},
    )
    model.force(key, "v_support", "on second thought")
    passed = next(i for i in model.plan_phase() if i.action == "g_resolution")
    assert passed.passed is True
    before = model.state.vars["sanctions"]
    model.apply_phase()
    assert model.state.vars["sanctions"] == pytest.approx(before + 0.2)


@pytest.mark.parametrize(("result", "fires"), [("fired", True), ("not fired", False)])
def test_a_forced_inject_of_a_later_turn_fires_or_not(result, fires):
    model = WargameModel(scenario(), seed=2)
    model.force("t3:inject:guam", result, "scripted for the seminar")
    model.run()
    fired = [i["id"] for i in records_json(model)[2]["injects"] if i["fired"]]
    assert ("guam" in fired) is fires
    (record,) = [i for i in records_json(model)[2]["injects"] if i["id"] == "guam"]
    assert record["forced"] == "scripted for the seminar"


def test_a_replaced_move_is_played_and_marked():
    model = WargameModel(scenario(), seed=4)
    to_phase(model, "answer")
    (g_decision,) = [d for d in model.decide_phase() if d.actor == "G"]
    before = [a.id for a in g_decision.chosen]
    assert before != ["g_strong"]  # the case needs an agent's move that is really replaced
    model.replace_moves("G", ["g_strong"], "the Pentagon overrides the model")
    model.apply_phase()
    model.end_turn()
    (decision,) = [d for d in model.records[0].phases[1].decisions if d.actor == "G"]
    assert decision.chosen == ["g_strong"]
    assert decision.replaced == before
    assert decision.replaced_reason == "the Pentagon overrides the model"
    assert model.state.counts["g_strong"] == 1
    assert "REPLACED by the facilitator" in decision.narrative
    assert [a.kind for a in model.records[0].interventions] == ["replace_moves"]


def test_an_ad_hoc_inject_lands_and_is_marked():
    model = WargameModel(scenario(), seed=4)
    to_phase(model, "answer")
    tension = model.state.vars["tension"]
    trust = model.state.get(("r", "A", "G", "trust"))
    event = model.add_inject(
        "Pyongyang threatens to bracket Guam",
        [("tension", "add", 0.15), ("A->G.trust", "set", 0.25)],
        "the scenario did not foresee it",
        signal=("P", "G", 0.6),
    )
    assert model.state.vars["tension"] == pytest.approx(tension + 0.15)
    assert model.state.get(("r", "A", "G", "trust")) == 0.25 != trust
    assert model.state.signals["G"]["P"] == pytest.approx(0.6)
    assert (event.ad_hoc, event.phase, event.reason) == (
        True,
        "answer",
        "the scenario did not foresee it",
    )
    model.step()
    record = model.records[0]
    assert any(i.ad_hoc and i.description.startswith("Pyongyang") for i in record.injects)
    text = "\n".join(turn_lines(model.program, record))
    assert "Event added by the facilitator: Pyongyang threatens to bracket Guam" in text


def test_an_ad_hoc_inject_is_checked_against_names_and_bounds():
    model = WargameModel(scenario(), seed=4)
    model.begin_turn()
    tension = model.state.vars["tension"]
    with pytest.raises(WargameError, match="Did you mean 'tension'"):
        model.add_inject("x", [("tensoin", "add", 0.1)], "why")
    with pytest.raises(WargameError, match=r"lies within \[0.0, 1.0\]"):
        model.add_inject("x", [("tension", "set", 1.5)], "why")
    assert model.state.vars["tension"] == tension and model.interventions == []


def test_a_scenario_inject_fired_by_hand_lands_and_counts():
    model = WargameModel(scenario(), seed=4)
    model.begin_turn()
    tension = model.state.vars["tension"]
    model.fire_inject("guam", "the room asked for it")
    assert model.state.vars["tension"] == pytest.approx(tension + 0.1)
    assert model.inject_counts["guam"] >= 1


def test_a_hand_over_takes_effect_at_the_next_decision():
    model = WargameModel(scenario(), seed=3)
    to_phase(model, "answer")
    model.decide_phase()
    model.hand_over("G", "human", "the US team arrived late")
    assert model.awaiting_moves() == []  # this phase was decided by the agent
    model.apply_phase()
    model.end_turn()
    assert model.records[0].controllers["G"] == "agent"
    model.begin_turn()
    model.decide_phase()  # provoke: P's doctrine
    model.apply_phase()
    assert model.awaiting_moves() == ["G"]
    model.decide_phase({"G": ["g_weak"]})
    model.apply_phase()
    model.end_turn()
    (decision,) = [d for d in model.records[1].phases[1].decisions if d.actor == "G"]
    assert (decision.controller, decision.chosen) == ("human", ["g_weak"])
    assert model.records[1].controllers["G"] == "human"
    # and to a doctrine of its own, never another actor's
    with pytest.raises(WargameError, match="script:g_none"):
        model.hand_over("G", "script:p_always", "no")
    model.hand_over("G", "script:g_none", "the team left")
    model.step()
    (decision,) = [d for d in model.records[2].phases[1].decisions if d.actor == "G"]
    assert (decision.controller, decision.chosen) == ("script:g_none", [])


def test_human_moves_are_entered_after_earlier_phases_are_applied():
    model = WargameModel(scenario(), seed=8, controllers={"G": "human"})
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    # G sees what P did in this very turn before answering
    assert model.state.turn_counts["p_test"] == 1
    answer = ["g_strong"] if model.state.turn_counts.get("p_test.success") else ["g_weak"]
    model.decide_phase({"G": answer})
    model.apply_phase()
    model.end_turn()
    assert model.state.counts[answer[0]] == 1


@pytest.mark.parametrize(
    ("moves", "message"),
    [
        ({"G": ["g_nuke"]}, "G has no option 'g_nuke' on its menu.*Its options: .*g_weak"),
        ({"G": ["g_weak", "g_weak"]}, "cannot take 'g_weak' now: at most 1 per turn"),
        ({"A": ["a_wait"]}, "'A' is not a human team of phase 'answer': moves go to G"),
        ({}, "no moves entered for G"),
    ],
)
def test_a_refused_move_names_the_team_the_option_and_the_choices(moves, message):
    model = WargameModel(scenario(), seed=8, controllers={"G": "human"})
    to_phase(model, "answer")
    before = model.snapshot()
    with pytest.raises(WargameError, match=message):
        model.decide_phase(moves)
    assert model.snapshot() == before and model.stage == "deciding"


def test_a_force_on_nothing_or_to_an_impossible_result_is_refused():
    model = WargameModel(scenario(), seed=8)
    model.begin_turn()
    with pytest.raises(WargameError, match="no inject 'pyongyang_threatens_guam'"):
        model.force("t2:inject:pyongyang_threatens_guam", "fired", "why")
    with pytest.raises(WargameError, match="Its results: success, failure"):
        model.force("t2:P:p_test#1", "exploded", "why")
    with pytest.raises(WargameError, match="injects are already resolved"):
        model.force("t1:inject:guam", "fired", "why")
    with pytest.raises(WargameError, match="needs a reason"):
        model.force("t2:P:p_test#1", "failure", " ")
    model.decide_phase()
    model.apply_phase()
    with pytest.raises(WargameError, match="has been applied; undo to change it"):
        model.force("t1:P:p_test#1", "failure", "too late")
    assert model.overrides == {} and model.interventions == []
