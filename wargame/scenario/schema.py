"""The scenario file format as typed, immutable pydantic models.

This is the single definition of the format: loading validates against it, `wargame schema`
prints its JSON Schema, and docs/scenario-format.md describes it field by field.
Cross-references (actor, action and variable names, expressions) are checked afterwards
in `wargame.scenario`, which knows the whole document.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
Identifier = Annotated[str, Field(pattern=ID_PATTERN)]
Expression = Annotated[str, Field(min_length=1, max_length=2000)]

Category = Literal[
    "de_escalation",
    "status_quo",
    "posturing",
    "non_violent_escalation",
    "violent_escalation",
    "nuclear",
]


class Strict(BaseModel):
    """Base: unknown fields are errors and loaded objects cannot be changed."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _check_range(value: float, assumption: tuple[float, float] | None) -> None:
    """An assumption range must be [low, high] and contain the value."""
    if assumption is not None:
        low, high = assumption
        if low > high:
            raise ValueError(f"assumption range [{low}, {high}] is reversed; write [low, high]")
        if not low <= value <= high:
            raise ValueError(f"value {value} lies outside its assumption range [{low}, {high}]")


class Quantity(Strict):
    """A number that describes the world, with where it comes from.

    Give `source` (a key of the top-level `sources:` map, optionally with `detail`) or
    `assumption: [low, high]`, a plausible range that batches sample as an uncertainty.
    """

    value: float
    source: Identifier | None = None
    detail: str | None = None
    assumption: tuple[float, float] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _range_holds_value(self) -> Quantity:
        _check_range(self.value, self.assumption)
        return self


def _number_kind(value: Any) -> str | None:
    """Which member of Number a value is meant for, by its type; None: neither."""
    if isinstance(value, dict):
        return "Quantity"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return "number"
    return None


def _value_kind(value: Any) -> str | None:
    """Which member of Value a value is meant for, by its type; None: none."""
    return "expression" if isinstance(value, str) else _number_kind(value)


# The members are told apart by the value's type (a mapping is a Quantity, text an expression),
# so a wrong value gets one error, not one per member: a document with a wrong value on each
# of its nodes gets as many errors as nodes, which pydantic holds in memory.
Number = Annotated[
    Annotated[float, Tag("number")] | Annotated[Quantity, Tag("Quantity")],
    Discriminator(
        _number_kind,
        custom_error_type="value_kind",
        custom_error_message="expected a mapping or a number",
    ),
]
"""A plain number (reported by `wargame validate` as lacking provenance) or a Quantity."""

Value = Annotated[
    Annotated[float, Tag("number")]
    | Annotated[Quantity, Tag("Quantity")]
    | Annotated[Expression, Tag("expression")],
    Discriminator(
        _value_kind,
        custom_error_type="value_kind",
        custom_error_message="expected a mapping or a number or text",
    ),
]
"""A number, a Quantity, or an expression over the state (see docs/scenario-format.md)."""

MAX_DELAY = 1000
"""The most turns an effect may wait before it lands."""

Delay = Annotated[
    Annotated[int, Field(ge=0, le=MAX_DELAY), Tag("number")]
    | Annotated[Quantity, Tag("Quantity")]
    | Annotated[Expression, Tag("expression")],
    Discriminator(
        _value_kind,
        custom_error_type="value_kind",
        custom_error_message="expected a whole number, a mapping or text",
    ),
]
"""Turns until an effect lands: a whole number 0-1000, a Quantity, or a parameter's name (an
expression over parameters only); computed when the effect is caused, rounded to whole turns
(half away from zero) and clipped to [0, 1000]."""


class Meta(Strict):
    """What the scenario is, when it starts, and how long a turn is."""

    id: Identifier
    title: str
    description: str = ""
    start_date: dt.date
    turn_length: str = Field(
        default="1 month", pattern=r"^\d+ (day|week|month)s?$", description="e.g. '1 month'"
    )
    turns: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _calendar_holds_every_turn(self) -> Meta:
        try:
            self.turn_date(self.turns)
        except (ValueError, OverflowError):
            raise ValueError(
                f"turn {self.turns} would begin after the year 9999; start earlier"
            ) from None
        return self

    def turn_date(self, turn: int) -> dt.date:
        """Calendar date at which turn `turn` (1-based) begins."""
        count_text, unit = self.turn_length.split()
        step = int(count_text) * (turn - 1)
        if unit.startswith("day"):
            return self.start_date + dt.timedelta(days=step)
        if unit.startswith("week"):
            return self.start_date + dt.timedelta(weeks=step)
        month0 = self.start_date.month - 1 + step
        year, month = self.start_date.year + month0 // 12, month0 % 12 + 1
        return dt.date(year, month, min(self.start_date.day, calendar.monthrange(year, month)[1]))


class Parameter(Strict):
    """A named number that expressions may use by name (e.g. `deterrence_strength`)."""

    value: float
    source: Identifier | None = None
    detail: str | None = None
    assumption: tuple[float, float] | None = None
    description: str = ""

    @model_validator(mode="after")
    def _range_holds_value(self) -> Parameter:
        _check_range(self.value, self.assumption)
        return self


class Bounded(Strict):
    """Hard bounds of a state term, enforced after every update."""

    min: float = 0.0
    max: float = 1.0
    description: str = ""

    @model_validator(mode="after")
    def _bounds(self) -> Bounded:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Variable(Bounded):
    """A global state variable with its starting value."""

    initial: Number
    bookkeeping: bool = Field(
        default=False,
        description="a number the scenario's mechanisms need but the room does not, e.g. a "
        "start value recorded on turn 1: left out of the board, the report's charts and tables "
        "and the narrative's state lists; still in turn records, saved states, batch tables "
        "and `wargame run --json`",
    )


class Attribute(Bounded):
    """A per-actor attribute (capability, reassurance, drive, ...) with a default."""

    default: Number = 0.0


class Rung(Strict):
    """One named rung of the escalation ladder, reached when the ladder variable >= `at`."""

    name: str
    at: float


class Ladder(Strict):
    """An escalation ladder read off one state variable (Kahn's rungs, condensed)."""

    variable: Identifier
    rungs: list[Rung] = Field(min_length=1)

    @field_validator("rungs")
    @classmethod
    def _ascending(cls, rungs: list[Rung]) -> list[Rung]:
        if any(a.at >= b.at for a, b in itertools.pairwise(rungs)):
            raise ValueError("rungs must be listed with strictly increasing 'at'")
        return rungs


class BetaPrior(Strict):
    """A Beta(alpha, beta) belief about another actor's resolve; its mean is alpha/(alpha+beta)."""

    alpha: float = Field(gt=0)
    beta: float = Field(gt=0)


class Beliefs(Strict):
    """How actors learn each other's resolve from what they observe."""

    prior: BetaPrior = BetaPrior(alpha=2, beta=2)
    learning_rate: Value = Field(
        default=1.0, description="pseudo-observations added per observed chance to respond"
    )
    max_strength: float = Field(
        default=50.0, gt=0, description="alpha+beta is capped here so beliefs stay movable"
    )


class StateSpec(Strict):
    """Global variables, per-actor attributes, the ladder and the belief rules."""

    variables: dict[Identifier, Variable] = Field(min_length=1)
    attributes: dict[Identifier, Attribute] = {}
    ladder: Ladder | None = None
    beliefs: Beliefs = Beliefs()


class Budget(Strict):
    """How much an actor may do in one turn: at most `count` options, `points` of budget cost."""

    count: int = Field(default=1, ge=0, le=20)
    points: float | None = Field(default=None, ge=0)


Controller = Annotated[str, Field(pattern=r"^(agent|human|script:[A-Za-z_][A-Za-z0-9_]*)$")]


class ScheduledMove(Strict):
    """Moves the scenario makes for an actor on given turns (an opening move, the actual
    policy of the day in a hindcast): taken as the actor's own before its controller decides."""

    turns: list[int] = Field(
        min_length=1, description="turns (1..scenario.turns) on which these moves are made"
    )
    choose: list[Identifier] = Field(
        default=[], description="the actor's own action ids (not ballots), taken in this order"
    )
    when: Expression | None = Field(
        default=None, description="made only while this holds (self = the actor)"
    )
    reason: str = Field(default="", description="why, shown in the turn record")


class Actor(Strict):
    """A state actor: attributes, objectives, rationality, budget and who controls it."""

    name: str
    description: str = ""
    attributes: dict[Identifier, Number] = {}
    objectives: dict[str, Value] = Field(
        default={},
        description="utility weight per state term: 'tension', 'self.capability', 'US.economy'",
    )
    rationality: Number = Field(description="logit precision: 0 = random, large = best reply")
    budget: Budget = Budget()
    controller: Controller = "agent"
    schedule: list[ScheduledMove] = Field(
        default=[], description="moves forced on given turns, before the controller decides"
    )


class Relation(Strict):
    """A directed tie `from` -> `to`: alliance, trust, trade dependence, and the belief prior."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )

    source: Identifier = Field(alias="from")
    target: Identifier = Field(alias="to")
    alliance: Number = 0.0
    trust: Number = 0.5
    trade: Number = 0.0
    resolve_belief: BetaPrior | None = Field(
        default=None, description="what `from` believes about `to`'s resolve at the start"
    )


class Effect(Strict):
    """Change one state term: `target` is 'var', 'ACTOR.attr', 'self.attr' or 'A->B.field'."""

    target: str
    add: Value | None = None
    mul: Value | None = None
    set: Value | None = None
    delay: Delay = Field(
        default=0,
        description="turns until it lands: a whole number 0-1000, a Quantity or a parameter's "
        "name; rounded to whole turns (half away from zero) and clipped to [0, 1000]",
    )

    @model_validator(mode="after")
    def _one_operation(self) -> Effect:
        given = [op for op in ("add", "mul", "set") if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of add, mul, set (got {given or 'none'})")
        return self

    @property
    def operation(self) -> tuple[str, Value]:
        """The (op, value) pair this effect applies."""
        for op in ("add", "mul", "set"):
            value = getattr(self, op)
            if value is not None:
                return op, value
        raise AssertionError("validated to have one operation")


class Branch(Strict):
    """One uncertain result of an action; the last branch may omit `probability` (the rest)."""

    name: Identifier
    probability: Value | None = None
    effects: list[Effect] = []
    description: str = ""


class Consent(Strict):
    """The action takes effect only if no voter casts a ballot marked `veto`."""

    voters: list[Identifier] = Field(min_length=1)
    on_veto: list[Effect] = []
    fallback: Identifier | None = Field(
        default=None,
        description="a weaker draft of the same actor, with the same voters, tabled instead "
        "(in the same move) when a voter's ballot on this one is a veto",
    )


class Ballot(Strict):
    """Marks an action as a vote on another actor's proposal (chosen only when it is put)."""

    on: Identifier
    vote: Literal["support", "abstain", "veto"]


Observation = Literal["public", "target", "covert"] | list[Identifier]


class Action(Strict):
    """One option on an actor's menu."""

    actor: Identifier
    label: str
    description: str = ""
    category: Category
    escalation: Number | None = Field(default=None, description="overrides the category weight")
    cost: Value = 0.0
    motive: Value = Field(default=0.0, description="situational appeal, added to utility")
    effects: list[Effect] = []
    branches: list[Branch] = []
    targets: list[Identifier] = []
    observed_by: Observation = "public"
    signals: Number = Field(default=0.0, description="resolve signalled to the targets, 0..1")
    provocation: bool = False
    deterred_by: dict[Identifier, Value] = Field(
        default={},
        description="utility lost if that actor answers with resolve; weighted by belief",
    )
    requires: Expression | None = None
    cooldown: int = Field(default=0, ge=0)
    max_per_turn: int = Field(default=1, ge=1)
    max_per_game: int | None = Field(default=None, ge=0)
    budget_cost: float = Field(default=1.0, ge=0)
    consent: Consent | None = None
    ballot: Ballot | None = None
    excludes: list[Identifier] = Field(
        default=[],
        description="options of the same actor not to be taken in the same turn as this one "
        "(listing it on one side is enough)",
    )
    foresees: list[Identifier] = Field(
        default=[],
        description="rule ids whose effects on its objectives an agent weighing this option "
        "counts too, as if the option set the rule off (the rule is not applied by this)",
    )

    @field_validator("branches")
    @classmethod
    def _branches(cls, branches: list[Branch]) -> list[Branch]:
        names = [b.name for b in branches]
        if len(set(names)) != len(names):
            raise ValueError(f"branch names must be unique, got {names}")
        if any(b.probability is None for b in branches[:-1]):
            raise ValueError("only the last branch may omit 'probability'")
        fixed = [
            b.probability.value if isinstance(b.probability, Quantity) else b.probability
            for b in branches
            if isinstance(b.probability, (int, float, Quantity))
        ]
        ranges = [
            b.probability.assumption
            for b in branches
            if isinstance(b.probability, Quantity) and b.probability.assumption is not None
        ]
        if any(not 0 <= p <= 1 for p in fixed) or any(not 0 <= lo <= hi <= 1 for lo, hi in ranges):
            raise ValueError(
                "branch probabilities must lie in [0, 1], and so must their assumption ranges"
            )
        if sum(fixed) > 1 + 1e-9:
            raise ValueError(f"branch probabilities add up to {sum(fixed):.3f}, more than 1")
        return branches


class Phase(Strict):
    """Who moves in this phase; moves within a phase are simultaneous."""

    name: Identifier
    actors: list[Identifier] = Field(min_length=1)


class Inject(Strict):
    """An event: scheduled (`turns`) or random (`probability`, may depend on state)."""

    description: str = ""
    turns: list[int] = []
    probability: Value | None = None
    when: Expression | None = None
    max_times: int | None = Field(default=None, ge=1)
    effects: list[Effect] = []

    @model_validator(mode="after")
    def _schedule(self) -> Inject:
        if not self.turns and self.probability is None:
            raise ValueError("give 'turns' (scheduled) or 'probability' (random), or both")
        return self


class Rule(Strict):
    """A standing mechanism checked every turn after the moves (deterrence, spiral, ...)."""

    description: str = ""
    when: Expression
    effects: list[Effect] = Field(min_length=1)


class Outcome(Strict):
    """A named condition checked at the end of every turn; terminal ones end the game."""

    description: str = ""
    when: Expression
    terminal: bool = False


class PlanStep(Strict):
    """A doctrine line: if `when` holds (or is absent), take `choose` (illegal ones skipped)."""

    when: Expression | None = None
    choose: list[Identifier] = []


class Doctrine(Strict):
    """A scripted policy for one actor: the first plan step whose condition holds decides."""

    actor: Identifier
    description: str = ""
    plan: list[PlanStep] = Field(min_length=1)
    ballots: dict[Identifier, Identifier] = Field(
        default={}, description="proposal action -> the ballot action this doctrine casts"
    )


class MenuChange(Strict):
    """Change an actor's menu in a variant: keep `only` these, or `remove` some."""

    only: list[Identifier] | None = None
    remove: list[Identifier] = []


class Variant(Strict):
    """A named policy bundle: overrides applied to the scenario before it is loaded."""

    description: str = ""
    set: dict[str, Any] = Field(default={}, description="PATH: VALUE, as `wargame run --set`")
    controllers: dict[Identifier, Controller] = {}
    menus: dict[Identifier, MenuChange] = {}
    schedule: dict[Identifier, list[ScheduledMove]] = Field(
        default={}, description="ACTOR: scheduled moves replacing that actor's schedule"
    )
    hindsight: bool = Field(
        default=False,
        description="it knows what was not known at the start date (a hindcast): never a "
        "forecast; batch, sensitivity and score refuse it without --allow-hindsight",
    )
    known_later: str = Field(
        default="", description="with hindsight: what it knows that was not known at the start"
    )


class ScenarioSpec(Strict):
    """A whole scenario file."""

    scenario: Meta
    sources: dict[Identifier, str] = {}
    parameters: dict[Identifier, Parameter] = {}
    categories: dict[Category, Number] = Field(
        default={}, description="escalation weight per category (e.g. Rivera et al. 2024)"
    )
    state: StateSpec
    actors: dict[Identifier, Actor] = Field(
        min_length=1, max_length=100, description="at most 100: beliefs grow with the square"
    )
    relations: list[Relation] = []
    actions: dict[Identifier, Action] = Field(min_length=1)
    phases: list[Phase] = Field(min_length=1)
    injects: dict[Identifier, Inject] = {}
    rules: dict[Identifier, Rule] = {}
    outcomes: dict[Identifier, Outcome] = {}
    doctrines: dict[Identifier, Doctrine] = {}
    variants: dict[Identifier, Variant] = {}
    report: list[str] = Field(
        default=[],
        max_length=200,
        description="key measures the batch summary shows beside the outcomes: outcome ids, "
        "'count.ACTION', 'final.VARIABLE', 'turns', 'escalation'",
    )


NO_VARIANT = "base"
"""The name batches, scores and reports give the scenario as written, with no variant applied
(`--variants base`): no variant of a scenario may take it."""
REPORT_MEASURES = ("turns", "escalation")
"""The measures of a batch summary that are not an outcome, an action count or a variable."""

RELATION_FIELDS = ("alliance", "trust", "trade")
TARGET_RE = re.compile(
    r"^(?:(?P<src>[A-Za-z_]\w*)->(?P<dst>[A-Za-z_]\w*)\.(?P<field>\w+)"
    r"|(?P<actor>[A-Za-z_]\w*)\.(?P<attr>\w+)|(?P<var>[A-Za-z_]\w*))$"
)
