"""A batch folder holding what is not this batch's: nothing is merged, compacted or claimed.

Every Parquet file a batch writes carries its batch id (a hash of the manifest without the
scenario's path). A folder with batch files but no manifest, a part or table of another
batch (another seed, another scenario, written by another tool), and a second batch started
on a folder in use are refused through the real command: exit 2, the file named, `--force`
offered, no traceback, and every file left byte for byte as it was. After the fix the
message gives, the batch completes equal to one never disturbed. A resume through another
spelling of the same scenario (relative, absolute, `./`, a symlink) is the same batch; the
same path with other content is not.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import SCENARIOS, run_cli
from harness import tree

from wargame.batch import runner as batch
from wargame.batch import spec as specs
from wargame.batch import storage
from wargame.errors import InputError

TUTORIAL = SCENARIOS / "tutorial.yaml"
KOREA = SCENARIOS / "korea_2017_over_japan.yaml"
RUNS = 12
ARGS: dict[str, Any] = {"variants": ("weak", "strong"), "runs": RUNS, "seed": 1, "chunk_size": 2}
CLI = ["--variants", "weak,strong", "--runs", str(RUNS), "--chunk-size", "2"]


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chunk its own part (in-process batches): a kill leaves several."""
    monkeypatch.setattr(storage, "FLUSH_SECONDS", 0.0)


def interrupted(scenario: Path, out: Path, rows: int, **args: Any) -> None:
    """A batch stopped by Ctrl-C once `rows` games are written: a manifest and some parts."""

    def stop(progress: batch.Progress) -> None:
        if progress.done >= rows:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.run(scenario, out=out, on_progress=stop, **{**ARGS, **args})
    assert list((out / "parts").glob("runs-*.parquet"))
    assert not (out / storage.RUNS).exists()


def seeds(out: Path) -> set[tuple[int, int]]:
    table = pq.read_table(out / storage.RUNS, columns=["run", "seed"])
    return set(zip(table["run"].to_pylist(), table["seed"].to_pylist(), strict=True))


def refused(ended: Any, named: Path | str, *fragments: str) -> None:
    """Exit 2, the file named with --force as the way to start over, no traceback."""
    assert ended.returncode == 2, ended.stdout + ended.stderr
    assert str(named) in ended.stderr, ended.stderr
    for fragment in ("--force", *fragments):
        assert fragment in ended.stderr, f"{fragment!r} not in:\n{ended.stderr}"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    """The batch of ARGS played without a disturbance."""
    out = tmp_path_factory.mktemp("reference") / "out"
    batch.run(TUTORIAL, out=out, **ARGS)
    return pq.read_table(out / storage.RUNS)


# -- 1. batch files but no manifest ------------------------------------------------------------
def test_a_finished_table_without_its_manifest_is_not_claimed_by_a_new_seed(tmp_path: Path):
    """Was: exit 0, nothing played, a manifest saying seed 2 over seed 1's table."""
    run_cli("batch", TUTORIAL, *CLI, "--seed", "1", "--out", "b", cwd=tmp_path)
    (tmp_path / "b" / storage.MANIFEST).unlink()
    before = tree(tmp_path)

    ended = run_cli("batch", TUTORIAL, *CLI, "--seed", "2", "--out", "b", cwd=tmp_path)

    refused(ended, Path("b") / storage.RUNS, "no manifest.json", "nothing shows")
    assert tree(tmp_path) == before  # no manifest claiming seed 2, the table untouched

    again = run_cli("batch", TUTORIAL, *CLI, "--seed", "2", "--out", "b", "--force", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert seeds(tmp_path / "b") == {(r, specs.run_seed(2, r)) for r in range(RUNS)}


def test_parts_of_a_killed_batch_whose_manifest_was_lost_are_not_mixed_in(tmp_path: Path):
    """Was: exit 0 and a table in which the killed batch's runs kept their seed-1 rows."""
    out = tmp_path / "b"
    interrupted(TUTORIAL, out, rows=8)
    (out / storage.MANIFEST).unlink()
    before = tree(tmp_path)

    ended = run_cli("batch", TUTORIAL, *CLI, "--seed", "2", "--out", out, cwd=tmp_path)

    refused(ended, storage.part_path(out, 0), "no manifest.json")
    assert tree(tmp_path) == before
    ended = run_cli("batch", TUTORIAL, *CLI, "--seed", "2", "--out", out, "--resume", cwd=tmp_path)
    assert ended.returncode == 2 and "not a batch to resume" in ended.stderr, ended.stderr
    assert tree(tmp_path) == before

    again = run_cli("batch", TUTORIAL, *CLI, "--seed", "2", "--out", out, "--force", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert seeds(out) == {(r, specs.run_seed(2, r)) for r in range(RUNS)}  # none of seed 1


# -- 2. a file of another batch in a batch being resumed ---------------------------------------
def foreign_part(tmp_path: Path, scenario: Path, **args: Any) -> Path:
    """A runs part of another batch (another scenario or seed), its runs 6-11."""
    other = tmp_path / "other"
    batch.run(scenario, out=other, **{**ARGS, **args})
    table = pq.read_table(other / storage.RUNS)
    part = tmp_path / "foreign.parquet"
    storage.write_table_atomic(table.filter(pc.greater_equal(table["run"], 6)), part)
    return part


@pytest.mark.parametrize(
    ("scenario", "args"),
    [(KOREA, {"variants": ("weak_response", "strong_united_response")}), (TUTORIAL, {"seed": 2})],
    ids=["another scenario", "another seed"],
)
def test_a_part_of_another_batch_is_refused_and_the_batch_then_completes(
    tmp_path: Path, reference: pa.Table, scenario: Path, args: dict[str, Any]
):
    """Was (another scenario): a traceback from compaction; (another seed): mixed rows."""
    out = tmp_path / "b"
    interrupted(TUTORIAL, out, rows=12)  # runs 0-5 in parts 0-2
    copied = storage.part_path(out, 7)
    shutil.copy(foreign_part(tmp_path, scenario, **args), copied)  # it fills the gap exactly
    before = tree(out)

    ended = run_cli("batch", TUTORIAL, *CLI, "--seed", "1", "--out", out, "--resume", cwd=tmp_path)

    refused(ended, copied, "belongs to another batch", "would be mixed into this one")
    assert tree(out) == before
    copied.unlink()  # the fix, as told
    ended = run_cli("batch", TUTORIAL, *CLI, "--seed", "1", "--out", out, "--resume", cwd=tmp_path)
    assert ended.returncode == 0, ended.stderr
    assert pq.read_table(out / storage.RUNS).equals(reference)


def test_a_part_without_a_batch_id_is_refused(tmp_path: Path):
    out = tmp_path / "b"
    interrupted(TUTORIAL, out, rows=8)
    part = storage.part_path(out, 1)
    table = pq.read_table(part)
    pq.write_table(table.replace_schema_metadata(None), part)  # e.g. rewritten by another tool
    before = tree(out)
    ended = run_cli("batch", TUTORIAL, *CLI, "--seed", "1", "--out", out, "--resume", cwd=tmp_path)
    refused(ended, part, "carries no batch id")
    assert tree(out) == before


def test_a_finished_table_of_another_batch_under_this_manifest_is_refused(tmp_path: Path):
    out = tmp_path / "b"
    batch.run(TUTORIAL, out=out, **ARGS)
    shutil.copy(foreign_part(tmp_path, TUTORIAL, seed=2).parent / "other" / storage.RUNS, out)
    before = tree(out)
    ended = run_cli("batch", TUTORIAL, *CLI, "--seed", "1", "--out", out, "--resume", cwd=tmp_path)
    refused(ended, out / storage.RUNS, "belongs to another batch")
    assert tree(out) == before


def test_compaction_refuses_a_part_of_another_batch_before_writing_or_removing(tmp_path: Path):
    out = tmp_path / "b"
    interrupted(TUTORIAL, out, rows=12)
    shutil.copy(foreign_part(tmp_path, KOREA, variants=("weak_response",)), out / "parts")
    os.replace(out / "parts" / "foreign.parquet", storage.part_path(out, 9))
    spec = batch.BatchSpec(
        scenario_name=str(TUTORIAL),
        scenario_text=TUTORIAL.read_text(encoding="utf-8"),
        variants=ARGS["variants"],
        overrides=(),
        runs=RUNS,
        seed=1,
        sample="lhs",
        chunk_size=2,
    )
    before = tree(out)
    with pytest.raises(InputError, match="belongs to another batch"):
        storage.compact(out, RUNS, batch.batch_id(batch.describe(spec)), specs.columns(spec))
    assert tree(out) == before


# -- 3. the same scenario spelled otherwise ----------------------------------------------------
@pytest.mark.parametrize("spelling", ["x.yaml", "./x.yaml", "link.yaml", "sub/../x.yaml"])
def test_a_resume_through_another_spelling_of_the_same_scenario_works(
    tmp_path: Path, reference: pa.Table, spelling: str
):
    """Was: refused, "differs in: scenario", though the content hash matched."""
    shutil.copy(TUTORIAL, tmp_path / "x.yaml")
    (tmp_path / "link.yaml").symlink_to("x.yaml")
    (tmp_path / "sub").mkdir()
    out = tmp_path / "b"
    interrupted(tmp_path / "x.yaml", out, rows=8)  # started with the absolute path
    manifest = (out / storage.MANIFEST).read_bytes()

    ended = run_cli("batch", spelling, *CLI, "--seed", "1", "--out", "b", "--resume", cwd=tmp_path)

    assert ended.returncode == 0, ended.stderr
    assert (out / storage.MANIFEST).read_bytes() == manifest  # the path as first given
    assert pq.read_table(out / storage.RUNS).equals(reference)


def test_the_same_path_with_other_content_is_still_another_batch(tmp_path: Path):
    scenario = tmp_path / "x.yaml"
    shutil.copy(TUTORIAL, scenario)
    interrupted(scenario, tmp_path / "b", rows=8)
    scenario.write_text(TUTORIAL.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    before = tree(tmp_path / "b")
    ended = run_cli("batch", scenario, *CLI, "--seed", "1", "--out", "b", "--resume", cwd=tmp_path)
    assert ended.returncode == 2, ended.stderr
    assert "describes a different batch (differs in: scenario_sha256)" in ended.stderr
    assert tree(tmp_path / "b") == before


# -- 4. two batches on one folder at once ------------------------------------------------------
def test_a_second_batch_on_a_folder_in_use_is_refused(tmp_path: Path):
    out = tmp_path / "b"
    interrupted(TUTORIAL, out, rows=8)
    before = tree(out)
    with storage.held(out):  # as a batch still running there holds it
        ended = run_cli(
            "batch", TUTORIAL, *CLI, "--seed", "1", "--out", out, "--resume", cwd=tmp_path
        )
    assert ended.returncode == 2, ended.stderr
    assert f"{out} is in use by another batch that is still running" in ended.stderr
    assert tree(out) == before
    ended = run_cli("batch", TUTORIAL, *CLI, "--seed", "1", "--out", out, "--resume", cwd=tmp_path)
    assert ended.returncode == 0, ended.stderr  # once it has ended
