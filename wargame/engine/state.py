"""DeterrenceState: everything that changes during a game, and nothing else.

Global variables, per-actor attributes, relations (a networkx DiGraph), beliefs about each
other's resolve (Beta pseudo-counts), action counters, delayed effects and outcomes. It
serialises to plain JSON and back, which is what snapshots, undo and resume stand on.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

Term = tuple[str, ...]
"""A state term: ('v', var) | ('a', actor, attr) | ('r', source, target, field)."""

RELATION_BOUNDS = (0.0, 1.0)


def beta_mean(alpha: float, beta: float) -> float:
    """alpha / (alpha + beta), also when the sum overflows (both near the largest float)."""
    total = alpha + beta
    if total == math.inf:
        half = 0.5 * alpha
        return half / (half + 0.5 * beta)
    return alpha / total


class DeterrenceState:
    """The mutable state of one game; bounds are enforced on every write."""

    __slots__ = (
        "attrs",
        "beliefs",
        "bounds",
        "counts",
        "graph",
        "last_counts",
        "last_taken",
        "outcomes",
        "pending",
        "provoked",
        "signals",
        "turn",
        "turn_counts",
        "vars",
    )

    def __init__(self) -> None:
        self.turn = 0
        self.vars: dict[str, float] = {}
        self.attrs: dict[str, dict[str, float]] = {}
        self.graph = nx.DiGraph()
        self.beliefs: dict[str, dict[str, list[float]]] = {}
        self.bounds: dict[Term, tuple[float, float]] = {}
        self.counts: dict[str, int] = {}
        self.turn_counts: dict[str, int] = {}
        self.last_counts: dict[str, int] = {}
        self.last_taken: dict[str, int] = {}
        self.pending: list[list[Any]] = []
        self.outcomes: dict[str, int] = {}
        self.provoked: set[str] = set()
        self.signals: dict[str, dict[str, float]] = {}

    # -- terms ---------------------------------------------------------------
    def get(self, term: Term) -> float:
        """Current value of a state term."""
        kind = term[0]
        if kind == "v":
            return self.vars[term[1]]
        if kind == "a":
            return self.attrs[term[1]][term[2]]
        return float(self.graph.adj[term[1]][term[2]][term[3]])

    def put(self, term: Term, value: float) -> float:
        """Write a term, clamped to its bounds (NaN becomes the lower bound); returns the value."""
        low, high = self.bounds.get(term, RELATION_BOUNDS)
        value = low if math.isnan(value) else min(high, max(low, value))
        kind = term[0]
        if kind == "v":
            self.vars[term[1]] = value
        elif kind == "a":
            self.attrs[term[1]][term[2]] = value
        else:
            self.graph.adj[term[1]][term[2]][term[3]] = value
        return value

    def apply(self, term: Term, op: str, amount: float) -> tuple[float, float]:
        """Apply add/mul/set to a term; returns (before, after)."""
        before = self.get(term)
        if op == "add":
            after = before + amount
        elif op == "mul":
            after = before * amount
        else:
            after = amount
        return before, self.put(term, after)

    def belief(self, observer: str, subject: str) -> float:
        """Mean of `observer`'s Beta belief in `subject`'s resolve."""
        alpha, beta = self.beliefs[observer][subject]
        return beta_mean(alpha, beta)

    def count_taken(self, key: str) -> None:
        """Record one more use of an action or 'action.branch' this turn."""
        self.counts[key] = self.counts.get(key, 0) + 1
        self.turn_counts[key] = self.turn_counts.get(key, 0) + 1

    def begin_turn(self) -> None:
        """Move to the next turn: this turn's counters become last turn's."""
        self.turn += 1
        self.last_counts = self.turn_counts
        self.turn_counts = {}
        self.provoked = set()
        self.signals = {}

    def copy(self) -> DeterrenceState:
        """An independent copy (used to start each run from the compiled initial state)."""
        other = DeterrenceState()
        other.turn = self.turn
        other.vars = dict(self.vars)
        other.attrs = {a: dict(m) for a, m in self.attrs.items()}
        other.graph = self.graph.copy()
        other.beliefs = {o: {s: list(ab) for s, ab in m.items()} for o, m in self.beliefs.items()}
        other.bounds = self.bounds
        other.counts = dict(self.counts)
        other.turn_counts = dict(self.turn_counts)
        other.last_counts = dict(self.last_counts)
        other.last_taken = dict(self.last_taken)
        other.pending = [list(p) for p in self.pending]
        other.outcomes = dict(self.outcomes)
        other.provoked = set(self.provoked)
        other.signals = {t: dict(m) for t, m in self.signals.items()}
        return other

    # -- views -----------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Variables and attributes, rounded for display; JSON-ready."""
        return {
            "variables": {k: round(v, 6) for k, v in self.vars.items()},
            "attributes": {
                a: {k: round(v, 6) for k, v in attrs.items()} for a, attrs in self.attrs.items()
            },
        }

    def to_json(self) -> dict[str, Any]:
        """Everything needed to continue the game exactly; plain JSON types only."""
        return {
            "turn": self.turn,
            "vars": dict(self.vars),
            "attrs": {a: dict(v) for a, v in self.attrs.items()},
            "relations": [[u, v, dict(d)] for u, v, d in self.graph.edges(data=True)],
            "beliefs": {o: {s: list(ab) for s, ab in m.items()} for o, m in self.beliefs.items()},
            "counts": dict(self.counts),
            "turn_counts": dict(self.turn_counts),
            "last_counts": dict(self.last_counts),
            "last_taken": dict(self.last_taken),
            "pending": [list(p) for p in self.pending],
            "outcomes": dict(self.outcomes),
            "provoked": sorted(self.provoked),
            "signals": {t: dict(m) for t, m in self.signals.items()},
        }

    @classmethod
    def from_json(
        cls, data: dict[str, Any], bounds: dict[Term, tuple[float, float]]
    ) -> DeterrenceState:
        """Rebuild a state saved by `to_json`; the caller has checked it against the scenario."""
        state = cls()
        state.turn = int(data["turn"])
        state.vars = {k: float(v) for k, v in data["vars"].items()}
        state.attrs = {a: {k: float(x) for k, x in m.items()} for a, m in data["attrs"].items()}
        state.graph.add_nodes_from(state.attrs)  # actor order first, as the scenario built it
        for u, v, d in data["relations"]:
            state.graph.add_edge(u, v, **{k: float(x) for k, x in d.items()})
        state.beliefs = {
            o: {s: [float(ab[0]), float(ab[1])] for s, ab in m.items()}
            for o, m in data["beliefs"].items()
        }
        state.bounds = bounds
        state.counts = {k: int(v) for k, v in data["counts"].items()}
        state.turn_counts = {k: int(v) for k, v in data["turn_counts"].items()}
        state.last_counts = {k: int(v) for k, v in data["last_counts"].items()}
        state.last_taken = {k: int(v) for k, v in data["last_taken"].items()}
        state.pending = [list(p) for p in data["pending"]]
        for p in state.pending:
            p[1] = tuple(p[1])
        state.outcomes = {k: int(v) for k, v in data["outcomes"].items()}
        state.provoked = set(data["provoked"])
        state.signals = {t: {k: float(x) for k, x in m.items()} for t, m in data["signals"].items()}
        return state
