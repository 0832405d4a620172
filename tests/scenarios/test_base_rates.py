"""scenarios/derive_base_rates.py against counts made by hand from the CSV, and the scenario
and the written YAML against the derivation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from wargame.scenario.schema import Parameter

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scenarios" / "derive_base_rates.py"
SCENARIO = ROOT / "scenarios" / "korea_2017_over_japan.yaml"
WRITTEN = ROOT / "scenarios" / "korea_2017_base_rates.yaml"
MONTH = 365.25 / 12

NAMES = [
    "nk_launch_days_per_month",
    "nk_launch_days_per_month_lull",
    "nk_launch_days_per_month_surge",
    "nk_share_short_range",
    "nk_share_irbm_lofted",
    "nk_share_icbm",
    "nk_share_over_japan",
    "short_range_failure",
    "lofted_failure",
    "hwasong12_failure",
    "hwasong14_failure",
    "overflights_per_year_before_2017",
]


def _import_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_base_rates", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


drb = _import_script()
D = dt.date

# Read off the CSV by hand: the distinct dates with a launch.
DAYS_2016 = [
    D(2016, 2, 7), D(2016, 3, 10), D(2016, 3, 18), D(2016, 4, 15), D(2016, 4, 23),
    D(2016, 4, 27), D(2016, 4, 28), D(2016, 5, 30), D(2016, 6, 21), D(2016, 7, 9),
    D(2016, 7, 18), D(2016, 8, 2), D(2016, 8, 23), D(2016, 9, 5), D(2016, 10, 14),
    D(2016, 10, 19),
]  # fmt: skip
DAYS_2017_BEFORE_START = [
    D(2017, 2, 11), D(2017, 3, 5), D(2017, 3, 21), D(2017, 4, 4), D(2017, 4, 15),
    D(2017, 4, 28), D(2017, 5, 14), D(2017, 5, 21), D(2017, 5, 28), D(2017, 7, 4),
    D(2017, 7, 28), D(2017, 8, 25),
]  # fmt: skip
LULL_DAYS_BY_YEAR = {2012: 2, 2013: 3, 2014: 11, 2015: 7}
SURGE_MONTHS = (366 + 239) / MONTH  # 1 Jan 2016 .. 27 Aug 2017: 605 days
LULL_MONTHS = (365 * 3 + 366) / MONTH  # 2012-2015: 1,461 days = 48 months


@pytest.fixture(scope="module")
def launches() -> list[Any]:
    return drb.load()


@pytest.fixture(scope="module")
def days(launches: list[Any]) -> dict[dt.date, Any]:
    return {day.date: day for day in drb.launch_days(launches)}


@pytest.fixture(scope="module")
def figures(launches: list[Any]) -> dict[str, Any]:
    return {fig.name: fig for fig in drb.derive(launches)}


# ------------------------------------------------------------------ launch days and classes


def test_launch_days_of_2016_and_of_2017_before_the_start(days: dict[dt.date, Any]) -> None:
    assert sorted(d for d in days if d.year == 2016) == DAYS_2016
    assert sorted(d for d in days if d.year == 2017) == DAYS_2017_BEFORE_START


def test_the_start_event_is_in_the_csv_but_never_counted(
    launches: list[Any], days: dict[dt.date, Any]
) -> None:
    start = [x for x in launches if x.date == D(2017, 8, 28)]
    assert [x.missile for x in start] == ["hwasong-12"]
    assert start[0].launch_class is drb.LaunchClass.OVER_JAPAN
    assert D(2017, 8, 28) not in days
    assert drb.SURGE.last == drb.FULL.last == D(2017, 8, 27)


def test_a_salvo_day_counts_once(launches: list[Any], days: dict[dt.date, Any]) -> None:
    assert sum(x.date == D(2017, 3, 5) for x in launches) == 5
    assert len(days[D(2017, 3, 5)].launches) == 5
    # Two Musudans at 20:56 and 23:03 UTC: one day, a success (one of them flew).
    assert len(days[D(2016, 6, 21)].launches) == 2
    assert days[D(2016, 6, 21)].outcome is drb.Outcome.SUCCESS


def test_window_counts(days: dict[dt.date, Any]) -> None:
    surge = drb.rate_count(list(days.values()), drb.SURGE)
    lull = drb.rate_count(list(days.values()), drb.LULL)
    assert surge.days == len(DAYS_2016) + len(DAYS_2017_BEFORE_START) == 28
    assert lull.days == sum(LULL_DAYS_BY_YEAR.values()) == 23
    assert drb.SURGE.months == pytest.approx(SURGE_MONTHS)
    assert drb.LULL.months == pytest.approx(48.0)


@pytest.mark.parametrize(
    ("date", "cls", "outcome"),
    [
        # three Scud-B MaRVs, one failed: short range, and the day succeeded
        (D(2017, 8, 25), "short_range", "success"),
        # the Hwasong-12 lofted to 2,111 km, 787 km downrange: short of Japan
        (D(2017, 5, 14), "irbm_lofted", "success"),
        (D(2017, 4, 28), "irbm_lofted", "failure"),
        (D(2017, 7, 4), "icbm", "success"),
        (D(2016, 2, 7), "icbm", "success"),  # Unha-3 space launch, due south
        (D(2016, 8, 23), "irbm_lofted", "success"),  # Pukguksong-1 SLBM
        (D(2017, 3, 21), "short_range", "failure"),  # unknown type, blew up at launch
        (D(2016, 3, 18), "short_range", "success"),  # two Nodongs, one failed
        (D(2009, 4, 5), "over_japan", "failure"),  # Unha, 3,200 km eastward
        (D(1998, 8, 31), "over_japan", "failure"),  # Taepodong-1
    ],
)
def test_class_and_outcome_of_a_day(
    days: dict[dt.date, Any], date: dt.date, cls: str, outcome: str
) -> None:
    assert days[date].launch_class.value == cls
    assert days[date].outcome.value == outcome


def _launch(missile: str, outcome: str, km: float | None = 500, bearing: float = 90) -> Any:
    return drb.Launch(D(2020, 1, 1), missile, km, bearing, drb.Outcome(outcome))


def test_a_day_takes_the_class_of_its_longest_range_missile() -> None:
    day = drb.LaunchDay(D(2020, 1, 1), (_launch("scud-c", "success"), _launch("unha", "failure")))
    assert day.launch_class is drb.LaunchClass.ICBM
    # its outcome is that of the ICBM only: the Scud's success does not count
    assert day.outcome is drb.Outcome.FAILURE
    over = _launch("hwasong-12", "success", km=2700, bearing=73)
    both = drb.LaunchDay(D(2020, 1, 1), (_launch("hwasong-14", "failure"), over))
    assert both.launch_class is drb.LaunchClass.OVER_JAPAN


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (["failure", "failure"], "failure"),
        (["failure", "success"], "success"),
        (["unknown", "unknown"], "unknown"),
        (["failure", "unknown"], "unknown"),
        (["unknown", "success"], "success"),
    ],
)
def test_a_day_failed_only_if_all_its_class_missiles_failed(
    outcomes: list[str], expected: str
) -> None:
    day = drb.LaunchDay(D(2020, 1, 1), tuple(_launch("scud-c", o) for o in outcomes))
    assert day.outcome.value == expected


def test_over_japan_needs_an_eastward_bearing_and_1200_km() -> None:
    assert _launch("unha-3", "success", km=2600, bearing=181).launch_class.value == "icbm"
    assert _launch("musudan", "success", km=1199, bearing=90).launch_class.value == "irbm_lofted"
    assert _launch("musudan", "success", km=1200, bearing=90).launch_class.value == "over_japan"
    assert _launch("musudan", "success", km=None, bearing=90).launch_class.value == "irbm_lofted"


def test_an_unknown_missile_type_is_refused() -> None:
    with pytest.raises(ValueError, match="no class"):
        _ = _launch("hwasong-15", "success").launch_class


# --------------------------------------------------------------------------------- figures


def test_the_derivation_gives_every_named_parameter(figures: dict[str, Any]) -> None:
    assert sorted(figures) == sorted(NAMES)


def test_launch_day_rates_are_jeffreys_gamma_means(figures: dict[str, Any]) -> None:
    stats = pytest.importorskip("scipy.stats")
    lull_mean = (23 + 0.5) / LULL_MONTHS
    surge_mean = (28 + 0.5) / SURGE_MONTHS
    surge_95 = stats.gamma.ppf(0.95, 28.5, scale=1 / SURGE_MONTHS)
    assert figures["nk_launch_days_per_month_lull"].value == pytest.approx(lull_mean)
    assert figures["nk_launch_days_per_month_surge"].value == pytest.approx(surge_mean)
    central = figures["nk_launch_days_per_month"]
    assert (central.value, central.low, central.high) == pytest.approx(
        (surge_mean, lull_mean, surge_95)
    )


def test_mix_of_the_surge_sums_to_one(figures: dict[str, Any]) -> None:
    # surge days by class, by hand: 0 over Japan, 3 ICBM/space, 16 IRBM lofted, 9 short
    by_hand = {"over_japan": 0, "icbm": 3, "irbm_lofted": 16, "short_range": 9}
    for cls, n in by_hand.items():
        assert figures[f"nk_share_{cls}"].value == pytest.approx((n + 0.5) / (28 + 2))
    assert sum(figures[f"nk_share_{c}"].value for c in by_hand) == pytest.approx(1.0)
    rounded = sum(figures[f"nk_share_{c}"].as_yaml()["value"] for c in by_hand)
    assert rounded == pytest.approx(1.0, abs=0.002)


def test_failure_shares_are_laplace_over_launch_days(figures: dict[str, Any]) -> None:
    # 2012 .. 27 Aug 2017, by hand: short range 1 failed day (21 Mar 2017) of 27; IRBM lofted
    # 12 of 19 (Musudan 6, Pukguksong-1 3, Hwasong-12 3); ICBM 1 (Unha-3, Apr 2012) of 5.
    assert figures["short_range_failure"].value == pytest.approx(2 / 29)
    assert figures["lofted_failure"].value == pytest.approx(13 / 21)
    assert figures["hwasong14_failure"].value == pytest.approx(2 / 7)
    # Hwasong-12 since its first success (14 May 2017): 0 of 1; all its days: 3 of 4
    h12 = figures["hwasong12_failure"]
    assert h12.value == pytest.approx(1 / 3)
    assert h12.low < h12.value < 0.75 <= h12.high


def test_overflights_a_year(figures: dict[str, Any]) -> None:
    years = ((D(2017, 8, 27) - D(1998, 1, 1)).days + 1) / 365.25
    assert figures["overflights_per_year_before_2017"].value == pytest.approx(2.5 / years)


def test_every_rounded_value_lies_in_its_rounded_range(figures: dict[str, Any]) -> None:
    for fig in figures.values():
        entry = fig.as_yaml()
        low, high = entry["assumption"]
        assert low <= entry["value"] <= high, fig.name


# ---------------------------------------------------------------------- YAML and --check


def test_main_writes_the_derivation(tmp_path: Path, figures: dict[str, Any]) -> None:
    out = tmp_path / "rates.yaml"
    assert drb.main(["--out", str(out)]) == 0
    written = yaml.safe_load(out.read_text())
    assert written == {name: fig.as_yaml() for name, fig in figures.items()}


def test_the_shipped_yaml_is_up_to_date(figures: dict[str, Any]) -> None:
    shipped = yaml.safe_load(WRITTEN.read_text())
    assert shipped == {name: fig.as_yaml() for name, fig in figures.items()}


def _paste(figures: list[Any]) -> str:
    """The shipped scenario's text with the derived entries pasted under `parameters:` in
    place of its own entries of those names (text, so the rest of the file is untouched)."""
    names = {fig.name for fig in figures}
    lines = SCENARIO.read_text().splitlines(keepends=True)
    start = lines.index("parameters:\n")
    end = next(i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "\n", "#"))
    kept: list[str] = []
    skipping = False
    for line in lines[start + 1 : end]:
        if line.startswith("  ") and line[2:3] not in (" ", "#", "\n"):
            skipping = line.strip().split(":")[0] in names
        if not skipping:
            kept.append(line)
    pasted = textwrap.indent(drb.yaml_text(figures), "  ")
    return "".join([*lines[: start + 1], pasted, *kept, *lines[end:]])


def test_the_scenario_agrees_with_the_derivation(figures: dict[str, Any]) -> None:
    """Fails until the scenario carries scenarios/korea_2017_base_rates.yaml's entries."""
    mismatches, checked = drb.check(list(figures.values()), SCENARIO)
    assert [str(m) for m in mismatches] == [], (
        "the scenario differs from the derivation: paste the entries of"
        " scenarios/korea_2017_base_rates.yaml (python scenarios/derive_base_rates.py --check"
        " scenarios/korea_2017_over_japan.yaml lists them)"
    )
    assert set(checked) <= set(NAMES)


def test_pasted_values_load_and_a_hand_edit_fails_the_check(
    tmp_path: Path, figures: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "scenario.yaml"
    copy.write_text(_paste(list(figures.values())))
    # the pasted entries are valid parameters of the scenario's schema, citing a known source
    pasted = yaml.safe_load(copy.read_text())
    for name in figures:
        Parameter.model_validate(pasted["parameters"][name])
    assert drb.SOURCE in pasted["sources"]
    assert drb.main(["--check", str(copy)]) == 0
    assert "12 of 12 derived parameters it defines agree" in capsys.readouterr().out

    edited = {
        **figures,
        "lofted_failure": dataclasses.replace(figures["lofted_failure"], value=0.5),
        "nk_share_icbm": dataclasses.replace(figures["nk_share_icbm"], high=0.25),
    }
    copy.write_text(_paste(list(edited.values())))
    assert drb.main(["--check", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "lofted_failure: value 0.5 in the scenario, derived 0.619" in out
    assert "nk_share_icbm: assumption [0.0383, 0.25]" in out
    assert "10 of 12 derived parameters it defines agree" in out
    mismatches, _ = drb.check(list(figures.values()), copy)
    assert [(m.name, m.field) for m in mismatches] == [
        ("nk_share_icbm", "assumption"),
        ("lofted_failure", "value"),
    ]


def test_check_flags_a_missing_range(tmp_path: Path, figures: dict[str, Any]) -> None:
    fig = figures["hwasong14_failure"]
    copy = tmp_path / "scenario.yaml"
    copy.write_text(yaml.safe_dump({"parameters": {fig.name: {"value": fig.value}}}))
    mismatches, checked = drb.check(list(figures.values()), copy)
    assert checked == [fig.name]
    assert [(m.name, m.field) for m in mismatches] == [(fig.name, "assumption")]


def test_check_of_a_file_without_parameters_exits_2(tmp_path: Path) -> None:
    copy = tmp_path / "scenario.yaml"
    copy.write_text("scenario: {id: x}\n")
    assert drb.main(["--check", str(copy)]) == 2


@pytest.mark.parametrize(
    ("found", "derived", "agree"),
    [
        (1.43, 1.4338, True),
        (1.434, 1.4338, True),
        (1.44, 1.4338, False),
        (6.72e-05, 6.7215e-05, True),
        (0.0, 6.7215e-05, False),
        (0, 0.0, True),
        ("1.43", 1.4338, False),
        (True, 1.0, False),
        (None, 1.0, False),
    ],
)
def test_agreement_is_up_to_three_significant_digits(
    found: object, derived: float, agree: bool
) -> None:
    assert drb.agrees(found, derived) is agree
