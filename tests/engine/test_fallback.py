"""Security Council drafts negotiated before the vote (`consent.fallback`): a proposal a voter
would veto is withdrawn for a weaker draft of the same actor, in the same move. Each a named
case on the tiny scenario with a known answer.

G (doctrine g_full) tables g_full every turn in phase 'answer'; its fallback is g_mid, whose
fallback is g_resolution (the tiny scenario's own, +0.2 sanctions). V (doctrine v_doc) votes
as its `ballots` say, with probability 1.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from conftest import records_json, scripted, tiny_data

from wargame.engine.model import WargameModel
from wargame.engine.narrative import turn_lines
from wargame.errors import InputError, WargameError
from wargame.scenario import load_scenario_text


def draft(label: str, add: float, fallback: str | None, **more: Any) -> dict[str, Any]:
    consent: dict[str, Any] = {"voters": ["V"]}
    if fallback is not None:
        consent["fallback"] = fallback
    return {
        "actor": "G",
        "label": label,
        "category": "non_violent_escalation",
        "consent": consent,
        "effects": [{"target": "sanctions", "add": add}],
        **more,
    }


def ballot(on: str, vote: str) -> dict[str, Any]:
    return {
        "actor": "V",
        "label": vote.title(),
        "category": "status_quo",
        "ballot": {"on": on, "vote": vote},
    }


def data(ballots: dict[str, str], chain: str = "three", **more: Any) -> dict[str, Any]:
    """The tiny scenario with G's drafts (g_full -> g_mid -> g_resolution, or g_full ->
    g_resolution when chain='two') and V voting `ballots` (proposal -> veto|support)."""
    second = "g_mid" if chain == "three" else "g_resolution"
    actions = {
        "g_full": draft("Full sanctions", 0.5, second),
        "g_mid": draft("Oil cap", 0.3, "g_resolution"),
        "g_resolution": {
            "consent": {"voters": ["V"], "on_veto": [{"target": "tension", "add": 0.3}]}
        },
    }
    for on in ("g_full", "g_mid"):
        actions[f"v_veto_{on}"] = ballot(on, "veto")
        actions[f"v_support_{on}"] = ballot(on, "support")
    doctrines = {
        "g_full": {"actor": "G", "plan": [{"choose": ["g_full"]}]},
        "v_doc": {
            "actor": "V",
            "plan": [{"choose": []}],
            "ballots": {
                on: f"v_{vote}_{on}" if on != "g_resolution" else f"v_{vote}"
                for on, vote in ballots.items()
            },
        },
    }
    built = tiny_data(
        actors=scripted(P="p_always", G="g_full", V="v_doc"), actions=actions, doctrines=doctrines
    )
    if chain != "three":
        del (
            built["actions"]["g_mid"],
            built["actions"]["v_veto_g_mid"],
            built["actions"]["v_support_g_mid"],
        )
    for key, value in more.items():
        built[key] = value
    return built


def scenario(ballots: dict[str, str], chain: str = "three"):
    return load_scenario_text(yaml.safe_dump(data(ballots, chain)), file="tiny.yaml")


def the_move(model: WargameModel, turn: int = 1) -> dict[str, Any]:
    """G's proposal in phase 'answer' (A, an agent, may have moved there too)."""
    (move,) = [
        m
        for m in records_json(model)[turn - 1]["phases"][1]["adjudication"]
        if m["action"] == "g_full"
    ]
    return move


def test_a_vetoed_full_draft_is_negotiated_down_and_the_weaker_one_passes():
    model = WargameModel(scenario({"g_full": "veto", "g_resolution": "support"}, "two"), seed=1)
    model.run()
    move = the_move(model)
    assert (move["action"], move["draft"], move["passed"], move["votes"]) == (
        "g_full",
        "g_resolution",
        True,
        {"V": "v_support"},
    )
    assert move["withdrawn"] == [
        {"action": "g_full", "votes": {"V": "v_veto_g_full"}, "forced_votes": {}}
    ]
    # the weaker draft's effect (+0.2 a turn), not the full draft's (+0.5)
    assert model.state.vars["sanctions"] == pytest.approx(0.8)
    # both the proposal and the draft voted on count as taken; the withdrawn ballots do not
    counts = model.state.counts
    assert (counts["g_full"], counts["g_resolution"], counts["v_support"]) == (4, 4, 4)
    assert "v_veto_g_full" not in counts
    text = "\n".join(turn_lines(model.program, model.records[0]))
    assert (
        "The Guarantor draft Full sanctions was negotiated down to Resolution after "
        "Veto player's veto threat." in text
    )
    assert "Vote on Resolution: Veto player Support: passed." in text


def test_a_proposal_that_passes_is_not_negotiated():
    model = WargameModel(scenario({"g_full": "support"}), seed=1).run()
    move = the_move(model)
    assert (move["draft"], move["withdrawn"], move["passed"]) == (None, [], True)
    assert model.state.vars["sanctions"] == pytest.approx(1.0)  # 4 turns of +0.5, capped at 1


def test_a_chain_of_three_drafts_goes_down_to_the_first_that_passes():
    model = WargameModel(
        scenario({"g_full": "veto", "g_mid": "veto", "g_resolution": "support"}), seed=1
    ).run()
    move = the_move(model)
    assert (move["draft"], [w["action"] for w in move["withdrawn"]]) == (
        "g_resolution",
        ["g_full", "g_mid"],
    )
    assert model.state.counts.get("g_mid") is None  # withdrawn in between: not taken
    text = "\n".join(turn_lines(model.program, model.records[0]))
    assert (
        "negotiated down to Resolution after Veto player's veto threat, then Veto player's "
        "veto threat on Oil cap." in text
    )


def test_when_every_draft_is_vetoed_the_last_ones_on_veto_applies():
    model = WargameModel(
        scenario({"g_full": "veto", "g_mid": "veto", "g_resolution": "veto"}), seed=1
    )
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    tension = model.state.vars["tension"]
    model.decide_phase()
    (item,) = [i for i in model.plan_phase() if i.action == "g_full"]
    assert (item.draft, item.passed, [w.action for w in item.withdrawn]) == (
        "g_resolution",
        False,
        ["g_full", "g_mid"],
    )
    assert [(e.cause, e.value) for e in item.effects] == [("g_resolution (vetoed)", 0.3)]
    model.apply_phase()
    assert model.state.vars["tension"] == pytest.approx(tension + 0.3)
    assert model.state.vars["sanctions"] == 0.0


def test_a_facilitator_can_force_a_veto_on_the_fallback():
    model = WargameModel(scenario({"g_full": "veto", "g_resolution": "support"}, "two"), seed=1)
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    model.decide_phase()
    model.plan_phase()
    key = "t1:G:g_full#1:g_resolution:vote:V"
    model.force(key, "v_veto", "Moscow will not have it either")
    (item,) = [i for i in model.planned() if i.action == "g_full"]
    assert (item.draft, item.passed, item.forced_votes) == (
        "g_resolution",
        False,
        {"V": "Moscow will not have it either"},
    )
    # and the vote on the full draft can be forced the other way: then no fallback is tabled
    model.force("t1:G:g_full#1:vote:V", "v_support_g_full", "a deal in the corridor")
    (item,) = [i for i in model.planned() if i.action == "g_full"]
    assert (item.draft, item.passed, item.withdrawn) == (None, True, [])


def test_a_vote_on_a_fallback_has_its_own_key_and_a_wrong_one_is_refused():
    model = WargameModel(scenario({"g_full": "veto", "g_resolution": "support"}, "two"), seed=1)
    with pytest.raises(WargameError, match="not a fallback draft of g_full"):
        model.force("t1:G:g_full#1:g_weak:vote:V", "v_veto", "no such draft")
    with pytest.raises(WargameError, match="Its results: v_support, v_veto"):
        model.force("t1:G:g_full#1:g_resolution:vote:V", "v_veto_g_full", "a ballot on the other")
    model.reroll("t2:G:g_full#1:g_resolution:vote:V", "a fresh draw")  # a later turn: accepted
    assert len(model.interventions) == 1


def test_a_saved_game_with_a_forced_fallback_vote_plays_on_the_same():
    ballots = {"g_full": "veto", "g_resolution": "support"}
    key = "t1:G:g_full#1:g_resolution:vote:V"
    straight = WargameModel(scenario(ballots, "two"), seed=2)
    straight.force(key, "v_veto", "forced before the turn")
    straight.run()
    model = WargameModel(scenario(ballots, "two"), seed=2)
    model.force(key, "v_veto", "forced before the turn")
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    saved = model.snapshot()  # at the start of phase 'answer', the draft's vote to come
    restored = WargameModel.restore(model.game_scenario, saved)
    restored.decide_phase()
    (item,) = [i for i in restored.plan_phase() if i.action == "g_full"]
    assert (item.draft, item.passed) == ("g_resolution", False)
    restored.apply_phase()
    again = WargameModel.restore(model.game_scenario, restored.snapshot())  # after it
    moves = again.snapshot()["turn_progress"]["moves"]
    assert ["g_full", 1, False, "g_resolution"] in moves
    again.run()
    assert records_json(again) == records_json(straight)


# -- errors -------------------------------------------------------------------------------
def refused(edit: dict[str, Any], chain: str = "three") -> Any:
    built = data({"g_full": "veto"}, chain)
    for action, consent in edit.items():
        built["actions"][action]["consent"] = consent
    with pytest.raises(InputError) as caught:
        load_scenario_text(yaml.safe_dump(built), file="tiny.yaml")
    (problem,) = caught.value.problems
    assert problem.line is not None and problem.column is not None
    return problem


@pytest.mark.parametrize(
    ("consent", "message", "hint"),
    [
        (
            {"voters": ["V"], "fallback": "g_resolutoin"},
            "unknown action 'g_resolutoin'",
            "Did you mean",
        ),
        ({"voters": ["V"], "fallback": "p_test"}, "fallback 'p_test' belongs to P, not G", ""),
        ({"voters": ["V"], "fallback": "g_strong"}, "'g_strong' is not put to a vote", "consent:"),
        ({"voters": ["V"], "fallback": "g_full"}, "fallbacks form a cycle: g_full -> g_full", ""),
    ],
)
def test_a_wrong_fallback_is_refused_where_it_is(consent, message, hint):
    problem = refused({"g_full": consent})
    assert problem.where == "actions.g_full.consent.fallback"
    assert message in problem.message and hint in problem.hint


def test_a_fallback_with_other_voters_is_refused():
    built = data({"g_full": "veto"}, "two")
    built["actions"]["g_resolution"]["consent"]["voters"] = ["V", "A"]
    built["actions"]["a_ok"] = ballot("g_resolution", "support") | {"actor": "A"}
    with pytest.raises(InputError) as caught:
        load_scenario_text(yaml.safe_dump(built), file="tiny.yaml")
    (problem,) = caught.value.problems
    assert "not by the same voters as 'g_full'" in problem.message


def test_a_cycle_of_fallbacks_is_told_once():
    problem = refused({"g_resolution": {"voters": ["V"], "fallback": "g_full"}})
    assert problem.where == "actions.g_full.consent.fallback"
    assert "g_full -> g_mid -> g_resolution -> g_full" in problem.message


def test_a_human_voter_enters_a_ballot_for_each_draft_that_may_be_tabled():
    built = data({"g_full": "veto"}, "two")
    built["actors"]["V"]["controller"] = "human"
    model = WargameModel(load_scenario_text(yaml.safe_dump(built), file="tiny.yaml"), seed=1)
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    model.decide_phase({"V": []})
    assert model.awaiting_votes() == {"V": ["g_full", "g_resolution"]}
    with pytest.raises(WargameError, match="V must vote on g_resolution"):
        model.plan_phase({"V": {"g_full": "v_veto_g_full"}})
    (item,) = [
        i
        for i in model.plan_phase({"V": {"g_full": "v_veto_g_full", "g_resolution": "v_veto"}})
        if i.action == "g_full"
    ]
    assert (item.draft, item.passed, item.votes) == ("g_resolution", False, {"V": "v_veto"})
