"""Properties that hold for every seed and variant: state stays finite and within bounds."""

from __future__ import annotations

import math

import pytest
from conftest import SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st

from wargame.engine.model import WargameModel
from wargame.engine.policies import logit
from wargame.scenario.loading import load_scenario

# Every scenario shipped; *_base_rates.yaml are parameter entries derived for a scenario
# (scenarios/derive_base_rates.py), not scenarios.
SHIPPED = sorted(p for p in SCENARIOS.glob("*.yaml") if not p.stem.endswith("_base_rates"))


def assert_in_bounds(model: WargameModel) -> None:
    state = model.state
    for term, (low, high) in state.bounds.items():
        value = state.get(term)
        assert math.isfinite(value) and low <= value <= high, (term, value)
    for _, _, data in state.graph.edges(data=True):
        assert all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in data.values())
    for about in state.beliefs.values():
        for alpha, beta in about.values():
            assert alpha > 0 and beta > 0 and math.isfinite(alpha + beta)


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), pick=st.integers(0, 10))
def test_state_stays_within_bounds_for_any_seed_and_variant(path, seed, pick):
    base = load_scenario(path)
    variants = [None, *base.spec.variants]
    scenario = load_scenario(path, variant=variants[pick % len(variants)])
    model = WargameModel(scenario, seed=seed, record=False)
    while model.running:
        model.step()
        assert_in_bounds(model)
    model.release()


@given(
    utilities=st.lists(st.floats(-1e300, 1e300), min_size=1, max_size=20),
    rationality=st.floats(0, 1e12),
)
def test_logit_is_a_finite_distribution_for_any_utilities_and_rationality(utilities, rationality):
    probabilities = logit(utilities, rationality)
    assert all(math.isfinite(p) and 0.0 <= p <= 1.0 for p in probabilities)
    assert math.isclose(sum(probabilities), 1.0, rel_tol=1e-9)
