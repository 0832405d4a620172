"""docs/credibility.md's tables of the mechanisms' numbers match the shipped scenario."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wargame.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "credibility.md"
ROW = re.compile(
    r"^\| `(?P<name>\w+)` \| (?P<value>[^|]+) \| (?P<range>[^|]+) \| (?P<source>[^|]+) \|"
)


def rows() -> list[re.Match[str]]:
    return [m for line in PAGE.read_text().splitlines() if (m := ROW.match(line))]


def test_the_page_lists_the_numbers_of_north_koreas_choices_and_the_council():
    names = {m["name"] for m in rows()}
    assert {"nk_deterrent_goal", "nk_programme_value", "council_veto_share"} <= names
    assert len(names) >= 50


@pytest.fixture(scope="module")
def parameters():
    return load_scenario(ROOT / "scenarios" / "korea_2017_over_japan.yaml").spec.parameters


@pytest.mark.parametrize("row", rows(), ids=lambda m: m["name"])
def test_each_row_gives_the_files_value_range_and_source(row, parameters):
    parameter = parameters[row["name"]]
    assert float(row["value"]) == pytest.approx(parameter.value)
    if parameter.assumption is None:
        assert row["range"].strip() == "fixed"
    else:
        low, high = (float(x) for x in row["range"].strip(" []").split(","))
        assert (low, high) == pytest.approx(tuple(parameter.assumption))
    assert row["source"].strip() == (parameter.source or "assumption")
