"""How an actor chooses: by expected utility and a logit rule, by a scripted doctrine, or a human.

All three answer the same two questions through the same interface, so any team can be
swapped between agent, script and human: `decide` (which options this turn) and `vote`
(which ballot on a proposal put to this actor). Scoring draws no random number; only the
final pick does, from the keyed stream, so asking "what would it do?" changes nothing.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol, overload

from wargame.engine.program import CAction, CActor, CDoctrine, branch_odds
from wargame.engine.rng import KeyedRandom
from wargame.engine.state import DeterrenceState, Term, beta_mean
from wargame.errors import WargameError, suggest

_HUGE = 1e300
"""Utilities and their terms beyond +-1e300 are clipped here (see `_exact_utility`)."""
_MAX = sys.float_info.max


@dataclass(slots=True)
class Scored:
    """One option with its utility, its terms (when explaining) and its logit probability."""

    action: CAction
    utility: float
    terms: dict[str, float] | None = None
    probability: float = 0.0


@dataclass(slots=True)
class Decision:
    """What an actor chose this turn, and why."""

    actor: str
    controller: str
    chosen: list[CAction]
    options: list[Scored] = field(default_factory=list)
    note: str = ""
    scheduled: list[CAction] = field(default_factory=list)
    """The moves of `chosen` (its first ones) that the scenario's schedule made."""
    schedule_skipped: list[str] = field(default_factory=list)
    """'action: why' for scheduled moves that were not available."""
    schedule_reason: str = ""


class Context(Protocol):
    """What a policy may read: the state, the dice, the turn's earlier moves, human inputs."""

    state: DeterrenceState
    dice: KeyedRandom
    explain: bool
    human_moves: dict[str, list[str]]
    human_votes: dict[str, dict[str, str]]

    def legal(self, action: CAction, planned: list[CAction]) -> str | None:
        """None if the action may be taken now (after `planned`), else the reason it may not."""
        ...


def budget_left(actor: CActor, already: Sequence[CAction]) -> tuple[int, float | None]:
    """The options and budget points an actor has left this turn after `already`."""
    points = actor.budget_points
    if points is not None and already:
        points -= sum(a.budget_cost for a in already)
    return actor.budget_count - len(already), points


def term_label(term: Term) -> str:
    """'tension', 'NK.capability' or 'US->JP.trust'."""
    if term[0] == "v":
        return term[1]
    if term[0] == "a":
        return f"{term[1]}.{term[2]}"
    return f"{term[1]}->{term[2]}.{term[3]}"


def foreseen_label(rule: str, term: Term) -> str:
    """'via rule sanctions_bite: NK.economy': a utility term an option gets from a rule it
    foresees."""
    return f"via rule {rule}: {term_label(term)}"


@overload
def expected_change(op: str, amount: float, old: float) -> float: ...
@overload
def expected_change(op: str, amount: Fraction, old: Fraction) -> Fraction: ...
def expected_change(op: str, amount: float | Fraction, old: float | Fraction) -> float | Fraction:
    """The change an effect makes to a term whose value is `old`, bounds ignored: v for
    `add`, old x (v - 1) for `mul`, v - old for `set` (floats, or Fractions when exact)."""
    if op == "add":
        return amount
    if op == "mul":
        return old * (amount - 1)
    return amount - old


def utility(
    actor: CActor,
    action: CAction,
    state: DeterrenceState,
    weights: dict[Term, float],
    explain: bool,
) -> tuple[float, dict[str, float] | None]:
    """Expected utility of one option: objectives, cost, motive and expected responses.

    Every part is a product or sum of finite numbers that can still overflow (a weight of
    1e6 times a change of 1e305, a motive of 1e308 minus a cost of -1e308). While the sizes
    of the parts add up to at most 1e300, the total and every term are finite as computed;
    otherwise `_exact_utility` sums them exactly. Which way is taken never depends on
    `explain`, so records and summary mode make the same choices.
    """
    terms: dict[str, float] | None = {} if explain else None
    total = 0.0
    size = 0.0  # the sum of the parts' sizes: bounds the total and every term
    for term, delta in action.linear:
        contribution = weights[term] * delta
        total += contribution
        size += abs(contribution)
        if terms is not None:
            label = term_label(term)
            terms[label] = terms.get(label, 0.0) + contribution
    odds: dict[str, float] | None = None
    for term, op, value, branch in action.scored:
        amount = value(state)  # an `add` needs no lookup of the term (the common case)
        delta = amount if op == "add" else expected_change(op, amount, state.get(term))
        if branch is not None:
            if odds is None:
                odds = branch_odds(action, state)
            delta *= odds[branch]
        contribution = weights[term] * delta
        total += contribution
        size += abs(contribution)
        if terms is not None:
            label = term_label(term)
            terms[label] = terms.get(label, 0.0) + contribution
    for rule, term, op, value in action.foreseen:
        amount = value(state)
        delta = amount if op == "add" else expected_change(op, amount, state.get(term))
        contribution = weights[term] * delta
        total += contribution
        size += abs(contribution)
        if terms is not None:
            label = foreseen_label(rule, term)
            terms[label] = terms.get(label, 0.0) + contribution
    cost = action.cost(state)
    motive = action.motive(state)
    total += motive - cost
    size += abs(motive) + abs(cost)
    beliefs = state.beliefs[actor.id]
    for responder, loss in action.deterred_by:
        alpha, beta = beliefs[responder]
        expected = beta_mean(alpha, beta) * loss(state)
        total -= expected
        size += abs(expected)
        if terms is not None:
            terms[f"response from {responder}"] = -expected
    if not size <= _HUGE:
        return _exact_utility(actor, action, state, weights, explain)
    if terms is not None:
        if cost:
            terms["cost"] = -cost
        if motive:
            terms["motive"] = motive
    return total, terms


def _exact_utility(
    actor: CActor,
    action: CAction,
    state: DeterrenceState,
    weights: dict[Term, float],
    explain: bool,
) -> tuple[float, dict[str, float] | None]:
    """`utility` for parts too large for floats: exact sums (fractions), each clipped to +-1e300.

    So a gain of 1e308 and a loss of 1e308 cancel instead of making inf - inf, the result
    does not depend on the order of the parts, and a utility beyond +-1e300 counts as 1e300.
    """
    parts: list[tuple[str, Fraction]] = []  # (term label, exact contribution to the total)
    for term, delta in action.linear:
        parts.append((term_label(term), Fraction(weights[term]) * Fraction(delta)))
    odds: dict[str, float] | None = None
    for term, op, value, branch in action.scored:
        change = expected_change(op, Fraction(value(state)), Fraction(state.get(term)))
        if branch is not None:
            if odds is None:
                odds = branch_odds(action, state)
            change *= Fraction(odds[branch])
        parts.append((term_label(term), Fraction(weights[term]) * change))
    for rule, term, op, value in action.foreseen:
        change = expected_change(op, Fraction(value(state)), Fraction(state.get(term)))
        parts.append((foreseen_label(rule, term), Fraction(weights[term]) * change))
    cost = Fraction(action.cost(state))
    motive = Fraction(action.motive(state))
    parts += [("motive", motive), ("cost", -cost)]
    beliefs = state.beliefs[actor.id]
    for responder, loss in action.deterred_by:
        alpha, beta = beliefs[responder]
        expected = Fraction(beta_mean(alpha, beta)) * Fraction(loss(state))
        parts.append((f"response from {responder}", -expected))
    total = _clip_exact(sum((part for _, part in parts), Fraction(0)))
    if not explain:
        return total, None
    sums: dict[str, Fraction] = {}
    for label, part in parts:
        sums[label] = sums.get(label, Fraction(0)) + part
    terms = {label: _clip_exact(x) for label, x in sums.items() if x or label not in _OPTIONAL}
    return total, terms


_OPTIONAL = ("cost", "motive")
"""Terms a record shows only when they are not zero."""


def _clip_exact(value: Fraction) -> float:
    """The float nearest an exact number, clipped to +-1e300."""
    if value > _HUGE:
        return _HUGE
    if value < -_HUGE:
        return -_HUGE
    return float(value)


def logit(utilities: list[float], rationality: float) -> list[float]:
    """Softmax probabilities exp(λu) / Σ exp(λu), stable (log-sum-exp) for any λ and utility.

    The usual way subtracts the largest λu before exponentiating. When λu overflows (λ = 1e6,
    u = 1e300) that gives inf - inf; then each option is weighed by exp(λ(u - u_best)) instead,
    which cannot overflow and keeps the order of huge utilities (1e300 beats 1e299: clipping
    λu would make them a tie).
    """
    if not utilities:
        return []
    scaled = [rationality * u for u in utilities]
    top = max(scaled)
    weights = [math.exp(x - top) for x in scaled]
    total = sum(weights)
    if not 1.0 <= total <= len(weights):  # inf - inf or NaN somewhere: the careful way
        weights = _logit_weights(utilities, rationality)
        total = sum(weights)
    return [w / total for w in weights]


def _logit_weights(utilities: list[float], rationality: float) -> list[float]:
    """exp(λ(u - u_best)) for each utility, u_best the one λu ranks first; never inf or NaN."""
    lam = 0.0 if rationality != rationality else max(-_MAX, min(_MAX, rationality))
    if lam == 0.0:
        return [1.0] * len(utilities)
    # infinities become the largest floats and NaN the worst utility, so that u - u_best is
    # never inf - inf: at most -inf (or +inf for a negative λ), whose exponential is 0
    worst = -_MAX if lam > 0 else _MAX
    us = [worst if u != u else max(-_MAX, min(_MAX, u)) for u in utilities]
    best = max(us) if lam > 0 else min(us)
    return [math.exp(lam * (u - best)) for u in us]


def pick_pass_or_option(
    candidates: list[Scored], pass_probability: float, rationality: float, draw: float
) -> int:
    """One logit pick among the candidates and pass (utility 0): an index, or -1 for pass.

    The same as `pick(logit([0] + utilities), draw) - 1`, but reusing each option's
    single-pick probability from `score` (a logit's odds between two options do not change
    when others drop out). Where little probability is left, it recomputes exactly.
    """
    total = pass_probability + sum(s.probability for s in candidates)
    if total < 1e-6:
        return pick(logit([0.0] + [s.utility for s in candidates], rationality), draw) - 1
    threshold = draw * total
    running = pass_probability
    if threshold < running:
        return -1
    for i, s in enumerate(candidates):
        running += s.probability
        if threshold < running:
            return i
    return len(candidates) - 1


def pick(probabilities: list[float], draw: float) -> int:
    """Index chosen by one uniform draw (inverse CDF)."""
    running = 0.0
    for i, p in enumerate(probabilities):
        running += p
        if draw < running:
            return i
    return len(probabilities) - 1


class LogitPolicy:
    """An agent: scores each legal option and picks options one by one by a logit rule.

    The status quo (pass, utility 0) is always an option; picking it ends the turn's
    choices. Picks continue while the actor's budget (count and points) allows.
    """

    name = "agent"

    def score(
        self, actor: CActor, ctx: Context, planned: list[CAction], explain: bool
    ) -> list[Scored]:
        """Legal options with utilities (split into terms if `explain`) and single-pick logit
        probabilities; draws nothing and changes nothing."""
        state = ctx.state
        weights = {term: w(state) for term, w in actor.objectives}
        scored = []
        for action in actor.menu:
            if action.illegal(state, planned.count(action)) is None and (
                not planned or action.excluded_by(planned) is None
            ):
                total, terms = utility(actor, action, state, weights, explain)
                scored.append(Scored(action, total, terms))
        probabilities = logit([0.0] + [s.utility for s in scored], actor.rationality)
        for s, p in zip(scored, probabilities[1:], strict=True):
            s.probability = p
        return scored

    def decide(self, actor: CActor, ctx: Context, already: Sequence[CAction] = ()) -> Decision:
        """Sequential logit picks within the budget, each from its own keyed draw; `already`
        (scheduled moves) counts against the budget and the limits."""
        options = self.score(actor, ctx, list(already), ctx.explain)
        chosen: list[CAction] = []
        count, points = budget_left(actor, already)
        candidates = [s for s in options if points is None or s.action.budget_cost <= points]
        pass_probability = max(0.0, 1.0 - sum(s.probability for s in options))
        for k in range(count):
            if k:  # only the limits of what was just picked, and the points left, can change
                planned = [*already, *chosen] if already else chosen
                candidates = [
                    s
                    for s in candidates
                    if (points is None or s.action.budget_cost <= points)
                    and (s.action is not chosen[-1] or ctx.legal(s.action, planned) is None)
                    and s.action.id not in chosen[-1].excludes
                ]
            if not candidates:
                break
            draw = ctx.dice.uniform(actor.id, ctx.state.turn, f"choice:{k}")
            index = pick_pass_or_option(candidates, pass_probability, actor.rationality, draw)
            if index < 0:
                break
            action = candidates[index].action
            chosen.append(action)
            if points is not None:
                points -= action.budget_cost
        return Decision(actor.id, self.name, chosen, options)

    def vote(self, actor: CActor, ctx: Context, proposal: CAction, key: str) -> CAction:
        """Choose a ballot by the same utilities and logit rule."""
        ballots = actor.ballots[proposal.id]
        weights = {term: w(ctx.state) for term, w in actor.objectives}
        utilities = [utility(actor, b, ctx.state, weights, False)[0] for b in ballots]
        probabilities = logit(utilities, actor.rationality)
        return ballots[pick(probabilities, ctx.dice.uniform(actor.id, ctx.state.turn, key))]


class DoctrinePolicy:
    """A script: the first plan step whose condition holds gives the options, in order."""

    def __init__(self, doctrine: CDoctrine, actions: dict[str, CAction]) -> None:
        self.doctrine = doctrine
        self.actions = actions
        self.name = f"script:{doctrine.id}"

    def decide(self, actor: CActor, ctx: Context, already: Sequence[CAction] = ()) -> Decision:
        """Take the plan step's options that are legal and fit the budget left after
        `already` (scheduled moves); note the rest."""
        plan = self.doctrine.plan
        step = next((i for i, (when, _) in enumerate(plan) if when is None or when(ctx.state)), -1)
        if step < 0:
            return Decision(actor.id, self.name, [], note="no plan step applied")
        choose = plan[step][1]
        chosen: list[CAction] = []
        skipped = []
        menu = {a.id for a in actor.menu}
        count, points = budget_left(actor, already)
        for action_id in choose:
            action = self.actions[action_id]
            reason = None if action_id in menu else "not on the menu in this variant"
            reason = reason or ctx.legal(action, [*already, *chosen] if already else chosen)
            if reason is None and len(chosen) >= count:
                reason = "over budget"
            if reason is None and points is not None:
                if action.budget_cost > points:
                    reason = "over budget"
                else:
                    points -= action.budget_cost
            if reason is None:
                chosen.append(action)
            else:
                skipped.append(f"{action_id}: {reason}")
        note = f"plan step {step + 1}" + (f"; skipped {', '.join(skipped)}" if skipped else "")
        return Decision(actor.id, self.name, chosen, note=note)

    def vote(self, actor: CActor, ctx: Context, proposal: CAction, key: str) -> CAction:
        """The doctrine's ballot for this proposal, or the agent's choice if it names none."""
        ballot = self.doctrine.ballots.get(proposal.id)
        if ballot is None:
            return LogitPolicy().vote(actor, ctx, proposal, key)
        return self.actions[ballot]


class HumanPolicy:
    """A person: the model hands over the team's moves and ballots, checked when entered."""

    name = "human"

    def decide(self, actor: CActor, ctx: Context, already: Sequence[CAction] = ()) -> Decision:
        """Take the entered moves (already checked by `check_moves`)."""
        if actor.id not in ctx.human_moves:
            raise WargameError(f"no moves entered for {actor.id}, which a human team plays")
        chosen = check_moves(actor, ctx.human_moves[actor.id], ctx, already)
        scored = LogitPolicy().score(actor, ctx, list(already), ctx.explain) if ctx.explain else []
        return Decision(actor.id, self.name, chosen, scored)

    def vote(self, actor: CActor, ctx: Context, proposal: CAction, key: str) -> CAction:
        """The entered ballot for this proposal."""
        return check_ballot(actor, proposal, ctx.human_votes.get(actor.id, {}).get(proposal.id))


def check_moves(
    actor: CActor, action_ids: Sequence[str], ctx: Context, already: Sequence[CAction] = ()
) -> list[CAction]:
    """The actions a person (or a facilitator) entered for `actor`, if all may be taken now
    together within its budget (what `already`, its scheduled moves, left); else a
    WargameError naming the option and the valid choices."""
    by_id = {a.id: a for a in actor.menu}
    chosen: list[CAction] = []
    count, points = budget_left(actor, already)
    scheduled = f", {len(already)} of them scheduled by the scenario" if already else ""
    for action_id in action_ids:
        action = by_id.get(action_id)
        if action is None:
            valid = ", ".join(by_id) or "none"
            raise WargameError(
                f"{actor.id} has no option '{action_id}' on its menu.{suggest(action_id, by_id)} "
                f"Its options: {valid}"
            )
        planned = [*already, *chosen]
        reason = ctx.legal(action, planned)
        if reason is None and len(chosen) >= count:
            reason = f"its budget is {actor.budget_count} option(s) a turn{scheduled}"
        if reason is None and points is not None and action.budget_cost > points:
            reason = f"it costs {action.budget_cost:g} budget points and {points:g} are left"
        if reason is not None:
            legal = [a.id for a in actor.menu if ctx.legal(a, planned) is None]
            raise WargameError(
                f"{actor.id} cannot take '{action_id}' now: {reason}. "
                f"Options it can take now: {', '.join(legal) or 'none'}"
            )
        chosen.append(action)
        if points is not None:
            points -= action.budget_cost
    return chosen


def check_ballot(actor: CActor, proposal: CAction, ballot_id: str | None) -> CAction:
    """The ballot `ballot_id` of `actor` on `proposal`, or a WargameError listing the ballots."""
    for ballot in actor.ballots[proposal.id]:
        if ballot.id == ballot_id:
            return ballot
    names = ", ".join(b.id for b in actor.ballots[proposal.id])
    if ballot_id is None:
        raise WargameError(f"{actor.id} must vote on {proposal.id}: enter one of {names}")
    raise WargameError(
        f"{actor.id} has no ballot '{ballot_id}' on {proposal.id}: enter one of {names}"
    )


Policy = LogitPolicy | DoctrinePolicy | HumanPolicy
