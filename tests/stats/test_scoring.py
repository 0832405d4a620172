"""Proper scores on synthetic records whose right answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from wargame.stats.observed import Quantity, Reference
from wargame.stats.scoring import log_score, percentile_rank, score, totals


def count(observed: float, rate: float | None = None) -> Quantity:
    reference = None if rate is None else Reference(poisson=rate)
    return Quantity(id="tests", count=["t"], observed=observed, reference=reference)


@pytest.mark.parametrize(
    ("sample", "observed", "rank"),
    [
        ([1, 2, 3, 4], 0, 0.0),
        ([1, 2, 3, 4], 9, 1.0),
        ([1, 2, 3, 4], 3, 0.625),  # two below, one tie: (2 + 0.5) / 4
        ([5, 5, 5, 5], 5, 0.5),
    ],
)
def test_the_percentile_rank_counts_ties_half(sample, observed, rank):
    assert percentile_rank(sample, observed) == pytest.approx(rank)


def test_a_model_matching_the_process_beats_a_wrong_reference_and_ranks_are_uniform():
    """Observations from Poisson(5); the model's games from Poisson(5); the reference says
    Poisson(9). Over 400 observations the model's mean CRPS is below the reference's, its
    skill positive, and the ranks of the observations are spread evenly over 0 to 1."""
    rng = np.random.default_rng(20171129)
    truth = 5.0
    scores = []
    for _ in range(400):
        observed = float(rng.poisson(truth))
        games = rng.poisson(truth, size=2000)
        scores.append(score(count(observed, rate=9.0), games))
    model = np.mean([s.model for s in scores])
    reference = np.mean([s.reference for s in scores])
    assert model < 0.8 * reference
    assert all(s.rule == "CRPS" for s in scores)
    assert abs(np.mean([s.rank for s in scores]) - 0.5) < 0.05  # (ties count half)
    total_model, total_reference = totals(scores)["CRPS"]
    assert total_reference is not None and total_model < total_reference


def test_ranks_of_observations_from_the_model_s_own_process_are_uniform():
    """A continuous quantity (no ties): 500 observations and their forecasts from the same
    normal give percentile ranks whose histogram passes a chi-square test of uniformity."""
    rng = np.random.default_rng(29)
    ranks = []
    for _ in range(500):
        observed = float(rng.normal(0.4, 0.1))
        quantity = Quantity(id="tension", final="tension", observed=observed)
        ranks.append(score(quantity, rng.normal(0.4, 0.1, size=1000)).rank)
    counts, _ = np.histogram(ranks, bins=10, range=(0, 1))
    chi2 = ((counts - 50) ** 2 / 50).sum()
    assert chi2 < 27.9  # the 99.9th percentile of chi-square with 9 degrees of freedom
    skewed = [score(Quantity(id="t", final="t", observed=0.6), rng.normal(0.4, 0.1, 1000)).rank]
    assert skewed[0] > 0.95  # an observation two sd above the forecast ranks high


def test_a_wrong_model_loses_to_a_right_reference():
    rng = np.random.default_rng(7)
    scores = [
        score(count(float(rng.poisson(5.0)), rate=5.0), rng.poisson(12.0, size=1000))
        for _ in range(100)
    ]
    skill = 1 - sum(s.model for s in scores) / sum(s.reference for s in scores)
    assert skill < 0
    assert np.mean([s.rank for s in scores]) < 0.2  # the observations fall low in the sample


def test_yes_no_outcomes_get_the_log_score_of_the_sample_s_estimate():
    quantity = Quantity(
        id="war", outcome="war", observed=False, reference=Reference(probability=0.5)
    )
    result = score(quantity, [0] * 90 + [1] * 10)
    assert result.rule == "log score"
    assert result.model == pytest.approx(-np.log(1 - 10.5 / 101))
    assert result.reference == pytest.approx(np.log(2))
    assert result.skill is not None and result.skill > 0
    never = score(Quantity(id="war", outcome="war", observed=True), [0] * 100)
    assert np.isfinite(never.model) and never.model == pytest.approx(-np.log(0.5 / 101))
    assert log_score(0.0, True) < 10  # floored, never infinite


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"count": ["t"], "outcome": "war", "observed": 1}, "exactly one of count"),
        ({"outcome": "war", "observed": 3}, "true or false"),
        ({"count": ["t"], "observed": 3, "reference": {"probability": 0.2}}, "poisson"),
        ({"count": ["t"], "observed": 3, "reference": {"poisson": 1, "probability": 0.2}}, "one"),
    ],
)
def test_a_quantity_that_does_not_say_one_thing_is_refused(fields, says):
    with pytest.raises(ValueError, match=says):
        Quantity(id="q", **fields)
