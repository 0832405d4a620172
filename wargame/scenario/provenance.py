"""Provenance: every world number needs a source or an assumption range; the numbers with a
range are the uncertain ones that batches sample.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from wargame.scenario.schema import Parameter, Quantity, ScenarioSpec
from wargame.scenario.yamlsafe import DataPath

_CONDITIONS = ("requires", "when")
"""Condition fields: their thresholds describe the world as much as any weight does."""
_LITERAL = re.compile(r"(?<![\w.])(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(?![\w.])")
_TURN_COUNTS = ("delay",)
"""Fields whose plain whole number counts turns of the game's own clock: not reported (a delay
given as a Quantity or a parameter has its provenance checked like any other number)."""
_CALENDAR = re.compile(
    r"\b(?:turn|month|year)\s*(?:==|!=|<=|>=|<|>)\s*\d+(?![\w.])"
    r"|(?<![\w.])\d+\s*(?:==|!=|<=|>=|<|>)\s*(?:turn|month|year)\b"
)
"""A whole number compared with the turn or the calendar (`month == 8`): a date, not a claim
about the world."""


@dataclass(frozen=True)
class Uncertainty:
    """A number given as an assumption with a plausible range: what batches sample."""

    path: str
    value: float
    low: float
    high: float


def _mentions_quantity(annotation: Any) -> bool:
    if annotation is Quantity:
        return True
    return any(_mentions_quantity(a) for a in typing.get_args(annotation))


_FIELDS: dict[Any, tuple[tuple[str, str, bool], ...]] = {}


def _fields(model: Any) -> tuple[tuple[str, str, bool], ...]:
    """(attribute, key in the file, is-world-number-field) of each field of a model (kept
    per model class; a plain dict, which the mypyc build's type check takes)."""
    found = _FIELDS.get(model)
    if found is None:
        found = _FIELDS[model] = tuple(
            (name, info.alias or name, _mentions_quantity(info.annotation))
            for name, info in model.model_fields.items()
        )
    return found


def _walk(node: Any, path: DataPath, world: bool) -> Iterator[tuple[DataPath, Any, bool]]:
    """Yield (path, value, is-world-number-field) for every leaf of the spec."""
    if isinstance(node, (Quantity, Parameter)):
        yield path, node, True
    elif isinstance(node, BaseModel):
        written = node.model_fields_set
        for name, key, holds_world in _fields(type(node)):
            if name in written:
                yield from _walk(getattr(node, name), (*path, key), holds_world)
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, (*path, k), world)
    elif isinstance(node, list):
        for k, v in enumerate(node):
            yield from _walk(v, (*path, k), world)
    else:
        yield path, node, world


def quantities(spec: ScenarioSpec) -> Iterator[tuple[DataPath, Quantity | Parameter]]:
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
        elif (
            world
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and path[-1] not in _TURN_COUNTS
        ):
            unsourced.append(f"{dotted}: plain number {value} (give source: or assumption:)")
        elif isinstance(value, str) and (world or path[-1] in _CONDITIONS):
            for match in _LITERAL.finditer(_CALENDAR.sub(" ", value)):
                if float(match.group(0)) not in (0.0, 1.0):
                    unsourced.append(
                        f"{dotted}: number {match.group(0)} inside an expression "
                        "(name it as a parameter with a source or assumption)"
                    )
    return unsourced, uncertain
