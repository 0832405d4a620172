"""The batch report (`wargame batch/summarize --html`): its content on hand-made runs tables
with known answers (cumulative curves, count distributions, pairs dropped with a failed game),
its forest rows against the summary's intervals, the file offline and the same bytes every
time, the option checked before any work, the hindsight mark on top, and (slow) the report
in headless chromium with no console error and no request.

Batches play the tutorial scenario (a few ms a game), 12 runs of two variants."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from chromium import opened
from conftest import SCENARIOS, run_cli, scripted, tiny_data

from wargame import batch
from wargame.report import batch as report
from wargame.report import charts
from wargame.scenario.loading import load_scenario
from wargame.stats import tables
from wargame.stats.intervals import wilson

TUTORIAL = SCENARIOS / "tutorial.yaml"
RUNS = 12


def runs_table(**columns: list[object]) -> pa.Table:
    """A runs table: two variants a and b of four runs, no game failed, three turns each;
    `columns` add or replace columns (values listed a's runs 0-3, then b's)."""
    base: dict[str, list[object]] = {
        "run": [0, 1, 2, 3] * 2,
        "variant": ["a"] * 4 + ["b"] * 4,
        "error": [None] * 8,
        "turns": [3] * 8,
    }
    return pa.table({**base, **columns})


# -- content on hand-made tables ---------------------------------------------------------------


def test_cumulative_curves_count_the_runs_an_outcome_has_happened_in_by_each_turn() -> None:
    table = runs_table(**{"outcome.war": [1, None, 3, 2, None, None, None, 1]})
    turns = report.turn_span(table, ["war"])
    assert turns == [1, 2, 3]
    a, b = report.cumulative(table, "war", ["a", "b"], turns)
    assert (a.variant, a.runs, a.share) == ("a", 4, [25.0, 50.0, 75.0])
    assert (b.variant, b.runs, b.share) == ("b", 4, [25.0, 25.0, 25.0])
    assert a.low == [100 * wilson(k, 4).low for k in (1, 2, 3)]
    assert a.high == [100 * wilson(k, 4).high for k in (1, 2, 3)]


def test_the_turns_start_at_0_when_an_outcome_held_at_the_start() -> None:
    table = runs_table(**{"outcome.war": [0, None, None, None] * 2, "turns": [2] * 8})
    assert report.turn_span(table, ["war"]) == [0, 1, 2]
    a, _ = report.cumulative(table, "war", ["a", "b"], [0, 1, 2])
    assert a.share == [25.0, 25.0, 25.0]


def test_a_failed_game_drops_its_whole_pair() -> None:
    error = [None] * 6 + ["ValueError: boom", None]  # run 2 of b failed
    table = report.complete_runs(runs_table(error=error), ["a", "b"])
    assert sorted(zip(table["variant"].to_pylist(), table["run"].to_pylist(), strict=True)) == [
        ("a", 0), ("a", 1), ("a", 3), ("b", 0), ("b", 1), ("b", 3),
    ]  # fmt: skip
    only_a = report.complete_runs(runs_table(), ["a"])
    assert set(only_a["variant"].to_pylist()) == {"a"} and only_a.num_rows == 4


def test_a_count_distribution_is_the_share_of_runs_per_number_of_times() -> None:
    table = runs_table(**{"count.launch": [0, 0, 1, 3, 2, 2, 2, 2]})
    found = report.distribution(table, "count.launch", ["a", "b"])
    assert found.bins == ["0", "1", "2", "3"]
    a, b = found.shares
    assert a.share == [50.0, 25.0, 0.0, 25.0] and b.share == [0.0, 0.0, 100.0, 0.0]
    assert a.low[0] == 100 * wilson(2, 4).low and b.high[2] == 100.0


def test_large_counts_are_grouped_into_equal_bins() -> None:
    table = runs_table(**{"count.launch": [0, 60, 3, 2, 1, 1, 1, 1]})
    found = report.distribution(table, "count.launch", ["a", "b"])
    assert len(found.bins) <= report.MOST_BINS
    assert found.bins[:2] == ["0-2", "3-5"] and found.bins[-1] == "60-62"
    assert found.shares[0].share[:2] == [50.0, 25.0]  # 0 and 2; then 3
    assert all(abs(sum(s.share) - 100.0) < 1e-9 for s in found.shares)


def test_axes_say_the_turn_length_from_the_scenario() -> None:
    spec = load_scenario(SCENARIOS / "korea_2017_over_japan.yaml").spec
    assert report.turn_axis(spec) == "turn (month)"
    assert report.turn_axis(None) == "turn"
    assert report.unit_of("count.nk_icbm_test") == "times taken per game"


# -- from a finished batch ------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished batch of the tutorial (weak against strong), with its scenario beside it."""
    folder = tmp_path_factory.mktemp("batch-report")
    shutil.copy(TUTORIAL, folder / "tutorial.yaml")
    batch.run(folder / "tutorial.yaml", variants=("weak", "strong"), runs=RUNS, out=folder / "out")
    return folder / "out"


def test_forest_rows_are_the_summarys_paired_intervals(finished: Path) -> None:
    summary = batch.open(finished).summary()
    names = tables.labels(None)
    rates, means = report.differences(summary, names)
    assert [d.measure for d in rates] == [row["measure"] for row in summary["rates"]]
    for d, row in zip(rates, summary["rates"], strict=True):
        given = row["by_variant"]["strong"]["difference"]
        assert d.variant == "strong"
        assert (d.estimate, d.low, d.high) == (
            100 * given["estimate"],
            100 * given["low"],
            100 * given["high"],
        )  # fmt: skip  (percentage points)
    for d, row in zip(means, summary["means"], strict=True):
        given = row["by_variant"]["strong"]["difference"]
        assert (d.measure, d.estimate, d.low, d.high) == (
            row["measure"], given["estimate"], given["low"], given["high"],
        )  # fmt: skip


def html_of(finished: Path, *args: str, name: str = "r.html") -> str:
    ended = run_cli("summarize", finished.name, "--html", name, *args, cwd=finished.parent)
    assert ended.returncode == 0, ended.stderr
    return (finished.parent / name).read_text(encoding="utf-8")


def test_the_report_is_offline_labelled_and_the_same_bytes_every_time(finished: Path) -> None:
    page = html_of(finished, "--measures", "crisis,new_normal_set_in,count.*,turns")
    assert page == html_of(finished, "--measures", "crisis,new_normal_set_in,count.*,turns",
                           name="again.html")  # fmt: skip
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", page, re.I)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {
        "http://www.w3.org/2000/svg",  # namespaces, never fetched
        "http://www.w3.org/1999/xlink",
    }
    # labels from the scenario before the ids; every chart titled, in the tables' order
    assert 'tension reaches an intense crisis <span class="muted">(crisis)</span>' in page
    assert 'Blue: Show of force (per game) <span class="muted">(count.blue_show_of_force)' in page
    figures = re.findall(r'<figure id="([^"]+)">', page)
    assert figures[:2] == ["forest-outcomes", "forest-means"]
    assert {"curve-crisis", "curve-new_normal_set_in"} & set(figures)
    assert any(f.startswith("distribution-count.") for f in figures)
    assert page.count("<svg") == len(figures)
    assert "difference in share of runs (percentage points)" in page  # the forest's axis
    assert "share of runs (%)" in page and "turn (month)" in page


def test_batch_and_summarize_write_the_same_report(finished: Path, tmp_path: Path) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    ended = run_cli("batch", "tutorial.yaml", "--variants", "weak,strong", "--runs", str(RUNS),
                    "--out", "out", "--html", "b.html", cwd=tmp_path)  # fmt: skip
    assert ended.returncode == 0, ended.stderr
    again = run_cli("summarize", "out", "--html", "s.html", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "b.html").read_bytes() == (tmp_path / "s.html").read_bytes()


def test_an_existing_report_is_refused_before_any_work_unless_forced(finished: Path) -> None:
    where = finished.parent
    (where / "old.html").write_text("keep me")
    ended = run_cli("summarize", "no-such-folder", "--html", "old.html", cwd=where)
    assert ended.returncode == 2 and "old.html exists; pass --force" in ended.stderr
    assert (where / "old.html").read_text() == "keep me"
    ended = run_cli("summarize", finished.name, "--html", "nodir/r.html", cwd=where)
    assert ended.returncode == 2 and "nodir/r.html" in ended.stderr
    forced = run_cli("summarize", finished.name, "--html", "old.html", "--force", cwd=where)
    assert forced.returncode == 0, forced.stderr
    assert (where / "old.html").read_text().startswith("<!DOCTYPE html>")


def test_a_hindsight_batch_is_marked_at_the_top(tmp_path: Path) -> None:
    variant = {
        "description": "as played",
        "hindsight": True,
        "known_later": "what was played",
        "controllers": {"P": "script:p_always"},
    }
    data = tiny_data(actors=scripted(P="p_always"), variants={"hindcast": variant})
    data["scenario"]["turns"] = 2
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    args = ("--runs", "3", "--variants", "base,hindcast", "--allow-hindsight", "--out", "b")
    ended = run_cli("batch", "tiny.yaml", *args, "--html", "r.html", cwd=tmp_path)
    assert ended.returncode == 0, ended.stderr
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    header = page[page.index("<header>") : page.index("</header>")]
    assert '<p class="hindsight">HINDSIGHT: variant &#39;hindcast&#39; knows' in header


def test_the_forest_and_bar_charts_are_titled_with_labelled_axes() -> None:
    forest = charts.forest_chart(
        "Outcomes: difference against weak",
        [charts.ForestPanel("", "percentage points", [charts.Whisker("war", 3.0, -1.0, 7.0)])],
    )
    bars = charts.bar_chart(
        "Launches", ["0", "1"], [charts.Bars("weak", [60.0, 40.0], [50.0, 30.0], [70.0, 50.0])],
        x_label="launches per game", y_label="share of runs (%)",
    )  # fmt: skip
    for svg, words in (
        (forest, ["Outcomes: difference against weak", "percentage points", "war"]),
        (bars, ["Launches", "launches per game", "share of runs (%)"]),
    ):
        assert svg.startswith("<svg") and all(f"<!-- {w} -->" in svg for w in words)
    assert forest == charts.forest_chart(
        "Outcomes: difference against weak",
        [charts.ForestPanel("", "percentage points", [charts.Whisker("war", 3.0, -1.0, 7.0)])],
    )


# -- in a browser ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_batch_report_renders_in_chromium_with_no_console_error(tmp_path: Path) -> None:
    ended = run_cli(
        "batch", SCENARIOS / "korea_2017_over_japan.yaml", "--variants",
        "weak_response,strong_united_response", "--runs", "50", "--out", "b", "--html",
        "report.html", cwd=tmp_path,
    )  # fmt: skip
    assert ended.returncode == 0, ended.stderr
    with opened(tmp_path / "report.html") as visit:
        page = visit.page
        headings = page.locator("h2").all_inner_texts()
        charts_shown = page.locator("figure svg").count()
        visible = page.locator("#forest-outcomes svg").is_visible()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    assert visit.problems == []
    assert visit.fetched_from_the_network() == []
    assert headings[:5] == [
        "The batch",
        "Rates and means per variant",
        "Differences against the baseline",
        "Outcomes over the turns",
        "Distributions of counts",
    ]
    assert charts_shown >= 6 and visible
