"""Hostile batch folders read back (`wargame summarize DIR`, `wargame.batch.open`), under CPU
and memory limits.

A folder is checked before its table is read: every hostile manifest of the corpus, a runs
table that is truncated, junk, missing (a batch that did not finish) or another batch's,
and a folder that is no batch at all must end with exit 2 and a message naming the file or
folder and the fix; no traceback; nothing written, changed or deleted.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from corpus import BATCH, MANIFEST, MANIFEST_CASES, Case, finished_batch
from harness import assert_refused, run_limited, tree

RUNS = "runs.parquet"


@pytest.mark.slow
@pytest.mark.parametrize("case", MANIFEST_CASES, ids=[c.id for c in MANIFEST_CASES])
def test_summarize_refuses_a_hostile_manifest(tmp_path: Path, case: Case) -> None:
    case.make(tmp_path)
    before = tree(tmp_path)

    ended = run_limited("summarize", BATCH, cwd=tmp_path)

    if case.id == "another batch":  # a valid manifest: the table is not its batch's
        assert_refused(ended, f"{BATCH}/{RUNS}", "belongs to another batch")
    else:
        assert_refused(ended, f"{BATCH}/{MANIFEST}", *case.says)
    assert tree(tmp_path) == before, "the command wrote, changed or deleted files"


def _table(change: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        shutil.copytree(finished_batch(), folder / BATCH)
        change(folder / BATCH / RUNS)

    return make


def _no_manifest(folder: Path) -> None:
    shutil.copytree(finished_batch(), folder / BATCH)
    (folder / BATCH / MANIFEST).unlink()


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


FOLDERS = [
    ("truncated table", _table(_truncate), f"{BATCH}/{RUNS}", ("damaged",)),
    ("junk table", _table(lambda p: p.write_bytes(b"PAR1\x00junk")), f"{BATCH}/{RUNS}", ()),
    ("empty table", _table(lambda p: p.write_bytes(b"")), f"{BATCH}/{RUNS}", ()),
    ("no table", _table(lambda p: p.unlink()), BATCH, ("did not finish", "--resume")),
    ("table is a directory", _table(lambda p: (p.unlink(), p.mkdir())), f"{BATCH}/{RUNS}", ()),
    ("no manifest", _no_manifest, BATCH, ("no manifest.json", "--out DIR")),
    ("an empty folder", lambda f: (f / BATCH).mkdir(), BATCH, ("no manifest.json",)),
    ("a file", lambda f: (f / BATCH).write_text("x"), BATCH, ("not a directory",)),
    ("nothing", lambda f: None, BATCH, ("does not exist",)),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("make", "named", "says"), [c[1:] for c in FOLDERS], ids=[c[0] for c in FOLDERS]
)
def test_summarize_refuses_a_damaged_or_foreign_folder(
    tmp_path: Path, make: Callable[[Path], None], named: str, says: tuple[str, ...]
) -> None:
    make(tmp_path)
    before = tree(tmp_path)

    ended = run_limited("summarize", BATCH, cwd=tmp_path)

    assert_refused(ended, named, *says)
    assert tree(tmp_path) == before, "the command wrote, changed or deleted files"


@pytest.mark.slow
def test_the_undamaged_folder_is_summarized_within_the_budget(tmp_path: Path) -> None:
    shutil.copytree(finished_batch(), tmp_path / BATCH)
    ended = run_limited("summarize", BATCH, "--table-md", "t.md", cwd=tmp_path)
    assert ended.code == 0, ended.output
    assert "tension reaches an intense crisis" in ended.stdout
    assert (tmp_path / "t.md").is_file()
