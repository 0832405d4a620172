"""A bookkeeping state variable (`bookkeeping: true`) at a seminar: left out of the board (the
view and the screen), the last turn's sentences and the printed final state; still in the
turn records and the session file.

The tiny scenario gets `tally`, a count of the provocateur's tests that no one in the room
needs to read: every test adds 1 to it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import yaml
from conftest import records_json, scripted, tiny_data
from rich.console import Console
from textual.widgets import Static

from wargame.cli.play import _start
from wargame.cli.printing import print_final
from wargame.seminar import view
from wargame.seminar.session import Session
from wargame.seminar.tui import SeminarApp

TALLY = tiny_data(
    actors=scripted(P="p_always"),
    state={"variables": {"tally": {"initial": 0, "max": 10, "bookkeeping": True}}},
    actions={
        "p_test": {"effects": [{"target": "tension", "add": 0.05}, {"target": "tally", "add": 1}]}
    },
)


def one_turn_played(folder: Path) -> tuple[Session, Path]:
    """The tally scenario after its first turn (agents and doctrines only), saved."""
    scenario = folder / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TALLY, sort_keys=False))
    game = folder / "game.json"
    session, writer = _start(scenario, None, None, 1, 2, game)
    session.advance()
    while session.model.stage != "between_turns":
        session.advance()
    writer(session)
    return session, game


def board_text(session: Session, game: Path) -> str:
    """What the screen's board shows now."""

    async def read() -> str:
        app = SeminarApp(session, game)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            text = str(app.query_one("#board-text", Static).content)
            app.exit(0)
        return text

    return asyncio.run(read())


def test_a_bookkeeping_variable_is_not_on_the_board(tmp_path: Path) -> None:
    session, game = one_turn_played(tmp_path)
    assert session.model.state.vars["tally"] == 1.0  # the game did count the test
    board = view.board(session)
    assert [v.name for v in board.variables] == ["tension", "new_normal", "sanctions", "slow"]
    assert board.hidden == 1
    text = board_text(session, game)
    assert "tension" in text and "tally" not in text
    assert "(1 bookkeeping not shown)" in text
    last_turn = "\n".join(board.last_turn_lines)
    assert "State: tension 0.200->0.250" in last_turn and "tally" not in last_turn


def test_a_bookkeeping_variable_is_not_in_the_printed_final_state(tmp_path: Path) -> None:
    session, _ = one_turn_played(tmp_path)
    console = Console(record=True, width=200)
    print_final(console, session.scenario, session.model.summary())
    printed = console.export_text()
    assert "  tension: 0.250" in printed and "tally" not in printed
    assert "  (1 bookkeeping variable not shown)" in printed


def test_a_bookkeeping_variable_is_in_the_turn_records_and_the_session_file(
    tmp_path: Path,
) -> None:
    session, game = one_turn_played(tmp_path)
    (record,) = records_json(session.model)
    assert record["state_before"]["variables"]["tally"] == 0.0
    assert record["state_after"]["variables"]["tally"] == 1.0
    (saved,) = json.loads(game.read_text())["records"]
    assert saved["state_after"]["variables"]["tally"] == 1.0
