"""Scheduled moves (`actors.X.schedule`): the scenario makes an actor's moves on given turns,
as the actor's own moves, before its controller decides. Each a named case on the tiny
scenario with a known answer.

In the tiny scenario P (doctrine p_always) tests every turn in phase 'provoke'; G, A and V
move in phase 'answer'; G's g_resolution needs V's consent.
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


def scenario(
    schedule: list[dict[str, Any]],
    variant: str | None = None,
    actors: dict[str, Any] | None = None,
    **sections: Any,
):
    """The tiny scenario with P under p_always and G under g_none (unless `actors` says
    otherwise), G scheduled as given."""
    data = tiny_data(actors=scripted(P="p_always", G="g_none"), **sections)
    for actor, fields in (actors or {}).items():
        data["actors"][actor].update(fields)
    data["actors"]["G"]["schedule"] = schedule
    return load_scenario_text(yaml.safe_dump(data), file="tiny.yaml", variant=variant)


def answer(model: WargameModel, turn: int, actor: str = "G") -> dict[str, Any]:
    """The decision record of `actor` in phase 'answer' of `turn`."""
    phase = records_json(model)[turn - 1]["phases"][1]
    return next(d for d in phase["decisions"] if d["actor"] == actor)


def text(model: WargameModel, turn: int) -> str:
    return "\n".join(turn_lines(model.program, model.records[turn - 1]))


def test_a_scheduled_move_is_the_actors_own_move_with_its_effects_and_signals():
    model = WargameModel(
        scenario([{"turns": [1], "choose": ["g_strong"], "reason": "the actual policy"}]), seed=3
    ).run()
    first = answer(model, 1)
    assert (first["chosen"], first["scheduled"], first["schedule_reason"]) == (
        ["g_strong"],
        ["g_strong"],
        "the actual policy",
    )
    assert model.state.counts["g_strong"] == 1  # counted as taken, once: turn 1 only
    assert answer(model, 2)["chosen"] == []  # g_none's own plan: nothing
    # its signal (0.9) answered P's provocation: the spiral rule fired on turn 1, not turn 2
    assert model.records[0].rules_fired == ["spiral"]
    assert model.records[1].rules_fired == ["new_normal"]
    assert "Guarantor (doctrine g_none), scheduled by the scenario: Show of force (the actual " in (
        text(model, 1)
    )


def test_a_game_without_a_schedule_is_unchanged_by_an_empty_one():
    plain = WargameModel(scenario([]), seed=4).run()
    sched = [{"turns": [3], "choose": ["g_strong"], "when": "turn > 3"}]
    again = WargameModel(scenario(sched), seed=4).run()
    assert records_json(again) == records_json(plain)  # `when` never held: nothing scheduled


def test_a_scheduled_move_uses_up_the_budget_and_the_controller_chooses_the_rest():
    # G is an agent with 2 options a turn; the schedule takes one, so the agent picks at most one
    sched = [{"turns": [1, 2, 3, 4], "choose": ["g_delayed"]}]
    data = {"G": {"controller": "agent", "budget": {"count": 2}, "rationality": 0}}
    model = WargameModel(scenario(sched, actors=data), seed=2).run()
    for turn in range(1, 5):
        decision = answer(model, turn)
        assert decision["chosen"][0] == "g_delayed"
        assert len(decision["chosen"]) <= 2
        assert decision["chosen"].count("g_delayed") == 1  # max_per_turn 1 counts the scheduled
    assert any(len(answer(model, t)["chosen"]) == 2 for t in range(1, 5))


def test_a_scheduled_move_over_the_budget_is_skipped_and_the_record_says_why():
    sched = [{"turns": [1], "choose": ["g_strong", "g_weak"]}]
    model = WargameModel(scenario(sched), seed=1).run()
    first = answer(model, 1)
    assert first["chosen"] == ["g_strong"]
    assert first["schedule_skipped"] == ["g_weak: over the budget of 1 option(s) a turn"]
    assert "Scheduled for Guarantor (doctrine g_none) but not made: g_weak: over the budget" in (
        text(model, 1)
    )


def test_an_unavailable_scheduled_move_is_skipped_with_the_reason():
    sched = [{"turns": [1, 2], "choose": ["g_strong"]}]
    model = WargameModel(scenario(sched, actions={"g_strong": {"cooldown": 1}}), seed=1).run()
    assert answer(model, 1)["chosen"] == ["g_strong"]
    second = answer(model, 2)
    assert second["chosen"] == []
    assert second["schedule_skipped"] == ["g_strong: cooling down until turn 3"]


def test_a_schedule_entry_whose_when_fails_is_not_made():
    sched = [{"turns": [1, 2], "choose": ["g_strong"], "when": "count(g_strong) == 0"}]
    model = WargameModel(scenario(sched), seed=1).run()
    assert answer(model, 1)["chosen"] == ["g_strong"]
    assert (answer(model, 2)["chosen"], answer(model, 2)["schedule_skipped"]) == ([], [])


def test_a_scheduled_proposal_is_put_to_its_voters():
    sched = [{"turns": [1], "choose": ["g_resolution"]}]
    doctrine = {
        "v_no": {"actor": "V", "plan": [{"choose": []}], "ballots": {"g_resolution": "v_veto"}}
    }
    model = WargameModel(
        scenario(sched, actors=scripted(V="v_no"), doctrines=doctrine), seed=1
    ).run()
    # G's scheduled proposal (A, an agent in the same phase, may have moved as well)
    (move,) = [
        m
        for m in records_json(model)[0]["phases"][1]["adjudication"]
        if m["action"] == "g_resolution"
    ]
    assert (move["votes"], move["passed"]) == ({"V": "v_veto"}, False)
    assert model.state.counts["g_resolution"] == 1
    assert model.state.vars["sanctions"] == 0.0


def test_a_human_team_sees_its_scheduled_moves_made_and_enters_the_rest_within_the_budget():
    sched = [{"turns": [1], "choose": ["g_strong"], "reason": "opening move"}]
    model = WargameModel(scenario(sched, actors={"G": {"controller": "human"}}), seed=1)
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    assert [a.id for a in model.scheduled("G").taken] == ["g_strong"]
    with pytest.raises(WargameError, match="1 of them scheduled by the scenario"):
        model.decide_phase({"G": ["g_weak"]})
    assert model.stage == "deciding"  # refused: nothing changed
    model.decide_phase({"G": []})
    model.apply_phase()
    model.end_turn()
    decision = answer(model, 1)
    assert (decision["chosen"], decision["scheduled"]) == (["g_strong"], ["g_strong"])


def test_a_facilitator_may_replace_scheduled_moves_and_it_is_logged():
    model = WargameModel(scenario([{"turns": [1], "choose": ["g_strong"]}]), seed=1)
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    model.decide_phase()
    model.replace_moves("G", ["g_weak"], "the room plays it softer")
    model.apply_phase()
    model.end_turn()
    decision = answer(model, 1)
    assert (decision["chosen"], decision["scheduled"], decision["replaced"]) == (
        ["g_weak"],
        [],
        ["g_strong"],
    )
    assert decision["schedule_skipped"] == ["g_strong: replaced by the facilitator"]
    (act,) = model.records[0].interventions
    assert (act.kind, act.target) == ("replace_moves", "G")


@pytest.mark.parametrize("phase", ["provoke", "answer"])
def test_a_saved_game_with_scheduled_moves_plays_on_the_same(phase: str):
    sched = [{"turns": [1, 2], "choose": ["g_strong"], "reason": "hindcast"}]
    plain = WargameModel(scenario(sched), seed=6).run()
    model = WargameModel(scenario(sched), seed=6)
    model.begin_turn()
    if phase == "answer":
        model.decide_phase()
        model.apply_phase()
    saved = model.snapshot()
    assert saved["format"] == "wargame-state/2"
    restored = WargameModel.restore(model.game_scenario, saved).run()
    assert records_json(restored) == records_json(plain)
    assert answer(restored, 1)["scheduled"] == ["g_strong"]


def test_a_variant_replaces_an_actors_schedule():
    variants = {"hindcast": {"schedule": {"G": [{"turns": [2], "choose": ["g_weak"]}]}}}
    plain = scenario([{"turns": [1], "choose": ["g_strong"]}], variants=variants)
    played = scenario([{"turns": [1], "choose": ["g_strong"]}], "hindcast", variants=variants)
    assert [e.choose for e in plain.spec.actors["G"].schedule] == [["g_strong"]]
    model = WargameModel(played, seed=1).run()
    assert (answer(model, 1)["chosen"], answer(model, 2)["chosen"]) == ([], ["g_weak"])


# -- errors -------------------------------------------------------------------------------
def problem(schedule: Any, where: str = "actors", **sections: Any):
    """The single problem of the tiny scenario with G's schedule (or a variant's) as given."""
    data = tiny_data(**sections)
    if where == "actors":
        data["actors"]["G"]["schedule"] = schedule
    else:
        data["variants"] = {"v": {"schedule": schedule}}
    with pytest.raises(InputError) as caught:
        load_scenario_text(yaml.safe_dump(data), file="tiny.yaml")
    (found,) = caught.value.problems
    assert found.file == "tiny.yaml" and found.line is not None and found.column is not None
    return found


@pytest.mark.parametrize(
    ("entry", "where", "message", "hint"),
    [
        (
            {"turns": [1], "choose": ["g_strnog"]},
            "actors.G.schedule[0].choose",
            "unknown action 'g_strnog'",
            "Did you mean 'g_strong'?",
        ),
        (
            {"turns": [1], "choose": ["p_test"]},
            "actors.G.schedule[0].choose",
            "'p_test' belongs to P, not G",
            "actors.P.schedule",
        ),
        (
            {"turns": [5], "choose": ["g_strong"]},
            "actors.G.schedule[0].turns",
            "turn 5 is outside the game (1..4)",
            "within scenario.turns",
        ),
        (
            {"turns": [0], "choose": ["g_strong"]},
            "actors.G.schedule[0].turns",
            "turn 0 is outside the game",
            "within scenario.turns",
        ),
        (
            {"turns": [1], "choose": []},
            "actors.G.schedule[0]",
            "chooses no action",
            "list G's action ids under choose:",
        ),
        (
            {"turns": [1], "choose": ["g_strong"], "when": "tensoin > 1"},
            "actors.G.schedule[0].when",
            "unknown name 'tensoin'",
            "",
        ),
    ],
)
def test_a_wrong_schedule_entry_is_refused_where_it_is(entry, where, message, hint):
    found = problem([entry])
    assert (found.where, message in found.message, hint in found.hint) == (where, True, True)


def test_a_scheduled_ballot_is_refused():
    data = tiny_data()
    data["actors"]["V"]["schedule"] = [{"turns": [1], "choose": ["v_veto"]}]
    with pytest.raises(InputError) as caught:
        load_scenario_text(yaml.safe_dump(data), file="tiny.yaml")
    (found,) = caught.value.problems
    assert found.where == "actors.V.schedule[0].choose"
    assert "'v_veto' is a ballot" in found.message
    assert "g_resolution" in found.hint


def test_a_variants_schedule_is_checked_like_the_rest_of_the_variant():
    found = problem({"G": [{"turns": [1], "choose": ["p_test"]}]}, where="variants")
    assert found.where == "variants.v.schedule.G[0].choose"
    assert "'p_test' belongs to P, not G" in found.message
    found = problem({"Q": [{"turns": [1], "choose": ["p_test"]}]}, where="variants")
    assert (found.where, found.message) == ("variants.v.schedule.Q", "unknown actor 'Q'")


def test_a_schedule_entry_without_turns_is_refused():
    found = problem([{"choose": ["g_strong"]}])
    assert found.where == "actors.G.schedule[0]"
    assert "turns" in found.message


def test_the_seminar_desk_shows_scheduled_moves_as_made_and_checks_the_rest_of_the_budget():
    from wargame.seminar import view
    from wargame.seminar.session import Session

    sched = [{"turns": [1], "choose": ["g_strong"], "reason": "opening move"}]
    budget = {"controller": "human", "budget": {"count": 2, "points": 3}}
    session = Session.start(scenario(sched, actors={"G": budget}), seed=1)
    session.advance()  # begin the turn
    session.advance()  # P's phase (a doctrine)
    while session.model.stage != "deciding" or not session.model.awaiting_moves():
        session.advance()
    assert view.scheduled_lines(session, "G") == [
        "Already made, scheduled by the scenario: Show of force (opening move)"
    ]
    assert view.budget(session, "G") == "up to 1 option and 2 budget points left after 1 scheduled"
    menu = {o.id: o for o in view.menu(session, "G")}
    assert menu["g_strong"].illegal == "at most 1 per turn"  # the scheduled use counts
    number = menu["g_weak"].number
    assert view.choose(session, "G", str(number)) == ["g_weak"]
    with pytest.raises(WargameError, match="over the budget"):
        view.choose(session, "G", f"{number} {menu['g_covert'].number}")


def test_scheduled_moves_respect_excludes_among_themselves_and_with_the_controllers_choice():
    # g_strong excludes g_weak: a scheduled g_strong keeps the agent from adding g_weak, and a
    # second scheduled move g_weak is skipped, saying why
    excluding = {"g_strong": {"excludes": ["g_weak"]}}
    agent = {"G": {"controller": "agent", "budget": {"count": 3}, "rationality": 0}}
    model = WargameModel(
        scenario(
            [{"turns": [1, 2, 3, 4], "choose": ["g_strong"]}], actors=agent, actions=excluding
        ),
        seed=5,
    ).run()
    chosen = [answer(model, t)["chosen"] for t in range(1, 5)]
    assert all(c[0] == "g_strong" and "g_weak" not in c for c in chosen)
    assert any(len(c) > 1 for c in chosen)  # the agent did add other options
    both = [{"turns": [1], "choose": ["g_strong", "g_weak"]}]
    model = WargameModel(scenario(both, actions=excluding, actors=agent), seed=5).run()
    (skipped,) = answer(model, 1)["schedule_skipped"]
    assert skipped.startswith("g_weak: ") and "exclude each other" in skipped
