"""Confidence intervals for comparing policy variants run on common random numbers.

Run i of every variant shares its seed and sampled uncertain values, so variant results are
PAIRED by run index; the paired intervals below use that pairing, and the unpaired ones are
kept only to show how much the pairing saves.

Conventions (all functions):
- z for a two-sided ``confidence`` level is ``NormalDist().inv_cdf(0.5 + confidence / 2)``.
- No runs (n = 0) raises ``ValueError("no runs")``; NaN (or infinite) inputs raise ValueError.
- Rates and their differences are clipped to [0, 1] and [-1, 1] against rounding only; the
  formulas themselves already stay inside those ranges.

References:
- Wilson EB (1927) JASA 22:209-212; Newcombe RG (1998a) "Two-sided confidence intervals for
  the single proportion", Stat Med 17:857-872 (method 3).
- Newcombe RG (1998b) "Interval estimation for the difference between independent
  proportions", Stat Med 17:873-890 (method 10, the hybrid score / square-and-add interval).
- Newcombe RG (1998c) "Improved confidence intervals for the difference between binomial
  proportions based on paired data", Stat Med 17:2635-2650 (method 10).
- Efron B, Tibshirani RJ (1993) An Introduction to the Bootstrap, ch. 13 (percentile interval).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Interval",
    "bootstrap_paired_mean_difference",
    "newcombe_independent",
    "newcombe_paired",
    "normal_mean",
    "normal_unpaired_mean_difference",
    "paired_difference_of_rates",
    "wilson",
]

# Bootstrap index draws are made in blocks of about this many elements to bound memory.
_BOOTSTRAP_BLOCK = 1 << 21
_FEW_VALUES = 8
"""A bootstrap draws how often each distinct value is drawn when there are at most n/8."""


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval; low <= estimate <= high."""

    estimate: float
    low: float
    high: float

    @property
    def width(self) -> float:
        """high - low: compare paired and unpaired widths to see what pairing saves."""
        return self.high - self.low


# --------------------------------------------------------------------------- validation


def _z(confidence: float) -> float:
    """Standard normal quantile for a two-sided interval at this confidence level."""
    c = float(confidence)
    if not (0.0 < c < 1.0):  # also rejects NaN
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + c / 2.0)


def _count(value: object, name: str) -> int:
    """A non-negative whole number (int, numpy integer or integral float), else ValueError."""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            raise ValueError(f"{name} is NaN")
        if not float(value).is_integer():
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        result = int(value)
    else:
        try:
            result = operator.index(value)  # type: ignore[arg-type]
        except TypeError as exc:
            raise ValueError(f"{name} must be a whole number, got {value!r}") from exc
    if result < 0:
        raise ValueError(f"{name} must be >= 0, got {result}")
    return result


def _finite_vector(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """A 1-D float array of finite values, else ValueError."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("no runs")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _binary_vector(values: Sequence[bool] | ArrayLike, name: str) -> NDArray[np.bool_]:
    """A 1-D boolean array from bools or 0/1 numbers, else ValueError."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold booleans or 0/1, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must hold only booleans or 0/1")
    return arr == 1


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _square_and_add(x: float, y: float, phi: float) -> float:
    """sqrt(x^2 + y^2 - 2 phi x y), symmetric in x and y bit for bit, never NaN."""
    return math.sqrt(max(0.0, x * x + y * y - 2.0 * phi * (x * y)))


# --------------------------------------------------------------------------- proportions


def _wilson_limits(successes: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score limits (l, u) for successes/n; exact 0 at x = 0 and exact 1 at x = n."""
    z2 = z * z
    centre = (successes + z2 / 2.0) / (n + z2)
    half = z * math.sqrt(successes * (n - successes) / n + z2 / 4.0) / (n + z2)
    p = successes / n
    low = 0.0 if successes == 0 else _clip(centre - half, 0.0, p)
    high = 1.0 if successes == n else _clip(centre + half, p, 1.0)
    return low, high


def wilson(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Rate successes/n with the Wilson score interval (Wilson 1927; Newcombe 1998a method 3).

    (x + z^2/2)/(n + z^2) -/+ z sqrt(x(n - x)/n + z^2/4)/(n + z^2); good coverage near 0 and 1.
    """
    x = _count(successes, "successes")
    m = _count(n, "n")
    if m == 0:
        raise ValueError("no runs")
    if x > m:
        raise ValueError(f"successes ({x}) exceeds n ({m})")
    low, high = _wilson_limits(x, m, _z(confidence))
    return Interval(x / m, low, high)


def newcombe_paired(
    both: int,
    first_only: int,
    second_only: int,
    neither: int,
    confidence: float = 0.95,
) -> Interval:
    """p1 - p2 for paired yes/no results, Newcombe (1998c) method 10.

    p1 = (both + first_only)/n, p2 = (both + second_only)/n. Square-and-add of the Wilson
    intervals (l1, u1), (l2, u2) of the two margins, with a correlation term phi:
        low  = (p1 - p2) - sqrt((p1 - l1)^2 - 2 phi (p1 - l1)(u2 - p2) + (u2 - p2)^2)
        high = (p1 - p2) + sqrt((u1 - p1)^2 - 2 phi (u1 - p1)(p2 - l2) + (p2 - l2)^2)
    With A, B, C, D = both, first_only, second_only, neither and M = (A+B)(C+D)(A+C)(B+D):
    phi = 0 if M = 0 (a margin is empty); phi = max(AD - BC - n/2, 0)/sqrt(M) if AD > BC;
    phi = (AD - BC)/sqrt(M) otherwise. This is the phi that reproduces the paper's Table II.
    """
    a = _count(both, "both")
    b = _count(first_only, "first_only")
    c = _count(second_only, "second_only")
    d = _count(neither, "neither")
    n = a + b + c + d
    if n == 0:
        raise ValueError("no runs")
    z = _z(confidence)
    p1 = (a + b) / n
    p2 = (a + c) / n
    l1, u1 = _wilson_limits(a + b, n, z)
    l2, u2 = _wilson_limits(a + c, n, z)

    margins = (a + b) * (c + d) * (a + c) * (b + d)  # exact integer arithmetic
    if margins == 0:
        phi = 0.0
    else:
        cross = a * d - b * c
        numerator = max(cross - n / 2.0, 0.0) if cross > 0 else float(cross)
        phi = numerator / math.sqrt(margins)

    estimate = (b - c) / n  # = p1 - p2, exactly antisymmetric under swapping b and c
    low = estimate - _square_and_add(p1 - l1, u2 - p2, phi)
    high = estimate + _square_and_add(u1 - p1, p2 - l2, phi)
    return Interval(estimate, _clip(low, -1.0, estimate), _clip(high, estimate, 1.0))


def paired_difference_of_rates(
    first: Sequence[bool] | ArrayLike,
    second: Sequence[bool] | ArrayLike,
    confidence: float = 0.95,
) -> Interval:
    """Rate of first minus rate of second over paired runs (run i with run i), Newcombe 1998c.

    Tallies the 2x2 table of agreements and discordances and calls newcombe_paired.
    """
    f = _binary_vector(first, "first")
    s = _binary_vector(second, "second")
    if f.shape != s.shape:
        raise ValueError(f"paired outcomes differ in length: {f.size} vs {s.size}")
    if f.size == 0:
        raise ValueError("no runs")
    both = int(np.count_nonzero(f & s))
    first_only = int(np.count_nonzero(f & ~s))
    second_only = int(np.count_nonzero(~f & s))
    neither = f.size - both - first_only - second_only
    return newcombe_paired(both, first_only, second_only, neither, confidence)


def newcombe_independent(s1: int, n1: int, s2: int, n2: int, confidence: float = 0.95) -> Interval:
    """s1/n1 - s2/n2 for INDEPENDENT samples, Newcombe (1998b) method 10 (hybrid score).

    low = D - sqrt((p1 - l1)^2 + (u2 - p2)^2), high = D + sqrt((u1 - p1)^2 + (p2 - l2)^2),
    with Wilson limits per sample. Ignores any pairing, so it shows what pairing saves.
    """
    x1, m1 = _count(s1, "s1"), _count(n1, "n1")
    x2, m2 = _count(s2, "s2"), _count(n2, "n2")
    if m1 == 0 or m2 == 0:
        raise ValueError("no runs")
    if x1 > m1 or x2 > m2:
        raise ValueError("successes exceed the number of runs")
    z = _z(confidence)
    p1, p2 = x1 / m1, x2 / m2
    l1, u1 = _wilson_limits(x1, m1, z)
    l2, u2 = _wilson_limits(x2, m2, z)
    estimate = p1 - p2
    low = estimate - _square_and_add(p1 - l1, u2 - p2, 0.0)
    high = estimate + _square_and_add(u1 - p1, p2 - l2, 0.0)
    return Interval(estimate, _clip(low, -1.0, estimate), _clip(high, estimate, 1.0))


# --------------------------------------------------------------------------- means


def bootstrap_paired_mean_difference(
    first: ArrayLike,
    second: ArrayLike,
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """mean(first - second) over paired runs, with a percentile bootstrap interval.

    Resamples run indices (pairs) with replacement `resamples` times from
    numpy.random.default_rng(seed) (where the differences take at most n/8 distinct values,
    it draws how often each value is drawn instead, multinomial: the same resampling); the
    limits are the (1 -/+ confidence)/2 quantiles
    (numpy's default linear interpolation) of the resampled means (Efron & Tibshirani 1993).
    A constant difference (e.g. identical inputs) gives the degenerate interval exactly.
    """
    f = _finite_vector(first, "first")
    s = _finite_vector(second, "second")
    if f.shape != s.shape:
        raise ValueError(f"paired outcomes differ in length: {f.size} vs {s.size}")
    b = _count(resamples, "resamples")
    if b < 1:
        raise ValueError("resamples must be at least 1")
    _z(confidence)  # validates confidence
    diff = f - s
    if not np.all(np.isfinite(diff)):
        raise ValueError("difference of the inputs overflows")
    # The mean lies within the data's range; clip the ulp that summation can add.
    smallest, largest = float(diff.min()), float(diff.max())
    estimate = _clip(float(diff.mean()), smallest, largest)
    if smallest == largest:
        # Every resample is the same multiset, so the bootstrap distribution is a point.
        return Interval(estimate, estimate, estimate)

    n = diff.size
    rng = np.random.default_rng(seed)
    means = np.empty(b, dtype=np.float64)
    values, times = np.unique(diff, return_counts=True)
    if values.size * _FEW_VALUES <= n:
        # Few distinct differences (counts, turns): how often each is drawn in a resample
        # of n pairs is multinomial, so draw those k numbers rather than n indices: the
        # same bootstrap, k/n of the work (most measures of a batch have under 30 values).
        rows = max(1, _BOOTSTRAP_BLOCK // values.size)
        for start in range(0, b, rows):
            stop = min(b, start + rows)
            drawn = rng.multinomial(n, times / n, size=stop - start)
            means[start:stop] = drawn @ values / n
    else:
        rows = max(1, _BOOTSTRAP_BLOCK // n)
        for start in range(0, b, rows):
            stop = min(b, start + rows)
            idx = rng.integers(0, n, size=(stop - start, n))
            means[start:stop] = diff[idx].mean(axis=1)
    alpha = 1.0 - float(confidence)
    low, high = np.quantile(means, [alpha / 2.0, 1.0 - alpha / 2.0])
    # Likewise each resample's mean, hence the percentiles.
    return Interval(
        estimate, _clip(float(low), smallest, largest), _clip(float(high), smallest, largest)
    )


def normal_unpaired_mean_difference(
    first: ArrayLike, second: ArrayLike, confidence: float = 0.95
) -> Interval:
    """mean(first) - mean(second) with the normal interval for INDEPENDENT samples.

    D -/+ z sqrt(s1^2/n1 + s2^2/n2) (sample variances, ddof = 1). It ignores the pairing of
    common random numbers; compare its width with the paired bootstrap to see the saving.
    """
    f = _finite_vector(first, "first")
    s = _finite_vector(second, "second")
    if f.size < 2 or s.size < 2:
        raise ValueError("need at least 2 runs per variant to estimate a variance")
    z = _z(confidence)
    estimate = float(f.mean() - s.mean())
    se = math.sqrt(float(f.var(ddof=1)) / f.size + float(s.var(ddof=1)) / s.size)
    if not math.isfinite(estimate) or not math.isfinite(se):
        raise ValueError("inputs too large: mean or variance overflows")
    return Interval(estimate, estimate - z * se, estimate + z * se)


def normal_mean(values: ArrayLike, confidence: float = 0.95) -> Interval:
    """The mean with its normal interval, mean -/+ z s / sqrt(n) (ddof = 1): for a count or a
    value per run over thousands of runs, where the central limit holds."""
    v = _finite_vector(values, "values")
    if v.size < 2:
        raise ValueError("need at least 2 runs to estimate a variance")
    estimate = float(v.mean())
    se = math.sqrt(float(v.var(ddof=1)) / v.size)
    if not math.isfinite(estimate) or not math.isfinite(se):
        raise ValueError("inputs too large: mean or variance overflows")
    z = _z(confidence)
    return Interval(estimate, estimate - z * se, estimate + z * se)
