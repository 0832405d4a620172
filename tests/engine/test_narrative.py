"""The narrative of a turn (wargame/engine/narrative.py): sentences a person reads aloud."""

from __future__ import annotations

import yaml
from conftest import scripted, tiny_data

from wargame.engine.model import WargameModel
from wargame.engine.narrative import turn_lines
from wargame.engine.rng import KeyedRandom
from wargame.scenario import load_scenario_text

FULL_STOP = {
    "guam": {
        "description": "Pyongyang threatens Guam.",
        "probability": 0.5,
        "effects": [{"target": "tension", "add": 0.1}],
    }
}


def tiny(**sections):
    data = tiny_data(actors=scripted(P="p_always"), injects=FULL_STOP, **sections)
    return load_scenario_text(yaml.safe_dump(data), file="tiny.yaml")


def test_a_description_ending_in_a_full_stop_reads_as_one_sentence():
    # a seed whose die fires the inject on turn 1 as well (its chance is 50%)
    seed = next(s for s in range(100) if KeyedRandom(s).uniform("inject:guam", 1, "fires") < 0.5)
    model = WargameModel(tiny(), seed=seed)
    model.begin_turn()
    model.fire_inject("guam", "the room asked for it.")
    model.add_inject("Seoul recalls its ambassador.", [("tension", "add", 0.05)], "a test.")
    model.step()
    text = "\n".join(turn_lines(model.program, model.records[0]))
    assert "Event: Pyongyang threatens Guam (chance 50%)." in text  # the die fired it
    assert "Event: Pyongyang threatens Guam; FIRED by the facilitator: " in text
    assert "the room asked for it." in text
    assert "Event added by the facilitator: Seoul recalls its ambassador (a test)." in text
    for doubled in (".;", "..", ". (", ".)"):
        assert doubled not in text, doubled


def routine_turns(model: WargameModel) -> list[int]:
    return [r.turn for r in model.records if "routine" in r.outcomes_triggered]


def test_an_outcome_is_announced_on_the_turn_it_first_holds_only():
    # the first seed whose game has the outcome hold on two turns or more
    model = next(
        m
        for m in (WargameModel(tiny(), seed=s).run() for s in range(100))
        if len(routine_turns(m)) >= 2
    )
    held = routine_turns(model)
    announced = [
        record.turn
        for previous, record in zip([None, *model.records], model.records, strict=False)
        if any(
            line.strip().startswith("Outcome:")
            for line in turn_lines(model.program, record, previous=previous)
        )
    ]
    assert announced == [held[0]]
    alone = turn_lines(model.program, model.records[held[1] - 1])  # no turn before it given
    assert any(line.strip().startswith("Outcome:") for line in alone)
