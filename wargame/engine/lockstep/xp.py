"""The array operations the lockstep engine is written against: numpy, and a few helpers.

The engine reaches numpy only through `xp` and the helpers here, so another library with
numpy's array API (CuPy, JAX's numpy) could stand in for it. `exact` is the exception: it
maps one of Python's scalar functions over an array on the host, for the functions (exp,
log, pow) whose array versions round differently from Python's math library in the last
bit, which would make the two engines part ways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as xp
import numpy.typing as npt

Array: TypeAlias = npt.NDArray[xp.float64]
Mask: TypeAlias = npt.NDArray[xp.bool_]
Value: TypeAlias = Any
"""A number of every game: one float shared by all, or an array with one per game (Any: the
arithmetic between the two is what numpy's stubs cannot follow)."""

BIG = 1e300


def select(condition: bool | Mask, yes: Value, no: Value) -> Value:
    """`yes` where the condition holds, else `no` (a float when all three are scalars)."""
    if isinstance(condition, bool | xp.bool_):
        return yes if condition else no
    return xp.where(condition, yes, no)


def finite(value: Value) -> Value:
    """Clip to +-1e300 and map NaN to 0.0, as `scenario.expr.finite` does to one number."""
    if isinstance(value, float | int | xp.floating):
        v = float(value)
        return 0.0 if v != v else max(-BIG, min(BIG, v))
    return xp.where(value == value, xp.minimum(xp.maximum(value, -BIG), BIG), 0.0)


def first_max(current: Value, other: Value) -> Value:
    """Python's max(current, other): `other` only where it is greater (NaN never is)."""
    return select(other > current, other, current)


def first_min(current: Value, other: Value) -> Value:
    """Python's min(current, other): `other` only where it is smaller."""
    return select(other < current, other, current)


def exact(fn: Callable[..., float], *values: Value) -> Value:
    """fn applied game by game with Python floats: the very numbers the reference gets."""
    if not any(isinstance(v, xp.ndarray) for v in values):
        return fn(*(float(v) for v in values))
    size = next(len(v) for v in values if isinstance(v, xp.ndarray))
    lists = [v.tolist() if isinstance(v, xp.ndarray) else [float(v)] * size for v in values]
    return xp.fromiter(map(fn, *lists), dtype=xp.float64, count=size)


def as_array(value: Value, size: int) -> Array:
    """One number per game: a shared float spread over `size` games (a new array)."""
    if isinstance(value, xp.ndarray):
        return value.astype(xp.float64, copy=True)
    return xp.full(size, float(value))
