"""The live game behind the dashboard: one game per session file, a change only with the
token (off loopback) and from a tab that saw the game as it is, saved in the format of
`wargame play` after every phase."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from web_game import TUTORIAL, tutorial_table

from wargame.errors import InputError, WargameError
from wargame.seminar.sessionfile import load_session
from wargame.web.access import Access, is_loopback
from wargame.web.table import Table, forget_tables, table_for


def test_a_human_teams_moves_are_played_and_saved_in_the_session_file(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    assert table.prompt.kind == "moves" and table.prompt.team == "Red"
    table.change(table.version, None, lambda d: d.enter_moves("Red", "1"))
    assert table.prompt.kind == "review"  # Red's die, before it is rolled into the game
    table.change(table.version, None, lambda d: d.accept())
    assert table.prompt.team == "Blue"
    table.change(table.version, None, lambda d: d.enter_moves("Blue", "0"))
    table.change(table.version, None, lambda d: d.accept())
    assert table.session is not None and len(table.session.model.records) == 1
    saved, _ = load_session(tmp_path / "game.json")  # what `wargame play --resume` reads
    assert [e.kind for e in saved.journal] == [e.kind for e in table.session.journal]  # type: ignore[union-attr]


def test_a_tab_that_had_not_seen_the_last_change_is_refused_and_nothing_changes(
    tmp_path: Path,
) -> None:
    table = tutorial_table(tmp_path)
    seen = table.version
    table.change(seen, None, lambda d: d.enter_moves("Red", "1"))
    journal = list(table.session.journal)  # type: ignore[union-attr]
    with pytest.raises(WargameError, match="another tab"):
        table.change(seen, None, lambda d: d.enter_moves("Red", "0"))
    assert table.session.journal == journal  # type: ignore[union-attr]


def test_a_refused_move_leaves_the_game_as_it_was(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    before = (tmp_path / "game.json").read_text()
    with pytest.raises(WargameError, match="not an option number"):
        table.change(table.version, None, lambda d: d.enter_moves("Red", "9"))
    assert table.prompt.team == "Red"
    assert (tmp_path / "game.json").read_text() == before


def test_off_loopback_every_change_needs_the_token(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path, token="s3cret")
    with pytest.raises(WargameError, match="facilitator token"):
        table.change(table.version, None, lambda d: d.enter_moves("Red", "1"))
    with pytest.raises(WargameError, match="facilitator token"):
        table.change(table.version, "wrong", lambda d: d.enter_moves("Red", "1"))
    table.change(table.version, "s3cret", lambda d: d.enter_moves("Red", "1"))
    assert table.prompt.kind == "review"


def test_loopback_addresses_need_no_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert Access.for_host("127.0.0.1").token is None
    assert Access.for_host("0.0.0.0").token


def test_undo_goes_back_a_phase_and_is_logged(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    table.change(table.version, None, lambda d: d.enter_moves("Red", "1"))
    table.change(table.version, None, lambda d: d.undo(1, "wrong move"))
    assert table.prompt.team == "Red"
    assert table.session.log[-1].reason == "wrong move"  # type: ignore[union-attr]


def test_every_tab_shares_one_game_and_a_second_start_is_refused(tmp_path: Path) -> None:
    forget_tables()
    table = tutorial_table(tmp_path)
    table.change(table.version, None, lambda d: d.enter_moves("Red", "1"))
    table.change(table.version, None, lambda d: d.accept())
    forget_tables()
    again = table_for(tmp_path / "game.json")  # a server restarted on the session file
    assert again is table_for(tmp_path / "game.json")
    assert again.prompt.team == "Blue"
    with pytest.raises(WargameError, match="already played"):
        again.start(None, None)  # type: ignore[arg-type]
    forget_tables()


def test_a_damaged_session_file_is_refused_with_a_message_naming_it(tmp_path: Path) -> None:
    tutorial_table(tmp_path)
    path = tmp_path / "game.json"
    data = json.loads(path.read_text())
    data["journal"].append({"kind": "explode", "turn": 1, "phase": None, "time": "now"})
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"game\.json"):
        Table(path).open()


def test_a_game_started_with_wargame_play_continues_here(tmp_path: Path) -> None:
    play_first_phase(tmp_path)
    table = Table(tmp_path / "g.json")
    table.open()
    assert table.prompt.kind == "moves" and table.prompt.team == "Blue"
    table.change(table.version, None, lambda d: d.enter_moves("Blue", "1"))
    table.change(table.version, None, lambda d: d.accept())
    saved, _ = load_session(tmp_path / "g.json")
    assert any(e.moves == {"Blue": ["blue_statement"]} for e in saved.journal)


def play_first_phase(folder: Path) -> None:
    """`wargame play --moves` plays Red's first move, then stops at Blue's (exit 2, saved)."""
    from conftest import run_cli

    shutil.copy(TUTORIAL, folder / "tutorial.yaml")
    (folder / "m.yaml").write_text(
        "format: wargame-moves/1\nentries:\n  - turn: 1\n    phase: provocation\n"
        "    moves: {Red: [red_test]}\n"
    )
    done = run_cli(
        "play", "tutorial.yaml", "--human", "Red,Blue", "--session", "g.json", "--moves",
        "m.yaml", cwd=folder,
    )  # fmt: skip
    assert done.returncode == 2 and "phase response" in done.stderr, done.stderr
