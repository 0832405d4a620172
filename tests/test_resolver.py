"""Each resolver mechanism on the tiny scenario, where the right answer is known."""

from __future__ import annotations

import pytest
from conftest import play, records_json, scripted

from wargame.engine.model import WargameModel
from wargame.engine.policies import LogitPolicy
from wargame.errors import InputError


def doctrine(actor: str, *choose: str, ballots: dict[str, str] | None = None) -> dict:
    return {"actor": actor, "plan": [{"choose": list(choose)}], "ballots": ballots or {}}


def test_a_veto_blocks_the_resolution(tiny):
    scenario = tiny(
        doctrines={
            "g_res": doctrine("G", "g_resolution"),
            "v_no": doctrine("V", ballots={"g_resolution": "v_veto"}),
        },
        actors=scripted(P="p_always", G="g_res", V="v_no"),
    )
    model = WargameModel(scenario, seed=1, turns=1).run()
    move = records_json(model)[0]["phases"][1]["adjudication"][0]
    assert move["votes"] == {"V": "v_veto"}
    assert move["passed"] is False
    assert model.state.vars["sanctions"] == 0.0


def test_without_a_veto_the_resolution_takes_effect(tiny):
    scenario = tiny(
        doctrines={
            "g_res": doctrine("G", "g_resolution"),
            "v_yes": doctrine("V", ballots={"g_resolution": "v_support"}),
        },
        actors=scripted(P="p_always", G="g_res", V="v_yes"),
    )
    model = WargameModel(scenario, seed=1, turns=1).run()
    assert records_json(model)[0]["phases"][1]["adjudication"][0]["passed"] is True
    assert model.state.vars["sanctions"] == 0.2


def test_each_voter_decides_its_own_vote_by_its_objectives(tiny):
    # V dislikes sanctions, so as an agent it vetoes nearly always at high rationality.
    scenario = tiny(
        doctrines={"g_res": doctrine("G", "g_resolution")},
        actors=scripted(P="p_always", G="g_res") | {"V": {"rationality": 50}},
        actions={"v_veto": {"motive": 0.1}},
    )
    vetoed = sum(
        WargameModel(scenario, seed=s, turns=1).run().state.vars["sanctions"] == 0.0
        for s in range(20)
    )
    assert vetoed == 20


def _weak_vs_strong(tiny, answer: str, **params: float):
    overrides = tuple(f"parameters.{k}={v}" for k, v in params.items())
    scenario = tiny(
        doctrines={"g_answer": doctrine("G", answer)},
        actors=scripted(P="p_always", G="g_answer"),
        overrides=overrides,
    )
    model = WargameModel(scenario, seed=3, turns=1)
    p_actor = scenario.program.actors["P"]
    before = {
        s.action.id: s.utility for s in LogitPolicy().score(p_actor, model, [], explain=False)
    }
    model.run()
    model.state.begin_turn()
    after = {s.action.id: s.utility for s in LogitPolicy().score(p_actor, model, [], explain=False)}
    return model, before["p_test"], after["p_test"]


def test_deterrence_a_weak_answer_raises_new_normal_and_the_next_provocation_utility(tiny):
    model, before, after = _weak_vs_strong(tiny, "g_weak", deterrence_strength=5, spiral_strength=0)
    assert model.state.vars["new_normal"] > 0.4
    assert model.state.belief("P", "G") < 0.5
    assert after > before
    assert model.state.attrs["P"]["drive"] == 0.1


def test_spiral_a_strong_answer_raises_the_target_drive_instead(tiny):
    model, _, _ = _weak_vs_strong(tiny, "g_strong", deterrence_strength=0, spiral_strength=5)
    assert model.state.attrs["P"]["drive"] > 0.5
    assert model.state.vars["new_normal"] == 0.0


def test_which_effect_wins_depends_on_the_strengths_not_the_code(tiny):
    # A strong answer deters (lowers next-test utility) when deterrence is strong and the
    # spiral weak, and provokes (raises it) when the spiral is strong and deterrence weak.
    _, before_d, after_d = _weak_vs_strong(
        tiny, "g_strong", deterrence_strength=5, spiral_strength=0
    )
    _, before_s, after_s = _weak_vs_strong(
        tiny, "g_strong", deterrence_strength=0, spiral_strength=5
    )
    assert after_d < before_d
    assert after_s > before_s


def test_a_failed_test_adds_no_capability(tiny):
    scenario = tiny(actors=scripted(P="p_always", G="g_none"))
    failed = WargameModel(scenario, seed=0, turns=1)
    failed.force("t1:P:p_test#1", "failure", "the test failed on the pad")
    failed.run()
    succeeded = WargameModel(scenario, seed=0, turns=1)
    succeeded.force("t1:P:p_test#1", "success", "the test flew")
    succeeded.run()
    assert failed.state.attrs["P"]["capability"] == 0.3
    assert succeeded.state.attrs["P"]["capability"] == 0.4
    move = records_json(failed)[0]["phases"][0]["adjudication"][0]
    assert move["result"] == "failure" and move["forced"] == "the test failed on the pad"


def test_a_covert_action_moves_no_ones_beliefs(tiny):
    silent = play(tiny(actors=scripted(P="p_always", G="g_none"), scenario={"turns": 2}))
    covert = play(
        tiny(
            doctrines={"g_cov": doctrine("G", "g_covert")},
            actors=scripted(P="p_always", G="g_cov"),
            scenario={"turns": 2},
        )
    )
    assert covert.state.beliefs == silent.state.beliefs
    assert covert.state.belief("P", "G") < 0.5  # no public answer reads as a weak one


def test_beliefs_move_the_right_way_for_the_provocateur_and_the_ally(tiny):
    def beliefs(answer: str) -> tuple[float, float]:
        scenario = tiny(
            doctrines={"g_answer": doctrine("G", answer)},
            actors=scripted(P="p_always", G="g_answer"),
        )
        model = WargameModel(scenario, seed=0, turns=1).run()
        return model.state.belief("P", "G"), model.state.belief("A", "G")

    weak, strong = beliefs("g_weak"), beliefs("g_strong")
    assert weak[0] < 0.5 < strong[0]
    assert weak[1] < 0.5 < strong[1]


def test_a_delayed_effect_lands_on_the_right_turn(tiny):
    scenario = tiny(
        doctrines={
            "g_deploy": {
                "actor": "G",
                "plan": [{"when": "turn == 1", "choose": ["g_delayed"]}, {"choose": []}],
            }
        },
        actors=scripted(P="p_always", G="g_deploy"),
    )
    model = WargameModel(scenario, seed=0)
    seen = []
    while model.running:
        model.step()
        seen.append(model.state.vars["slow"])
    assert seen == [0.0, 0.0, 0.3, 0.3]


def test_bounds_hold_after_every_update(tiny):
    scenario = tiny(
        actions={"p_test": {"effects": [{"target": "tension", "add": 5}]}},
        actors=scripted(P="p_always", G="g_none"),
    )
    model = play(scenario)
    assert model.state.vars["tension"] == 1.0


def test_limits_cooldown_and_per_game(tiny):
    scenario = tiny(
        actions={"p_test": {"cooldown": 1, "max_per_game": 1}},
        actors=scripted(P="p_always", G="g_none"),
    )
    model = play(scenario)
    assert model.state.counts["p_test"] == 1
    assert model.legal(scenario.program.actions["p_test"], []) == "at most 1 per game"


def test_month_and_year_follow_the_calendar_of_each_turn(tiny):
    """An annual event written with `month` keeps its date when the start date moves."""
    injects = {
        "march_exercise": {"turns": list(range(1, 13)), "when": "month == 3", "effects": []},
        "new_year": {"turns": list(range(1, 13)), "when": "year == 2021", "effects": []},
    }
    for start, march_turn, new_year_turn in (("2020-01-01", 3, 13), ("2020-11-01", 5, 3)):
        scenario = tiny(scenario={"start_date": start, "turns": 12}, injects=injects)
        model = WargameModel(scenario, seed=0)
        fired: dict[str, list[int]] = {"march_exercise": [], "new_year": []}
        while model.running:
            model.step()
            for inject in model.records[-1].injects:
                if inject.fired:
                    fired[inject.id].append(model.state.turn)
        assert fired["march_exercise"] == [march_turn]
        assert fired["new_year"] == ([] if new_year_turn > 12 else list(range(new_year_turn, 13)))


def test_month_and_year_are_reserved_names(tiny):
    for name in ("month", "year"):
        with pytest.raises(InputError, match=f"parameter '{name}' has the name of a variable"):
            tiny(parameters={name: {"value": 1, "assumption": [0, 2]}})
