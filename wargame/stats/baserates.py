"""Conjugate posteriors for base rates: event rates (Poisson-Gamma) and shares (Beta).

Pure functions of counts, for deriving a scenario's parameters from an event record
(`scenarios/derive_base_rates.py`, docs/base-rates.md).

- Rate: k events in an exposure T (say, months) with a Gamma(a0, b0) prior on the rate gives
  the posterior Gamma(a0 + k, b0 + T) (shape, rate); mean (a0 + k) / (b0 + T). Jeffreys' prior
  for a Poisson rate is a0 = 1/2, b0 = 0, so the mean is (k + 1/2) / T.
- Share: s of n trials with a Beta(a0, b0) prior gives Beta(a0 + s, b0 + n - s); the uniform
  prior (a0 = b0 = 1) gives the Laplace mean (s + 1) / (n + 2).
- Mix of categories: a Dirichlet(a0, ..., a0) prior on the shares gives the posterior
  Dirichlet(a0 + n_1, ..., a0 + n_K), whose marginal for category c is
  Beta(a0 + n_c, K a0 + N - a0 - n_c); the marginal means sum to 1.

Quantiles come from scipy's inverse regularised incomplete gamma and beta functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scipy.special import betaincinv, gammaincinv

__all__ = [
    "JEFFREYS_RATE_SHAPE",
    "BetaPosterior",
    "CentralInterval",
    "GammaPosterior",
    "beta_share_posterior",
    "dirichlet_marginals",
    "gamma_rate_posterior",
]

# Jeffreys' prior for a Poisson rate: density proportional to rate ** -1/2, i.e. Gamma(1/2, 0).
JEFFREYS_RATE_SHAPE = 0.5


@dataclass(frozen=True)
class CentralInterval:
    """The central (equal-tailed) posterior interval with probability `level`."""

    level: float
    low: float
    high: float


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"interval level must be between 0 and 1, got {level}")


def _check_probability(q: float) -> None:
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {q}")


@dataclass(frozen=True)
class GammaPosterior:
    """Gamma(shape, rate) posterior of an event rate (events per unit of exposure)."""

    shape: float
    rate: float

    def __post_init__(self) -> None:
        if not (self.shape > 0 and self.rate > 0):
            raise ValueError(f"Gamma needs shape > 0 and rate > 0, got {self.shape}, {self.rate}")

    @property
    def mean(self) -> float:
        return self.shape / self.rate

    def quantile(self, q: float) -> float:
        """The rate below which the posterior puts probability q."""
        _check_probability(q)
        return float(gammaincinv(self.shape, q)) / self.rate

    def interval(self, level: float) -> CentralInterval:
        """Central interval with probability `level`: the (1 - level)/2 tails cut off."""
        _check_level(level)
        tail = (1.0 - level) / 2.0
        return CentralInterval(level, self.quantile(tail), self.quantile(1.0 - tail))


@dataclass(frozen=True)
class BetaPosterior:
    """Beta(a, b) posterior of a share (a probability)."""

    a: float
    b: float

    def __post_init__(self) -> None:
        if not (self.a > 0 and self.b > 0):
            raise ValueError(f"Beta needs a > 0 and b > 0, got {self.a}, {self.b}")

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    def quantile(self, q: float) -> float:
        """The share below which the posterior puts probability q."""
        _check_probability(q)
        return float(betaincinv(self.a, self.b, q))

    def interval(self, level: float) -> CentralInterval:
        """Central interval with probability `level`: the (1 - level)/2 tails cut off."""
        _check_level(level)
        tail = (1.0 - level) / 2.0
        return CentralInterval(level, self.quantile(tail), self.quantile(1.0 - tail))


def gamma_rate_posterior(
    events: int,
    exposure: float,
    prior_shape: float = JEFFREYS_RATE_SHAPE,
    prior_rate: float = 0.0,
) -> GammaPosterior:
    """Posterior of a Poisson rate after `events` in `exposure` (Jeffreys' prior by default)."""
    if events < 0:
        raise ValueError(f"events must be >= 0, got {events}")
    if not (math.isfinite(exposure) and exposure > 0):
        raise ValueError(f"exposure must be a positive number, got {exposure}")
    return GammaPosterior(prior_shape + events, prior_rate + exposure)


def beta_share_posterior(
    hits: int, trials: int, prior_a: float = 1.0, prior_b: float = 1.0
) -> BetaPosterior:
    """Posterior of a share after `hits` of `trials` (uniform prior by default)."""
    if not 0 <= hits <= trials:
        raise ValueError(f"need 0 <= hits <= trials, got {hits} of {trials}")
    return BetaPosterior(prior_a + hits, prior_b + trials - hits)


def dirichlet_marginals(counts: Mapping[str, int], prior: float = 0.5) -> dict[str, BetaPosterior]:
    """Beta marginals of the Dirichlet(prior + counts) posterior of a mix of categories.

    Every category in `counts` (zeros included) gets the same prior weight, so a category
    never seen keeps a small share; the marginal means sum to 1.
    """
    if len(counts) < 2:
        raise ValueError(f"a mix needs at least two categories, got {list(counts)}")
    if any(n < 0 for n in counts.values()):
        raise ValueError(f"counts must be >= 0, got {dict(counts)}")
    if prior <= 0:
        raise ValueError(f"the Dirichlet prior weight must be > 0, got {prior}")
    total = sum(counts.values()) + prior * len(counts)
    return {name: BetaPosterior(prior + n, total - prior - n) for name, n in counts.items()}
