"""Checks of a scenario that passed the schema: every name refers to something that exists
(`cross_check`), and values valid alone fit the rest of the scenario (`consistency_check`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from wargame.engine.program import number
from wargame.engine.state import RELATION_BOUNDS
from wargame.errors import InputError, Problem, suggest
from wargame.scenario.provenance import quantities
from wargame.scenario.schema import (
    NO_VARIANT,
    RELATION_FIELDS,
    REPORT_MEASURES,
    Quantity,
    ScenarioSpec,
    ScheduledMove,
)
from wargame.scenario.variants import locate
from wargame.scenario.yamlsafe import (
    DataPath,
    Located,
    ProblemList,
    TooManyProblems,
    too_many,
)

SUGGESTIONS = 100_000
"""Names the file's "did you mean" hints compare in all (about a third of a second)."""


def cross_check(located: Located, spec: ScenarioSpec) -> list[Problem]:
    """Names that must refer to something that exists, checked across the whole file."""
    problems = ProblemList()
    try:
        _cross_check(located, spec, problems)
    except TooManyProblems:
        return [*problems, too_many(located.file)]
    return problems


def _cross_check(located: Located, spec: ScenarioSpec, problems: list[Problem]) -> None:
    actors, actions = set(spec.actors), spec.actions

    suggestions = [SUGGESTIONS]  # "did you mean" compares with every name: a budget per file

    def need(kind: str, name: str, known: Any, path: DataPath) -> None:
        if name not in known:
            close = ""
            if len(known) <= suggestions[0]:
                suggestions[0] -= len(known)
                close = suggest(name, known).strip()
            problems.append(
                located.problem(
                    path, f"unknown {kind} '{name}'", close or f"declare it under {kind}s:"
                )
            )

    cast = {(b.ballot.on, b.actor) for b in actions.values() if b.ballot}

    def excluded(aid: str, other: str, path: DataPath) -> None:
        """One entry of an action's `excludes`: another option of the same actor."""
        need("action", other, actions, path)
        action, found = actions[aid], actions.get(other)
        if other == aid:
            problems.append(
                located.problem(
                    path, f"'{aid}' excludes itself", "list the actor's other options it rules out"
                )
            )
        elif found is not None and found.actor != action.actor:
            problems.append(
                located.problem(
                    path,
                    f"'{other}' belongs to {found.actor}, not {action.actor}: an option excludes "
                    "only options of its own actor",
                    f"remove '{other}', or give its own actor's condition in requires:",
                )
            )
        elif found is not None and (found.ballot is not None or action.ballot is not None):
            ballot = aid if action.ballot is not None else other
            problems.append(
                located.problem(
                    path,
                    f"'{ballot}' is a ballot: it is cast when a vote is put, not chosen, so it "
                    "neither excludes nor is excluded",
                    "list only options chosen on the actor's menu",
                )
            )

    for key, quantity in quantities(spec):
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
        for i, other in enumerate(action.excludes):
            excluded(aid, other, ("actions", aid, "excludes", i))
        for i, rule in enumerate(action.foresees):
            need("rule", rule, spec.rules, ("actions", aid, "foresees", i))
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
        if action.consent and action.consent.fallback is not None:
            _check_fallback(located, spec, aid, need, problems)
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

    def scheduled(actor: str, entries: list[ScheduledMove], path: DataPath) -> None:
        """An actor's scheduled moves: its own actions, no ballots, within the game's turns."""
        last = spec.scenario.turns
        for i, entry in enumerate(entries):
            for turn in entry.turns:
                if not 1 <= turn <= last:
                    problems.append(
                        located.problem(
                            (*path, i, "turns"),
                            f"turn {turn} is outside the game (1..{last})",
                            "schedule moves within scenario.turns (raise it to schedule later "
                            "turns; --turns does not extend a schedule's check)",
                        )
                    )
            if not entry.choose:
                problems.append(
                    located.problem(
                        (*path, i),
                        "this scheduled entry chooses no action",
                        f"list {actor}'s action ids under choose:, or remove the entry",
                    )
                )
            for a in entry.choose:
                need("action", a, actions, (*path, i, "choose"))
                owner = actions[a].actor if a in actions else actor
                ballot = actions[a].ballot if a in actions else None
                if owner != actor:
                    problems.append(
                        located.problem(
                            (*path, i, "choose"),
                            f"'{a}' belongs to {owner}, not {actor}",
                            f"schedule it under actors.{owner}.schedule",
                        )
                    )
                elif ballot is not None:
                    problems.append(
                        located.problem(
                            (*path, i, "choose"),
                            f"'{a}' is a ballot: it is cast when a vote is put, not scheduled",
                            f"schedule the proposal '{ballot.on}' "
                            "or give its voter a doctrine's ballots:",
                        )
                    )

    for aid, actor in spec.actors.items():
        scheduled(aid, actor.schedule, ("actors", aid, "schedule"))
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
        if vid == NO_VARIANT:
            problems.append(
                located.problem(
                    ("variants", vid),
                    f"a variant may not be named '{NO_VARIANT}': that name means the scenario "
                    "as written, with no variant applied (wargame batch --variants base)",
                    "Fix: rename the variant (e.g. all_agents) and its uses",
                )
            )
        for path in variant.set:
            try:
                locate(located, located.data, path, ("variants", vid, "set", path))
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
        if variant.hindsight and not variant.known_later.strip():
            problems.append(
                located.problem(
                    ("variants", vid, "hindsight"),
                    f"hindsight variant '{vid}' does not say what it knows that was not known "
                    f"on {spec.scenario.start_date}",
                    "add known_later: the facts or policies it takes from after the start date",
                )
            )
        if variant.known_later and not variant.hindsight:
            problems.append(
                located.problem(
                    ("variants", vid, "known_later"),
                    f"variant '{vid}' says what it knows later but is not marked hindsight",
                    "add hindsight: true (it is then kept out of forecasts), or remove known_later",
                )
            )
        for a, entries in variant.schedule.items():
            need("actor", a, actors, ("variants", vid, "schedule", a))
            if a in actors:
                scheduled(a, entries, ("variants", vid, "schedule", a))
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
    for i, name in enumerate(spec.report):
        if not _reported(name, spec):
            close = suggest(name, sorted(_report_names(spec))).strip()
            problems.append(
                located.problem(
                    ("report", i),
                    f"unknown measure '{name}' in report",
                    close or "name an outcome, count.ACTION, final.VARIABLE, turns or escalation",
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


def _check_fallback(
    located: Located,
    spec: ScenarioSpec,
    aid: str,
    need: Callable[[str, str, Any, DataPath], None],
    problems: list[Problem],
) -> None:
    """A proposal's fallback: a draft of the same actor, put to the same voters, and a chain
    of fallbacks that ends (no draft falls back to itself, directly or not)."""
    actions = spec.actions
    action = actions[aid]
    assert action.consent is not None and action.consent.fallback is not None
    fallback = action.consent.fallback
    path: DataPath = ("actions", aid, "consent", "fallback")
    need("action", fallback, actions, path)
    draft = actions.get(fallback)
    if draft is None:
        return
    if draft.actor != action.actor:
        problems.append(
            located.problem(
                path,
                f"fallback '{fallback}' belongs to {draft.actor}, not {action.actor}",
                f"name a weaker draft that {action.actor} tables",
            )
        )
    elif draft.consent is None:
        problems.append(
            located.problem(
                path,
                f"fallback '{fallback}' is not put to a vote (it has no consent: section)",
                f"give actions.{fallback} consent: {{voters: {action.consent.voters}}}",
            )
        )
    elif set(draft.consent.voters) != set(action.consent.voters):
        problems.append(
            located.problem(
                path,
                f"fallback '{fallback}' is voted on by {sorted(draft.consent.voters)}, "
                f"not by the same voters as '{aid}' ({sorted(action.consent.voters)})",
                f"give actions.{fallback}.consent the voters {action.consent.voters}",
            )
        )
    order = {name: i for i, name in enumerate(actions)}
    chain, seen = [aid], {aid}
    current: str | None = fallback
    while current is not None and current in actions and current not in seen:
        chain.append(current)
        seen.add(current)
        consent = actions[current].consent
        current = consent.fallback if consent is not None else None
    if current == aid and min(chain, key=order.__getitem__) == aid:  # told once per cycle
        problems.append(
            located.problem(
                path,
                "fallbacks form a cycle: " + " -> ".join([*chain, aid]),
                "end the chain with a draft that has no fallback",
            )
        )


def _report_names(spec: ScenarioSpec) -> set[str]:
    """The measures a scenario's `report:` may name (see `wargame.stats.tables`)."""
    return {
        *REPORT_MEASURES,
        *spec.outcomes,
        *(f"outcome.{o}" for o in spec.outcomes),
        *(f"count.{a}" for a in spec.actions),
        *(f"final.{v}" for v in spec.state.variables),
    }


def _reported(name: str, spec: ScenarioSpec) -> bool:
    return name in _report_names(spec)


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
    problems = ProblemList()
    try:
        _consistency_check(located, spec, problems)
    except TooManyProblems:
        return [*problems, too_many(located.file)]
    return problems


def _consistency_check(located: Located, spec: ScenarioSpec, problems: list[Problem]) -> None:

    def bad(path: DataPath, message: str, hint: str) -> None:
        problems.append(located.problem(path, message, hint))

    built_in = {"turn", "rung", "month", "year", "self"}
    reserved = {*built_in, *spec.state.variables, *spec.actors, *spec.actions}
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
