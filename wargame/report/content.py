"""What an after-action report says, as typed records built from a game's turn records.

Pure functions: the same records give the same report. Every sentence comes from the plain
narrative (`wargame.engine.narrative`), so the report words things as the game screen did.
Renderers (`html`, `markdown`) only lay these records out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from wargame.engine.narrative import (
    action_label,
    actor_label,
    adjudication_lines,
    controller_label,
    decision_sentence,
    inject_line,
    option_lines,
)
from wargame.engine.program import Program
from wargame.engine.records import DecisionRecord, OptionRecord, TurnRecord
from wargame.report.game import Game
from wargame.seminar.session import LogEntry


@dataclass(frozen=True)
class Fact:
    """One line of a report's facts table: a label and its value."""

    label: str
    value: str


@dataclass(frozen=True)
class TeamLine:
    """A team and who played it, turn by turn ('people, turns 1-3; then agent')."""

    actor: str
    name: str
    played_by: str


@dataclass(frozen=True)
class OutcomeLine:
    outcome: str
    text: str
    turn: int | None
    terminal: bool


@dataclass(frozen=True)
class DecisionLine:
    """One team's decision: the sentence, and its options with utility terms (detail)."""

    team: str
    sentence: str
    detail: list[str]
    by_people: bool
    replaced: bool


@dataclass(frozen=True)
class PhaseSection:
    name: str
    events: list[str]
    decisions: list[DecisionLine]
    adjudication: list[str]


@dataclass(frozen=True)
class StateChange:
    variable: str
    before: float
    after: float


@dataclass(frozen=True)
class TurnSection:
    turn: int
    date: str
    rung: str | None
    events: list[str]
    phases: list[PhaseSection]
    late_events: list[str]
    rules: list[str]
    beliefs: list[str]
    changes: list[StateChange]
    outcomes: list[str]
    interventions: int


@dataclass(frozen=True)
class InterventionLine:
    """A facilitator's act, highlighted: when, what, on what, and why."""

    turn: int
    phase: str | None
    kind: str
    target: str
    what: str
    reason: str


@dataclass(frozen=True)
class TermGap:
    term: str
    chosen: float
    agent: float


@dataclass(frozen=True)
class RoadNotTaken:
    """A human team's choice set against its agent's most likely one, in the agent's terms."""

    turn: int
    team: str
    chosen: str
    chosen_utility: float
    agent_choice: str
    agent_probability: float
    agent_utility: float
    terms: list[TermGap]

    @property
    def gap(self) -> float:
        """How much more the agent valued its choice than the team's (0: the same choice)."""
        return self.agent_utility - self.chosen_utility


@dataclass(frozen=True)
class Content:
    """Everything the report shows but its charts and risk timeline."""

    title: str
    facts: list[Fact]
    teams: list[TeamLine]
    outcomes: list[OutcomeLine]
    turned_on: list[str]
    final_state: list[Fact]
    turns: list[TurnSection]
    interventions: list[InterventionLine]
    undos: list[InterventionLine]
    roads: list[RoadNotTaken]
    notes: list[str] = field(default_factory=list)
    hindsight: str | None = None
    """The banner of a hindsight variant's game (it knew what was not known at the start)."""


def build_content(game: Game) -> Content:
    """The report's text from the game's records (no game is played)."""
    program = game.scenario.program
    spec = game.scenario.spec.scenario
    records = game.records
    last = records[-1] if records else None
    facts = [
        Fact("Scenario", spec.title),
        Fact("Variant", game.variant or "base (as written)"),
        Fact("Seed", str(game.seed)),
        Fact("Turns played", f"{len(records)} ({_dates(records)})" if records else "none"),
        Fact("Final rung", (last.rung or "no ladder") if last else "none"),
        Fact("Record", f"{'session file' if game.kind == 'session' else 'run'} {game.path.name}"),
    ]
    interventions = _interventions(program, records)
    outcomes = _outcomes(program, records)
    return Content(
        title=f"After-action report: {spec.title}",
        facts=facts,
        teams=_teams(program, records),
        outcomes=outcomes,
        turned_on=_turned_on(program, records, outcomes, interventions),
        final_state=[
            Fact(name, f"{value:.3f}")
            for name, value in program.shown(last.state_after.variables).items()
        ]
        if last
        else [],
        turns=[_turn(program, r, p) for p, r in zip([None, *records], records, strict=False)],
        interventions=interventions,
        undos=_undos(game.log),
        roads=road_not_taken(program, records),
        hindsight=game.scenario.hindsight_note,
    )


def _dates(records: Sequence[TurnRecord]) -> str:
    return f"{records[0].date} to {records[-1].date}"


def _teams(program: Program, records: Sequence[TurnRecord]) -> list[TeamLine]:
    lines = []
    for actor in program.actors:
        spans: list[tuple[str, int, int]] = []
        for record in records:
            controller = record.controllers.get(actor, "agent")
            if spans and spans[-1][0] == controller:
                spans[-1] = (controller, spans[-1][1], record.turn)
            else:
                spans.append((controller, record.turn, record.turn))
        words = [_who(c) + (_turns(a, b) if len(spans) > 1 else "") for c, a, b in spans]
        lines.append(TeamLine(actor, actor_label(program, actor), "; then ".join(words) or "-"))
    return lines


def _turns(first: int, last: int) -> str:
    return f" (turn {first})" if first == last else f" (turns {first}-{last})"


def _who(controller: str) -> str:
    return "people" if controller == "human" else controller_label(controller)


def _outcomes(program: Program, records: Sequence[TurnRecord]) -> list[OutcomeLine]:
    first: dict[str, int] = {}
    for record in records:
        for outcome in record.outcomes_triggered:
            first.setdefault(outcome, record.turn)
    return [
        OutcomeLine(outcome_id, " ".join(text.split()) or outcome_id, first.get(outcome_id), end)
        for outcome_id, text, _, end in program.outcomes
    ]


def _turned_on(
    program: Program,
    records: Sequence[TurnRecord],
    outcomes: Sequence[OutcomeLine],
    interventions: Sequence[InterventionLine],
) -> list[str]:
    """A few plain sentences on what the game turned on: the biggest turn, outcomes, the
    rungs reached, the facilitator's hand."""
    if not records:
        return ["No turn was played."]
    sentences = []
    rungs = [r.rung for r in records if r.rung]
    if rungs:
        start, end = records[0].state_before, records[-1].state_after
        ladder = program.ladder[0] if program.ladder else None
        if ladder is not None:
            sentences.append(
                f"The crisis went from {start.variables[ladder]:.2f} to "
                f"{end.variables[ladder]:.2f} on the ladder ({ladder}), ending at "
                f"'{rungs[-1]}'."
            )
    hottest = max(records, key=lambda r: r.escalation_score)
    moves = [
        action_label(program, d.chosen[0])
        for phase in hottest.phases
        for d in phase.decisions
        if d.chosen
    ]
    sentences.append(
        f"The most escalatory turn was turn {hottest.turn} ({hottest.date}, escalation "
        f"score {hottest.escalation_score:g})" + (f": {', '.join(moves[:4])}." if moves else ".")
    )
    done = [o for o in outcomes if o.turn is not None]
    if done:
        sentences.append(
            "Outcomes: " + "; ".join(f"{o.text.rstrip('.')} (turn {o.turn})" for o in done) + "."
        )
    else:
        sentences.append("None of the scenario's outcomes happened.")
    if interventions:
        kinds = sorted({i.kind for i in interventions})
        sentences.append(
            f"The facilitator intervened {len(interventions)} time(s): {', '.join(kinds)}."
        )
    return sentences


def _turn(program: Program, record: TurnRecord, previous: TurnRecord | None) -> TurnSection:
    def events(phase: str | None) -> list[str]:
        return [
            inject_line(program, i)
            for i in record.injects
            if (i.fired or i.forced) and i.phase == phase
        ]

    phases = [
        PhaseSection(
            name=phase.phase,
            events=events(phase.phase),
            decisions=[_decision(program, d) for d in phase.decisions],
            adjudication=[
                line for move in phase.adjudication for line in adjudication_lines(program, move)
            ],
        )
        for phase in record.phases
    ]
    rules = {rule_id: " ".join(text.split()) for rule_id, text, _, _ in program.rules}
    outcomes = {o: " ".join(text.split()) for o, text, _, _ in program.outcomes}
    held = set(previous.outcomes_triggered) if previous is not None else set()
    before, after = record.state_before.variables, program.shown(record.state_after.variables)
    return TurnSection(
        turn=record.turn,
        date=record.date,
        rung=record.rung,
        events=events(None),
        phases=phases,
        late_events=events(""),
        rules=[rules.get(r) or r for r in record.rules_fired],
        beliefs=[
            f"{actor_label(program, b.observer)} now rates {actor_label(program, b.about)}'s "
            f"resolve {b.before:.2f} -> {b.after:.2f} (answer strength {b.answer_strength:.2f})"
            for b in record.beliefs
        ],
        changes=[StateChange(k, before[k], after[k]) for k in after if after[k] != before.get(k)],
        outcomes=[outcomes.get(o) or o for o in record.outcomes_triggered if o not in held],
        interventions=len(record.interventions),
    )


def _decision(program: Program, decision: DecisionRecord) -> DecisionLine:
    return DecisionLine(
        team=actor_label(program, decision.actor),
        sentence=decision_sentence(program, decision),
        detail=option_lines(program, decision),
        by_people=decision.controller == "human",
        replaced=decision.replaced is not None,
    )


KINDS = {
    "force": "forced",
    "reroll": "re-rolled",
    "replace_moves": "move replaced",
    "hand_over": "team handed over",
    "fire_inject": "inject fired",
    "ad_hoc_inject": "event added",
}


def _interventions(program: Program, records: Sequence[TurnRecord]) -> list[InterventionLine]:
    """Every facilitator act in the records, with what it changed (the roll a forced die
    replaced is in the timeline's dice line)."""
    lines = []
    for record in records:
        forced = {
            a.key: a for phase in record.phases for a in phase.adjudication if a.forced is not None
        }
        for act in record.interventions:
            what = act.detail
            item = forced.get(act.target)
            if act.kind == "force" and item is not None and item.rolled_result is not None:
                what += f" (the die gave {item.rolled_result}"
                what += f", roll {item.roll:.3f})" if item.roll is not None else ")"
            target = act.target
            if act.kind in ("replace_moves", "hand_over"):
                target = actor_label(program, act.target)
            lines.append(
                InterventionLine(
                    act.turn, act.phase, KINDS.get(act.kind, act.kind), target, what, act.reason
                )
            )
    return lines


def _undos(log: Sequence[LogEntry]) -> list[InterventionLine]:
    """Undos are not in the records (what was undone never happened): the log has them."""
    return [
        InterventionLine(entry.turn, entry.phase, "undo", "", entry.what, entry.reason)
        for entry in log
        if entry.what.startswith("undo ")
    ]


def road_not_taken(program: Program, records: Sequence[TurnRecord]) -> list[RoadNotTaken]:
    """For each decision a human team made: its choice and the agent's most likely one,
    with each one's utility and terms as the team's agent weighed them then."""
    roads = []
    for record in records:
        for phase in record.phases:
            for decision in phase.decisions:
                if decision.controller != "human" or not decision.top_options:
                    continue
                roads.append(_road(program, record.turn, decision))
    return roads


def _road(program: Program, turn: int, decision: DecisionRecord) -> RoadNotTaken:
    by_id = {o.action: o for o in decision.top_options}
    best = max(decision.top_options, key=lambda o: o.probability)
    chosen = [by_id[a] for a in decision.chosen if a in by_id]
    utility = sum(o.utility for o in chosen)
    terms_chosen = _sum_terms(chosen)
    names = sorted(set(terms_chosen) | set(best.terms))
    gaps = [
        TermGap(name, terms_chosen.get(name, 0.0), best.terms.get(name, 0.0))
        for name in names
        if abs(best.terms.get(name, 0.0) - terms_chosen.get(name, 0.0)) > 1e-9
    ]
    gaps.sort(key=lambda g: -abs(g.agent - g.chosen))
    label = ", ".join(action_label(program, a) for a in decision.chosen) or "no move"
    return RoadNotTaken(
        turn=turn,
        team=actor_label(program, decision.actor),
        chosen=label,
        chosen_utility=round(utility, 4),
        agent_choice=action_label(program, best.action),
        agent_probability=best.probability,
        agent_utility=best.utility,
        terms=gaps,
    )


def _sum_terms(options: Sequence[OptionRecord]) -> dict[str, float]:
    total: dict[str, float] = {}
    for option in options:
        for name, value in option.terms.items():
            total[name] = round(total.get(name, 0.0) + value, 4)
    return total
