"""The batch runner's choice of engine: the lockstep engine where it plays the scenario, the
reference engine elsewhere, the same rows either way, and a note for what falls back."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import SCENARIOS, run_cli

from wargame.batch import runner as batch
from wargame.batch import spec as specs
from wargame.batch import worker
from wargame.batch.continuations import continuation_chunk, play_continuations
from wargame.batch.worker import engine_of
from wargame.engine.model import WargameModel
from wargame.scenario.loading import load_scenario

KOREA = SCENARIOS / "korea_2017_over_japan.yaml"
OP_ED = ["weak_response", "strong_united_response"]


def forbid_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process worker may not fall back to the reference engine (it would, silently,
    if the lockstep engine failed), so a test of the lockstep path fails instead."""

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reference engine played games the lockstep engine should")

    monkeypatch.setattr(worker, "_reference_rows", refused)


def both_engines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **options: Any) -> pa.Table:
    """runs.parquet of one batch played on the reference engine, after checking that the
    lockstep engine (with no fallback) writes the very same table."""
    tables = {}
    for engine in ("reference", "auto"):
        if engine == "auto":
            forbid_reference(monkeypatch)
        out = tmp_path / engine
        batch.run(KOREA, out=out, engine=engine, **options)
        tables[engine] = pq.read_table(out / batch.RUNS)
    assert tables["auto"].equals(tables["reference"])
    return tables["reference"]


@pytest.mark.parametrize("sample", ["lhs", "none"])
def test_both_engines_write_the_same_table(tmp_path, monkeypatch, sample) -> None:
    table = both_engines(
        tmp_path, monkeypatch, variants=OP_ED, runs=40, seed=3, sample=sample, chunk_size=16
    )
    assert table.num_rows == 80


def saved_after(turns: int, seed: int = 3) -> dict[str, Any]:
    model = WargameModel(load_scenario(KOREA, variant="weak_response"), seed=seed)
    for _ in range(turns):
        model.step()
    snapshot = model.snapshot()
    model.release()
    return snapshot


def test_a_batch_from_a_saved_game_is_the_same_on_both_engines(tmp_path, monkeypatch) -> None:
    # after turn 4 the saved game has counts, beliefs, delayed effects and injects behind it
    saved = saved_after(4)
    assert saved["state"]["turn"] == 4 and saved["state"]["counts"]
    table = both_engines(
        tmp_path, monkeypatch, variants=OP_ED, runs=30, seed=5, from_state=saved, chunk_size=12
    )
    assert set(table.column("turns").to_pylist()) <= set(range(5, 13))


def test_continuations_of_several_states_are_the_same_on_both_engines(monkeypatch) -> None:
    # from the start, mid-game, late and after the last turn (nothing left to play)
    states = [saved_after(turns, seed) for turns, seed in ((0, 1), (3, 2), (7, 4), (12, 5))]
    text = KOREA.read_text(encoding="utf-8")
    tables = {}
    for engine in ("reference", "auto"):
        if engine == "auto":
            forbid_reference(monkeypatch)
        tables[engine] = play_continuations(
            str(KOREA), text, states, variants=["weak_response", "base"], runs=9, seed=2,
            engine=engine,
        )  # fmt: skip
    assert tables["auto"].num_rows == 4 * 9 * 2
    assert tables["auto"].equals(tables["reference"])


def test_the_lockstep_engine_plays_the_batch_unless_told_or_it_cannot() -> None:
    text = KOREA.read_text(encoding="utf-8")

    def spec(**more: Any) -> specs.BatchSpec:
        return specs.BatchSpec(str(KOREA), text, ("base",), (), 10, 0, "lhs", 10, **more)

    assert engine_of(spec(), "base") == "lockstep"
    assert engine_of(spec(from_state=saved_after(2)), "base") == "lockstep"
    assert engine_of(spec(engine="reference"), "base") == "reference"
    assert engine_of(spec(trajectories=True), "base") == "reference"


def human_tutorial(tmp_path: Path) -> Path:
    data = yaml.safe_load((SCENARIOS / "tutorial.yaml").read_text(encoding="utf-8"))
    data["variants"]["seminar"] = {"controllers": {"Red": "human"}}
    path = tmp_path / "seminar.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_variant_the_lockstep_engine_cannot_play_is_noted_once(tmp_path: Path) -> None:
    path = human_tutorial(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = batch.run(path, variants=["weak", "seminar"], runs=30, out=tmp_path / "o")
    notes = [str(w.message) for w in caught if "reference engine" in str(w.message)]
    assert notes == [
        "variant seminar: played one by one by the reference engine, as the lockstep engine "
        "does not play it (Red is played by a person)"
    ]
    assert result.engines == tuple(notes)
    assert result.failed  # a person's moves are not known in a batch: those games fail
    table = pq.read_table(tmp_path / "o" / batch.RUNS).to_pandas()
    assert table[table.variant == "weak"]["error"].isna().all()


def test_the_command_line_says_it_once_as_a_note(tmp_path: Path) -> None:
    path = human_tutorial(tmp_path)
    done = run_cli(
        "batch", str(path), "--runs", "6", "--variants", "weak,seminar", "--out", "o",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.stderr.count("note: variant seminar: played one by one") == 1
    assert "Traceback" not in done.stderr


def test_tiny_chunks_and_huge_batches_get_sizes_that_suit_the_lockstep_engine() -> None:
    assert batch.default_chunk_size(100, 2) == 60  # 120 games a chunk at least
    assert batch.default_chunk_size(32_000, 2) == 2_000  # a sixteenth
    assert batch.default_chunk_size(10**6, 2) == 4_096  # at most 4,096 runs of a variant
    assert batch.default_chunk_size(10**6, 4) == 2_500  # and 10,000 rows a chunk


@pytest.mark.parametrize(
    ("runs", "states", "variants", "workers", "chunk"),
    [
        (200, 12, 9, 2, 200),  # a report's risk timeline: a state a chunk
        (50, 12, 9, 1, 50),
        (300, 4, 2, 2, 100),  # a few states: each cut in three, for ten chunks at least
        (10, 1, 3, 1, 1),  # progress by a tenth at most (the dashboard's bar)
        (5_000, 1, 1, 2, 500),
        (100_000, 12, 9, 2, 1_099),  # at most 10,000 games a chunk, a state cut evenly
        (1, 1, 1, 1, 1),
    ],
)
def test_continuations_are_cut_into_whole_states_the_lockstep_engine_plays_well(
    runs, states, variants, workers, chunk
) -> None:
    assert continuation_chunk(runs, states, variants, workers) == chunk


def test_a_part_written_just_before_ctrl_c_is_not_written_again(tmp_path, monkeypatch) -> None:
    # Ctrl-C landing once a part was in place but before the buffer was emptied used to
    # leave the chunk buffered, so the flush on the way out wrote it again as the next part:
    # resume then found its runs twice (seen once in CI, under load)
    import types

    from wargame.batch import storage

    (tmp_path / "parts").mkdir()
    writer = storage.PartWriter(tmp_path, "b")
    writer.runs.append(pa.table({"run": pa.array([0, 1], type=pa.int64())}))

    def ctrl_c() -> float:
        raise KeyboardInterrupt

    # the clock is read last in a flush, after the part is written: the signal lands there
    monkeypatch.setattr(storage, "time", types.SimpleNamespace(monotonic=ctrl_c))
    with pytest.raises(KeyboardInterrupt):
        writer.flush()
    monkeypatch.undo()
    writer.flush()  # what runner.execute does on the way out
    parts = sorted((tmp_path / "parts").glob("runs-*.parquet"))
    assert [pq.read_table(p)["run"].to_pylist() for p in parts] == [[0, 1]]
