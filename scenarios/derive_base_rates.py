"""Derive the base rates that scenarios/korea_2017_over_japan.yaml cites (source: cns_missile_db).

Reads the CNS North Korea Missile Test Database extract in scenarios/data/ (one row per
missile, April 1984 to the Hwasong-12 over Hokkaido, 28 August 2017 UTC), groups it into
launch days (one model move = one launch day), classifies each day by the scenario's launch
options, and derives with conjugate posteriors (wargame.stats.baserates):

- launch days a month in the lull (2012-2015), the surge (2016 to 27 Aug 2017) and both;
- the mix of launch-day classes in the surge;
- the failure share of each class (2012 to 27 Aug 2017) and of the Hwasong-12;
- flights over Japan a year (1998 to 27 Aug 2017).

The start event (28 Aug 2017) is never counted. docs/base-rates.md explains every choice.

    python scenarios/derive_base_rates.py            # print the table, write the YAML
    python scenarios/derive_base_rates.py --days     # ... and list every classified day
    python scenarios/derive_base_rates.py --check scenarios/korea_2017_over_japan.yaml
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml

from wargame.stats.baserates import (
    BetaPosterior,
    GammaPosterior,
    beta_share_posterior,
    dirichlet_marginals,
    gamma_rate_posterior,
)

HERE = Path(__file__).resolve().parent
CSV_PATH = HERE / "data" / "nk_missile_tests_1984_to_2017-08-28.csv"
OUT_PATH = HERE / "korea_2017_base_rates.yaml"
SOURCE = "cns_missile_db"

START_EVENT = dt.date(2017, 8, 28)  # the Hwasong-12 over Hokkaido, 20:58 UTC: never counted
DAYS_PER_MONTH = 365.25 / 12  # a month of exposure: 30.4375 days
DAYS_PER_YEAR = 365.25
LEVEL = 0.90  # every interval below is the central 90% posterior interval
MIX_PRIOR = 0.5  # Jeffreys' Dirichlet(1/2, ..., 1/2) prior on the mix of launch-day classes
SIGNIFICANT = 3  # digits kept in the YAML

# A flight "over Japan": eastward (bearing 45-135 degrees) and at least the ~1,200 km from the
# North Korean coast to beyond Honshu/Hokkaido. Lofted tests fall short of Japan.
OVER_JAPAN_BEARING = (45.0, 135.0)
OVER_JAPAN_MIN_KM = 1200.0


class LaunchClass(StrEnum):
    """The scenario's launch options a launch day can stand for, highest precedence first."""

    OVER_JAPAN = "over_japan"
    ICBM = "icbm"
    IRBM_LOFTED = "irbm_lofted"
    SHORT_RANGE = "short_range"


PRECEDENCE = tuple(LaunchClass)  # a day's class: the first of these among its missiles

# Missile type -> class when the flight is not over Japan. Space launchers (Taepodong-1, Unha)
# count as ICBM: the same multi-stage long-range booster, which the UN Security Council treats
# as a ballistic-missile launch and the scenario has no separate option for. Pukguksong-1 (the
# SLBM) is the sea-launched twin of the Pukguksong-2 and flew lofted (500 km) in Aug 2016. An
# unknown type counts as short range: the record gives it no range, and three quarters of all
# missiles are short range (the one after 2012, Wonsan 21 Mar 2017, blew up at launch).
TYPE_CLASS: dict[str, LaunchClass] = {
    **dict.fromkeys(("hwasong-14", "taepodong-1", "unha", "unha-3"), LaunchClass.ICBM),
    **dict.fromkeys(
        ("hwasong-12", "musudan", "pukguksong-1", "pukguksong-2"), LaunchClass.IRBM_LOFTED
    ),
    **dict.fromkeys(
        (
            "scud-b",
            "scud-c",
            "scud-b-marv",
            "scud-c-marv",
            "er-scud",
            "nodong",
            "kn-02",
            "unknown",
        ),
        LaunchClass.SHORT_RANGE,
    ),
}


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Launch:
    """One missile of the record."""

    date: dt.date
    missile: str
    distance_km: float | None
    bearing_deg: float | None
    outcome: Outcome

    @property
    def over_japan(self) -> bool:
        lo, hi = OVER_JAPAN_BEARING
        return (
            self.bearing_deg is not None
            and lo <= self.bearing_deg <= hi
            and self.distance_km is not None
            and self.distance_km >= OVER_JAPAN_MIN_KM
        )

    @property
    def launch_class(self) -> LaunchClass:
        if self.over_japan:
            return LaunchClass.OVER_JAPAN
        try:
            return TYPE_CLASS[self.missile]
        except KeyError:
            raise ValueError(f"{self.date}: missile type {self.missile!r} has no class") from None


def combined_outcome(launches: Iterable[Launch]) -> Outcome:
    """A success if any succeeded, a failure if all failed, else (none known) unknown."""
    outcomes = {launch.outcome for launch in launches}
    if Outcome.SUCCESS in outcomes:
        return Outcome.SUCCESS
    if outcomes == {Outcome.FAILURE}:
        return Outcome.FAILURE
    return Outcome.UNKNOWN


@dataclass(frozen=True)
class LaunchDay:
    """A distinct UTC date with at least one launch: one model move."""

    date: dt.date
    launches: tuple[Launch, ...]

    @property
    def launch_class(self) -> LaunchClass:
        """The class of the day's longest-range missile (over Japan before ICBM: see PRECEDENCE)."""
        classes = {launch.launch_class for launch in self.launches}
        return next(c for c in PRECEDENCE if c in classes)

    @property
    def outcome(self) -> Outcome:
        """The outcome of the missiles of the day's class (other missiles that day don't count)."""
        cls = self.launch_class
        return combined_outcome(x for x in self.launches if x.launch_class is cls)

    def has(self, missile: str) -> bool:
        return any(x.missile == missile for x in self.launches)


@dataclass(frozen=True)
class Window:
    """A span of dates, both ends included."""

    name: str
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def months(self) -> float:
        return self.days / DAYS_PER_MONTH

    @property
    def years(self) -> float:
        return self.days / DAYS_PER_YEAR

    def __contains__(self, date: object) -> bool:
        return isinstance(date, dt.date) and self.first <= date <= self.last

    def __str__(self) -> str:
        return f"{self.name} {self.first}..{self.last}"


BEFORE_START = START_EVENT - dt.timedelta(days=1)
LULL = Window("lull", dt.date(2012, 1, 1), dt.date(2015, 12, 31))
SURGE = Window("surge", dt.date(2016, 1, 1), BEFORE_START)
FULL = Window("full", dt.date(2012, 1, 1), BEFORE_START)
# Flights over Japan: from the year of the first missile able to make one (Taepodong-1, 1998).
OVERFLIGHT_ERA = Window("overflight era", dt.date(1998, 1, 1), BEFORE_START)
RATE_WINDOWS = (LULL, SURGE, FULL)
FAILURE_WINDOW = FULL


@dataclass(frozen=True)
class Figure:
    """One scenario parameter: value, assumption range and how it was derived."""

    name: str
    value: float
    low: float
    high: float
    detail: str

    def as_yaml(self) -> dict[str, object]:
        return {
            "value": round_sig(self.value),
            "assumption": [round_sig(self.low), round_sig(self.high)],
            "source": SOURCE,
            "detail": self.detail,
            "description": DESCRIPTIONS[self.name],
        }


DESCRIPTIONS = {
    "nk_launch_days_per_month": "North Korean launch days a month (any missile) at the start",
    "nk_launch_days_per_month_lull": "launch days a month in the 2012-2015 lull",
    "nk_launch_days_per_month_surge": "launch days a month in the 2016-2017 surge",
    "nk_share_over_japan": "share of launch days that fly over Japan",
    "nk_share_icbm": "share of launch days that are ICBM tests",
    "nk_share_irbm_lofted": "share of launch days that are lofted IRBM-class tests",
    "nk_share_short_range": "share of launch days that are short-range tests",
    "short_range_failure": "chance a short-range launch day fails",
    "lofted_failure": "chance a lofted IRBM-class launch day fails",
    "hwasong12_failure": "chance a Hwasong-12 flight fails",
    "hwasong14_failure": "chance a Hwasong-14 flight fails",
    "overflights_per_year_before_2017": "launches over Japan a year, 1998 to the start",
}
"""What each derived parameter is, in plain words (its label in tables and sensitivity)."""


# ------------------------------------------------------------------------- reading the CSV


def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD, or YYYY-MM for a few early rows whose day is unknown (taken as the 1st)."""
    parts = [int(p) for p in text.split("-")]
    return dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)


def number(text: str) -> float | None:
    """A figure, or None for the source's 'unknown' and 'na'."""
    try:
        return float(text)
    except ValueError:
        return None


def load(path: Path = CSV_PATH) -> list[Launch]:
    """Every missile of the record, in file order."""
    with path.open(newline="") as handle:
        return [
            Launch(
                date=parse_date(row["date"]),
                missile=row["missile"].strip().lower(),
                distance_km=number(row["distance"]),
                bearing_deg=number(row["bearing"]),
                outcome=Outcome(row["outcome"].strip().lower()),
            )
            for row in csv.DictReader(handle)
        ]


def launch_days(launches: Iterable[Launch]) -> list[LaunchDay]:
    """The launches grouped by UTC date, in date order; the start event's date is dropped."""
    by_date: dict[dt.date, list[Launch]] = {}
    for launch in launches:
        if launch.date < START_EVENT:
            by_date.setdefault(launch.date, []).append(launch)
    return [LaunchDay(date, tuple(by_date[date])) for date in sorted(by_date)]


def within(days: Iterable[LaunchDay], window: Window) -> list[LaunchDay]:
    return [day for day in days if day.date in window]


# ----------------------------------------------------------------------------- the figures


def round_sig(x: float, digits: int = SIGNIFICANT) -> float:
    """x to `digits` significant digits (0 stays 0)."""
    return 0.0 if x == 0 else float(f"{x:.{digits}g}")


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def fmt(x: float) -> str:
    return f"{round_sig(x):g}"


def gamma_text(post: GammaPosterior, unit: str) -> str:
    ci = post.interval(LEVEL)
    return (
        f"Jeffreys Gamma({post.shape:g}, {post.rate:.4g} {unit}) mean {fmt(post.mean)},"
        f" 90% {fmt(ci.low)}-{fmt(ci.high)}"
    )


def beta_text(post: BetaPosterior) -> str:
    ci = post.interval(LEVEL)
    return f"Beta({post.a:g}, {post.b:g}) mean {fmt(post.mean)}, 90% {fmt(ci.low)}-{fmt(ci.high)}"


@dataclass(frozen=True)
class RateCount:
    window: Window
    days: int
    missiles: int
    posterior: GammaPosterior


def rate_count(days: Sequence[LaunchDay], window: Window) -> RateCount:
    """Launch days a month in a window: count and Jeffreys posterior."""
    inside = within(days, window)
    return RateCount(
        window,
        len(inside),
        sum(len(day.launches) for day in inside),
        gamma_rate_posterior(len(inside), window.months),
    )


@dataclass(frozen=True)
class FailureCount:
    """Launch days of one kind: failed, succeeded, unknown; uniform-prior Beta posterior."""

    failed: int
    succeeded: int
    unknown: int

    @property
    def known(self) -> int:
        return self.failed + self.succeeded

    @property
    def posterior(self) -> BetaPosterior:
        return beta_share_posterior(self.failed, self.known)

    def text(self) -> str:
        return (
            f"{plural(self.known + self.unknown, 'launch day')}, {self.failed} failed of"
            f" {self.known} known ({self.unknown} unknown);"
            f" uniform prior {beta_text(self.posterior)}"
        )


def count_failures(outcomes: Iterable[Outcome]) -> FailureCount:
    tally = Counter(outcomes)
    return FailureCount(tally[Outcome.FAILURE], tally[Outcome.SUCCESS], tally[Outcome.UNKNOWN])


def class_failures(days: Sequence[LaunchDay], cls: LaunchClass, window: Window) -> FailureCount:
    """Failure count of one class's launch days in a window."""
    return count_failures(day.outcome for day in within(days, window) if day.launch_class is cls)


def missile_days(days: Sequence[LaunchDay], missile: str) -> list[tuple[dt.date, Outcome]]:
    """The days a missile type flew, with the outcome of its own flights that day."""
    return [
        (day.date, combined_outcome(x for x in day.launches if x.missile == missile))
        for day in days
        if day.has(missile)
    ]


def mix(days: Sequence[LaunchDay], window: Window) -> tuple[Counter[LaunchClass], int]:
    inside = within(days, window)
    counts = Counter(day.launch_class for day in inside)
    return Counter({cls: counts[cls] for cls in LaunchClass}), len(inside)


def derive(launches: Sequence[Launch]) -> list[Figure]:
    """Every scenario parameter the record gives, in the order the YAML lists them."""
    days = launch_days(launches)
    return [
        *rate_figures(days),
        *mix_figures(days),
        class_failure_figure(days, "short_range_failure", LaunchClass.SHORT_RANGE),
        class_failure_figure(days, "lofted_failure", LaunchClass.IRBM_LOFTED),
        hwasong12_figure(days),
        class_failure_figure(days, "hwasong14_failure", LaunchClass.ICBM),
        overflight_figure(days),
    ]


def rate_detail(rc: RateCount) -> str:
    return (
        f"{rc.window}: {rc.days} launch days ({rc.missiles} missiles) in"
        f" {rc.window.months:.2f} months; {gamma_text(rc.posterior, 'months')}"
    )


def rate_figures(days: Sequence[LaunchDay]) -> list[Figure]:
    """Launch days a month: the scenario's (surge mean, lull mean to surge 95%), each regime's."""
    lull, surge = rate_count(days, LULL), rate_count(days, SURGE)
    surge_95 = surge.posterior.quantile(0.95)
    figures = [
        Figure(
            "nk_launch_days_per_month",
            surge.posterior.mean,
            lull.posterior.mean,
            surge_95,
            f"Central: the surge posterior mean; range: the lull posterior mean to the surge"
            f" 95th percentile ({fmt(surge_95)}). {rate_detail(surge)}. {rate_detail(lull)}."
            f" The start event (28 Aug 2017) is excluded.",
        )
    ]
    for name, rc in (
        ("nk_launch_days_per_month_lull", lull),
        ("nk_launch_days_per_month_surge", surge),
    ):
        ci = rc.posterior.interval(LEVEL)
        figures.append(Figure(name, rc.posterior.mean, ci.low, ci.high, rate_detail(rc) + "."))
    return figures


def mix_figures(days: Sequence[LaunchDay]) -> list[Figure]:
    """The share of each class among the surge's launch days (Dirichlet marginals)."""
    counts, total = mix(days, SURGE)
    shares = dirichlet_marginals({cls.value: counts[cls] for cls in LaunchClass}, MIX_PRIOR)
    figures = []
    for cls in LaunchClass:
        post = shares[cls.value]
        ci = post.interval(LEVEL)
        figures.append(
            Figure(
                f"nk_share_{cls.value}",
                post.mean,
                ci.low,
                ci.high,
                f"{SURGE}: {counts[cls]} of {total} launch days {cls.value}; Jeffreys"
                f" Dirichlet(1/2 each) marginal {beta_text(post)}.",
            )
        )
    return figures


def class_failure_figure(days: Sequence[LaunchDay], name: str, cls: LaunchClass) -> Figure:
    """The failure share of one class's launch days over the failure window."""
    fc = class_failures(days, cls, FAILURE_WINDOW)
    ci = fc.posterior.interval(LEVEL)
    listed = [d for d in within(days, FAILURE_WINDOW) if d.launch_class is cls]
    by_type = Counter(x.missile for d in listed for x in d.launches if x.launch_class is cls)
    types = ", ".join(sorted(by_type))
    return Figure(
        name,
        fc.posterior.mean,
        ci.low,
        ci.high,
        f"{FAILURE_WINDOW}, {cls.value} class ({types}): {fc.text()}.",
    )


def overflight_figure(days: Sequence[LaunchDay]) -> Figure:
    """Flights over Japan a year over the overflight era (Jeffreys posterior)."""
    over = [d for d in within(days, OVERFLIGHT_ERA) if d.launch_class is LaunchClass.OVER_JAPAN]
    post = gamma_rate_posterior(len(over), OVERFLIGHT_ERA.years)
    ci = post.interval(LEVEL)
    flights = ", ".join(f"{d.date} {d.launches[0].missile}" for d in over)
    return Figure(
        "overflights_per_year_before_2017",
        post.mean,
        ci.low,
        ci.high,
        f"{OVERFLIGHT_ERA}: {len(over)} flights over Japan ({flights}) in"
        f" {OVERFLIGHT_ERA.years:.2f} years; {gamma_text(post, 'years')}. The start event"
        f" (28 Aug 2017) is excluded.",
    )


def hwasong12_figure(days: Sequence[LaunchDay]) -> Figure:
    """Hwasong-12 days since its first success; the range reaches the all-flights share."""
    flown = missile_days(days, "hwasong-12")
    first_success = min(date for date, outcome in flown if outcome is Outcome.SUCCESS)
    mature = count_failures(outcome for date, outcome in flown if date >= first_success)
    every = count_failures(outcome for _, outcome in flown)
    all_share = every.failed / every.known
    ci = mature.posterior.interval(LEVEL)
    return Figure(
        "hwasong12_failure",
        mature.posterior.mean,
        ci.low,
        max(ci.high, all_share),
        f"Hwasong-12 days since its first success ({first_success}): {mature.text()}. All"
        f" its days before the start: {every.failed} failed of {every.known} known"
        f" ({fmt(all_share)}, the range's upper end is at least this);"
        f" {beta_text(every.posterior)}.",
    )


# ------------------------------------------------------------------------- table and YAML


def table(launches: Sequence[Launch]) -> str:
    """Every count and figure, as plain text."""
    days = launch_days(launches)
    out: list[str] = [
        f"source: {len(launches)} missiles, {launches[0].date} to {launches[-1].date};"
        f" the start event {START_EVENT} excluded; intervals are central 90%",
        "",
        "== Launch days a month (Jeffreys Gamma posterior; a month = 30.4375 days) ==",
        f"{'window':36} {'days':>5} {'missiles':>8} {'months':>7} {'mean':>6} {'5%':>6} {'95%':>6}",
    ]
    for window in RATE_WINDOWS:
        rc = rate_count(days, window)
        ci = rc.posterior.interval(LEVEL)
        out.append(
            f"{window!s:36} {rc.days:5d} {rc.missiles:8d} {window.months:7.2f}"
            f" {rc.posterior.mean:6.3f} {ci.low:6.3f} {ci.high:6.3f}"
        )
    per_year = Counter(day.date.year for day in within(days, FULL))
    by_year = ", ".join(f"{year}: {n}" for year, n in sorted(per_year.items()))
    out.append(f"launch days by year: {by_year}")

    counts, total = mix(days, SURGE)
    shares = dirichlet_marginals({cls.value: counts[cls] for cls in LaunchClass}, MIX_PRIOR)
    out += [
        "",
        f"== Mix of launch days, {SURGE} (Jeffreys Dirichlet marginals) ==",
        f"{'class':12} {'days':>5} {'raw':>6} {'mean':>6} {'5%':>6} {'95%':>6}",
    ]
    for cls in LaunchClass:
        post = shares[cls.value]
        ci = post.interval(LEVEL)
        out.append(
            f"{cls.value:12} {counts[cls]:5d} {counts[cls] / total:6.3f} {post.mean:6.3f}"
            f" {ci.low:6.3f} {ci.high:6.3f}"
        )

    out += [
        "",
        "== Failed launch days by class (uniform prior Beta posterior) ==",
        f"{'class':12} {'window':36} {'failed':>6} {'known':>5} {'unkn':>4} {'mean':>6}"
        f" {'5%':>6} {'95%':>6}",
    ]
    for cls in LaunchClass:
        for window in RATE_WINDOWS:
            fc = class_failures(days, cls, window)
            if fc.known + fc.unknown == 0:
                continue
            ci = fc.posterior.interval(LEVEL)
            out.append(
                f"{cls.value:12} {window!s:36} {fc.failed:6d} {fc.known:5d} {fc.unknown:4d}"
                f" {fc.posterior.mean:6.3f} {ci.low:6.3f} {ci.high:6.3f}"
            )
    h12 = ", ".join(f"{date} {outcome}" for date, outcome in missile_days(days, "hwasong-12"))
    out.append(f"hwasong-12 days: {h12}")

    over = [d for d in within(days, OVERFLIGHT_ERA) if d.launch_class is LaunchClass.OVER_JAPAN]
    out += ["", f"== Flights over Japan, {OVERFLIGHT_ERA} =="]
    out += [f"  {d.date} {d.launches[0].missile} {d.outcome}" for d in over]

    out += [
        "",
        "== Scenario parameters (scenarios/korea_2017_base_rates.yaml) ==",
        f"{'name':34} {'value':>7} {'assumption':>18}",
    ]
    for fig in derive(launches):
        entry = fig.as_yaml()
        out.append(f"{fig.name:34} {entry['value']!s:>7} {entry['assumption']!s:>18}")
    return "\n".join(out)


def day_listing(launches: Sequence[Launch]) -> str:
    """Every launch day of the full window with its class and outcome, for auditing."""
    return "\n".join(
        f"{day.date} {day.launch_class.value:12} {day.outcome.value:8}"
        f" {', '.join(f'{x.missile} {x.outcome.value}' for x in day.launches)}"
        for day in within(launch_days(launches), FULL)
    )


HEADER = """\
# Base rates of the scenario korea_2017_over_japan, written by scenarios/derive_base_rates.py
# from scenarios/data/nk_missile_tests_1984_to_2017-08-28.csv (docs/base-rates.md).
# Do not edit: re-run the script. Ready to paste into the scenario's `parameters:`;
# `python scenarios/derive_base_rates.py --check SCENARIO.yaml` checks a scenario against it.
"""


def yaml_text(figures: Sequence[Figure]) -> str:
    body = {fig.name: fig.as_yaml() for fig in figures}
    return HEADER + yaml.safe_dump(body, sort_keys=False, default_flow_style=None, width=100)


# ------------------------------------------------------------------------------- checking


def agrees(found: object, derived: float) -> bool:
    """Whether a scenario's number equals a derived one up to its rounding to 3 digits."""
    if isinstance(found, bool) or not isinstance(found, int | float):
        return False
    if derived == 0:
        return abs(found) < 1e-12
    half_step = 0.5 * 10 ** (math.floor(math.log10(abs(derived))) - (SIGNIFICANT - 1))
    return abs(found - derived) <= half_step * (1 + 1e-9)


@dataclass(frozen=True)
class Mismatch:
    """A scenario parameter whose value or range differs from the derivation."""

    name: str
    field: str  # "value" or "assumption"
    found: object
    derived: object

    def __str__(self) -> str:
        return f"{self.name}: {self.field} {self.found!r} in the scenario, derived {self.derived}"


def check(figures: Sequence[Figure], scenario: Path) -> tuple[list[Mismatch], list[str]]:
    """(mismatches, names checked): each derived parameter the scenario defines, compared."""
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    params = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(params, dict):
        raise ValueError(f"{scenario}: no `parameters:` mapping")
    mismatches: list[Mismatch] = []
    checked: list[str] = []
    for fig in figures:
        if fig.name not in params:
            continue
        checked.append(fig.name)
        entry = params[fig.name]
        value = entry.get("value") if isinstance(entry, dict) else entry
        if not agrees(value, fig.value):
            mismatches.append(Mismatch(fig.name, "value", value, round_sig(fig.value)))
        rng = entry.get("assumption") if isinstance(entry, dict) else None
        if not (
            isinstance(rng, list)
            and len(rng) == 2
            and agrees(rng[0], fig.low)
            and agrees(rng[1], fig.high)
        ):
            derived = [round_sig(fig.low), round_sig(fig.high)]
            mismatches.append(Mismatch(fig.name, "assumption", rng, derived))
    return mismatches, checked


# ----------------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Derive the scenario's base rates.")
    parser.add_argument("--csv", type=Path, default=CSV_PATH, help="the missile-test CSV")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="the YAML to write")
    parser.add_argument("--days", action="store_true", help="also list every classified day")
    parser.add_argument(
        "--check",
        type=Path,
        metavar="SCENARIO",
        help="compare a scenario's parameters with the derivation (write nothing)",
    )
    args = parser.parse_args(argv)
    launches = load(args.csv)
    figures = derive(launches)

    if args.check is not None:
        try:
            mismatches, checked = check(figures, args.check)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            print(f"cannot check {args.check}: {exc}", file=sys.stderr)
            return 2
        for mismatch in mismatches:
            print(mismatch)
        missing = [fig.name for fig in figures if fig.name not in checked]
        differ = {m.name for m in mismatches}
        print(
            f"{args.check}: {len(checked) - len(differ)} of {len(checked)} derived parameters"
            " it defines agree with the derivation"
            + (f"; not defined there: {', '.join(missing)}" if missing else "")
        )
        return 1 if mismatches else 0

    print(table(launches))
    if args.days:
        print("\n== Launch days, " + str(FULL) + " ==")
        print(day_listing(launches))
    args.out.write_text(yaml_text(figures), encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
