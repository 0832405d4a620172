"""Hostile batch manifests (`batch --resume`, `sensitivity --resume`), under CPU and memory limits.

A manifest is read and checked before anything of the batch is touched: each case must end
with exit 2 and a message naming the manifest and what is wrong; no traceback; every file
of the finished batch (its parts, its table) left exactly as it was.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from corpus import BATCH, BATCH_ARGS, MANIFEST, MANIFEST_CASES, TUTORIAL, Case, finished_batch
from harness import assert_refused, run_limited, tree


@pytest.mark.slow
@pytest.mark.parametrize("case", MANIFEST_CASES, ids=[c.id for c in MANIFEST_CASES])
def test_resume_refuses_a_hostile_manifest_and_keeps_the_batch(tmp_path: Path, case: Case) -> None:
    case.make(tmp_path)
    before = tree(tmp_path)

    ended = run_limited("batch", TUTORIAL, *BATCH_ARGS, "--resume", cwd=tmp_path)

    assert_refused(ended, f"{BATCH}/{MANIFEST}", *case.says)
    if case.located:
        assert re.search(rf"{re.escape(MANIFEST)}:\d+:\d+: ", ended.stderr), ended.stderr
    assert tree(tmp_path) == before, "the command wrote, changed or deleted files"


@pytest.mark.slow
def test_sensitivity_resume_refuses_a_hostile_manifest(tmp_path: Path) -> None:
    case = next(c for c in MANIFEST_CASES if c.id == "misspelled field")
    case.make(tmp_path)
    before = tree(tmp_path)

    ended = run_limited(
        "sensitivity", TUTORIAL, "--outcome", "crisis", "--out", BATCH, "--resume", cwd=tmp_path
    )

    assert_refused(ended, f"{BATCH}/{MANIFEST}", *case.says)
    assert tree(tmp_path) == before


@pytest.mark.slow
def test_the_undamaged_batch_resumes_and_exits_0(tmp_path: Path) -> None:
    """The cases damage a batch that resumes fine as it is."""
    shutil.copytree(finished_batch(), tmp_path / BATCH)
    ended = run_limited("batch", TUTORIAL, *BATCH_ARGS, "--resume", cwd=tmp_path)
    assert ended.code == 0, ended.output
