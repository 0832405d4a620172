"""Load a scenario file: safe YAML, the typed schema, cross-references, variants and --set.

Every problem found is reported at once, each with file:line:column, what is wrong and how
to fix it (`InputError`, exit code 2). A loaded Scenario is immutable: the typed spec, its
compiled Program, where each world number comes from, and which numbers are uncertain.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import re
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from wargame.engine.program import Compiler, Program, number
from wargame.engine.state import RELATION_BOUNDS
from wargame.errors import InputError, Problem, suggest
from wargame.scenario.schema import ID_PATTERN, RELATION_FIELDS, Parameter, Quantity, ScenarioSpec
from wargame.scenario.yamlsafe import Located, load_yaml, load_yaml_text

DataPath = tuple[str | int, ...]
_CONDITIONS = ("requires", "when")
"""Condition fields: their thresholds describe the world as much as any weight does."""
_LITERAL = re.compile(r"(?<![\w.])(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(?![\w.])")


@dataclass(frozen=True)
class Uncertainty:
    """A number given as an assumption with a plausible range: what batches sample."""

    path: str
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Scenario:
    """A loaded, validated, compiled scenario (with one variant and overrides applied)."""

    spec: ScenarioSpec
    program: Program
    file: str
    variant: str | None
    content_hash: str
    uncertainties: tuple[Uncertainty, ...]
    unsourced: tuple[str, ...]
    data: Any
    disabled: frozenset[str] = frozenset()
    fixed: frozenset[str] = frozenset()
    """Paths the variant or --set gave a value: policy choices, never sampled."""
    cache: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        """The scenario id from its metadata."""
        return self.spec.scenario.id

    @property
    def sampled(self) -> tuple[Uncertainty, ...]:
        """The uncertain numbers a batch samples: all assumption ranges but the fixed ones."""
        if "sampled" not in self.cache:
            self.cache["sampled"] = tuple(u for u in self.uncertainties if u.path not in self.fixed)
        sampled: tuple[Uncertainty, ...] = self.cache["sampled"]
        return sampled

    def sampling_program(self) -> Program:
        """The program with every sampled number as a per-run input (compiled once)."""
        if "sampling" not in self.cache:
            paths = [u.path for u in self.sampled]
            self.cache["sampling"] = Compiler(self.spec, self.disabled, paths).compile()
        program: Program = self.cache["sampling"]
        return program


def load_scenario(
    path: str | Path, *, variant: str | None = None, overrides: Sequence[str] = ()
) -> Scenario:
    """Load a scenario file, apply a variant and PATH=VALUE overrides; raise InputError."""
    return build(load_yaml(path, what="scenario"), variant=variant, overrides=overrides)


def load_scenario_text(
    text: str, *, file: str = "<string>", variant: str | None = None, overrides: Sequence[str] = ()
) -> Scenario:
    """Load a scenario from text (tests, notebooks)."""
    return build(load_yaml_text(text, file, what="scenario"), variant=variant, overrides=overrides)


def spec_set_paths(located: Located, variant: str | None) -> list[str]:
    """The paths a variant's `set:` gives values to."""
    if variant is None:
        return []
    return list(located.data.get("variants", {}).get(variant, {}).get("set", {}) or {})


def build(located: Located, *, variant: str | None, overrides: Sequence[str]) -> Scenario:
    """Validate, apply the variant and overrides, validate again, compile."""
    spec, program = _validate(located, located.data)
    data = copy.deepcopy(located.data)
    disabled: set[str] = set()
    if variant is not None:
        disabled = _apply_variant(located, spec, data, variant)
    for text in overrides:
        _apply_override(located, data, text)
    if variant is not None or overrides:
        try:
            spec, program = _validate(located, data, disabled)
        except InputError as error:
            # The file itself passed: say what was applied, or the message points at a line
            # that looks fine.
            applied = [f"variant '{variant}'"] if variant is not None else []
            applied += [f"--set {text}" for text in overrides]
            note = f" (after applying {', '.join(applied)})"
            raise InputError(
                [dataclasses.replace(p, message=p.message + note) for p in error.problems]
            ) from None
    unsourced, uncertain = provenance(spec)
    canonical = json.dumps([data, variant], sort_keys=True, default=str)
    return Scenario(
        spec=spec,
        program=program,
        file=located.file,
        variant=variant,
        content_hash=hashlib.sha256(canonical.encode()).hexdigest(),
        uncertainties=tuple(uncertain),
        unsourced=tuple(unsourced),
        disabled=frozenset(disabled),
        fixed=frozenset(
            path.removesuffix(".value")
            for path in [
                *(spec_set_paths(located, variant)),
                *(text.partition("=")[0].strip() for text in overrides),
            ]
        ),
        data=data,
    )


# -- validation ---------------------------------------------------------------------------
def _validate(
    located: Located, data: Any, disabled: set[str] | None = None
) -> tuple[ScenarioSpec, Program]:
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as error:
        raise InputError(schema_problems(located, data, error)) from None
    problems = cross_check(located, spec) + consistency_check(located, spec)
    compiler = Compiler(spec, disabled or ())
    program = compiler.compile() if not problems else None
    problems += [
        located.problem(p.path, *_split_hint(p.message, p.hint)) for p in compiler.problems
    ]
    if problems or program is None:
        raise InputError(problems)
    return spec, program


_SUGGESTION = re.compile(r"[;.]? [Dd]id you mean '[^']*'\?$")


def _split_hint(message: str, hint: str) -> tuple[str, str]:
    """Move a trailing "Did you mean 'x'?" from a compile message into the hint."""
    found = _SUGGESTION.search(message)
    if found is None or hint:
        return message, hint
    suggestion = found.group(0).lstrip(";. ")
    return message[: found.start()], suggestion[0].upper() + suggestion[1:]


_TYPE_WORDS = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "literal_error": "one of the allowed words",
}


def schema_problems(
    located: Located, data: Any, error: ValidationError, *, root: type[BaseModel] = ScenarioSpec
) -> list[Problem]:
    """Turn pydantic's errors into one clear problem per place in the document."""
    by_place: dict[DataPath, list[Any]] = {}
    for err in error.errors():
        by_place.setdefault(_data_path(data, err["loc"]), []).append(err)
    problems = []
    for place, errs in by_place.items():
        extra = [e for e in errs if e["type"] == "extra_forbidden"]
        missing = [e for e in errs if e["type"] == "missing"]
        if extra:
            name = str(extra[0]["loc"][-1])
            fields = _fields_at(extra[0]["loc"][:-1], root)
            hint = suggest(name, fields).strip() or f"allowed fields: {', '.join(sorted(fields))}"
            spot = place if place[-1:] == (name,) else (*place, name)  # inside a Quantity
            problems.append(located.problem(spot, f"unknown field '{name}'", hint))
        elif missing:
            name = str(missing[0]["loc"][-1])
            problems.append(
                located.problem(place, f"missing required field '{name}'", f"add '{name}:'")
            )
        elif len(errs) > 1 and all(e["type"] in _TYPE_WORDS for e in errs):
            # A {value: ...} mapping was given: the problem is inside it, not its being a mapping.
            given_mapping = any(isinstance(e["input"], dict) for e in errs)
            inside = [
                e
                for e in errs
                if given_mapping
                and isinstance(e["loc"][-1], str)
                and not isinstance(e["input"], dict)
            ]
            if inside:
                err, field = inside[0], str(inside[0]["loc"][-1])
                message = f"'{field}' must be {_TYPE_WORDS[err['type']]}, got {err['input']!r}"
                problems.append(located.problem((*place, field), message))
                continue
            wanted = sorted({_TYPE_WORDS[e["type"]] for e in errs})
            got = type(errs[0]["input"]).__name__
            problems.append(
                located.problem(
                    place,
                    f"expected {' or '.join(wanted)}, got {got}",
                    "a number, a {value:, source:} mapping or an expression",
                )
            )
        else:
            err = min(errs, key=lambda e: e["type"] in _TYPE_WORDS)
            message = err["msg"].removeprefix("Value error, ")
            problems.append(located.problem(place, message, _hint(err)))
    return _misspelled_not_missing(problems)


def _misspelled_not_missing(problems: list[Problem]) -> list[Problem]:
    """Drop "missing required field 'seed'" where an unknown 'seeed' beside it is the cause."""
    meant = {
        (p.where.rpartition(".")[0], p.hint.removeprefix("Did you mean '").removesuffix("'?"))
        for p in problems
        if p.message.startswith("unknown field") and p.hint.startswith("Did you mean")
    }
    return [
        p
        for p in problems
        if not (
            p.message.startswith("missing required field")
            and (p.where, p.message.split("'")[1]) in meant
        )
    ]


def _hint(err: Any) -> str:
    ctx = err.get("ctx") or {}
    if err["type"] == "literal_error":
        return f"use {ctx.get('expected', 'an allowed value')}"
    if err["type"] == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if "agent|human" in pattern:  # schema.Controller
            return "use agent, human or script:DOCTRINE (a doctrine id under doctrines:)"
        if "day|week|month" in pattern:  # Meta.turn_length
            return "write a count and a unit, e.g. '1 month', '2 weeks' or '10 days'"
        if pattern == ID_PATTERN:
            return "names start with a letter or '_' and use letters, digits and '_' only"
    if err["type"] in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "change the number to lie in the allowed range"
    return ""


def _data_path(data: Any, loc: tuple[Any, ...]) -> DataPath:
    """The part of a pydantic location that names places in the document (not type tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            break
        path.append(part)
    return tuple(path)


def _fields_at(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    """Field names of the schema model at a pydantic location (for 'did you mean')."""
    tp: Any = root
    for part in loc:
        inner = _descend(tp, part)
        if inner is None and isinstance(part, str):
            # a union member's tag, e.g. 'function-after[_range_holds_value(), Quantity]'
            named = [
                m
                for m in _members(tp)
                if isinstance(m, type) and re.search(rf"\b{m.__name__}\b", part)
            ]
            inner = named[0] if named else None
        if inner is None:
            return []
        tp = inner
    models = [t for t in _members(tp) if isinstance(t, type) and issubclass(t, BaseModel)]
    names: list[str] = []
    for model in models:
        for name, info in model.model_fields.items():
            names.append(info.alias or name)
    return names


def _members(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp]


def _descend(tp: Any, part: Any) -> Any:
    for member in _members(tp):
        if isinstance(member, type) and issubclass(member, BaseModel):
            for name, info in member.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
        origin = typing.get_origin(member)
        if origin is dict:
            return typing.get_args(member)[1]
        if origin is list:
            return typing.get_args(member)[0]
    return None


SUGGESTIONS = 50
"""Unknown names per file that get a "did you mean" (each compares against every name)."""


def cross_check(located: Located, spec: ScenarioSpec) -> list[Problem]:
    """Names that must refer to something that exists, checked across the whole file."""
    problems: list[Problem] = []
    actors, actions = set(spec.actors), spec.actions

    suggestions = [SUGGESTIONS]  # "did you mean" costs a scan of the names: a budget per file

    def need(kind: str, name: str, known: Any, path: DataPath) -> None:
        if name not in known:
            suggestions[0] -= 1
            close = suggest(name, known).strip() if suggestions[0] >= 0 else ""
            problems.append(
                located.problem(
                    path, f"unknown {kind} '{name}'", close or f"declare it under {kind}s:"
                )
            )

    cast = {(b.ballot.on, b.actor) for b in actions.values() if b.ballot}

    for key, quantity in _quantities(spec):
        if quantity.source is not None:
            need("source", quantity.source, spec.sources, (*key, "source"))
    for aid, action in actions.items():
        need("actor", action.actor, actors, ("actions", aid, "actor"))
        for t in action.targets:
            need("actor", t, actors, ("actions", aid, "targets"))
        if isinstance(action.observed_by, list):
            for o in action.observed_by:
                need("actor", o, actors, ("actions", aid, "observed_by"))
        for r in action.deterred_by:
            need("actor", r, actors, ("actions", aid, "deterred_by", r))
        if action.consent:
            for voter in action.consent.voters:
                need("actor", voter, actors, ("actions", aid, "consent", "voters"))
                if voter in actors and (aid, voter) not in cast:
                    problems.append(
                        located.problem(
                            ("actions", aid, "consent", "voters"),
                            f"voter '{voter}' has no ballot on '{aid}'",
                            f"add actions with actor: {voter} and ballot: {{on: {aid}, vote: ...}}",
                        )
                    )
        if action.ballot:
            on = action.ballot.on
            need("action", on, actions, ("actions", aid, "ballot", "on"))
            proposal = actions.get(on)
            if action.consent is not None:
                problems.append(
                    located.problem(
                        ("actions", aid, "consent"),
                        f"'{aid}' is a ballot, and a ballot cannot itself be put to a vote "
                        "(votes on votes would form a cycle)",
                        "remove its consent: section",
                    )
                )
            if proposal is not None and proposal.ballot is not None:
                problems.append(
                    located.problem(
                        ("actions", aid, "ballot", "on"),
                        f"'{aid}' is a ballot on '{on}', which is itself a ballot "
                        "(votes on votes would form a cycle)",
                        "put ballots on proposals only: actions with a consent: section",
                    )
                )
            elif proposal is not None and (
                proposal.consent is None or action.actor not in proposal.consent.voters
            ):
                problems.append(
                    located.problem(
                        ("actions", aid, "ballot"),
                        f"'{aid}' is a ballot on '{on}', "
                        f"but {action.actor} is not among its voters",
                        f"add {action.actor} to actions.{on}.consent.voters",
                    )
                )
    for i, rel in enumerate(spec.relations):
        need("actor", rel.source, actors, ("relations", i, "from"))
        need("actor", rel.target, actors, ("relations", i, "to"))
    seen_edges: set[tuple[str, str]] = set()
    for i, rel in enumerate(spec.relations):
        if (rel.source, rel.target) in seen_edges or rel.source == rel.target:
            problems.append(
                located.problem(
                    ("relations", i),
                    f"relation {rel.source} -> {rel.target} is repeated or points to itself",
                    "keep one entry",
                )
            )
        seen_edges.add((rel.source, rel.target))
    moving: dict[str, int] = {}
    for i, phase in enumerate(spec.phases):
        for a in phase.actors:
            need("actor", a, actors, ("phases", i, "actors"))
            if a in moving:
                problems.append(
                    located.problem(
                        ("phases", i, "actors"),
                        f"actor '{a}' moves in two phases ({moving[a] + 1} and {i + 1})",
                        "list each actor in one phase",
                    )
                )
            moving[a] = i
    for aid, actor in spec.actors.items():
        for attr in actor.attributes:
            need("attribute", attr, spec.state.attributes, ("actors", aid, "attributes", attr))
        if actor.controller.startswith("script:"):
            did = actor.controller.split(":", 1)[1]
            need("doctrine", did, spec.doctrines, ("actors", aid, "controller"))
            if did in spec.doctrines and spec.doctrines[did].actor != aid:
                problems.append(
                    located.problem(
                        ("actors", aid, "controller"),
                        f"doctrine '{did}' is written for {spec.doctrines[did].actor}",
                        f"use a doctrine whose actor is {aid}",
                    )
                )
    for did, doctrine in spec.doctrines.items():
        need("actor", doctrine.actor, actors, ("doctrines", did, "actor"))
        for i, step in enumerate(doctrine.plan):
            for a in step.choose:
                need("action", a, actions, ("doctrines", did, "plan", i, "choose"))
                if a in actions and actions[a].actor != doctrine.actor:
                    problems.append(
                        located.problem(
                            ("doctrines", did, "plan", i, "choose"),
                            f"'{a}' belongs to {actions[a].actor}, not {doctrine.actor}",
                            "a doctrine chooses only its own actor's options",
                        )
                    )
        for put, ballot in doctrine.ballots.items():
            need("action", put, actions, ("doctrines", did, "ballots", put))
            need("action", ballot, actions, ("doctrines", did, "ballots", put))
    for vid, variant in spec.variants.items():
        for path in variant.set:
            try:
                _locate(located, located.data, path, ("variants", vid, "set", path))
            except InputError as error:
                problems.extend(error.problems)
        for a, controller in variant.controllers.items():
            need("actor", a, actors, ("variants", vid, "controllers", a))
            script = controller.split(":", 1)[1] if controller.startswith("script:") else None
            if script is not None:
                need("doctrine", script, spec.doctrines, ("variants", vid, "controllers", a))
            if script in spec.doctrines and a in actors and spec.doctrines[script].actor != a:
                problems.append(
                    located.problem(
                        ("variants", vid, "controllers", a),
                        f"doctrine '{script}' is written for {spec.doctrines[script].actor}",
                        f"use a doctrine whose actor is {a}",
                    )
                )
        for a, menu in variant.menus.items():
            need("actor", a, actors, ("variants", vid, "menus", a))
            for act in [*(menu.only or []), *menu.remove]:
                need("action", act, actions, ("variants", vid, "menus", a))
                if act in actions and a in actors and actions[act].actor != a:
                    problems.append(
                        located.problem(
                            ("variants", vid, "menus", a),
                            f"'{act}' belongs to {actions[act].actor}, not {a}",
                            f"list it under menus: {{{actions[act].actor}: ...}}",
                        )
                    )
    if spec.state.ladder:
        need("variable", spec.state.ladder.variable, spec.state.variables, ("state", "ladder"))
    for name, var in spec.state.variables.items():
        if not _fits(var.initial, var.min, var.max):
            problems.append(
                located.problem(
                    ("state", "variables", name, "initial"),
                    f"initial value {_shown(var.initial)} is outside [{var.min}, {var.max}]",
                    "move it inside the bounds",
                )
            )
    return problems


def _fits(value: float | Quantity, low: float, high: float) -> bool:
    """Whether a number lies in [low, high], and with it every value its assumption allows."""
    if isinstance(value, Quantity) and value.assumption is not None:
        return low <= value.assumption[0] and value.assumption[1] <= high
    return low <= number(value) <= high


def _shown(value: float | Quantity) -> str:
    """The number as a message names it, with its assumption range if it has one."""
    if isinstance(value, Quantity) and value.assumption is not None:
        return f"{number(value)} (assumption range [{value.assumption[0]}, {value.assumption[1]}])"
    return str(number(value))


def consistency_check(located: Located, spec: ScenarioSpec) -> list[Problem]:
    """Values that are each valid alone but do not fit the rest of the scenario."""
    problems: list[Problem] = []

    def bad(path: DataPath, message: str, hint: str) -> None:
        problems.append(located.problem(path, message, hint))

    reserved = {"turn", "rung", "self", *spec.state.variables, *spec.actors, *spec.actions}
    for name in spec.parameters:
        if name in reserved:
            bad(
                ("parameters", name),
                f"parameter '{name}' has the name of a variable, actor, "
                "action or built-in, and would hide it",
                "rename the parameter",
            )
    for aid, actor in spec.actors.items():
        if not _fits(actor.rationality, 0.0, math.inf):
            bad(
                ("actors", aid, "rationality"),
                "rationality must be >= 0",
                "0 chooses at random; larger values choose the best option more surely",
            )
        for attr, value in actor.attributes.items():
            bounds = spec.state.attributes.get(attr)
            if bounds is not None and not _fits(value, bounds.min, bounds.max):
                bad(
                    ("actors", aid, "attributes", attr),
                    f"{_shown(value)} is outside the bounds [{bounds.min}, {bounds.max}] of "
                    f"'{attr}'",
                    "change the value or the attribute's bounds",
                )
    for attr, aspec in spec.state.attributes.items():
        if not _fits(aspec.default, aspec.min, aspec.max):
            bad(
                ("state", "attributes", attr, "default"),
                f"default {_shown(aspec.default)} is outside [{aspec.min}, {aspec.max}]",
                "move it inside the bounds",
            )
    for i, relation in enumerate(spec.relations):
        for field in RELATION_FIELDS:
            value = getattr(relation, field)
            if not _fits(value, *RELATION_BOUNDS):
                bad(
                    ("relations", i, field),
                    f"{field} must lie in [0, 1], got {_shown(value)}",
                    "0 is none, 1 the strongest",
                )
    phased = {a for phase in spec.phases for a in phase.actors}
    for aid, action in spec.actions.items():
        path: DataPath = ("actions", aid)
        if not _fits(action.signals, 0.0, 1.0):
            bad(
                (*path, "signals"),
                f"signals must lie in [0, 1], got {_shown(action.signals)}",
                "0 signals no resolve, 1 the strongest possible",
            )
        if action.actor in action.deterred_by:
            bad(
                (*path, "deterred_by", action.actor),
                f"{action.actor} cannot be deterred by itself",
                "name the actors who answer it",
            )
        if action.escalation is None and action.category not in spec.categories:
            bad(
                (*path, "category"),
                f"no escalation weight for category '{action.category}'",
                "give categories: a weight for it, or escalation: on the action",
            )
        if action.ballot is None and action.actor in spec.actors and action.actor not in phased:
            bad(
                (*path, "actor"),
                f"{action.actor} is in no phase, so it never takes '{aid}'",
                f"add {action.actor} to one of the phases:",
            )
    turns = spec.scenario.turns
    for iid, inject in spec.injects.items():
        for turn in inject.turns:
            if not 1 <= turn <= turns:
                bad(
                    ("injects", iid, "turns"),
                    f"turn {turn} is outside the game (1..{turns})",
                    "schedule it within the scenario's turns",
                )
    for did, doctrine in spec.doctrines.items():
        for put, ballot in doctrine.ballots.items():
            cast = spec.actions.get(ballot)
            if cast is not None and (
                cast.ballot is None or cast.ballot.on != put or cast.actor != doctrine.actor
            ):
                bad(
                    ("doctrines", did, "ballots", put),
                    f"'{ballot}' is not a ballot of {doctrine.actor} on '{put}'",
                    "name one of its actions with ballot: {on: " + put + "}",
                )
    return problems


# -- variants and --set -------------------------------------------------------------------
def _apply_variant(located: Located, spec: ScenarioSpec, data: Any, name: str) -> set[str]:
    if name not in spec.variants:
        known = ", ".join(spec.variants) or "none"
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"unknown variant '{name}'",
                    suggest(name, spec.variants).strip() or f"variants: {known}",
                )
            ]
        )
    variant = spec.variants[name]
    for path, value in variant.set.items():
        _set_path(located, data, path, value, ("variants", name, "set", path))
    for actor, controller in variant.controllers.items():
        data["actors"][actor]["controller"] = controller
    disabled: set[str] = set()
    for actor, menu in variant.menus.items():
        own = {a for a, act in spec.actions.items() if act.actor == actor and not act.ballot}
        if menu.only is not None:
            disabled |= own - set(menu.only)
        disabled |= set(menu.remove)
    return disabled


def _apply_override(located: Located, data: Any, text: str) -> None:
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"--set '{text}' is not PATH=VALUE",
                    "for example --set parameters.deterrence_strength=1.5",
                )
            ]
        )
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    if isinstance(value, (dict, list)) or value is None:
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"--set {path}: the value must be a number, text or true/false",
                )
            ]
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(
            [
                Problem(
                    located.file,
                    None,
                    None,
                    f"--set {path}: numbers must be finite, got {raw.strip()}",
                    "use an ordinary number",
                )
            ]
        )
    _set_path(located, data, path.strip(), value, None)


def _set_path(
    located: Located, data: Any, dotted: str, value: Any, origin: DataPath | None
) -> None:
    """Set a value by dotted path; a Quantity or parameter mapping gets its `value` replaced."""
    node, key = _locate(located, data, dotted, origin)
    target = node[key]
    if isinstance(target, dict) and "value" in target and not isinstance(value, dict):
        target["value"] = value
    else:
        node[key] = value


def _locate(
    located: Located, data: Any, dotted: str, origin: DataPath | None
) -> tuple[Any, str | int]:
    """The container and key a dotted path names (a key may itself hold dots); or an error."""
    parts = dotted.split(".")
    node = data
    i = 0
    while True:
        if isinstance(node, list):
            if not (parts[i].isdecimal() and parts[i].isascii()) or int(parts[i]) >= len(node):
                _bad_path(located, dotted, parts[i], [str(n) for n in range(len(node))], origin)
            key: str | int = int(parts[i])
            step = 1
        elif isinstance(node, dict):
            step = next(
                (n for n in range(len(parts) - i, 0, -1) if ".".join(parts[i : i + n]) in node), 0
            )
            if step == 0:
                _bad_path(located, dotted, parts[i], list(node), origin)
            key = ".".join(parts[i : i + step])
        else:
            _bad_path(located, dotted, parts[i], [], origin)
        if i + step == len(parts):
            return node, key
        node = node[key]
        i += step


def _bad_path(
    located: Located, dotted: str, part: str, known: list[str], origin: DataPath | None
) -> typing.NoReturn:
    hint = suggest(part, known).strip() or (
        f"choose from: {', '.join(known[:12])}" if known else ""
    )
    message = f"no '{part}' in path '{dotted}'"
    if origin is None:
        raise InputError([Problem(located.file, None, None, f"--set {message}", hint)])
    raise InputError([located.problem(origin, message, hint)])


# -- provenance ---------------------------------------------------------------------------
def _mentions_quantity(annotation: Any) -> bool:
    if annotation is Quantity:
        return True
    return any(_mentions_quantity(a) for a in typing.get_args(annotation))


def _walk(node: Any, path: DataPath, world: bool) -> Iterator[tuple[DataPath, Any, bool]]:
    """Yield (path, value, is-world-number-field) for every leaf of the spec."""
    if isinstance(node, (Quantity, Parameter)):
        yield path, node, True
    elif isinstance(node, BaseModel):
        for name in [f for f in type(node).model_fields if f in node.model_fields_set]:
            info = type(node).model_fields[name]
            key = info.alias or name
            yield from _walk(getattr(node, name), (*path, key), _mentions_quantity(info.annotation))
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, (*path, k), world)
    elif isinstance(node, list):
        for k, v in enumerate(node):
            yield from _walk(v, (*path, k), world)
    else:
        yield path, node, world


def _quantities(spec: ScenarioSpec) -> Iterator[tuple[DataPath, Quantity | Parameter]]:
    for path, value, _ in _walk(spec, (), False):
        if isinstance(value, (Quantity, Parameter)):
            yield path, value


def provenance(spec: ScenarioSpec) -> tuple[list[str], list[Uncertainty]]:
    """World numbers with neither a source nor an assumption range, and the uncertain ones."""
    unsourced: list[str] = []
    uncertain: list[Uncertainty] = []
    for path, value, world in _walk(spec, (), False):
        dotted = ".".join(map(str, path))
        if isinstance(value, (Quantity, Parameter)):
            if value.assumption is not None:
                uncertain.append(Uncertainty(dotted, value.value, *value.assumption))
            elif value.source is None:
                unsourced.append(f"{dotted}: {value.value} has neither source nor assumption")
        elif world and isinstance(value, (int, float)) and not isinstance(value, bool):
            unsourced.append(f"{dotted}: plain number {value} (give source: or assumption:)")
        elif isinstance(value, str) and (world or path[-1] in _CONDITIONS):
            for match in _LITERAL.finditer(value):
                if float(match.group(0)) not in (0.0, 1.0):
                    unsourced.append(
                        f"{dotted}: number {match.group(0)} inside an expression "
                        "(name it as a parameter with a source or assumption)"
                    )
    return unsourced, uncertain
