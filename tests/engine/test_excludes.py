"""`excludes:` on an action: at most one of two excluding options per actor and turn."""

from __future__ import annotations

import pytest
import yaml
from conftest import tiny_data

from wargame.engine.model import WargameModel
from wargame.engine.records import turn_records_to_json
from wargame.errors import InputError, WargameError
from wargame.scenario import load_scenario_text


def scenario(excludes_on: str | None = "g_strong", actions=None, g=None, doctrines=None):
    """G, an agent with a budget of 2, weighs a strong and a weak statement (utility 0 each,
    so it takes both in some turn unless they exclude each other)."""
    other = {"g_strong": "g_weak", "g_weak": "g_strong"}
    excluding = {} if excludes_on is None else {excludes_on: {"excludes": [other[excludes_on]]}}
    data = tiny_data(
        scenario={"turns": 12},
        actors={"P": {"controller": "script:p_always"}, "G": {"budget": {"count": 2}, **(g or {})}},
        actions={**excluding, **(actions or {})},
        doctrines=doctrines or {},
    )
    return load_scenario_text(yaml.safe_dump(data, sort_keys=False), file="tiny.yaml")


def g_turns(model: WargameModel) -> list[set[str]]:
    """What G chose in each turn played."""
    return [
        set(d.chosen)
        for r in model.records
        for p in r.phases
        for d in p.decisions
        if d.actor == "G"
    ]


def test_without_excludes_the_agent_takes_both_options_in_some_turn():
    both = [
        turn
        for seed in range(6)
        for turn in g_turns(WargameModel(scenario(None), seed=seed).run())
        if {"g_strong", "g_weak"} <= turn
    ]
    assert both


@pytest.mark.parametrize("listed_on", ["g_strong", "g_weak"])
def test_an_agent_with_budget_two_never_takes_both_excluding_options(listed_on: str):
    turns = [
        turn
        for seed in range(6)
        for turn in g_turns(WargameModel(scenario(listed_on), seed=seed).run())
    ]
    assert not [turn for turn in turns if {"g_strong", "g_weak"} <= turn]
    assert any(len(turn) == 2 for turn in turns)  # it still takes two options that may mix
    assert any("g_strong" in turn for turn in turns) and any("g_weak" in turn for turn in turns)


NEVER = {"actor": "G", "label": "Never", "category": "status_quo", "requires": "false"}


def test_an_exclusion_that_never_bites_changes_no_draw():
    plain = WargameModel(scenario(None, actions={"g_never": NEVER}), seed=4).run()
    never = {"g_never": NEVER, "g_strong": {"excludes": ["g_never"]}}
    excluding = WargameModel(scenario(None, actions=never), seed=4).run()
    assert turn_records_to_json(excluding.records) == turn_records_to_json(plain.records)


def test_a_doctrine_skips_a_later_excluded_option_like_an_unavailable_one():
    model = WargameModel(
        scenario(
            "g_weak",
            g={"controller": "script:g_both"},
            doctrines={"g_both": {"actor": "G", "plan": [{"choose": ["g_strong", "g_weak"]}]}},
        ),
        seed=1,
    )
    record = model.resolve_turn()
    assert record is not None
    (decision,) = [d for p in record.phases for d in p.decisions if d.actor == "G"]
    assert decision.chosen == ["g_strong"]
    assert "skipped g_weak: 'g_weak' and 'g_strong' exclude each other" in decision.note


def test_a_human_naming_two_excluding_options_is_refused_before_anything_changes():
    model = WargameModel(scenario("g_strong"), seed=1, controllers={"G": "human"})
    model.begin_turn()
    model.decide_phase()
    model.apply_phase()
    before = model.state.to_json()
    with pytest.raises(WargameError) as info:
        model.decide_phase({"G": ["g_strong", "g_weak"]})
    message = str(info.value)
    assert "cannot take 'g_weak' now" in message
    assert "'g_weak' and 'g_strong' exclude each other" in message
    assert "g_weak" not in message.split("Options it can take now:")[1]
    assert model.stage == "deciding" and model.state.to_json() == before
    model.decide_phase({"G": ["g_weak", "g_delayed"]})  # one of them, with another: fine


@pytest.mark.parametrize(
    ("excludes", "says"),
    [
        (["g_nothing"], "unknown action 'g_nothing'"),
        (["a_wait"], "'a_wait' belongs to A, not G: an option excludes only options of its own"),
        (["g_strong"], "'g_strong' excludes itself"),
    ],
)
def test_a_wrong_exclusion_is_refused_with_its_place_and_a_fix(excludes, says):
    with pytest.raises(InputError) as info:
        scenario(None, actions={"g_strong": {"excludes": excludes}})
    text = str(info.value)
    assert says in text and "Fix: " in text, text
    assert "tiny.yaml:" in text and "actions.g_strong.excludes[0]:" in text


@pytest.mark.parametrize(
    ("action", "excludes"), [("v_veto", ["v_support"]), ("g_strong", ["g_resolution"])]
)
def test_a_ballot_in_an_exclusion_is_refused(action, excludes):
    data = {action: {"excludes": excludes}}
    if action == "g_strong":  # a ballot of G's own: V's ballots belong to V
        data["g_ballot"] = {
            "actor": "G",
            "label": "x",
            "category": "status_quo",
            "ballot": {"on": "g_resolution", "vote": "support"},
        }
        data[action] = {"excludes": ["g_ballot"]}
    with pytest.raises(InputError) as info:
        scenario(None, actions=data)
    assert "is a ballot: it is cast when a vote is put, not chosen" in str(info.value)


def test_the_desk_refuses_two_excluding_option_numbers_naming_both():
    from wargame.seminar import view
    from wargame.seminar.session import Session

    session = Session.start(scenario("g_strong"), seed=1, controllers={"G": "human"})
    numbers = {line.id: line.number for line in view.menu(session, "G")}
    strong, weak = numbers["g_strong"], numbers["g_weak"]
    with pytest.raises(WargameError) as info:
        view.choose(session, "G", f"{strong} {weak}")
    assert str(info.value) == (
        f"{strong}. Show of force and {weak}. Statement exclude each other: choose one of them"
    )
    assert view.choose(session, "G", f"{weak} {numbers['g_delayed']}") == ["g_weak", "g_delayed"]


def test_a_scheduled_move_excludes_the_options_it_rules_out_for_the_agent():
    model = WargameModel(
        scenario("g_strong", g={"schedule": [{"turns": [1, 2, 3, 4], "choose": ["g_strong"]}]}),
        seed=2,
    ).run()
    turns = g_turns(model)
    assert all("g_strong" in turn and "g_weak" not in turn for turn in turns[:4])
    weighed = [
        o.action
        for r in model.records[:4]
        for p in r.phases
        for d in p.decisions
        if d.actor == "G"
        for o in d.top_options
    ]
    assert weighed and "g_weak" not in weighed
