"""Monte Carlo batches: the same table on every executor, resume after a real kill, common
random numbers, clear errors for bad arguments, failed games, and what is written to disk.

Most batches play `scenarios/tutorial.yaml` (a few ms a game). Executors are real: spawned
local processes and a `distributed.LocalCluster` with worker processes; kills are real
signals sent to a `python -m wargame batch` subprocess.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import CLI_ENV, SCENARIOS, records_json, run_cli, tiny_data

import wargame
from wargame.batch import runner as batch
from wargame.batch import spec as specs
from wargame.batch import storage
from wargame.batch.sampling import Design, Dimension
from wargame.engine.model import WargameModel
from wargame.engine.rng import KeyedRandom, derive_seed
from wargame.errors import WargameError
from wargame.scenario.loading import load_scenario

TUTORIAL = SCENARIOS / "tutorial.yaml"
slow = pytest.mark.slow
Result = subprocess.CompletedProcess[str]
ENV = CLI_ENV


# -- helpers ----------------------------------------------------------------------------------
def cli(*args: str | Path, cwd: Path, timeout: float = 120) -> Result:
    """`python -m wargame ...` in cwd; never a traceback, whatever the exit code."""
    return run_cli(*args, cwd=cwd, timeout=timeout)


def runs_table(out: Path) -> pd.DataFrame:
    """runs.parquet sorted by (run, variant), index reset."""
    frame = pq.read_table(out / storage.RUNS).to_pandas()
    return frame.sort_values(["run", "variant"], kind="stable").reset_index(drop=True)


def assert_complete(frame: pd.DataFrame, runs: int, variants: tuple[str, ...]) -> None:
    """Every (run, variant) exactly once, runs 0..runs-1 all there."""
    keys = list(zip(frame["run"].tolist(), frame["variant"].tolist(), strict=True))
    assert len(keys) == len(set(keys)) == runs * len(variants)
    assert set(keys) == {(run, v) for run in range(runs) for v in variants}


def tutorial_with(folder: Path, variants: dict[str, Any], name: str = "scenario.yaml") -> Path:
    """The tutorial scenario with its variants replaced."""
    data = yaml.safe_load(TUTORIAL.read_text(encoding="utf-8"))
    data["variants"] = variants
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def human_voter(folder: Path) -> Path:
    """The tiny scenario with a human-controlled voter who is in no phase: a game fails (no
    ballot entered) exactly when the Guarantor proposes the resolution V must vote on; the
    variant `calm` takes the resolution off its menu (never fails), `human_g` makes the
    Guarantor human (fails on turn 1, every game)."""
    data = tiny_data(
        actors={"V": {"controller": "human"}},
        phases=[{"name": "provoke", "actors": ["P"]}, {"name": "answer", "actors": ["G", "A"]}],
    )
    data["variants"] = {
        "calm": {"menus": {"G": {"remove": ["g_resolution"]}}},
        "human_g": {"controllers": {"G": "human"}},
    }
    path = folder / "human.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def no_tmp_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".tmp")]


# -- 1. the same table on every executor ---------------------------------------------------------
@slow
def test_sequential_processes_and_dask_give_identical_tables(tmp_path, cluster):
    from distributed import Client

    args: dict[str, Any] = {
        "variants": ("base", "weak", "strong"),
        "runs": 23,
        "seed": 11,
        "chunk_size": 4,
        "trajectories": True,
    }
    outs = {name: tmp_path / name for name in ("sequential", "processes", "client", "scheduler")}
    batch.run(TUTORIAL, out=outs["sequential"], workers=1, **args)
    batch.run(TUTORIAL, out=outs["processes"], workers=2, **args)
    with Client(cluster) as client:
        batch.run(TUTORIAL, out=outs["client"], client=client, **args)
    batch.run(TUTORIAL, out=outs["scheduler"], scheduler=cluster.scheduler_address, **args)

    reference = runs_table(outs["sequential"])
    assert_complete(reference, 23, args["variants"])
    assert reference["error"].isna().all()
    steps = pq.read_table(outs["sequential"] / storage.TRAJECTORIES)
    for name in ("processes", "client", "scheduler"):
        pd.testing.assert_frame_equal(runs_table(outs[name]), reference, check_exact=True)
        # row for row as written, not only after sorting
        assert pq.read_table(outs[name] / storage.RUNS).equals(
            pq.read_table(outs["sequential"] / storage.RUNS)
        )
        assert pq.read_table(outs[name] / storage.TRAJECTORIES).equals(steps)


# -- 2. resume after a real kill ------------------------------------------------------------------
KILL_RUNS = 200
KILL_VARIANTS = ("weak", "strong")
KILL_ARGS = [
    "batch",
    str(TUTORIAL),
    "--runs",
    str(KILL_RUNS),
    "--variants",
    ",".join(KILL_VARIANTS),
    "--chunk-size",
    "2",
    "--seed",
    "5",
]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> pd.DataFrame:
    """The kill tests' batch played without interruption, in another directory."""
    out = tmp_path_factory.mktemp("uninterrupted") / "out"
    batch.run(TUTORIAL, variants=KILL_VARIANTS, runs=KILL_RUNS, seed=5, chunk_size=2, out=out)
    return runs_table(out)


def start_and_stop(folder: Path, sig: signal.Signals, *extra: str) -> subprocess.Popen[bytes]:
    """Start the batch, wait for its first part file, send `sig`, wait for it to end."""
    out = folder / "out"
    with open(folder / "stdout", "wb") as stdout, open(folder / "stderr", "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "wargame", *KILL_ARGS, *extra, "--out", str(out)],
            cwd=folder,
            env=ENV,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while not list((out / "parts").glob("runs-*.parquet")):
            assert process.poll() is None, (folder / "stderr").read_text()
            assert time.monotonic() < deadline, "no part file within 60 s"
            time.sleep(0.005)
        assert process.poll() is None, "the batch finished before it could be interrupted"
        os.kill(process.pid, sig)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    parts = list((out / "parts").glob("runs-*.parquet"))
    assert 1 <= len(parts) < KILL_RUNS // 2, "the kill must land mid-batch"
    assert not (out / storage.RUNS).exists()
    return process


def resume_and_check(folder: Path, expected: pd.DataFrame, *extra: str) -> None:
    out = folder / "out"
    result = cli(*KILL_ARGS, *extra, "--out", out, "--resume", cwd=folder)
    assert result.returncode == 0, result.stderr
    frame = runs_table(out)
    assert_complete(frame, KILL_RUNS, KILL_VARIANTS)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert not no_tmp_files(out)
    assert not list((out / "parts").glob("*.parquet"))


@slow
def test_a_batch_killed_with_sigkill_resumes_to_the_uninterrupted_table(tmp_path, uninterrupted):
    process = start_and_stop(tmp_path, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    resume_and_check(tmp_path, uninterrupted)


@slow
def test_a_batch_stopped_with_ctrl_c_exits_130_and_resumes(tmp_path, uninterrupted):
    # with two local worker processes: the main process stops, cancels and shuts the pool
    process = start_and_stop(tmp_path, signal.SIGINT, "--workers", "2")
    assert process.returncode == 130
    stderr = (tmp_path / "stderr").read_text(encoding="utf-8")
    assert "Traceback" not in stderr
    assert "interrupted; the finished runs are kept in " in stderr
    assert "run the same command with --resume to finish the batch" in stderr
    assert not no_tmp_files(tmp_path / "out")  # an interrupted write removes its temp file
    resume_and_check(tmp_path, uninterrupted)  # workers are not part of the batch: sequential


def partly_played(out: Path, **args: Any) -> specs.BatchSpec:
    """What a killed batch leaves: the manifest and the first chunks' parts, not compacted."""
    batch.run(TUTORIAL, out=out, **args)
    (out / storage.RUNS).unlink()
    spec = specs.BatchSpec(
        scenario_name=str(TUTORIAL),
        scenario_text=TUTORIAL.read_text(encoding="utf-8"),
        variants=tuple(args["variants"]),
        overrides=(),
        runs=args["runs"],
        seed=args.get("seed", 0),
        sample="lhs",
        chunk_size=args["chunk_size"],
    )
    first = list(itertools.islice(specs.chunks(spec), 2))
    batch.execute(spec, batch.Todo.of(batch.batch_id(batch.describe(spec)), first), out)
    return spec


def test_resume_removes_the_temp_files_a_kill_left_behind(tmp_path):
    args = {"variants": ("weak", "strong"), "runs": 9, "chunk_size": 2}
    batch.run(TUTORIAL, out=tmp_path / "whole", **args)
    out = tmp_path / "out"
    partly_played(out, **args)
    # a kill during a part write, during compaction, and during the manifest write
    (out / "parts" / ".runs-000000000004.parquet.4242.tmp").write_bytes(b"PAR1 half")
    (out / ".runs.parquet.tmp").write_bytes(b"PAR1 half")
    (out / ".manifest.json.abc123.tmp").write_text("{")
    result = batch.run(TUTORIAL, out=out, resume=True, **args)
    assert not no_tmp_files(out)
    pd.testing.assert_frame_equal(runs_table(out), runs_table(tmp_path / "whole"))
    assert len(result.to_pandas()) == 18


def test_a_compaction_killed_while_removing_parts_loses_no_rows(tmp_path):
    args = {"variants": ("weak", "strong"), "runs": 9, "chunk_size": 2}
    out = tmp_path / "out"
    batch.run(TUTORIAL, out=out, **args)
    whole = runs_table(out)
    # runs.parquet was renamed into place; the kill came before the last part was removed
    table = pq.read_table(out / storage.RUNS)
    last = table.filter(pc.greater_equal(table["run"], 8))
    storage.write_table_atomic(last, storage.part_path(out, 8))
    batch.run(TUTORIAL, out=out, resume=True, **args)
    pd.testing.assert_frame_equal(runs_table(out), whole)
    assert not list((out / "parts").glob("*.parquet"))


def test_resume_plays_only_the_missing_chunks(tmp_path):
    args = {"variants": ("weak",), "runs": 10, "chunk_size": 3}
    out = tmp_path / "out"
    spec = partly_played(out, **args)
    todo = batch.prepare(out, spec, resume=True, force=False)
    assert (list(todo.chunks), todo.count, todo.runs) == ([(6, 9), (9, 10)], 2, 4)
    seen: list[tuple[int, int]] = []
    batch.run(
        TUTORIAL, out=out, resume=True, on_progress=lambda p: seen.append((p.done, p.total)), **args
    )
    assert seen == [(6, 10), (9, 10), (10, 10)]
    assert_complete(runs_table(out), 10, ("weak",))


# -- 3. common random numbers -------------------------------------------------------------------
class RecordingDice(KeyedRandom):
    """KeyedRandom that remembers every draw it makes, by key."""

    __slots__ = ("draws",)

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.draws: dict[tuple[str, int, str], float] = {}

    def uniform(self, stream: str, turn: int, purpose: str) -> float:
        value = super().uniform(stream, turn, purpose)
        self.draws[(stream, turn, purpose)] = value
        return value


def in_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith("in.")]


def test_a_variant_identical_to_the_baseline_differs_by_exactly_zero(tmp_path):
    same: dict[str, Any] = {
        "description": "Green without its own defence",
        "menus": {"Green": {"remove": ["green_missile_defence"]}},
    }
    path = tutorial_with(tmp_path, {"a": same, "b": same})  # the same variant, renamed
    result = batch.run(path, variants=("a", "b"), runs=40, seed=3, out=tmp_path / "out")
    frame = runs_table(tmp_path / "out")
    a = frame[frame["variant"] == "a"].drop(columns="variant").reset_index(drop=True)
    b = frame[frame["variant"] == "b"].drop(columns="variant").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    summary = result.summary(resamples=300)
    assert summary["pairs"] == 40
    assert any(r["by_variant"]["a"]["rate"]["estimate"] > 0 for r in summary["rates"])
    assert len(summary["means"]) >= 4
    for row in summary["rates"]:
        assert row["by_variant"]["b"]["difference"]["estimate"] == 0.0, row
    for row in summary["means"]:
        difference = row["by_variant"]["b"]["difference"]
        assert (difference["estimate"], difference["low"], difference["high"]) == (0, 0, 0), row


def test_a_menu_change_for_one_actor_leaves_every_other_draw_alone(tmp_path):
    path = tutorial_with(
        tmp_path, {"no_defence": {"menus": {"Green": {"remove": ["green_missile_defence"]}}}}
    )
    variants = ("base", "no_defence")
    batch.run(path, variants=variants, runs=12, seed=9, out=tmp_path / "out")
    frame = runs_table(tmp_path / "out")
    by_variant = {v: frame[frame["variant"] == v].set_index("run") for v in variants}
    base, changed = by_variant["base"], by_variant["no_defence"]
    # the same seed and the same sampled values for run i of both variants
    assert (base["seed"] == changed["seed"]).all()
    assert base["seed"].tolist() == [specs.run_seed(9, i) for i in range(12)]
    assert in_columns(frame)
    pd.testing.assert_frame_equal(base[in_columns(frame)], changed[in_columns(frame)])
    # the change matters: Green builds defences in base only
    assert base["count.green_missile_defence"].sum() > 0
    assert changed["count.green_missile_defence"].sum() == 0

    scenarios = {v: load_scenario(path, variant=None if v == "base" else v) for v in variants}
    shared_keys = shared_rolls = 0
    for run in range(6):
        games = {}
        for v, scenario in scenarios.items():
            row = by_variant[v].loc[run]
            sampled = {u.path for u in scenario.sampled}
            inputs = {c[3:]: row[c] for c in in_columns(frame) if c[3:] in sampled}
            model = WargameModel(scenario, seed=int(row["seed"]), inputs=inputs)
            model.dice = RecordingDice(model.seed)
            model.run()
            games[v] = model
            # recording changes no outcome: the game is the batch's row
            summary = model.summary()
            assert summary["turns_played"] == row["turns"]
            assert summary["escalation_total"] == row["escalation"]
            for name, value in summary["final"]["variables"].items():
                assert value == row[f"final.{name}"]
        draws = {v: g.dice.draws for v, g in games.items()}
        both = draws["base"].keys() & draws["no_defence"].keys()
        assert both, "the two games share no draw"
        shared_keys += len(both)
        for key in both:
            assert draws["base"][key] == draws["no_defence"][key], key
        # and in the records: every die both games rolled under one key rolled the same
        rolls = {
            v: {
                move["key"]: move["roll"]
                for record in records_json(g)
                for phase in record["phases"]
                for move in phase["adjudication"]
                if move["roll"] is not None
            }
            for v, g in games.items()
        }
        common = rolls["base"].keys() & rolls["no_defence"].keys()
        assert all(rolls["base"][k] == rolls["no_defence"][k] for k in common)
        shared_rolls += len(common)
        # Red decides turn 1 on the same state in both: the same choice and the same dice
        first = {v: records_json(g)[0]["phases"][0] for v, g in games.items()}
        assert first["base"] == first["no_defence"]
    assert shared_keys > 6 and shared_rolls > 0


@slow
def test_the_sampled_values_of_a_run_do_not_depend_on_chunks_or_workers(tmp_path):
    args: dict[str, Any] = {"variants": ("weak", "strong"), "runs": 30, "seed": 4}
    tables = {}
    for label, extra in {
        "chunk 1": {"chunk_size": 1},
        "chunk 7": {"chunk_size": 7},
        "one chunk": {"chunk_size": 30},
        "2 workers": {"chunk_size": 4, "workers": 2},
    }.items():
        out = tmp_path / label.replace(" ", "-")
        batch.run(TUTORIAL, out=out, **args, **extra)
        tables[label] = runs_table(out)
    reference = tables["chunk 1"]
    columns = ["run", "variant", "seed", *in_columns(reference)]
    assert len(columns) > 10
    for frame in tables.values():
        pd.testing.assert_frame_equal(frame[columns], reference[columns], check_exact=True)
        pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    # and they are the design's values for that run
    manifest = json.loads((tmp_path / "chunk-7" / storage.MANIFEST).read_text())
    sample = Design(
        [Dimension(**d) for d in manifest["design"]["dimensions"]],
        30,
        derive_seed(4, "design"),
    )
    for run in (0, 17, 29):
        row = reference[(reference["run"] == run) & (reference["variant"] == "weak")].iloc[0]
        assert {k: row[f"in.{k}"] for k in sample.values(run)} == sample.values(run)


# -- 4. bad arguments: a clear message and exit 2 ----------------------------------------------
@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--runs", "0"], ["runs must be at least 1", "got 0"]),
        (["--workers", "0"], ["workers must be at least 1"]),
        (["--sample", "bogus"], ["sample must be lhs, random or none", "bogus"]),
        (["--variants", "weak,stronk"], ["unknown variant 'stronk'", "base, weak, strong"]),
        (["--baseline", "strong"], ["baseline 'strong' is not among the variants"]),
        (["--scheduler", "bogus"], ["'bogus' is not a Dask scheduler address", "tcp://"]),
    ],
    ids=["runs-0", "workers-0", "sample-bogus", "unknown-variant", "baseline", "bad-address"],
)
def test_bad_arguments_are_a_clear_error_and_exit_2(tmp_path, extra, words):
    result = cli("batch", TUTORIAL, "--runs", "3", "--variants", "weak", *extra, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    for word in words:
        assert word in result.stderr
    assert not (tmp_path / "batch-out").exists()  # nothing written for a batch never started


@slow
def test_an_unreachable_scheduler_fails_within_its_timeout_naming_the_address(tmp_path):
    # the command's own wait is in its message (Python's start-up on a busy machine is not
    # the tool's); the subprocess timeout guards against a hang
    args = ("batch", TUTORIAL, "--runs", "3", "--scheduler", "tcp://127.0.0.1:1")
    result = cli(*args, cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in result.stderr
    waited = re.search(r"after (\d+) s\)", result.stderr)
    assert waited is not None and int(waited.group(1)) <= 12  # connect's timeout is 10 s
    assert not (tmp_path / "batch-out" / storage.MANIFEST).exists()  # retrying needs no --resume


@pytest.fixture
def done(tmp_path) -> Path:
    """A finished small batch in tmp_path/out (weak and strong, 4 runs)."""
    batch.run(TUTORIAL, variants=("weak", "strong"), runs=4, out=tmp_path / "out")
    return tmp_path / "out"


@pytest.mark.parametrize(
    ("changed", "differs"),
    [
        (["--runs", "5", "--variants", "weak,strong"], "runs"),
        (["--runs", "4", "--variants", "weak"], "variants"),
        (["--runs", "4", "--variants", "weak,strong", "--seed", "1"], "seed"),
    ],
    ids=["runs", "variants", "seed"],
)
def test_resuming_a_different_batch_says_what_differs(tmp_path, done, changed, differs):
    before = (done / storage.RUNS).read_bytes()
    result = cli("batch", TUTORIAL, "--out", done, "--resume", *changed, cwd=tmp_path)
    assert result.returncode == 2
    listed = re.search(
        r"manifest.json describes a different batch \(differs in: ([^)]*)\)", result.stderr
    )
    assert listed, result.stderr
    assert differs in listed[1].split(", ")  # (the default chunk size follows the variants)
    assert (done / storage.RUNS).read_bytes() == before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("engine_version", "0.0.1"),
        ("design", {"method": "lhs", "fingerprint": "0", "dimensions": []}),
    ],
)
def test_resume_refuses_another_engine_version_or_design(done, key, value):
    manifest = json.loads((done / storage.MANIFEST).read_text())
    manifest[key] = value
    (done / storage.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(WargameError, match=rf"differs in: {key}\)"):
        batch.run(TUTORIAL, variants=("weak", "strong"), runs=4, out=done, resume=True)


def test_an_existing_batch_needs_resume_or_force(tmp_path, done):
    args = ["batch", TUTORIAL, "--out", done, "--runs", "4", "--variants", "weak,strong"]
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "already holds a batch" in result.stderr
    assert "--resume" in result.stderr and "--force" in result.stderr
    with pytest.raises(WargameError, match="already holds a batch"):
        batch.run(TUTORIAL, variants=("weak",), runs=2, out=done)
    # --force starts again (other arguments allowed); resume of a finished batch is a no-op
    batch.run(TUTORIAL, variants=("weak",), runs=2, out=done, force=True)
    assert_complete(runs_table(done), 2, ("weak",))
    batch.run(TUTORIAL, variants=("weak",), runs=2, out=done, resume=True)
    assert_complete(runs_table(done), 2, ("weak",))


def test_an_out_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "taken").write_text("not a folder")
    with pytest.raises(WargameError, match="is a file; --out must be a directory"):
        batch.run(TUTORIAL, runs=2, out=tmp_path / "taken")


# -- 5. failed games -------------------------------------------------------------------------------
def test_failed_games_keep_their_seed_and_error_and_drop_their_pairs(tmp_path):
    path = human_voter(tmp_path)
    result = batch.run(path, variants=("calm", "base"), runs=30, out=tmp_path / "out")
    frame = runs_table(tmp_path / "out")
    failed = frame[frame["error"].notna()]
    assert 0 < len(failed) < 30, "the scenario must make some games fail, not all"
    assert set(failed["variant"]) == {"base"}  # calm cannot propose the resolution
    assert failed["error"].str.startswith("WargameError: V must vote on g_resolution").all()
    assert (failed["seed"] == failed["run"].map(lambda r: specs.run_seed(0, r))).all()
    assert failed["turns"].isna().all()
    assert {(r, v, s, e) for r, v, s, e in result.failed} == set(
        failed[["run", "variant", "seed", "error"]].itertuples(index=False, name=None)
    )
    summary = result.summary(resamples=200)
    assert summary["dropped_pairs"] == failed["run"].nunique()
    assert summary["pairs"] == 30 - failed["run"].nunique()
    kept = frame[~frame["run"].isin(failed["run"])]
    turns = {row["measure"]: row for row in summary["means"]}["turns"]["by_variant"]
    assert turns["calm"]["mean"] == pytest.approx(kept[kept["variant"] == "calm"]["turns"].mean())


def test_a_human_actor_with_no_moves_fails_every_game(tmp_path):
    path = human_voter(tmp_path)
    result = batch.run(path, variants=("calm", "human_g"), runs=5, out=tmp_path / "out")
    assert sorted(r for r, v, _, _ in result.failed if v == "human_g") == list(range(5))
    assert all("no moves entered for G" in e for *_, e in result.failed)
    summary = result.summary()
    assert (summary["pairs"], summary["dropped_pairs"]) == (0, 5)


@slow
def test_the_cli_exits_1_listing_the_failed_runs_also_after_resume(tmp_path):
    path = human_voter(tmp_path)
    args = ["batch", path, "--runs", "30", "--variants", "calm,base", "--out", "out"]
    first = cli(*args, cwd=tmp_path)
    assert first.returncode == 1
    frame = runs_table(tmp_path / "out")
    failed = frame[frame["error"].notna()]
    assert f"{len(failed)} game(s) failed; their pairs were dropped" in first.stderr
    for run, seed in failed[["run", "seed"]].itertuples(index=False):
        assert f"run {run} (base, seed {seed}): WargameError: V must vote" in first.stderr
    assert f"{30 - len(failed)} complete pairs" in first.stdout
    # a resumed (here: already finished) batch still reports the failures of earlier chunks
    again = cli(*args, "--resume", cwd=tmp_path)
    assert again.returncode == 1
    assert f"{len(failed)} game(s) failed" in again.stderr


# -- 6. what is written ----------------------------------------------------------------------------
def test_the_manifest_records_what_the_batch_is(tmp_path):
    batch.run(TUTORIAL, variants=("weak", "strong"), runs=7, seed=2, out=tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / storage.MANIFEST).read_text())
    assert manifest["scenario_sha256"] == hashlib.sha256(TUTORIAL.read_bytes()).hexdigest()
    assert manifest["variants"] == ["weak", "strong"]
    assert (manifest["runs"], manifest["seed"], manifest["sample"]) == (7, 2, "lhs")
    assert "derive_seed(seed, 'run', i)" in manifest["seeds"]
    assert manifest["engine_version"] == wargame.__version__
    dimensions = manifest["design"]["dimensions"]
    sampled = load_scenario(TUTORIAL, variant="weak").sampled
    assert {d["name"] for d in dimensions} >= {u.path for u in sampled}
    for u in sampled:
        assert {"name": u.path, "low": u.low, "high": u.high} in dimensions
    spec = specs.BatchSpec(
        str(TUTORIAL), TUTORIAL.read_text(), ("weak", "strong"), (), 7, 2, "lhs", 60
    )
    design = specs.design(spec)
    assert design is not None
    assert manifest["design"]["fingerprint"] == design.fingerprint()
    assert manifest["design"]["method"] == "lhs"


def test_to_pandas_has_one_row_per_run_and_variant(tmp_path):
    variants = ("base", "weak", "strong")
    result = batch.run(TUTORIAL, variants=variants, runs=8, seed=1, out=tmp_path / "out")
    frame = result.to_pandas()
    assert_complete(frame, 8, variants)
    assert (frame["seed"] == frame["run"].map(lambda r: specs.run_seed(1, r))).all()
    for prefix in ("in.", "outcome.", "count.", "final."):
        assert any(c.startswith(prefix) for c in frame.columns), prefix
    assert {"outcome.crisis", "outcome.new_normal_set_in", "count.red_test"} <= set(frame)
    assert {"count.red_test.success", "final.tension", "final.Red.capability"} <= set(frame)
    assert frame["in.parameters.step"].between(0.05, 0.2).all()
    assert frame["turns"].between(1, 6).all()
    count_columns = [c for c in frame.columns if c.startswith("count.")]
    assert (frame[count_columns] >= 0).all().all()
    assert (frame[frame["variant"] == "weak"]["count.blue_show_of_force"] == 0).all()
    assert frame["error"].isna().all()
    # a batch with nothing sampled has no in.* columns
    plain = batch.run(TUTORIAL, runs=3, sample="none", out=tmp_path / "plain").to_pandas()
    assert not in_columns(plain)


def test_trajectories_give_one_row_per_run_variant_and_turn(tmp_path):
    result = batch.run(
        TUTORIAL, variants=("weak", "strong"), runs=10, trajectories=True, out=tmp_path / "out"
    )
    runs = result.to_pandas()
    steps = result.trajectories()
    assert list(steps.columns[:3]) == ["run", "variant", "turn"]
    assert not steps.duplicated(["run", "variant", "turn"]).any()
    for (run, variant), game in steps.groupby(["run", "variant"]):
        row = runs[(runs["run"] == run) & (runs["variant"] == variant)].iloc[0]
        assert game["turn"].tolist() == list(range(1, row["turns"] + 1))
        assert round(game["tension"].iloc[-1], 6) == row["final.tension"]
    assert len(steps) == runs["turns"].sum()
    assert not list((tmp_path / "out" / "parts").glob("*.parquet"))


def test_trajectories_of_a_batch_that_kept_none_is_a_clear_error(tmp_path):
    result = batch.run(TUTORIAL, runs=3, out=tmp_path / "out", chunk_size=1)
    with pytest.raises(WargameError, match="kept no trajectories; run it with trajectories=True"):
        result.trajectories()
    assert not list((tmp_path / "out" / "parts").glob("*"))  # compacted: no parts left
    assert (tmp_path / "out" / storage.RUNS).exists()
    assert not (tmp_path / "out" / storage.TRAJECTORIES).exists()


@slow
def test_from_state_plays_every_game_on_from_the_saved_turn(tmp_path):
    saved = cli(
        "run", TUTORIAL, "--turns", "2", "--save-state", "s.json", "--summary", cwd=tmp_path
    )
    assert saved.returncode == 0, saved.stderr
    state = json.loads((tmp_path / "s.json").read_text())
    assert state["state"]["turn"] == 2 and not state["running"]
    result = batch.run(
        TUTORIAL,
        variants=("weak", "strong"),
        runs=20,
        from_state=state,
        trajectories=True,
        out=tmp_path / "out",
    )
    frame = result.to_pandas()
    assert not in_columns(frame)  # a continuation samples nothing: the state is given
    assert frame["error"].isna().all()
    assert frame["turns"].between(3, 6).all()  # at least one turn after the saved one
    assert (frame["escalation"] >= state["escalation"]).all()
    assert frame["final.tension"].nunique() > 1  # different runs play differently
    assert result.trajectories()["turn"].min() == 3
    manifest = json.loads((tmp_path / "out" / storage.MANIFEST).read_text())
    assert manifest["design"] is None and manifest["from_state_sha256"]
    # run 0 of strong is the saved game played on under strong with run 0's seed
    scenario = load_scenario(TUTORIAL, variant="strong")
    model = WargameModel.restore(scenario, state, record=False, turns=6, any_variant=True)
    model.running = True
    summary = model.reseed(specs.run_seed(0, 0)).run().summary()
    row = frame[(frame["run"] == 0) & (frame["variant"] == "strong")].iloc[0]
    assert summary["turns_played"] == row["turns"]
    assert summary["final"]["variables"]["tension"] == row["final.tension"]


def test_progress_reports_every_game(tmp_path):
    seen: list[tuple[int, int]] = []
    report: Callable[[batch.Progress], None] = lambda p: seen.append((p.done, p.total))  # noqa: E731
    batch.run(
        TUTORIAL,
        variants=("weak", "strong"),
        runs=5,
        chunk_size=2,
        out=tmp_path / "o",
        on_progress=report,
    )
    assert seen == [(0, 10), (4, 10), (8, 10), (10, 10)]


def worker_pids(pid: int) -> list[int]:
    """The pool's worker processes among `pid`'s children (not its resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = []
    for child in map(int, children):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except FileNotFoundError:
            continue
        if b"spawn_main" in command and b"resource_tracker" not in command:
            workers.append(child)
    return workers


@slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_worker_killed_mid_batch_is_replaced_and_the_batch_completes(tmp_path):
    runs, variants = 3000, ("weak", "strong")
    args = ["batch", str(TUTORIAL), "--runs", str(runs), "--variants", ",".join(variants),
            "--chunk-size", "4", "--seed", "5", "--workers", "2"]  # fmt: skip
    out = tmp_path / "out"
    with open(tmp_path / "stderr", "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "wargame", *args, "--out", str(out)],
            cwd=tmp_path,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while not list((out / "parts").glob("runs-*.parquet")) or not worker_pids(process.pid):
            assert process.poll() is None, (tmp_path / "stderr").read_text()
            assert time.monotonic() < deadline, "no part file within 60 s"
            time.sleep(0.005)
        assert process.poll() is None, "the batch finished before a worker could be killed"
        os.kill(worker_pids(process.pid)[0], signal.SIGKILL)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, (tmp_path / "stderr").read_text()
    reference = tmp_path / "reference"
    batch.run(TUTORIAL, variants=variants, runs=runs, seed=5, chunk_size=4, out=reference)
    frame = runs_table(out)
    assert_complete(frame, runs, variants)
    pd.testing.assert_frame_equal(frame, runs_table(reference), check_exact=True)
    assert not no_tmp_files(out)  # the chunks in flight on the killed worker left no half file
    assert not list((out / "parts").glob("*"))


def test_a_pool_that_stops_handing_out_work_is_an_error_not_a_wait_for_ever():
    """A pool's manager thread feeds its workers; when it dies (it could not start a thread
    of its own, out of memory: found by the command-line property test, report --risk under
    256 MiB), no future would ever complete. Waiting on such a pool ends in a RunError within
    seconds, and its workers, which would wait for work for ever, are ended."""
    import multiprocessing
    import threading
    from concurrent.futures import Future
    from types import SimpleNamespace

    from wargame.batch.executors import _first_done
    from wargame.errors import RunError

    manager = threading.Thread(target=lambda: None)
    manager.start()
    manager.join()  # it has died
    worker = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(60,))
    worker.start()

    dead = SimpleNamespace(_executor_manager_thread=manager, _processes={worker.pid: worker})
    began = time.monotonic()
    with pytest.raises(RunError, match="stopped handing out work"):
        _first_done(dead, [Future()])  # type: ignore[arg-type]
    worker.join(timeout=10)
    assert not worker.is_alive() and worker.exitcode is not None
    assert time.monotonic() - began < 10
