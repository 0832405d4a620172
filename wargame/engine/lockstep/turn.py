"""One turn of K games in lockstep, step for step as `WargameModel` plays one game.

Every step is the reference engine's, done to all games at once: delayed effects land,
injects fire, each phase's actors choose (agents by the logit rule, doctrines by their plan),
votes and dice are planned on the phase's state, the moves are applied in order, beliefs
learn, rules fire and outcomes are checked. Where the games differ (which option, which
branch, whether a vote passed) the step is taken for each alternative under a mask, in the
same order as the reference takes it for each game, so the floats are summed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from wargame.engine.lockstep.formulas import Fn, Formulas, Unsupported, noisy_or
from wargame.engine.lockstep.games import NEVER, Games, Layout, Pending, beta_mean
from wargame.engine.lockstep.xp import (
    BIG,
    Array,
    Mask,
    Value,
    as_array,
    exact,
    first_max,
    first_min,
    select,
)
from wargame.engine.program import CAction, CActor, CDoctrine, CEffect, Program, whole_turns
from wargame.engine.rng import site_key, uniform_many
from wargame.scenario.expr import Getter
from wargame.scenario.loading import Scenario

_TINY_TOTAL = 1e-6
"""Below this, `pick_pass_or_option` works the logit out again (see policies)."""
_TIE = 1e-12
"""A draw this close to where one option's share ends and the next begins is a tie the
engines could split differently: numpy's exp and Python's may part in the last bit (about
1e-16 here). Such a game (about one in 10^9) is played again by the reference engine."""


@dataclass(slots=True)
class Effect:
    """A compiled effect's array form: the term's row, the operation, the amount, the delay."""

    row: int
    op: str
    amount: Fn
    delay: int
    delay_value: Fn | None


@dataclass(slots=True)
class Move:
    """One group of games making the same move in a phase: the proposal, the draft finally
    voted on, whether it passed, and the games."""

    proposal: CAction
    final: CAction
    games: Mask
    passed: Mask


@dataclass(slots=True)
class Picks:
    """One actor's moves this turn in each game, in order: `slots[i, g]` is the action index
    of game g's i-th move (-1: none), with the budget used so far."""

    slots: Any
    taken: Any
    points: Value | None
    planned: dict[int, Any]
    """Action index -> how many times each game has it among its moves."""

    @classmethod
    def empty(cls, actor: CActor, size: int) -> Picks:
        slots = np.full((max(actor.budget_count, 0), size), -1)
        return cls(slots, np.zeros(size, dtype=np.int64), actor.budget_points, {})

    def add(self, action: int, mask: Mask, cost: float) -> None:
        """The games of `mask` take the action as their next move."""
        self.slots[self.taken[mask], np.flatnonzero(mask)] = action
        self.planned[action] = self.planned.get(action, 0) + mask
        self.taken = self.taken + mask
        if self.points is not None:
            self.points = np.where(mask, self.points - cost, self.points)


Planned = list[tuple[Effect, Value, Value]]
"""Writes worked out but not yet made: each effect with its amount and delay."""


@dataclass(slots=True)
class PlannedMove:
    """A move with what `apply` will do: count its ballots and branch, make its writes."""

    move: Move
    ballots: list[tuple[CAction, Mask]]
    branches: list[tuple[str, Mask]]
    writes: list[tuple[Planned, Mask]]


class Lockstep:
    """Plays K games of one scenario (variant) in lockstep, to the scenario's last turn."""

    def __init__(self, scenario: Scenario, program: Program, controllers: dict[str, str]) -> None:
        self.program = program
        self.layout = Layout.of(program)
        self.formula = Formulas(program, scenario.spec, self.layout)
        self.controllers = controllers
        self.doctrines: dict[str, CDoctrine] = {}
        for actor_id, controller in controllers.items():
            if controller == "human":
                raise Unsupported(f"{actor_id} is played by a person")
            if controller.startswith("script:"):
                self.doctrines[actor_id] = program.doctrines[controller.split(":", 1)[1]]
        self.effects: dict[int, list[Effect]] = {}
        self.phase: dict[Any, Any] = {}
        """What planning the phase in hand has worked out (its state does not change)."""
        self.action_at = self.layout.action_at
        self.keys = self.layout.keys

    # -- compiled parts ----------------------------------------------------------------------
    def compiled(self, effects: list[CEffect]) -> list[Effect]:
        """The array form of a list of effects (once per list)."""
        found = self.effects.get(id(effects))
        if found is None:
            found = self.effects[id(effects)] = [
                Effect(
                    self.layout.terms[e.term],
                    e.op,
                    self.formula(e.value),
                    e.delay,
                    None if e.delay_value is None else self.delay(e.delay_value),
                )
                for e in effects
            ]
        return found

    def delay(self, turns: Getter) -> Fn:
        """An effect's delay read from sampled parameters, in whole turns, per game (the
        same all game long: worked out once per set of games)."""
        read = self.formula(turns)
        return self.formula.once(lambda games: exact(_whole_turns, read(games)))

    # -- the turn ----------------------------------------------------------------------------
    def play(self, games: Games, last_turn: int) -> Any:
        """Play every game on to `last_turn` or its terminal outcome; the turns each played."""
        played = np.full(games.size, games.turn, dtype=np.int64)
        with np.errstate(all="ignore"):
            while games.turn < last_turn and games.running.any():
                alive = games.running.copy()
                self.turn(games, alive)
                played[alive] = games.turn
        return played

    def turn(self, games: Games, alive: Mask) -> None:
        """One turn of the games that are `alive`."""
        games.begin_turn()
        self.land_delayed(games, alive)
        self.injects(games, alive)
        moves: list[Move] = []
        for _, actor_ids in self.program.phases:
            chosen = {a: self.decide(games, self.program.actors[a], alive) for a in actor_ids}
            planned = self.plan(games, actor_ids, chosen, alive)
            moves += self.apply(games, planned)
        self.update_beliefs(games, moves, alive)
        for _, _, when, effects in self.program.rules:
            fires = alive & (self.formula(when)(games) != 0.0)
            if fires.any():
                self.apply_effects(games, effects, fires)
        self.outcomes(games, alive)

    def land_delayed(self, games: Games, alive: Mask) -> None:
        """Delayed writes due this turn, in the order they were queued."""
        left = []
        for entry in games.pending:
            due = entry.mask & alive & (entry.lands <= games.turn)
            if due.any():
                games.apply(entry.row, entry.op, entry.amount, due)
                entry.mask &= ~due
            if entry.mask.any():
                left.append(entry)
        games.pending = left

    def injects(self, games: Games, alive: Mask) -> None:
        for i, inject in enumerate(self.program.injects):
            can = alive.copy()
            if inject.max_times is not None:
                can &= games.inject_times[i] < inject.max_times
            if inject.when is not None:
                can &= self.formula(inject.when)(games) != 0.0
            if games.turn in inject.turns:
                fired = can
            elif inject.probability is not None:
                chance = first_min(1.0, first_max(0.0, self.formula(inject.probability)(games)))
                roll = uniform_many(
                    games.seed_keys, site_key(f"inject:{inject.id}", games.turn, "fires")
                )
                fired = can & (roll < chance)
            else:
                continue
            if fired.any():
                games.inject_times[i] += fired
                self.apply_effects(games, inject.effects, fired)

    # -- effects -----------------------------------------------------------------------------
    def evaluate(self, games: Games, effects: list[CEffect]) -> Planned:
        """Each effect with its amount and delay on the current state (nothing written)."""
        out = []
        for effect in self.compiled(effects):
            amount = effect.amount(games)
            delay: Value = effect.delay
            if effect.delay_value is not None:
                delay = effect.delay_value(games)
            out.append((effect, amount, delay))
        return out

    def planned(self, games: Games, effects: list[CEffect]) -> Planned:
        """`evaluate` within a phase's plan, once per list of effects: every group of games
        making a move reads the same state."""
        found = self.phase.get(id(effects))
        if found is None:
            found = self.phase[id(effects)] = self.evaluate(games, effects)
        return found

    def write(self, games: Games, planned: Planned, mask: Mask) -> None:
        """Apply planned writes now in the games of `mask`, or queue the delayed ones."""
        for effect, amount, delay in planned:
            now = (
                mask & (delay == 0)
                if isinstance(delay, np.ndarray)
                else (mask if not delay else None)
            )
            later = (
                mask & (delay > 0) if isinstance(delay, np.ndarray) else (mask if delay else None)
            )
            if now is not None and now.any():
                games.apply(effect.row, effect.op, amount, now)
            if later is not None and later.any():
                lands = np.asarray(games.turn + np.asarray(delay, dtype=np.float64)).astype(
                    np.int64
                )
                lands = np.broadcast_to(lands, (games.size,)).copy()
                games.pending.append(
                    Pending(
                        lands, effect.row, effect.op, as_array(amount, games.size), later.copy()
                    )
                )

    def apply_effects(self, games: Games, effects: list[CEffect], mask: Mask) -> None:
        """Evaluate effects on the current state, then apply them (injects and rules)."""
        self.write(games, self.evaluate(games, effects), mask)

    # -- choosing ----------------------------------------------------------------------------
    def legal(self, games: Games, action: CAction, planned: dict[int, Any] | None) -> Mask:
        """Games in which `action` may be taken now after the `planned` uses of each action
        (`CAction.illegal` and `excluded_by`)."""
        key = self.keys[action.id]
        already = 0 if planned is None else planned.get(self.action_at[action.id], 0)
        ok = games.turn_count[key] + already < action.max_per_turn
        if action.max_per_game is not None:
            ok &= games.count[key] + already < action.max_per_game
        if action.cooldown:
            last = games.last_taken[self.action_at[action.id]]
            ok &= ~((last != NEVER) & (games.turn - last <= action.cooldown))
        if action.requires is not None:
            ok &= self.formula(action.requires)(games) != 0.0
        if planned and action.excludes:
            for other in action.excludes:
                uses = planned.get(self.action_at[other])
                if uses is not None:
                    ok &= uses == 0
        return np.broadcast_to(ok, (games.size,)).copy()

    def utility(
        self, games: Games, actor: CActor, action: CAction, weights: dict[Any, Value]
    ) -> tuple[Value, Value]:
        """`policies.utility` per game: the total and the size of its parts."""
        total: Value = 0.0
        size: Value = 0.0
        for term, delta in action.linear:
            contribution = weights[term] * delta
            total = total + contribution
            size = size + abs(contribution)
        odds: dict[str, Value] | None = None
        for term, op, value, branch in action.scored:
            change = self.change(games, term, op, value)
            if branch is not None:
                if odds is None:
                    odds = self.branch_odds(games, action)
                change = change * odds[branch]
            contribution = weights[term] * change
            total = total + contribution
            size = size + abs(contribution)
        for _, term, op, value in action.foreseen:
            change = self.change(games, term, op, value)
            contribution = weights[term] * change
            total = total + contribution
            size = size + abs(contribution)
        cost = self.formula(action.cost)(games)
        motive = self.formula(action.motive)(games)
        total = total + (motive - cost)
        size = size + (abs(motive) + abs(cost))
        for responder, loss in action.deterred_by:
            pair = self.layout.pairs[(actor.id, responder)]
            expected = beta_mean(games.alpha[pair], games.beta[pair]) * self.formula(loss)(games)
            total = total - expected
            size = size + abs(expected)
        return total, size

    def change(self, games: Games, term: Any, op: str, value: Getter) -> Value:
        """`policies.expected_change` of an effect on a term, per game: the amount for an
        add, old x (amount - 1) for a mul, amount - old for a set."""
        amount = self.formula(value)(games)
        if op == "add":
            return amount
        old = games.x[self.layout.terms[term]]
        return old * (amount - 1) if op == "mul" else amount - old

    def branch_odds(self, games: Games, action: CAction) -> dict[str, Value]:
        """`program.branch_odds` per game."""
        odds: dict[str, Value] = {}
        left: Value = 1.0
        for b in action.branches:
            if b.probability is None:
                p = left
            else:
                p = first_min(left, first_max(0.0, self.formula(b.probability)(games)))
            odds[b.name] = p
            left = left - p
        return odds

    def weights(self, games: Games, actor: CActor) -> dict[Any, Value]:
        return {term: self.formula(w)(games) for term, w in actor.objectives}

    def decide(self, games: Games, actor: CActor, alive: Mask) -> Picks:
        """The actor's moves in each game: the scheduled ones first, then its controller's."""
        picks = Picks.empty(actor, games.size)
        if actor.schedule:
            self.scheduled(games, actor, alive, picks)
        doctrine = self.doctrines.get(actor.id)
        if doctrine is not None:
            self.follow(games, actor, doctrine, alive, picks)
        else:
            self.choose(games, actor, alive, picks)
        return picks

    def take_in_order(
        self, games: Games, actor: CActor, action: CAction, mask: Mask, picks: Picks
    ) -> None:
        """Take `action` in the games of `mask` where it is legal after the moves so far and
        fits the budget left (as schedules and doctrines do, one listed option at a time)."""
        ok = mask & self.legal(games, action, picks.planned) & (picks.taken < actor.budget_count)
        if picks.points is not None:
            ok &= action.budget_cost <= picks.points
        if ok.any():
            picks.add(self.action_at[action.id], ok, action.budget_cost)

    def scheduled(self, games: Games, actor: CActor, alive: Mask, picks: Picks) -> None:
        """`schedule.scheduled_moves` per game: the entries of this turn whose `when` holds."""
        for entry in actor.schedule:
            if games.turn not in entry.turns:
                continue
            holds = alive
            if entry.when is not None:
                holds = alive & (self.formula(entry.when)(games) != 0.0)
            for action in entry.actions:
                self.take_in_order(games, actor, action, holds, picks)

    def follow(
        self, games: Games, actor: CActor, doctrine: CDoctrine, alive: Mask, picks: Picks
    ) -> None:
        """`DoctrinePolicy.decide` per game: the first plan step that holds, its options in
        order where they are legal and fit the budget."""
        step = np.full(games.size, -1)
        for i, (when, _) in enumerate(doctrine.plan):
            holds = alive if when is None else alive & (self.formula(when)(games) != 0.0)
            step = np.where((step < 0) & holds, i, step)
        menu = {a.id for a in actor.menu}
        for i, (_, ids) in enumerate(doctrine.plan):
            here = step == i
            if not here.any():
                continue
            for action_id in ids:
                if action_id in menu:
                    self.take_in_order(games, actor, self.program.actions[action_id], here, picks)

    def choose(self, games: Games, actor: CActor, alive: Mask, picks: Picks) -> None:
        """`LogitPolicy.decide` per game: sequential logit picks within the budget left."""
        size, menu = games.size, actor.menu
        if not menu or actor.budget_count <= 0:
            return
        weights = self.weights(games, actor)
        legal = np.stack([self.legal(games, a, picks.planned) for a in menu]) & alive
        utilities = np.empty((len(menu), size))
        for j, action in enumerate(menu):
            total, big = self.utility(games, actor, action, weights)
            utilities[j] = total
            games.careful |= legal[j] & ~(as_array(big, size) <= BIG)
        rationality = games.rationality_of(actor)
        probability = self.logit(games, utilities, legal, rationality, with_pass=True)[1]
        pass_probability = first_max(0.0, 1.0 - _row_sum(probability))  # 0 if not legal
        costs = np.array([a.budget_cost for a in menu])
        candidates = legal.copy()
        if picks.points is not None:
            candidates &= costs[:, None] <= picks.points
        left = actor.budget_count - picks.taken
        picking = alive.copy()
        index = np.array([self.action_at[a.id] for a in menu])
        excludes = np.array([[b.id in a.excludes for b in menu] for a in menu], dtype=bool)
        last = None
        for k in range(actor.budget_count):
            picking &= k < left
            if k:
                assert last is not None
                if picks.points is not None:
                    candidates &= costs[:, None] <= picks.points
                took = last >= 0
                for j, action in enumerate(menu):
                    again = took & (last == j)
                    if again.any():  # may it be taken once more?
                        key, uses = self.keys[action.id], picks.planned[index[j]]
                        ok = games.turn_count[key] + uses < action.max_per_turn
                        if action.max_per_game is not None:
                            ok &= games.count[key] + uses < action.max_per_game
                        candidates[j] &= ~again | ok
                rows = np.where(took, last, 0)
                candidates &= ~(excludes[rows].T & took)
            picking &= candidates.any(axis=0)
            if not picking.any():
                break
            draw = uniform_many(games.seed_keys, site_key(actor.id, games.turn, f"choice:{k}"))
            chosen = self.pick_pass_or_option(
                games, utilities, probability, candidates, pass_probability, rationality, draw
            )
            chosen = np.where(picking, chosen, -1)
            picking &= chosen >= 0
            for j in np.unique(chosen[chosen >= 0]).tolist():
                picks.add(int(index[j]), chosen == j, menu[j].budget_cost)
            last = chosen

    def logit(
        self, games: Games, utilities: Array, mask: Any, rationality: Value, with_pass: bool
    ) -> tuple[Value, Array]:
        """`policies.logit` per game over the options of `mask` (after pass, utility 0, if
        `with_pass`): the pass probability and each option's."""
        scaled = rationality * utilities
        top: Value = rationality * 0.0 if with_pass else -np.inf
        first = not with_pass
        for j in range(len(utilities)):
            if first:
                top = np.where(mask[j] & ~(top > -np.inf), scaled[j], top)
            top = np.where(mask[j] & (scaled[j] > top), scaled[j], top)
        weights = np.where(mask, np.exp(np.where(mask, scaled - top, 0.0)), 0.0)
        total: Value = 0.0
        count: Value = 0
        pass_weight: Value = 0.0
        if with_pass:
            pass_weight = np.exp(rationality * 0.0 - top)
            total = pass_weight
            count = 1
        for row in weights:  # in order after pass; 0 where masked: adds nothing
            total = total + row
        count = count + mask.sum(axis=0)
        games.careful |= mask.any(axis=0) & ~((total >= 1.0) & (total <= count))
        return pass_weight / total, weights / total

    def pick_pass_or_option(
        self,
        games: Games,
        utilities: Array,
        probability: Array,
        candidates: Any,
        pass_probability: Value,
        rationality: Value,
        draw: Array,
    ) -> Any:
        """`policies.pick_pass_or_option` per game: an option's index, or -1 for pass."""
        shares = np.where(candidates, probability, 0.0)  # a non-candidate adds nothing
        total = pass_probability + _row_sum(shares)
        threshold = draw * total
        running = _running(pass_probability, shares)
        counted = np.empty(running.shape, dtype=bool)  # pass, then the candidates
        counted[0] = True
        counted[1:] = candidates
        ahead = (threshold < running) & counted
        near = ((np.abs(threshold - running) <= _TIE) & counted).any(axis=0)
        chosen = np.where(ahead.any(axis=0), ahead.argmax(axis=0) - 1, _last(candidates))
        small = total < _TINY_TOTAL
        games.careful |= np.where(small, False, near) | (np.abs(total - _TINY_TOTAL) <= _TIE)
        if small.any():
            again = self.pick_again(games, utilities, candidates, rationality, draw)
            chosen = np.where(small, again, chosen)
        return chosen

    def pick_again(
        self, games: Games, utilities: Array, candidates: Any, rationality: Value, draw: Array
    ) -> Any:
        """`pick(logit([0] + candidates' utilities), draw) - 1` per game."""
        pass_p, probability = self.logit(games, utilities, candidates, rationality, True)
        return _pick(games, probability, candidates, draw, pass_p)

    # -- adjudicating ------------------------------------------------------------------------
    def plan(
        self, games: Games, actor_ids: list[str], chosen: dict[str, Picks], alive: Mask
    ) -> list[PlannedMove]:
        """`resolver.plan` per game: every move of the phase, in order, with its writes
        (worked out on the phase's state: moves within a phase are simultaneous)."""
        planned: list[PlannedMove] = []
        self.phase = {"alive": alive}
        for actor_id in actor_ids:
            seen: dict[int, Any] = {}
            for picks in chosen[actor_id].slots:
                present = (picks >= 0) & alive
                if not present.any():
                    continue
                index = np.ones(games.size, dtype=np.int64)
                for at in np.unique(picks[present]):
                    games_with = present & (picks == at)
                    before = seen.get(int(at), 0)
                    index = np.where(games_with, before + 1, index)
                    seen[int(at)] = before + games_with
                    for number in np.unique(index[games_with]):
                        group = games_with & (index == number)
                        action = self.layout.actions[int(at)]
                        planned += self.plan_move(games, action, int(number), group)
        return planned

    def plan_move(
        self, games: Games, proposal: CAction, index: int, group: Mask
    ) -> list[PlannedMove]:
        """Votes (with weaker drafts tabled after a veto), the die and the writes of one move
        made by the games of `group`."""
        out = []
        key = f"t{games.turn}:{proposal.actor}:{proposal.id}#{index}"
        voting = group
        tabled = {proposal.id}
        draft = proposal
        while voting.any():
            ballots: list[tuple[CAction, Mask]] = []
            passed = voting.copy()
            for voter in draft.voters:
                on = key if draft is proposal else f"{key}:{draft.id}"
                for ballot, cast in self.vote(games, voter, draft, f"{on}:vote:{voter}", voting):
                    ballots.append((ballot, cast))
                    if ballot.vote == "veto":
                        passed &= ~cast
            weaker = draft.fallback
            moving = np.zeros_like(voting)
            if weaker is not None and weaker.id not in tabled:
                moving = voting & ~passed & self.legal(games, weaker, None)
            staying = voting & ~moving
            if staying.any():
                out.append(
                    self.plan_final(
                        games, proposal, draft, index, ballots, staying, passed & staying
                    )
                )
            if weaker is None or not moving.any():
                break
            voting = moving
            draft = weaker
            tabled.add(draft.id)
        return out

    def vote(
        self, games: Games, voter: str, draft: CAction, key: str, voting: Mask
    ) -> list[tuple[CAction, Mask]]:
        """Each ballot of `voter` on `draft` with the games that cast it."""
        actor = self.program.actors[voter]
        ballots = actor.ballots[draft.id]
        doctrine = self.doctrines.get(voter)
        if doctrine is not None and draft.id in doctrine.ballots:
            fixed = self.program.actions[doctrine.ballots[draft.id]]
            return [(fixed, voting.copy())]
        chosen = self.phase.get(("vote", key))
        if chosen is None:  # the same in every group: worked out on the phase's state
            alive = self.phase["alive"]
            weights = self.weights(games, actor)
            utilities = np.empty((len(ballots), games.size))
            for j, ballot in enumerate(ballots):
                total, big = self.utility(games, actor, ballot, weights)
                utilities[j] = total
                games.careful |= alive & ~(as_array(big, games.size) <= BIG)
            mask = np.broadcast_to(alive, utilities.shape)
            rationality = games.rationality_of(actor)
            probability = self.logit(games, utilities, mask, rationality, with_pass=False)[1]
            draw = uniform_many(games.seed_keys, site_key(voter, games.turn, key))
            chosen = self.phase[("vote", key)] = _pick(games, probability, mask, draw, None)
        return [(b, voting & (chosen == j)) for j, b in enumerate(ballots)]

    def plan_final(
        self,
        games: Games,
        proposal: CAction,
        final: CAction,
        index: int,
        ballots: list[tuple[CAction, Mask]],
        group: Mask,
        passed: Mask,
    ) -> PlannedMove:
        """The writes of the games of `group`, whose last draft was `final`: ballots' effects,
        then the effects (or the veto's) and the branch the die gives."""
        writes: list[tuple[Planned, Mask]] = []
        counted: list[tuple[CAction, Mask]] = []
        for ballot, cast in ballots:
            cast = cast & group
            if cast.any():
                writes.append((self.planned(games, ballot.effects), cast))
                counted.append((ballot, cast))
        vetoed = group & ~passed
        if vetoed.any():
            writes.append((self.planned(games, final.on_veto), vetoed))
        branches: list[tuple[str, Mask]] = []
        if passed.any():
            writes.append((self.planned(games, final.effects), passed))
            if final.branches:
                odds = self.phase.get(("odds", final.id))
                if odds is None:
                    odds = self.phase[("odds", final.id)] = self.branch_odds(games, final)
                roll = uniform_many(
                    games.seed_keys,
                    site_key(proposal.actor, games.turn, f"die:{proposal.id}#{index}"),
                )
                running: Value = 0.0
                open_ = passed.copy()
                fell = np.full(games.size, len(final.branches) - 1)
                for j, b in enumerate(final.branches):
                    running = running + odds[b.name]
                    hit = open_ & (roll < running)
                    fell[hit] = j
                    open_ &= ~hit
                for j, b in enumerate(final.branches):
                    landed = passed & (fell == j)
                    if landed.any():
                        branches.append((f"{final.id}.{b.name}", landed))
                        writes.append((self.planned(games, b.effects), landed))
        return PlannedMove(Move(proposal, final, group, passed), counted, branches, writes)

    def apply(self, games: Games, planned: list[PlannedMove]) -> list[Move]:
        """`resolver.apply` per game: counts, writes, provocations and signals, move by move;
        and the phase's escalation."""
        phase: Value = 0.0
        moves = []
        for item in planned:
            move = item.move
            group, final, passed = move.games, move.final, move.passed
            for ballot, cast in item.ballots:
                self.take(games, ballot, cast)
            self.take(games, move.proposal, group)
            if final is not move.proposal:
                self.take(games, final, group)
            for name, landed in item.branches:
                games.take(self.keys[name], landed)
            for planned_writes, mask in item.writes:
                self.write(games, planned_writes, mask)
            phase = phase + np.where(group, games.escalation_of(final), 0.0)
            moves.append(move)
            if not passed.any():
                continue
            if final.provocation:
                games.provoked[self.layout.actor_at[final.actor]] |= passed
            signals = games.signals_of(final)
            heard_by = passed & (signals != 0.0)  # a signal of 0 is not sent at all
            if final.observers is None and heard_by.any():
                sender = self.layout.actor_at[final.actor]
                for target in final.targets:
                    heard = games.signals[self.layout.actor_at[target], sender]
                    louder = noisy_or([heard, signals])
                    games.signals[self.layout.actor_at[target], sender] = np.where(
                        heard_by, louder, heard
                    )
        total = games.escalation + phase
        if planned:
            games.careful |= ~((total >= -BIG) & (total <= BIG))
            games.escalation = total
        return moves

    def take(self, games: Games, action: CAction, mask: Mask) -> None:
        games.take(self.keys[action.id], mask)
        at = self.action_at[action.id]
        games.last_taken[at] = np.where(mask, games.turn, games.last_taken[at])

    # -- the end of the turn -----------------------------------------------------------------
    def update_beliefs(self, games: Games, moves: list[Move], alive: Mask) -> None:
        """`resolver.update_beliefs` per game."""
        learning = first_max(0.0, self.formula(self.program.learning_rate)(games))
        if not np.any(learning):
            return
        actors = list(self.program.actors)
        chances: dict[tuple[str, str], tuple[Value, Mask]] = {}
        heard: dict[tuple[str, str, str], Value] = {}
        for move in moves:
            action = move.final
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
                    strength_now = heard.get((provoker, responder, observer))
                    if strength_now is None:
                        strength_now = heard[(provoker, responder, observer)] = self.answer(
                            games, moves, provoker, responder, observer
                        )
                    pair = (observer, responder)
                    chance, present = chances.get(pair, (0.0, np.zeros(games.size, dtype=bool)))
                    better = move.games & (strength_now > chance)
                    chances[pair] = (np.where(better, strength_now, chance), present | move.games)
        cap = self.program.max_belief_strength
        for pair, (strength, present) in sorted(chances.items()):
            learns = present & alive & (learning != 0.0)
            if not learns.any():
                continue
            at = self.layout.pairs[pair]
            a, b = games.alpha[at], games.beta[at]
            alpha = a + learning * strength
            beta = b + learning * (1.0 - strength)
            total = alpha + beta
            over = total > cap
            alpha = np.where(over, alpha * cap / total, alpha)
            beta = np.where(over, beta * cap / total, beta)
            games.careful |= learns & ~(
                (alpha > 0.0) & (alpha < np.inf) & (beta > 0.0) & (beta < np.inf)
            )
            games.alpha[at] = np.where(learns, alpha, a)
            games.beta[at] = np.where(learns, beta, b)

    def answer(
        self, games: Games, moves: list[Move], provoker: str, responder: str, observer: str
    ) -> Value:
        """The strength of the responder's answer to the provoker that the observer saw this
        turn: the noisy-or of the signals of its passed moves, in the order they were made."""
        miss: Value = 1.0
        for other in moves:
            final = other.final
            if (
                final.actor == responder
                and provoker in final.targets
                and (final.observers is None or observer in final.observers)
            ):
                strength = games.signals_of(final)
                s = select(strength > 1.0, 1.0, select(strength >= 0.0, strength, 0.0))
                miss = miss * np.where(other.passed, 1.0 - s, 1.0)
        return 1.0 - miss

    def outcomes(self, games: Games, alive: Mask) -> None:
        ended = np.zeros(games.size, dtype=bool)
        for i, (_, _, when, terminal) in enumerate(self.program.outcomes):
            happened = alive & (self.formula(when)(games) != 0.0)
            games.outcomes[i] = np.where(
                happened & (games.outcomes[i] == 0), games.turn, games.outcomes[i]
            )
            if terminal:
                ended |= happened
        games.running &= ~ended


def _whole_turns(turns: float) -> float:
    return float(whole_turns(turns))


def _row_sum(rows: Array) -> Value:
    """rows[0] + rows[1] + ... from 0, in order, per game (as Python's sum adds)."""
    total: Value = 0.0
    for row in rows:
        total = total + row
    return total


def _running(start: Value, rows: Array) -> Array:
    """start, start + rows[0], (start + rows[0]) + rows[1], ...: the running sums, added in
    the reference's order."""
    out = np.empty((len(rows) + 1, rows.shape[1]))
    out[0] = start
    for j in range(len(rows)):
        np.add(out[j], rows[j], out=out[j + 1])
    return out


def _last(mask: Any) -> Any:
    """The index of the last option of mask in each game (-1 if none)."""
    count = len(mask)
    return np.where(mask.any(axis=0), count - 1 - mask[::-1].argmax(axis=0), -1)


def _pick(
    games: Games, probability: Array, mask: Any, draw: Array, pass_probability: Value | None
) -> Any:
    """`policies.pick` per game over [pass] + the options of mask: an index (-1 for pass)."""
    size = len(draw)
    running: Value = 0.0
    chosen = np.full(size, -2)
    last = np.full(size, -1)
    near = np.zeros(size, dtype=bool)
    if pass_probability is not None:
        running = running + pass_probability
        chosen = np.where(draw < running, -1, chosen)
        near |= np.abs(draw - running) <= _TIE
    for j in range(len(probability)):
        running = running + np.where(mask[j], probability[j], 0.0)
        hit = (chosen == -2) & mask[j] & (draw < running)
        near |= mask[j] & (np.abs(draw - running) <= _TIE)
        chosen[hit] = j
        last[mask[j]] = j
    games.careful |= near
    return np.where(chosen == -2, last, chosen)
