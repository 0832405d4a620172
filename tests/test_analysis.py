"""Intervals for paired (common-random-number) comparisons: published values, closed forms
computed a second way, and properties."""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wargame.stats.intervals import (
    Interval,
    bootstrap_paired_mean_difference,
    newcombe_independent,
    newcombe_paired,
    normal_unpaired_mean_difference,
    paired_difference_of_rates,
    wilson,
)

Z95 = NormalDist().inv_cdf(0.975)


def close4(actual: float, published: float) -> bool:
    """Equal to the published value to its 4 decimal places."""
    return abs(actual - published) <= 5e-5 + 1e-12


# --------------------------------------------------------------------------- second routes
# Written independently of wargame.stats.intervals: Wilson limits as the roots of the score
# equation (p_hat - p)^2 = z^2 p (1 - p) / n, and Newcombe's intervals in the papers'
# own notation.


def ref_wilson(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    p_hat = x / n
    qa = 1.0 + z * z / n
    qb = -(2.0 * p_hat + z * z / n)
    qc = p_hat * p_hat
    root = math.sqrt(qb * qb - 4.0 * qa * qc)
    return (-qb - root) / (2.0 * qa), (-qb + root) / (2.0 * qa)


def ref_paired(e: int, f: int, g: int, h: int, z: float = Z95) -> tuple[float, float, float]:
    """Newcombe 1998c method 10, symbols as in the paper (e, f, g, h = A, B, C, D)."""
    n = e + f + g + h
    theta = (f - g) / n
    l2, u2 = ref_wilson(e + f, n, z)
    l3, u3 = ref_wilson(e + g, n, z)
    dl2, du2 = (e + f) / n - l2, u2 - (e + f) / n
    dl3, du3 = (e + g) / n - l3, u3 - (e + g) / n
    den = (e + f) * (g + h) * (e + g) * (f + h)
    if den == 0:
        phi = 0.0
    elif e * h > f * g:
        phi = max(e * h - f * g - n / 2, 0) / math.sqrt(den)
    else:
        phi = (e * h - f * g) / math.sqrt(den)
    delta = math.sqrt(max(0.0, dl2**2 - 2 * phi * dl2 * du3 + du3**2))
    eps = math.sqrt(max(0.0, du2**2 - 2 * phi * du2 * dl3 + dl3**2))
    return theta, theta - delta, theta + eps


def ref_independent(a: int, m: int, b: int, n: int, z: float = Z95) -> tuple[float, float, float]:
    """Newcombe 1998b method 10."""
    p1, p2 = a / m, b / n
    l1, u1 = ref_wilson(a, m, z)
    l2, u2 = ref_wilson(b, n, z)
    d = p1 - p2
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def assert_interval(iv: Interval, expected: tuple[float, float, float], tol: float = 1e-12) -> None:
    assert iv.estimate == pytest.approx(expected[0], abs=tol)
    assert iv.low == pytest.approx(expected[1], abs=tol)
    assert iv.high == pytest.approx(expected[2], abs=tol)


# --------------------------------------------------------------------------- Wilson

# Newcombe 1998a (single proportion) Table I, method 3, 95%.
WILSON_PUBLISHED = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0000),
]


@pytest.mark.parametrize(("x", "n", "low", "high"), WILSON_PUBLISHED)
def test_wilson_published_values(x: int, n: int, low: float, high: float) -> None:
    iv = wilson(x, n)
    assert iv.estimate == x / n
    assert close4(iv.low, low)
    assert close4(iv.high, high)
    ref_low, ref_high = ref_wilson(x, n)
    assert iv.low == pytest.approx(ref_low, abs=1e-12)
    assert iv.high == pytest.approx(ref_high, abs=1e-12)


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99, 0.999])
@pytest.mark.parametrize(("x", "n"), [(1, 1), (3, 7), (50, 100), (999, 1000), (2, 10_000)])
def test_wilson_matches_score_equation_roots(x: int, n: int, confidence: float) -> None:
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    iv = wilson(x, n, confidence)
    ref_low, ref_high = ref_wilson(x, n, z)
    assert iv.low == pytest.approx(ref_low, abs=1e-12)
    assert iv.high == pytest.approx(ref_high, abs=1e-12)


def test_wilson_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for x, n in [(81, 263), (15, 148), (0, 10), (10, 10), (7, 9), (123, 4567)]:
        ci = stats.binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
        iv = wilson(x, n)
        assert iv.low == pytest.approx(ci.low, abs=1e-10)
        assert iv.high == pytest.approx(ci.high, abs=1e-10)


def test_wilson_zero_and_all_successes() -> None:
    none = wilson(0, 10)
    assert (none.estimate, none.low) == (0.0, 0.0)
    assert none.high == pytest.approx(Z95**2 / (10 + Z95**2), abs=1e-12)  # 0.2775
    assert close4(none.high, 0.2775)
    every = wilson(10, 10)
    assert (every.estimate, every.high) == (1.0, 1.0)
    assert every.low == pytest.approx(10 / (10 + Z95**2), abs=1e-12)  # 0.7225
    assert close4(every.low, 0.7225)


def test_wilson_wider_at_higher_confidence_and_narrower_with_more_runs() -> None:
    assert wilson(30, 100, 0.99).width > wilson(30, 100, 0.95).width > wilson(30, 100, 0.8).width
    assert wilson(300, 1000).width < wilson(30, 100).width


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 0), "no runs"),
        ((5, 4), "exceeds"),
        ((-1, 4), ">= 0"),
        ((float("nan"), 4), "NaN"),
        ((1, float("nan")), "NaN"),
        ((1.5, 4), "whole"),
        ((1, 4, 1.0), "confidence"),
        ((1, 4, float("nan")), "confidence"),
    ],
)
def test_wilson_rejects_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        wilson(*args)


# --------------------------------------------------------------------------- Newcombe paired

# Newcombe 1998c Table II, method 10, 95%: (A both, B first only, C second only, D neither).
# The second and third rows have AD - BC > n/2, where the paper's phi (AD - BC - n/2) matters:
# the plain phi coefficient would give (0.0618, 0.3239) and (-0.0640, 0.0640) instead.
PAIRED_PUBLISHED = [
    ((36, 12, 2, 0), 0.2, 0.0569, 0.3404),
    ((18, 12, 2, 18), 0.2, 0.0562, 0.3290),
    ((53, 0, 0, 1), 0.0, -0.0729, 0.0729),
    ((0, 30, 0, 0), 1.0, 0.8395, 1.0000),
]


@pytest.mark.parametrize(("table", "estimate", "low", "high"), PAIRED_PUBLISHED)
def test_newcombe_paired_published_values(
    table: tuple[int, int, int, int], estimate: float, low: float, high: float
) -> None:
    iv = newcombe_paired(*table)
    assert iv.estimate == pytest.approx(estimate, abs=1e-12)
    assert close4(iv.low, low)
    assert close4(iv.high, high)


@pytest.mark.parametrize(
    "table",
    [
        (36, 12, 2, 0),  # AD < BC
        (18, 12, 2, 18),  # AD - BC > n/2
        (10, 1, 1, 1),  # 0 < AD - BC <= n/2: phi = 0
        (14, 5, 0, 22),
        (4, 1, 2, 25),
        (2, 12, 3, 17),
        (0, 7, 9, 0),  # strongly negative correlation
        (5, 0, 0, 0),  # a margin is empty: phi = 0
        (0, 0, 0, 8),
        (40, 3, 1, 56),
    ],
)
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_newcombe_paired_matches_paper_formulas(
    table: tuple[int, int, int, int], confidence: float
) -> None:
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    theta, low, high = ref_paired(*table, z=z)
    iv = newcombe_paired(*table, confidence=confidence)
    assert_interval(iv, (theta, max(low, -1.0), min(high, 1.0)))


@given(
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(0, 300),
    st.floats(0.5, 0.999),
)
@settings(max_examples=100, deadline=None)
def test_newcombe_paired_bounds_and_symmetry(a: int, b: int, c: int, d: int, conf: float) -> None:
    if a + b + c + d == 0:
        with pytest.raises(ValueError, match="no runs"):
            newcombe_paired(a, b, c, d, conf)
        return
    iv = newcombe_paired(a, b, c, d, conf)
    assert -1.0 <= iv.low <= iv.estimate <= iv.high <= 1.0
    assert iv.estimate == (b - c) / (a + b + c + d)
    swapped = newcombe_paired(a, c, b, d, conf)
    assert (swapped.estimate, swapped.low, swapped.high) == (-iv.estimate, -iv.high, -iv.low)
    _, low, high = ref_paired(a, b, c, d, NormalDist().inv_cdf(0.5 + conf / 2))
    assert iv.low == pytest.approx(max(low, -1.0), abs=1e-9)
    assert iv.high == pytest.approx(min(high, 1.0), abs=1e-9)


def test_paired_difference_of_rates_tallies_the_table() -> None:
    first = [True, True, True, False, False, True, False, True]
    second = [True, False, True, True, False, True, False, False]
    # both = 3, first only = 2, second only = 1, neither = 2
    assert paired_difference_of_rates(first, second) == newcombe_paired(3, 2, 1, 2)
    as_numbers = paired_difference_of_rates(np.array(first, float), np.array(second, int), 0.9)
    assert as_numbers == newcombe_paired(3, 2, 1, 2, 0.9)


def test_paired_difference_swapping_variants_negates() -> None:
    rng = np.random.default_rng(1)
    base = rng.random(500)
    first = base < 0.40
    second = base < 0.33
    forward = paired_difference_of_rates(first, second)
    backward = paired_difference_of_rates(second, first)
    assert (backward.estimate, backward.low, backward.high) == (
        -forward.estimate,
        -forward.high,
        -forward.low,
    )


def test_identical_outcomes_give_zero_and_shrink_with_more_runs() -> None:
    widths = []
    for n in (10, 20, 40, 80, 160, 320, 640, 1280):
        outcome = np.arange(n) < round(0.3 * n)
        iv = paired_difference_of_rates(outcome, outcome)
        assert iv.estimate == 0.0
        assert iv.low < 0.0 < iv.high
        widths.append(iv.width)
    assert all(later < earlier for earlier, later in itertools.pairwise(widths))
    all_yes = paired_difference_of_rates([True] * 25, [True] * 25)
    assert all_yes.estimate == 0.0
    assert -1.0 <= all_yes.low < 0.0 < all_yes.high <= 1.0


def test_pairing_is_narrower_than_independent_on_correlated_runs() -> None:
    # Common random numbers: the variants mostly agree run by run.
    rng = np.random.default_rng(7)
    u = rng.random(400)
    baseline = u < 0.45
    variant = u < 0.40
    paired = paired_difference_of_rates(variant, baseline)
    unpaired = newcombe_independent(int(variant.sum()), 400, int(baseline.sum()), 400)
    assert paired.estimate == pytest.approx(unpaired.estimate, abs=1e-12)
    assert paired.width < 0.5 * unpaired.width
    assert paired.high < 0.0  # the pairing detects a 5-point drop; the unpaired CI does not
    assert unpaired.low < 0.0 < unpaired.high


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ([], [], "no runs"),
        ([True, False], [True], "length"),
        ([1.0, float("nan")], [1, 0], "NaN"),
        ([1, 2], [1, 0], "0/1"),
        (["yes", "no"], [1, 0], "booleans"),
    ],
)
def test_paired_difference_of_rates_rejects_bad_input(
    first: list, second: list, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        paired_difference_of_rates(first, second)


def test_newcombe_paired_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match="no runs"):
        newcombe_paired(0, 0, 0, 0)
    with pytest.raises(ValueError, match="NaN"):
        newcombe_paired(1, float("nan"), 0, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=">= 0"):
        newcombe_paired(1, -1, 0, 0)


# --------------------------------------------------------------------------- Newcombe independent

# Newcombe 1998b Table II, method 10, 95%: s1/n1 - s2/n2.
INDEPENDENT_PUBLISHED = [
    ((56, 70, 48, 80), 0.0524, 0.3339),
    ((9, 10, 3, 10), 0.1705, 0.8090),
    ((6, 7, 2, 7), 0.0582, 0.8062),
    ((5, 56, 0, 29), -0.0381, 0.1926),
    ((0, 10, 0, 20), -0.1611, 0.2775),
    ((0, 10, 0, 10), -0.2775, 0.2775),
    ((10, 10, 0, 20), 0.6791, 1.0000),
    ((10, 10, 0, 10), 0.6075, 1.0000),
]


@pytest.mark.parametrize(("counts", "low", "high"), INDEPENDENT_PUBLISHED)
def test_newcombe_independent_published_values(
    counts: tuple[int, int, int, int], low: float, high: float
) -> None:
    iv = newcombe_independent(*counts)
    theta, ref_low, ref_high = ref_independent(*counts)
    assert iv.estimate == pytest.approx(theta, abs=1e-12)
    assert close4(iv.low, low)
    assert close4(iv.high, high)
    assert iv.low == pytest.approx(max(ref_low, -1.0), abs=1e-12)
    assert iv.high == pytest.approx(min(ref_high, 1.0), abs=1e-12)


def test_newcombe_independent_headline_example() -> None:
    iv = newcombe_independent(56, 70, 48, 80)
    assert round(iv.estimate, 4) == 0.2000
    assert (round(iv.low, 4), round(iv.high, 4)) == (0.0524, 0.3339)


@given(
    st.integers(1, 400),
    st.integers(1, 400),
    st.data(),
    st.floats(0.5, 0.999),
)
@settings(max_examples=100, deadline=None)
def test_newcombe_independent_bounds(n1: int, n2: int, data: st.DataObject, conf: float) -> None:
    s1 = data.draw(st.integers(0, n1))
    s2 = data.draw(st.integers(0, n2))
    iv = newcombe_independent(s1, n1, s2, n2, conf)
    assert -1.0 <= iv.low <= iv.estimate <= iv.high <= 1.0
    mirrored = newcombe_independent(s2, n2, s1, n1, conf)
    assert mirrored.estimate == pytest.approx(-iv.estimate, abs=1e-15)
    assert mirrored.low == pytest.approx(-iv.high, abs=1e-12)
    assert mirrored.high == pytest.approx(-iv.low, abs=1e-12)


def test_newcombe_independent_rejects_empty_samples() -> None:
    with pytest.raises(ValueError, match="no runs"):
        newcombe_independent(0, 0, 1, 2)
    with pytest.raises(ValueError, match="exceed"):
        newcombe_independent(3, 2, 1, 2)


@given(st.integers(1, 2000), st.data(), st.floats(0.5, 0.999))
@settings(max_examples=100, deadline=None)
def test_wilson_bounds(n: int, data: st.DataObject, conf: float) -> None:
    x = data.draw(st.integers(0, n))
    iv = wilson(x, n, conf)
    assert 0.0 <= iv.low <= iv.estimate <= iv.high <= 1.0
    assert iv.low < iv.high


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_is_deterministic_given_seed() -> None:
    rng = np.random.default_rng(3)
    first, second = rng.normal(size=200), rng.normal(size=200)
    one = bootstrap_paired_mean_difference(first, second, seed=11)
    two = bootstrap_paired_mean_difference(first, second, seed=11)
    other = bootstrap_paired_mean_difference(first, second, seed=12)
    assert one == two
    assert (other.low, other.high) != (one.low, one.high)
    assert other.estimate == one.estimate == pytest.approx(float(np.mean(first - second)))


def test_bootstrap_identical_inputs_give_exact_zero() -> None:
    values = np.random.default_rng(0).normal(size=300)
    assert bootstrap_paired_mean_difference(values, values.copy()) == Interval(0.0, 0.0, 0.0)
    shifted = bootstrap_paired_mean_difference(values + 2.0, values - 0.5)
    assert shifted.low == shifted.estimate == shifted.high


def test_bootstrap_resamples_pairs_and_recovers_a_known_shift() -> None:
    rng = np.random.default_rng(2024)
    second = rng.normal(10.0, 3.0, size=5000)
    first = second + 1.0 + rng.normal(0.0, 0.01, size=5000)
    paired = bootstrap_paired_mean_difference(first, second)
    assert paired.low <= paired.estimate <= paired.high
    assert paired.low < 1.0 < paired.high
    assert paired.width < 0.002
    unpaired = normal_unpaired_mean_difference(first, second)
    assert unpaired.width > 50 * paired.width  # what common random numbers save


def test_bootstrap_agrees_with_the_normal_paired_interval() -> None:
    rng = np.random.default_rng(5)
    diff = rng.normal(0.3, 2.0, size=400)
    iv = bootstrap_paired_mean_difference(diff, np.zeros(400), resamples=4000)
    se = diff.std(ddof=1) / math.sqrt(diff.size)
    assert iv.low == pytest.approx(diff.mean() - Z95 * se, abs=0.15 * Z95 * se)
    assert iv.high == pytest.approx(diff.mean() + Z95 * se, abs=0.15 * Z95 * se)
    narrow = bootstrap_paired_mean_difference(diff, np.zeros(400), confidence=0.5)
    assert iv.low < narrow.low < narrow.high < iv.high


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_difference_of_few_values_is_resampled_by_how_often_each_is_drawn(seed) -> None:
    # counts and turns take a handful of values: the multinomial draw of how often each
    # comes up is the same bootstrap as drawing the run indices, so the two agree (to
    # their own Monte Carlo error) and both match the normal interval at this size
    rng = np.random.default_rng(seed)
    diff = rng.choice([-2.0, 0.0, 1.0, 3.0], p=[0.1, 0.6, 0.2, 0.1], size=4000)
    few = bootstrap_paired_mean_difference(diff, np.zeros(4000), resamples=4000, seed=seed)
    jitter = diff + rng.uniform(-1e-9, 1e-9, size=4000)  # every value distinct: indices
    many = bootstrap_paired_mean_difference(jitter, np.zeros(4000), resamples=4000, seed=seed)
    se = diff.std(ddof=1) / math.sqrt(diff.size)
    for iv in (few, many):
        assert iv.low == pytest.approx(diff.mean() - Z95 * se, abs=0.1 * Z95 * se)
        assert iv.high == pytest.approx(diff.mean() + Z95 * se, abs=0.1 * Z95 * se)
    assert few.low == pytest.approx(many.low, abs=0.1 * Z95 * se)
    assert few.high == pytest.approx(many.high, abs=0.1 * Z95 * se)
    assert few == bootstrap_paired_mean_difference(diff, np.zeros(4000), resamples=4000, seed=seed)
    # a rare difference: the interval is skewed as its draws are, and stays in the data
    rare = np.zeros(4000)
    rare[:3] = 1.0
    skewed = bootstrap_paired_mean_difference(rare, np.zeros(4000), seed=seed)
    assert skewed.low >= 0.0
    assert skewed.high - skewed.estimate > skewed.estimate - skewed.low


def test_bootstrap_handles_more_runs_than_one_block() -> None:
    rng = np.random.default_rng(9)
    big = rng.normal(size=50_000)
    iv = bootstrap_paired_mean_difference(big + 0.05, big * 0.0, resamples=60, seed=4)
    assert iv.low <= iv.estimate <= iv.high


@given(
    st.lists(
        st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=100, deadline=None)
def test_bootstrap_interval_contains_estimate(pairs: list, seed: int) -> None:
    first = np.array([p[0] for p in pairs])
    second = np.array([p[1] for p in pairs])
    iv = bootstrap_paired_mean_difference(first, second, resamples=500, seed=seed)
    assert iv.low <= iv.estimate <= iv.high
    assert min(first - second) <= iv.low and iv.high <= max(first - second)


@pytest.mark.parametrize(
    ("first", "second", "kwargs", "message"),
    [
        ([], [], {}, "no runs"),
        ([1.0, 2.0], [1.0], {}, "length"),
        ([1.0, float("nan")], [1.0, 2.0], {}, "NaN"),
        ([1.0, 2.0], [1.0, float("inf")], {}, "NaN or infinite"),
        ([1.0, 2.0], [1.0, 2.5], {"resamples": 0}, "resamples"),
        ([1.0, 2.0], [1.0, 2.5], {"confidence": 0.0}, "confidence"),
        ([[1.0, 2.0]], [[1.0, 2.5]], {}, "one-dimensional"),
    ],
)
def test_bootstrap_rejects_bad_input(first: list, second: list, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bootstrap_paired_mean_difference(np.array(first), np.array(second), **kwargs)


# --------------------------------------------------------------------------- normal unpaired


def test_normal_unpaired_closed_form() -> None:
    first = np.array([1.0, 2.0, 3.0, 4.0])
    second = np.array([0.0, 0.5, 1.0])
    iv = normal_unpaired_mean_difference(first, second, 0.9)
    z = NormalDist().inv_cdf(0.95)
    se = math.sqrt((5.0 / 3.0) / 4 + 0.25 / 3)  # sample variances 5/3 and 1/4
    assert iv.estimate == pytest.approx(2.0)
    assert iv.low == pytest.approx(2.0 - z * se)
    assert iv.high == pytest.approx(2.0 + z * se)


def test_normal_unpaired_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no runs"):
        normal_unpaired_mean_difference(np.array([]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="at least 2"):
        normal_unpaired_mean_difference(np.array([1.0]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="NaN"):
        normal_unpaired_mean_difference(np.array([1.0, np.nan]), np.array([1.0, 2.0]))
