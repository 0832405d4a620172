"""Lazy Latin hypercube / random designs: strata, bijections, keys, determinism, validation."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import wargame.batch.sampling as sampling
from wargame.batch.sampling import Design, Dimension


def dims(*names: str, low: float = 0.0, high: float = 1.0) -> list[Dimension]:
    return [Dimension(name, low, high) for name in names]


FIVE = dims("parameters.a", "parameters.b", "actors.G.resolve", "state.tension", "x")


def strata(design: Design) -> np.ndarray:
    """floor(unit * N) for every run: shape (runs, dimensions)."""
    n = design.runs
    return np.array([[math.floor(u * n) for u in design.unit(i)] for i in range(n)])


# -- Latin hypercube property ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("runs", "seed"),
    [(1, 0), (2, 0), (7, 0), (64, 0), (1000, 0), (1023, 0), (1025, 0), (7, -3), (1025, 2**70)],
)
def test_every_dimension_puts_exactly_one_run_in_each_stratum(runs, seed):
    design = Design(FIVE, runs, seed)
    units = np.array([design.unit(i) for i in range(runs)])
    assert ((units >= 0.0) & (units < 1.0)).all()
    for column in strata(design).T:
        assert sorted(column.tolist()) == list(range(runs))


@pytest.mark.parametrize(
    "runs", [1, 2, 3, 4, 5, 6, 15, 16, 17, 63, 64, 65, 255, 256, 257, 1024, 1025]
)
def test_the_permutation_is_a_bijection_for_awkward_sizes(runs):
    design = Design(dims(*(f"d{k}" for k in range(8))), runs, seed=runs)
    images = np.array([design._strata(i) for i in range(runs)])
    for column in images.T:
        assert sorted(column.tolist()) == list(range(runs))


@pytest.mark.parametrize("runs", [3, 5, 17, 65, 257, 1000])
def test_numpy_and_plain_python_cycle_walking_agree(monkeypatch, runs):
    design = Design(dims(*(f"d{k}" for k in range(20))), runs, seed=3)
    monkeypatch.setattr(sampling, "_SCALAR_BELOW", 0)  # walk every value in numpy
    vectorised = [design._strata(i).tolist() for i in range(runs)]
    monkeypatch.setattr(sampling, "_SCALAR_BELOW", 10**9)  # walk every value in Python
    scalar = [design._strata(i).tolist() for i in range(runs)]
    assert vectorised == scalar


@pytest.mark.parametrize("runs", [3, 10, 49, 98, 1000, 1025, 999_999_937, sampling.MAX_RUNS])
@pytest.mark.parametrize("jitter", [0.0, 1.0 - 2.0**-53, 0.5])
def test_rounding_never_moves_a_point_out_of_its_stratum(runs, jitter):
    design = Design(FIVE, runs, seed=1)
    design._uniforms = lambda run: np.full(len(FIVE), jitter)
    for run in [0, 1, runs // 2, runs - 1]:
        expected = design._strata(run).tolist()
        units = design.unit(run)
        assert all(0.0 <= u < 1.0 for u in units)
        assert [math.floor(u * runs) for u in units] == expected


# -- determinism and common random numbers -----------------------------------------------------


def test_same_seed_same_values_and_different_seeds_different_designs():
    first = [Design(FIVE, 100, 42).values(i) for i in range(100)]
    again = [Design(FIVE, 100, 42).values(i) for i in range(100)]
    other = [Design(FIVE, 100, 43).values(i) for i in range(100)]
    assert first == again
    assert first != other
    assert all(a != b for a, b in zip(first, other, strict=True))


def test_a_runs_values_do_not_depend_on_which_runs_were_asked_before():
    runs = 300
    in_order = [Design(FIVE, runs, 7).values(i) for i in range(runs)]
    shuffled = list(range(runs))
    random.Random(1).shuffle(shuffled)
    design = Design(FIVE, runs, 7)
    assert all(design.values(i) == in_order[i] for i in shuffled)
    for start in range(0, runs, 128):  # chunks, each on a fresh "worker"
        worker = Design(FIVE, runs, 7)
        for i in range(start, min(start + 128, runs)):
            assert worker.values(i) == in_order[i]
            assert worker.unit(i) == worker.unit(i)


def test_adding_a_dimension_at_the_end_keeps_the_existing_values():
    base = Design(FIVE, 300, 5)
    more = Design([*FIVE, Dimension("parameters.new", -3.0, 3.0)], 300, 5)
    for i in range(300):
        old, new = base.values(i), more.values(i)
        assert {k: new[k] for k in old} == old
        assert -3.0 <= new["parameters.new"] <= 3.0


def test_reordering_or_removing_dimensions_keeps_every_value():
    base = Design(FIVE, 300, 5)
    reordered = Design(list(reversed(FIVE)), 300, 5)
    fewer = Design(FIVE[1:4], 300, 5)
    for i in range(300):
        values = base.values(i)
        assert reordered.values(i) == values
        assert fewer.values(i) == {d.name: values[d.name] for d in FIVE[1:4]}
        assert reordered.unit(i) == list(reversed(base.unit(i)))


def test_dimensions_are_keyed_by_name_not_by_position():
    design = Design(dims("a", "b"), 200, 9)
    swapped = Design(dims("b", "a"), 200, 9)
    renamed = Design(dims("a", "c"), 200, 9)
    for i in range(200):
        assert design.values(i) == swapped.values(i)
        assert design.values(i)["a"] == renamed.values(i)["a"]
    assert [design.values(i)["b"] for i in range(200)] != [
        renamed.values(i)["c"] for i in range(200)
    ]


# -- statistical sanity ------------------------------------------------------------------------


def test_dimensions_are_uncorrelated_with_each_other_and_with_the_run_index():
    runs = 2000
    design = Design(dims("a", "b", "c"), runs, 2024)
    units = np.array([design.unit(i) for i in range(runs)])
    correlations = np.corrcoef(np.column_stack([np.arange(runs), units]).T)
    off_diagonal = correlations[np.triu_indices(4, 1)]
    assert np.abs(off_diagonal).max() < 0.1, correlations


def test_the_first_runs_of_an_interrupted_batch_are_still_spread_out():
    design = Design(dims("a"), 10_000, 11)
    first = [design.unit(i)[0] for i in range(1000)]
    assert abs(np.mean(first) - 0.5) < 0.03
    assert np.histogram(first, bins=10, range=(0, 1))[0].min() > 60


def test_small_designs_do_not_favour_a_stratum_for_any_run():
    design = Design(dims(*(f"d{k}" for k in range(3000))), 4, 0)
    images = np.array([design._strata(i) for i in range(4)])
    for row in images:
        counts = np.bincount(row, minlength=4)
        assert counts.min() > 600 and counts.max() < 900, counts  # 750 expected, sd ~24


# -- scaling ----------------------------------------------------------------------------------


def test_values_lie_in_their_ranges_and_a_degenerate_range_gives_low():
    ranges = [
        Dimension("unit", 0.0, 1.0),
        Dimension("negative", -7.5, -2.25),
        Dimension("tiny", 1e-300, 2e-300),
        Dimension("wide", -1e308, 1e308),
        Dimension("widest", -1.7976931348623157e308, 1.7976931348623157e308),
        Dimension("point", 3.25, 3.25),
        Dimension("negative_zero", -0.0, -0.0),
        Dimension("integers", 1, 10),
    ]
    design = Design(ranges, 257, 3)
    for i in range(257):
        values = design.values(i)
        assert list(values) == [d.name for d in ranges]
        for d in ranges:
            assert d.low <= values[d.name] <= d.high
        assert values["point"] == 3.25
        assert math.copysign(1.0, values["negative_zero"]) == -1.0
        assert values["unit"] == design.unit(i)[0]
    assert len({design.values(i)["widest"] for i in range(257)}) == 257


# -- the "random" method ----------------------------------------------------------------------


def test_random_method_is_uniform_deterministic_and_independent_of_lhs():
    runs = 5000
    design = Design(dims("a", "b"), runs, 8, method="random")
    units = np.array([design.unit(i) for i in range(runs)])
    assert ((units >= 0.0) & (units < 1.0)).all()
    assert np.abs(units.mean(axis=0) - 0.5).max() < 0.02
    assert np.abs(units.var(axis=0) - 1 / 12).max() < 0.005
    assert abs(np.corrcoef(units.T)[0, 1]) < 0.1
    again = Design(dims("a", "b"), runs, 8, method="random")
    assert all(again.unit(i) == units[i].tolist() for i in range(0, runs, 37))
    lhs = Design(dims("a", "b"), runs, 8)
    assert lhs.unit(0) != design.unit(0)


def test_random_method_does_not_depend_on_the_number_of_runs():
    small, large = Design(FIVE, 10, 4, "random"), Design(FIVE, 10_000, 4, "random")
    assert all(small.values(i) == large.values(i) for i in range(10))


# -- fingerprint ------------------------------------------------------------------------------


def test_fingerprint_identifies_the_design():
    base = Design(FIVE, 100, 1)
    fingerprint = base.fingerprint()
    assert len(fingerprint) == 16 and int(fingerprint, 16) >= 0
    assert Design(FIVE, 100, 1).fingerprint() == fingerprint
    assert Design(list(reversed(FIVE)), 100, 1).fingerprint() == fingerprint  # same values
    different = [
        Design(FIVE, 101, 1),
        Design(FIVE, 100, 2),
        Design(FIVE, 100, 1, method="random"),
        Design(FIVE[:4], 100, 1),
        Design([*FIVE[:4], Dimension("x", 0.0, 2.0)], 100, 1),
        Design([*FIVE[:4], Dimension("y", 0.0, 1.0)], 100, 1),
    ]
    fingerprints = {d.fingerprint() for d in different}
    assert fingerprint not in fingerprints and len(fingerprints) == len(different)
    assert fingerprint in repr(base)


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Design(FIVE, 0, 1), "runs must be between 1"),
        (lambda: Design(FIVE, -5, 1), "runs must be between 1"),
        (lambda: Design(FIVE, 2**49, 1), "runs must be between 1"),
        (lambda: Design(FIVE, 2.5, 1), "runs must be an integer"),
        (lambda: Design(FIVE, True, 1), "runs must be an integer"),
        (lambda: Design(FIVE, 10, "1"), "seed must be an integer"),
        (lambda: Design(FIVE, 10, 1, method="sobol"), "method must be one of lhs, random"),
        (lambda: Design([*FIVE, Dimension("x", 0, 2)], 10, 1), "'x' appears more than once"),
        (lambda: Design([("a", 0, 1)], 10, 1), "must be Dimension objects"),
        (lambda: Dimension("a", 2.0, 1.0), "low 2.0 is above high 1.0"),
        (lambda: Dimension("a", math.nan, 1.0), "low must be finite"),
        (lambda: Dimension("a", 0.0, math.inf), "high must be finite"),
        (lambda: Dimension("a", "0", 1.0), "low must be a number"),
        (lambda: Dimension("", 0.0, 1.0), "non-empty string"),
    ],
)
def test_bad_input_is_a_value_error_saying_what_is_wrong(build, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        build()


@pytest.mark.parametrize("run", [-1, 10, 2.0, "3"])
def test_a_run_outside_the_batch_is_a_value_error(run):
    design = Design(FIVE, 10, 1)
    with pytest.raises(ValueError, match="run must be"):
        design.values(run)
    with pytest.raises(ValueError, match="run"):
        design.unit(run)


def test_no_dimensions_is_an_empty_point():
    design = Design([], 5, 1)
    assert design.unit(4) == [] and design.values(0) == {}
