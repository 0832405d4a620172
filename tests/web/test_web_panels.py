"""Each panel of the dashboard drawn and clicked without a browser (`solara.render`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import ipyvuetify as v
import solara
from web_game import TUTORIAL, tutorial_table

from wargame.web.pages import Dashboard, token_in
from wargame.web.panels import BoardPanel, LogPanel, MovesPanel, NarrativePanel, ReviewPanel
from wargame.web.setup import offer
from wargame.web.setup_panel import SetUp, SetUpPanel


def click(rc: Any, label: str) -> None:
    """Click a button once the charts are drawn (they are drawn in the background and
    redraw their panel when ready: a click meanwhile would race that redraw)."""
    deadline = time.monotonic() + 60
    while rc.find(v.Html, children=["Drawing the charts..."]).widgets:
        assert time.monotonic() < deadline, "the charts were not drawn in a minute"
        time.sleep(0.05)
    rc.find(v.Btn, children=[label]).widget.click()


def texts(box: object) -> str:
    """Every text of a rendered widget tree, joined."""
    found: list[str] = []

    def walk(widget: object) -> None:
        for child in getattr(widget, "children", []) or []:
            if isinstance(child, str):
                found.append(child)
            else:
                walk(child)
        for name in ("label", "value", "text"):
            value = getattr(widget, name, None)
            if isinstance(value, str):
                found.append(value)

    walk(box)
    return "\n".join(found)


def test_the_board_shows_turn_ladder_rung_and_state(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    box, rc = solara.render(BoardPanel(table.session), handle_error=False)
    shown = texts(box)
    assert "Turn 1 of 6" in shown and "Current rung: Subcrisis maneuvering" in shown
    assert "tension" in shown and "Blue->Green ally, trust 0.80" in shown
    rc.close()


def test_the_moves_panel_enters_the_checked_options(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    entered: list[str] = []
    box, rc = solara.render(MovesPanel(table.session, "Red", entered.append), handle_error=False)
    assert "1. Missile test near Green (cost" in texts(box)
    rc.find(v.Checkbox).widget.v_model = True
    rc.find(v.Btn, children=["Enter the moves of Red"]).widget.click()
    assert entered == ["1"]
    rc.find(v.Btn, children=["What would our agent do, and why?"]).widget.click()
    assert "Red's agent would now pick" in texts(box)
    rc.close()


def test_an_options_explanation_is_drawn_only_when_opened(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    box, rc = solara.render(MovesPanel(table.session, "Red", lambda _: None), handle_error=False)
    assert "If success (80%): Red.capability +0.05." not in texts(box)
    rc.find(v.Btn, children=["About Missile test near Green"]).widget.click()
    shown = texts(box)
    assert "If success (80%): Red.capability +0.05." in shown
    assert "Deterred by the answer it expects from Blue." in shown
    rc.find(v.Btn, children=["Hide Missile test near Green"]).widget.click()
    assert "If success (80%)" not in texts(box)
    rc.close()


def test_a_read_only_moves_panel_has_its_controls_disabled(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    _box, rc = solara.render(
        MovesPanel(table.session, "Red", lambda _: None, can_change=False), handle_error=False
    )
    assert rc.find(v.Btn, children=["Enter the moves of Red"]).widget.disabled
    rc.close()


def test_the_review_shows_the_dice_and_forces_one_with_its_reason(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    table.change(table.version, None, lambda d: d.enter_moves("Red", "1"))
    calls: list[tuple[object, ...]] = []
    box, rc = solara.render(
        ReviewPanel(
            table.session,
            lambda: calls.append(("accept",)),
            lambda n, r, why: calls.append(("force", n, r, why)),
            lambda n, why: calls.append(("reroll", n, why)),
        ),
        handle_error=False,
    )
    assert "Missile test near Green" in texts(box) and "odds success 80%" in texts(box)
    rc.find(v.TextField).widget.v_model = "the room decides"
    rc.find(v.Btn, children=["Force 1 to failure"]).widget.click()
    rc.find(v.Btn, children=["Resolve"]).widget.click()
    assert calls == [("force", 1, "failure", "the room decides"), ("accept",)]
    rc.close()


def test_narrative_and_log_tell_the_turn_in_words(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    table.change(table.version, None, lambda d: d.enter_moves("Red", "1"))
    table.change(table.version, None, lambda d: d.accept())
    box, rc = solara.render(NarrativePanel(table.session), handle_error=False)
    assert "[provocation]" in texts(box) and "Missile test near Green" in texts(box)
    rc.close()
    box, rc = solara.render(LogPanel(table.session), handle_error=False)
    assert "decide: moves={'Red': ['red_test']}" in texts(box)
    rc.close()


def test_the_log_shows_the_newest_entries_and_all_on_request(tmp_path: Path) -> None:
    from test_web_debrief import play_turn

    from wargame.web.panels import RECENT_LOG

    table = tutorial_table(tmp_path)
    for _ in range(3):
        play_turn(table)
    assert table.session is not None
    log = table.session.log
    assert len(log) > RECENT_LOG
    box, rc = solara.render(LogPanel(table.session), handle_error=False)
    rows = rc.find(v.Html, tag="tr").widgets
    assert len(rows) == RECENT_LOG + 1  # the header and the newest entries
    assert f"{len(log)} entries, newest first; the last {RECENT_LOG} shown" in texts(box)
    numbers = [texts(row).split("\n")[0] for row in rows[1:]]  # each row's entry number
    assert numbers == [str(n) for n in range(len(log), len(log) - RECENT_LOG, -1)]
    assert texts(rows[1]).endswith(log[-1].time) and log[-1].what in texts(rows[1])
    rc.find(v.Btn, children=[f"Show all {len(log)}"]).widget.click()
    rows = rc.find(v.Html, tag="tr").widgets
    assert [texts(row).split("\n")[0] for row in rows[1:]][-1] == "1"
    assert len(rows) == len(log) + 1 and log[0].what in texts(rows[-1])
    rc.close()


def test_the_set_up_panel_starts_a_game_with_the_chosen_teams(tmp_path: Path) -> None:
    from wargame.scenario.loading import load_scenario

    started: list[SetUp] = []
    offers = [offer(load_scenario(TUTORIAL), TUTORIAL)]
    _box, rc = solara.render(SetUpPanel(offers, started.append), handle_error=False)
    rc.find(v.Select, label="Red (Red)").widget.v_model = "human"
    rc.find(v.Btn, children=["Start the game"]).widget.click()
    assert started[0].controllers == {"Red": "human", "Blue": "agent", "Green": "agent"}
    assert started[0].source == TUTORIAL
    rc.close()


def test_a_broken_pasted_scenario_is_refused_with_its_line(tmp_path: Path) -> None:
    box, rc = solara.render(SetUpPanel([], lambda _: None), handle_error=False)
    rc.find(v.Textarea).widget.v_model = "scenario:\n  id: [unclosed\n"
    rc.find(v.Btn, children=["Check the pasted scenario"]).widget.click()
    shown = texts(box)
    assert "The scenario is refused:" in shown and "pasted.yaml:" in shown
    rc.close()


def test_without_the_token_the_page_is_read_only_and_says_so(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path, token="s3cret")
    box, rc = solara.render(Dashboard(table, []), handle_error=False)
    assert "Player's view (read-only)" in texts(box)
    assert rc.find(v.Btn, children=["Enter the moves of Red"]).widget.disabled
    rc.close()
    box, rc = solara.render(Dashboard(table, [], "token=s3cret"), handle_error=False)
    assert not rc.find(v.Btn, children=["Enter the moves of Red"]).widget.disabled
    rc.close()
    assert token_in("a=1&token=x") == "x" and token_in(None) is None


def test_clicks_on_the_page_play_undo_and_a_refusal_is_shown_in_words(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    box, rc = solara.render(Dashboard(table, []), handle_error=False)
    click(rc, "Enter the moves of Red")  # no move: a choice
    assert table.prompt.kind == "review"
    click(rc, "Resolve")
    assert "Waiting for the moves of Blue" in texts(box)
    click(rc, "Undo")
    assert table.prompt.team == "Red" and "undo 1 step(s)" in texts(box)
    table.version += 1  # another tab moved on since this page was drawn
    click(rc, "Enter the moves of Red")
    assert "the game moved on in another tab" in texts(box)
    assert table.prompt.team == "Red"
    rc.close()
