"""Hostile observation files (`wargame score --observed`) through the real command, under
the CPU and memory limits: each ends with exit 2, a message naming the file, no traceback,
and no game played (the file is checked before the batch)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from corpus import TUTORIAL
from harness import assert_refused, run_limited, tree

pytestmark = pytest.mark.slow  # a process each, under the limits

HEAD = "format: wargame-observed/1\nscenario: tutorial\nquantities:\n"
GOOD = HEAD + "  - {id: tests, count: [red_test], observed: 3}\n"
CASES = {
    "missing": (None, "no such file"),
    "directory": ("dir", "is a directory"),
    "fifo": ("fifo", "not a regular file"),
    "device": ("device", "not a regular file"),
    "empty": ("", "is empty"),
    "binary": (b"\x00\xff\x00junk", "OBS.yaml"),
    "non-UTF-8": (b"format: \xff\xfe\n", "UTF-8"),
    "python tag": (GOOD + "x: !!python/object/apply:os.system [touch pwned]\n", "OBS.yaml"),
    "alias bomb": ("a: &a [1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ), "OBS.yaml"),
    "deep nesting": ("x: " + "[" * 10_000 + "]" * 10_000 + "\n", "OBS.yaml"),
    "duplicate key": (GOOD + "scenario: tutorial\n", "duplicate"),
    "a number too big": (
        HEAD + f"  - {{id: t, count: [red_test], observed: {'9' * 5000}}}\n", "OBS.yaml"
    ),
    "NaN observed": (HEAD + "  - {id: t, count: [red_test], observed: .nan}\n", "observed"),
    "10,000 quantities": (HEAD + "".join(
        f"  - {{id: q{i}, count: [red_test], observed: 1}}\n" for i in range(10_000)
    ), "quantities"),
    "unknown action": (
        HEAD + "  - {id: t, count: [red_tset], observed: 1}\n", "Did you mean 'red_test'"
    ),
    "negative poisson": (
        HEAD + "  - {id: t, count: [red_test], observed: 1, reference: {poisson: -1}}\n",
        "poisson",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_hostile_observation_file_is_refused_before_any_game(tmp_path: Path, case: str) -> None:
    content, says = CASES[case]
    (tmp_path / "tutorial.yaml").write_text(TUTORIAL.read_text())
    target = tmp_path / "OBS.yaml"
    if content == "dir":
        target.mkdir()
    elif content == "fifo":
        os.mkfifo(target)
    elif content == "device":
        target.symlink_to("/dev/zero")
    elif content is not None:
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    before = tree(tmp_path)
    ended = run_limited(
        "score", "tutorial.yaml", "--observed", "OBS.yaml", "--runs", "5", cwd=tmp_path
    )
    assert_refused(ended, "OBS.yaml", says)
    assert tree(tmp_path) == before and not (tmp_path / "pwned").exists()


def test_the_good_file_is_scored(tmp_path: Path) -> None:
    (tmp_path / "tutorial.yaml").write_text(TUTORIAL.read_text())
    (tmp_path / "OBS.yaml").write_text(GOOD)
    ended = run_limited(
        "score", "tutorial.yaml", "--observed", "OBS.yaml", "--runs", "5", cwd=tmp_path,
        memory=512 * 2**20,
    )  # fmt: skip
    assert ended.code == 0, ended.output
    assert "tests" in ended.stdout and "CRPS" in ended.stdout
