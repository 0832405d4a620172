"""Options at their extremes, outside the batch runner (issue "Hardening, second round").

`--set` values and paths at and beyond every limit, thousands of `--set` options, `--turns`
and `--seed` of `run` past what the engine and the saved-state schema accept, a game that
would run past the year 9999, and paths the file system cannot look up. Each goes through the
real command under the hostile budget (harness.py: 5 CPU s, 256 MiB) and must end with exit 2
and a message saying what is wrong (no traceback) before any game is played: nothing written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import tiny_data
from harness import assert_refused, run_limited, tree

from wargame.engine.snapshot import MAX_SEED, MAX_TURN

TUTORIAL = Path(__file__).resolve().parents[2] / "scenarios" / "tutorial.yaml"
SCENARIO = "tutorial.yaml"
DIGITS = "1" * 5000
OUTPUTS = ("--json", "records.json", "--save-state", "state.json")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(TUTORIAL, tmp_path / SCENARIO)
    return tmp_path


def refused(folder: Path, *args: str) -> str:
    """Run `wargame run tutorial.yaml ARGS` with two outputs asked for: exit 2, no traceback,
    nothing written; the message."""
    before = tree(folder)
    ended = run_limited("run", SCENARIO, *args, *OUTPUTS, cwd=folder)
    assert_refused(ended, "")
    assert tree(folder) == before, "a game was played or a file written"
    assert len(ended.stderr) < 5000, f"a message of {len(ended.stderr):,} characters"
    return ended.stderr


# ------------------------------------------------------------------ --set values


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (DIGITS, "this number is too long (5,000 characters)"),
        ("-" + DIGITS, "this number is too long"),
        ("1e" + DIGITS, "finite number"),  # (YAML 1.1 reads 1e999 as text; the schema: inf)
        ("1.0e+999", "numbers must be finite, got 1.0e+999"),
        ("1e999", "finite number"),
        ("-.inf", "numbers must be finite"),
        (".nan", "numbers must be finite"),
        ("nan", "finite number"),
        ("1e308", "assumption range"),
        ("1e-400", "assumption range"),
        ("0x1F", "assumption range"),
        ("", "the value must be a number, text or true/false"),
        ("~", "the value must be a number, text or true/false"),
        ("[1, 2]", "the value must be a number, text or true/false"),
        ("{value: 2}", "the value must be a number, text or true/false"),
        ("!!python/object/apply:os.system [touch pwned]", "tags that construct objects"),
        ('"\\e[2J"', "control character"),
        ("größer", "valid number"),
        ("a" * 100_000, "valid number"),
    ],
    ids=lambda v: v if len(v) < 30 else f"{v[:12]}...({len(v)} chars)",
)
def test_an_extreme_set_value_is_refused_before_playing(folder: Path, value: str, says: str):
    message = refused(folder, "--set", f"parameters.deterrence_strength={value}")
    assert "--set parameters.deterrence_strength" in message, message
    assert says in message, message
    assert "\x1b" not in message
    assert not (folder / "pwned").exists()


@pytest.mark.parametrize(
    ("option", "says"),
    [
        ("parameters." + "a." * 5000 + "a", "no 'a' in path 'parameters.a.a.a"),
        (f"relations.{DIGITS}", "no '1111"),
        (f"actions.{DIGITS}=1", "no '1111"),
        ("variants.weak.set=2", "cannot change variants"),
        ("=1", "is not PATH=VALUE"),
        ("noequals", "is not PATH=VALUE"),
        ("parameters.\x1b[2J=1", "no '\\x1b[2J' in path"),
        ("parameters..deterrence_strength=1", "no '' in path"),
        ("relations.-1.trust=1", "no '-1' in path"),
    ],
    ids=lambda v: v if len(v) < 30 else f"{v[:12]}...({len(v)} chars)",
)
def test_an_extreme_set_path_is_refused_before_playing(folder: Path, option: str, says: str):
    option = option if "=" in option.rpartition(".")[2] or option == "noequals" else option + "=1"
    message = refused(folder, "--set", option)
    assert says in message, message
    assert "\x1b" not in message


def test_ten_thousand_set_options_are_applied_within_the_budget(folder: Path) -> None:
    sets = [f"--set=parameters.deterrence_strength={1 + i % 2}" for i in range(10_000)]
    ended = run_limited("run", SCENARIO, "--summary", *sets, cwd=folder)
    assert ended.code == 0, ended.output[-2000:]
    assert "turns played: 6" in ended.stdout


def test_ten_thousand_set_options_with_one_wrong_name_three_of_them(folder: Path) -> None:
    sets = [f"--set=parameters.deterrence_strength={1 + i % 2}" for i in range(9_999)]
    message = refused(folder, *sets, "--set=parameters.deterrence_strength=99")
    assert "lies outside its assumption range" in message
    assert message.count("--set parameters.deterrence_strength=") == 3, message
    assert "9,997 more --set options" in message


# ------------------------------------------------------------------ --turns and --seed


@pytest.mark.parametrize(
    "turns",
    ["0", "-1", str(MAX_TURN + 1), str(10**20), DIGITS, "", "abc", "1.5", "١"],
)
def test_turns_out_of_range_are_refused(folder: Path, turns: str) -> None:
    message = refused(folder, "--turns", turns)
    assert "--turns" in message, message


def test_turns_whose_last_turn_would_begin_after_the_year_9999_are_refused(folder: Path):
    # the tutorial starts on 2020-01-01 with monthly turns: turn 95,760 begins in 9999-12
    message = refused(folder, "--turns", str(MAX_TURN))
    assert "would begin after the year 9999" in message and "at most --turns 95760" in message


def test_a_scenario_near_the_year_9999_is_checked_with_the_turns_asked(tmp_path: Path):
    data = tiny_data(scenario={"start_date": "9999-06-01", "turns": 6})
    (tmp_path / SCENARIO).write_text(yaml.safe_dump(data, sort_keys=False))
    message = refused(tmp_path, "--turns", "12")
    assert "turn 12 would begin after the year 9999" in message, message


@pytest.mark.parametrize(
    "seed", ["-1", str(MAX_SEED + 1), str(10**20), DIGITS, "", "abc", "1e3", "0x10"]
)
def test_seeds_out_of_range_are_refused(folder: Path, seed: str) -> None:
    message = refused(folder, "--seed", seed)
    assert "--seed" in message, message


def test_the_largest_seed_plays_and_its_state_is_read_back(folder: Path) -> None:
    ended = run_limited(
        "run", SCENARIO, "--seed", str(MAX_SEED), "--turns", "2", "--summary", "--save-state",
        "s.json", cwd=folder,
    )  # fmt: skip
    assert ended.code == 0, ended.output
    again = run_limited("run", SCENARIO, "--from-state", "s.json", "--summary", cwd=folder)
    assert again.code == 0, again.output
    assert "turns played: 6" in again.stdout


# ------------------------------------------------------------------ paths and many files


@pytest.mark.parametrize("command", ["run", "replay"])
def test_a_path_too_long_for_the_file_system_is_refused(folder: Path, command: str) -> None:
    long = "p" * 300  # one name over the 255 bytes of most file systems
    args = ("run", SCENARIO, "--from-state", long) if command == "run" else ("replay", long)
    before = tree(folder)
    ended = run_limited(*args, cwd=folder)
    assert_refused(ended, long, "File name too long")
    assert tree(folder) == before


def test_validate_of_ten_thousand_missing_files_ends_within_the_budget(folder: Path) -> None:
    names = [f"missing-{i}.yaml" for i in range(10_000)]
    ended = run_limited("validate", *names, SCENARIO, cwd=folder)
    assert_refused(ended, "missing-9999.yaml", "no such file")
    assert ended.stderr.count("no such file") == 10_000
    assert f"{SCENARIO}: ok" in ended.stdout  # the one that exists is still checked


def test_schema_takes_no_options(folder: Path) -> None:
    ended = run_limited("schema", "--nope", cwd=folder)
    assert ended.code == 2 and "No such option" in ended.stderr and "Traceback" not in ended.stderr
