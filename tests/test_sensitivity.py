"""Sobol sensitivity: the pure statistics (wargame.stats.sensitivity) on a function whose
indices are known, and the analysis played as a batch (wargame.batch.sensitivity)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import SCENARIOS

from wargame.batch import sensitivity as played
from wargame.batch import storage
from wargame.errors import WargameError
from wargame.stats import sensitivity as stats

TUTORIAL = SCENARIOS / "tutorial.yaml"


def ishigami(x: np.ndarray) -> np.ndarray:
    """Ishigami's function (a = 7, b = 0.1), whose Sobol indices are known exactly."""
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_the_indices_of_the_ishigami_function_are_the_known_ones() -> None:
    names = ["x1", "x2", "x3"]
    problem = stats.problem(names, [(-math.pi, math.pi)] * 3)
    points = stats.saltelli_points(problem, 1024, seed=1)
    assert points.shape == (1024 * (3 + 2), 3)  # first-order and total: N (D + 2) points

    found = stats.indices(problem, ishigami(points), seed=1)

    assert [i.name for i in found] == names
    first = [0.314, 0.442, 0.0]  # analytic values
    total = [0.558, 0.442, 0.244]
    for index, s1, st in zip(found, first, total, strict=True):
        assert index.first == pytest.approx(s1, abs=0.05)
        assert index.total == pytest.approx(st, abs=0.05)
        assert 0 < index.first_conf < 0.1 and 0 < index.total_conf < 0.1


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_the_bootstrap_intervals_follow_the_seed_alone(seed: int) -> None:
    # SALib draws its bootstrap from numpy's global state when the seed is falsy (0); the
    # intervals, and the design size the convergence warning suggests, must not
    problem = stats.problem(["x1", "x2", "x3"], [(-math.pi, math.pi)] * 3)
    y = ishigami(stats.saltelli_points(problem, 256, seed=seed))
    np.random.seed(1)
    first = stats.indices(problem, y, seed=seed)
    np.random.seed(2)
    second = stats.indices(problem, y, seed=seed)
    assert first == second
    assert stats.indices(problem, y, seed=seed + 1) != first  # the seed does steer them


def test_a_range_of_zero_width_gets_a_tiny_one() -> None:
    problem = stats.problem(["a", "b"], [(1.0, 1.0), (0.0, 2.0)])
    assert problem["num_vars"] == 2
    low, high = problem["bounds"][0]
    assert low == 1.0 and 1.0 < high < 1.0 + 1e-9
    assert problem["bounds"][1] == [0.0, 2.0]


@pytest.mark.filterwarnings("ignore:Mean of empty slice")  # numpy's, for the all-NaN point
def test_replicate_means_skip_failed_games() -> None:
    values = np.array([1.0, 0.0, np.nan, 1.0, np.nan, np.nan])
    means = stats.replicate_means(values, 2)
    assert means[:2].tolist() == [0.5, 1.0]
    assert math.isnan(means[2])  # failed in every replicate


def test_the_plot_is_a_png(tmp_path: Path) -> None:
    path = tmp_path / "sobol.png"
    stats.plot([stats.Index("a", 0.5, 0.1, 0.6, 0.1)], "crisis", path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(tmp_path.iterdir()) == [path]  # no temp file left


def test_a_sensitivity_analysis_plays_each_point_replicates_times(tmp_path: Path) -> None:
    # in scenario order; two numbers that move escalation in the tutorial (with the same seeds
    # at every point, a number that does not gives a flat outcome and no index at all)
    include = ["parameters.deterrence_strength", "parameters.spiral_strength"]
    found = played.sobol(
        TUTORIAL, outcome="escalation", out=tmp_path / "out", include=include, base_samples=8,
        replicates=2, seed=3,
    )  # fmt: skip
    assert [i.name for i in found] == include
    assert all(math.isfinite(i.first) and math.isfinite(i.total) for i in found)
    runs = tmp_path / "out" / storage.RUNS
    table = pq.read_table(runs).sort_by("run")
    assert table.num_rows == 8 * (2 + 2) * 2  # N (D + 2) points, 2 games each
    escalation = table["escalation"].to_numpy()
    assert played.point_means(runs, "escalation", 2).tolist() == pytest.approx(
        escalation.reshape(-1, 2).mean(axis=1).tolist()
    )
    assert set(played.point_means(runs, "crisis", 2).tolist()) <= {0.0, 0.5, 1.0}  # a rate
    with pytest.raises(WargameError, match=r"unknown outcome 'nope'; outcomes: .*crisis"):
        played.point_means(runs, "nope", 2)


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"outcome": "nope"}, "unknown outcome 'nope'"),
        ({"outcome": "crisis", "include": ["parameters.none*"]}, "no uncertain numbers"),
        ({"outcome": "crisis", "base_samples": 3}, "must be a power of 2"),
    ],
)
def test_bad_arguments_are_refused_before_any_game(tmp_path: Path, arguments, words) -> None:
    with pytest.raises(WargameError, match=words):
        played.sobol(TUTORIAL, out=tmp_path / "out", **arguments)
    assert not (tmp_path / "out").exists()


def test_replicate_r_of_every_design_point_plays_the_same_seed(tmp_path: Path) -> None:
    include = ["parameters.deterrence_strength", "parameters.spiral_strength"]
    played.sobol(
        TUTORIAL, outcome="escalation", out=tmp_path / "out", include=include, base_samples=4,
        replicates=3, seed=5,
    )  # fmt: skip
    table = pq.read_table(tmp_path / "out" / storage.RUNS).sort_by("run")
    seeds = np.asarray(table["seed"].to_pylist()).reshape(-1, 3)  # a row per point
    assert (seeds == seeds[0]).all()  # common random numbers across the points
    assert len(set(seeds[0].tolist())) == 3  # and three different seeds within a point
