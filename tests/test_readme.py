"""Every code block of README.md runs as written.

A ```python block runs as a script (a batch's worker processes import the script, so it must
be a file); a ```sh block runs its commands in order, each through bash. Both run in a fresh
working directory holding a copy of scenarios/, so the README's relative paths resolve and
its outputs (results/..., s.json) land in a temporary folder. In sh blocks, `make` lines (the
set-up, tested by running this suite) and comments are skipped; every other command must be
a `wargame` command: a block with a placeholder or a line that cannot run fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

README = ROOT / "README.md"
SLOW = ("wargame batch", "wargame sensitivity", "batch.run(", "--risk")
"""Blocks that play batches (thousands of games): marked slow, still run in CI."""


@dataclass(frozen=True)
class Block:
    language: str
    line: int  # of the opening fence
    text: str

    @property
    def id(self) -> str:
        return f"{self.language}-line-{self.line}"


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, with the line of each opening fence."""
    found = []
    for match in re.finditer(r"^```(\w*)\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL):
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(match.group(1), line, match.group(2)))
    return found


def commands(block: Block) -> list[str]:
    """The commands of a sh block: continuation lines joined, comments and `make` skipped."""
    joined = re.sub(r"\\\n\s*", " ", block.text)
    lines = [line.strip() for line in joined.splitlines()]
    return [line for line in lines if line and not line.startswith(("#", "make "))]


ALL = blocks(README.read_text(encoding="utf-8"))
RUNNABLE = [b for b in ALL if b.language == "python" or commands(b)]


def test_every_block_is_python_or_sh_and_some_of_each_run() -> None:
    assert {b.language for b in ALL} == {"python", "sh"}, [b.id for b in ALL]
    assert {b.language for b in RUNNABLE} == {"python", "sh"}
    # the only sh block without a command to run is the set-up (`make demo`, `make test`)
    assert [b.text.split()[:2] for b in ALL if b not in RUNNABLE] == [["make", "demo"]]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    return tmp_path


def environment() -> dict[str, str]:
    """The test's interpreter and its `wargame` command first on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
        "COLUMNS": "200",
        "PYTHONIOENCODING": "utf-8",
        "MPLBACKEND": "Agg",
    }


def params(language: str) -> list[object]:
    chosen = [b for b in RUNNABLE if b.language == language]
    return [
        pytest.param(b, id=b.id, marks=[pytest.mark.slow] if any(s in b.text for s in SLOW) else [])
        for b in chosen
    ]


@pytest.mark.parametrize("block", params("python"))
def test_a_python_block_runs(block: Block, workdir: Path) -> None:
    script = workdir / "readme_block.py"
    script.write_text(block.text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, script.name],
        cwd=workdir,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"README line {block.line}:\n{result.stdout}{result.stderr}"
    assert result.stdout.strip()  # each block prints what it shows


@pytest.mark.parametrize("block", params("sh"))
def test_a_sh_block_runs(block: Block, workdir: Path) -> None:
    for command in commands(block):
        assert command.startswith("wargame "), f"README line {block.line}: cannot run {command!r}"
        assert "..." not in command, f"README line {block.line}: a placeholder in {command!r}"
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=workdir,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
        assert "Traceback" not in result.stderr, f"{command}\n{result.stderr}"
