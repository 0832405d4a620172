"""The batch summary a person reads (issue 13): labels, 100 columns, --measures, `report:`,
the full table as CSV and Markdown, `wargame summarize DIR`, `wargame.batch.open(DIR)`, and
one name (`base`) for the game with no variant.

Batches play the tutorial scenario (a few ms a game), 12 runs of two variants."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import CLI_ENV, SCENARIOS

from wargame import batch
from wargame.errors import InputError, WargameError
from wargame.stats import tables

TUTORIAL = SCENARIOS / "tutorial.yaml"
VARIANTS = ("weak", "strong")
RUNS = 12


def cli(*args: str | Path, cwd: Path, columns: int = 100) -> subprocess.CompletedProcess[str]:
    """`python -m wargame ...` with the terminal COLUMNS wide; never a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "wargame", *map(str, args)],
        cwd=cwd,
        env={**CLI_ENV, "COLUMNS": str(columns)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def tutorial_with(folder: Path, **sections: object) -> Path:
    """The tutorial scenario with top-level sections added or replaced."""
    data = yaml.safe_load(TUTORIAL.read_text(encoding="utf-8"))
    data.update(sections)
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished batch of the tutorial (weak against strong), with its scenario beside it."""
    folder = tmp_path_factory.mktemp("summary")
    shutil.copy(TUTORIAL, folder / "tutorial.yaml")
    batch.run(folder / "tutorial.yaml", variants=VARIANTS, runs=RUNS, out=folder / "out")
    return folder / "out"


def widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


# -- the terminal summary ------------------------------------------------------------------------
def test_the_batch_summary_fits_100_columns_with_labels_and_points(tmp_path):
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    result = cli(
        "batch", "tutorial.yaml", "--runs", "8", "--variants", "weak,strong", "--out", "out",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert widest(out) <= 100, out
    # outcome descriptions and the measures' labels, not their ids
    assert "tension reaches an intense crisis" in out and "tests have become routine" in out
    assert "turns played" in out and "escalation" in out
    assert "new_normal_set_in" not in out
    assert "strong vs weak" in out and " pts [" in out  # differences of rates in points
    assert "count." not in out  # without report: or --measures, no action counts
    assert "wargame summarize out" in out


def test_summarize_prints_the_same_summary_again(finished):
    first = cli("summarize", finished.name, cwd=finished.parent)
    assert first.returncode == 0, first.stderr
    assert "tension reaches an intense crisis" in first.stdout
    assert widest(first.stdout) <= 100
    again = cli("summarize", finished, "--baseline", "strong", cwd=finished.parent)
    assert "weak vs strong" in again.stdout


def test_a_narrow_terminal_wraps_labels_at_words_and_never_cuts_a_number(finished):
    result = cli("summarize", finished, "--measures", "*", cwd=finished.parent, columns=70)
    assert result.returncode == 0, result.stderr
    assert widest(result.stdout) <= 70, result.stdout
    words = set(result.stdout.split())
    assert "intense" in words and "crisis" in words  # wrapped whole


def test_measures_choose_what_is_shown_by_name_or_pattern(finished):
    result = cli("summarize", finished, "--measures", "count.*,crisis", cwd=finished.parent)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "tension reaches an intense crisis" in out
    assert "tests have become routine" not in out and "turns played" not in out
    assert "(per game)" in out  # action counts, under their labels
    only = cli("summarize", finished, "--measures", "outcome.new_*", cwd=finished.parent)
    assert "tests have become routine" in only.stdout and "crisis" not in only.stdout


def test_a_pattern_matching_nothing_is_refused_naming_the_measures(finished):
    result = cli("summarize", finished, "--measures", "nope*", cwd=finished.parent)
    assert result.returncode == 2
    assert "--measures 'nope*' matches no measure" in result.stderr
    assert "crisis" in result.stderr and "count.ACTION" in result.stderr


def test_chosen_keeps_the_outcomes_and_the_report_list_in_its_order():
    summary = {
        "rates": [{"measure": "war"}, {"measure": "peace"}],
        "means": [{"measure": m} for m in ("turns", "escalation", "final.t", "count.a")],
    }
    columns = ["outcome.war", "outcome.peace", "turns", "escalation", "final.t", "count.a"]
    assert tables.chosen(summary, columns) == ["war", "peace", "turns", "escalation"]
    report = ["final.t", "outcome.war"]
    assert tables.chosen(summary, columns, report=report) == ["war", "peace", "final.t"]
    picked = tables.chosen(summary, columns, patterns=["count.*", "w*"])
    assert picked == ["count.a", "war"]
    shown = tables.select(summary, ["count.a", "final.t", "war"])
    assert [r["measure"] for r in shown["means"]] == ["count.a", "final.t"]


def test_cells_say_points_for_differences_of_rates():
    interval = {"estimate": 0.035, "low": 0.007, "high": 0.069}
    assert tables.points_cell(interval) == "+3.5 pts [0.7, 6.9]"
    assert tables.rate_cell(interval) == "3.5% [0.7, 6.9]"
    assert tables.decimals([137.5, 559.4]) == 1 and tables.decimals([0.3, 0.5]) == 3


# -- report: in the scenario ---------------------------------------------------------------------
def test_the_report_list_chooses_the_key_measures(tmp_path):
    path = tutorial_with(tmp_path, report=["final.tension", "count.red_test"])
    args = ["batch", path.name, "--runs", "4", "--variants", "weak,strong"]
    result = cli(*args, cwd=tmp_path, columns=200)
    assert result.returncode == 0, result.stderr
    assert "overall tension, at the end" in result.stdout and "(per game)" in result.stdout
    assert "turns played" not in result.stdout  # the report list replaces the default


def test_a_report_list_naming_an_unknown_measure_is_refused_at_its_line(tmp_path):
    path = tutorial_with(tmp_path, report=["final.tension", "count.nope"])
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "count.nope" in text)
    result = cli("validate", path.name, cwd=tmp_path)
    assert result.returncode == 2
    assert f"scenario.yaml:{line}:" in result.stderr
    assert "unknown measure 'count.nope' in report" in result.stderr


# -- the full table as files ---------------------------------------------------------------------
def test_the_full_table_is_written_as_csv_and_markdown_and_not_overwritten(finished):
    folder = finished.parent
    args = ["summarize", finished.name, "--table-csv", "t.csv", "--table-md", "t.md"]
    result = cli(*args, "--measures", "crisis", cwd=folder)
    assert result.returncode == 0, result.stderr
    text = (folder / "t.csv").read_text(encoding="utf-8")
    assert text.startswith("measure,label,kind,variant,value,low,high,baseline,difference,")
    assert "crisis,tension reaches an intense crisis,rate,strong" in text
    assert "count." in text and "points" in text  # the full table, not the chosen rows
    markdown = (folder / "t.md").read_text(encoding="utf-8")
    assert "| tension reaches an intense crisis | `crisis` |" in markdown
    assert "CI width paired / independent" in markdown
    (folder / "t.csv").write_text("mine", encoding="utf-8")
    refused = cli(*args, cwd=folder)
    assert refused.returncode == 2 and "t.csv exists; pass --force" in refused.stderr
    assert (folder / "t.csv").read_text(encoding="utf-8") == "mine"
    assert cli(*args, "--force", cwd=folder).returncode == 0
    assert (folder / "t.csv").read_text(encoding="utf-8") != "mine"
    assert not [p for p in os.listdir(folder) if p.endswith(".tmp")]


# -- wargame.batch.open --------------------------------------------------------------------------
def test_open_returns_what_run_returned(tmp_path):
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    ran = batch.run(tmp_path / "tutorial.yaml", variants=VARIANTS, runs=6, out=tmp_path / "out")
    opened = batch.open(tmp_path / "out")
    assert opened == ran
    assert opened.summary(resamples=100) == ran.summary(resamples=100)
    assert opened.to_pandas().equals(ran.to_pandas())
    assert batch.open(tmp_path / "out", baseline="strong").baseline == "strong"


def test_open_refuses_a_folder_without_a_manifest(tmp_path):
    said = rf"{re.escape(str(tmp_path))} holds no manifest\.json.*--out DIR"
    with pytest.raises(WargameError, match=said):
        batch.open(tmp_path)
    with pytest.raises(WargameError, match="does not exist"):
        batch.open(tmp_path / "nothing")


def test_open_refuses_a_half_written_batch_and_a_truncated_table(tmp_path, finished):
    copy = tmp_path / "copy"
    shutil.copytree(finished, copy)
    runs = copy / "runs.parquet"
    runs.write_bytes(runs.read_bytes()[:-200])  # truncated: its footer is gone
    with pytest.raises(InputError) as error:
        batch.open(copy)
    assert "runs.parquet" in str(error.value) and "damaged" in str(error.value)
    runs.unlink()
    with pytest.raises(WargameError, match=r"did not finish.*--resume"):
        batch.open(copy)


def test_open_refuses_a_manifest_of_another_batch(tmp_path, finished):
    copy = tmp_path / "copy"
    shutil.copytree(finished, copy)
    manifest = copy / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"seed": 0', '"seed": 1'))
    with pytest.raises(InputError, match="belongs to another batch"):
        batch.open(copy)
    manifest.write_text("{}")
    with pytest.raises(InputError, match="not a batch manifest"):
        batch.open(copy)


# -- one name for the game with no variant ------------------------------------------------------
def test_a_variant_named_base_is_refused(tmp_path):
    data = yaml.safe_load(TUTORIAL.read_text(encoding="utf-8"))
    data["variants"]["base"] = {"description": "as written"}
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = cli("validate", "scenario.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "a variant may not be named 'base'" in result.stderr and "Fix:" in result.stderr


def test_the_game_with_no_variant_is_named_base_in_the_summary(finished):
    folder = finished.parent / "with-base"
    batch.run(finished.parent / "tutorial.yaml", variants=("base", "weak"), runs=4, out=folder)
    result = cli("summarize", folder, cwd=finished.parent, columns=200)
    assert result.returncode == 0, result.stderr
    assert "weak vs base (no variant)" in result.stdout
    assert "base (no variant): the scenario as written" in result.stdout


def test_the_shipped_scenario_has_no_variant_named_like_the_game_with_none():
    data = yaml.safe_load((SCENARIOS / "korea_2017_over_japan.yaml").read_text(encoding="utf-8"))
    assert "base" not in data["variants"] and "baseline" not in data["variants"]
    assert "all_agents" in data["variants"]


# -- docs/results-format.md -----------------------------------------------------------------------
def test_the_pandas_example_of_the_results_format_runs(finished):
    text = (SCENARIOS.parent / "docs" / "results-format.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    assert 'folder = "results/weak-vs-strong"' in code
    code = code.replace('"results/weak-vs-strong"', repr(str(finished)))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "outcome.crisis" in result.stdout


def test_the_results_format_names_every_column_family(finished):
    text = (SCENARIOS.parent / "docs" / "results-format.md").read_text(encoding="utf-8")
    import pyarrow.parquet as pq

    for name in pq.read_schema(finished / "runs.parquet").names:
        family = name if "." not in name else name.split(".", 1)[0] + "."
        assert f"`{family}" in text, name


def test_three_variants_take_a_row_each_under_every_measure_within_100_columns(finished):
    folder = finished.parent / "three"
    batch.run(
        finished.parent / "tutorial.yaml", variants=("base", "weak", "strong"), runs=4, out=folder
    )
    result = cli("summarize", folder, cwd=finished.parent)
    assert result.returncode == 0, result.stderr
    assert widest(result.stdout) <= 100, result.stdout
    lines = result.stdout.splitlines()
    assert any(line.split()[:1] == ["variant"] or " variant " in line for line in lines)
    crisis = next(i for i, line in enumerate(lines) if "intense crisis" in line)
    assert "base (no variant)" in lines[crisis]
    assert "weak" in lines[crisis + 1] and " pts [" in lines[crisis + 1]
