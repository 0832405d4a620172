"""Hostile session files through the real `wargame play --resume` and `wargame replay`,
under CPU and memory limits.

Each must end with exit 2 and a message naming the session file and what is wrong (with
line and column where JSON syntax is broken); no traceback; nothing written or changed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from corpus import SESSION, SESSION_CASES, Case, saved_session
from harness import assert_refused, run_limited, tree

ONE_OF_EACH_KIND = {
    "missing path",
    "binary (NUL bytes)",
    "too many containers",
    "duplicate key",
    "misspelled journal field",
    "a move the team cannot take",
    "an unknown team",
    "a journal of 20,001 entries",
    "its scenario changed since",
}
"""Cases `play --resume` gets too (it reads session files with the same code as `replay`,
which gets them all)."""


REPORT_READS_ITS_COPY = {
    "its scenario missing",
    "its scenario a directory",
    "its scenario changed since",
}
"""`wargame report` reads the scenario copy saved in the session, not the file at its path:
these three are not problems for it."""


REPORT_WORDS = {
    "no such session file": "no such game record",
    "not a session file": "not a game record",
    "not a session": "not a game record",
}


def _params() -> list[object]:
    cases = [pytest.param(case, "replay", id=f"replay-{case.id}") for case in SESSION_CASES]
    return (
        cases
        + [
            pytest.param(case, "play", id=f"play-{case.id}")
            for case in SESSION_CASES
            if case.id in ONE_OF_EACH_KIND
        ]
        + [
            pytest.param(case, "report", id=f"report-{case.id}")
            for case in SESSION_CASES
            if case.id not in REPORT_READS_ITS_COPY
        ]
    )


@pytest.mark.slow
@pytest.mark.parametrize(("case", "command"), _params())
def test_a_hostile_session_is_refused_and_nothing_changes(
    tmp_path: Path, case: Case, command: str
) -> None:
    case.make(tmp_path)
    (tmp_path / "moves.yaml").write_text("format: wargame-moves/1\nentries: []\n")
    before = tree(tmp_path)

    if command == "play":
        ended = run_limited("play", "--resume", SESSION, "--moves", "moves.yaml", cwd=tmp_path)
    elif command == "report":  # --risk replays the journal too: every case is found
        ended = run_limited("report", SESSION, "-o", "r.html", "--risk", "1", cwd=tmp_path)
    else:
        ended = run_limited("replay", SESSION, cwd=tmp_path)

    says = case.says
    if command == "report":  # it reads session files and run records: it says "game record"
        says = tuple(REPORT_WORDS.get(fragment, fragment) for fragment in says)
    assert_refused(ended, SESSION, *says)
    if case.located:
        assert re.search(rf"{re.escape(SESSION)}:\d+:\d+: ", ended.stderr), ended.stderr
    assert tree(tmp_path) == before, "the command wrote or changed files"


def test_the_kinds_for_play_are_cases() -> None:
    assert {c.id for c in SESSION_CASES} >= ONE_OF_EACH_KIND


def test_the_real_session_resumes_and_replays(tmp_path: Path) -> None:
    """The corpus damages a session that works: without damage both commands accept it."""
    (tmp_path / SESSION).write_text(saved_session())
    (tmp_path / "moves.yaml").write_text(
        "format: wargame-moves/1\nentries:\n"
        + "".join(
            f"  - {{turn: {turn}, phase: response, moves: {{Blue: []}}}}\n" for turn in (3, 4, 5, 6)
        )
    )
    assert run_limited("replay", SESSION, cwd=tmp_path).code == 0
    ended = run_limited("play", "--resume", SESSION, "--moves", "moves.yaml", cwd=tmp_path)
    assert ended.code == 0, ended.output
    assert "turns played: 6" in ended.stdout
