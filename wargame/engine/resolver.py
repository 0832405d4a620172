"""Adjudication: turn one phase's chosen moves into state changes, in two steps.

`plan` lists everything it is about to decide (each vote, each die with its odds, each
effect) without changing the state; `apply` then carries the plan out. Between the two a
facilitator's overrides (force a result, with a reason) replace single items, and the
record keeps both the roll and the override.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from wargame.engine.program import CAction, CEffect, Program, branch_odds, noisy_or
from wargame.engine.records import BeliefRecord, EffectRecord, WithdrawnDraft
from wargame.engine.state import DeterrenceState, beta_mean
from wargame.errors import WargameError

_TINY = math.ulp(0.0)
"""The smallest positive float: a belief's alpha and beta never reach 0."""

Write = tuple[tuple[str, ...], str, float, int, str]
"""A planned change: (term, op, amount, delay, cause); the amount is fixed when planned."""


@dataclass(slots=True)
class Override:
    """A facilitator's ruling on one adjudication item: its forced result and why."""

    result: str
    reason: str


@dataclass(slots=True)
class Move:
    """One action instance in a phase, with its votes and its die once planned."""

    action: CAction
    index: int
    key: str
    votes: dict[str, str] = field(default_factory=dict)
    passed: bool = True
    odds: dict[str, float] = field(default_factory=dict)
    roll: float | None = None
    branch: str | None = None
    forced: str | None = None
    rolled: str | None = None
    """The branch the die gave, where a facilitator forced another."""
    forced_votes: dict[str, str] = field(default_factory=dict)
    writes: list[Write] = field(default_factory=list)
    draft: CAction | None = None
    """The weaker draft finally voted on, where the proposal was negotiated down after a
    veto threat (`votes`, `passed`, the die and the effects are then the draft's)."""
    withdrawn: tuple[WithdrawnDraft, ...] = ()
    """The drafts withdrawn after a veto threat, in order (the proposal first)."""

    @property
    def final(self) -> CAction:
        """The action that went ahead, or was vetoed last: the proposal or its draft."""
        return self.action if self.draft is None else self.draft


def move_key(turn: int, action: CAction, index: int) -> str:
    """Stable id of an action instance: what facilitators name to force or re-roll."""
    return f"t{turn}:{action.actor}:{action.id}#{index}"


def vote_key(key: str, proposal: CAction, draft: CAction, voter: str) -> str:
    """The key of a voter's ballot in the move `key`: on the proposal `KEY:vote:VOTER`, on a
    weaker draft tabled instead `KEY:DRAFT:vote:VOTER` (its own draw, its own force)."""
    on = key if draft is proposal else f"{key}:{draft.id}"
    return f"{on}:vote:{voter}"


def plan(program: Program, ctx: Any, moves: list[Move]) -> None:
    """Decide votes, dice and effect amounts for each move (reading, never writing, the state).

    Every move of a phase is planned on the same state, so moves within a phase are
    simultaneous: none sees another's effects.
    """
    state = ctx.state
    for move in moves:
        if move.action.voters:
            _negotiate(program, ctx, move)
        action = move.final
        for ballot_id in move.votes.values():
            move.writes += evaluate(state, program.actions[ballot_id].effects, ballot_id)
        if not move.passed:
            move.writes += evaluate(state, action.on_veto, f"{action.id} (vetoed)")
            continue
        move.writes += evaluate(state, action.effects, action.id)
        if not action.branches:
            continue
        move.odds = branch_odds(action, state)
        move.roll = ctx.dice.uniform(action.actor, state.turn, f"die:{move.action.id}#{move.index}")
        running = 0.0
        move.branch = action.branches[-1].name
        for name, p in move.odds.items():
            running += p
            if move.roll < running:
                move.branch = name
                break
        forced = ctx.overrides.get(move.key)
        if forced is not None:
            if forced.result not in move.odds:
                raise WargameError(
                    f"cannot force {move.key} to '{forced.result}': "
                    f"its results are {list(move.odds)}"
                )
            move.rolled = move.branch
            move.branch, move.forced = forced.result, forced.reason
        for b in action.branches:
            if b.name == move.branch:
                move.writes += evaluate(state, b.effects, f"{action.id}.{b.name}")


def _negotiate(program: Program, ctx: Any, move: Move) -> None:
    """Put the proposal to its voters; while a ballot is a veto and the draft has a fallback
    available now, withdraw it and table the fallback. The last draft's ballots are the vote;
    the withdrawn drafts' ballots are kept as threats."""
    draft, tabled = move.action, {move.action.id}
    while True:
        move.votes, move.forced_votes = {}, {}
        for voter in draft.voters:
            key = vote_key(move.key, move.action, draft, voter)
            ballot = ctx.vote(voter, draft, key)
            forced = ctx.overrides.get(key)
            if forced is not None:
                ballot = _ballot(program, voter, draft, forced, key)
                move.forced_votes[voter] = forced.reason
            move.votes[voter] = ballot.id
        move.passed = all(program.actions[b].vote != "veto" for b in move.votes.values())
        weaker = draft.fallback
        if (
            move.passed
            or weaker is None
            or weaker.id in tabled
            or weaker.illegal(ctx.state) is not None
        ):
            break
        move.withdrawn += (WithdrawnDraft(draft.id, move.votes, move.forced_votes),)
        draft = weaker
        tabled.add(draft.id)
    move.draft = None if draft is move.action else draft


def _ballot(program: Program, voter: str, proposal: CAction, forced: Override, key: str) -> CAction:
    for ballot in program.actors[voter].ballots[proposal.id]:
        if ballot.id == forced.result:
            return ballot
    names = [b.id for b in program.actors[voter].ballots[proposal.id]]
    raise WargameError(f"cannot force {key} to '{forced.result}': ballots are {names}")


def apply(program: Program, ctx: Any, moves: list[Move], log: list[EffectRecord] | None) -> None:
    """Carry out planned moves: counts, the planned writes, provocations and signals."""
    state = ctx.state
    for move in moves:
        action = move.final
        for ballot_id in move.votes.values():
            take(state, program.actions[ballot_id])
        take(state, move.action)
        if move.draft is not None:  # negotiated down: the draft voted on counts as taken too
            take(state, move.draft)
        if move.passed and move.branch is not None:
            state.count_taken(f"{action.id}.{move.branch}")
        write(state, move.writes, log)
        if not move.passed:
            continue
        if action.provocation:
            state.provoked.add(action.actor)
        if action.signals and action.observers is None:
            for target in action.targets:
                heard = state.signals.setdefault(target, {})
                heard[action.actor] = noisy_or([heard.get(action.actor, 0.0), action.signals])


def take(state: DeterrenceState, action: CAction) -> None:
    """Count an action as taken this turn."""
    state.count_taken(action.id)
    state.last_taken[action.id] = state.turn


def evaluate(state: DeterrenceState, effects: list[CEffect], cause: str) -> list[Write]:
    """Compute effect amounts on the current state, without changing it."""
    return [(e.term, e.op, e.value(state), e.turns(state), cause) for e in effects]


def write(state: DeterrenceState, writes: list[Write], log: list[EffectRecord] | None) -> None:
    """Apply planned changes now, or queue the delayed ones."""
    for term, op, amount, delay, cause in writes:
        if delay:
            state.pending.append([state.turn + delay, term, op, amount, cause])
            if log is not None:
                log.append(
                    EffectRecord(
                        cause, list(term), op, round(amount, 6), lands_on_turn=state.turn + delay
                    )
                )
            continue
        before, after = state.apply(term, op, amount)
        if log is not None:
            log.append(
                EffectRecord(
                    cause, list(term), op, round(amount, 6), round(before, 6), round(after, 6)
                )
            )


def apply_effects(
    state: DeterrenceState, effects: list[CEffect], cause: str, log: list[EffectRecord] | None
) -> None:
    """Evaluate effects on the current state, then apply them (injects and rules)."""
    write(state, evaluate(state, effects, cause), log)


def land_delayed(state: DeterrenceState, log: list[EffectRecord] | None) -> None:
    """Apply the delayed effects due this turn, in the order they were queued."""
    due = [p for p in state.pending if p[0] <= state.turn]
    if not due:
        return
    state.pending = [p for p in state.pending if p[0] > state.turn]
    for _, term, op, amount, cause in due:
        before, after = state.apply(tuple(term), op, amount)
        if log is not None:
            log.append(
                EffectRecord(
                    f"{cause} (delayed)",
                    list(term),
                    op,
                    round(amount, 6),
                    round(before, 6),
                    round(after, 6),
                )
            )


def update_beliefs(
    program: Program, state: DeterrenceState, moves: list[Move], log: list[BeliefRecord] | None
) -> None:
    """Each observer of a provocation learns each expected responder's resolve from its answer.

    The answer's strength is the noisy-or of the resolve signalled to the provocateur by the
    responder's actions that this observer saw; covert actions are seen by no one else, so
    they move no one's beliefs. One update per (observer, responder) per turn.
    """
    learning = max(0.0, program.learning_rate(state))
    if not learning:
        return
    actors = list(program.actors)
    chances: dict[tuple[str, str], float] = {}
    finals = [(m.final, m.passed) for m in moves]
    for action, _ in finals:
        if not action.provocation:
            continue
        provoker = action.actor
        observers = actors if action.observers is None else sorted(action.observers)
        for responder, _ in action.deterred_by:
            if responder == provoker:
                continue
            for observer in observers:
                if observer == responder:
                    continue
                seen = [
                    final.signals
                    for final, passed in finals
                    if final.actor == responder
                    and provoker in final.targets
                    and passed
                    and (final.observers is None or observer in final.observers)
                ]
                strength = noisy_or(seen)
                pair = (observer, responder)
                chances[pair] = max(chances.get(pair, 0.0), strength)
    cap = program.max_belief_strength
    for (observer, responder), strength in sorted(chances.items()):
        ab = state.beliefs[observer][responder]
        before = beta_mean(ab[0], ab[1])
        learn(ab, learning * strength, learning * (1.0 - strength), cap)
        if log is not None:
            log.append(
                BeliefRecord(
                    observer,
                    responder,
                    round(strength, 4),
                    round(before, 4),
                    round(beta_mean(ab[0], ab[1]), 4),
                )
            )


def learn(ab: list[float], up: float, down: float, cap: float) -> None:
    """Add pseudo-observations to a Beta belief [alpha, beta], then cap alpha + beta at `cap`.

    Both stay finite and above 0 whatever the sizes: if the plain arithmetic overflows (a
    prior near the largest float, a learning rate of 1e300) or crushes one of them to 0
    (scaled down by 50/1e300), it is done again exactly and rounded once.
    """
    alpha, beta = ab[0] + up, ab[1] + down
    total = alpha + beta
    if total > cap:
        alpha, beta = alpha * cap / total, beta * cap / total
    if not (0.0 < alpha < math.inf and 0.0 < beta < math.inf):
        exact_alpha, exact_beta = Fraction(ab[0]) + Fraction(up), Fraction(ab[1]) + Fraction(down)
        exact_total = exact_alpha + exact_beta
        if exact_total > cap:
            exact_alpha, exact_beta = (
                exact_alpha * Fraction(cap) / exact_total,
                exact_beta * Fraction(cap) / exact_total,
            )
        # at most max(cap, the sum before) now, so finite; the smallest float keeps both > 0
        alpha, beta = max(float(exact_alpha), _TINY), max(float(exact_beta), _TINY)
    ab[0], ab[1] = alpha, beta
