"""The saved game state (`WargameModel.snapshot()`): its typed schema and its checks.

A saved state may have been edited by hand, damaged, or come from another scenario; nothing in
it may crash a game later or smuggle NaN, unknown actors or out-of-bounds values into it. So it
is checked like a scenario file: a typed schema (unknown fields get "did you mean"), then every
name against the scenario and every number against its bounds.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wargame.engine.records import (
    EffectRecord,
    InjectRecord,
    Intervention,
    PhaseRecord,
    StateView,
    TurnRecord,
)
from wargame.engine.state import RELATION_BOUNDS
from wargame.errors import Problem, suggest
from wargame.scenario.loading import Scenario
from wargame.scenario.problems import schema_problems
from wargame.scenario.schema import RELATION_FIELDS
from wargame.scenario.yamlsafe import Located

SNAPSHOT_FORMAT = "wargame-state/2"
WHAT = "saved game state"
RESAVE = "save the game again with `wargame run --save-state`"

MAX_SEED = 2**64 - 1
"""The largest seed: one rule for every seed the tool accepts (options, saved states, batch
manifests), so whatever it plays it can save and read back."""
MAX_TURN = 100_000
"""The last turn a game may have (`run --turns`), so a saved state of it can be read back."""
MAX_DELAY = 1000  # the scenario schema's limit on an effect's delay

Finite = Annotated[float, Field(allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]
Turn = Annotated[int, Field(ge=0, le=MAX_TURN)]
Landing = Annotated[int, Field(ge=0, le=MAX_TURN + MAX_DELAY)]
"""The turn a delayed effect lands on: one queued on the last turn lands after it."""


class Saved(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SavedState(Saved):
    """`DeterrenceState.to_json()`."""

    turn: Turn
    vars: dict[str, Finite]
    attrs: dict[str, dict[str, Finite]]
    relations: list[tuple[str, str, dict[str, Finite]]]
    beliefs: dict[
        str, dict[str, tuple[Annotated[Finite, Field(gt=0)], Annotated[Finite, Field(gt=0)]]]
    ]
    counts: dict[str, Count]
    turn_counts: dict[str, Count]
    last_counts: dict[str, Count]
    last_taken: dict[str, Turn]
    pending: list[tuple[Landing, list[str], Literal["add", "mul", "set"], Finite, str]]
    outcomes: dict[str, Turn]
    provoked: list[str]
    signals: dict[str, dict[str, Finite]]


class TurnProgress(Saved):
    """What a turn saved at the start of a phase has done so far."""

    phase_index: Turn
    moves: list[
        tuple[str, Annotated[int, Field(ge=1)], bool]
        | tuple[str, Annotated[int, Field(ge=1)], bool, str]
    ]
    """[action, index, passed] and, for a proposal negotiated down, the draft voted on."""
    before: StateView | None
    injects: list[InjectRecord]
    phases: list[PhaseRecord]
    effects: list[EffectRecord] | None
    controllers: dict[str, str]


class Snapshot(Saved):
    """`WargameModel.snapshot()`: the whole game, random streams included."""

    format: Literal["wargame-state/2"]
    scenario: str
    scenario_hash: str
    variant: str | None
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    last_turn: Turn
    running: bool
    stage: Literal["between_turns", "deciding", "ending"]
    turn_progress: TurnProgress | None
    controllers: dict[str, str]
    rerolls: dict[str, Count]
    overrides: dict[str, tuple[str, str]]
    rerolled: dict[str, str]
    inject_counts: dict[str, Count]
    escalation: Finite
    inputs: dict[str, Finite] | None
    state: SavedState
    interventions: list[Intervention]
    records: list[TurnRecord]


def check_snapshot(
    scenario: Scenario, data: Any, file: str, *, any_variant: bool = False
) -> list[Problem]:
    """Problems that stop a saved state from being used with this scenario (empty if none).

    `any_variant=True` accepts a state saved under another variant (or --set) of the same
    scenario: "what happens from here under policy X?".
    """
    located = Located(data, {}, file)
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
        return [
            located.problem(
                (),
                f"not a saved game state (expected format '{SNAPSHOT_FORMAT}')",
                "pass a file written by `wargame run --save-state`",
            )
        ]
    if data.get("scenario") != scenario.id or (
        not any_variant and data.get("scenario_hash") != scenario.content_hash
    ):
        return [
            located.problem(
                (),
                f"saved from scenario '{data.get('scenario')}' variant '{data.get('variant')}' "
                "with different content than the file given now",
                "run it with the scenario file, variant and --set options it was saved with",
            )
        ]
    try:
        Snapshot.model_validate(data)
    except ValidationError as error:
        return [
            dataclasses.replace(p, hint=RESAVE) if p.message.startswith("missing") else p
            for p in schema_problems(located, data, error, root=Snapshot)
        ]
    return _against_scenario(located, scenario, data)


def _against_scenario(located: Located, scenario: Scenario, data: Any) -> list[Problem]:
    """Every name the state uses exists in the scenario; every value lies within its bounds."""
    spec, bounds = scenario.spec, scenario.program.initial.bounds
    actors = list(spec.actors)
    actions = list(spec.actions)
    branches = [f"{a}.{b.name}" for a, act in spec.actions.items() for b in act.branches]
    problems: list[Problem] = []

    def known(path: tuple[str | int, ...], name: str, names: list[str], kind: str) -> bool:
        if name in names:
            return True
        hint = suggest(name, names).strip() or f"the scenario's {kind}s: {', '.join(names[:12])}"
        problems.append(located.problem(path, f"unknown {kind} '{name}'", hint))
        return False

    def within(path: tuple[str | int, ...], value: float, low: float, high: float) -> None:
        if not low <= value <= high:
            problems.append(
                located.problem(
                    path,
                    f"{value} is outside the bounds [{low}, {high}]",
                    RESAVE,
                )
            )

    state = data["state"]
    variables = [term[1] for term in bounds if term[0] == "v"]
    for name, value in state["vars"].items():
        if known(("state", "vars", name), name, variables, "variable"):
            within(("state", "vars", name), value, *bounds[("v", name)])
    unknown = [name for name in state["vars"] if name not in variables]
    for name in variables:
        if name not in state["vars"] and not difflib.get_close_matches(name, unknown, n=1):
            problems.append(located.problem(("state", "vars"), f"variable '{name}' is missing"))
    for actor, values in state["attrs"].items():
        if not known(("state", "attrs", actor), actor, actors, "actor"):
            continue
        attributes = [term[2] for term in bounds if term[0] == "a" and term[1] == actor]
        for name, value in values.items():
            if known(("state", "attrs", actor, name), name, attributes, "attribute"):
                within(("state", "attrs", actor, name), value, *bounds[("a", actor, name)])
    for i, (source, target, fields) in enumerate(state["relations"]):
        known(("state", "relations", i, 0), source, actors, "actor")
        known(("state", "relations", i, 1), target, actors, "actor")
        for name, value in fields.items():
            if known(("state", "relations", i, 2, name), name, list(RELATION_FIELDS), "field"):
                within(("state", "relations", i, 2, name), value, *RELATION_BOUNDS)
    for observer, about in state["beliefs"].items():
        known(("state", "beliefs", observer), observer, actors, "actor")
        for subject in about:
            known(("state", "beliefs", observer, subject), subject, actors, "actor")
    for table in ("counts", "turn_counts", "last_counts"):
        for key in state[table]:
            known(("state", table, key), key, actions + branches, "action")
    for key in state["last_taken"]:
        known(("state", "last_taken", key), key, actions, "action")
    for key in state["outcomes"]:
        known(("state", "outcomes", key), key, list(spec.outcomes), "outcome")
    for i, actor in enumerate(state["provoked"]):
        known(("state", "provoked", i), actor, actors, "actor")
    for target, by in state["signals"].items():
        known(("state", "signals", target), target, actors, "actor")
        for actor in by:
            known(("state", "signals", target, actor), actor, actors, "actor")
    for i, (_, term, _, _, _) in enumerate(state["pending"]):
        if not _is_term(tuple(term), bounds, actors):
            problems.append(
                located.problem(("state", "pending", i, 1), f"{term} is not a term of the scenario")
            )
    doctrines = {f"script:{d}": doctrine.actor for d, doctrine in spec.doctrines.items()}
    doctrines |= {"agent": "*", "human": "*"}
    for actor, controller in data["controllers"].items():
        valid = known(("controllers", actor), actor, actors, "actor")
        if valid and doctrines.get(controller) not in ("*", actor):
            problems.append(
                located.problem(
                    ("controllers", actor),
                    f"'{controller}' is not a controller of {actor}",
                    "use agent, human or script:DOCTRINE of that actor",
                )
            )
    progress = data["turn_progress"]
    if (progress is None) != (data["stage"] == "between_turns"):
        problems.append(
            located.problem(
                ("stage",),
                f"stage '{data['stage']}' does not fit the turn in progress saved with it",
                RESAVE,
            )
        )
    if progress is not None:
        if progress["phase_index"] > len(spec.phases):
            problems.append(
                located.problem(
                    ("turn_progress", "phase_index"),
                    f"phase {progress['phase_index']} is past the last of {len(spec.phases)}",
                )
            )
        for i, (action, _, _, *draft) in enumerate(progress["moves"]):
            known(("turn_progress", "moves", i, 0), action, actions, "action")
            if draft:
                known(("turn_progress", "moves", i, 3), draft[0], actions, "action")
    for key in data["inject_counts"]:
        known(("inject_counts", key), key, list(spec.injects), "inject")
    sampled = [u.path for u in scenario.uncertainties]
    for path in data["inputs"] or {}:
        known(("inputs", path), path, sampled, "uncertain number")
    if state["turn"] > data["last_turn"]:
        problems.append(
            located.problem(
                ("state", "turn"),
                f"turn {state['turn']} is after the last turn {data['last_turn']}",
            )
        )
    return problems


def _is_term(term: tuple[str, ...], bounds: Any, actors: list[str]) -> bool:
    if term in bounds:
        return True
    return (
        len(term) == 4
        and term[0] == "r"
        and term[1] in actors
        and term[2] in actors
        and term[3] in RELATION_FIELDS
    )
