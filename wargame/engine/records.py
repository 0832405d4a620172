"""The turn record: one typed definition of what a turn leaves behind, with a version.

Every front end reads these (the printed game, the seminar screen, the after-action report,
the web page, `--json`), so they are dataclasses with named fields rather than dicts read by
string keys. `to_json` gives plain JSON; `turn_records_from_json` reads it back through a
pydantic adapter, so a saved record is checked field by field like any other input.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ConfigDict, TypeAdapter

RECORD_VERSION = 2
"""Bump when a field changes meaning; readers refuse versions they do not know."""

_STRICT = ConfigDict(extra="forbid")

InterventionKind = Literal[
    "force", "reroll", "replace_moves", "hand_over", "fire_inject", "ad_hoc_inject"
]


@dataclass(slots=True)
class EffectRecord:
    """One change of a state term: its cause, the operation, and the value before and after."""

    __pydantic_config__ = _STRICT

    cause: str
    term: list[str]
    op: str
    value: float
    before: float | None = None
    after: float | None = None
    lands_on_turn: int | None = None
    """Set for a delayed effect, queued now to land on that turn."""


@dataclass(slots=True)
class OptionRecord:
    """One option an actor weighed: its utility split into terms, and its logit probability."""

    __pydantic_config__ = _STRICT

    action: str
    utility: float
    probability: float
    terms: dict[str, float]


@dataclass(slots=True)
class DecisionRecord:
    """What one actor chose in a phase, by which controller, and why."""

    __pydantic_config__ = _STRICT

    actor: str
    controller: str
    """'agent', 'human' or 'script:DOCTRINE'."""
    chosen: list[str]
    top_options: list[OptionRecord]
    narrative: str
    note: str = ""
    replaced: list[str] | None = None
    """What the actor's controller had chosen before a facilitator replaced it."""
    replaced_reason: str | None = None
    scheduled: list[str] = field(default_factory=list)
    """The first moves of `chosen`, made by the scenario's schedule (not by the controller)."""
    schedule_skipped: list[str] = field(default_factory=list)
    """'action: why' for each scheduled move that was not made (unavailable, or replaced)."""
    schedule_reason: str = ""
    """The schedule's reason for this turn's scheduled moves ('' if none was given)."""


@dataclass(slots=True)
class WithdrawnDraft:
    """A draft put to the vote and withdrawn after a veto threat, for a weaker one: its
    ballots were threats, recorded but without effects."""

    __pydantic_config__ = _STRICT

    action: str
    votes: dict[str, str]
    forced_votes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class AdjudicationRecord:
    """One move as adjudicated: the votes on it, its die with odds, its effects."""

    __pydantic_config__ = _STRICT

    key: str
    actor: str
    action: str
    votes: dict[str, str]
    passed: bool
    odds: dict[str, float]
    roll: float | None
    result: str | None
    forced: str | None
    """The facilitator's reason, where the result (or a vote) was forced."""
    rerolled: str | None
    effects: list[EffectRecord]
    forced_votes: dict[str, str] = field(default_factory=dict)
    """Voter -> the facilitator's reason, for ballots the facilitator forced."""
    rolled_result: str | None = None
    """What the die had given before the facilitator forced another result."""
    draft: str | None = None
    """The weaker draft finally voted on (`votes`, `passed`, effects are its own), where the
    proposal `action` was negotiated down; None if the proposal itself was voted on."""
    withdrawn: list[WithdrawnDraft] = field(default_factory=list)
    """The drafts withdrawn after a veto threat, in order (the proposal first)."""


@dataclass(slots=True)
class InjectRecord:
    """An event: one from the scenario (scheduled or by chance) or one a facilitator added."""

    __pydantic_config__ = _STRICT

    id: str
    key: str
    description: str
    scheduled: bool
    probability: float | None
    roll: float | None
    fired: bool
    forced: str | None
    rerolled: str | None
    ad_hoc: bool = False
    phase: str | None = None
    """None for the turn's own events; else the phase a facilitator added it before ('' after
    the last phase)."""
    reason: str | None = None
    """Why a facilitator fired it or added it."""
    effects: list[EffectRecord] = field(default_factory=list)


@dataclass(slots=True)
class PhaseRecord:
    """One move phase: each actor's decision, then the adjudication of every move."""

    __pydantic_config__ = _STRICT

    phase: str
    decisions: list[DecisionRecord]
    adjudication: list[AdjudicationRecord]


@dataclass(slots=True)
class BeliefRecord:
    """How one actor's belief in another's resolve moved after seeing its answer."""

    __pydantic_config__ = _STRICT

    observer: str
    about: str
    answer_strength: float
    before: float
    after: float


@dataclass(slots=True)
class Intervention:
    """A facilitator's act: what, on which item, why, and when in the game."""

    __pydantic_config__ = _STRICT

    kind: InterventionKind
    turn: int
    phase: str | None
    target: str
    """The item key, actor or inject the act was about."""
    detail: str
    reason: str
    by: str = "facilitator"


@dataclass(slots=True)
class RelationView:
    """One relation's values (trust, alliance, trade, ...), rounded for display."""

    __pydantic_config__ = _STRICT

    source: str
    target: str
    values: dict[str, float]


@dataclass(slots=True)
class StateView:
    """Variables, attributes and relations, rounded for display."""

    __pydantic_config__ = _STRICT

    variables: dict[str, float]
    attributes: dict[str, dict[str, float]]
    relations: list[RelationView] = field(default_factory=list)
    """Every relation (records written before relations were kept have none)."""


@dataclass(slots=True)
class TurnRecord:
    """Everything one turn did, in the order it happened."""

    __pydantic_config__ = _STRICT

    turn: int
    date: str
    injects: list[InjectRecord]
    phases: list[PhaseRecord]
    beliefs: list[BeliefRecord]
    rules_fired: list[str]
    effects: list[EffectRecord]
    escalation_score: float
    rung: str | None
    state_before: StateView
    state_after: StateView
    outcomes_triggered: list[str]
    interventions: list[Intervention] = field(default_factory=list)
    controllers: dict[str, str] = field(default_factory=dict)
    """Who played each actor this turn: 'agent', 'human' or 'script:DOCTRINE'."""
    version: int = RECORD_VERSION

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types only (an independent copy)."""
        return dataclasses.asdict(self)


_RECORDS = TypeAdapter(list[TurnRecord])


RUN_FORMAT = "wargame-run/1"
"""`wargame run --json`: the scenario it played (path from the file's folder, variant, --set
options, content hash), the summary and every turn record."""


def turn_records_from_json(data: Any) -> list[TurnRecord]:
    """Typed records from `to_json` output; raises pydantic's ValidationError if malformed."""
    return _RECORDS.validate_python(data)


def turn_records_to_json(records: list[TurnRecord]) -> list[dict[str, Any]]:
    """`to_json` of each record."""
    return [record.to_json() for record in records]
