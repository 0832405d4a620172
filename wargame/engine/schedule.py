"""An actor's scheduled moves: what the scenario makes it do this turn before it decides.

A schedule (`actors.X.schedule`) forces moves on given turns: an opening move, or the actual
policy of the day in a hindcast. They are the actor's own moves, taken first and in order if
available, and they use up its budget; the controller then chooses with what is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wargame.engine.policies import Context
from wargame.engine.program import CAction, CActor


@dataclass(slots=True)
class Scheduled:
    """The moves the schedule makes for one actor now, and the ones it could not make."""

    taken: list[CAction] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """'action: why' for each scheduled move that was not available."""
    reasons: list[str] = field(default_factory=list)
    """The entries' reasons, in order, each once."""

    @property
    def reason(self) -> str:
        """The reasons in one line ('' if none was given)."""
        return "; ".join(self.reasons)


def scheduled_moves(actor: CActor, ctx: Context) -> Scheduled:
    """The entries of this turn whose `when` holds, in order: each action taken if it is
    available after the ones before it (requires, cooldown, limits) and fits the budget."""
    found = Scheduled()
    state = ctx.state
    points = actor.budget_points
    for entry in actor.schedule:
        if state.turn not in entry.turns or (entry.when is not None and not entry.when(state)):
            continue
        if entry.reason and entry.reason not in found.reasons:
            found.reasons.append(entry.reason)
        for action in entry.actions:
            why = ctx.legal(action, found.taken)
            if why is None and len(found.taken) >= actor.budget_count:
                why = f"over the budget of {actor.budget_count} option(s) a turn"
            if why is None and points is not None and action.budget_cost > points:
                why = f"it costs {action.budget_cost:g} budget points and {points:g} are left"
            if why is not None:
                found.skipped.append(f"{action.id}: {why}")
                continue
            found.taken.append(action)
            if points is not None:
                points -= action.budget_cost
    return found
