"""The `wargame` command through its real entry point: exit codes and messages, no tracebacks.

Every test runs `python -m wargame ...` in a fresh folder, so what is checked is what a user
sees: the exit code (0 ok, 1 the run failed, 2 bad input), the file named in the message and
the key words, and never a Python traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import CLI_ENV, SCENARIOS, run_cli, tiny_data

TUTORIAL = str(SCENARIOS / "tutorial.yaml")

Result = subprocess.CompletedProcess[str]
slow = pytest.mark.slow  # plays a game: imports mesa, about 1 s a run


@pytest.fixture
def wargame(tmp_path: Path) -> Callable[..., Result]:
    """Run the CLI in tmp_path; fail the test if anything it prints is a traceback."""

    def run(*args: str | Path) -> Result:
        return run_cli(*args, cwd=tmp_path)

    return run


def write_tiny(folder: Path, name: str = "tiny.yaml", **sections: object) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(tiny_data(**sections), sort_keys=False))
    return path


# -- help and usage -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "command", [[], ["validate"], ["run"], ["schema"]], ids=["wargame", "validate", "run", "schema"]
)
def test_help_of_every_command_exits_0(wargame, command):
    result = wargame(*command, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_no_command_shows_the_commands_and_exits_2(wargame):
    result = wargame()
    assert result.returncode == 2
    assert "validate" in result.stdout + result.stderr


def test_a_missing_argument_is_a_usage_error(wargame):
    result = wargame("run")
    assert result.returncode == 2
    assert "Usage:" in result.stderr and "Missing argument" in result.stderr


def test_a_bad_option_value_is_a_usage_error(wargame):
    result = wargame("run", TUTORIAL, "--seed", "abc")
    assert result.returncode == 2
    assert "Usage:" in result.stderr and "'--seed'" in result.stderr


def test_an_unknown_option_is_a_usage_error(wargame):
    result = wargame("run", TUTORIAL, "--sead", "1")
    assert result.returncode == 2
    assert "No such option" in result.stderr


# -- validate -------------------------------------------------------------------------------
def test_validate_a_good_scenario_prints_ok(wargame):
    result = wargame("validate", TUTORIAL)
    assert result.returncode == 0
    assert f"{TUTORIAL}: ok; 3 actors, 5 actions, 2 variants" in result.stdout


def test_validate_a_missing_file(wargame):
    result = wargame("validate", "nope.yaml")
    assert result.returncode == 2
    assert "nope.yaml: no such file" in result.stderr


def test_validate_a_directory(wargame, tmp_path):
    (tmp_path / "folder").mkdir()
    result = wargame("validate", "folder")
    assert result.returncode == 2
    assert "folder: this is a directory, not a scenario file" in result.stderr


def test_validate_an_empty_file(wargame, tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    result = wargame("validate", "empty.yaml")
    assert result.returncode == 2
    assert "empty.yaml: the scenario file is empty" in result.stderr


def test_validate_invalid_yaml_shows_where(wargame, tmp_path):
    (tmp_path / "bad.yaml").write_text("scenario:\n  id: x\n  title: [unclosed\n")
    result = wargame("validate", "bad.yaml")
    assert result.returncode == 2
    assert "bad.yaml:4:1:" in result.stderr


def test_validate_an_unknown_field_shows_file_line_column_and_fix(wargame, tmp_path):
    text = (
        Path(TUTORIAL)
        .read_text()
        .replace("    rationality: {value: 8", "    rationalty: {value: 8", 1)
    )
    (tmp_path / "typo.yaml").write_text(text)
    line = text[: text.index("rationalty")].count("\n") + 1
    result = wargame("validate", "typo.yaml")
    assert result.returncode == 2
    assert f"typo.yaml:{line}:5: actors.Red.rationalty: unknown field 'rationalty'" in result.stderr
    assert "Fix: Did you mean 'rationality'?" in result.stderr


def test_validate_reports_every_file_and_fails_if_any_fails(wargame):
    result = wargame("validate", TUTORIAL, "nope.yaml")
    assert result.returncode == 2
    assert f"{TUTORIAL}: ok" in result.stdout
    assert "nope.yaml: no such file" in result.stderr


def test_validate_lists_unsourced_numbers_but_passes_without_strict(wargame, tmp_path):
    write_tiny(tmp_path)
    result = wargame("validate", "tiny.yaml")
    assert result.returncode == 0
    assert "tiny.yaml: ok, 33 number(s) without provenance" in result.stdout
    assert "no provenance: actors.P.rationality: plain number 5.0" in result.stdout


def test_validate_strict_fails_on_unsourced_numbers(wargame, tmp_path):
    write_tiny(tmp_path)
    result = wargame("validate", "--strict", "tiny.yaml")
    assert result.returncode == 2
    assert "no provenance: actors.P.rationality" in result.stdout


def test_validate_strict_passes_when_every_number_has_provenance(wargame):
    result = wargame("validate", "--strict", TUTORIAL)
    assert result.returncode == 0
    assert "ok;" in result.stdout and "no provenance" not in result.stdout


def test_validate_checks_every_variant(wargame, tmp_path):
    path = write_tiny(tmp_path, variants={"bad": {"set": {"scenario.turns": 0}}})
    result = wargame("validate", path.name)
    assert result.returncode == 2
    assert "tiny.yaml:" in result.stderr and "(after applying variant 'bad')" in result.stderr


# -- run ------------------------------------------------------------------------------------
@slow
def test_run_prints_every_turn_and_the_final_state(wargame):
    result = wargame("run", TUTORIAL, "--seed", "3")
    assert result.returncode == 0
    for turn in range(1, 7):
        assert f"Turn {turn}, " in result.stdout
    assert "Final: Tutorial" in result.stdout and "[base, seed 3]" in result.stdout
    assert "turns played: 6" in result.stdout


@slow
def test_run_summary_prints_no_turns(wargame):
    result = wargame("run", TUTORIAL, "--summary", "--variant", "weak")
    assert result.returncode == 0
    assert "Turn 1" not in result.stdout
    assert "[weak, seed 0]" in result.stdout and "turns played: 6" in result.stdout


def test_run_an_unknown_variant_lists_the_variants(wargame):
    result = wargame("run", TUTORIAL, "--variant", "nope")
    assert result.returncode == 2
    assert f"{TUTORIAL}: unknown variant 'nope'. Fix: variants: weak, strong" in result.stderr


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("deterrence_strength", "--set 'deterrence_strength' is not PATH=VALUE"),
        ("parameters.deterence_strength=2", "Did you mean 'deterrence_strength'?"),
        ("parameters.step=[1, 2]", "the value must be a number, text or true/false"),
        ("parameters.step=abc", "parameters.step.value: Input should be a valid number"),
    ],
)
def test_run_with_a_bad_set_option_exits_2(wargame, option, message):
    result = wargame("run", TUTORIAL, "--set", option)
    assert result.returncode == 2
    assert "tutorial.yaml" in result.stderr and message in result.stderr


@slow
def test_run_with_a_set_option_changes_the_game(wargame):
    result = wargame("run", TUTORIAL, "--summary", "--set", "scenario.turns=2")
    assert result.returncode == 0
    assert "turns played: 2" in result.stdout


@slow
def test_run_a_scenario_with_a_title_that_looks_like_markup(wargame, tmp_path):
    path = write_tiny(tmp_path, scenario={"title": "Crisis [/x] :rocket:"})
    result = wargame("run", path.name, "--summary")
    assert result.returncode == 0
    assert "Final: Crisis [/x] :rocket: [base, seed 0]" in result.stdout


# -- --json ---------------------------------------------------------------------------------
@slow
def test_run_json_writes_the_records_and_the_summary(wargame, tmp_path):
    result = wargame("run", TUTORIAL, "--seed", "3", "--summary", "--json", "out.json")
    assert result.returncode == 0
    written = json.loads((tmp_path / "out.json").read_text())
    assert set(written) == {"format", "scenario", "records", "summary"}
    assert written["format"] == "wargame-run/1"
    assert written["scenario"]["id"] == "tutorial" and written["scenario"]["overrides"] == []
    assert (tmp_path / written["scenario"]["path"]).resolve() == Path(TUTORIAL).resolve()
    assert [r["turn"] for r in written["records"]] == [1, 2, 3, 4, 5, 6]
    assert written["summary"]["seed"] == 3 and written["summary"]["turns_played"] == 6


def test_run_json_refuses_to_overwrite_without_force(wargame, tmp_path):
    out = tmp_path / "out.json"
    out.write_text("keep me")
    result = wargame("run", TUTORIAL, "--json", "out.json")
    assert result.returncode == 2
    assert "out.json exists; pass --force to overwrite it" in result.stderr
    assert out.read_text() == "keep me"
    assert "Final" not in result.stdout  # refused before playing


@slow
def test_run_json_overwrites_with_force(wargame, tmp_path):
    out = tmp_path / "out.json"
    out.write_text("old")
    result = wargame("run", TUTORIAL, "--summary", "--json", "out.json", "--force")
    assert result.returncode == 0
    assert "summary" in json.loads(out.read_text())


@slow
def test_run_json_into_a_missing_folder_is_an_error_naming_it(wargame):
    result = wargame("run", TUTORIAL, "--summary", "--json", "no/such/out.json")
    assert result.returncode == 2
    assert "cannot write no/such/out.json" in result.stderr


# -- --save-state and --from-state ----------------------------------------------------------
@pytest.fixture
def saved(wargame, tmp_path) -> Path:
    """The tutorial with seed 3 stopped after turn 2 and saved."""
    result = wargame(
        "run", TUTORIAL, "--seed", "3", "--turns", "2", "--summary", "--save-state", "s.json"
    )
    assert result.returncode == 0 and "turns played: 2" in result.stdout
    return tmp_path / "s.json"


@slow
def test_from_state_continues_to_the_same_end_as_an_uninterrupted_run(wargame, saved, tmp_path):
    whole = wargame("run", TUTORIAL, "--seed", "3", "--json", "whole.json")
    resumed = wargame("run", TUTORIAL, "--seed", "3", "--from-state", saved, "--json", "part.json")
    assert whole.returncode == resumed.returncode == 0
    # only the turns played now are printed
    assert "Turn 2, " not in resumed.stdout and "Turn 3, " in resumed.stdout
    whole_json = json.loads((tmp_path / "whole.json").read_text())
    part_json = json.loads((tmp_path / "part.json").read_text())
    assert part_json["summary"] == whole_json["summary"]
    assert part_json["records"] == whole_json["records"]


@slow
def test_from_state_of_a_game_a_terminal_outcome_ended_plays_no_more(wargame, tmp_path):
    path = write_tiny(tmp_path, outcomes={"routine": {"when": "turn >= 2", "terminal": True}})
    first = wargame("run", path.name, "--summary", "--save-state", "s.json")
    assert "turns played: 2" in first.stdout
    again = wargame("run", path.name, "--from-state", "s.json")
    assert again.returncode == 0
    assert "Turn 3" not in again.stdout and "turns played: 2" in again.stdout


@slow
def test_save_state_refuses_to_overwrite_without_force(wargame, saved):
    before = saved.read_text()
    result = wargame("run", TUTORIAL, "--save-state", saved.name)
    assert result.returncode == 2
    assert "s.json exists; pass --force" in result.stderr
    assert saved.read_text() == before


def test_from_state_a_missing_file(wargame):
    result = wargame("run", TUTORIAL, "--from-state", "gone.json")
    assert result.returncode == 2
    assert "gone.json: no such saved game state file" in result.stderr


def test_from_state_a_file_that_is_not_json(wargame, tmp_path):
    (tmp_path / "notes.json").write_text("these are my notes\n")
    result = wargame("run", TUTORIAL, "--from-state", "notes.json")
    assert result.returncode == 2
    assert "notes.json:1:1: not valid JSON" in result.stderr


@slow
@pytest.mark.parametrize("content", ["[1, 2]", '{"format": "something else"}', '"text"'])
def test_from_state_json_of_the_wrong_shape(wargame, tmp_path, content):
    (tmp_path / "other.json").write_text(content)
    result = wargame("run", TUTORIAL, "--from-state", "other.json")
    assert result.returncode == 2
    assert "other.json: not a saved game state (expected format 'wargame-state/2')" in (
        result.stderr
    )


@slow
def test_from_state_with_parts_missing(wargame, saved):
    state = json.loads(saved.read_text())
    del state["state"]
    saved.write_text(json.dumps(state))
    result = wargame("run", TUTORIAL, "--seed", "3", "--from-state", saved.name)
    assert result.returncode == 2
    assert "s.json: missing required field 'state'. Fix: save the game again" in result.stderr


@slow
@pytest.mark.parametrize(
    "options", [["--variant", "weak"], ["--set", "parameters.step=0.15"]], ids=["variant", "set"]
)
def test_from_state_saved_with_other_content_is_refused(wargame, saved, options):
    result = wargame("run", TUTORIAL, *options, "--from-state", saved.name)
    assert result.returncode == 2
    assert "s.json: saved from scenario 'tutorial'" in result.stderr
    assert "with different content than the file given now" in result.stderr


# -- schema -----------------------------------------------------------------------------------
def test_schema_prints_a_json_schema_naming_every_section(wargame):
    result = wargame("schema")
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["title"] == "wargame scenario"
    assert document["$schema"].startswith("https://json-schema.org/")
    sections = {"scenario", "sources", "parameters", "state", "actors", "actions", "phases"}
    assert sections <= set(document["properties"])
    assert {"scenario", "state", "actors", "actions", "phases"} <= set(document["required"])


# -- a run that cannot finish ----------------------------------------------------------------
@slow
def test_a_human_controlled_actor_with_no_moves_fails_the_run_with_exit_1(wargame, tmp_path):
    path = write_tiny(tmp_path, actors={"G": {"controller": "human"}})
    assert wargame("validate", path.name).returncode == 0  # the input itself is fine
    result = wargame("run", path.name)
    assert result.returncode == 1
    assert "no moves entered for G, which a human team plays" in result.stderr
    assert "Final" not in result.stdout


def test_a_sensitivity_for_an_unknown_outcome_fails_before_playing_anything(wargame, tmp_path):
    result = wargame(
        "sensitivity", SCENARIOS / "tutorial.yaml", "--outcome", "nope",
        "--include", "parameters.step", "--out", tmp_path / "sobol",
    )  # fmt: skip
    assert result.returncode == 2
    assert "unknown outcome 'nope'; outcomes: new_normal_set_in, crisis" in result.stderr
    assert not (tmp_path / "sobol").exists()


def test_a_refused_batch_prints_no_progress_bar(wargame, tmp_path):
    result = wargame("batch", SCENARIOS / "tutorial.yaml", "--runs", "0", "--out", tmp_path / "b")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: runs must be at least 1, got 0"


def test_running_out_of_memory_is_a_message_and_exit_1(tmp_path):
    code = (
        "import sys, wargame.cli, wargame.cli.run as command\n"
        "def exhausted(*a, **k): raise MemoryError\n"
        "command.load_scenario = exhausted\n"
        f"sys.argv = ['wargame', 'run', {str(TUTORIAL)!r}]\n"
        "wargame.cli.main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "error: out of memory" in result.stderr
    assert "Traceback" not in result.stderr


# -- terminals whose encoding is not UTF-8 --------------------------------------------------
KOREA = str(SCENARIOS / "korea_2017_over_japan.yaml")


def _run_encoded(encoding: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """The CLI with stdout and stderr in `encoding` (as PYTHONIOENCODING or a non-UTF-8
    locale sets them), 80 columns so that rich shortens long titles with an ellipsis."""
    env = {**CLI_ENV, "PYTHONIOENCODING": encoding, "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "wargame", *args], cwd=cwd, env=env, capture_output=True, check=False
    )


@slow
@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
def test_run_prints_in_a_terminal_that_is_not_utf8(tmp_path, encoding):
    utf8 = _run_encoded("utf-8", "run", KOREA, "--seed", "1", cwd=tmp_path)
    assert utf8.returncode == 0 and b"Traceback" not in utf8.stderr
    assert "…".encode() in utf8.stdout  # a title shortened by rich: what needs care

    ended = _run_encoded(encoding, "run", KOREA, "--seed", "1", cwd=tmp_path)

    assert ended.returncode == 0, ended.stderr.decode(encoding, "replace")
    assert b"Traceback" not in ended.stderr
    text = ended.stdout.decode(encoding)  # strict: every byte is of that encoding
    shortened = "…" if encoding == "cp1252" else "..."  # cp1252 has the ellipsis, the others not
    assert shortened in text and "Final:" in text and "turns played: 12" in text
    assert len(text.splitlines()) == len(utf8.stdout.decode().splitlines())  # nothing lost


@slow
def test_utf8_output_is_unchanged_by_the_plain_fallback(tmp_path):
    """The fallback only touches streams that cannot encode a character: under UTF-8 the
    bytes are those of rich writing straight to a UTF-8 stream."""
    first = _run_encoded("utf-8", "run", KOREA, "--seed", "2", cwd=tmp_path)
    second = _run_encoded("UTF8", "run", KOREA, "--seed", "2", cwd=tmp_path)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    assert "─".encode() in first.stdout and "…".encode() in first.stdout


def test_an_error_naming_a_file_with_accents_prints_in_ascii(tmp_path):
    ended = _run_encoded("ascii", "validate", "crise-coréenne.yaml", cwd=tmp_path)
    assert ended.returncode == 2
    assert b"Traceback" not in ended.stderr
    assert "crise-coreenne.yaml" in ended.stderr.decode("ascii")


# -- --from-state with --seed: play on with that seed --------------------------------------
@slow
def test_from_state_with_another_seed_plays_on_with_it(wargame, saved, tmp_path):
    from wargame.engine.model import WargameModel
    from wargame.scenario.loading import load_scenario

    same = wargame("run", TUTORIAL, "--from-state", saved, "--seed", "3", "--json", "same.json")
    plain = wargame("run", TUTORIAL, "--from-state", saved, "--json", "plain.json")
    other = wargame("run", TUTORIAL, "--from-state", saved, "--seed", "4", "--json", "other.json")
    assert same.returncode == plain.returncode == other.returncode == 0
    assert "[base, seed 4]" in other.stdout and "[base, seed 3]" in plain.stdout

    assert (tmp_path / "same.json").read_bytes() == (tmp_path / "plain.json").read_bytes()
    reseeded = json.loads((tmp_path / "other.json").read_text())
    data = json.loads(saved.read_text())
    model = WargameModel.restore(load_scenario(TUTORIAL), data, turns=6).reseed(4).run()
    assert reseeded["records"] == [r.to_json() for r in model.records]
    assert reseeded["records"][:2] == data["records"]  # the saved turns as they were played
    assert reseeded["records"] != json.loads((tmp_path / "plain.json").read_text())["records"]
    assert reseeded["summary"]["seed"] == 4


# -- seeds and turns at their limits: what is accepted is saved and read back ---------------
MAX_SEED = 2**64 - 1


@slow
def test_the_largest_seed_is_played_saved_and_read_back(wargame, tmp_path):
    first = wargame("run", TUTORIAL, "--seed", str(MAX_SEED), "--turns", "2", "--summary",
                    "--save-state", "s.json")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert json.loads((tmp_path / "s.json").read_text())["seed"] == MAX_SEED
    again = wargame("run", TUTORIAL, "--from-state", "s.json", "--summary")
    assert again.returncode == 0, again.stderr
    assert f"seed {MAX_SEED}]" in again.stdout and "turns played: 6" in again.stdout
    reseeded = wargame("run", TUTORIAL, "--from-state", "s.json", "--seed", "0", "--summary")
    assert reseeded.returncode == 0 and "seed 0]" in reseeded.stdout


@pytest.mark.parametrize("command", ["run", "batch", "sensitivity"])
@pytest.mark.parametrize("seed", [str(MAX_SEED + 1), "-1", "9" * 5000])
def test_a_seed_past_the_limits_is_refused_before_any_work(wargame, tmp_path, command, seed):
    where = ("--summary",) if command == "run" else ("--out", "o")
    result = wargame(command, TUTORIAL, "--seed", seed, *where)
    assert result.returncode == 2
    assert "Invalid value for '--seed'" in result.stderr
    assert list(tmp_path.iterdir()) == []


@slow
def test_a_state_with_a_seed_past_the_limit_is_refused(wargame, saved):
    data = json.loads(saved.read_text())
    for seed, code in ((MAX_SEED, 0), (MAX_SEED + 1, 2)):
        data["seed"] = seed
        saved.write_text(json.dumps(data))
        result = wargame("run", TUTORIAL, "--from-state", saved.name, "--summary")
        assert result.returncode == code, result.stderr
    assert "s.json: seed: Input should be less than or equal to 18446744073709551615" in (
        result.stderr
    )


@slow
def test_a_batch_with_the_largest_seed_resumes_from_its_own_manifest(wargame, tmp_path):
    args = ("batch", TUTORIAL, "--runs", "2", "--seed", str(MAX_SEED), "--out", "b")
    assert wargame(*args).returncode == 0
    resumed = wargame(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr


def test_turns_past_the_limit_are_refused_before_playing(wargame, tmp_path):
    result = wargame("run", TUTORIAL, "--turns", "100001", "--summary")
    assert result.returncode == 2
    assert "Invalid value for '--turns'" in result.stderr and "100000" in result.stderr


@pytest.mark.parametrize(
    ("turns", "code"), [("12", 0), ("13", 2), ("95760", 2), ("100000", 2)], ids=str
)
def test_turns_that_would_begin_after_the_year_9999(wargame, tmp_path, turns, code):
    path = write_tiny(tmp_path, scenario={"start_date": "9999-01-01", "turns": 4})
    result = wargame("run", path.name, "--turns", turns, "--summary")
    assert result.returncode == code, result.stderr
    if code:
        assert f"--turns {turns}: turn {turns} would begin after the year 9999" in result.stderr
        assert "at most --turns 12" in result.stderr and "Final" not in result.stdout
    else:
        assert "turns played: 12" in result.stdout


def test_turns_that_would_begin_after_the_year_9999_on_the_tutorial(wargame):
    result = wargame("run", TUTORIAL, "--turns", "95761", "--summary")
    assert result.returncode == 2
    assert "(the scenario starts 2020-01-01, a turn is 1 month); at most --turns 95760" in (
        result.stderr
    )


# -- --summary keeps no turn records unless an output needs them ---------------------------
@slow
@pytest.mark.parametrize(
    ("scenario", "variant", "seed"),
    [(TUTORIAL, "weak", "1"), (TUTORIAL, "strong", "2"), (KOREA, "weak_response", "3")],
)
def test_summary_without_records_prints_what_it_prints_with_them(
    wargame, tmp_path, scenario, variant, seed
):
    """--summary alone plays with record=False; with --json the game keeps its records; both
    print the same summary, and --json's summary is the one printed."""
    args = ("run", scenario, "--variant", variant, "--seed", seed, "--summary")
    quick = wargame(*args)
    kept = wargame(*args, "--json", "j.json")
    assert quick.returncode == kept.returncode == 0
    assert quick.stdout == kept.stdout
    written = json.loads((tmp_path / "j.json").read_text())
    assert len(written["records"]) == written["summary"]["turns_played"]
    assert f"turns played: {written['summary']['turns_played']}" in quick.stdout


# -- a reader that stops reading -----------------------------------------------------------
@slow
@pytest.mark.parametrize("mode", [(), ("--summary",)], ids=["printed", "summary"])
def test_outputs_are_written_when_stdout_is_closed(tmp_path, mode):
    """`wargame run ... --json r.json | head -1`: the printing stops, the files do not."""
    read, write = os.pipe()
    os.close(read)  # every write to stdout fails with a broken pipe
    try:
        ended = subprocess.run(
            [sys.executable, "-m", "wargame", "run", TUTORIAL, "--seed", "3", *mode,
             "--json", "r.json", "--save-state", "s.json"],
            cwd=tmp_path, env=CLI_ENV, stdout=write, stderr=subprocess.PIPE, text=True,
            check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    assert ended.returncode == 0, ended.stderr
    assert "Traceback" not in ended.stderr
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["turns_played"] == 6
    assert json.loads((tmp_path / "s.json").read_text())["state"]["turn"] == 6
