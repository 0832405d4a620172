"""The turn page's charts and report buttons: the report layer's own figures and HTML on the
live game (`wargame.web.live`), drawn in the background so a Resolve shows at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast

import solara
from solara.alias import rv

from wargame.errors import WargameError
from wargame.report.figures import Figure
from wargame.report.game import Game
from wargame.seminar.session import Session
from wargame.web.live import (
    RiskJob,
    live_game,
    relations_now,
    report_html,
    start_risk,
    svg_source,
    turn_charts,
)
from wargame.web.show import Heading

MAX_WEB_RISK = 2_000
"""Continuations a turn the page may ask for (the terminal's `--risk` allows more)."""

_drawn: dict[tuple[object, ...], list[Figure]] = {}
_drawn_lock = threading.Lock()
_risk_jobs: dict[Path, RiskJob] = {}


def _charts(
    key: tuple[object, ...], game: Game, edges: list[tuple[str, str, dict[str, float]]], when: str
) -> list[Figure]:
    """The charts of the game as it stands, drawn once for every tab (kept by what they
    show: the turns finished and the relations' values)."""
    with _drawn_lock:
        hit = _drawn.get(key)
    if hit is not None:
        return hit
    figures = turn_charts(game, edges, when)
    with _drawn_lock:
        if len(_drawn) > 32:
            _drawn.clear()
        _drawn[key] = figures
    return figures


@solara.component
def Picture(figure: Figure) -> None:
    """A chart as a picture, its caption under it."""
    with rv.Html(tag="figure", class_=f"chart chart-{figure.name}", style_="margin: 0 0 12px 0"):
        rv.Html(
            tag="img",
            attributes={"src": svg_source(figure.svg), "alt": figure.caption},
            style_="max-width: 100%; height: auto",
        )
        rv.Html(tag="figcaption", children=[figure.caption], style_="font-size: 0.85em")


@solara.component
def ChartsPanel(session: Session, path: Path, version: int = 0) -> None:
    """The state variables over the turns so far and the relations graph as it stands
    (trust and alliance on the arrows): the after-action report's charts."""
    records = len(session.model.records)
    model = session.model
    edges = relations_now(session)
    turn = model.state.turn
    when = f"as they stand (turn {turn}" + (f", phase {model.phase[0]})" if model.phase else ")")
    key = (
        str(Path(path).resolve()),
        id(session),
        records,
        when,
        tuple((s, t, tuple(sorted((k, round(v, 3)) for k, v in d.items()))) for s, t, d in edges),
    )
    game = live_game(session, path)
    drawn = solara.use_thread(
        lambda: (key, _charts(key, game, edges, when)), dependencies=[key], intrusive_cancel=False
    )
    with solara.Card(title="Charts", classes=["charts"]):
        if records == 0:
            solara.Text("The state chart starts when the first turn ends.")
        finished = drawn.state == solara.ResultState.FINISHED and drawn.value is not None
        if finished and drawn.value is not None and drawn.value[0] == key:  # not a late older
            for figure in drawn.value[1]:
                Picture(figure)
        elif drawn.state == solara.ResultState.ERROR:
            solara.Error(f"The charts could not be drawn: {drawn.error}")
        else:
            solara.Text("Drawing the charts...", classes=["charts-drawing"])
            solara.ProgressLinear(True)


@solara.component
def ReportPanel(
    session: Session,
    path: Path,
    can_change: bool = True,
    version: int = 0,
) -> None:
    """Download the after-action report as the game stands (the HTML of `wargame report`),
    or play its risk timeline in the background with a progress bar, then download that."""
    runs, set_runs = solara.use_state(200)
    problem, set_problem = solara.use_state(cast("str | None", None))
    _, set_tick = solara.use_state(0)
    key = Path(path).resolve()
    job = _risk_jobs.get(key)

    def subscribe() -> Callable[[], None] | None:
        if job is None:
            return None
        return job.listen(lambda: set_tick(job.done + (0 if job.running else 1) + id(job)))

    solara.use_effect(subscribe, [job])
    stem = Path(path).stem
    with solara.Card(title="After-action report", classes=["report-panel"]):
        solara.FileDownload(
            lambda: report_html(live_game(session, path)),
            filename=f"{stem}-report.html",
            label="Download the report as it stands (HTML)",
            mime_type="text/html",
        )
        Heading("Risk timeline", 4)
        solara.Text(
            "From the start of every finished turn, many games played on to the end: the "
            "chance of each outcome, as played and under each variant (wargame report --risk)."
        )
        with solara.Row():
            solara.InputInt(
                f"Continuations a turn (1 to {MAX_WEB_RISK:,})",
                value=runs,
                on_value=set_runs,
                continuous_update=True,
            )
            solara.Button(
                "Play the risk timeline",
                on_click=lambda: _start(
                    session, path, int(runs), can_change, set_problem, set_tick
                ),
                disabled=not can_change or (job is not None and job.running),
                outlined=True,
            )
        if problem:
            solara.Error(problem, classes=["risk-problem"])
        if job is not None:
            if job.running:
                share = job.done / job.total if job.total else 0.0
                solara.Text(
                    f"Playing {job.runs:,} continuations from each of {job.turns} turn(s): "
                    f"{job.done:,} of {job.total or '?'} games ({share:.0%}); the page stays "
                    "usable meanwhile.",
                    classes=["risk-progress"],
                )
                solara.ProgressLinear(share * 100)
            elif job.error:
                solara.Error(f"The risk timeline failed: {job.error}", classes=["risk-problem"])
            elif job.html is not None:
                html = job.html
                solara.Success(
                    f"Risk timeline ready: {job.total:,} games in {job.seconds:.1f} s "
                    f"({job.runs:,} a turn, up to turn {job.turns}).",
                    classes=["risk-ready"],
                )
                solara.FileDownload(
                    html,
                    filename=f"{stem}-report-risk.html",
                    label="Download the report with the risk timeline (HTML)",
                    mime_type="text/html",
                )


def _start(
    session: Session,
    path: Path,
    runs: int,
    can_change: bool,
    set_problem: Callable[[str | None], None],
    set_tick: Callable[[int], None],
) -> None:
    """Start a risk timeline (one at a time per game); a refused number says why."""
    if not can_change:
        set_problem("the risk timeline needs the facilitator token")
        return
    key = Path(path).resolve()
    running = _risk_jobs.get(key)
    if running is not None and running.running:
        set_problem("a risk timeline is already being played: wait for it to finish")
        return
    if not 1 <= runs <= MAX_WEB_RISK:
        set_problem(f"{runs} continuations: give 1 to {MAX_WEB_RISK:,}")
        return
    try:
        _risk_jobs[key] = start_risk(live_game(session, path), runs)
    except WargameError as error:
        set_problem(str(error))
        return
    set_problem(None)
    set_tick(id(_risk_jobs[key]))
