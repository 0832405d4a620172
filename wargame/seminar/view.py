"""What the seminar screen shows, as plain data and lines: a pure read of a `Session`.

The board (turn, date, the escalation ladder, the state with its change over the last turn but
without its bookkeeping variables, key relations, last turn in a few sentences), a human
team's numbered options with costs, odds and the reason an option cannot be taken now, the
explanation of one option (`?N`), the plan of a phase before it is applied, and the turn so
far. Nothing here changes the game; the terminal program (`wargame.seminar.tui`) only lays
these out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wargame.engine.model import decision_record
from wargame.engine.narrative import (
    action_label,
    actor_label,
    adjudication_lines,
    decision_sentence,
    inject_line,
    option_lines,
    turn_lines,
)
from wargame.engine.policies import budget_left, term_label
from wargame.engine.program import branch_odds
from wargame.errors import WargameError, suggest

if TYPE_CHECKING:
    from wargame.engine.program import CEffect
    from wargame.engine.records import AdjudicationRecord
    from wargame.engine.state import DeterrenceState
    from wargame.seminar.session import Session


@dataclass(frozen=True)
class Rung:
    name: str
    at: float
    current: bool


@dataclass(frozen=True)
class Variable:
    name: str
    value: float
    change: float
    """Over the last completed turn (before the first turn ends: since the start)."""


@dataclass
class Board:
    """The state of the game at a glance."""

    title: str
    turn: int
    last_turn: int
    date: str
    place: str
    """'phase japan_decides', 'before the turn', 'game over'."""
    ladder: list[Rung]
    ladder_variable: str | None
    variables: list[Variable]
    """The state people read: the bookkeeping variables are left out."""
    hidden: int
    """How many bookkeeping variables are left out of `variables`."""
    relations: list[str]
    last_turn_lines: list[str] = field(default_factory=list)
    hindsight: str | None = None
    """The mark of a hindsight variant (it knows what was not known at the start)."""


@dataclass(frozen=True)
class OptionLine:
    """One option on a team's menu, as the team sees it when its phase comes."""

    number: int
    id: str
    label: str
    description: str
    cost: float
    budget_cost: float
    odds: str
    """'success 67%, failure 33%' for an option with uncertain results, else ''."""
    illegal: str | None
    """Why the team cannot take it now (None if it can)."""


@dataclass(frozen=True)
class PlanItem:
    """A die or a vote of the plan, numbered for `force N RESULT` and `reroll N`."""

    number: int
    key: str
    text: str
    results: list[str]


def board(session: Session) -> Board:
    """The board: turn and date, the ladder, the state and its change, relations, last turn."""
    model = session.model
    program = model.program
    spec = session.scenario.spec
    turn = model.state.turn
    in_turn = model.stage != "between_turns"
    shown = turn if in_turn else turn + 1
    date = spec.scenario.turn_date(max(1, shown)).isoformat()
    if not model.running and model.stage == "between_turns":
        place = "game over"
    elif model.stage == "between_turns":
        place = "before the turn"
    elif model.phase is None:
        place = "after the last phase"
    else:
        place = f"phase {model.phase[0]}"
    ladder: list[Rung] = []
    variable = None
    if program.ladder is not None:
        variable, rungs = program.ladder
        current = model.rung()
        ladder = [Rung(name, at, name == current) for name, at in rungs]
    last = model.records[-1] if model.records else None
    if last is not None:  # over the last completed turn (not +0 as each turn begins)
        after, before = last.state_after.variables, last.state_before.variables
    else:  # the first turn so far
        after, before = model.state.vars, program.initial.vars
    variables = [
        Variable(name, value, after.get(name, value) - before.get(name, value))
        for name, value in program.shown(model.state.vars).items()
    ]
    return Board(
        title=spec.scenario.title,
        turn=shown if not (not model.running and not in_turn) else turn,
        last_turn=model.last_turn,
        date=date,
        place=place,
        ladder=ladder,
        ladder_variable=variable,
        variables=variables,
        hidden=len(model.state.vars) - len(variables),
        relations=relations(session),
        last_turn_lines=[] if last is None else summary_lines(session),
        hindsight=session.scenario.hindsight_note,
    )


def relations(session: Session) -> list[str]:
    """'US -> JP  ally, trust 0.80' for each relation, the human teams' first."""
    model = session.model
    graph = model.state.graph
    humans = {a for a, c in model.controllers.items() if c == "human"}
    lines = []
    for source, target, data in graph.edges(data=True):
        parts = []
        if data.get("alliance", 0.0) >= 0.5:
            parts.append("ally")
        if "trust" in data:
            parts.append(f"trust {float(data['trust']):.2f}")
        if data.get("trade", 0.0):
            parts.append(f"trade {float(data['trade']):.2f}")
        first = 0 if {source, target} & humans else 1
        lines.append((first, f"{source}->{target} {', '.join(parts)}"))
    return [text for _, text in sorted(lines, key=lambda x: x[0])]


def summary_lines(session: Session) -> list[str]:
    """The last finished turn in a few sentences: events, who did what, dice, outcomes, state."""
    program = session.model.program
    *_, previous, record = [None, *session.model.records]
    lines = [line.strip() for line in turn_lines(program, record, previous=previous)[1:]]
    keep = ("Event", "Vote", "State:", "Outcome:", "Facilitator")
    sentences = []
    for phase in record.phases:
        sentences += [decision_sentence(program, d) for d in phase.decisions if d.chosen]
    short = [line for line in lines if line.startswith(keep)]
    return sentences + short


def turn_so_far(session: Session, detail: bool = False) -> list[str]:
    """This turn until now in plain words: its events and every phase applied so far."""
    model = session.model
    progress = model.turn_progress
    if progress is None:
        return []
    program = model.program
    lines: list[str] = []
    for inject in progress.injects:
        if inject.fired and inject.phase is None:
            lines.append(inject_line(program, inject, detail))
    for phase in progress.phases:
        lines.append(f"[{phase.phase}]")
        for inject in progress.injects:
            if inject.fired and inject.phase == phase.phase:
                lines.append("  " + inject_line(program, inject, detail))
        for decision in phase.decisions:
            lines.append("  " + decision_sentence(program, decision, detail))
        for move in phase.adjudication:
            lines += ["  " + line for line in adjudication_lines(program, move, detail)]
    applied = {phase.phase for phase in progress.phases}
    for inject in progress.injects:  # added at the start of the phase in hand, or after the last
        if inject.fired and inject.phase is not None and inject.phase not in applied:
            lines.append(inject_line(program, inject, detail))
    return lines


# -- a team's options -------------------------------------------------------------------
def budget(session: Session, team: str) -> str:
    """'up to 2 options' or 'up to 4 options and 6.5 budget points'; what the team's
    scheduled moves left of it, when the scenario made some this phase."""
    actor = session.model.program.actors[team]
    made = session.model.scheduled(team).taken
    count, points = budget_left(actor, made)
    text = f"up to {count} option{'s' if count != 1 else ''}"
    if points is not None:
        text += f" and {points:g} budget points"
    if made:
        text += f" left after {len(made)} scheduled"
    return text


def scheduled_lines(session: Session, team: str) -> list[str]:
    """The moves the scenario's schedule has made for the team in this phase (already made:
    the team chooses the rest), and the scheduled ones that could not be made."""
    program = session.model.program
    scheduled = session.model.scheduled(team)
    why = f" ({scheduled.reason})" if scheduled.reason else ""
    lines = []
    if scheduled.taken:
        labels = "; ".join(action_label(program, a.id) for a in scheduled.taken)
        lines.append(f"Already made, scheduled by the scenario: {labels}{why}")
    if scheduled.skipped:
        lines.append(f"Scheduled but not made: {'; '.join(scheduled.skipped)}")
    return lines


def menu(session: Session, team: str) -> list[OptionLine]:
    """The team's options, numbered from 1, with why any cannot be taken now."""
    model = session.model
    program = model.program
    if team not in program.actors:
        raise WargameError(f"unknown team '{team}'.{suggest(team, program.actors)}")
    state = model.state
    spec_actions = session.scenario.spec.actions
    made = model.scheduled(team).taken
    lines = []
    for number, action in enumerate(program.actors[team].menu, start=1):
        odds = ""
        if action.branches:
            odds = ", ".join(f"{name} {p:.0%}" for name, p in branch_odds(action, state).items())
        spec = spec_actions.get(action.id)
        lines.append(
            OptionLine(
                number=number,
                id=action.id,
                label=action.label,
                description=one_line(spec.description if spec else ""),
                cost=float(action.cost(state)),
                budget_cost=action.budget_cost,
                odds=odds,
                illegal=model.legal(action, made),
            )
        )
    return lines


def choose(session: Session, team: str, text: str) -> list[str]:
    """The option ids of an entry like '1 3' or '2,5' ('0' or '-' for nothing), checked
    against the menu, what may be taken now, and the budget; WargameError if it does not fit."""
    options = menu(session, team)
    words = text.replace(",", " ").split()
    if words in (["0"], ["-"]):
        return []
    if not words:
        raise WargameError("enter one or more option numbers (0 for no move)")
    actor = session.model.program.actors[team]
    chosen: list[OptionLine] = []
    for word in words:
        if not word.isdigit() or not 1 <= int(word) <= len(options):
            raise WargameError(
                f"'{word}' is not an option number: enter numbers from 1 to {len(options)}"
            )
        option = options[int(word) - 1]
        if option.illegal is not None:
            raise WargameError(
                f"{option.number}. {option.label} cannot be taken now: {option.illegal}"
            )
        excludes = session.model.program.actions[option.id].excludes
        clash = next((o for o in chosen if o.id in excludes), None)
        if clash is not None:
            raise WargameError(
                f"{clash.number}. {clash.label} and {option.number}. {option.label} exclude "
                "each other: choose one of them"
            )
        chosen.append(option)
    count, left = budget_left(actor, session.model.scheduled(team).taken)
    if len(chosen) > count:
        raise WargameError(
            f"{len(chosen)} options is over the budget: {budget(session, team)} a turn"
        )
    points = sum(o.budget_cost for o in chosen)
    if left is not None and points > left + 1e-9:
        raise WargameError(
            f"these cost {points:g} budget points; {team} has {left:g} this turn"
            + (" after its scheduled moves" if left != actor.budget_points else "")
        )
    return [o.id for o in chosen]


def one_line(text: str, most: int = 90) -> str:
    """The first sentence of a description, at most `most` characters ('...' if cut)."""
    words = " ".join(text.split())
    end = words.find(". ")
    first = words if end < 0 else words[: end + 1]
    return first if len(first) <= most else first[: most - 3].rstrip() + "..."


def explain(session: Session, team: str, number: int, detail: bool = False) -> list[str]:
    """`?N`: what option N does, what it costs, its odds, who sees it, and what the team's
    own agent would choose now and why."""
    options = menu(session, team)
    if not 1 <= number <= len(options):
        raise WargameError(f"there is no option {number}: options are 1 to {len(options)}")
    option = options[number - 1]
    model = session.model
    program = model.program
    action = program.actions[option.id]
    spec = session.scenario.spec.actions[option.id]
    lines = [f"{option.number}. {option.label} [{option.id}]"]
    if spec.description:
        lines.append(" ".join(spec.description.split()))
    lines.append(
        f"Cost: {option.cost:.2f} in utility now; {option.budget_cost:g} of the budget "
        f"({budget(session, team)} a turn). Escalation: {spec.category.replace('_', ' ')}."
    )
    if option.illegal:
        lines.append(f"Cannot be taken now: {option.illegal}.")
    state = model.state
    effects = [_effect(e, state) for e in action.effects]
    if effects:
        lines.append("Effects: " + "; ".join(effects) + ".")
    if action.branches:
        odds = branch_odds(action, state)
        for branch in action.branches:
            changes = "; ".join(_effect(e, state) for e in branch.effects) or "no further change"
            lines.append(f"If {branch.name} ({odds[branch.name]:.0%}): {changes}.")
    observed = spec.observed_by
    if observed == "public":
        seen = "everyone (public)"
    elif observed == "target":
        seen = "its targets only"
    elif observed == "covert":
        seen = "no one else (covert)"
    else:
        seen = ", ".join(actor_label(program, a) for a in observed)
    targets = ", ".join(actor_label(program, a) for a in spec.targets) or "no one in particular"
    lines.append(f"Aimed at {targets}; seen by {seen}; resolve signalled {action.signals:.2f}.")
    if spec.consent is not None:
        voters = ", ".join(actor_label(program, v) for v in spec.consent.voters)
        lines.append(f"Needs the consent of {voters} (a veto stops it).")
    if spec.deterred_by:
        lines.append(
            "Deterred by the answer it expects from "
            + ", ".join(actor_label(program, a) for a in spec.deterred_by)
            + "."
        )
    if spec.foresees:
        rules = ", ".join(spec.foresees)
        lines.append(
            f"An agent weighing it also counts what the rule(s) {rules} would do to its "
            "objectives, as if this option set them off."
        )
    lines += agent_view(session, team, option.id, detail)
    return lines


def agent_view(
    session: Session, team: str, focus: str | None = None, detail: bool = False
) -> list[str]:
    """What the team's own agent would choose now, and why: its top options with the
    utility terms behind each."""
    model = session.model
    program = model.program
    ranked = model.options(team)
    if not ranked:
        return [f"{actor_label(program, team)}'s agent sees no option it can take now."]
    pass_p = max(0.0, 1.0 - sum(o.probability for o in ranked))
    first = ranked[0]
    lines = [
        f"{actor_label(program, team)}'s agent would now pick "
        f"{action_label(program, first.action, detail)} first with p={first.probability:.2f} "
        f"(doing nothing: p={pass_p:.2f}). Its top options:"
    ]
    top = ranked[:3]
    if focus is not None and all(o.action != focus for o in top):
        top += [o for o in ranked if o.action == focus]
    for option in top:
        terms = sorted(option.terms.items(), key=lambda kv: -abs(kv[1]))
        shown = terms if detail else terms[:3]
        why = ", ".join(f"{k} {v:+.2f}" for k, v in shown)
        lines.append(
            f"  {action_label(program, option.action, detail)}: utility {option.utility:+.2f}, "
            f"p={option.probability:.2f} ({why})"
        )
    if focus is not None and all(o.action != focus for o in ranked):
        lines.append("  (the agent cannot take this option now)")
    return lines


def _effect(effect: CEffect, state: DeterrenceState) -> str:
    """'tension +0.05', 'US->JP.trust x0.9 (after 2 turns)': the amount as it stands now."""
    sign = {"add": "+", "mul": "x", "set": "="}[effect.op]
    amount = float(effect.value(state))
    delay = effect.turns(state)
    later = f" (after {delay} turn{'s' if delay != 1 else ''})" if delay else ""
    text = f"{term_label(effect.term)} {sign}{amount:.3g}{later}"
    return text.replace("+-", "-")


# -- the plan of a phase -------------------------------------------------------------------
def decisions(session: Session, detail: bool = False) -> list[str]:
    """The current phase's decisions in words (agents with their reasons), once decided."""
    model = session.model
    pending = model.pending
    if pending is None:
        return []
    lines = []
    for decision in pending.decisions:
        record = decision_record(model.program, decision, pending.replaced.get(decision.actor))
        lines.append(decision_sentence(model.program, record, detail))
        if detail:
            lines += ["  " + line for line in option_lines(model.program, record)]
    return lines


def plan_items(session: Session, plan: list[AdjudicationRecord]) -> list[PlanItem]:
    """The dice and votes of a plan, numbered, each with the results it can be forced to."""
    program = session.model.program
    items: list[PlanItem] = []
    for move in plan:
        action = program.actions[move.action]
        label = action_label(program, move.action)
        for voter, ballot in move.votes.items():
            ballots = [b.id for b in program.actors[voter].ballots[move.action]]
            forced = " (FORCED)" if voter in move.forced_votes else ""
            items.append(
                PlanItem(
                    len(items) + 1,
                    f"{move.key}:vote:{voter}",
                    f"{actor_label(program, voter)} votes {action_label(program, ballot)} "
                    f"on {label}{forced}",
                    ballots,
                )
            )
        if move.odds:
            odds = ", ".join(f"{name} {p:.0%}" for name, p in move.odds.items())
            roll = "" if move.roll is None else f", roll {move.roll:.3f}"
            marks = (" (FORCED)" if move.forced else "") + (" (RE-ROLLED)" if move.rerolled else "")
            items.append(
                PlanItem(
                    len(items) + 1,
                    move.key,
                    f"{label}: {move.result} (odds {odds}{roll}){marks}",
                    [b.name for b in action.branches],
                )
            )
    return items


def plan_outcome(session: Session, plan: list[AdjudicationRecord]) -> list[str]:
    """What applying the plan will do: each move passed or vetoed, with its effects."""
    program = session.model.program
    lines = []
    for move in plan:
        label = action_label(program, move.action)
        who = actor_label(program, move.actor)
        if not move.passed:
            lines.append(f"{who}: {label} is vetoed.")
            continue
        changes = ", ".join(
            f"{'.'.join(e.term) if len(e.term) > 1 else e.term[0]} {e.op} {e.value:g}"
            + (f" (turn {e.lands_on_turn})" if e.lands_on_turn else "")
            for e in move.effects
        )
        lines.append(f"{who}: {label}" + (f" -> {changes}" if changes else ""))
    return lines


def parse_changes(text: str) -> list[tuple[str, str, float]]:
    """'tension +0.05; NK.capability =0.6; US->JP.trust *0.9' as (target, op, value)
    triples for an ad-hoc event ('' for none); WargameError naming the part that is wrong."""
    changes = []
    for part in (p.strip() for p in text.replace("\n", ";").split(";")):
        if not part:
            continue
        words = part.split()
        if len(words) == 3 and words[1] in ("add", "mul", "set"):
            target, op, number = words
        elif len(words) == 2 and words[1][:1] in "+-=*x":
            target, sign, number = words[0], words[1][0], words[1][1:]
            op = {"+": "add", "-": "add", "=": "set", "*": "mul", "x": "mul"}[sign]
            number = ("-" if sign == "-" else "") + number
        else:
            raise WargameError(
                f"'{part}': write a change as 'tension +0.05', 'NK.capability =0.6' or "
                "'US->JP.trust *0.9', separated by ';'"
            )
        try:
            value = float(number)
        except ValueError:
            raise WargameError(f"'{part}': '{number}' is not a number") from None
        changes.append((target, op, value))
    return changes
