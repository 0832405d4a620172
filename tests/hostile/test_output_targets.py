"""What is already where an output goes: for every output of `run` (and `batch --out` where it
names a file), nothing, a regular file (with and without --force), a symlink to one, a
directory, a dangling symlink, a loop, a FIFO, a socket, a symlink to /dev/null.

Outputs are written whole to a temp file renamed over the target, so anything but a regular
file would be destroyed: each such case must end with exit 2 and a message naming the path
and what is there, before any game is played, and leave every file as it was. A symlink to a
regular file is written through with --force: the file it points to is replaced, the link
kept. Every output is checked before anything is played or written, two outputs naming one
file are refused, and a new file gets the permissions a plain write would give it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from corpus import OCCUPANTS, TUTORIAL, Occupant
from harness import Ended, assert_refused, run_limited

OUTPUTS = {"--json": "records.json", "--save-state": "state.json"}


def listing(folder: Path) -> dict[str, str]:
    """Every entry under folder, as what it is: a link and its target, a FIFO, a socket, a
    folder, or a regular file's mode and a hash of its bytes (to see any change)."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            kind = f"link to {os.readlink(path)}"
        elif stat.S_ISREG(mode):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            kind = f"file {oct(stat.S_IMODE(mode))} {digest}"
        else:
            kind = "directory" if stat.S_ISDIR(mode) else f"special {stat.S_IFMT(mode):o}"
        found[str(path.relative_to(folder))] = kind
    return found


def devnull_is_a_device() -> bool:
    return stat.S_ISCHR(os.stat("/dev/null").st_mode)


def refused_before_playing(ended: Ended, named: str, *says: str) -> None:
    assert_refused(ended, named, *says)
    assert "Final:" not in ended.stdout and "Turn 1" not in ended.stdout, "a game was played"


@pytest.mark.slow
@pytest.mark.parametrize("force", [False, True], ids=["", "--force"])
@pytest.mark.parametrize("occupant", OCCUPANTS, ids=[o.id for o in OCCUPANTS])
@pytest.mark.parametrize("option", OUTPUTS)
def test_run_output_over_what_is_there(
    tmp_path: Path, option: str, occupant: Occupant, force: bool
) -> None:
    name = OUTPUTS[option]
    occupant.make(tmp_path, name)
    before = listing(tmp_path)

    ended = run_limited(
        "run", TUTORIAL, "--seed", "1", "--summary", option, name, *["--force"][:force],
        cwd=tmp_path,
    )  # fmt: skip

    assert devnull_is_a_device()
    if occupant.says:
        refused_before_playing(ended, f"{option} {name}", *occupant.says)
        assert listing(tmp_path) == before
    elif occupant.exists and not force:
        refused_before_playing(ended, name, "exists", "--force")
        assert listing(tmp_path) == before
    else:
        assert ended.code == 0, ended.output
        after = listing(tmp_path)
        assert set(after) == set(before) | {name}, "a file was lost or a temp file left"
        written = tmp_path / name
        if occupant.exists:  # replaced in place: the link kept, the file keeps its mode
            assert {k: v for k, v in after.items() if "file" not in v} == {
                k: v for k, v in before.items() if "file" not in v
            }
            assert stat.S_IMODE(written.stat().st_mode) == 0o640
        data = json.loads(written.read_text())
        assert ("summary" in data) if option == "--json" else (data["seed"] == 1)


BATCH_OCCUPANTS = [o for o in OCCUPANTS if "directory" not in o.id and o.id != "nothing"]


@pytest.mark.slow
@pytest.mark.parametrize("force", [False, True], ids=["", "--force"])
@pytest.mark.parametrize("occupant", BATCH_OCCUPANTS, ids=[o.id for o in BATCH_OCCUPANTS])
def test_batch_out_that_is_not_a_folder(tmp_path: Path, occupant: Occupant, force: bool) -> None:
    """--out is a folder: whatever else is there is refused, with --force too, and kept."""
    occupant.make(tmp_path, "b")
    before = listing(tmp_path)

    ended = run_limited("batch", TUTORIAL, "--runs", "2", "--out", "b", *["--force"][:force],
                        cwd=tmp_path)  # fmt: skip

    assert devnull_is_a_device()
    assert_refused(ended, "b")
    assert listing(tmp_path) == before


# -- every output checked before the game --------------------------------------------------
@pytest.mark.parametrize(
    ("outputs", "says"),
    [
        (("--json", "ok.json", "--save-state", "nodir/s.json"), "cannot write nodir/s.json"),
        (("--save-state", "ok.json", "--json", "nodir/r.json"), "cannot write nodir/r.json"),
        (("--json", "ok.json", "--save-state", "ok.json/s.json"), "cannot write ok.json/s.json"),
        (("--json", "x.json", "--save-state", "x.json"), "name the same file"),
        (("--json", "x.json", "--save-state", "./sub/../x.json"), "name the same file"),
        # d is a link to sub/d: d/d/d/../../../../ is this folder, though "../" by its letters
        (("--json", "x.json", "--save-state", "d/d/d/../../../../x.json"), "name the same file"),
    ],
    ids=[
        "missing folder",
        "missing folder first",
        "folder is a file",
        "same",
        "./sub/..",
        "link/..",
    ],
)
def test_outputs_are_all_checked_before_the_game(tmp_path, outputs, says) -> None:
    (tmp_path / "sub" / "d" / "d" / "d").mkdir(parents=True)
    (tmp_path / "d").symlink_to("sub/d")
    before = listing(tmp_path)

    ended = run_limited("run", TUTORIAL, "--seed", "1", *outputs, cwd=tmp_path)

    refused_before_playing(ended, says.split()[-1] if "cannot" in says else "x.json", says)
    assert listing(tmp_path) == before, "an output was written though another was refused"


def test_two_outputs_through_a_link_or_a_hard_link_are_the_same_file(tmp_path) -> None:
    (tmp_path / "x.json").write_text("old")
    (tmp_path / "y.json").symlink_to("x.json")
    os.link(tmp_path / "x.json", tmp_path / "z.json")
    before = listing(tmp_path)

    for other in ("y.json", "z.json", str(tmp_path / "x.json")):
        ended = run_limited(
            "run", TUTORIAL, "--json", "x.json", "--save-state", other, "--force", cwd=tmp_path
        )
        refused_before_playing(ended, other, "--json x.json and --save-state", "the same file")
    assert listing(tmp_path) == before


@pytest.mark.slow
def test_a_state_continued_and_saved_over_itself(tmp_path) -> None:
    """An output may name an input: the state is read before anything is written."""
    first = run_limited("run", TUTORIAL, "--turns", "2", "--save-state", "s.json", cwd=tmp_path)
    assert first.code == 0, first.output
    again = run_limited("run", TUTORIAL, "--from-state", "s.json", "--save-state", "s.json",
                        cwd=tmp_path)  # fmt: skip
    refused_before_playing(again, "s.json", "exists", "--force")

    ended = run_limited("run", TUTORIAL, "--from-state", "s.json", "--save-state", "s.json",
                        "--force", cwd=tmp_path)  # fmt: skip

    assert ended.code == 0, ended.output
    assert json.loads((tmp_path / "s.json").read_text())["state"]["turn"] == 6


# -- permissions ---------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002, 0o000])
def test_a_new_output_gets_the_permissions_of_a_plain_write(tmp_path, umask) -> None:
    old = os.umask(umask)  # the command inherits it
    try:
        ended = run_limited("run", TUTORIAL, "--summary", "--json", "r.json",
                            "--save-state", "s.json", cwd=tmp_path)  # fmt: skip
        (tmp_path / "plain").write_text("")  # what open() gives a new file
    finally:
        os.umask(old)

    assert ended.code == 0, ended.output
    plain = stat.S_IMODE((tmp_path / "plain").stat().st_mode)
    assert plain == 0o666 & ~umask
    for name in ("r.json", "s.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == plain


@pytest.mark.slow
def test_a_replaced_output_keeps_its_permissions(tmp_path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    target.chmod(0o604)

    ended = run_limited("run", TUTORIAL, "--summary", "--json", "r.json", "--force", cwd=tmp_path)

    assert ended.code == 0, ended.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert "summary" in json.loads(target.read_text())
