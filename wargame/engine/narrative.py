"""Plain-text narrative of a turn: a pure function from a turn record to lines.

The printed game, the seminar screen, the after-action report and the web page all read
these lines. The default view names actors and options by their labels; `detail=True` adds
the ids, item keys and utility terms behind them.
"""

from __future__ import annotations

from wargame.engine.program import Program
from wargame.engine.records import (
    AdjudicationRecord,
    DecisionRecord,
    InjectRecord,
    Intervention,
    OptionRecord,
    TurnRecord,
)


def actor_label(program: Program, actor_id: str) -> str:
    """'North Korea' for 'NK' (the id itself if the scenario gives no name)."""
    actor = program.actors.get(actor_id)
    return actor.name if actor is not None and actor.name else actor_id


def action_label(program: Program, action_id: str, detail: bool = False) -> str:
    """An option's label, with its id in detail view."""
    action = program.actions.get(action_id)
    label = action.label if action is not None else action_id
    return f"{label} [{action_id}]" if detail and label != action_id else label


def controller_label(controller: str) -> str:
    """'agent', 'human team' or 'doctrine X'."""
    if controller == "human":
        return "human team"
    if controller.startswith("script:"):
        return "doctrine " + controller.split(":", 1)[1]
    return controller


def _reasons(option: OptionRecord) -> str:
    # largest first; ties (to 1e-9) by name, so the sentence never depends on summing order
    ranked = sorted(option.terms.items(), key=lambda kv: (-round(abs(kv[1]), 9), kv[0]))[:2]
    return " and ".join(f"{name} {value:+.2f}" for name, value in ranked)


def decision_sentence(program: Program, decision: DecisionRecord, detail: bool = False) -> str:
    """One sentence: who chose what, by which controller, and the two largest reasons."""
    who = actor_label(program, decision.actor)
    if detail:
        who = f"{who} [{decision.actor}]"
    if decision.controller != "agent":
        who = f"{who} ({controller_label(decision.controller)})"
    made = len(decision.scheduled)
    own = decision.chosen[made:] if made else decision.chosen
    prefix = _scheduled_clause(program, decision, who, detail)
    if made and not own:
        note = f" [{decision.note}]" if decision.note else ""
        sentence = f"{who} chose nothing more.{note}"
    elif decision.note and not own:
        sentence = f"{who} did nothing: {decision.note}."
    elif not own and decision.controller == "human":
        sentence = f"{who} made no move."
    elif not own:
        sentence = f"{who} held its course (no option beat the status quo)."
    else:
        by_id = {o.action: o for o in decision.top_options}
        parts = []
        for action_id in own:
            label = action_label(program, action_id, detail)
            option = by_id.get(action_id)
            if decision.controller != "agent" or option is None or not option.terms:
                parts.append(label)
            else:
                parts.append(f"{label} (p={option.probability:.2f}; mainly {_reasons(option)})")
        suffix = f" [{decision.note}]" if decision.note else ""
        sentence = f"{who} chose " + "; ".join(parts) + "." + suffix
    if decision.replaced is not None:
        before = ", ".join(action_label(program, a) for a in decision.replaced) or "nothing"
        sentence += (
            f" REPLACED by the facilitator (had chosen {before}): {decision.replaced_reason}."
        )
    return prefix + sentence


def _scheduled_clause(program: Program, decision: DecisionRecord, who: str, detail: bool) -> str:
    """'X, scheduled by the scenario: Y (why). ' and the scheduled moves not made, or ''."""
    text = ""
    why = f" ({_clause(decision.schedule_reason)})" if decision.schedule_reason else ""
    if decision.scheduled:
        labels = "; ".join(action_label(program, a, detail) for a in decision.scheduled)
        text = f"{who}, scheduled by the scenario: {labels}{why}. "
        why = ""
    if decision.schedule_skipped:
        text += f"Scheduled for {who} but not made{why}: {'; '.join(decision.schedule_skipped)}. "
    return text


def option_lines(program: Program, decision: DecisionRecord) -> list[str]:
    """The options an actor weighed, with utilities split into terms (detail view)."""
    lines = []
    for option in decision.top_options:
        terms = ", ".join(f"{k} {v:+.3f}" for k, v in option.terms.items())
        lines.append(
            f"{action_label(program, option.action, True)}: utility {option.utility:+.3f}, "
            f"p={option.probability:.2f} ({terms})"
        )
    return lines


def _clause(text: str) -> str:
    """Text to be followed by more of the sentence: one line, no closing full stop."""
    return " ".join(text.split()).rstrip(".;, ")


def inject_line(program: Program, inject: InjectRecord, detail: bool = False) -> str:
    """'Event: ...' with its odds, and who added or forced it."""
    text = _clause(inject.description)
    if inject.ad_hoc:
        line = f"Event added by the facilitator: {text} ({_clause(inject.reason or '')})"
    else:
        odds = "" if inject.probability is None else f" (chance {inject.probability:.0%})"
        line = f"Event: {text}{odds}" if inject.fired else f"Event held back: {text}{odds}"
        if inject.reason:
            line += f"; FIRED by the facilitator: {_clause(inject.reason)}"
    if inject.forced:
        line += f"; FORCED by the facilitator: {_clause(inject.forced)}"
    if inject.rerolled:
        line += f"; RE-ROLLED by the facilitator: {_clause(inject.rerolled)}"
    return line + "." + (f" [{inject.key}]" if detail else "")


def adjudication_lines(
    program: Program, move: AdjudicationRecord, detail: bool = False
) -> list[str]:
    """The vote on a move and its die, in words."""
    lines = []
    label = action_label(program, move.draft or move.action, detail)
    if move.withdrawn:
        lines.append(_negotiated(program, move, detail))
    if move.votes:
        tally = ", ".join(
            f"{actor_label(program, voter)} {action_label(program, ballot)}"
            + (" (FORCED by the facilitator)" if voter in move.forced_votes else "")
            for voter, ballot in move.votes.items()
        )
        lines.append(f"Vote on {label}: {tally}: {'passed' if move.passed else 'vetoed'}.")
    if move.result is not None:
        odds = ", ".join(f"{name} {p:.0%}" for name, p in move.odds.items())
        roll = "" if move.roll is None else f", roll {move.roll:.3f}"
        line = f"{label}: {move.result} (odds {odds}{roll})"
        if move.forced is not None:
            line += (
                f"; FORCED by the facilitator (the die gave {move.rolled_result}): {move.forced}"
            )
        if move.rerolled is not None:
            line += f"; RE-ROLLED by the facilitator: {move.rerolled}"
        lines.append(line + (f" [{move.key}]" if detail else ""))
    return lines


def _negotiated(program: Program, move: AdjudicationRecord, detail: bool) -> str:
    """'The Guarantor draft Full sanctions was negotiated down to Partial sanctions after
    Veto player's veto threat.' (each withdrawn draft's threats named, in order)"""

    def vetoers(votes: dict[str, str]) -> str:
        names = [
            actor_label(program, voter)
            for voter, ballot in votes.items()
            if (action := program.actions.get(ballot)) is not None and action.vote == "veto"
        ]
        return " and ".join(names) or "a voter"

    threats = [
        f"{vetoers(w.votes)}'s veto threat"
        + (f" on {action_label(program, w.action)}" if i else "")
        + (" (FORCED by the facilitator)" if w.forced_votes else "")
        for i, w in enumerate(move.withdrawn)
    ]
    final = move.draft or move.withdrawn[-1].action
    return (
        f"The {actor_label(program, move.actor)} draft "
        f"{action_label(program, move.action, detail)} was negotiated down to "
        f"{action_label(program, final, detail)} after {', then '.join(threats)}."
    )


def intervention_line(program: Program, act: Intervention) -> str:
    """A facilitator's act in words."""
    return (
        f"Facilitator ({act.kind.replace('_', ' ')}, {act.target}): {_clause(act.detail)}. "
        f"Why: {act.reason}"
    )


def turn_lines(
    program: Program,
    record: TurnRecord,
    detail: bool = False,
    previous: TurnRecord | None = None,
) -> list[str]:
    """The whole turn in plain words, in the order it was played. Given the turn before it,
    an outcome that already held then is not announced again. The state changes leave out
    the bookkeeping variables."""
    lines = [f"Turn {record.turn}, {record.date} ({record.rung or 'no ladder'})"]
    for inject in record.injects:
        if (inject.fired or inject.forced) and inject.phase is None:
            lines.append("  " + inject_line(program, inject, detail))
    for phase in record.phases:
        lines.append(f"  [{phase.phase}]")
        for inject in record.injects:
            if inject.fired and inject.phase == phase.phase:
                lines.append("    " + inject_line(program, inject, detail))
        for decision in phase.decisions:
            lines.append("    " + decision_sentence(program, decision, detail))
            if detail:
                lines += ["      " + line for line in option_lines(program, decision)]
        for move in phase.adjudication:
            lines += ["    " + line for line in adjudication_lines(program, move, detail)]
    for inject in record.injects:
        if inject.fired and inject.phase == "":
            lines.append("  " + inject_line(program, inject, detail))
    rules = {rule_id: " ".join(text.split()) for rule_id, text, _, _ in program.rules}
    for rule in record.rules_fired:
        lines.append(f"  Rule: {rules.get(rule) or rule}" + (f" [{rule}]" if detail else ""))
    for belief in record.beliefs:
        lines.append(
            f"  {actor_label(program, belief.observer)} now rates "
            f"{actor_label(program, belief.about)}'s resolve "
            f"{belief.before:.2f} -> {belief.after:.2f} "
            f"(answer strength {belief.answer_strength:.2f})"
        )
    before, after = record.state_before.variables, program.shown(record.state_after.variables)
    changes = [f"{k} {before[k]:.3f}->{after[k]:.3f}" for k in after if after[k] != before[k]]
    if changes:
        lines.append("  State: " + ", ".join(changes))
    outcomes = {outcome_id: " ".join(text.split()) for outcome_id, text, _, _ in program.outcomes}
    held = set(previous.outcomes_triggered) if previous is not None else set()
    for outcome in record.outcomes_triggered:
        if outcome in held:
            continue
        text = outcomes.get(outcome) or outcome
        lines.append(f"  Outcome: {text}" + (f" [{outcome}]" if detail else ""))
    for act in record.interventions:
        lines.append("  " + intervention_line(program, act))
    return lines
