"""The turn page's charts and report buttons: the report layer's own figures and HTML on the
live game (`wargame.web.live`), drawn in the background once the page has been redrawn, so a
Resolve shows at once and the charts follow (the last ones stay up meanwhile)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast

import solara
from solara.alias import rv

from wargame.errors import WargameError
from wargame.report.figures import Figure
from wargame.seminar.session import Session
from wargame.web.live import (
    RiskJob,
    live_game,
    relations_chart,
    relations_now,
    report_html,
    start_risk,
    state_chart,
    svg_source,
)
from wargame.web.show import Heading

MAX_WEB_RISK = 2_000
"""Continuations a turn the page may ask for (the terminal's `--risk` allows more)."""

_drawn: dict[tuple[object, ...], Figure | None] = {}
_drawn_lock = threading.Lock()
_risk_jobs: dict[Path, RiskJob] = {}


def _drawn_once(key: tuple[object, ...], draw: Callable[[], Figure | None]) -> Figure | None:
    """A chart drawn once for every tab, kept by what it shows (`key`)."""
    with _drawn_lock:
        if key in _drawn:
            return _drawn[key]
    figure = draw()
    with _drawn_lock:
        if len(_drawn) > 64:
            _drawn.clear()
        _drawn[key] = figure
    return figure


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
def ChartsPanel(
    session: Session,
    path: Path,
    version: int = 0,
    settled: Callable[[], None] | None = None,
) -> None:
    """The state variables over the turns so far and the relations graph as it stands
    (trust and alliance on the arrows): the after-action report's charts. They are drawn in
    a thread that first waits for `settled` (the change and every tab's redraw done), so
    drawing never slows the page; the last charts stay up until the new ones are ready."""
    records = len(session.model.records)
    model = session.model
    edges = relations_now(session)
    turn = model.state.turn
    when = f"as they stand (turn {turn}" + (f", phase {model.phase[0]})" if model.phase else ")")
    game_key = (str(Path(path).resolve()), id(session))
    state_key = (*game_key, "state", records)
    relations_key = (
        *game_key,
        "relations",
        when,
        tuple((s, t, tuple(sorted((k, round(v, 3)) for k, v in d.items()))) for s, t, d in edges),
    )
    key = (state_key, relations_key)
    game = live_game(session, path)

    def draw() -> tuple[object, list[Figure]]:
        if settled is not None:
            settled()
        figures = [
            _drawn_once(state_key, lambda: state_chart(game)),
            _drawn_once(relations_key, lambda: relations_chart(game, edges, when)),
        ]
        return key, [f for f in figures if f is not None]

    drawn = solara.use_thread(draw, dependencies=[key], intrusive_cancel=False)
    with solara.Card(title="Charts", classes=["charts"]):
        if records == 0:
            solara.Text("The state chart starts when the first turn ends.")
        if drawn.state == solara.ResultState.ERROR:
            solara.Error(f"The charts could not be drawn: {drawn.error}")
        elif drawn.value is None or drawn.value[0] != key:  # drawing (or a late older one)
            solara.Text("Drawing the charts...", classes=["charts-drawing"])
            solara.ProgressLinear(True)
        if drawn.value is not None:  # the newest charts drawn: the last ones until the next
            for figure in drawn.value[1]:
                Picture(figure).key(f"chart-{figure.name}")


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
