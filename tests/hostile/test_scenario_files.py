"""Hostile scenario files, through every command that reads one, under CPU and memory limits.

Each case must end with exit 2 and a message naming the file (with line and column where
the problem has a place), the problem and its fix; no traceback; nothing written or changed
in the folder (so no object was built from a tag, no output was started).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from corpus import NAME, SCENARIO_CASES, Case
from harness import assert_refused, run_limited, tree

# Every case goes through `validate`; the other commands read the file through the same
# loader, so they get one case of each kind, to show they check it before anything else.
ONE_OF_EACH_KIND = {
    "missing path",
    "fifo",
    "binary (NUL bytes)",
    "python object tag",
    "alias bomb (billion laughs)",
    "deep nesting (flow)",
    "over the size limit",
    "top level is a list",
    "duplicate actor id",
    "misspelled actor field",
    "probability above 1",
    "unknown variable in an effect",
    "a ballot on a ballot",
    "python in a formula",
}

COMMANDS = {
    "validate": (),
    "run": ("--seed", "1"),
    "batch": ("--runs", "2"),
    "sensitivity": ("--outcome", "routine", "--base-samples", "2", "--replicates", "1"),
}


def cases(command: str) -> list[object]:
    chosen = [c for c in SCENARIO_CASES if command == "validate" or c.id in ONE_OF_EACH_KIND]
    return [pytest.param(command, case, id=f"{command}: {case.id}") for case in chosen]


def test_every_kind_chosen_for_the_other_commands_is_a_case():
    assert {c.id for c in SCENARIO_CASES} >= ONE_OF_EACH_KIND


@pytest.mark.slow
@pytest.mark.parametrize(("command", "case"), [p for c in COMMANDS for p in cases(c)])
def test_a_hostile_scenario_file_is_refused_with_a_clear_message(
    tmp_path: Path, command: str, case: Case
) -> None:
    case.make(tmp_path)
    before = tree(tmp_path)

    ended = run_limited(command, NAME, *COMMANDS[command], cwd=tmp_path)

    assert_refused(ended, NAME, *case.says)
    if case.located:
        assert re.search(rf"{re.escape(NAME)}:\d+:\d+: ", ended.stderr), ended.stderr
    assert tree(tmp_path) == before, "the command wrote or changed files"
