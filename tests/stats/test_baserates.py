"""The base-rate posteriors (wargame.stats.baserates) against closed forms and scipy.stats."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wargame.stats.baserates import (
    BetaPosterior,
    GammaPosterior,
    beta_share_posterior,
    dirichlet_marginals,
    gamma_rate_posterior,
)

stats = pytest.importorskip("scipy.stats")


@pytest.mark.parametrize(("events", "exposure"), [(0, 1.0), (28, 19.877), (23, 48.0), (2, 19.66)])
def test_jeffreys_rate_mean_is_events_plus_half_over_exposure(events: int, exposure: float) -> None:
    post = gamma_rate_posterior(events, exposure)
    assert post.shape == events + 0.5
    assert post.rate == exposure
    assert post.mean == pytest.approx((events + 0.5) / exposure, rel=1e-12)


@pytest.mark.parametrize("q", [0.05, 0.5, 0.95])
def test_gamma_shape_one_is_the_exponential(q: float) -> None:
    """Gamma(1, b) is the exponential distribution: quantile -ln(1 - q) / b."""
    assert GammaPosterior(1.0, 4.0).quantile(q) == pytest.approx(-math.log(1 - q) / 4.0)


@pytest.mark.parametrize("events", [0, 3, 28])
def test_jeffreys_interval_is_the_chi_square_form(events: int) -> None:
    """Gamma(k + 1/2, T) quantiles are chi-square(2k + 1) quantiles over 2T."""
    exposure = 19.877
    ci = gamma_rate_posterior(events, exposure).interval(0.9)
    assert ci.low == pytest.approx(stats.chi2.ppf(0.05, 2 * events + 1) / (2 * exposure))
    assert ci.high == pytest.approx(stats.chi2.ppf(0.95, 2 * events + 1) / (2 * exposure))
    assert ci.level == 0.9


def test_a_weak_gamma_prior_adds_its_pseudo_counts() -> None:
    post = gamma_rate_posterior(5, 10.0, prior_shape=1.0, prior_rate=2.0)
    assert (post.shape, post.rate, post.mean) == (6.0, 12.0, 0.5)


def test_uniform_prior_share_is_laplace() -> None:
    post = beta_share_posterior(3, 4)
    assert (post.a, post.b) == (4.0, 2.0)
    assert post.mean == pytest.approx((3 + 1) / (4 + 2))


def test_no_trials_gives_the_uniform_prior_interval() -> None:
    ci = beta_share_posterior(0, 0).interval(0.9)
    assert (ci.low, ci.high) == pytest.approx((0.05, 0.95))


@pytest.mark.parametrize(("b", "q"), [(2.0, 0.95), (27.0, 0.05), (5.0, 0.5)])
def test_beta_one_b_has_a_closed_form_quantile(b: float, q: float) -> None:
    """Beta(1, b): CDF 1 - (1 - x)^b, so the q-quantile is 1 - (1 - q)^(1/b)."""
    assert BetaPosterior(1.0, b).quantile(q) == pytest.approx(1 - (1 - q) ** (1 / b))


@pytest.mark.parametrize(("hits", "trials"), [(1, 27), (12, 19), (0, 28), (3, 4)])
def test_beta_interval_matches_scipy(hits: int, trials: int) -> None:
    ci = beta_share_posterior(hits, trials).interval(0.9)
    dist = stats.beta(hits + 1, trials - hits + 1)
    assert (ci.low, ci.high) == pytest.approx((dist.ppf(0.05), dist.ppf(0.95)))


def test_dirichlet_marginals_are_betas_whose_means_sum_to_one() -> None:
    shares = dirichlet_marginals({"a": 0, "b": 3, "c": 16, "d": 9}, prior=0.5)
    assert shares["a"] == BetaPosterior(0.5, 29.5)
    assert shares["c"] == BetaPosterior(16.5, 13.5)
    assert math.fsum(p.mean for p in shares.values()) == pytest.approx(1.0, abs=1e-12)


def test_two_category_dirichlet_is_the_beta_posterior() -> None:
    shares = dirichlet_marginals({"fail": 2, "ok": 5}, prior=1.0)
    assert shares["fail"] == beta_share_posterior(2, 7)


@given(
    counts=st.lists(st.integers(0, 50), min_size=2, max_size=6),
    prior=st.floats(0.1, 2.0),
)
def test_dirichlet_means_always_sum_to_one(counts: list[int], prior: float) -> None:
    shares = dirichlet_marginals({str(i): n for i, n in enumerate(counts)}, prior)
    assert math.fsum(p.mean for p in shares.values()) == pytest.approx(1.0)


@given(
    events=st.integers(0, 200),
    exposure=st.floats(0.5, 500.0),
    level=st.floats(0.5, 0.99),
)
def test_a_wider_interval_contains_a_narrower_one(
    events: int, exposure: float, level: float
) -> None:
    post = gamma_rate_posterior(events, exposure)
    narrow, wide = post.interval(level / 2), post.interval(level)
    assert wide.low <= narrow.low <= post.quantile(0.5) <= narrow.high <= wide.high


@pytest.mark.parametrize(
    "call",
    [
        lambda: gamma_rate_posterior(-1, 1.0),
        lambda: gamma_rate_posterior(1, 0.0),
        lambda: gamma_rate_posterior(1, math.nan),
        lambda: beta_share_posterior(5, 4),
        lambda: beta_share_posterior(-1, 4),
        lambda: dirichlet_marginals({}),
        lambda: dirichlet_marginals({"a": 3}),
        lambda: dirichlet_marginals({"a": -1, "b": 2}),
        lambda: dirichlet_marginals({"a": 1, "b": 2}, prior=0.0),
        lambda: beta_share_posterior(1, 2).interval(1.0),
        lambda: gamma_rate_posterior(1, 2.0).quantile(1.5),
    ],
)
def test_bad_inputs_are_refused(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]
