"""Sensitivity (SALib): Sobol indices on a Saltelli design, whether they have converged, and
Morris screening (elementary effects on a trajectory design); their plots.

Pure statistics: numbers in, numbers out. Which games are played at the design's points,
and how their outcomes are read back, is the batch's business (`wargame.batch.sensitivity`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wargame.files.atomic import write_error


@dataclass(frozen=True)
class Index:
    """The Sobol indices of one uncertain number, with 95% confidence half-widths."""

    name: str
    first: float
    first_conf: float
    total: float
    total_conf: float


@dataclass(frozen=True)
class ConvergenceWarning:
    """One Sobol index that cannot be trusted at its design size.

    `reason` is "outside" (the index lies outside [0, 1] beyond its interval), "wide" (its
    95% interval is wider than the threshold) or "undefined" (not a number: the outcome did
    not vary). `width` is the interval's full width (twice the ± half-width), and
    `needed_samples` the base sample size (a power of 2) at which, as the width falls as
    1/sqrt(N), the interval would be under the threshold (the current size if it already is).
    """

    name: str
    measure: str  # "first order" or "total"
    value: float
    conf: float
    width: float
    reason: str
    needed_samples: int


@dataclass(frozen=True)
class Effect:
    """Morris elementary effects of one uncertain number: mu* (the mean absolute effect) with
    its 95% bootstrap half-width, mu (signed) and sigma (spread: interaction or curvature)."""

    name: str
    mu_star: float
    mu_star_conf: float
    mu: float
    sigma: float


MAX_CI_WIDTH = 0.1
"""The widest 95% interval (full width) of a Sobol index that is not warned about."""

MORRIS_LEVELS = 4
"""Levels of the Morris grid (SALib's default; a jump is 2/3 of a range)."""


def problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """SALib's problem for these numbers (a range of zero width gets a tiny one)."""
    return {
        "num_vars": len(names),
        "names": list(names),
        "bounds": [[low, high if high > low else low + 1e-12] for low, high in bounds],
    }


def saltelli_points(problem: dict[str, Any], base_samples: int, seed: int) -> np.ndarray:
    """The Saltelli design for first-order and total indices: one row per point."""
    from SALib.sample import sobol as sample

    points: np.ndarray = sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    return points


def replicate_means(values: np.ndarray, replicates: int) -> np.ndarray:
    """Each point's mean over its `replicates` consecutive values (NaN: a failed game)."""
    grouped = values.reshape(-1, replicates)
    with np.errstate(invalid="ignore"):
        means: np.ndarray = np.nanmean(grouped, axis=1)
    return means


def indices(problem: dict[str, Any], y: np.ndarray, seed: int) -> list[Index]:
    """First-order and total Sobol indices of `y` (one value per design point); not numbers
    (NaN) when `y` does not vary, as no part of a variance of zero is any number's."""
    from SALib.analyze import sobol as analyze

    if not np.ptp(y) > 0:  # SALib would divide by zero and call every index 0 ± 0
        nan = math.nan
        return [Index(name, nan, nan, nan, nan) for name in problem["names"]]
    # a Generator, not the int: SALib reads a seed of 0 as none and bootstraps from numpy's
    # global state, which made the intervals differ from run to run
    bootstrap = np.random.default_rng(seed)
    found = analyze.analyze(problem, y, calc_second_order=False, seed=bootstrap)
    return [
        Index(
            name,
            float(found["S1"][k]),
            float(found["S1_conf"][k]),
            float(found["ST"][k]),
            float(found["ST_conf"][k]),
        )
        for k, name in enumerate(problem["names"])
    ]


def samples_needed(width: float, base_samples: int, max_width: float) -> int:
    """The base sample size (a power of 2, at least `base_samples`) at which an interval now
    `width` wide would be under `max_width`, its width falling as 1/sqrt(N)."""
    if not math.isfinite(width) or width <= max_width:
        return base_samples
    wanted = base_samples * (width / max_width) ** 2
    return max(base_samples, 2 ** math.ceil(math.log2(wanted)))


def widest(indices: Sequence[Index]) -> tuple[float, str, str]:
    """The widest interval (full width) of the indices, with its number and measure."""
    found = (0.0, "", "")
    for index in indices:
        for measure, conf in (("first order", index.first_conf), ("total", index.total_conf)):
            width = 2 * conf if math.isfinite(conf) else math.inf
            if width > found[0]:
                found = (width, index.name, measure)
    return found


def convergence(
    indices: Sequence[Index], base_samples: int, max_width: float = MAX_CI_WIDTH
) -> list[ConvergenceWarning]:
    """Warnings for the indices that have not converged at `base_samples`: an index outside
    [0, 1] beyond its interval, an interval wider than `max_width`, or no number at all.
    Empty when every index can be read as it is."""
    warnings = []
    for index in indices:
        for measure, value, conf in (
            ("first order", index.first, index.first_conf),
            ("total", index.total, index.total_conf),
        ):
            width = 2 * conf if math.isfinite(conf) else math.inf
            if not (math.isfinite(value) and math.isfinite(conf)):
                reason = "undefined"
            elif value + conf < 0 or value - conf > 1:
                reason = "outside"
            elif width > max_width:
                reason = "wide"
            else:
                continue
            needed = samples_needed(width, base_samples, max_width)
            warnings.append(
                ConvergenceWarning(index.name, measure, value, conf, width, reason, needed)
            )
    return warnings


def morris_points(
    problem: dict[str, Any], trajectories: int, seed: int, levels: int = MORRIS_LEVELS
) -> np.ndarray:
    """Morris's trajectory design: `trajectories` x (D + 1) points, one row per point."""
    from SALib.sample import morris as sample

    points: np.ndarray = sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    return points


def morris_effects(
    problem: dict[str, Any],
    points: np.ndarray,
    y: np.ndarray,
    seed: int,
    levels: int = MORRIS_LEVELS,
) -> list[Effect]:
    """mu*, its interval, mu and sigma of each number from `y` (one value per design point)."""
    from SALib.analyze import morris as analyze

    found = analyze.analyze(problem, points, y, num_levels=levels, seed=seed)
    return [
        Effect(
            name,
            float(found["mu_star"][k]),
            float(found["mu_star_conf"][k]),
            float(found["mu"][k]),
            float(found["sigma"][k]),
        )
        for k, name in enumerate(problem["names"])
    ]


def morris_noise(values: np.ndarray, replicates: int, levels: int = MORRIS_LEVELS) -> float:
    """The mu* of a number whose only effect is to re-roll the games: each point's outcome is
    a mean of `replicates` games (`values`, one per game, point by point; NaN a failed game),
    so such an elementary effect is the difference of two independent means over the jump,
    with expected absolute value 2 SE / (sqrt(pi) jump). The points share their seeds, so a
    number with no effect at all gets 0; one whose small changes flip early choices and so
    decorrelate the games gets up to this. NaN when it cannot be told (one game a point)."""
    if replicates < 2:
        return math.nan
    grouped = values.reshape(-1, replicates)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = float(np.nanmean(np.nanvar(grouped, axis=1, ddof=1)))
    if not math.isfinite(variance):
        return math.nan
    jump = levels / (2 * (levels - 1))  # SALib's, in units of each number's range
    return 2 * math.sqrt(variance / replicates) / (math.sqrt(math.pi) * jump)


def ranked(effects: Sequence[Effect]) -> list[Effect]:
    """The effects by mu*, largest first (a number without one last)."""
    return sorted(effects, key=lambda e: -e.mu_star if math.isfinite(e.mu_star) else math.inf)


def screened(effects: Sequence[Effect], fraction: float = 0.25, noise: float = 0.0) -> list[Effect]:
    """The numbers worth a Sobol analysis, largest first: mu* at least `fraction` of the
    largest mu*, and its interval above `noise` (the mu* of no effect, `morris_noise`; NaN:
    not known, 0 assumed). None if no number has any effect."""
    finite = [e for e in effects if math.isfinite(e.mu_star)]
    top = max((e.mu_star for e in finite), default=0.0)
    if top <= 0:
        return []
    floor = noise if math.isfinite(noise) else 0.0
    return [
        e
        for e in ranked(finite)
        if e.mu_star >= fraction * top and e.mu_star - _finite(e.mu_star_conf) > floor
    ]


def _finite(number: float) -> float:
    return number if math.isfinite(number) else 0.0


def plot_morris(effects: Sequence[Effect], outcome: str, path: Path) -> None:
    """mu* (with its interval) against sigma, one labelled point per number, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 6))
    axes.errorbar(
        [e.mu_star for e in effects],
        [e.sigma for e in effects],
        xerr=[e.mu_star_conf for e in effects],
        fmt="o",
    )
    for effect in ranked(effects)[:20]:
        axes.annotate(effect.name, (effect.mu_star, effect.sigma), fontsize=7)
    axes.set_xlabel(f"mu* (mean absolute elementary effect on {outcome})")
    axes.set_ylabel("sigma (spread of the effects)")
    figure.tight_layout()
    _save(figure, path)


def plot(indices: Sequence[Index], outcome: str, path: Path) -> None:
    """A bar chart of first-order and total indices with their intervals, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [i.name for i in indices]
    y = np.arange(len(indices))
    figure, axes = plt.subplots(figsize=(8, 1.2 + 0.35 * len(indices)))
    axes.barh(
        y - 0.2,
        [i.first for i in indices],
        0.4,
        xerr=[i.first_conf for i in indices],
        label="first order",
    )
    axes.barh(
        y + 0.2,
        [i.total for i in indices],
        0.4,
        xerr=[i.total_conf for i in indices],
        label="total",
    )
    axes.set_yticks(y, names)
    axes.set_xlabel(f"Sobol index of {outcome}")
    axes.legend()
    figure.tight_layout()
    _save(figure, path)


def _save(figure: Any, path: Path) -> None:
    """The figure as PNG at path, whole or not at all; the figure is closed."""
    import matplotlib.pyplot as plt

    temp = path.with_name(f".{path.name}.tmp")
    try:
        figure.savefig(temp, dpi=110, format="png")
        temp.replace(path)
    except OSError as error:  # a full disk: no half picture, and a message naming it
        raise write_error(path, error) from None
    finally:
        plt.close(figure)
        temp.unlink(missing_ok=True)
