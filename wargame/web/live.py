"""The report layer on the live game: its charts for the turn page, the after-action report
as it stands, and the risk timeline played in the background with its progress.

Nothing is drawn or counted here that `wargame.report` does not already: the live session is
made the `Game` a report is about (what `wargame report` reads from the session file), and
the report's own figures and HTML are asked of it.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wargame.errors import WargameError
from wargame.report.figures import Figure, relations_drawing, state_drawing
from wargame.report.game import Game
from wargame.seminar.session import Session
from wargame.seminar.sessionfile import SessionWriter
from wargame.web import drawer
from wargame.web.listeners import Listeners

_drawing = threading.Lock()
"""Matplotlib's pyplot is not thread-safe: one chart is drawn at a time."""


def live_game(session: Session, path: Path) -> Game:
    """The game as it stands, as the report reads it from the session file: the scenario,
    seed, every finished turn's record and the facilitator log."""
    writer = session.autosave
    text = writer.scenario_text if isinstance(writer, SessionWriter) else ""
    return Game(
        "session",
        Path(path),
        session.scenario,
        text,
        (),
        session.seed,
        list(session.model.records),
        list(session.log),
    )


def relations_now(session: Session) -> list[tuple[str, str, dict[str, float]]]:
    """Every relation as it stands (mid-turn too): source, target and its values."""
    graph = session.model.state.graph
    return [
        (source, target, {k: float(v) for k, v in data.items()})
        for source, target, data in graph.edges(data=True)
    ]


def state_chart(game: Game) -> Figure | None:
    """The state variables over the turns so far (None until a turn has ended), drawn in
    the chart process."""
    drawing = state_drawing(game)
    return None if drawing is None else drawer.draw(drawing)


def relations_chart(
    game: Game, edges: list[tuple[str, str, dict[str, float]]], when_words: str
) -> Figure | None:
    """The relations graph as it stands, trust and alliance on the arrows (`when_words`:
    'as they stand (turn 3, phase 2)'), drawn in the chart process; None for a scenario
    without relations."""
    if not edges:
        return None
    return drawer.draw(relations_drawing(game, "relations-now", when_words, edges))


def svg_source(svg: str) -> str:
    """A chart as an image address: drawn by the browser as a picture (no script in it runs,
    whatever text a scenario put in its labels)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def report_html(game: Game) -> str:
    """The after-action report of the game as it stands: the HTML of `wargame report`."""
    from wargame.report.content import build_content
    from wargame.report.figures import game_figures
    from wargame.report.render import html_report

    with _drawing:
        return html_report(build_content(game), game_figures(game), None, [])


@dataclass
class RiskJob:
    """The risk timeline of one game played in a background thread: games done of all, then
    the report with it (or what went wrong). Listeners hear every step."""

    runs: int
    turns: int
    done: int = 0
    total: int = 0
    html: str | None = None
    error: str | None = None
    seconds: float = 0.0
    listeners: Listeners = field(default_factory=Listeners)

    @property
    def running(self) -> bool:
        return self.html is None and self.error is None

    def listen(self, call: Callable[[], None]) -> Callable[[], None]:
        return self.listeners.add(call)

    def tell(self) -> None:
        self.listeners.tell()


def start_risk(game: Game, runs: int, seed: int = 0) -> RiskJob:
    """Play the risk timeline of `game` (`runs` continuations from every turn's start, as
    `wargame report --risk`) in a background thread, one worker: the page stays usable."""
    if not game.records:
        raise WargameError("the risk timeline starts from finished turns: play a turn first")
    job = RiskJob(runs, len(game.records))

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        job.tell()

    def play() -> None:
        from wargame.report.content import build_content
        from wargame.report.figures import game_figures, risk_figures
        from wargame.report.render import html_report
        from wargame.report.risk import risk_timeline

        try:
            timeline = risk_timeline(game, runs=runs, seed=seed, on_progress=progress)
            with _drawing:
                job.html = html_report(
                    build_content(game),
                    game_figures(game),
                    timeline,
                    risk_figures(game, timeline),
                )
            job.seconds = timeline.seconds
        except WargameError as error:
            job.error = str(error)
        except Exception as error:  # the page says so rather than a thread dying unseen
            job.error = f"the risk timeline failed: {type(error).__name__}: {error}"
        job.tell()

    threading.Thread(target=play, name="wargame-risk", daemon=True).start()
    return job
