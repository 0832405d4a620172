"""The dashboard: the set-up page until a game is set up, then the turn page. Every control
goes through `Table.change` (token, lock, the version the tab saw); a refused input is shown
in words and leaves the game as it was."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any, cast

import solara
from solara.alias import rv

from wargame.errors import WargameError
from wargame.seminar.desk import Desk
from wargame.web.debrief import ChartsPanel, ReportPanel
from wargame.web.panels import (
    BoardPanel,
    ControlsPanel,
    LogPanel,
    MovesPanel,
    NarrativePanel,
    ReviewPanel,
    VotePanel,
)
from wargame.web.setup import Offer, choose, problem_lines
from wargame.web.setup_panel import SetUp, SetUpPanel
from wargame.web.show import Lines
from wargame.web.table import Table


def token_in(search: str | None) -> str | None:
    """The facilitator token of a page address's query (`?token=...`), if any."""
    values = urllib.parse.parse_qs(search or "").get("token")
    return values[0] if values else None


@solara.component_vue("vue/forget_token.vue")
def ForgetToken() -> None:
    """Takes `?token=...` out of the address bar once read (history, projected screens)."""


@solara.component
def Dashboard(table: Table, offers: Sequence[Offer], search: str | None = None) -> None:
    """The page of one tab: redrawn after every change any tab makes."""
    _, set_tick = solara.use_state(0.0)
    error, set_error = solara.use_state(cast(list[str], []))
    token, set_token = solara.use_state(token_in(search) or "")

    def subscribe() -> Callable[[], None]:
        return table.listen(lambda: set_tick(time.perf_counter()))

    solara.use_effect(subscribe, [table])
    seen = table.version
    can_change = table.access.allows(token or None)

    def act(do: Callable[[Desk], Any]) -> None:
        """One change; the table tells every tab (this one too) to redraw, once."""
        try:
            table.change(seen, token or None, do)
            set_error([])
        except WargameError as failure:
            set_error(problem_lines(failure))

    def start(setup: SetUp) -> None:
        try:
            table.start(
                choose(
                    setup.source,
                    table.path,
                    variant=setup.variant,
                    seed=setup.seed,
                    controllers=setup.controllers,
                    turns=setup.turns,
                ),
                token or None,
            )
            set_error([])
        except WargameError as failure:
            set_error(problem_lines(failure))
        set_tick(time.perf_counter())

    with solara.Column(classes=["dashboard"]):
        with solara.Column(classes=["page-errors"]):  # one place: the page below stays
            if error:
                with solara.Error(classes=["page-error"]):
                    Lines(error)
        if table.access.needed:
            if token_in(search):
                ForgetToken()
            if can_change:
                solara.Success("Facilitator: the controls are yours.", dense=True)
            else:
                solara.Info(
                    "Player's view (read-only): the facilitator enters the token printed "
                    "when the server started to use the controls.",
                    dense=True,
                )
                solara.InputText(
                    "Facilitator token", value=token, on_value=set_token, password=True
                )
        if table.session is None:
            SetUpPanel(offers, start, can_change)
        else:
            TurnPage(table, act, can_change)


@solara.component
def TurnPage(table: Table, act: Callable[[Callable[[Desk], Any]], None], can_change: bool) -> None:
    """The board, the panel of whoever must answer now, the narrative, controls and log."""
    desk = table.desk
    assert desk is not None
    session = desk.session
    prompt = desk.prompt
    with solara.Columns([5, 7]):
        with solara.Column():
            BoardPanel(session, table.version)
            ChartsPanel(session, table.path, table.version, table.settled)
        with solara.Column():
            rv.Html(  # the version: a browser (or test) can tell the page is the game as it is
                tag="p",
                class_="waiting",
                attributes={"data-version": str(table.version)},
                children=[f"Waiting for {desk.waiting()}"],
            )
            if prompt.kind == "moves" and prompt.team is not None:
                team = prompt.team
                MovesPanel(
                    session,
                    team,
                    lambda text: act(lambda d: d.enter_moves(team, text)),
                    can_change,
                ).key(f"moves-{team}-{table.version}")
            elif prompt.kind == "vote" and prompt.team and prompt.proposal:
                voter, proposal = prompt.team, prompt.proposal
                VotePanel(
                    session,
                    voter,
                    proposal,
                    lambda text: act(lambda d: d.enter_vote(voter, proposal, text)),
                    can_change,
                ).key(f"vote-{voter}-{proposal}-{table.version}")
            elif prompt.kind == "review":
                ReviewPanel(
                    session,
                    lambda: act(lambda d: d.accept()),
                    lambda n, result, why: act(lambda d: d.force(n, result, why)),
                    lambda n, why: act(lambda d: d.reroll(n, why)),
                    can_change,
                    table.version,
                    lambda team, text, why: act(lambda d: d.replace(team, text, why)),
                )
            else:
                solara.Success("The game is over.", classes=["game-over"])
            NarrativePanel(session, table.version)
    ControlsPanel(
        session,
        lambda why: act(lambda d: d.undo(1, why)),
        lambda team, to, why: act(lambda d: d.hand_over(team, to, why)),
        lambda which, why: act(lambda d: d.fire_inject(which, why)),
        lambda text, changes, why: act(lambda d: d.add_event(text, changes, why)),
        can_change,
        table.version,
        lambda which, outcome, why: act(lambda d: d.force_next_turn(which, outcome, why)),
    )
    ReportPanel(session, table.path, can_change, table.version)
    LogPanel(session, table.version)
