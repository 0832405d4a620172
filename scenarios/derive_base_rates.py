"""Derive the base rates that scenarios/korea_2017_over_japan.yaml cites (source: cns_missile_db).

Reads the CNS North Korea Missile Test Database extract (one row per missile, April 1984 to
the Hwasong-12 over Hokkaido, 28 August 2017 UTC) and prints:

- launches per month: missiles and launch days (distinct dates), 2016 and 2017 (Jan-Aug);
- failure share by missile class (IRBM: hwasong-12, musudan; ICBM: hwasong-14), plus the
  Laplace-smoothed rates the scenario uses, and the 2017 all-class share;
- the flights over Japan (long eastward flights) and the gap before the 2017 overflight.

Run from anywhere:  python scenarios/derive_base_rates.py [path/to/csv]
Only the standard library is used.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections import Counter
from pathlib import Path

CSV_NAME = "nk_missile_tests_1984_to_2017-08-28.csv"
CANDIDATES = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data" / CSV_NAME,  # ../shared
    Path("/work/shared/data") / CSV_NAME,
)
END = dt.date(2017, 8, 28)  # last row: the Hwasong-12 over Hokkaido (UTC date)

# A flight "over Japan": eastward (bearing 45-135 degrees) and longer than the ~1,200 km
# from the North Korean coast to beyond Honshu/Hokkaido. Lofted tests fall short of Japan.
OVER_JAPAN_BEARING = (45.0, 135.0)
OVER_JAPAN_MIN_KM = 1200.0


def find_csv(argv: list[str]) -> Path:
    if len(argv) > 1:
        return Path(argv[1])
    for path in CANDIDATES:
        if path.exists():
            return path
    raise SystemExit(f"cannot find {CSV_NAME}; pass its path as the first argument")


def parse_date(text: str) -> dt.date:
    """Dates are YYYY-MM-DD or, for a few early rows, YYYY-MM (day unknown: take the 1st)."""
    parts = [int(p) for p in text.split("-")]
    return dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)


def number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def load(path: Path) -> list[dict[str, object]]:
    rows = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "date": parse_date(row["date"]),
                    "missile": row["missile"],
                    "distance": number(row["distance"]),
                    "bearing": number(row["bearing"]),
                    "outcome": row["outcome"],
                }
            )
    return rows


def months_between(start: dt.date, end: dt.date) -> float:
    """Length in months of [start, end], counting a partial last month by its days."""
    whole = (end.year - start.year) * 12 + end.month - start.month
    return whole + end.day / 30.4375


def failure_stats(rows: list[dict[str, object]]) -> tuple[int, int, int]:
    """(failures, successes, unknown)."""
    c = Counter(r["outcome"] for r in rows)
    return c["failure"], c["success"], len(rows) - c["failure"] - c["success"]


def laplace(failures: int, known: int) -> float:
    """(f + 1) / (n + 2): a failure rate that does not claim certainty from few flights."""
    return (failures + 1) / (known + 2)


def main(argv: list[str]) -> None:
    path = find_csv(argv)
    rows = load(path)
    print(f"source: {path} ({len(rows)} missiles, {rows[0]['date']} to {rows[-1]['date']})")

    print("\n== Launch frequency ==")
    for label, start, end in (
        ("2016 (Jan-Dec)", dt.date(2016, 1, 1), dt.date(2016, 12, 31)),
        ("2017 (Jan-28 Aug)", dt.date(2017, 1, 1), END),
    ):
        sel = [r for r in rows if start <= r["date"] <= end]
        days = sorted({r["date"] for r in sel})
        months = 12.0 if start.year == 2016 else months_between(start, end)
        print(
            f"{label}: {len(sel)} missiles on {len(days)} launch days over {months:.2f} months"
            f" -> {len(sel) / months:.2f} missiles/month,"
            f" {len(days) / months:.2f} launch days/month"
        )

    print("\n== Failure share by class (failures / flights with known outcome) ==")
    classes = {
        "hwasong-12 (IRBM)": ["hwasong-12"],
        "musudan (IRBM)": ["musudan"],
        "IRBM (hwasong-12 + musudan)": ["hwasong-12", "musudan"],
        "hwasong-14 (ICBM)": ["hwasong-14"],
    }
    for label, names in classes.items():
        sel = [r for r in rows if r["missile"] in names]
        f, s, u = failure_stats(sel)
        known = f + s
        print(
            f"{label}: {len(sel)} flights, {f} failures, {s} successes, {u} unknown -> "
            f"share {f / known:.3f}; Laplace (f+1)/(n+2) = {laplace(f, known):.3f}"
        )
    h12 = [r for r in rows if r["missile"] == "hwasong-12"]
    first_success = min(r["date"] for r in h12 if r["outcome"] == "success")
    mature = [r for r in h12 if r["date"] >= first_success]
    f, s, u = failure_stats(mature)
    print(
        f"hwasong-12 since its first success ({first_success}): {len(mature)} flights,"
        f" {f} failures,"
        f" {s} successes, {u} unknown -> Laplace {laplace(f, f + s):.3f}"
        "  (the value the scenario uses; the all-flights share is its upper bound)"
    )
    y2017 = [r for r in rows if r["date"].year == 2017]
    f, s, u = failure_stats(y2017)
    print(
        f"all classes, 2017: {len(y2017)} missiles, {f} failures, {s} successes, {u} unknown"
        f" -> share {f / (f + s):.3f}"
    )

    print("\n== Flights over Japan ==")
    lo, hi = OVER_JAPAN_BEARING
    over = [
        r
        for r in rows
        if r["bearing"] is not None
        and lo <= r["bearing"] <= hi
        and r["distance"] is not None
        and r["distance"] >= OVER_JAPAN_MIN_KM
    ]
    for r in over:
        print(
            f"  {r['date']} {r['missile']:12s} {r['distance']:.0f} km bearing {r['bearing']:.0f}"
            f" ({r['outcome']})"
        )
    before = [r for r in over if r["date"] < END]
    last = max(r["date"] for r in before)
    gap_years = (END - last).days / 365.25
    print(
        f"last overflight before 28 Aug 2017: {last}; gap {gap_years:.1f} years "
        f"({(END - last).days} days)"
    )
    print(
        f"overflights before 2017: {len(before)} in {(END - over[0]['date']).days / 365.25:.1f} "
        f"years (1998-2017) -> {len(before) / ((END - over[0]['date']).days / 365.25):.2f} per year"
    )


if __name__ == "__main__":
    main(sys.argv)
