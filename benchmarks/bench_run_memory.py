"""Peak memory of `wargame run` by number of turns, beside a reference revision.

    python benchmarks/bench_run_memory.py [SCENARIO] [--variant V] [--seed S]
                                          [--turns 100,1000,4000] [--reference REV | none]

Each figure is one `python -m wargame run SCENARIO --turns T ...` in a fresh process, stdout to
/dev/null, and its peak resident memory (`ru_maxrss` of that child, from `os.wait4`), for three
ways of playing: `--summary` alone (no output needs the turn records), the game printed turn
by turn (no output), and `--summary --json` (every record is written, so all are kept). A game
that keeps nothing per turn has the same peak at 100 turns as at 4,000; the import of mesa,
pandas and the rest is about 160 MiB of every figure.

The reference (default 591a12f, before `run` dropped records it no longer needs) is the
`wargame/` package of that revision extracted with `git archive` and put first on PYTHONPATH,
as bench_run.py does. The default scenario is the tutorial's `weak` variant with seed 1,
which plays to any number of turns (no terminal outcome).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = {
    "--summary": ("--summary",),
    "printed": (),
    "--summary --json": ("--summary", "--json", "{tmp}/records.json", "--force"),
}


LAUNCH = """
import sys
# An editable install adds a finder that serves wargame.* from the working tree: drop it, so
# the package on PYTHONPATH is the one that runs (checked below).
editable = [f for f in sys.meta_path if str(getattr(f, "__module__", "")).startswith("__editable")]
sys.meta_path[:] = [f for f in sys.meta_path if f not in editable]
sys.path[:] = [p for p in sys.path if p not in ("", ".")]  # nor from the current folder
import wargame
assert wargame.__file__.startswith(sys.argv[1]), (wargame.__file__, sys.argv[1])
del sys.argv[1]
from wargame.cli import main
main()
"""


def peak(pythonpath: Path, args: list[str]) -> tuple[float, int]:
    """Peak RSS in MiB and the exit code of one command."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath), OPENBLAS_NUM_THREADS="1")
    with open(os.devnull, "w") as sink:
        child = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, str(pythonpath), *args],
            stdout=sink,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert child.stderr is not None
        errors = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(args)} exited {code}: {errors.decode(errors='replace')[-500:]}")
    return usage.ru_maxrss / 1024, code


def extract(rev: str, into: Path) -> str:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if not commit:
        sys.exit(f"--reference {rev}: not a commit of {ROOT}")
    archive = subprocess.Popen(
        ["git", "-C", str(ROOT), "archive", commit, "wargame"], stdout=subprocess.PIPE
    )
    subprocess.run(["tar", "-x", "-C", str(into)], stdin=archive.stdout, check=True)
    assert archive.stdout is not None
    archive.stdout.close()
    if archive.wait() != 0:
        sys.exit(f"git archive {rev} wargame failed")
    return commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "tutorial.yaml"))
    parser.add_argument("--variant", default="weak")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--turns", default="100,1000,4000")
    parser.add_argument("--reference", default="591a12f")
    args = parser.parse_args()
    turns = [int(t) for t in args.turns.split(",")]

    with tempfile.TemporaryDirectory(prefix="bench-run-memory-") as tmp:
        sides = [("current", ROOT)]
        if args.reference != "none":
            commit = extract(args.reference, Path(tmp))
            sides.append((f"reference {commit[:9]}", Path(tmp)))
        print(f"wargame run {Path(args.scenario).name} --variant {args.variant} --seed {args.seed}")
        print("peak RSS of the process, MiB")
        header = ["mode", "code"] + [f"{t:,} turns" for t in turns]
        print("| " + " | ".join(header) + " |\n|" + " --- |" * len(header))
        for mode, extra in MODES.items():
            for name, path in sides:
                row = [mode, name]
                for count in turns:
                    command = [args.scenario, "--variant", args.variant, "--seed", args.seed]
                    command += ["--turns", str(count)]
                    command += [part.format(tmp=tmp) for part in extra]
                    mib, _ = peak(path, ["run", *command])
                    row.append(f"{mib:.0f}")
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
