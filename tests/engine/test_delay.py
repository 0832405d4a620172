"""Delays as parameters with provenance: a Quantity or a parameter's name, sampled by batches,
found when the effect is caused, rounded half away from zero and clipped to [0, 1000]."""

from __future__ import annotations

import pytest
import yaml
from conftest import tiny_data

from wargame.engine.model import WargameModel
from wargame.engine.program import whole_turns
from wargame.engine.records import turn_records_to_json
from wargame.errors import InputError
from wargame.scenario import load_scenario_text

PATH = "actions.g_delayed.effects.0.delay"


def delayed(delay, overrides=(), parameters=None, sources=None):
    """G deploys defences (slow += 0.3 after `delay`) on turn 1 only; P always tests."""
    data = tiny_data(
        scenario={"turns": 6},
        parameters={"lag": {"value": 2, "assumption": [0, 4]}, **(parameters or {})},
        actors={"P": {"controller": "script:p_always"}, "G": {"controller": "script:g_deploy"}},
        actions={
            "g_delayed": {
                "max_per_game": 1,
                "effects": [{"target": "slow", "add": 0.3, "delay": delay}],
            }
        },
        doctrines={"g_deploy": {"actor": "G", "plan": [{"choose": ["g_delayed"]}]}},
        sources=sources or {},
    )
    text = yaml.safe_dump(data, sort_keys=False)
    return load_scenario_text(text, file="tiny.yaml", overrides=overrides)


def landing(model: WargameModel) -> int | None:
    """The turn the deployment's effect lands on, as the turn-1 record says."""
    for phase in model.records[0].phases:
        for item in phase.adjudication:
            for effect in item.effects:
                if effect.cause == "g_delayed":
                    return effect.lands_on_turn
    raise AssertionError("g_delayed was not taken on turn 1")


def slow_by_turn(model: WargameModel) -> list[float]:
    return [r.state_after.variables["slow"] for r in model.records]


@pytest.mark.parametrize(
    ("value", "turns"), [(2.6, 3), (2.5, 3), (2.4, 2), (0.4, 0), (0.5, 1), (0, 0)]
)
def test_a_delay_parameter_set_with_set_lands_on_the_rounded_turn(value, turns):
    model = WargameModel(delayed("lag", overrides=(f"parameters.lag={value}",)), seed=1).run()
    if turns == 0:
        assert landing(model) is None  # lands at once
        assert slow_by_turn(model)[0] == pytest.approx(0.3)
    else:
        assert landing(model) == 1 + turns
        slow = slow_by_turn(model)
        assert slow[turns - 1] == 0.0 and slow[turns] == pytest.approx(0.3)


def test_whole_turns_rounds_half_away_from_zero_and_clips():
    assert [whole_turns(x) for x in (0.49, 0.5, 1.5, 2.5, 2.6, 999.5, 1e9, -3, -0.4)] == [
        0, 1, 2, 3, 3, 1000, 1000, 0, 0,
    ]  # fmt: skip


def test_an_expression_over_parameters_is_clipped_to_1000_turns():
    model = WargameModel(delayed("lag * 600"), seed=1).run()
    assert landing(model) == 1 + 1000


def test_a_delay_quantity_with_a_range_is_an_uncertainty_and_sampled_per_run():
    scenario = delayed({"value": 2, "assumption": [1, 4]})
    assert (PATH, 2.0, 1.0, 4.0) in [(u.path, u.value, u.low, u.high) for u in scenario.sampled]
    assert landing(WargameModel(scenario, seed=1).run()) == 3
    assert landing(WargameModel(scenario, seed=1, inputs={PATH: 3.5}).run()) == 5
    assert landing(WargameModel(scenario, seed=1, inputs={PATH: 1.2}).run()) == 2


def test_a_delay_parameter_with_a_range_is_sampled_per_run():
    scenario = delayed("lag")
    assert "parameters.lag" in [u.path for u in scenario.sampled]
    assert landing(WargameModel(scenario, seed=1, inputs={"parameters.lag": 3.7}).run()) == 5


def test_a_quantity_or_parameter_delay_plays_exactly_like_the_plain_number():
    plain = WargameModel(delayed(2), seed=5).run()
    for delay in ({"value": 2, "source": "s"}, "lag", {"value": 2, "assumption": [1, 4]}):
        other = WargameModel(delayed(delay, sources={"s": "a source"}), seed=5).run()
        assert turn_records_to_json(other.records) == turn_records_to_json(plain.records)


def test_a_plain_delay_is_not_reported_as_lacking_provenance_and_a_quantity_is_checked():
    assert not [u for u in delayed(2).unsourced if ".delay" in u]
    unsourced = delayed({"value": 2}).unsourced
    assert f"{PATH}: 2.0 has neither source nor assumption" in unsourced


@pytest.mark.parametrize(
    ("delay", "parameters", "overrides", "says"),
    [
        ("tension", {}, (), "'tension' is read from the state, and a delay may read parameters"),
        ("self.drive", {}, (), "'self.drive' is read from the state"),
        ("turn + 1", {}, (), "'turn' is read from the state"),
        ("count(p_test)", {}, (), "count() reads the state, and a delay may read parameters"),
        ("lagg", {}, (), "unknown parameter 'lagg'. Fix: Did you mean 'lag'?"),
        ("far", {"far": {"value": 1200}}, (), "parameter 'far', which is 1200: outside [0, 1000]"),
        (
            "far",
            {"far": {"value": 1, "assumption": [-1, 3]}},
            (),
            "which is 1 (assumption range [-1, 3]): outside [0, 1000] turns",
        ),
        ("far", {"far": {"value": 3}}, ("parameters.far=2000",), "which is 2000: outside"),
        ({"value": 1001}, {}, (), "a delay of 1001 turns is outside [0, 1000]"),
        (
            {"value": 2, "assumption": [-1, 2]},
            {},
            (),
            "a delay of 2 turns (assumption range [-1, 2]) is outside [0, 1000]",
        ),
        (-2, {}, (), "greater than or equal to 0"),
        (2.5, {}, (), "valid integer"),
    ],
)
def test_a_wrong_delay_is_refused_with_its_place_and_a_fix(delay, parameters, overrides, says):
    with pytest.raises(InputError) as info:
        delayed(delay, overrides=overrides, parameters=parameters)
    text = str(info.value)
    assert says in text, text
    assert "tiny.yaml:" in text and "actions.g_delayed.effects[0].delay" in text
    if isinstance(delay, (str, dict)):
        assert "Fix: " in text
