"""The game on a terminal: each turn's narrative lines (`wargame.engine.narrative`) and the end."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from wargame.engine.narrative import turn_lines

if TYPE_CHECKING:
    from wargame.engine.program import Program
    from wargame.engine.records import TurnRecord
    from wargame.scenario.loading import Scenario


def print_turn(
    console: Console,
    program: Program,
    record: TurnRecord,
    detail: bool = False,
    previous: TurnRecord | None = None,
) -> None:
    """Print one turn record: a rule with the turn and date, then the narrative lines."""
    title, *lines = turn_lines(program, record, detail, previous)
    # Text, not str: a rule title would be read as markup ('[...]' vanishes or raises).
    console.rule(Text(title))
    for line in lines:
        console.print(line, markup=False, highlight=False)


def print_final(console: Console, scenario: Scenario, summary: dict[str, Any]) -> None:
    """Print the final state (but its bookkeeping variables) and outcomes."""
    say = lambda text: console.print(text, markup=False)  # noqa: E731
    variant = summary["variant"] or "base"
    if scenario.hindsight:
        variant += ", HINDSIGHT"
    console.rule(Text(f"Final: {scenario.spec.scenario.title} [{variant}, seed {summary['seed']}]"))
    say(f"  turns played: {summary['turns_played']}")
    variables = summary["final"]["variables"]
    shown = scenario.program.shown(variables)
    for name, value in shown.items():
        say(f"  {name}: {value:.3f}")
    if len(shown) < len(variables):
        hidden = len(variables) - len(shown)
        say(f"  ({hidden} bookkeeping variable{'s' if hidden != 1 else ''} not shown)")
    for outcome, turn in summary["outcomes"].items():
        say(f"  outcome {outcome}: {'turn ' + str(turn) if turn else 'no'}")
