"""Proper scores of a scenario's forecasts against what happened (`wargame score`).

The forecast of each observed quantity is the sample a batch gives (one value per game).
Counts and values are scored with the CRPS of that ensemble (scoringrules), yes/no outcomes
with the log score of the forecast probability; lower is better for both. The observation's
percentile rank in the sample (ties counted half) tells where it fell: over many quantities
a calibrated model gives ranks spread evenly over 0 to 1. A reference forecast is scored the
same way, and skill = 1 - model score / reference score (above 0: the model does better).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scoringrules

from wargame.stats.observed import Quantity, Reference

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

PROBABILITY_FLOOR = 1e-4
"""A forecast probability is kept within [floor, 1 - floor] for the log score: a sample that
never (or always) shows an outcome does not mean the model rules it out, and log 0 is
infinite. The sample's own estimate uses (k + 1/2) / (n + 1), which stays inside too."""


@dataclass(frozen=True)
class Score:
    """One quantity: the forecast's summary, where the observation fell, the scores."""

    quantity: str
    label: str
    rule: str  # 'CRPS' or 'log score'
    observed: float
    mean: float
    q05: float
    q25: float
    q75: float
    q95: float
    rank: float
    model: float
    reference: float | None

    @property
    def skill(self) -> float | None:
        """1 - model / reference (None without a reference, or a perfect reference)."""
        if self.reference is None or self.reference == 0:
            return None
        return 1 - self.model / self.reference


def percentile_rank(sample: Sequence[float] | NDArray[np.float64], observed: float) -> float:
    """The share of the sample below the observation, ties counted half."""
    values = np.asarray(sample, dtype=float)
    return float(np.mean(values < observed) + 0.5 * np.mean(values == observed))


def crps_of_sample(sample: Sequence[float] | NDArray[np.float64], observed: float) -> float:
    return float(scoringrules.crps_ensemble(float(observed), np.asarray(sample, dtype=float)))


def log_score(probability: float, happened: bool) -> float:
    p = min(max(probability, PROBABILITY_FLOOR), 1 - PROBABILITY_FLOOR)
    return -math.log(p if happened else 1 - p)


def reference_score(reference: Reference, observed: float) -> float:
    """The reference forecast's score on the observation, by the same rule as the model's."""
    if reference.poisson is not None:
        return float(scoringrules.crps_poisson(float(observed), reference.poisson))
    if reference.normal is not None:
        normal = reference.normal
        return float(scoringrules.crps_normal(float(observed), normal.mean, normal.sd))
    assert reference.probability is not None
    return log_score(reference.probability, bool(observed))


def forecast_sample(games: pd.DataFrame, quantity: Quantity) -> NDArray[np.float64]:
    """One value per game of a batch's runs table: the added counts, 1 where the outcome
    happened (else 0), or the variable's final value."""
    if quantity.count is not None:
        values = sum(games[f"count.{key}"].fillna(0) for key in quantity.count)
    elif quantity.outcome is not None:
        values = games[f"outcome.{quantity.outcome}"].notna().astype(float)
    else:
        values = games[f"final.{quantity.final}"]
    return np.asarray(values, dtype=float)


def score(quantity: Quantity, sample: Sequence[float] | NDArray[np.float64]) -> Score:
    """Score one quantity's forecast sample (for an outcome: 1 where it happened, else 0)."""
    values = np.asarray(sample, dtype=float)
    if values.size == 0:
        raise ValueError(f"no games to score quantity '{quantity.id}' with")
    observed = float(quantity.observed)
    quantiles = np.quantile(values, [0.05, 0.25, 0.75, 0.95])
    if quantity.kind == "outcome":
        estimate = (values.sum() + 0.5) / (values.size + 1)
        model = log_score(float(estimate), bool(quantity.observed))
        rule = "log score"
    else:
        model = crps_of_sample(values, observed)
        rule = "CRPS"
    reference = (
        None if quantity.reference is None else reference_score(quantity.reference, observed)
    )
    return Score(
        quantity=quantity.id,
        label=quantity.label or quantity.id,
        rule=rule,
        observed=observed,
        mean=float(values.mean()),
        q05=float(quantiles[0]),
        q25=float(quantiles[1]),
        q75=float(quantiles[2]),
        q95=float(quantiles[3]),
        rank=percentile_rank(values, observed),
        model=model,
        reference=reference,
    )


def totals(scores: Sequence[Score]) -> dict[str, tuple[float, float | None]]:
    """Per rule: the sum of the model's scores and of the references' (None unless every
    quantity of that rule has a reference): CRPS and log scores are not added together."""
    found: dict[str, tuple[float, float | None]] = {}
    for rule in sorted({s.rule for s in scores}):
        same = [s for s in scores if s.rule == rule]
        references = [s.reference for s in same]
        reference = None if None in references else sum(r for r in references if r is not None)
        found[rule] = (sum(s.model for s in same), reference)
    return found
