"""Hindsight variants: a variant that knows what was not known at the start date is kept out
of forecasts (batch, sensitivity and score refuse it without --allow-hindsight, exit 2), and
every output that plays it carries the mark; the same outputs of a normal variant do not.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import yaml
from conftest import run_cli, scripted, tiny_data

from wargame.errors import InputError
from wargame.scenario import load_scenario_text
from wargame.seminar import view
from wargame.seminar.session import Session

KNOWN = "the allies' actual policy of 2020"
MARK = "HINDSIGHT: variant 'hindcast' knows what was not known on 2020-01-01"
VARIANTS = {
    "hindcast": {
        "description": "the allies as they played",
        "hindsight": True,
        "known_later": KNOWN,
        "schedule": {"G": [{"turns": [1], "choose": ["g_strong"], "reason": "as played"}]},
    },
    "normal": {"controllers": {"G": "script:g_none"}},
}


def tiny_text() -> str:
    data = tiny_data(actors=scripted(P="p_always"), variants=VARIANTS)
    data["scenario"]["turns"] = 2
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "tiny.yaml").write_text(tiny_text())
    return tmp_path


def test_the_scenario_knows_which_variant_is_hindsight_and_says_what_it_knows():
    hindcast = load_scenario_text(tiny_text(), variant="hindcast")
    normal = load_scenario_text(tiny_text(), variant="normal")
    assert (hindcast.hindsight, normal.hindsight) == (True, False)
    assert hindcast.hindsight_note == f"{MARK}: {KNOWN}. Not a forecast."
    assert normal.hindsight_note is None
    assert load_scenario_text(tiny_text()).hindsight_note is None


@pytest.mark.parametrize(
    ("variant", "where", "message"),
    [
        ({"hindsight": True}, "variants.v.hindsight", "does not say what it knows"),
        ({"known_later": KNOWN}, "variants.v.known_later", "is not marked hindsight"),
    ],
)
def test_a_half_marked_hindsight_variant_is_refused(variant, where, message):
    data = tiny_data(variants={"v": variant})
    with pytest.raises(InputError) as caught:
        load_scenario_text(yaml.safe_dump(data), file="tiny.yaml")
    (problem,) = caught.value.problems
    assert (problem.where, message in problem.message) == (where, True)
    assert problem.line is not None and "Fix" not in problem.hint  # the hint is the fix


@pytest.mark.parametrize(("variant", "marked"), [("hindcast", True), ("normal", False)])
def test_run_marks_its_header_and_json_for_a_hindsight_variant_only(folder, variant, marked):
    ended = run_cli("run", "tiny.yaml", "--variant", variant, "--json", "r.json", cwd=folder)
    assert ended.returncode == 0, ended.stderr
    first = ended.stdout.splitlines()[0]
    assert (MARK in first, "HINDSIGHT" in ended.stdout) == (marked, marked)
    written = json.loads((folder / "r.json").read_text())
    assert written["scenario"].get("hindsight", False) is marked
    report = run_cli("report", "r.json", "--out", "r.html", cwd=folder)
    assert report.returncode == 0, report.stderr
    page = (folder / "r.html").read_text()
    assert ('class="hindsight"' in page, MARK in html.unescape(page)) == (marked, marked)
    markdown = run_cli("report", "r.json", "--out", "r.md", "--format", "md", cwd=folder)
    assert markdown.returncode == 0, markdown.stderr
    assert (MARK in (folder / "r.md").read_text()) is marked


@pytest.mark.parametrize(
    "command",
    [
        ("batch", "--runs", "2", "--variants", "base,hindcast", "--out", "b"),
        ("sensitivity", "--outcome", "routine", "--variant", "hindcast", "--out", "s"),
        ("score", "--observed", "nothing.json", "--variant", "hindcast", "--runs", "2"),
    ],
    ids=["batch", "sensitivity", "score"],
)
def test_forecasts_refuse_a_hindsight_variant_without_the_flag(folder, command):
    ended = run_cli(command[0], "tiny.yaml", *command[1:], cwd=folder)
    assert ended.returncode == 2, ended.stdout + ended.stderr
    assert "variant 'hindcast' is a hindsight variant" in ended.stderr
    assert "--allow-hindsight" in ended.stderr
    assert not (folder / "b").exists() and not (folder / "s").exists()


def test_a_batch_with_the_flag_marks_its_summary_and_manifest(folder):
    args = ("--runs", "2", "--variants", "base,hindcast", "--allow-hindsight")
    ended = run_cli("batch", "tiny.yaml", *args, "--out", "b", cwd=folder)
    assert ended.returncode == 0, ended.stderr
    assert MARK in ended.stdout
    manifest = json.loads((folder / "b" / "manifest.json").read_text())
    assert manifest["hindsight"] == ["hindcast"]
    # a resume of the same batch reads its manifest back
    again = run_cli("batch", "tiny.yaml", *args, "--out", "b", "--resume", cwd=folder)
    assert again.returncode == 0, again.stderr
    plain = run_cli("batch", "tiny.yaml", "--runs", "2", "--variants", "base,normal", "--out", "n",
                    cwd=folder)  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert "HINDSIGHT" not in plain.stdout
    assert "hindsight" not in json.loads((folder / "n" / "manifest.json").read_text())


@pytest.mark.parametrize(("variant", "marked"), [("hindcast", True), ("normal", False)])
def test_the_seminar_board_is_marked_for_a_hindsight_variant_only(variant, marked):
    scenario = load_scenario_text(tiny_text(), variant=variant)
    board = view.board(Session.start(scenario, seed=1))
    assert (board.hindsight is not None) is marked
    if marked:
        assert board.hindsight is not None and board.hindsight.startswith(MARK)
