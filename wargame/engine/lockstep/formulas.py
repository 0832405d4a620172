"""The program's formulas compiled a second time, from the same trees and reads, into
functions of K games: the same operations in the same order, so each game gets the very
number the reference engine's closure gives it."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wargame.engine.lockstep.games import Games, Layout, beta_mean
from wargame.engine.lockstep.xp import Value, exact, finite, first_max, first_min, select, xp
from wargame.engine.program import Const, Formula, Input, Program, Read
from wargame.scenario.expr import (
    MATH,
    Binary,
    BoolOp,
    Call,
    Compare,
    Getter,
    Name,
    Node,
    Not,
    Num,
    Unary,
    flat_chain,
    power,
    walk,
)

if TYPE_CHECKING:
    from wargame.scenario.schema import ScenarioSpec

Fn = Callable[[Games], Value]
Built = tuple[Fn, float | None]  # the function and, if the subtree reads nothing, its value

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}  # fmt: skip


class Unsupported(Exception):
    """Something the lockstep engine does not play (the batch falls back)."""


class Formulas:
    """Compiles the program's getters into functions of `Games`, each once."""

    def __init__(self, program: Program, spec: ScenarioSpec, layout: Layout) -> None:
        self.program = program
        self.spec = spec
        self.layout = layout
        self.done: dict[int, Fn] = {}
        self.memos = 0
        self.calendar: dict[tuple[str, int], float] = {}

    def __call__(self, getter: Getter) -> Fn:
        """The array version of one getter of the program."""
        key = id(getter)
        found = self.done.get(key)
        if found is None:
            found = self.done[key] = self._compile(getter)
        return found

    def _compile(self, getter: Getter) -> Fn:
        if isinstance(getter, Const):
            value = getter.value
            return lambda games: value
        if isinstance(getter, Input):
            path = next(p for p, g in self.program.inputs.items() if g is getter)
            return lambda games: games.inputs.get(path, getter.value)
        formula = self.program.formulas.get(getter)
        if formula is None:
            raise Unsupported(f"a getter compiled from no formula: {getter!r}")
        fn, const = self._build(formula.node, formula)
        if const is not None:
            return lambda games: const
        if isinstance(formula.node, Compare | BoolOp | Not):
            return fn  # 1.0 or 0.0 already, in a new array
        return lambda games: finite(fn(games))

    # -- the tree, as `scenario.expr._Compiler.build` walks it ---------------------------------
    def _build(self, node: Node, formula: Formula) -> Built:
        fn, const = self._node(node, formula)
        if const is None and not isinstance(node, Name) and self._fixed(node, formula):
            fn = self.once(fn)
        return fn, const

    def _fixed(self, node: Node, formula: Formula) -> bool:
        """Whether the subtree reads sampled numbers and constants only: then it is the same
        all game long, and worked out once per chunk (log(p) of a sampled p, a delay...)."""
        for part in walk(node):
            if isinstance(part, Name):
                found = formula.names.get(part.dotted)
                if not (isinstance(found, float) or (found is not None and found.kind == "input")):
                    return False
            elif isinstance(part, Call) and (part.name, part.args) in formula.calls:
                return False
        return True

    def once(self, fn: Fn) -> Fn:
        """fn, remembered per set of games after its first call."""
        key = self.memos = self.memos + 1

        def once(games: Games) -> Value:
            found = games.memo.get(key)
            if found is None:
                found = games.memo[key] = fn(games)
            return found

        return once

    def _node(self, node: Node, formula: Formula) -> Built:
        if isinstance(node, Num):
            return _const(node.value)
        if isinstance(node, Name):
            found = formula.names[node.dotted]
            if isinstance(found, float):
                return _const(found)
            return self.read(found), None
        if isinstance(node, Call):
            read = formula.calls.get((node.name, node.args))
            if read is not None:
                return self.read(read), None
            return self._builtin(node, formula)
        if isinstance(node, Unary | Not):
            g, c = self._build(node.operand, formula)
            if isinstance(node, Not):
                return _fold(lambda games: select(g(games) == 0.0, 1.0, 0.0), c)
            if node.op == "+":
                return g, c
            return _fold(lambda games: -g(games), c)
        if isinstance(node, Compare):
            (a, ca), (b, cb) = self._build(node.left, formula), self._build(node.right, formula)
            test = _COMPARE[node.op]
            return _fold(lambda games: select(test(a(games), b(games)), 1.0, 0.0), ca, cb)
        assert isinstance(node, Binary | BoolOp)
        first, rest = flat_chain(node)
        built = [self._build(n, formula) for n in [first, *(r for _, r in rest)]]
        fns = [g for g, _ in built]
        ops = [op for op, _ in rest]
        return _fold(_chain(ops, fns), *(c for _, c in built))

    def _builtin(self, node: Call, formula: Formula) -> Built:
        built = [self._build(a, formula) for a in node.args]
        gs = [g for g, _ in built]
        consts = [c for _, c in built]
        name = node.name
        fn: Fn
        if name == "if":
            cond, yes, no = gs
            fn = lambda games: select(cond(games) != 0.0, yes(games), no(games))  # noqa: E731
        elif name == "clamp":
            x, lo, hi = gs
            fn = lambda games: first_min(first_max(x(games), lo(games)), hi(games))  # noqa: E731
        elif name in ("min", "max"):
            better = first_min if name == "min" else first_max

            def extreme(games: Games) -> Value:
                current = gs[0](games)
                for g in gs[1:]:
                    current = better(current, g(games))
                return current

            fn = gs[0] if len(gs) == 1 else extreme
        elif name == "abs":
            (arg,) = gs
            fn = lambda games: abs(arg(games))  # noqa: E731
        else:  # exp, log, sqrt: Python's own, game by game
            (arg,) = gs
            scalar = MATH[name]
            fn = lambda games: exact(scalar, arg(games))  # noqa: E731
        return _fold(fn, *consts)

    # -- what names and domain calls read ------------------------------------------------------
    def read(self, read: Read) -> Fn:
        """The array read of one Read, as `Compiler.getter` reads one game."""
        kind, ids, layout = read.kind, read.ids, self.layout
        if kind == "input":
            path = ids[0]
            central = self.program.inputs[path].value
            return lambda games: games.inputs.get(path, central)
        if kind in ("var", "attr", "rel"):
            term = ("v", *ids) if kind == "var" else ("a", *ids) if kind == "attr" else ("r", *ids)
            row = layout.terms[term]
            return lambda games: games.x[row]
        if kind == "turn":
            return lambda games: float(games.turn)
        if kind in ("month", "year"):
            return lambda games: self._calendar(kind, games.turn)
        if kind == "rung":
            assert self.program.ladder is not None
            variable, rungs = self.program.ladder
            row = layout.terms[("v", variable)]

            def rung(games: Games) -> Value:
                value = games.x[row]
                reached = sum(value >= at for _, at in rungs)
                return xp.maximum(0, reached - 1).astype(xp.float64)

            return rung
        if kind in ("count", "taken", "recent"):
            key = layout.keys.get(ids[0])
            if key is None:  # a key no action has: never counted
                return lambda games: 0.0
            if kind == "count":
                return lambda games: games.count[key].astype(xp.float64)
            if kind == "taken":
                return lambda games: games.turn_count[key].astype(xp.float64)
            return lambda games: games.last_count[key].astype(xp.float64)
        if kind == "provoked":
            who = layout.actor_at[ids[0]]
            return lambda games: xp.where(games.provoked[who], 1.0, 0.0)
        if kind == "response":
            who = layout.actor_at[ids[0]]
            return lambda games: noisy_or(list(games.signals[who]))
        if kind == "response_by":
            who, sender = layout.actor_at[ids[0]], layout.actor_at[ids[1]]
            return lambda games: noisy_or([games.signals[who, sender]])
        if kind == "belief":
            pair = layout.pairs[(ids[0], ids[1])]
            return lambda games: beta_mean(games.alpha[pair], games.beta[pair])
        raise Unsupported(f"a formula reads {kind}")  # pragma: no cover - every kind is above

    def _calendar(self, part: str, turn: int) -> float:
        key = (part, turn)
        if key not in self.calendar:
            date = self.spec.scenario.turn_date(max(1, turn))
            self.calendar[key] = float(date.month if part == "month" else date.year)
        return self.calendar[key]


def noisy_or(strengths: list[Value]) -> Value:
    """`program.noisy_or` per game: 1 - prod(1 - s) in the given order, each s clipped to
    [0, 1] (NaN counting as 0)."""
    miss: Value = 1.0
    for s in strengths:
        s = select(s > 1.0, 1.0, select(s >= 0.0, s, 0.0))
        miss = miss * (1.0 - s)
    return 1.0 - miss


def _const(value: float) -> Built:
    value = float(finite(value))
    return (lambda games: value), value


def _fold(fn: Fn, *consts: float | None) -> Built:
    """Work the value out now when every input is a constant (as the reference folds it)."""
    if all(c is not None for c in consts):
        return _const(float(fn(None)))  # type: ignore[arg-type]  # constants read no games
    return fn, None


def _chain(ops: list[str], fns: list[Fn]) -> Fn:
    """'f0 op1 f1 op2 f2 ...' left to right, as `scenario.expr._chain` combines them."""
    if ops[0] in ("and", "or"):
        want = ops[0] == "or"

        def logic(games: Games) -> Value:
            found: Any = None
            for f in fns:
                truth = f(games) != 0.0
                if want:
                    found = truth if found is None else found | truth
                else:
                    found = truth if found is None else found & truth
            return select(found, 1.0, 0.0)

        return logic
    steps = [(_ARITH[op], f) for op, f in zip(ops, fns[1:], strict=True)]
    start = fns[0]

    def chain(games: Games) -> Value:
        v = start(games)
        for step, f in steps:
            v = step(v, f(games))
        return v

    return chain


def _mul(x: Value, y: Value) -> Value:
    return finite(x * y)


def _div(x: Value, y: Value) -> Value:
    if not isinstance(y, xp.ndarray) and not isinstance(x, xp.ndarray):
        return 0.0 if y == 0 else finite(x / y)
    with xp.errstate(divide="ignore", invalid="ignore"):
        quotient = finite(xp.divide(x, y))
    return select(y == 0, 0.0, quotient)


def _pow(x: Value, y: Value) -> Value:
    return exact(power, x, y)


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": _mul, "/": _div, "^": _pow,
}  # fmt: skip
