"""Hostile saved game states (`--from-state`), under CPU and memory limits.

Each must end with exit 2 and a message naming the state file and what is wrong (with line
and column where JSON syntax is broken); no traceback; no game played, so no output written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from corpus import STATE, STATE_CASES, TUTORIAL, Case
from harness import assert_refused, run_limited, tree

ONE_OF_EACH_KIND = {
    "missing path",
    "binary (NUL bytes)",
    "too many containers",
    "duplicate key",
    "misspelled nested field",
    "variable out of bounds",
    "unknown actor",
    "a pending effect on nothing",
    "another scenario's state",
}


@pytest.mark.slow
@pytest.mark.parametrize("case", STATE_CASES, ids=[c.id for c in STATE_CASES])
def test_run_refuses_a_hostile_state_and_writes_nothing(tmp_path: Path, case: Case) -> None:
    case.make(tmp_path)
    before = tree(tmp_path)

    ended = run_limited(
        "run", TUTORIAL, "--from-state", STATE, "--json", "records.json",
        "--save-state", "after.json", cwd=tmp_path,
    )  # fmt: skip

    assert_refused(ended, STATE, *case.says)
    if case.located:
        assert re.search(rf"{re.escape(STATE)}:\d+:\d+: ", ended.stderr), ended.stderr
    assert tree(tmp_path) == before, "the command wrote or changed files"


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", [c for c in STATE_CASES if c.id in ONE_OF_EACH_KIND], ids=sorted(ONE_OF_EACH_KIND)
)
def test_batch_refuses_a_hostile_state_before_playing(tmp_path: Path, case: Case) -> None:
    case.make(tmp_path)
    before = tree(tmp_path)

    ended = run_limited("batch", TUTORIAL, "--from-state", STATE, "--runs", "3", cwd=tmp_path)

    assert_refused(ended, STATE, *case.says)
    assert tree(tmp_path) == before, "the command wrote or changed files"


def test_the_kinds_for_batch_are_cases():
    assert {c.id for c in STATE_CASES} >= ONE_OF_EACH_KIND


def test_a_real_saved_state_is_accepted(tmp_path: Path) -> None:
    """The corpus damages a state that works: without damage the game goes on."""
    from corpus import saved_state

    (tmp_path / STATE).write_text(saved_state())
    ended = run_limited("run", TUTORIAL, "--from-state", STATE, "--summary", cwd=tmp_path)
    assert ended.code == 0, ended.output
