"""The report's figures from a game's records (and its risk timeline): which charts, over
what, with which titles, labels and units. Drawing is `charts`; this module picks the data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wargame.engine.narrative import actor_label
from wargame.report import charts
from wargame.report.charts import Series
from wargame.report.game import Game

if TYPE_CHECKING:
    from wargame.report.risk import RiskTimeline


@dataclass(frozen=True)
class Figure:
    """A chart: a short name (the Markdown version's file name), a caption, the SVG."""

    name: str
    caption: str
    svg: str


@dataclass(frozen=True)
class Drawing:
    """A figure still to draw: its name and caption, the `charts` function that draws it and
    that function's arguments, all plain data, so another process can draw it (the dashboard
    draws its charts there, leaving its own interpreter free to redraw the page)."""

    name: str
    caption: str
    chart: Callable[..., str]
    arguments: tuple[Any, ...]
    options: tuple[tuple[str, Any], ...] = ()

    def draw(self) -> Figure:
        return Figure(self.name, self.caption, self.chart(*self.arguments, **dict(self.options)))


def game_figures(game: Game) -> list[Figure]:
    """State variables (but the bookkeeping ones), the ladder, escalation, beliefs and
    relations over the game."""
    records = game.records
    if not records:
        return []
    program = game.scenario.program
    turns = [0] + [r.turn for r in records]
    ticks = turns if len(turns) <= 25 else None
    figures = [f for f in [state_figure(game)] if f is not None]
    if program.ladder is not None and any(r.rung for r in records):
        ladder = [name for name, _ in program.ladder[1]]
        figures.append(
            Figure(
                "ladder",
                f"The escalation ladder (read off {program.ladder[0]}): the rung after each turn.",
                charts.rung_chart(
                    "Escalation ladder: rung reached by turn",
                    [r.turn for r in records],
                    [r.rung or ladder[0] for r in records],
                    ladder,
                ),
            )
        )
    figures.append(
        Figure(
            "escalation",
            "The escalation score of each turn: the sum of the escalation values of the moves "
            "taken (the scenario's categories).",
            charts.line_chart(
                "Escalation score by turn",
                [Series("escalation score", turns[1:], [r.escalation_score for r in records])],
                y_label="escalation score (points)",
                x_ticks=ticks[1:] if ticks else None,
            ),
        )
    )
    figures += _belief_figures(game)
    figures += _relation_figures(game)
    return figures


def state_figure(game: Game) -> Figure | None:
    """Each state variable (but the bookkeeping ones) after every turn so far, over its
    bounds; None before the first turn ends or when every variable is bookkeeping."""
    drawing = state_drawing(game)
    return None if drawing is None else drawing.draw()


def state_drawing(game: Game) -> Drawing | None:
    """`state_figure`, still to draw."""
    records = game.records
    if not records:
        return None
    spec = game.scenario.spec
    turns = [0] + [r.turn for r in records]
    shown = {n: v for n, v in spec.state.variables.items() if not v.bookkeeping}
    panels = [
        charts.Panel(
            f"{name} ({variable.min:g} to {variable.max:g})",
            turns,
            [records[0].state_before.variables[name]]
            + [r.state_after.variables[name] for r in records],
            (variable.min, variable.max),
        )
        for name, variable in shown.items()
    ]
    if not panels:
        return None
    described = "; ".join(
        f"{name}: {' '.join(v.description.split())}" for name, v in shown.items() if v.description
    )
    hidden = len(spec.state.variables) - len(shown)
    left_out = f" {hidden} bookkeeping variable{' is' if hidden == 1 else 's are'} not shown."
    return Drawing(
        "state",
        "Each state variable after every turn, over its bounds (scenario units; turn 0 "
        "is the start)." + (left_out if hidden else "") + (f" {described}." if described else ""),
        charts.small_multiples,
        ("State variables by turn", panels),
        (("x_label", "turn"), ("y_label", "value")),
    )


def relations_figure(
    game: Game, name: str, when_words: str, edges: list[tuple[str, str, dict[str, float]]]
) -> Figure:
    """The relations graph at one moment (`when_words`), trust and alliance on its arrows;
    every actor in the same place whatever the moment, so two graphs can be compared."""
    return relations_drawing(game, name, when_words, edges).draw()


def relations_drawing(
    game: Game, name: str, when_words: str, edges: list[tuple[str, str, dict[str, float]]]
) -> Drawing:
    """`relations_figure`, still to draw."""
    program = game.scenario.program
    names = {actor: actor_label(program, actor) for actor in program.actors}
    return Drawing(
        name,
        f"Relations {when_words}: arrows from each actor to the one it trusts (or not).",
        charts.relations_chart,
        (f"Relations {when_words}", names, edges, charts.layout(list(names))),
    )


def _belief_figures(game: Game) -> list[Figure]:
    """Per actor whose resolve is judged: each observer's belief after every turn it moved."""
    program, records = game.scenario.program, game.records
    seen: dict[str, dict[str, dict[int, float]]] = {}
    start: dict[tuple[str, str], float] = {}
    for record in records:
        for belief in record.beliefs:
            start.setdefault((belief.about, belief.observer), belief.before)
            seen.setdefault(belief.about, {}).setdefault(belief.observer, {})[record.turn] = (
                belief.after
            )
    figures = []
    for about, observers in seen.items():
        series = []
        for observer, by_turn in sorted(observers.items()):
            value = start[(about, observer)]
            xs, ys = [0], [value]
            for record in records:
                value = by_turn.get(record.turn, value)
                xs.append(record.turn)
                ys.append(value)
            series.append(Series(actor_label(program, observer), xs, ys))
        name = actor_label(program, about)
        figures.append(
            Figure(
                f"beliefs-{about}",
                f"How each actor rated {name}'s resolve after every turn (0: none, 1: certain).",
                charts.line_chart(
                    f"Belief in {name}'s resolve, by observer",
                    series,
                    x_label="turn (0: the start)",
                    y_label="belief in resolve (0-1)",
                    y_range=(0.0, 1.0),
                ),
            )
        )
    return figures


def _relation_figures(game: Game) -> list[Figure]:
    records = game.records
    start = [(r.source, r.target, r.values) for r in records[0].state_before.relations]
    end = [(r.source, r.target, r.values) for r in records[-1].state_after.relations]
    if not start and not end:
        return []
    return [
        relations_figure(game, f"relations-{when}", when_words, edges)
        for when, when_words, edges in (
            ("start", f"at the start ({records[0].date})", start),
            ("end", f"at the end (after turn {records[-1].turn})", end),
        )
    ]


def risk_figures(game: Game, risk: RiskTimeline) -> list[Figure]:
    """Per outcome that any continuation reached: its chance by the game's end from the
    start of each turn, under each policy, with 95% intervals."""
    outcomes = {o: " ".join(text.split()) for o, text, _, _ in game.scenario.program.outcomes}
    figures = []
    for outcome, text in outcomes.items():
        if not any(p.probability > 0 for p in risk.points if p.outcome == outcome):
            continue
        series = []
        for policy in risk.policies:
            points = risk.series(outcome, policy)
            series.append(
                Series(
                    policy,
                    [p.turn for p in points],
                    [p.probability for p in points],
                    [p.low for p in points],
                    [p.high for p in points],
                )
            )
        figures.append(
            Figure(
                f"risk-{outcome}",
                f"{(text or outcome).rstrip('.')}: the chance it happens by the end of the "
                f"game, seen from the start of each turn ({risk.runs} continuations each; "
                "shaded: 95% Wilson intervals).",
                charts.line_chart(
                    f"Risk of '{outcome}' by the game's end",
                    series,
                    x_label="from the start of turn",
                    y_label="probability (0-1)",
                    y_range=(0.0, 1.0),
                    x_ticks=sorted({p.turn for p in risk.points}),
                ),
            )
        )
    return figures
