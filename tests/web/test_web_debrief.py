"""The turn page's charts and report buttons, drawn and clicked without a browser."""

from __future__ import annotations

import base64
import itertools
import time
from pathlib import Path

import ipyvuetify as v
import solara
from test_web_panels import texts
from web_game import tutorial_table

from wargame.seminar.session import Session
from wargame.web import debrief
from wargame.web.debrief import ChartsPanel, ReportPanel
from wargame.web.live import (
    live_game,
    relations_chart,
    relations_now,
    report_html,
    start_risk,
    state_chart,
)
from wargame.web.panels import BoardPanel
from wargame.web.table import Table


def play_turn(table: Table) -> None:
    """Red tests a missile, Blue does nothing; both phases resolved."""
    table.change(table.version, None, lambda d: d.enter_moves("Red", "1"))
    table.change(table.version, None, lambda d: d.accept())
    table.change(table.version, None, lambda d: d.enter_moves("Blue", "0"))
    table.change(table.version, None, lambda d: d.accept())


def played(tmp_path: Path) -> tuple[Table, Session]:
    """The tutorial's live game after its first turn, and its session."""
    table = tutorial_table(tmp_path)
    play_turn(table)
    assert table.session is not None
    return table, table.session


def svg_of(source: str) -> str:
    assert source.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(source.split(",", 1)[1]).decode("utf-8")


def test_the_charts_are_the_reports_state_and_the_relations_as_they_stand(
    tmp_path: Path,
) -> None:
    table = tutorial_table(tmp_path)
    session = table.session
    assert session is not None
    game = live_game(session, table.path)
    assert state_chart(game) is None  # no turn has ended: no state chart yet
    assert relations_chart(game, [], "now") is None  # no relations: no graph
    play_turn(table)
    game = live_game(session, table.path)
    state = state_chart(game)
    relations = relations_chart(game, relations_now(session), "now")
    assert state is not None and relations is not None
    assert (state.name, relations.name) == ("state", "relations-now")
    assert "State variables by turn" in state.svg and "tension" in state.svg
    assert "Relations now" in relations.svg and "trust/alliance" in relations.svg
    graph = session.model.state.graph
    trust = graph.edges["Blue", "Green"]["trust"]
    alliance = graph.edges["Blue", "Green"]["alliance"]
    assert f"{trust:.2f}/{alliance:.2f}" in relations.svg


def test_the_charts_panel_shows_them_as_pictures_with_captions(tmp_path: Path) -> None:
    table, session = played(tmp_path)
    box, rc = solara.render(ChartsPanel(session, table.path, table.version), handle_error=False)
    rc.find(v.Html, tag="img").wait_for(timeout=60)
    pictures = rc.find(v.Html, tag="img").widgets
    assert len(pictures) == 2
    assert "State variables by turn" in svg_of(pictures[0].attributes["src"])
    assert "Each state variable after every turn" in texts(box)
    rc.close()


def test_the_report_as_it_stands_is_the_html_of_wargame_report(tmp_path: Path) -> None:
    table, session = played(tmp_path)
    html = report_html(live_game(session, table.path))
    assert html.startswith("<!DOCTYPE html>") and "Missile test near Green" in html
    assert "State variables by turn" in html
    box, rc = solara.render(ReportPanel(session, table.path), handle_error=False)
    assert "Download the report as it stands (HTML)" in texts(box)
    rc.close()


def test_the_risk_timeline_plays_in_the_background_with_its_progress(tmp_path: Path) -> None:
    table, session = played(tmp_path)
    heard: list[tuple[int, int]] = []
    job = start_risk(live_game(session, table.path), 10)
    job.listen(lambda: heard.append((job.done, job.total)))
    deadline = time.monotonic() + 120
    while job.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert job.error is None and job.html is not None
    assert "<h2>Risk timeline</h2>" in job.html and job.total == heard[-1][1] == job.done
    assert job.total % 10 == 0 and job.total >= 10
    steps = sorted({done for done, _ in heard})
    assert steps[0] == 0 and len(steps) >= 11  # the bar moves by a tenth at most
    assert max(b - a for a, b in itertools.pairwise(steps)) <= job.total / 10


def test_the_risk_button_refuses_a_bad_number_and_without_a_turn(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path)
    session = table.session
    assert session is not None
    debrief._risk_jobs.clear()
    box, rc = solara.render(ReportPanel(session, table.path), handle_error=False)
    rc.find(v.TextField).widget.v_model = "0"
    rc.find(v.Btn, children=["Play the risk timeline"]).widget.click()
    assert "0 continuations: give 1 to 2,000" in texts(box)
    rc.find(v.TextField).widget.v_model = "5"
    rc.find(v.Btn, children=["Play the risk timeline"]).widget.click()
    assert "play a turn first" in texts(box)
    rc.close()
    _box, rc = solara.render(ReportPanel(session, table.path, can_change=False), handle_error=False)
    assert rc.find(v.Btn, children=["Play the risk timeline"]).widget.disabled
    rc.close()
    assert not debrief._risk_jobs


def test_the_boards_change_is_over_the_last_turn_not_zero_as_a_turn_begins(
    tmp_path: Path,
) -> None:
    from wargame.seminar import view

    table = tutorial_table(tmp_path)
    play_turn(table)
    session = table.session
    assert session is not None and table.prompt.team == "Red"  # turn 2 has just begun
    record = session.model.records[-1]
    rise = record.state_after.variables["tension"] - record.state_before.variables["tension"]
    change = {v.name: v.change for v in view.board(session).variables}
    assert rise != 0 and change["tension"] == rise
    box, rc = solara.render(BoardPanel(session), handle_error=False)
    assert f"{rise:+.3f}" in texts(box) and "change over the last turn" in texts(box)
    rc.close()
