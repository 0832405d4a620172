"""`response(X, by=Y)`: the resolve signalled to X this turn by Y's actions only."""

from __future__ import annotations

import pytest
import yaml
from conftest import tiny_data

from wargame.engine.model import WargameModel
from wargame.errors import InputError
from wargame.scenario import load_scenario_text

READ = {"r_g": "response(P, by=G)", "r_a": "response(P, by=A)", "r_all": "response(P)"}


def answered(a_chooses=("a_signal",), rules=None, motive="0"):
    """G answers P with a strong, a weak and a covert signal; A with one of 0.5; a rule
    copies each response into a variable at the end of the turn."""
    data = tiny_data(
        state={"variables": {name: {"initial": 0.0} for name in READ}},
        actors={
            "P": {"controller": "script:p_always"},
            "G": {"controller": "script:g_all", "budget": {"count": 3}},
            "A": {"controller": "script:a_signal"},
        },
        actions={
            "a_signal": {
                "actor": "A",
                "label": "Protest",
                "category": "posturing",
                "targets": ["P"],
                "signals": 0.5,
                "motive": motive,
            }
        },
        doctrines={
            "g_all": {"actor": "G", "plan": [{"choose": ["g_strong", "g_weak", "g_covert"]}]},
            "a_signal": {"actor": "A", "plan": [{"choose": list(a_chooses)}]},
        },
        rules={
            "read": {
                "when": "true",
                "effects": [{"target": name, "set": text} for name, text in READ.items()],
            },
            **(rules or {}),
        },
    )
    return load_scenario_text(yaml.safe_dump(data, sort_keys=False), file="tiny.yaml")


def test_response_by_one_actor_is_the_noisy_or_of_its_public_signals_only():
    model = WargameModel(answered(), seed=3)
    model.step()
    values = model.state.vars
    assert values["r_g"] == pytest.approx(1 - (1 - 0.9) * (1 - 0.1))  # the covert one unseen
    assert values["r_a"] == pytest.approx(0.5)
    assert values["r_all"] == pytest.approx(1 - (1 - 0.9) * (1 - 0.1) * (1 - 0.5))


def test_response_by_an_actor_that_sent_nothing_is_zero():
    model = WargameModel(answered(a_chooses=()), seed=3)
    model.step()
    assert model.state.vars["r_a"] == 0.0
    assert model.state.vars["r_all"] == pytest.approx(model.state.vars["r_g"])


def test_response_by_self_names_the_acting_actor():
    model = WargameModel(answered(motive="response(P, by=self)"), seed=3)
    model.step()
    assert model.program.actions["a_signal"].motive(model.state) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("formula", "says"),
    [
        ("response(P, by=ZZ)", "unknown actor 'ZZ' in by=. Fix: by= names an actor: one of"),
        ("response(P, by=GG)", "unknown actor 'GG' in by=. Fix: Did you mean 'G'?"),
        ("response(P, by=P)", "an actor signals no resolve to itself. Fix: name another actor"),
        ("response(P, from=G)", "no keyword 'from='. Fix: the one keyword is by="),
        ("response(P, G)", "takes 1 argument(s), got 2. Fix: name the signalling actor with by="),
        ("count(p_test, by=G)", "count() takes no keyword 'by='. Fix: remove 'by='"),
        ("min(1, by=G)", "min takes no keyword arguments; remove 'by='"),
        ("response(P, by=G, by=A)", "the keyword 'by=' is given twice"),
        ("response(by=G, P)", "a value without a keyword cannot follow 'by='"),
    ],
)
def test_a_wrong_response_call_is_refused_with_its_place_and_a_fix(formula: str, says: str):
    with pytest.raises(InputError) as info:
        answered(rules={"spiral": {"when": f"{formula} > 0"}})
    text = str(info.value)
    assert says in text, text
    assert "tiny.yaml:" in text and "rules.spiral.when" in text
