"""Compile a validated scenario into fast runtime objects (the Program).

Every expression becomes a closure over the DeterrenceState; every name is resolved here,
once, so unknown names are load-time errors and turns run without parsing or lookups by
string. Nothing in this module knows about particular actors or regions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wargame.engine.state import DeterrenceState, Term
from wargame.errors import suggest
from wargame.scenario.expr import (
    MAX_EXPRESSION_CHARS,
    Call,
    ExprError,
    Getter,
    Keyword,
    Name,
    Node,
    compile_folded,
    parse,
)
from wargame.scenario.schema import (
    MAX_DELAY,
    RELATION_FIELDS,
    TARGET_RE,
    Action,
    Effect,
    Quantity,
    ScenarioSpec,
)
from wargame.scenario.yamlsafe import MAX_PROBLEMS

Path = tuple[str | int, ...]

DOMAIN_FUNCTIONS = (
    "count",
    "taken",
    "recent",
    "provoked",
    "response",
    "belief",
    "rel",
)


@dataclass(frozen=True, slots=True)
class Read:
    """What a name or a domain call in a formula reads: a kind of value and the ids that
    locate it ('var' tension, 'attr' NK capability, 'belief' JP US, 'count' nk_test, ...).

    The reference engine turns each into a closure over one game's state (`scalar_read`);
    the lockstep engine turns the same record into a read of K games' arrays."""

    kind: str
    ids: tuple[str, ...] = ()


@dataclass(slots=True)
class Formula:
    """The source of one compiled expression: its tree and what each name and domain call in
    it resolved to (a parameter's number, or a Read), so another engine can compile it."""

    node: Node
    names: dict[str, float | Read]
    calls: dict[tuple[str, tuple[Node, ...]], Read]


class CompileProblem(Exception):
    """A name or expression problem found while compiling, with its place in the document."""

    def __init__(self, path: Path, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.path, self.message, self.hint = path, message, hint


@dataclass(slots=True)
class CEffect:
    """One compiled effect: write `op value` to `term` after `delay` turns."""

    term: Term
    op: str
    value: Getter
    delay: int
    delay_value: Getter | None = None
    """Set for a delay a batch samples (a parameter or Quantity with a range): the delay is
    then `whole_turns(delay_value(state))`, found when the effect is caused."""

    def turns(self, state: DeterrenceState) -> int:
        """Turns until the effect lands if it is caused now."""
        return self.delay if self.delay_value is None else whole_turns(self.delay_value(state))


@dataclass(slots=True)
class CBranch:
    """One compiled uncertain result."""

    name: str
    probability: Getter | None
    effects: list[CEffect]


@dataclass(slots=True, eq=False)
class CAction:
    """One compiled menu option, with everything the policies and the resolver need."""

    id: str
    actor: str
    label: str
    category: str
    escalation: float
    cost: Getter
    motive: Getter
    effects: list[CEffect]
    branches: list[CBranch]
    targets: tuple[str, ...]
    observers: frozenset[str] | None  # None means public
    signals: float
    provocation: bool
    deterred_by: list[tuple[str, Getter]]
    requires: Getter | None
    cooldown: int
    max_per_turn: int
    max_per_game: int | None
    budget_cost: float
    voters: tuple[str, ...]
    on_veto: list[CEffect]
    ballot_on: str | None
    vote: str | None
    requires_text: str = ""
    fallback: CAction | None = None
    """The weaker draft tabled instead, in the same move, when a voter would veto this one."""
    linear: tuple[tuple[Term, float], ...] = ()
    """Constant expected changes of the actor's own objective terms (precomputed)."""
    scored: list[tuple[Term, str, Getter, str | None]] = field(default_factory=list)
    """The other effects on its objective terms: (term, op, value, branch name or None)."""
    excludes: frozenset[str] = frozenset()
    """Ids of the actor's options it cannot be taken with in one turn (both ways round)."""
    foreseen: list[tuple[str, Term, str, Getter]] = field(default_factory=list)
    """Effects of the rules it `foresees` on its actor's objective terms, which an agent
    counts as the option's own: (rule id, term, op, value)."""

    def illegal(self, state: DeterrenceState, already: int = 0) -> str | None:
        """None if this action may be taken now (after `already` planned uses), else why not."""
        aid = self.id
        if state.turn_counts.get(aid, 0) + already >= self.max_per_turn:
            return f"at most {self.max_per_turn} per turn"
        if (
            self.max_per_game is not None
            and state.counts.get(aid, 0) + already >= self.max_per_game
        ):
            return f"at most {self.max_per_game} per game"
        if self.cooldown:
            last = state.last_taken.get(aid)
            if last is not None and state.turn - last <= self.cooldown:
                return f"cooling down until turn {last + self.cooldown + 1}"
        if self.requires is not None and not self.requires(state):
            return f"requires {self.requires_text}"
        return None

    def drafts(self) -> list[CAction]:
        """This proposal and its fallbacks, in the order they would be tabled."""
        chain = [self]
        while chain[-1].fallback is not None and chain[-1].fallback not in chain:
            chain.append(chain[-1].fallback)
        return chain

    def excluded_by(self, planned: list[CAction]) -> str | None:
        """None if no option in `planned` excludes this one, else why it cannot join them."""
        if self.excludes:
            for other in planned:
                if other.id in self.excludes:
                    return (
                        f"'{self.id}' and '{other.id}' exclude each other and "
                        f"'{other.id}' is taken this turn"
                    )
        return None


@dataclass(slots=True)
class CScheduled:
    """One compiled entry of an actor's schedule: on these turns, while `when` holds, take
    these actions before the controller decides."""

    turns: frozenset[int]
    actions: list[CAction]
    when: Getter | None
    reason: str


@dataclass(slots=True)
class CActor:
    """One compiled actor."""

    id: str
    name: str
    rationality: float
    budget_count: int
    budget_points: float | None
    controller: str
    objectives: list[tuple[Term, Getter]]
    menu: list[CAction]
    ballots: dict[str, list[CAction]]
    schedule: list[CScheduled] = field(default_factory=list)


@dataclass(slots=True)
class CInject:
    """One compiled inject."""

    id: str
    description: str
    turns: frozenset[int]
    probability: Getter | None
    when: Getter | None
    max_times: int | None
    effects: list[CEffect]


@dataclass(slots=True)
class CDoctrine:
    """One compiled doctrine: ordered (condition, actions) plan steps and ballots."""

    id: str
    actor: str
    plan: list[tuple[Getter | None, list[str]]]
    ballots: dict[str, str]


@dataclass(slots=True)
class Program:
    """The runtime form of a scenario."""

    actors: dict[str, CActor]
    actions: dict[str, CAction]
    phases: list[tuple[str, list[str]]]
    injects: list[CInject]
    rules: list[tuple[str, str, Getter, list[CEffect]]]
    outcomes: list[tuple[str, str, Getter, bool]]
    doctrines: dict[str, CDoctrine]
    learning_rate: Getter
    max_belief_strength: float
    ladder: tuple[str, list[tuple[str, float]]] | None
    initial: DeterrenceState
    inputs: dict[str, Input] = field(default_factory=dict)
    bindings: list[tuple[str, Any, str]] = field(default_factory=list)
    initial_inputs: list[tuple[str, Term]] = field(default_factory=list)
    bound: Any = None
    """Who the program's inputs were last bound for (a batch runs games one after another)."""
    bookkeeping: frozenset[str] = frozenset()
    """State variables the mechanisms need but people do not (left out of what they read)."""
    formulas: dict[Getter, Formula] = field(default_factory=dict)
    """The source of every getter compiled from an expression (constants excepted)."""

    def shown(self, variables: Mapping[str, float]) -> dict[str, float]:
        """The variables people read: all but the bookkeeping ones, in the same order."""
        return {k: v for k, v in variables.items() if k not in self.bookkeeping}

    def bind(self, values: dict[str, float], owner: Any) -> None:
        """Set the sampled numbers of one run (a no-op if `owner` bound them last)."""
        if self.bound is owner:
            return
        for path, value in values.items():
            target = self.inputs.get(path)
            if target is not None:
                target.value = value
        for path, obj, attribute in self.bindings:
            setattr(obj, attribute, values[path])
        self.bound = owner


def number(value: float | Quantity) -> float:
    """The float of a plain number or a Quantity."""
    return value.value if isinstance(value, Quantity) else float(value)


class Fixed:
    """A getter that gives a number held in `value`, whatever the state."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self, state: Any) -> float:
        return self.value


class Const(Fixed):
    """A number that never changes, so the engine can precompute with it."""

    __slots__ = ()


class Input(Fixed):
    """An uncertain number that a batch sets before each run (see `Program.bind`).

    Unlike Const it is never folded into other numbers, so one compiled program serves
    every sampled run.
    """

    __slots__ = ()


class Compiler:
    """Resolves names and compiles expressions for one validated scenario.

    `sampled` lists the paths of uncertain numbers (as in `Scenario.uncertainties`) that a
    batch sets per run; they compile to Inputs or float bindings instead of constants.
    """

    def __init__(
        self, spec: ScenarioSpec, disabled: Iterable[str] = (), sampled: Iterable[str] = ()
    ) -> None:
        self.spec = spec
        self.disabled = set(disabled)
        self.sampled = set(sampled)
        self.inputs: dict[str, Input] = {}
        self.bindings: list[tuple[str, Any, str]] = []
        self.initial_inputs: list[tuple[str, Term]] = []
        self.params = {
            k: p.value for k, p in spec.parameters.items() if f"parameters.{k}" not in self.sampled
        }
        for k, p in spec.parameters.items():
            if f"parameters.{k}" in self.sampled:
                self.inputs[f"parameters.{k}"] = Input(p.value)
        self.problems: list[CompileProblem] = []
        self.formulas: dict[Getter, Formula] = {}
        self.suggestions = SUGGESTIONS
        self.expression_chars = 0
        self.relations = {(r.source, r.target) for r in spec.relations}
        self.rung_at: list[tuple[str, float]] = []
        if spec.state.ladder:
            self.rung_at = [(r.name, r.at) for r in spec.state.ladder.rungs]

    # -- names and expressions ---------------------------------------------------
    def _near(self, name: str, candidates: Iterable[str]) -> str:
        """' Did you mean ...?' while the scenario's budget of SUGGESTIONS names compared
        lasts, then '' (thousands of unknown names among thousands of names took minutes)."""
        known = list(candidates)
        if len(known) > self.suggestions:
            return ""
        self.suggestions -= len(known)
        return suggest(name, known)

    def _actor(self, name: str, self_actor: str | None) -> str:
        if name == "self":
            if self_actor is None:
                raise ExprError("'self' means the acting actor and is not defined here")
            return self_actor
        if name not in self.spec.actors:
            raise ExprError(f"unknown actor '{name}'" + self._near(name, self.spec.actors))
        return name

    def term(self, text: str, self_actor: str | None) -> Term:
        """Parse an effect target or objective key into a state term."""
        match = TARGET_RE.match(text.replace(" ", ""))
        if not match:
            raise ExprError(f"'{text}' is not a state term; write 'var', 'ACTOR.attr' or 'A->B.x'")
        if match["var"]:
            if match["var"] not in self.spec.state.variables:
                names = list(self.spec.state.variables)
                raise ExprError(f"unknown variable '{match['var']}'" + self._near(text, names))
            return ("v", match["var"])
        if match["attr"]:
            actor = self._actor(match["actor"], self_actor)
            if match["attr"] not in self.spec.state.attributes:
                names = list(self.spec.state.attributes)
                raise ExprError(
                    f"unknown attribute '{match['attr']}'" + self._near(match["attr"], names)
                )
            return ("a", actor, match["attr"])
        src, dst = self._actor(match["src"], self_actor), self._actor(match["dst"], self_actor)
        if match["field"] not in RELATION_FIELDS:
            raise ExprError(
                f"unknown relation field '{match['field']}'; use one of {list(RELATION_FIELDS)}"
            )
        self._relation(src, dst)
        return ("r", src, dst, match["field"])

    def _relation(self, src: str, dst: str) -> None:
        if (src, dst) not in self.relations:
            raise ExprError(
                f"there is no relation {src} -> {dst}",
                hint=f"declare it under relations: (from: {src}, to: {dst})",
            )

    def _read(self, dotted: str, self_actor: str | None) -> Read | float:
        """What a name in a formula reads: a parameter's number (folded in), or a Read."""
        if dotted in self.params:
            return float(self.params[dotted])  # folded into the formula
        if f"parameters.{dotted}" in self.inputs:
            return Read("input", (f"parameters.{dotted}",))
        if dotted in self.spec.state.variables:
            return Read("var", (dotted,))
        if dotted in ("turn", "month", "year"):
            return Read(dotted)
        if dotted == "rung":
            if not self.spec.state.ladder:
                raise ExprError("'rung' needs a ladder in state.ladder")
            return Read("rung")
        if dotted in self.spec.actions:
            raise ExprError(
                f"'{dotted}' is an action, not a value; use taken({dotted}) or count({dotted})"
            )
        if "." in dotted:
            term = self.term(dotted, self_actor)
            return Read("attr", (term[1], term[2]))
        known = [*self.params, *self.spec.state.variables, "turn", "rung", "month", "year"]
        raise ExprError(f"unknown name '{dotted}'" + self._near(dotted, known))

    def _calendar_getter(self, part: str) -> Getter:
        """The calendar month (1-12) or year of the date the current turn begins: seasons and
        annual events (exercises, addresses) keep their dates when the start date moves."""
        turn_date = self.spec.scenario.turn_date
        known: dict[int, float] = {}

        def calendar_part(s: DeterrenceState) -> float:
            if s.turn not in known:
                date = turn_date(max(1, s.turn))
                known[s.turn] = float(date.month if part == "month" else date.year)
            return known[s.turn]

        return calendar_part

    def _rung_getter(self) -> Getter:
        assert self.spec.state.ladder is not None  # checked when the name was read
        variable, rungs = self.spec.state.ladder.variable, [at for _, at in self.rung_at]

        def rung(s: DeterrenceState) -> float:
            value = s.vars[variable]
            return float(max(0, sum(1 for at in rungs if value >= at) - 1))

        return rung

    def _counter_key(self, node: Node) -> str:
        if not isinstance(node, Name):
            raise ExprError("expected an action name (or action.branch) here")
        action, _, branch = node.dotted.partition(".")
        if action not in self.spec.actions:
            raise ExprError(f"unknown action '{action}'" + self._near(action, self.spec.actions))
        if branch and branch not in {b.name for b in self.spec.actions[action].branches}:
            names = [b.name for b in self.spec.actions[action].branches]
            raise ExprError(f"action '{action}' has no branch '{branch}'; branches: {names}")
        return node.dotted

    def _call_read(self, fname: str, args: tuple[Node, ...], self_actor: str | None) -> Any:
        """What a domain function call reads (a Read), or NotImplemented for a builtin."""
        arity = {"count": 1, "taken": 1, "recent": 1, "provoked": 1, "response": 1}
        arity |= {"belief": 2, "rel": 3}
        if fname not in arity:
            return NotImplemented
        keywords = [a for a in args if isinstance(a, Keyword)]
        args = tuple(a for a in args if not isinstance(a, Keyword))
        if keywords and (fname != "response" or len(keywords) > 1 or keywords[0].name != "by"):
            wrong = next(k for k in keywords if fname != "response" or k.name != "by")
            raise ExprError(
                f"{fname}() takes no keyword '{wrong.name}='",
                wrong.column,
                hint="the one keyword is by=, as in response(P, by=G)"
                if fname == "response"
                else f"remove '{wrong.name}='",
            )
        if len(args) != arity[fname]:
            raise ExprError(
                f"{fname}() takes {arity[fname]} argument(s), got {len(args)}",
                hint="name the signalling actor with by=, as in response(P, by=G)"
                if fname == "response" and len(args) > 1
                else "",
            )
        if fname in ("count", "taken", "recent"):
            return Read(fname, (self._counter_key(args[0]),))
        actors = [self._actor(_bare(a), self_actor) for a in args[:2]]
        if fname == "provoked":
            return Read("provoked", (actors[0],))
        if fname == "response":
            if keywords:
                return self._response_by(actors[0], keywords[0], self_actor)
            return Read("response", (actors[0],))
        observer, subject = actors
        if fname == "belief":
            if observer == subject:
                raise ExprError(
                    f"belief({observer}, {subject}): an actor has no belief about itself",
                    hint="name two different actors",
                )
            return Read("belief", (observer, subject))
        rel_field = _bare(args[2])
        if rel_field not in RELATION_FIELDS:
            raise ExprError(f"rel() field must be one of {list(RELATION_FIELDS)}")
        self._relation(observer, subject)
        return Read("rel", (observer, subject, rel_field))

    def _response_by(self, who: str, by: Keyword, self_actor: str | None) -> Read:
        """response(who, by=Y): the resolve Y's public, non-vetoed actions signalled to who
        this turn (combined as they arrive, so one entry holds the noisy-or of them all)."""
        written = _bare(by.value)
        if written != "self" and written not in self.spec.actors:
            near = self._near(written, self.spec.actors).strip()
            raise ExprError(
                f"unknown actor '{written}' in by=",
                by.column,
                hint=near or "by= names an actor: one of " + ", ".join(self.spec.actors),
            )
        sender = self._actor(written, self_actor)
        if sender == who:
            raise ExprError(
                f"response({who}, by={written}): an actor signals no resolve to itself",
                by.column,
                hint=f"name another actor in by=, or write response({who}) for every sender",
            )
        return Read("response_by", (who, sender))

    def getter(self, read: Read) -> Getter:
        """The reference engine's closure reading `read` from one game's state."""
        kind, ids = read.kind, read.ids
        if kind == "input":
            return self.inputs[ids[0]]
        if kind == "var":
            name = ids[0]
            return lambda s: s.vars[name]
        if kind == "turn":
            return lambda s: float(s.turn)
        if kind == "rung":
            return self._rung_getter()
        if kind in ("month", "year"):
            return self._calendar_getter(kind)
        if kind == "attr":
            actor, attr = ids
            return lambda s: s.attrs[actor][attr]
        if kind in ("count", "taken", "recent"):
            key = ids[0]
            if kind == "count":
                return lambda s: float(s.counts.get(key, 0))
            if kind == "taken":
                return lambda s: float(s.turn_counts.get(key, 0))
            return lambda s: float(s.last_counts.get(key, 0))
        if kind == "provoked":
            who = ids[0]
            return lambda s: 1.0 if who in s.provoked else 0.0
        if kind == "response":
            who, senders = ids[0], tuple(self.spec.actors)

            def response(s: DeterrenceState) -> float:
                # in the scenario's order of actors, not the order they happened to signal:
                # a product of three or more differs in the last bit with the order
                heard = s.signals.get(who)
                return noisy_or([heard[a] for a in senders if a in heard]) if heard else 0.0

            return response
        if kind == "response_by":
            who, sender = ids

            def response_by(s: DeterrenceState) -> float:
                heard = s.signals.get(who)
                return 0.0 if heard is None else noisy_or((heard.get(sender, 0.0),))

            return response_by
        if kind == "belief":
            observer, subject = ids
            return lambda s: s.belief(observer, subject)
        source, target, rel_field = ids  # "rel"
        return lambda s: float(s.graph.adj[source][target][rel_field])

    def expr(
        self, text: str, path: Path, self_actor: str | None = None, fixed: list[str] | None = None
    ) -> Getter:
        """Compile an expression; problems are collected against `path`. With `fixed` it may
        read parameters only (their names are added to it), as a delay may.

        Past MAX_PROBLEMS problems (one more says there are more), or once the scenario's
        expressions pass MAX_EXPRESSION_CHARS in all, the rest are not compiled (the file is
        refused anyway).
        """
        if len(self.problems) > MAX_PROBLEMS or self.expression_chars > MAX_EXPRESSION_CHARS:
            return Const(0.0)
        self.expression_chars += len(text)
        if self.expression_chars > MAX_EXPRESSION_CHARS:
            self.problems.append(
                CompileProblem(
                    path,
                    f"the scenario's expressions pass {MAX_EXPRESSION_CHARS:,} characters in "
                    "all here (the limit, so that a file is checked in seconds)",
                    "shorten the formulas, or split the scenario",
                )
            )
            return Const(0.0)
        try:
            node = parse(text)
            formula = Formula(node, {}, {})

            def resolve_name(dotted: str) -> Getter | float:
                found = (
                    self._fixed_read(dotted, fixed)
                    if fixed is not None
                    else self._read(dotted, self_actor)
                )
                formula.names[dotted] = found
                return found if isinstance(found, float) else self.getter(found)

            def resolve_call(fname: str, args: tuple[Node, ...]) -> Any:
                if fixed is not None:
                    return self._fixed_call(fname)
                found = self._call_read(fname, args, self_actor)
                if found is NotImplemented:
                    return found
                formula.calls[(fname, args)] = found
                return self.getter(found)

            # parameters resolve to their numbers, so constant formulas fold to one number
            known = DOMAIN_FUNCTIONS if fixed is None else ()
            getter, const = compile_folded(node, resolve_name, resolve_call, known)
        except ExprError as error:
            self.problems.append(
                CompileProblem(path, f"in expression '{text}': {error}", error.hint)
            )
            return Const(0.0)
        if const is None:
            self.formulas[getter] = formula
        return getter if const is None else Const(const)

    def _fixed_read(self, dotted: str, read: list[str]) -> Read | float:
        """A name in a delay: a parameter (fixed before the game starts), nothing else."""
        if dotted in self.params or f"parameters.{dotted}" in self.inputs:
            read.append(dotted)
            return self._read(dotted, None)
        if (
            dotted in self.spec.state.variables
            or dotted in ("turn", "rung", "month", "year")
            or "." in dotted
            or dotted in self.spec.actions
        ):
            raise ExprError(
                f"'{dotted}' is read from the state, and a delay may read parameters only",
                hint=_FIXED_DELAY,
            )
        near = self._near(dotted, self.spec.parameters).strip()
        raise ExprError(f"unknown parameter '{dotted}'", hint=near or _FIXED_DELAY)

    @staticmethod
    def _fixed_call(fname: str) -> Any:
        """A call in a delay: a builtin, never a domain function (they read the state)."""
        if fname in DOMAIN_FUNCTIONS:
            raise ExprError(
                f"{fname}() reads the state, and a delay may read parameters only",
                hint=_FIXED_DELAY,
            )
        return NotImplemented

    def delay(self, delay: int | Quantity | str, path: Path) -> tuple[int, Getter | None]:
        """An effect's delay: whole turns if known now, else the getter of a number a batch
        samples (then found when the effect is caused); problems go against `path`."""
        if isinstance(delay, int):
            return delay, None
        if isinstance(delay, Quantity):
            low, high = delay.assumption or (delay.value, delay.value)
            if not (0 <= delay.value <= MAX_DELAY and low >= 0 and high <= MAX_DELAY):
                self.problems.append(
                    CompileProblem(
                        path,
                        f"a delay of {delay.value:g} turns"
                        + (f" (assumption range [{low:g}, {high:g}])" if delay.assumption else "")
                        + f" is outside [0, {MAX_DELAY}]",
                        f"give a value and assumption range within [0, {MAX_DELAY}] turns",
                    )
                )
            getter = self.value(delay, path)
        else:
            read: list[str] = []
            getter = self.expr(delay, path, fixed=read)
            for name in read:
                parameter = self.spec.parameters[name]
                low, high = parameter.assumption or (parameter.value, parameter.value)
                if not (0 <= parameter.value <= MAX_DELAY and low >= 0 and high <= MAX_DELAY):
                    shown = f"{parameter.value:g}" + (
                        f" (assumption range [{low:g}, {high:g}])" if parameter.assumption else ""
                    )
                    self.problems.append(
                        CompileProblem(
                            path,
                            f"the delay reads parameter '{name}', which is {shown}: "
                            f"outside [0, {MAX_DELAY}] turns",
                            f"bring parameters.{name} and its assumption range within "
                            f"[0, {MAX_DELAY}]",
                        )
                    )
        if isinstance(getter, Const):
            return whole_turns(getter.value), None
        return 0, getter

    def value(self, value: Any, path: Path, self_actor: str | None = None) -> Getter:
        """Compile a Value field: a number, a Quantity or an expression."""
        if isinstance(value, str):
            return self.expr(value, path, self_actor)
        dotted = ".".join(map(str, path))
        if dotted in self.sampled:
            return self.inputs.setdefault(dotted, Input(number(value)))
        return Const(number(value))

    def initial_input(self, path: Path, term: Term) -> None:
        """Remember that a sampled number at `path` is the starting value of `term`."""
        dotted = ".".join(map(str, path))
        if dotted in self.sampled:
            self.initial_inputs.append((dotted, term))

    def bind_float(self, path: Path, target: Any, attribute: str) -> None:
        """Remember that a sampled number at `path` is stored as `target.attribute`."""
        dotted = ".".join(map(str, path))
        if dotted in self.sampled:
            self.bindings.append((dotted, target, attribute))

    def effects(self, effects: list[Effect], path: Path, actor: str | None) -> list[CEffect]:
        """Compile a list of effects."""
        out = []
        for i, effect in enumerate(effects):
            op, raw = effect.operation
            try:
                term = self.term(effect.target, actor)
            except ExprError as error:
                self.problems.append(CompileProblem((*path, i, "target"), str(error), error.hint))
                continue
            getter = self.value(raw, (*path, i, op), actor)
            delay, delay_value = self.delay(effect.delay, (*path, i, "delay"))
            out.append(CEffect(term, op, getter, delay, delay_value))
        return out

    # -- the whole scenario -----------------------------------------------------------
    def action(self, action_id: str, spec: Action) -> CAction:
        """Compile one action."""
        path: Path = ("actions", action_id)
        me = spec.actor
        weights = {k: number(v) for k, v in self.spec.categories.items()}
        escalation = number(spec.escalation) if spec.escalation is not None else None
        if escalation is None:
            escalation = weights[spec.category]  # the loader made sure it is given
        observers: frozenset[str] | None = None
        if spec.observed_by == "target":
            observers = frozenset([me, *spec.targets])
        elif spec.observed_by == "covert":
            observers = frozenset([me])
        elif isinstance(spec.observed_by, list):
            observers = frozenset([me, *spec.observed_by])
        branches = [
            CBranch(
                b.name,
                None
                if b.probability is None
                else self.value(b.probability, (*path, "branches", i, "probability"), me),
                self.effects(b.effects, (*path, "branches", i, "effects"), me),
            )
            for i, b in enumerate(spec.branches)
        ]
        compiled = CAction(
            id=action_id,
            actor=me,
            label=spec.label,
            category=spec.category,
            escalation=escalation,
            cost=self.value(spec.cost, (*path, "cost"), me),
            motive=self.value(spec.motive, (*path, "motive"), me),
            effects=self.effects(spec.effects, (*path, "effects"), me),
            branches=branches,
            targets=tuple(spec.targets),
            observers=observers,
            signals=number(spec.signals),
            provocation=spec.provocation,
            deterred_by=[
                (r, self.value(v, (*path, "deterred_by", r), me))
                for r, v in spec.deterred_by.items()
            ],
            requires=None
            if spec.requires is None
            else self.expr(spec.requires, (*path, "requires"), me),
            requires_text=spec.requires or "",
            cooldown=spec.cooldown,
            max_per_turn=spec.max_per_turn,
            max_per_game=spec.max_per_game,
            budget_cost=spec.budget_cost,
            voters=tuple(spec.consent.voters) if spec.consent else (),
            on_veto=self.effects(spec.consent.on_veto, (*path, "consent", "on_veto"), me)
            if spec.consent
            else [],
            ballot_on=spec.ballot.on if spec.ballot else None,
            vote=spec.ballot.vote if spec.ballot else None,
        )
        self.bind_float((*path, "signals"), compiled, "signals")
        if spec.escalation is not None:
            self.bind_float((*path, "escalation"), compiled, "escalation")
        else:
            self.bind_float(("categories", spec.category), compiled, "escalation")
        return compiled

    def compile(self) -> Program:
        """Compile everything; check self.problems afterwards."""
        spec = self.spec
        actions = {aid: self.action(aid, a) for aid, a in spec.actions.items()}
        for aid, written in spec.actions.items():
            if written.consent is not None and written.consent.fallback is not None:
                actions[aid].fallback = actions[written.consent.fallback]
        by_actor: dict[str, list[CAction]] = {}
        for a in actions.values():
            by_actor.setdefault(a.actor, []).append(a)
        for aid, written in spec.actions.items():  # one side lists it; both sides keep it
            for other in written.excludes:
                actions[aid].excludes |= {other}
                actions[other].excludes |= {aid}
        actors = {}
        for aid, actor in spec.actors.items():
            objectives: list[tuple[Term, Getter]] = []
            weighed: set[Term] = set()
            for key, weight in actor.objectives.items():
                try:
                    term = self.term(key, aid)
                except ExprError as error:
                    self.problems.append(
                        CompileProblem(("actors", aid, "objectives", key), str(error), error.hint)
                    )
                    continue
                if term in weighed:
                    self.problems.append(
                        CompileProblem(
                            ("actors", aid, "objectives", key),
                            f"'{key}' names a term that another objective already weighs",
                            "give each state term one weight",
                        )
                    )
                    continue
                weighed.add(term)
                objectives.append(
                    (term, self.value(weight, ("actors", aid, "objectives", key), aid))
                )
            own = by_actor.get(aid, [])
            menu = [a for a in own if a.ballot_on is None and a.id not in self.disabled]
            ballots: dict[str, list[CAction]] = {}
            for a in own:
                if a.ballot_on is not None:
                    ballots.setdefault(a.ballot_on, []).append(a)
            actors[aid] = compiled_actor = CActor(
                id=aid,
                name=actor.name,
                rationality=number(actor.rationality),
                budget_count=actor.budget.count,
                budget_points=actor.budget.points,
                controller=actor.controller,
                objectives=objectives,
                menu=menu,
                ballots=ballots,
                schedule=[
                    CScheduled(
                        frozenset(entry.turns),
                        [actions[a] for a in entry.choose],
                        None
                        if entry.when is None
                        else self.expr(entry.when, ("actors", aid, "schedule", i, "when"), aid),
                        entry.reason,
                    )
                    for i, entry in enumerate(actor.schedule)
                ],
            )
            self.bind_float(("actors", aid, "rationality"), compiled_actor, "rationality")
            own_terms = {term for term, _ in objectives}
            for a in own:
                _split_scored(a, own_terms)
        injects = [
            CInject(
                id=iid,
                description=inj.description,
                turns=frozenset(inj.turns),
                probability=None
                if inj.probability is None
                else self.value(inj.probability, ("injects", iid, "probability")),
                when=None if inj.when is None else self.expr(inj.when, ("injects", iid, "when")),
                max_times=inj.max_times,
                effects=self.effects(inj.effects, ("injects", iid, "effects"), None),
            )
            for iid, inj in spec.injects.items()
        ]
        rules = [
            (
                rid,
                r.description,
                self.expr(r.when, ("rules", rid, "when")),
                self.effects(r.effects, ("rules", rid, "effects"), None),
            )
            for rid, r in spec.rules.items()
        ]
        _foresee(actions, spec, actors, {rid: effects for rid, _, _, effects in rules})
        outcomes = [
            (oid, o.description, self.expr(o.when, ("outcomes", oid, "when")), o.terminal)
            for oid, o in spec.outcomes.items()
        ]
        doctrines = {
            did: CDoctrine(
                did,
                d.actor,
                [
                    (
                        None
                        if st.when is None
                        else self.expr(st.when, ("doctrines", did, "plan", i, "when"), d.actor),
                        list(st.choose),
                    )
                    for i, st in enumerate(d.plan)
                ],
                dict(d.ballots),
            )
            for did, d in spec.doctrines.items()
        }
        return Program(
            actors=actors,
            actions=actions,
            phases=[(p.name, list(p.actors)) for p in spec.phases],
            injects=injects,
            rules=rules,
            outcomes=outcomes,
            doctrines=doctrines,
            learning_rate=self.value(
                spec.state.beliefs.learning_rate, ("state", "beliefs", "learning_rate")
            ),
            max_belief_strength=spec.state.beliefs.max_strength,
            ladder=(spec.state.ladder.variable, self.rung_at) if spec.state.ladder else None,
            initial=self.initial_state(),
            inputs=self.inputs,
            bindings=self.bindings,
            initial_inputs=self.initial_inputs,
            bookkeeping=frozenset(n for n, v in spec.state.variables.items() if v.bookkeeping),
            formulas=self.formulas,
        )

    def initial_state(self) -> DeterrenceState:
        """The state at the start of turn 1."""
        spec = self.spec
        state = DeterrenceState()
        for name, var in spec.state.variables.items():
            state.bounds[("v", name)] = (var.min, var.max)
            state.put(("v", name), number(var.initial))
            self.initial_input(("state", "variables", name, "initial"), ("v", name))
        for aid, actor in spec.actors.items():
            state.attrs[aid] = {}
            for attr, aspec in spec.state.attributes.items():
                state.bounds[("a", aid, attr)] = (aspec.min, aspec.max)
                state.put(("a", aid, attr), number(actor.attributes.get(attr, aspec.default)))
                if attr in actor.attributes:
                    self.initial_input(("actors", aid, "attributes", attr), ("a", aid, attr))
                else:
                    self.initial_input(("state", "attributes", attr, "default"), ("a", aid, attr))
            state.graph.add_node(aid)
        prior = spec.state.beliefs.prior
        state.beliefs = {
            o: {s: [prior.alpha, prior.beta] for s in spec.actors if s != o} for o in spec.actors
        }
        for i, rel in enumerate(spec.relations):
            state.graph.add_edge(rel.source, rel.target)
            for fname in RELATION_FIELDS:
                term = ("r", rel.source, rel.target, fname)
                state.put(term, number(getattr(rel, fname)))
                self.initial_input(("relations", i, fname), term)
            if rel.resolve_belief:
                belief = rel.resolve_belief
                state.beliefs[rel.source][rel.target] = [belief.alpha, belief.beta]
        return state


def _split_scored(action: CAction, own_terms: set[Term]) -> None:
    """Sort an action's effects on its actor's objectives into constant and state-dependent.

    An `add` of a constant, in no branch or in branches whose odds are constant, changes the
    term by a known expected amount: summed once here instead of on every decision.
    """
    entries: list[tuple[Term, str, Getter, str | None]]
    entries = [(e.term, e.op, e.value, None) for e in action.effects]
    entries += [(e.term, e.op, e.value, b.name) for b in action.branches for e in b.effects]
    fixed_odds = all(
        b.probability is None or isinstance(b.probability, Const) for b in action.branches
    )
    odds = branch_odds(action, None) if fixed_odds else {}
    linear: list[tuple[Term, float]] = []
    action.scored = []
    for term, op, value, branch in entries:
        if term not in own_terms:
            continue
        if op == "add" and isinstance(value, Const) and (branch is None or fixed_odds):
            linear.append((term, value.value if branch is None else value.value * odds[branch]))
        else:
            action.scored.append((term, op, value, branch))
    action.linear = tuple(linear)


def _foresee(
    actions: dict[str, CAction],
    spec: ScenarioSpec,
    actors: dict[str, CActor],
    rules: dict[str, list[CEffect]],
) -> None:
    """Give each action that `foresees` rules those rules' effects on its actor's objectives."""
    for aid, written in spec.actions.items():
        if written.foresees and written.actor in actors:
            own = {term for term, _ in actors[written.actor].objectives}
            actions[aid].foreseen = [
                (rid, e.term, e.op, e.value)
                for rid in written.foresees
                for e in rules.get(rid, [])
                if e.term in own
            ]


def branch_odds(action: CAction, state: DeterrenceState | None) -> dict[str, float]:
    """Probabilities of each branch now, clipped in order so they sum to one.

    A branch without a probability takes what the ones before it leave; the same odds are
    used by agents weighing the action and by the die that decides it.
    """
    odds: dict[str, float] = {}
    left = 1.0
    for b in action.branches:
        p = left if b.probability is None else min(left, max(0.0, b.probability(state)))
        odds[b.name] = p
        left -= p
    return odds


_FIXED_DELAY = (
    "name a parameter (parameters: {lag: {value: 2, assumption: [1, 4]}}, delay: lag) "
    "or write a whole number of turns"
)


def whole_turns(turns: float) -> int:
    """A delay in whole turns: clipped to [0, MAX_DELAY], rounded half away from zero."""
    return math.floor(min(float(MAX_DELAY), max(0.0, turns)) + 0.5)


def noisy_or(strengths: Iterable[float]) -> float:
    """Combined strength of several signals in [0, 1]: 1 - prod(1 - s).

    A signal outside [0, 1] (a batch may sample one from a wide assumption range) counts as
    the nearest end, so the result stays in [0, 1] and no belief learns a negative count.
    """
    miss = 1.0
    for s in strengths:
        if s > 1.0:
            s = 1.0
        elif not s >= 0.0:  # NaN too
            s = 0.0
        miss *= 1.0 - s
    return 1.0 - miss


def _bare(node: Node) -> str:
    if isinstance(node, Name) and "." not in node.dotted:
        return node.dotted
    if isinstance(node, Call):
        raise ExprError(f"expected a name here, got a call to {node.name}()")
    raise ExprError("expected a bare name here (an actor id or a relation field)")


SUGGESTIONS = 100_000
"""Names a scenario's "did you mean" hints compare in all (about a third of a second)."""


Resolver = Callable[[str], Getter]
