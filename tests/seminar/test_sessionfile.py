"""Session files: saved at every checkpoint, read back as untrusted input, replayed exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import records_json, scripted, tiny_data

from wargame.errors import InputError, RunError
from wargame.scenario import load_scenario
from wargame.seminar.session import Session
from wargame.seminar.sessionfile import first_difference, load_session, saver

HUMANS = {"G": "human", "V": "human"}


def start(tmp_path: Path) -> tuple[Session, Path, Path]:
    scenario_file = tmp_path / "tiny.yaml"
    scenario_file.write_text(yaml.safe_dump(tiny_data(actors=scripted(P="p_always"))))
    session = Session.start(load_scenario(scenario_file), seed=4, controllers=HUMANS)
    game = tmp_path / "game.json"
    session.autosave = saver(game, scenario_file, scenario_file.read_text())
    return session, game, scenario_file


def play_turns(session: Session, count: int = 2) -> None:
    for _ in range(count):
        session.force(f"t{session.model.state.turn + 1}:P:p_test#1", "failure", "for the debrief")
        session.begin_turn()
        session.decide()
        session.apply()
        session.decide({"G": ["g_resolution"], "V": []})
        session.plan({"V": {"g_resolution": "v_veto"}})
        session.apply()
        session.end_turn()


def test_the_file_is_written_at_every_checkpoint_and_resumes_exactly(tmp_path):
    session, game, _ = start(tmp_path)
    session.begin_turn()
    saved = json.loads(game.read_text())
    assert [e["kind"] for e in saved["journal"]] == ["begin_turn"]
    session.decide()
    session.apply()
    assert [e["kind"] for e in json.loads(game.read_text())["journal"]][-1] == "apply"
    session.decide({"G": ["g_weak"], "V": []})
    session.apply()
    session.end_turn()
    play_turns(session)
    again, data = load_session(game)
    assert records_json(again.model) == records_json(session.model)
    assert again.model.snapshot() == session.model.snapshot()
    assert [e.time for e in again.journal] == [e.time for e in session.journal]
    assert data.scenario.id == "tiny" and len(data.records) == 3
    # and the resumed game plays on as the original does
    play_turns(again, 1)
    play_turns(session, 1)
    assert records_json(again.model) == records_json(session.model)


def test_a_changed_scenario_is_refused_unless_the_saved_copy_is_asked_for(tmp_path):
    session, game, scenario_file = start(tmp_path)
    play_turns(session)
    text = scenario_file.read_text()
    scenario_file.write_text(text.replace("learning_rate: deterrence_strength", "learning_rate: 2"))
    with pytest.raises(
        InputError, match=r"has changed since.*learning_rate.*scenario-from-session"
    ):
        load_session(game)
    again, _ = load_session(game, scenario_from_session=True)
    assert records_json(again.model) == records_json(session.model)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["journal"][4].update(moves={"G": ["g_nuke"]}), r"journal entry 5 .*g_nuke"),
        (lambda d: d["journal"][4].update(movs={"G": []}), r"journal\[4\]\.movs: unknown field"),
        (lambda d: d.update(format="wargame-state/2"), "not a session file"),
        (lambda d: d.update(seed=-1), r"seed"),
        (lambda d: d["journal"][0].update(kind="explode"), r"journal\[0\]\.kind"),
    ],
)
def test_a_damaged_session_file_is_refused_naming_the_file_and_place(tmp_path, edit, message):
    session, game, _ = start(tmp_path)
    play_turns(session)
    data = json.loads(game.read_text())
    edit(data)
    game.write_text(json.dumps(data))
    before = game.read_bytes()
    with pytest.raises(InputError, match=message) as caught:
        load_session(game)
    assert str(game) in str(caught.value)
    assert game.read_bytes() == before


def test_records_that_the_journal_does_not_give_are_reported_with_the_first_difference(tmp_path):
    session, game, _ = start(tmp_path)
    play_turns(session)
    data = json.loads(game.read_text())
    data["records"][1]["phases"][0]["adjudication"][0]["result"] = "success"
    game.write_text(json.dumps(data))
    with pytest.raises(RunError, match=r"records\[1\]\.phases\[0\]\.adjudication\[0\]\.result"):
        load_session(game)


def test_first_difference_names_the_place():
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == (
        "records.a[1].b: saved 2, replayed 3"
    )
    assert first_difference([1, 2], [1]) == "records: 2 items saved, 1 replayed"
    assert first_difference({"a": 1}, {"a": 1}) == ""


def test_a_writer_removes_the_temp_files_a_killed_writer_left(tmp_path):
    """A SIGKILL during a write leaves `.NAME.*.tmp` (nothing can remove it then): the next
    writer of the session (start or --resume) removes it, and nothing else."""
    from wargame.seminar.sessionfile import saver

    target = tmp_path / "g.json"
    target.write_text("{}")
    left = tmp_path / ".g.json.k1ll3d.tmp"
    left.write_text('{"half": ')
    other = tmp_path / ".other.json.k1ll3d.tmp"
    other.write_text("another file's")
    saver(target, tmp_path / "s.yaml", "text")
    assert not left.exists() and other.exists() and target.read_text() == "{}"
