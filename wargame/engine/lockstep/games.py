"""The state of K games of one scenario as arrays: one row per state term, counter or belief
and one column per game, with the layout that says which row is which."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wargame.engine.lockstep.xp import Array, Mask, Value, xp
from wargame.engine.program import CAction, CActor, Program
from wargame.engine.rng import seed_key
from wargame.engine.state import DeterrenceState, Term

NEVER = -(2**40)
"""`last_taken` of an action never taken: every cooldown has passed since."""


@dataclass(slots=True)
class Layout:
    """Which row of the arrays holds which state term, counter, belief or actor."""

    terms: dict[Term, int]
    low: Array
    high: Array
    actors: list[str]
    actor_at: dict[str, int]
    pairs: dict[tuple[str, str], int]
    keys: dict[str, int]
    """Counter keys: every action id and every 'action.branch'."""
    actions: list[CAction]
    action_at: dict[str, int]

    @classmethod
    def of(cls, program: Program) -> Layout:
        initial = program.initial
        terms: dict[Term, int] = {}
        for name in initial.vars:
            terms[("v", name)] = len(terms)
        for actor, attributes in initial.attrs.items():
            for attr in attributes:
                terms[("a", actor, attr)] = len(terms)
        for source, target, values in initial.graph.edges(data=True):
            for name in values:
                terms[("r", source, target, name)] = len(terms)
        bounds = [initial.bounds.get(term, (0.0, 1.0)) for term in terms]
        actors = list(program.actors)
        pairs = {
            (o, s): i
            for i, (o, s) in enumerate((o, s) for o in initial.beliefs for s in initial.beliefs[o])
        }
        actions = list(program.actions.values())
        keys: dict[str, int] = {}
        for action in actions:
            keys[action.id] = len(keys)
            for branch in action.branches:
                keys[f"{action.id}.{branch.name}"] = len(keys)
        return cls(
            terms=terms,
            low=np.array([b[0] for b in bounds], dtype=np.float64),
            high=np.array([b[1] for b in bounds], dtype=np.float64),
            actors=actors,
            actor_at={a: i for i, a in enumerate(actors)},
            pairs=pairs,
            keys=keys,
            actions=actions,
            action_at={a.id: i for i, a in enumerate(actions)},
        )


@dataclass(slots=True)
class Pending:
    """Delayed writes queued at one moment: they land, in queue order, on turn `lands`."""

    lands: Any
    """The turn each game's write lands on (an int64 array)."""
    row: int
    op: str
    amount: Array
    mask: Mask


@dataclass(slots=True)
class Games:
    """K games played in lockstep: the same turn, each its own seed, inputs and state."""

    layout: Layout
    seeds: list[int]
    seed_keys: Any
    x: Array
    alpha: Array
    beta: Array
    count: Any
    turn_count: Any
    last_count: Any
    last_taken: Any
    provoked: Mask
    signals: Array
    outcomes: Any
    inject_times: Any
    escalation: Array
    running: Mask
    careful: Mask
    """Games that met numbers too large for floats (the reference then sums exactly): they
    are played again by the reference engine."""
    inputs: dict[str, Array]
    bound: dict[tuple[int, str], Array]
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    turn: int = 0
    pending: list[Pending] = field(default_factory=list)
    memo: dict[int, Any] = field(default_factory=dict)
    """What the formulas work out once per set of games (parts reading sampled numbers only)."""

    @classmethod
    def start(
        cls,
        program: Program,
        layout: Layout,
        seeds: list[int],
        inputs: dict[str, Array] | None,
        state: DeterrenceState | None = None,
    ) -> Games:
        """K games at the start of turn 1 (or at `state`, shared by all), with their inputs."""
        state = program.initial if state is None else state
        size = len(seeds)
        x = np.empty((len(layout.terms), size))
        for term, row in layout.terms.items():
            x[row] = state.get(term)
        alpha = np.empty((len(layout.pairs), size))
        beta = np.empty((len(layout.pairs), size))
        for (o, s), i in layout.pairs.items():
            alpha[i], beta[i] = state.beliefs[o][s]
        keys = layout.keys

        def counters(values: dict[str, int]) -> Any:
            table = np.zeros((len(keys), size), dtype=np.int64)
            for key, n in values.items():
                table[keys[key]] = n
            return table

        last_taken = np.full((len(layout.actions), size), NEVER, dtype=np.int64)
        for aid, turn in state.last_taken.items():
            last_taken[layout.action_at[aid]] = turn
        n = len(layout.actors)
        provoked = np.zeros((n, size), dtype=bool)
        for actor in state.provoked:
            provoked[layout.actor_at[actor]] = True
        signals = np.zeros((n, n, size))
        for target, heard in state.signals.items():
            for sender, strength in heard.items():
                signals[layout.actor_at[target], layout.actor_at[sender]] = strength
        games = cls(
            layout=layout,
            seeds=list(seeds),
            seed_keys=np.array([seed_key(s) for s in seeds], dtype=np.uint64),
            x=x,
            alpha=alpha,
            beta=beta,
            count=counters(state.counts),
            turn_count=counters(state.turn_counts),
            last_count=counters(state.last_counts),
            last_taken=last_taken,
            provoked=provoked,
            signals=signals,
            outcomes=np.zeros((len(program.outcomes), size), dtype=np.int64),
            inject_times=np.zeros((len(program.injects), size), dtype=np.int64),
            escalation=np.zeros(size),
            running=np.ones(size, dtype=bool),
            careful=np.zeros(size, dtype=bool),
            inputs=dict(inputs or {}),
            bound={},
            low=layout.low.tolist(),
            high=layout.high.tolist(),
            turn=state.turn,
        )
        for i, (oid, _, _, _) in enumerate(program.outcomes):
            if oid in state.outcomes:
                games.outcomes[i] = state.outcomes[oid]
        for path, term in program.initial_inputs:
            if path in games.inputs:
                games.put(layout.terms[term], games.inputs[path], games.running)
        for path, obj, attribute in program.bindings:
            if path in games.inputs:
                games.bound[(id(obj), attribute)] = games.inputs[path]
        return games

    @property
    def size(self) -> int:
        return len(self.seeds)

    def signals_of(self, action: CAction) -> Value:
        """An action's signal strength: per game where a batch samples it."""
        found = self.bound.get((id(action), "signals"))
        return action.signals if found is None else found

    def escalation_of(self, action: CAction) -> Value:
        """An action's escalation weight: per game where a batch samples it."""
        found = self.bound.get((id(action), "escalation"))
        return action.escalation if found is None else found

    def rationality_of(self, actor: CActor) -> Value:
        """An actor's rationality: per game where a batch samples it."""
        found = self.bound.get((id(actor), "rationality"))
        return actor.rationality if found is None else found

    def put(self, row: int, value: Value, mask: Mask) -> None:
        """Write a term in the games of `mask`, clamped to its bounds (NaN becomes the lower
        bound), as `DeterrenceState.put` does."""
        self.apply(row, "set", value, mask)

    def apply(self, row: int, op: str, amount: Value, mask: Mask) -> None:
        """add / mul / set `amount` to a term in the games of `mask`, clamped to its bounds
        (NaN becomes the lower bound), as `DeterrenceState.apply` and `put` do."""
        where = np.flatnonzero(mask)  # a few games make most moves: touch only theirs
        if not len(where):
            return
        if isinstance(amount, np.ndarray):
            amount = amount[where]
        term = self.x[row]
        before = term[where]
        if op == "add":
            after = before + amount
        elif op == "mul":
            after = before * amount
        else:
            after = amount
        # Python's min(high, max(low, v)): NaN (never greater) becomes low, and of two
        # equal numbers (0.0 and -0.0) the bound is kept, as numpy's maximum does not
        low, high = self.low[row], self.high[row]
        kept = np.where(after > low, after, low)
        term[where] = np.where(kept < high, kept, high)

    def take(self, key: int, mask: Mask) -> None:
        """One more use of a counter key (an action or 'action.branch') this turn."""
        self.count[key] += mask
        self.turn_count[key] += mask

    def begin_turn(self) -> None:
        """The next turn: this turn's counters become last turn's."""
        self.turn += 1
        self.last_count = self.turn_count
        self.turn_count = np.zeros_like(self.count)
        self.provoked[:] = False
        self.signals[:] = 0.0


def beta_mean(alpha: Array, beta: Array) -> Array:
    """alpha / (alpha + beta), also when the sum overflows (`state.beta_mean` per game)."""
    total = alpha + beta
    half = 0.5 * alpha
    return xp.where(total == xp.inf, half / (half + 0.5 * beta), alpha / total)
