"""What checking a scenario file costs at the limits: CPU seconds and peak memory per file.

    python benchmarks/bench_refusal.py [--code DIR] [--command validate] [--only TEXT]

Plays each file of the hostile corpus that is costly to check (tests/hostile/corpus.py,
COSTLY_CASES), the issue's file (2 MiB of the longest formulas, one unknown name last) and
files accepted at the limits through the real command, under the hostile budget's limits
(tests/hostile/harness.py: 5 CPU s, 256 MiB), and prints a table: CPU seconds (user + system
of the command), peak resident memory, exit code and the first line of its message. A command
killed by the CPU limit shows exit -24, one that ran out of memory says so.

`--code DIR` runs the package found in DIR instead (e.g. an earlier revision checked out with
`git worktree add DIR REV`), to compare before and after on the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "hostile"), str(ROOT / "tests")]

from corpus import COSTLY_CASES, NAME  # noqa: E402
from test_refusal_cost import ACCEPTED, issues_file  # noqa: E402


def files() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = [("the issue's file (refused)", issues_file())]
    found += [(f"{case.id} (refused)", case.make) for case in COSTLY_CASES]
    found += [(f"{name} (accepted)", make) for name, make in ACCEPTED.items()]
    return found


def measure(index: int, command: str) -> dict[str, object]:
    """CPU seconds, peak RSS (MiB), exit code and first message line of one file's command,
    measured in a process of its own (so the peak is this command's, not the largest so far)."""
    child = subprocess.run(
        [sys.executable, __file__, "--one", str(index), "--command", command],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(child.stdout)
    return result


# Runs the command under the limits from a process that imports nothing else: a child forked
# from a large process counts that process's pages in its own peak until it execs.
_RUNNER = """
import json, resource, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from harness import run_limited
ended = run_limited(*sys.argv[3:], cwd=Path(sys.argv[2]))
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
lines = [line.strip() for line in (ended.stderr or ended.stdout).splitlines() if line.strip()]
first = lines[1] if len(lines) > 1 and lines[0].endswith(":") else (lines or [""])[0]
cpu, rss = usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024
print(json.dumps({"cpu": cpu, "rss": rss, "exit": ended.code, "first": first}))
"""


def one(index: int, command: str) -> None:
    """Make file `index`, run the command on it under the limits; print the figures as JSON."""
    _, make = files()[index]
    with tempfile.TemporaryDirectory() as folder:
        make(Path(folder))  # type: ignore[operator]
        extra = ("--summary", "--turns", "1") if command == "run" else ()
        runner = [sys.executable, "-c", _RUNNER, str(ROOT / "tests" / "hostile"), folder]
        child = subprocess.run(
            [*runner, command, NAME, *extra], capture_output=True, text=True, check=True
        )
    print(child.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", help="a folder holding another revision's wargame package")
    parser.add_argument("--command", default="validate", choices=["validate", "run"])
    parser.add_argument("--only", default="", help="only the files whose name holds this")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        one(args.one, args.command)
        return
    if args.code:
        os.environ["PYTHONPATH"] = str(Path(args.code).resolve())
    print(f"command: wargame {args.command}; code: {args.code or ROOT}; {os.cpu_count()} CPUs")
    print("| file | CPU s | peak MiB | exit | message |\n| --- | --- | --- | --- | --- |")
    for index, (name, _) in enumerate(files()):
        if args.only not in name:
            continue
        got = measure(index, args.command)
        shown = str(got["first"])[:100].replace("|", "/")
        print(f"| {name} | {got['cpu']:.2f} | {got['rss']} | {got['exit']} | {shown} |", flush=True)


if __name__ == "__main__":
    main()
