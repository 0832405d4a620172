"""Observation files (`format: wargame-observed/1`): what really happened, in a scenario's
terms, to hold the scenario's forecasts against (`wargame score`).

Each quantity is one number a batch of games also gives: a count of actions (with branches:
`nk_test.success`), whether an outcome happened by the end, or a state variable's final
value. Each may carry a naive reference forecast (a Poisson rate, a probability, a normal)
that the model's skill is measured against. Read like every input: safe YAML, a typed
schema with did-you-mean, and every name checked against the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wargame.errors import InputError, suggest
from wargame.scenario.loading import Scenario
from wargame.scenario.problems import schema_problems
from wargame.scenario.yamlsafe import Located, load_yaml

OBSERVED_FORMAT = "wargame-observed/1"
WHAT = "scoring observation"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Normal(_Strict):
    mean: float = Field(allow_inf_nan=False)
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Reference(_Strict):
    """A naive forecast to beat: exactly one of a Poisson rate (counts), a probability
    (yes/no) or a normal distribution (values)."""

    poisson: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] | None = None
    probability: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    normal: Normal | None = None
    source: str = ""

    @model_validator(mode="after")
    def _one(self) -> Reference:
        forecasts = (self.poisson, self.probability, self.normal)
        if sum(f is not None for f in forecasts) != 1:
            raise ValueError("give exactly one of poisson, probability or normal")
        return self


class Quantity(_Strict):
    """One observed quantity and how a game gives it."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=100)]
    label: Annotated[str, Field(max_length=300)] = ""
    count: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, min_length=1, max_length=1000
    )
    """Actions (or `action.branch`) whose counts add up to the quantity."""
    outcome: str | None = None
    """An outcome: did it happen by the end of the game (yes/no)."""
    final: str | None = None
    """A state variable's value at the end of the game."""
    observed: float | bool
    reference: Reference | None = None
    source: str = ""

    @model_validator(mode="after")
    def _one_measure(self) -> Quantity:
        if sum(m is not None for m in (self.count, self.outcome, self.final)) != 1:
            raise ValueError("give exactly one of count, outcome or final")
        if (self.outcome is not None) != isinstance(self.observed, bool):
            raise ValueError(
                "an outcome is observed as true or false; a count or value as a number"
            )
        reference = self.reference
        if reference is not None:
            wanted, given = {
                "count": ("poisson", reference.poisson),
                "outcome": ("probability", reference.probability),
                "final": ("normal", reference.normal),
            }[self.kind]
            if given is None:
                raise ValueError(f"the reference of a {self.kind} quantity is a {wanted} forecast")
        return self

    @property
    def kind(self) -> Literal["count", "outcome", "final"]:
        if self.count is not None:
            return "count"
        return "outcome" if self.outcome is not None else "final"


class ObservedData(_Strict):
    """The schema of an observation file."""

    format: Literal["wargame-observed/1"]
    scenario: str
    """The scenario's id (the quantities use its names)."""
    period: str = ""
    """What the observations cover, in words ('1 Sep 2017 to 31 Aug 2018')."""
    quantities: list[Quantity] = Field(min_length=1, max_length=1000)


@dataclass(frozen=True)
class Observed:
    path: str
    data: ObservedData


def read_observed(path: str | Path, scenario: Scenario) -> Observed:
    """Read and check an observation file against `scenario`; InputError naming the file,
    line and column, and the fix."""
    located = load_yaml(path, what=WHAT)
    data = located.data
    if not isinstance(data, dict) or data.get("format") != OBSERVED_FORMAT:
        raise InputError(
            [
                located.problem(
                    ("format",) if isinstance(data, dict) else (),
                    f"not an observation file (expected 'format: {OBSERVED_FORMAT}')",
                    f"start the file with 'format: {OBSERVED_FORMAT}' (see docs/scoring.md)",
                )
            ]
        )
    try:
        parsed = ObservedData.model_validate(data)
    except ValidationError as error:
        raise InputError(schema_problems(located, data, error, root=ObservedData)) from None
    problems = _names(located, parsed, scenario)
    if problems:
        raise InputError(problems)
    return Observed(str(path), parsed)


def _names(located: Located, data: ObservedData, scenario: Scenario) -> list:
    """Every name a quantity uses must be one of the scenario's."""
    program = scenario.program
    problems = []
    if data.scenario != scenario.id:
        problems.append(
            located.problem(
                ("scenario",),
                f"the observations are for scenario '{data.scenario}', not '{scenario.id}'",
                "score them against the scenario they name",
            )
        )
    counted = {
        *program.actions,
        *(f"{a}.{b.name}" for a, x in program.actions.items() for b in x.branches),
    }
    outcomes = [o[0] for o in program.outcomes]
    variables = list(program.initial.vars)
    seen: set[str] = set()
    for i, quantity in enumerate(data.quantities):
        where = ("quantities", i)
        if quantity.id in seen:
            problems.append(
                located.problem(
                    (*where, "id"),
                    f"quantity '{quantity.id}' twice",
                    "give each quantity an id of its own",
                )
            )
        seen.add(quantity.id)
        for j, name in enumerate(quantity.count or []):
            if name not in counted:
                problems.append(
                    located.problem(
                        (*where, "count", j),
                        f"the scenario has no action or branch '{name}'.{suggest(name, counted)}",
                        "name an action id, or action.branch",
                    )
                )
        if quantity.outcome is not None and quantity.outcome not in outcomes:
            problems.append(
                located.problem(
                    (*where, "outcome"),
                    f"the scenario has no outcome '{quantity.outcome}'."
                    f"{suggest(quantity.outcome, outcomes)}",
                    f"outcomes: {', '.join(outcomes)}",
                )
            )
        if quantity.final is not None and quantity.final not in variables:
            problems.append(
                located.problem(
                    (*where, "final"),
                    f"the scenario has no state variable '{quantity.final}'."
                    f"{suggest(quantity.final, variables)}",
                    f"variables: {', '.join(variables)}",
                )
            )
    return problems
