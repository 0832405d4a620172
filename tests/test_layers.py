"""The package's layers hold (import-linter, contracts in pyproject.toml), and the checker
would catch a breach: a copy of the package with one forbidden import added fails, naming
the contract and the offending line of the copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT

CONTRACTS = {
    c["type"]: c["name"]
    for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
}
LAYERS, FORBIDDEN = CONTRACTS["layers"], CONTRACTS["forbidden"]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` of the venv running the tests, on the package and config in `cwd`.

    lint-imports puts its working directory first on sys.path, and PYTHONPATH says the same,
    so `wargame` there is analysed rather than the installed (editable) one.
    """
    executable = Path(sys.executable).parent / "lint-imports"
    command = [str(executable) if executable.exists() else "lint-imports"]
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [*command, "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_package_keeps_its_layers() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{LAYERS} KEPT" in result.stdout
    assert f"{FORBIDDEN} KEPT" in result.stdout
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "imported", "broken"),
    [
        ("wargame/engine/state.py", "wargame.batch", {LAYERS, FORBIDDEN}),
        ("wargame/scenario/expr.py", "wargame.cli", {LAYERS, FORBIDDEN}),
        ("wargame/stats/intervals.py", "wargame.batch", {LAYERS}),  # the layers contract alone
    ],
)
def test_a_forbidden_import_in_a_copy_of_the_package_is_caught(
    tmp_path: Path, module: str, imported: str, broken: set[str]
) -> None:
    shutil.copytree(
        ROOT / "wargame", tmp_path / "wargame", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    source = target.read_text(encoding="utf-8")
    target.write_text(f"{source.rstrip()}\nimport {imported}\n", encoding="utf-8")
    line = len(target.read_text(encoding="utf-8").splitlines())
    assert f"import {imported}" not in (ROOT / module).read_text(encoding="utf-8")
    # the copy, not the installed package, is what `import wargame` finds there
    found = subprocess.run(
        [sys.executable, "-c", "import wargame; print(wargame.__file__)"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()) == tmp_path / "wargame" / "__init__.py"

    result = lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    for name in (LAYERS, FORBIDDEN):
        assert f"{name} {'BROKEN' if name in broken else 'KEPT'}" in result.stdout, result.stdout
    # the report names the added line of the copy (the real module has no such import)
    importer = module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {imported} (l.{line})" in result.stdout, result.stdout
