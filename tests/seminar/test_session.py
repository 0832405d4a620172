"""Sessions: undo any number of steps, and a journal that replays the game exactly."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import records_json, scripted, tiny_data

from wargame.engine.model import WargameModel
from wargame.errors import WargameError
from wargame.scenario import load_scenario_text
from wargame.seminar.session import Session, journal_to_json

GUAM = {
    "guam": {
        "description": "Pyongyang threatens Guam",
        "probability": 0.5,
        "effects": [{"target": "tension", "add": 0.1}],
    }
}
HUMANS = {"G": "human", "V": "human"}


@pytest.fixture(scope="module")
def scenario():
    data = tiny_data(actors=scripted(P="p_always"), injects=GUAM)
    return load_scenario_text(yaml.safe_dump(data), file="tiny.yaml")


def frozen(model: WargameModel) -> str:
    return json.dumps(model.snapshot(), sort_keys=True)


def play_boundaries(session: Session, count: int) -> list[str]:
    """Advance through `count` boundaries (starts of turns and phases), humans answering
    with fixed moves and votes; the snapshot at each boundary reached, the first included."""
    seen = [frozen(session.model)]
    while len(seen) <= count:
        model = session.model
        if model.stage == "deciding" and model.awaiting_moves():
            moves = {a: ["g_resolution"] if a == "G" else [] for a in model.awaiting_moves()}
            session.decide(moves)
        elif model.stage == "decided" and model.awaiting_votes():
            session.plan({"V": {"g_resolution": "v_support"}})
        else:
            session.advance()
        if session.model.stage in ("between_turns", "deciding", "ending"):
            seen.append(frozen(session.model))
    return seen


@pytest.mark.parametrize("steps", [1, 2, 5])
def test_undo_of_n_steps_equals_never_having_played_them(scenario, steps):
    session = Session.start(scenario, seed=3, controllers=HUMANS)
    seen = play_boundaries(session, 9)
    session.undo(steps, reason="the room changed its mind")
    assert frozen(session.model) == seen[9 - steps]
    # and playing on from there ends where a game that never undid ends
    again = Session.start(scenario, seed=3, controllers=HUMANS)
    assert play_boundaries(again, 14)[9 - steps :] == play_boundaries(session, 5 + steps)
    assert any(e.what.startswith("undo") and e.reason for e in session.log)


def test_undo_counts_inputs_since_the_last_checkpoint_as_one_step(scenario):
    session = Session.start(scenario, seed=3, controllers=HUMANS)
    session.begin_turn()
    start_of_phase = frozen(session.model)
    session.decide()
    session.plan()
    session.force("t1:P:p_test#1", "failure", "show a failure")
    session.undo(1, "no, let the die decide")
    assert frozen(session.model) == start_of_phase
    assert [e.kind for e in session.journal] == ["begin_turn"]
    with pytest.raises(WargameError, match="only 1 can be undone"):
        session.undo(3)
    assert frozen(session.model) == start_of_phase


def test_a_journal_with_every_kind_of_input_replays_the_game_exactly(scenario):
    session = Session.start(scenario, seed=11, controllers=HUMANS)
    session.force("t2:inject:guam", "fired", "we want the Guam threat in turn 2")
    session.begin_turn()
    session.add_inject(
        "Kim's birthday parade", [("tension", "add", 0.05)], "colour", signal=("P", "A", 0.3)
    )
    session.decide()
    session.plan()
    session.force("t1:P:p_test#1", "success", "the test works")
    session.apply()
    session.decide({"G": ["g_resolution"], "V": []})
    session.plan({"V": {"g_resolution": "v_veto"}})
    session.reroll("t1:G:g_resolution#1:vote:V", "roll again")  # a human ballot stays
    session.replace_moves("A", ["a_wait"], "the ally waits")
    session.apply()
    session.end_turn()
    session.begin_turn()
    session.fire_inject("guam", "again, by hand")
    session.hand_over("G", "agent", "the US team went to lunch")
    session.decide()
    session.apply()
    session.undo(1, "redo turn 2 from its first phase")  # the fired inject and hand-over go too
    assert session.model.phase is not None and session.model.phase[0] == "provoke"
    session.hand_over("P", "agent", "P plays freely now")
    session.fire_inject("guam", "the Guam threat after all")
    session.decide()
    session.apply()
    session.decide({"G": [], "V": []})
    session.plan()
    session.apply()
    session.end_turn()
    while session.model.running:
        if session.model.awaiting_moves():
            session.decide({a: [] for a in session.model.awaiting_moves()})
        else:
            session.advance()
    kinds = {e.kind for e in session.journal}
    assert kinds >= {
        "force",
        "reroll",
        "replace_moves",
        "hand_over",
        "fire_inject",
        "add_inject",
        "decide",
        "plan",
    }
    again = Session.replay(
        scenario, seed=11, turns=None, controllers=HUMANS, journal=session.journal
    )
    assert records_json(again.model) == records_json(session.model)
    assert frozen(again.model) == frozen(session.model)
    assert journal_to_json(again.journal) != [] and len(again.journal) == len(session.journal)


def test_a_journal_entry_that_does_not_fit_is_reported_with_its_place(scenario):
    session = Session.start(scenario, seed=1, controllers=HUMANS)
    session.begin_turn()
    session.decide()
    session.apply()
    session.decide({"G": ["g_weak"], "V": []})
    journal = list(session.journal)
    journal[-1].moves = {"G": ["g_nuke"]}
    with pytest.raises(WargameError, match=r"journal entry 4 \(decide, turn 1\).*g_nuke"):
        Session.replay(scenario, seed=1, turns=None, controllers=HUMANS, journal=journal)


def test_a_refused_input_is_not_journaled(scenario):
    session = Session.start(scenario, seed=1, controllers=HUMANS)
    session.begin_turn()
    with pytest.raises(WargameError):
        session.force("t1:P:p_test#1", "exploded", "why")
    assert [e.kind for e in session.journal] == ["begin_turn"]
