"""The whole command line under random commands (issue "Hardening, second round").

For every command, options are read from its definition (wargame/cli/*.py: the click command
typer builds, and the function's type hints for what each value is) and random commands are
built from them with values at and beyond their extremes: 0, -1, the largest accepted and one
more, 10**20, 5,000 digits, empty, non-ASCII, text where a number goes, paths to nothing, to
a directory, a FIFO, a device, a file of junk, one name used for two outputs. Each command
runs through the real `python -m wargame` under the hostile budget (tests/hostile/harness.py:
5 CPU seconds, 256 MiB; 512 MiB for sensitivity and report, which load SciPy or matplotlib)
and must end with exit 0, 1 or 2, no traceback, and no process of it left running.

Values that would be accepted and make the command work for long are not drawn: batches and
analyses get at most 2 runs, replicates and base samples and always a temporary --out, games
at most 3 turns. Whatever their other options, that keeps each example within the budget, so
a failure is the tool's, not the test's.

Each command has its own test with a fixed number of examples (times WARGAME_FUZZ_SCALE, as in
test_fuzz.py); the module takes about a minute on a 2-core machine, and CI derandomises
hypothesis (tests/conftest.py), so CI runs the same commands every time.
`WARGAME_FUZZ_SCALE=10 python -m pytest tests/hostile/test_command_line.py` hunts longer.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from corpus import finished_batch
from harness import CPU_SECONDS, MEMORY_BYTES, Ended, run_limited
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wargame.cli.app import app
from wargame.engine.snapshot import MAX_SEED, MAX_TURN

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "scenarios" / "tutorial.yaml"
SCALE = float(os.environ.get("WARGAME_FUZZ_SCALE", "1"))
COMMANDS = [command.name or command.callback.__name__ for command in app.registered_commands]
LEFT_OUT = {
    "play": "a terminal user interface: tests/seminar drive it through a pseudo-terminal",
    "serve": "a server that runs until stopped: tests/web start it, drive it and stop it",
}


# ------------------------------------------------------------------ the grammar, as defined


@dataclass(frozen=True)
class Parameter:
    """One argument or option of a command, as the command line defines it."""

    name: str  # the function's parameter name
    flag: str | None  # '--seed'; None for an argument
    kind: type  # int, float, str, Path or bool
    many: bool  # repeatable option, or an argument taking several values
    required: bool
    low: int | None = None
    high: int | None = None


def grammar(command: str) -> list[Parameter]:
    """The command's parameters: names and arity from the click command typer builds, what
    each value is (and its range) from the function's type hints."""
    function = next(
        c.callback for c in app.registered_commands if (c.name or c.callback.__name__) == command
    )
    hints = typing.get_type_hints(function, include_extras=True)
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    found = []
    for param in click_command.params:
        hint = hints[param.name]
        info = typing.get_args(hint)[1]
        kind = _bare(typing.get_args(hint)[0])
        found.append(
            Parameter(
                name=param.name,
                flag=param.opts[0] if param.opts[0].startswith("--") else None,
                kind=kind,
                many=bool(getattr(param, "multiple", False)) or param.nargs == -1,
                required=param.required,
                low=getattr(info, "min", None),
                high=getattr(info, "max", None),
            )
        )
    return found


def _bare(hint: Any) -> type:
    """int from `int | None`, Path from `list[Path]`, and so on."""
    for arg in (hint, *typing.get_args(hint)):
        if arg in (int, float, str, Path, bool):
            return typing.cast(type, arg)
        if typing.get_origin(arg) is typing.Literal:  # a choice of words
            return str
        if typing.get_origin(arg) is list:
            return _bare(typing.get_args(arg)[0])
    raise AssertionError(f"a parameter of a type this test does not know: {hint}")


def test_the_grammar_is_read_from_every_command() -> None:
    assert set(COMMANDS) >= {"validate", "run", "batch", "sensitivity", "schema"}
    run = {p.name: p for p in grammar("run")}
    assert run["seed"] == Parameter("seed", "--seed", int, False, False, 0, MAX_SEED)
    assert run["turns"].high == MAX_TURN and run["set_"].flag == "--set" and run["set_"].many
    assert run["file"].flag is None and run["file"].kind is Path and run["file"].required
    assert grammar("schema") == []
    assert {p.flag for p in grammar("batch")} >= {"--runs", "--workers", "--out", "--scheduler"}


# ------------------------------------------------------------------ values at the extremes


HUGE = [10**20, 2**64, 2**63, 10**6]
DIGITS = "1" * 5000
NOT_NUMBERS = ["", "abc", " ", "1.5", "1e3", "0x10", "١٢", "-0", "+1", "nan", "--1"]


def integers(parameter: Parameter) -> st.SearchStrategy[str]:
    """An int option's value: its ends and one past each, 0, -1, huge, 5,000 digits, junk."""
    ends = [parameter.low, parameter.high]
    near = [e + d for e in ends if e is not None for d in (-1, 0, 1)]
    values = [0, -1, 1, 2, *near, *HUGE, -(10**20)]
    return st.sampled_from([*map(str, values), DIGITS, f"-{DIGITS}", *NOT_NUMBERS])


# Options whose accepted values would make a command work for long: always given, small
# accepted values only beside everything they refuse (at most 2 runs, 3 turns, 2 workers).
SMALL: dict[tuple[str, str], list[str]] = {
    ("batch", "runs"): ["1", "2"],
    ("batch", "chunk_size"): ["1", "2", str(10**9)],
    ("batch", "workers"): ["1", "2"],
    ("sensitivity", "replicates"): ["1", "2"],
    ("sensitivity", "base_samples"): ["1", "2"],
    ("sensitivity", "workers"): ["1"],
    ("sensitivity", "max_samples"): ["1", "2"],  # the cap of --target-ci-width's rounds
    ("run", "turns"): ["1", "2", "3"],
    ("report", "risk"): ["0", "1", "2"],
    ("score", "runs"): ["1", "2"],
    ("score", "workers"): ["1"],
    ("report", "workers"): ["1", "2"],
}
REFUSED_COUNTS = ["0", "-1", str(2**48 + 1), str(10**20), DIGITS, "", "abc", "1.5", "١"]


FLOATS = [
    "0", "-1", "-0", "0.1", "1", "1e-300", "5e-324", "1e308", "1e999", "-1e999", "inf", "-inf",
    "nan", "", "abc", "1,5", DIGITS, f"-{DIGITS}", "0x1p-3", "1_0",
]  # fmt: skip


def small_or_refused(command: str, name: str) -> st.SearchStrategy[str]:
    return st.sampled_from(SMALL[(command, name)] + REFUSED_COUNTS)


TEXT = [
    "", " ", "base", "weak", "strong", "weak,strong", "base,weak", ",,", "base,base", "nope",
    "é", "名前", "\u202etxet", "a" * 10_000, "-", "--", "--help", "*", "[", "tcp://", "ucx://x",
    "tls://127.0.0.1:1", "inproc://", "tcp://[::1", "lhs", "random", "none", "crisis",
    "new_normal_set_in", "parameters.*", "*strength",
]  # fmt: skip


def set_options() -> st.SearchStrategy[str]:
    """A --set PATH=VALUE: real paths and near misses, values at and beyond their ends."""
    paths = st.sampled_from(
        ["parameters.deterrence_strength", "parameters.spiral_strength", "scenario.turns",
         "actors.Red.rationality", "relations.0.trust", "variants.weak", "nope", "", "a.b",
         "parameters." + "a." * 5000 + "a", f"relations.{DIGITS}", "actors.Red.objectives.x"]
    )  # fmt: skip
    values = st.sampled_from(
        ["1", "0", "-1", "2.5", "1e308", "1e999", "-.inf", ".nan", "nan", DIGITS, "", "[1, 2]",
         "{a: 1}", "~", "true", "abc", "tension * 2", "1 +", '"\\e[2J"', "é", "1e-400",
         "!!python/object:os.system", "0x1F", "1_000", "2038-01-19"]
    )  # fmt: skip
    pairs = st.builds(lambda p, v: f"{p}={v}", paths, values)
    return pairs | st.sampled_from(["", "=", "=1", "noequals", "a==b"])


# Paths: each a name in the example's folder and how to make what is there (or nothing).
PATH_KINDS = [
    "scenario", "nothing", "directory", "fifo", "device", "junk", "empty", "state", "in nothing",
    "non-ASCII", "long name", "dangling link", "same as before",
]  # fmt: skip


@dataclass
class Folder:
    """The example's folder: the tutorial scenario, and paths made on demand."""

    root: Path
    made: list[str]

    def path(self, kind: str) -> str:
        name = f"p{len(self.made)}"
        target = self.root / name
        if kind == "scenario":
            return "tutorial.yaml"
        if kind == "same as before" and self.made:
            return self.made[-1]
        if kind == "directory":
            target.mkdir()
        elif kind == "fifo":
            os.mkfifo(target)
        elif kind == "device":
            target.symlink_to("/dev/zero")
        elif kind == "junk":
            target.write_bytes(b"\x00\xff{[: junk")
        elif kind == "empty":
            target.write_bytes(b"")
        elif kind == "state":
            shutil.copy(self.root / "state.json", target)
        elif kind == "record":
            shutil.copy(self.root / "record.json", target)
        elif kind == "batch":  # a finished batch folder of the tutorial
            shutil.copytree(finished_batch(), target)
        elif kind == "in nothing":
            name = f"nothing/{name}"
        elif kind == "non-ASCII":
            name = f"é名{name}"
        elif kind == "long name":
            name = name + "x" * 300
        elif kind == "dangling link":
            target.symlink_to(self.root / "gone")
        self.made.append(name)
        return name


def value(command: str, parameter: Parameter) -> st.SearchStrategy[Callable[[Folder], str]]:
    """A strategy for one value of the parameter, made in the example's folder when used: a
    plausible one three times in four (so that a command gets past its first check), else one
    at or beyond the extremes."""
    plausible = _plausible(command, parameter)
    extreme = _extreme(command, parameter)
    if plausible is None:
        return extreme
    return st.integers(0, 3).flatmap(lambda pick: extreme if pick == 0 else plausible)


# Values a user would give (by parameter name), or the path kinds they would name.
PLAUSIBLE: dict[str, list[str]] = {
    "seed": ["0", "1", "7", str(MAX_SEED)],
    "variant": ["weak", "strong", "base"],
    "variants": ["base", "weak,strong", "base,strong"],
    "baseline": ["base", "weak"],
    "sample": ["lhs", "random", "none"],
    "format_": ["html", "md"],
    "outcome": ["crisis", "new_normal_set_in"],
    "include": ["*", "parameters.*"],
    "method": ["sobol", "morris"],
    "max_ci_width": ["0.1", "0.5"],
    "target_ci_width": ["0.5", "1e9"],
    "set_": ["parameters.deterrence_strength=1.5", "parameters.spiral_strength=0.5"],
    "measures": ["crisis", "count.*", "turns,escalation", "*", "outcome.*,final.tension"],
}
PLAUSIBLE_PATHS: dict[str, list[str]] = {
    "from_state": ["state"],
    "json_out": ["new", "new", "junk"],
    "save_state": ["new", "new", "junk"],
    "out": ["new"],
    "output": ["new", "new", "junk"],
    "observed": ["scenario", "junk"],
    "file": ["scenario"],
    "files": ["scenario"],
    "folder": ["batch", "batch", "directory"],
    "table_csv": ["new", "new", "junk"],
    "table_md": ["new", "new", "junk"],
    "html": ["new", "new", "junk"],
}


def _plausible(
    command: str, parameter: Parameter
) -> st.SearchStrategy[Callable[[Folder], str]] | None:
    if (command, parameter.name) in SMALL:
        return st.sampled_from(SMALL[(command, parameter.name)]).map(_constant)
    if (command, parameter.name) == ("report", "file"):
        return st.just(lambda folder: folder.path("record"))
    if parameter.kind is Path and parameter.name in PLAUSIBLE_PATHS:
        kinds = st.sampled_from(PLAUSIBLE_PATHS[parameter.name])
        return kinds.map(lambda kind: lambda folder: folder.path(kind))
    if parameter.name in PLAUSIBLE:
        return st.sampled_from(PLAUSIBLE[parameter.name]).map(_constant)
    return None


def _extreme(command: str, parameter: Parameter) -> st.SearchStrategy[Callable[[Folder], str]]:
    if (command, parameter.name) in SMALL:
        return small_or_refused(command, parameter.name).map(_constant)
    if parameter.kind is int:
        return integers(parameter).map(_constant)
    if parameter.kind is float:
        return st.sampled_from(FLOATS).map(_constant)
    if parameter.kind is Path:
        kinds = st.sampled_from(PATH_KINDS)
        return kinds.map(lambda kind: lambda folder: folder.path(kind))
    if parameter.name == "set_":
        return set_options().map(_constant)
    return st.sampled_from(TEXT).map(_constant)


def _constant(text: str) -> Callable[[Folder], str]:
    return lambda folder: text


@st.composite
def commands(draw: st.DrawFn, command: str) -> list[Callable[[Folder], str]]:
    """A command line: the command, then its arguments and a random choice of its options."""
    line: list[Callable[[Folder], str]] = [_constant(command)]
    for parameter in grammar(command):
        if parameter.flag is None:  # an argument: mostly the tutorial, else any path
            count = st.integers(1, 3) if parameter.many else st.just(1)
            for _ in range(draw(count)):
                line.append(draw(value(command, parameter)))
            continue
        if parameter.kind is bool:
            if draw(st.booleans()):
                line.append(_constant(parameter.flag))
            continue
        small = (command, parameter.name) in SMALL  # always given: the default is large
        if parameter.required or small or draw(st.integers(0, 2)) == 0:
            for _ in range(draw(st.integers(1, 3)) if parameter.many else 1):
                line.append(_constant(parameter.flag))
                line.append(draw(value(command, parameter)))
    if command in ("batch", "sensitivity"):  # never the default folder, and a temp one
        kind = draw(st.sampled_from(["new", "directory", "in nothing"]))
        line += [_constant("--out"), lambda folder: folder.path(kind)]
    if command == "schema" and draw(st.booleans()):  # the grammar has nothing: try junk
        line.append(draw(st.sampled_from(["x", "--nope", "--help", "", DIGITS]).map(_constant)))
    return line


# ------------------------------------------------------------------ the property


def play(line: list[Callable[[Folder], str]]) -> tuple[list[str], Ended, list[int]]:
    """Make the example's folder, run the command under the budget; what it left running."""
    with tempfile.TemporaryDirectory(prefix="wargame-cli-") as name:
        root = Path(name)
        shutil.copy(TUTORIAL, root / "tutorial.yaml")
        shutil.copy(_tutorial_state(), root / "state.json")
        shutil.copy(_tutorial_state().parent / "record.json", root / "record.json")
        folder = Folder(root, [])
        args = [make(folder) for make in line]
        ended = run_limited(*args, cwd=root, memory=MEMORY.get(args[0], MEMORY_BYTES))
        left = processes_in(root)
        return args, ended, left


def processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is in folder (a worker left behind)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:
                continue
            if cwd == str(folder) or cwd.startswith(f"{folder}/"):
                found.append(int(entry.name))
    return found


_STATE: list[Path] = []


def _tutorial_state() -> Path:
    """A real saved state of the tutorial (two turns), made once per test session."""
    if not _STATE:
        folder = Path(tempfile.mkdtemp(prefix="wargame-cli-state-"))
        shutil.copy(TUTORIAL, folder / "tutorial.yaml")
        made = run_limited(
            "run", "tutorial.yaml", "--turns", "2", "--summary", "--save-state", "state.json",
            "--json", "record.json", cwd=folder,
        )  # fmt: skip
        assert made.code == 0, made.output
        _STATE.append(folder / "state.json")
    return _STATE[0]


# A sensitivity analysis that gets past its checks plots its indices: SALib, SciPy and matplotlib
# loaded need about 300 MiB of data (measured: the smallest analysis of the tutorial fails to
# import matplotlib under 256 MiB and ends under 320 MiB). Refusals are held to the hostile
# budget by tests/hostile; here the analysis that runs is given room to finish.
# A report loads matplotlib and, with --risk, starts a worker pool whose threads need room of
# their own (under 256 MiB one could not start: the pool then stopped handing out work, and
# the command waited for ever; it now ends with exit 1, tests/test_batch.py).
MEMORY = {"sensitivity": 512 * 2**20, "report": 512 * 2**20}


def check(args: list[str], ended: Ended, left: list[int]) -> None:
    shown = " ".join(a if len(a) < 60 else f"{a[:40]}...({len(a)} chars)" for a in args)
    assert ended.code != -1, f"wargame {shown}: {ended.stderr}"  # hung
    assert ended.code >= 0, (
        f"wargame {shown}: killed by signal {-ended.code} (the budget is {CPU_SECONDS} CPU s "
        f"and {MEMORY.get(args[0], MEMORY_BYTES) >> 20} MiB)\n{ended.output[-2000:]}"
    )
    assert ended.code in (0, 1, 2), f"wargame {shown}: exit {ended.code}\n{ended.output[-2000:]}"
    assert "Traceback" not in ended.output, f"wargame {shown}:\n{ended.output[-4000:]}"
    assert "out of memory" not in ended.output, f"wargame {shown}: out of its memory budget"
    if ended.code == 2:
        assert ended.stderr.strip(), f"wargame {shown}: exit 2 without a word"
    assert not left, f"wargame {shown}: processes left running: {left}"


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


EXAMPLES = {
    "validate": 10, "run": 12, "batch": 14, "sensitivity": 13, "schema": 3, "replay": 4,
    "report": 8, "score": 7, "summarize": 8,
}  # fmt: skip
"""Examples per command: one more for each option added since (--allow-hindsight of batch,
sensitivity and score; --method, --trajectories, --top, --max-ci-width, --target-ci-width
and --max-samples of sensitivity; --measures, --table-csv, --table-md and --engine of batch;
--html of batch and summarize), so the new option is drawn as often as the old ones were."""


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in LEFT_OUT])
def test_any_command_ends_within_the_budget_with_0_1_or_2_and_no_traceback(command: str) -> None:
    @fuzz_settings(EXAMPLES.get(command, 4))
    @given(commands(command))
    def one(line: list[Callable[[Folder], str]]) -> None:
        check(*play(line))

    one()


def test_every_command_is_fuzzed_or_said_why_not() -> None:
    assert set(LEFT_OUT) <= set(COMMANDS)
    assert {c for c in COMMANDS if c not in LEFT_OUT} <= set(EXAMPLES)


def test_the_smallest_sensitivity_analysis_ends_within_its_budget(tmp_path: Path) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    ended = run_limited(
        "sensitivity", "tutorial.yaml", "--outcome", "new_normal_set_in", "--variant", "weak",
        "--replicates", "2", "--base-samples", "2", "--out", "s", cwd=tmp_path,
        memory=MEMORY["sensitivity"],
    )  # fmt: skip
    assert "Traceback" not in ended.output
    assert ended.code == 0, ended.output[-2000:]
    assert (tmp_path / "s" / "sobol.json").is_file()
