"""Readable turn-by-turn text from turn records: who did what and why, dice, state changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from wargame.scenario.loading import Scenario


def print_turn(console: Console, record: dict[str, Any]) -> None:
    """Print one turn record."""
    say = lambda text: console.print(text, markup=False)  # noqa: E731
    # Text, not str: a rule title would be read as markup ('[...]' vanishes or raises).
    console.rule(
        Text(f"Turn {record['turn']}  {record['date']}  ({record['rung'] or 'no ladder'})")
    )
    for inj in record["injects"]:
        if inj["fired"]:
            odds = "" if inj["probability"] is None else f" (p={inj['probability']:.2f})"
            say(f"  inject {inj['id']}{odds}: {inj['description'].strip()}")
    for phase in record["phases"]:
        say(f"  [{phase['phase']}]")
        for decision in phase["decisions"]:
            say(f"    {decision['narrative']}")
        for move in phase["adjudication"]:
            if move["votes"]:
                tally = ", ".join(f"{v}: {b}" for v, b in move["votes"].items())
                say(
                    f"    vote on {move['action']}: {tally} -> "
                    f"{'passed' if move['passed'] else 'vetoed'}"
                )
            if move["result"] is not None:
                odds = ", ".join(f"{k} {p:.2f}" for k, p in move["odds"].items())
                forced = f"; forced by facilitator: {move['forced']}" if move["forced"] else ""
                say(
                    f"    die {move['key']}: {move['result']} (roll {move['roll']:.3f}; "
                    f"odds {odds}{forced})"
                )
    for rule in record["rules_fired"]:
        say(f"  rule: {rule}")
    for belief in record["beliefs"]:
        say(
            f"  {belief['observer']} now rates {belief['about']}'s resolve "
            f"{belief['before']:.2f} -> {belief['after']:.2f} "
            f"(answer strength {belief['answer_strength']:.2f})"
        )
    before, after = record["state_before"]["variables"], record["state_after"]["variables"]
    changes = [f"{k} {before[k]:.3f}->{after[k]:.3f}" for k in after if after[k] != before[k]]
    if changes:
        say("  state: " + ", ".join(changes))
    if record["outcomes_triggered"]:
        say("  outcomes: " + ", ".join(record["outcomes_triggered"]))


def print_final(console: Console, scenario: Scenario, summary: dict[str, Any]) -> None:
    """Print the final state and outcomes."""
    say = lambda text: console.print(text, markup=False)  # noqa: E731
    variant = summary["variant"] or "base"
    console.rule(Text(f"Final: {scenario.spec.scenario.title} [{variant}, seed {summary['seed']}]"))
    say(f"  turns played: {summary['turns_played']}")
    for name, value in summary["final"]["variables"].items():
        say(f"  {name}: {value:.3f}")
    for outcome, turn in summary["outcomes"].items():
        say(f"  outcome {outcome}: {'turn ' + str(turn) if turn else 'no'}")
