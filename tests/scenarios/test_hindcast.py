"""The hindcast: the shipped scenario started on 1 Jan 2017, the allies playing their actual
moves of January-August 2017, reproduces the record of those months (launch days, the mix of
launch types, failures) inside its 50% intervals, with the same mechanisms and numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wargame.batch.runner import run
from wargame.engine.model import WargameModel
from wargame.scenario.loading import load_scenario
from wargame.stats.observed import read_observed
from wargame.stats.scoring import forecast_sample

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "korea_2017_over_japan.yaml"
RECORD = ROOT / "scenarios" / "observed" / "korea_2017_jan_aug.yaml"
GAMES = 200


@pytest.fixture(scope="module")
def games(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The hindcast at central values (the numbers of the file), GAMES seeds."""
    out = tmp_path_factory.mktemp("hindcast") / "batch"
    table = run(
        SCENARIO, variants=["hindcast_2017"], runs=GAMES, seed=0, out=out, sample="none",
        allow_hindsight=True,  # it replays the allies' known moves: a reconstruction
    )  # fmt: skip
    return table.to_pandas()


def test_the_hindcast_starts_on_1_january_2017_and_plays_eight_months():
    scenario = load_scenario(SCENARIO, variant="hindcast_2017")
    assert str(scenario.spec.scenario.start_date) == "2017-01-01"
    assert scenario.spec.scenario.turns == 8
    assert str(load_scenario(SCENARIO).spec.scenario.start_date) == "2017-09-01"


def test_every_observed_count_of_the_record_lies_inside_the_50_percent_interval(games):
    record = read_observed(RECORD, load_scenario(SCENARIO, variant="hindcast_2017"))
    outside = []
    for quantity in record.data.quantities:
        sample = forecast_sample(games, quantity)
        if quantity.kind == "outcome":
            happened = float(quantity.observed)
            chance_of_what_happened = np.mean(sample == happened)
            if chance_of_what_happened < 0.25:  # outside the central 50% of a yes/no forecast
                outside.append(f"{quantity.id}: {chance_of_what_happened:.2f}")
            continue
        low, high = np.quantile(sample, [0.25, 0.75])
        if not low <= float(quantity.observed) <= high:
            outside.append(f"{quantity.id}: observed {quantity.observed}, 50% [{low}, {high}]")
    assert outside == []


def test_the_share_of_failed_launch_days_lies_inside_its_50_percent_interval(games):
    record = read_observed(RECORD, load_scenario(SCENARIO, variant="hindcast_2017"))
    by_id = {q.id: q for q in record.data.quantities}
    launched = forecast_sample(games, by_id["launch_days"])
    failed = forecast_sample(games, by_id["failed_days"])
    share = failed[launched > 0] / launched[launched > 0]
    low, high = np.quantile(share, [0.25, 0.75])
    observed = float(by_id["failed_days"].observed) / float(by_id["launch_days"].observed)
    assert low <= observed <= high, (observed, low, high)


def test_the_hindcast_reaches_the_capability_the_scenario_assumes_at_its_start():
    """Consistency of the two starts: North Korea's capability after the hindcast's eight
    months brackets, in its 50% interval, the capability the file gives it on 29 Aug 2017."""
    hindcast = load_scenario(SCENARIO, variant="hindcast_2017")
    reached = [
        WargameModel(hindcast, seed=seed, record=False).run().state.attrs["NK"]["capability"]
        for seed in range(GAMES)
    ]
    low, high = np.quantile(reached, [0.25, 0.75])
    assumed = load_scenario(SCENARIO).spec.actors["NK"].attributes["capability"].value
    assert low <= assumed <= high, (assumed, low, high)
