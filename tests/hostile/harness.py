"""Run the real `wargame` command under resource limits and see what it left on disk.

Every hostile input must end within 5 CPU seconds and 256 MiB with exit code 2, a message
naming the file, no traceback, and nothing written. The limits are the kernel's: RLIMIT_CPU
kills a process that computes too long, RLIMIT_DATA makes an allocation past 256 MiB fail
(it counts the heap and private memory, which is what an input can make the tool allocate;
not the shared libraries mapped from disk). OpenBLAS reserves a buffer per core at import,
so it is held to one thread, as a batch worker would be.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CPU_SECONDS = 5
MEMORY_BYTES = 256 * 2**20
HANG_SECONDS = 60  # wall-clock guard for what uses no CPU (a blocked read)

ENV = {
    **os.environ,
    "COLUMNS": "200",
    "PYTHONIOENCODING": "utf-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}


def _limits(memory: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))

    return limit


@dataclass(frozen=True)
class Ended:
    """How one command ended: exit code (negative: killed by that signal) and its output."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_limited(*args: str | Path, cwd: Path, memory: int = MEMORY_BYTES) -> Ended:
    """`python -m wargame ARGS` in cwd under the CPU and memory limits (a command that does
    real work on accepted input may be given more memory than the hostile budget)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "wargame", *map(str, args)],
            cwd=cwd,
            env=ENV,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=HANG_SECONDS,
            preexec_fn=_limits(memory),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Ended(-1, "", f"hung: no exit within {HANG_SECONDS} s")
    return Ended(done.returncode, done.stdout, done.stderr)


def tree(folder: Path) -> dict[str, str]:
    """Every file under folder (hidden ones too) with a hash of its bytes: to see writes."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            found[str(path.relative_to(folder))] = "(not a regular file)"
        else:
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def assert_refused(ended: Ended, named: str, *fragments: str) -> None:
    """Exit 2, the file named, each fragment said, and no traceback."""
    assert ended.code == 2, f"exit {ended.code}:\n{ended.output}"
    assert "Traceback" not in ended.output, ended.output
    assert named in ended.stderr, ended.stderr
    for fragment in fragments:
        assert fragment in ended.stderr, f"{fragment!r} not in:\n{ended.stderr}"
