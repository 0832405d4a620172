"""The facilitator's replace and next-turn controls and the set-up page's turns, on the page
(`solara.render`): each done with its reason and logged; refused, the game stays as it was."""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import pytest
import solara
from test_web_panels import click, texts
from web_game import TUTORIAL, korea_table, tutorial_table

from wargame.errors import WargameError
from wargame.web.pages import Dashboard
from wargame.web.setup import choose, offer
from wargame.web.setup_panel import SetUp, SetUpPanel
from wargame.web.table import Table


def journal(table: Table) -> list[str]:
    session = table.session
    assert session is not None
    return [repr(e) for e in session.journal]


def test_an_agents_moves_are_replaced_with_the_reason_logged(tmp_path: Path) -> None:
    table = tutorial_table(tmp_path, humans=("Red",))
    box, rc = solara.render(Dashboard(table, []), handle_error=False)
    click(rc, "Enter the moves of Red")
    click(rc, "Resolve")  # Blue and Green's phase, agents
    assert "Green held its course" in texts(box)  # its agent's plan: nothing this turn
    rc.find(v.Select, label="Agent team").widget.v_model = "Green"
    rc.find(v.TextField, label="New moves: option numbers (0 for none)").widget.v_model = "1"
    before = journal(table)
    click(rc, "Replace the moves of Green")  # no reason
    assert "reason" in texts(box) and journal(table) == before  # refused, nothing changed
    rc.find(
        v.TextField, label="Reason (for replace, force or re-roll: logged)"
    ).widget.v_model = "the room overrules Green"
    click(rc, "Replace the moves of Green")
    session = table.session
    assert session is not None
    assert session.log[-1].reason == "the room overrules Green"
    assert "replace" in session.log[-1].what and "Green" in session.log[-1].what
    assert "Green held its course" not in texts(box)
    assert "Build own missile defence" in texts(box)
    rc.close()


def test_the_next_turns_inject_is_decided_with_its_reason(tmp_path: Path) -> None:
    table = korea_table(tmp_path)
    box, rc = solara.render(Dashboard(table, []), handle_error=False)
    assert table.prompt.kind == "review"  # North Korea's phase, an agent's
    turn = table.session.model.state.turn if table.session else 0
    before = journal(table)
    click(rc, "Decide for the next turn")  # no reason
    assert journal(table) == before and "reason" in texts(box)
    rc.find(v.TextField, label="Reason (logged with the control)").widget.v_model = "scripted"
    click(rc, "Decide for the next turn")
    session = table.session
    assert session is not None
    entry = session.log[-1]
    assert entry.reason == "scripted" and f"t{turn + 1}:inject:start_recorded" in entry.what
    rc.close()


def test_the_set_up_page_passes_the_turns_to_play(tmp_path: Path) -> None:
    from wargame.scenario.loading import load_scenario

    started: list[SetUp] = []
    offers = [offer(load_scenario(TUTORIAL), TUTORIAL)]
    box, rc = solara.render(SetUpPanel(offers, started.append), handle_error=False)
    assert "Turns to play (0: all 6 of the scenario)" in texts(box)
    click(rc, "Start the game")
    rc.find(v.TextField, label="Turns to play (0: all 6 of the scenario)").widget.v_model = "2"
    click(rc, "Start the game")
    assert [s.turns for s in started] == [None, 2]
    rc.close()
    choice = choose(TUTORIAL, tmp_path / "g.json", variant=None, seed=0, controllers={}, turns=2)
    assert choice.turns == 2
    with pytest.raises(WargameError, match="-1 turns: give 1 to"):
        choose(TUTORIAL, tmp_path / "g.json", variant=None, seed=0, controllers={}, turns=-1)


def test_a_team_is_handed_only_to_its_own_doctrines(tmp_path: Path) -> None:
    table = korea_table(tmp_path)
    _box, rc = solara.render(Dashboard(table, []), handle_error=False)
    team = rc.find(v.Select, label="Team").widget
    assert "United States" in team.items and "China" in team.items
    team.v_model = "United States"
    played_by = rc.find(v.Select, label="Played by").widget
    us = [d for d in played_by.items if d.startswith("script:")]
    assert us and all(d.startswith("script:us_") for d in us)
    played_by.v_model = us[0]
    rc.find(v.TextField, label="Reason (logged with the control)").widget.v_model = "scripted"
    click(rc, "Hand over")
    session = table.session
    assert session is not None and session.model.controllers["US"] == us[0]
    team.v_model = "China"
    played_by = rc.find(v.Select, label="Played by").widget
    assert not any(d.startswith("script:us_") for d in played_by.items)
    assert played_by.v_model == "human"  # the US doctrine chosen before is not China's
    rc.close()
