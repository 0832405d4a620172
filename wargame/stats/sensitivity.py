"""Sobol sensitivity indices (SALib): the Saltelli design, the indices, and their plot.

Pure statistics: numbers in, numbers out. Which games are played at the design's points,
and how their outcomes are read back, is the batch's business (`wargame.batch.sensitivity`).
"""

from __future__ import annotations

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
    """First-order and total Sobol indices of `y` (one value per design point)."""
    from SALib.analyze import sobol as analyze

    found = analyze.analyze(problem, y, calc_second_order=False, seed=seed)
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
    temp = path.with_name(f".{path.name}.tmp")
    try:
        figure.savefig(temp, dpi=110, format="png")
        temp.replace(path)
    except OSError as error:  # a full disk: no half picture, and a message naming it
        raise write_error(path, error) from None
    finally:
        plt.close(figure)
        temp.unlink(missing_ok=True)
