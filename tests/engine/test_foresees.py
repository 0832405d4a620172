"""`foresees:` on an action: an agent weighing it also counts what the listed rules would do to
its objectives, as if the option set them off; the rules are not applied by this."""

from __future__ import annotations

import pytest
import yaml
from conftest import tiny_data

from wargame.engine.model import WargameModel
from wargame.errors import InputError
from wargame.scenario import load_scenario_text

LABEL = "via rule sanctions_bite: tension"


def scenario(foresees=("sanctions_bite",), effect=None, when="false"):
    """G (objective: tension, weight -1; tension starts at 0.2) may make a show of force that
    foresees a rule raising tension; the rule itself never fires unless `when` holds."""
    effects = [effect or {"target": "tension", "add": 0.2}, {"target": "bite", "add": 0.5}]
    data = tiny_data(
        state={"variables": {"bite": {"initial": 0.0}}},
        actors={"P": {"controller": "script:p_always"}},
        actions={"g_strong": {"foresees": list(foresees)}},
        rules={"sanctions_bite": {"when": when, "effects": effects}},
    )
    return load_scenario_text(yaml.safe_dump(data, sort_keys=False), file="tiny.yaml")


def weighed(model: WargameModel, action: str = "g_strong"):
    return next(o for o in model.options("G") if o.action == action)


@pytest.mark.parametrize(
    ("effect", "change"),
    [
        ({"target": "tension", "add": 0.2}, 0.2),
        ({"target": "tension", "mul": 2}, 0.2),  # 0.2 * (2 - 1)
        ({"target": "tension", "set": 0.5}, 0.3),  # 0.5 - 0.2
        ({"target": "tension", "add": "tension / 2"}, 0.1),  # on the current state
        ({"target": "tension", "add": 0.2, "delay": 3}, 0.2),  # delayed: counted in full
    ],
)
def test_an_option_that_foresees_a_harmful_rule_loses_utility_by_the_known_amount(effect, change):
    plain = weighed(WargameModel(scenario(foresees=(), effect=effect), seed=1))
    foreseeing = weighed(WargameModel(scenario(effect=effect), seed=1))
    assert foreseeing.utility == pytest.approx(plain.utility - change, abs=1e-4)
    assert foreseeing.terms[LABEL] == pytest.approx(-change, abs=1e-4)
    assert LABEL not in plain.terms
    assert "via rule sanctions_bite: bite" not in foreseeing.terms  # not among G's objectives


def test_the_other_options_are_weighed_as_before():
    plain = {o.action: o for o in WargameModel(scenario(foresees=()), seed=1).options("G")}
    foreseeing = {o.action: o for o in WargameModel(scenario(), seed=1).options("G")}
    for action in ("g_weak", "g_covert", "g_delayed"):
        assert foreseeing[action].utility == plain[action].utility
        assert foreseeing[action].terms == plain[action].terms


def test_the_rule_is_not_applied_by_being_foreseen():
    model = WargameModel(scenario(), seed=2).run()
    assert any("g_strong" in d.chosen for r in model.records for p in r.phases for d in p.decisions)
    assert all(r.state_after.variables["bite"] == 0.0 for r in model.records)


def test_the_turn_record_shows_the_term_with_its_rule():
    model = WargameModel(scenario(), seed=2)
    record = model.resolve_turn()
    assert record is not None
    (decision,) = [d for p in record.phases for d in p.decisions if d.actor == "G"]
    (option,) = [o for o in decision.top_options if o.action == "g_strong"]
    assert option.terms[LABEL] == pytest.approx(-0.2)


def test_a_rule_foreseen_twice_by_two_options_counts_for_each():
    model = WargameModel(scenario(foresees=("sanctions_bite", "sanctions_bite")), seed=1)
    assert weighed(model).terms[LABEL] == pytest.approx(-0.4)


def test_an_unknown_rule_is_refused_with_its_place_and_a_fix():
    with pytest.raises(InputError) as info:
        scenario(foresees=("sanctions_bites",))
    text = str(info.value)
    assert "actions.g_strong.foresees[0]: unknown rule 'sanctions_bites'" in text
    assert "Fix: Did you mean 'sanctions_bite'?" in text
    with pytest.raises(InputError) as info:
        scenario(foresees=("zzz",))
    assert "unknown rule 'zzz'. Fix: declare it under rules:" in str(info.value)


def test_the_desk_says_what_the_agent_foresees_and_shows_the_term():
    from wargame.seminar import view
    from wargame.seminar.session import Session

    session = Session.start(scenario(), seed=1, controllers={"G": "human"})
    number = next(line.number for line in view.menu(session, "G") if line.id == "g_strong")
    lines = view.explain(session, "G", number, detail=True)
    assert any("also counts what the rule(s) sanctions_bite would do" in line for line in lines)
    assert any(f"{LABEL} -0.20" in line for line in lines), lines
