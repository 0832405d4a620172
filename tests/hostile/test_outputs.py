"""Outputs: written atomically, never over an existing one without --force, and only where the
command line says (never at a path taken from scenario content).

These commands succeed, so they run without the hostile-input limits (`conftest.run_cli`,
which also fails on any traceback)."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from corpus import TUTORIAL
from harness import tree

from wargame.errors import WargameError
from wargame.files import atomic as outputs

SENSITIVITY = ("--outcome", "crisis", "--base-samples", "2", "--replicates", "1")

# Each command with its outputs given on the command line.
COMMANDS = {
    "run --json": (("run", "IN", "--seed", "1", "--json", "records.json"), "records.json"),
    "run --save-state": (("run", "IN", "--seed", "1", "--save-state", "s.json"), "s.json"),
    "batch --out": (("batch", "IN", "--runs", "2", "--out", "b"), "b"),
    "sensitivity --out": (("sensitivity", "IN", *SENSITIVITY, "--out", "o"), "o"),
}


def command(name: str, scenario: Path) -> tuple[str, ...]:
    args, _ = COMMANDS[name]
    return tuple(str(scenario) if a == "IN" else a for a in args)


@pytest.mark.slow
@pytest.mark.parametrize("name", COMMANDS)
def test_an_existing_output_is_not_replaced_without_force(tmp_path: Path, name: str) -> None:
    first = run_cli(*command(name, TUTORIAL), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = tree(tmp_path)

    again = run_cli(*command(name, TUTORIAL), cwd=tmp_path)

    assert again.returncode == 2, again.stderr
    assert COMMANDS[name][1] in again.stderr and "--force" in again.stderr, again.stderr
    assert tree(tmp_path) == before


@pytest.mark.slow
@pytest.mark.parametrize("name", ["run --json", "batch --out"])
def test_force_replaces_an_existing_output(tmp_path: Path, name: str) -> None:
    target = tmp_path / COMMANDS[name][1]
    if name == "run --json":
        target.write_text("old")
    else:
        assert run_cli(*command(name, TUTORIAL), cwd=tmp_path).returncode == 0
        (target / "runs.parquet").write_text("old")

    ended = run_cli(*command(name, TUTORIAL), "--force", cwd=tmp_path)

    assert ended.returncode == 0, ended.stderr
    written = target if target.is_file() else target / "runs.parquet"
    assert written.read_bytes()[:4] in (b'{\n "', b"PAR1")


PATHS = ["../../escaped.json", "/tmp/wargame-escaped", "~/escaped", "$(touch pwned)", "b/../x"]


@pytest.mark.slow
@pytest.mark.parametrize("name", COMMANDS)
def test_outputs_go_only_where_the_command_line_says(tmp_path: Path, name: str) -> None:
    data = yaml.safe_load(TUTORIAL.read_text())
    data["scenario"]["title"] = PATHS[0]
    data["scenario"]["description"] = " ".join(PATHS)
    data["sources"]["rivera2024"] = PATHS[1]
    for i, action in enumerate(data["actions"].values()):
        action["label"] = PATHS[i % len(PATHS)]
    inside, work = tmp_path / "in", tmp_path / "deep" / "er" / "work"
    inside.mkdir()
    work.mkdir(parents=True)
    scenario = inside / "paths.yaml"
    scenario.write_text(yaml.safe_dump(data))
    before = tree(tmp_path)

    ended = run_cli(*command(name, scenario), cwd=work)

    assert ended.returncode == 0, ended.stderr
    made = sorted(set(tree(tmp_path)) - set(before))
    output = f"deep/er/work/{COMMANDS[name][1]}"
    assert made and all(p == output or p.startswith(output + "/") for p in made), made
    assert not Path("/tmp/wargame-escaped").exists()


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch) -> None:
    target = tmp_path / "records.json"
    target.write_text('{"old": true}')

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.os, "replace", full)
    with pytest.raises(WargameError, match=r"records\.json"):
        outputs.write_json(target, {"new": True})

    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["records.json"]


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch) -> None:
    target = tmp_path / "state.json"
    target.write_text('{"old": true}')

    def interrupted(_: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        outputs.write_json(target, {"new": True})

    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_numbers_that_are_not_finite_are_never_written(tmp_path) -> None:
    with pytest.raises(ValueError):
        outputs.write_json(tmp_path / "x.json", {"tension": float("nan")})
    assert list(tmp_path.iterdir()) == []
