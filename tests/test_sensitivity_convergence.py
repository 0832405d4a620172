"""Sensitivity you can trust (issue 13): the warning when Sobol indices have not converged
at their design size, the design grown until they have, and Morris screening."""

from __future__ import annotations

import json
import math
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CLI_ENV, SCENARIOS, run_cli

from wargame.batch import sensitivity as played
from wargame.stats import sensitivity as stats
from wargame.stats.sensitivity import ConvergenceWarning, Index

TUTORIAL = SCENARIOS / "tutorial.yaml"


# ------------------------------------------------------------------ the convergence check


def test_an_index_outside_its_range_or_with_a_wide_interval_is_warned_about() -> None:
    found = stats.convergence(
        [
            Index("fine", 0.30, 0.02, 0.35, 0.03),  # intervals 0.04 and 0.06 wide
            Index("wide", 0.30, 0.20, 0.40, 0.02),  # first order: 0.4 wide
            Index("over", 0.10, 0.01, 2.065, 0.5),  # total above 1 beyond its interval
        ],
        base_samples=32,
        max_width=0.1,
    )
    assert found == [
        ConvergenceWarning("wide", "first order", 0.30, 0.20, 0.40, "wide", 512),
        ConvergenceWarning("over", "total", 2.065, 0.5, 1.0, "outside", 4096),
    ]


def test_the_design_size_needed_follows_one_over_the_square_root_of_n() -> None:
    # 0.4 wide at N = 32: (0.4 / 0.1)^2 = 16 times as many, N = 512
    assert stats.samples_needed(0.4, 32, 0.1) == 512
    assert stats.samples_needed(0.25, 32, 0.1) == 256  # 6.25 times: the next power of 2
    assert stats.samples_needed(0.05, 32, 0.1) == 32  # narrow enough already
    assert stats.samples_needed(math.inf, 32, 0.1) == 32  # no size helps a non-number


def test_the_warning_says_what_would_do() -> None:
    from wargame.cli.sensitivity import warning_lines

    wide = [ConvergenceWarning("a", "total", 0.5, 0.2, 0.4, "wide", 512)]
    lines = warning_lines(wide, 32, 8, 2, 0.1)
    assert lines[0].startswith("warning: 1 Sobol index(es) have not converged at --base-samples 32")
    assert "a, total: 0.500 ± 0.200: its interval is 0.400 wide, more than 0.1" in lines[1]
    assert "--base-samples 512 (about 16,384 games)" in lines[2]  # 512 (2 + 2) 8
    assert "--target-ci-width 0.1 --max-samples 512" in lines[2]
    flat = [ConvergenceWarning("a", "total", math.nan, math.nan, math.inf, "undefined", 32)]
    lines = warning_lines(flat, 32, 8, 2, 0.1)
    assert "have no value" in lines[0] and "no design size helps" in lines[-1]
    assert not any("--target-ci-width" in line for line in lines)


def test_an_outcome_that_does_not_vary_has_no_indices_and_is_warned_about() -> None:
    problem = stats.problem(["a", "b"], [(0.0, 1.0), (0.0, 1.0)])
    points = stats.saltelli_points(problem, 8, seed=0)
    found = stats.indices(problem, np.zeros(len(points)), seed=0)  # not SALib's 0 ± 0
    assert all(math.isnan(i.first) and math.isnan(i.total) for i in found)
    warned = stats.convergence(found, 8)
    assert [(w.name, w.measure, w.reason) for w in warned] == [
        ("a", "first order", "undefined"),
        ("a", "total", "undefined"),
        ("b", "first order", "undefined"),
        ("b", "total", "undefined"),
    ]


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_the_warning_goes_once_the_design_is_large_enough() -> None:
    problem = stats.problem(["x1", "x2", "x3"], [(-math.pi, math.pi)] * 3)
    small = stats.saltelli_points(problem, 64, seed=1)
    warned = stats.convergence(stats.indices(problem, ishigami(small), seed=1), 64)
    assert warned  # intervals of a few tenths
    needed = max(w.needed_samples for w in warned)
    assert 64 < needed <= 2**15

    large = stats.saltelli_points(problem, 2**14, seed=1)
    assert stats.convergence(stats.indices(problem, ishigami(large), seed=1), 2**14) == []


@pytest.mark.slow  # 1,024 games
def test_the_readme_design_is_warned_about_and_says_what_would_do(tmp_path: Path) -> None:
    # the README's design (two *_strength parameters, 8 replicates, 32 base samples) on the
    # tutorial, whose games are quicker than the shipped scenario's
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    done = run_cli(
        "sensitivity", "tutorial.yaml", "--outcome", "new_normal_set_in",
        "--include", "parameters.*_strength", "--replicates", "8", "--out", "s",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Sobol indices of new_normal_set_in" in done.stdout
    assert "warning:" in done.stderr and "have not converged at --base-samples 32" in done.stderr
    assert "parameters.deterrence_strength, first order" in done.stderr
    assert "parameters.deterrence_strength, total" in done.stderr
    # the spiral does not move this outcome at all: with the same seeds at every point its
    # indices are exactly 0 +/- 0, nothing to warn about
    assert "parameters.spiral_strength" not in done.stderr
    suggested = re.search(r"use --base-samples (\d+) \(about [\d,]+ games\)", done.stderr)
    # the suggestion follows from the widest interval written (full width = 2 x conf)
    written = json.loads((tmp_path / "s" / "sobol.json").read_text())
    widest = 2 * max(max(i["first_conf"], i["total_conf"]) for i in written)
    assert suggested and int(suggested.group(1)) == stats.samples_needed(widest, 32, 0.1)
    assert "--target-ci-width 0.1 --max-samples" in done.stderr
    assert "Traceback" not in done.stderr
    # the same design judged against a threshold wider than its intervals: no warning
    wide = run_cli(
        "sensitivity", "tutorial.yaml", "--outcome", "new_normal_set_in",
        "--include", "parameters.*_strength", "--replicates", "8", "--out", "s",
        "--resume", "--max-ci-width", "2.5", cwd=tmp_path,
    )  # fmt: skip
    assert wide.returncode == 0, wide.stderr
    assert "warning" not in wide.stderr
    # same seed, same indices and intervals, whatever the number of workers
    alone = run_cli(
        "sensitivity", "tutorial.yaml", "--outcome", "new_normal_set_in",
        "--include", "parameters.*_strength", "--replicates", "8", "--out", "s1",
        "--workers", "1", cwd=tmp_path,
    )  # fmt: skip
    assert alone.returncode == 0, alone.stderr
    assert json.loads((tmp_path / "s1" / "sobol.json").read_text()) == written


def test_the_design_grows_until_narrow_or_its_cap(tmp_path: Path) -> None:
    rounds: list[tuple[int, float]] = []
    found, used = played.grow(
        TUTORIAL, outcome="escalation", out=tmp_path / "out", target_width=1e-6,
        max_samples=8, include=["parameters.*_strength"], base_samples=2, replicates=1,
        on_round=lambda n, indices: rounds.append((n, stats.widest(indices)[0])),
    )  # fmt: skip
    assert [n for n, _ in rounds] == [2, 4, 8]  # never narrow enough: up to the cap
    assert used == 8 and [i.name for i in found] == [
        "parameters.deterrence_strength",
        "parameters.spiral_strength",
    ]
    # the last round's batch is what --out holds: 8 (2 + 2) points, one game each
    assert len(played.point_means(tmp_path / "out" / "runs.parquet", "escalation", 1)) == 32


def test_a_grown_analysis_resumes_with_the_round_it_was_playing(tmp_path: Path) -> None:
    options = {
        "outcome": "escalation", "out": tmp_path / "out", "target_width": 1e-6,
        "include": ["parameters.*_strength"], "base_samples": 2, "replicates": 1,
    }  # fmt: skip
    played.grow(TUTORIAL, max_samples=4, **options)  # rounds 2 and 4: --out holds round 4
    rounds: list[int] = []
    _, used = played.grow(
        TUTORIAL, max_samples=8, resume=True, on_round=lambda n, i: rounds.append(n), **options
    )
    assert rounds == [4, 8] and used == 8  # round 4 was complete: resumed, then doubled


def test_the_design_stops_growing_once_narrow(tmp_path: Path) -> None:
    rounds: list[int] = []
    _, used = played.grow(
        TUTORIAL, outcome="new_normal_set_in", out=tmp_path / "out", target_width=1e9,
        max_samples=64, include=["parameters.*_strength"], base_samples=8, replicates=4,
        on_round=lambda n, indices: rounds.append(n),
    )  # fmt: skip
    assert rounds == [8] and used == 8


def test_grow_from_the_command_line_prints_each_round(tmp_path: Path) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    done = run_cli(
        "sensitivity", "tutorial.yaml", "--outcome", "new_normal_set_in", "--include",
        "parameters.*_strength", "--replicates", "4", "--base-samples", "4",
        "--target-ci-width", "0.001", "--max-samples", "8", "--out", "s", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "--base-samples 4: widest interval" in done.stderr
    assert "--base-samples 8: widest interval" in done.stderr
    assert "have not converged at --base-samples 8" in done.stderr


# ------------------------------------------------------------------ Morris screening


def test_morris_finds_the_known_elementary_effects() -> None:
    # y = 3 x1 + 0 x2 + x3^2 on [0, 1]^3: x1's effect is 3 everywhere, x2 has none, x3's
    # depends on where it is taken (2 x3 + the jump), so it spreads
    problem = stats.problem(["x1", "x2", "x3"], [(0.0, 1.0)] * 3)
    points = stats.morris_points(problem, 20, seed=2)
    assert points.shape == (20 * (3 + 1), 3)
    y = 3 * points[:, 0] + 0 * points[:, 1] + points[:, 2] ** 2
    found = {e.name: e for e in stats.morris_effects(problem, points, y, seed=2)}
    assert found["x1"].mu_star == pytest.approx(3.0, abs=1e-9)
    assert found["x1"].sigma == pytest.approx(0.0, abs=1e-9)
    assert found["x2"].mu_star == pytest.approx(0.0, abs=1e-12)
    assert found["x3"].sigma > 0 and 0.5 < found["x3"].mu_star < 2
    assert [e.name for e in stats.ranked(found.values())] == ["x1", "x3", "x2"]
    assert [e.name for e in stats.screened(list(found.values()), 0.25)] == ["x1", "x3"]


def test_the_noise_floor_is_the_mu_star_of_pure_noise() -> None:
    # no number has any effect: each point's outcome is the mean of 4 games of noise (sd 1)
    problem = stats.problem(["a", "b", "c"], [(0.0, 1.0)] * 3)
    points = stats.morris_points(problem, 400, seed=3)
    games = np.random.default_rng(3).normal(size=len(points) * 4)
    noise = stats.morris_noise(games, 4)
    assert noise == pytest.approx(2 * math.sqrt(1 / 4) / (math.sqrt(math.pi) * 2 / 3), rel=0.05)
    found = stats.morris_effects(problem, points, stats.replicate_means(games, 4), seed=3)
    for effect in found:
        assert effect.mu_star == pytest.approx(noise, rel=0.1)
    assert stats.screened(found, 0.25, noise) == []  # none stands out from the noise
    assert len(stats.screened(found, 0.25)) == 3  # without knowing it, all would
    assert math.isnan(stats.morris_noise(games, 1))  # one game per point: not known


def test_nothing_is_screened_in_when_nothing_has_an_effect() -> None:
    assert stats.screened([stats.Effect("a", 0.0, 0.0, 0.0, 0.0)]) == []


def test_morris_from_the_command_line_prints_the_table(tmp_path: Path) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    done = run_cli(
        "sensitivity", "tutorial.yaml", "--outcome", "escalation", "--method", "morris",
        "--trajectories", "2", "--replicates", "1", "--top", "5", "--out", "m", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Morris screening of escalation: 5 of 33 numbers by mu*" in done.stdout
    for column in ("uncertain number", "description", "mu*", "sigma"):
        assert column in done.stdout
    assert "worth a Sobol analysis" in done.stdout and "--include '" in done.stdout
    assert "ETA" not in done.stderr  # no progress bar when stderr is not a terminal
    saved = json.loads((tmp_path / "m" / "morris.json").read_text())
    assert len(saved) == 33 and {"name", "mu_star", "mu_star_conf", "sigma"} <= set(saved[0])
    assert saved[0]["mu_star"] >= saved[-1]["mu_star"]  # largest first
    assert (tmp_path / "m" / "morris.png").read_bytes()[:4] == b"\x89PNG"


def test_the_progress_bar_shows_on_a_terminal(tmp_path: Path) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    leader, follower = pty.openpty()  # stderr a terminal, stdout not
    try:
        game = subprocess.Popen(
            [sys.executable, "-m", "wargame", "sensitivity", "tutorial.yaml", "--outcome",
             "escalation", "--method", "morris", "--trajectories", "2", "--replicates", "1",
             "--out", "m"],
            cwd=tmp_path, env=CLI_ENV, stdout=subprocess.DEVNULL, stderr=follower,
        )  # fmt: skip
        os.close(follower)
        shown = b""
        while True:  # read as it is written (a full terminal would block the command)
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end is closed: the command has ended
                break
            if not chunk:
                break
            shown += chunk
        code = game.wait(timeout=120)
    finally:
        os.close(leader)
    assert code == 0
    assert b"68/68 games" in shown and b"ETA" in shown  # 2 x (33 + 1) points, one game each


def test_a_number_is_labelled_with_its_description() -> None:
    paths = ["parameters.spiral_strength", "state.attributes.drive.default", "nope.x"]
    labels = played.descriptions(TUTORIAL, paths)
    assert labels[0].startswith("how much a strong answer raises")
    assert labels[1] == "drive to build capability"
    assert labels[2] == ""


def test_an_actors_attribute_and_a_relation_are_labelled_by_whose_they_are() -> None:
    korea = SCENARIOS / "korea_2017_over_japan.yaml"
    paths = ["actors.NK.attributes.capability", "relations.0.trust", "relations.999.trust"]
    labels = played.descriptions(korea, paths)
    assert labels[0].startswith("North Korea: capability (missile and nuclear capability")
    assert labels[1] == "United States -> Japan: trust"
    assert labels[2] == ""  # no such relation: no label rather than a wrong one


# ------------------------------------------------------------------ refused options


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--method", "foo"], "'foo' is not one of sobol, morris"),
        (["--method", "morris", "--trajectories", "0"], "--trajectories"),
        (["--target-ci-width", "-1"], "--target-ci-width"),
        (["--target-ci-width", "nan"], "--target-ci-width"),
        (["--max-ci-width", "0"], "--max-ci-width"),
        (["--trajectories", "4"], "is for --method morris"),
        (["--method", "morris", "--target-ci-width", "0.1"], "is for --method sobol"),
        (["--target-ci-width", "0.1", "--max-samples", "3"], "--max-samples must be a power"),
        (["--top", "0"], "--top"),
    ],
)
def test_bad_options_exit_2_with_a_message(tmp_path: Path, options: list[str], said: str) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    done = run_cli(
        "sensitivity", "tutorial.yaml", "--outcome", "escalation", "--out", "s", *options,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert said in done.stderr
    assert not (tmp_path / "s").exists()  # refused before anything was played
