"""Reading and writing the files the project keeps: atomic writes, checked reads, and the
message for a write that failed (a full disk is exit 1 and says so).

What an output option may name (`check_outputs`, and again at the moment of writing): nothing
yet (a new file in an existing folder), or a regular file, replaced only with --force; a
symbolic link to a regular file is written through (the file it points to is replaced, the
link stays). Anything else is refused before any work is done: a directory, a FIFO, a socket,
a device, a dangling link, or two outputs naming the same file. A new file gets the
permissions a plain write would give it (0666 less the umask); a replaced one keeps its own.

Whatever is written here can be read back (`read_json`): a file over the read limits is
refused before it is written (`json_text`), unless the caller says the tool never reads it.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import math
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wargame.errors import DiskFullError, InputError, Problem, RunError, WargameError

# Documented limits of the JSON files the project reads (saved states, batch manifests, session
# files), and so of the ones it writes to read back: a 12-turn game of the shipped scenario
# with its full records saves about 0.4 MB and 4,000 lists and mappings; a 2,000-turn tutorial
# game 7.4 MB. Parsed JSON takes up to 60 times its size in memory (and checking a state
# builds typed records on top), so these keep reading any such file within the 256 MiB the
# hostile-input tests allow; raising them would let a hostile file past that budget.
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_JSON_CONTAINERS = 200_000

FULL: dict[int, str] = {
    code: problem
    for name, problem in (
        ("ENOSPC", "the disk is full"),
        ("EDQUOT", "the disk quota is used up"),
        ("EFBIG", "the file grew past the file system's size limit"),
    )
    if (code := getattr(errno, name, None)) is not None
}
"""Write errors that are the machine's state, not the command's: the same command works
once there is room again, so they exit 1 (the input was fine). Errors that say the place is
wrong (no such folder, permission denied, read-only) are the command's: exit 2, like any
other bad option. Anything else (an I/O error of the disk) is the machine's: exit 1."""
BAD_PLACE = {
    getattr(errno, name)
    for name in (
        "EACCES",
        "EPERM",
        "EROFS",
        "ENOENT",
        "ENOTDIR",
        "EISDIR",
        "ENAMETOOLONG",
        "EEXIST",
        "ELOOP",
    )
    if hasattr(errno, name)
}


def write_error(
    path: Path, error: OSError, *, kept: str = "", then: str = "run the command again"
) -> WargameError:
    """The error to show for `error` while writing `path`: it names the file and the fix.

    `kept` says what finished work is safe (a batch's parts) and `then` how to carry on
    (e.g. "run the same command with --resume"); without `kept` the message for a bad place
    is the plain "cannot write PATH: reason".
    """
    code = error.errno or 0
    reason = os.strerror(code) if code else str(error)
    safe = f"{kept}; " if kept else ""
    if code in FULL:
        return DiskFullError(
            f"{FULL[code]}: cannot write {path} ({reason}); {safe}free some space and {then}"
        )
    kind = WargameError if code in BAD_PLACE else RunError
    if not kept:
        return kind(f"cannot write {path}: {reason}")
    return kind(f"cannot write {path} ({reason}); {safe}fix that and {then}")


# -- where an output may go ----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a write to `path` goes: `real` is the path itself, or the regular file a
    symbolic link at `path` points to; `exists` whether there is a file there now."""

    path: Path
    real: Path
    exists: bool
    identity: tuple[int, int] | None  # (device, inode) of the existing file


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def output_target(path: Path, option: str = "") -> Target:
    """Where writing `path` would put the bytes; a WargameError (exit 2) naming the path and
    what is there if that is not a regular file or a place for a new one.

    Outputs are written to a temp file renamed over the target, which would replace whatever
    is there: so a directory, FIFO, socket or device (or a link to one) is refused, never
    replaced, whatever --force says. A link to a regular file is followed: the file it points
    to is replaced and the link kept.
    """
    path = Path(path)
    name = f"{option} {path}" if option else str(path)
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return Target(path, path, False, None)
    except OSError as error:  # a parent that is a file, a name too long, no permission
        raise write_error(path, error) from None
    via = ""
    real = path
    if stat.S_ISLNK(found.st_mode):
        link = os.readlink(path)
        try:
            found = os.stat(path)
        except FileNotFoundError:
            raise WargameError(
                f"{name} is a symbolic link to {link}, which does not exist; remove the link "
                "or name another file"
            ) from None
        except OSError as error:
            raise WargameError(
                f"{name} is a symbolic link that cannot be followed ({error.strerror}); "
                "remove the link or name another file"
            ) from None
        via = f" (a symbolic link to {link})"
        real = Path(os.path.realpath(path))
    if not stat.S_ISREG(found.st_mode):
        fix = "name a file inside it" if stat.S_ISDIR(found.st_mode) else "name a regular file"
        raise WargameError(
            f"{name}{via} is {_kind(found.st_mode)}, not a regular file: an output is written "
            f"whole to a new file renamed over the old one, which would destroy it. Fix: {fix}"
        )
    return Target(path, real, True, (found.st_dev, found.st_ino))


def check_outputs(outputs: Sequence[tuple[str, Path | None]], *, force: bool) -> list[Target]:
    """Check every output of a command before any work: each is a new file in a folder that
    can be written, or an existing regular file (only with `force`); no two name the same
    file (through another spelling, a link or a hard link). `outputs` are (option, path)
    pairs; None means not given. Raises WargameError (exit 2) naming the option and path."""
    targets: list[tuple[str, Target]] = []
    for option, path in outputs:
        if path is None:
            continue
        target = output_target(path, option)
        if target.exists and not force:
            if target.real == target.path:
                raise WargameError(f"{path} exists; pass --force to overwrite it")
            raise WargameError(
                f"{path} exists (a symbolic link to {os.readlink(path)}); pass --force to "
                "overwrite the file it points to"
            )
        _probe(target)
        targets.append((option, target))
    seen: dict[object, tuple[str, Path]] = {}
    for option, target in targets:
        key = target.identity or os.path.realpath(target.real)
        if key in seen:
            first, first_path = seen[key]
            raise WargameError(
                f"{first} {first_path} and {option} {target.path} name the same file; "
                "each output needs a file of its own"
            )
        seen[key] = (option, target.path)
    return [target for _, target in targets]


def _probe(target: Target) -> None:
    """Create and remove a temp file where the output's temp file will go: the folder exists
    and can be written (a missing folder, no permission, a read-only disk fail here)."""
    try:
        handle, temp = tempfile.mkstemp(
            prefix=f".{target.real.name}.", suffix=".tmp", dir=_folder(target.real)
        )
        os.close(handle)
        os.unlink(temp)
    except OSError as error:
        raise write_error(target.path, error) from None


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _new_file_mode() -> int:
    """0666 less the umask: what open() gives a new file (mkstemp gives 0600)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)  # no way to read it without setting it
    os.umask(umask)
    return 0o666 & ~umask


# -- JSON that can be read back ------------------------------------------------------------


def json_size_problem(size: int, containers: int, what: str, *, least: bool = False) -> str:
    """Why a JSON text of `size` bytes and `containers` lists and mappings could not be read
    back as a `what` ('' if it could): the same limits `read_json` applies. `least`: the
    figures are a bound from below."""
    would = "would be at least" if least else "would be"
    if size > MAX_JSON_BYTES:
        return (
            f"the {what} {would} {size:,} bytes, over the {MAX_JSON_BYTES // 2**20} MiB "
            f"({MAX_JSON_BYTES:,} bytes) limit for reading one back"
        )
    if containers > MAX_JSON_CONTAINERS:
        hold = "would hold at least" if least else "would hold"
        return (
            f"the {what} {hold} {containers:,} lists and mappings, over the "
            f"{MAX_JSON_CONTAINERS:,} limit for reading one back"
        )
    return ""


def containers_in(text: str) -> int:
    """The count `read_json` bounds: opening brackets, those inside strings too."""
    return text.count("{") + text.count("[")


def json_text(
    path: Path,
    data: Any,
    *,
    what: str = "JSON file",
    read_back: bool = True,
    fix: str = "",
    option: str = "",
) -> str:
    """`data` as the JSON text `write_json` writes; with `read_back` (the default), a
    WargameError (exit 2) if `read_json` would refuse that text, so nothing is written that
    the tool cannot read back. The message names `option` and `path`; `fix` says how to make
    it smaller."""
    text = json.dumps(data, indent=1, allow_nan=False)
    size = len(text)  # bytes: json.dumps escapes every non-ASCII character
    if read_back and (problem := json_size_problem(size, containers_in(text), what)):
        name = f"{option} {path}" if option else str(path)
        raise WargameError(f"{name}: {problem}; nothing was written. Fix: {fix or 'less data'}")
    return text


def write_text(
    path: Path, text: str, *, kept: str = "", then: str = "run the command again"
) -> None:
    """Write text atomically to an output (see `output_target`): a temp file in the same
    folder, fsync, then rename over. A new file gets 0666 less the umask; a replaced file
    keeps its permissions (and its owner, where allowed).

    A failed write leaves no temp file and the old file (if any) as it was; the error names
    the file (see `write_error`; `kept` and `then` go into its message).
    """
    target = output_target(Path(path))  # again: what is there may have changed meanwhile
    real = target.real
    try:
        old = os.stat(real) if target.exists else None
        handle, temp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=_folder(real))
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                if old is None:
                    os.fchmod(stream.fileno(), _new_file_mode())
                else:
                    os.fchmod(stream.fileno(), stat.S_IMODE(old.st_mode) & 0o777)
                    with contextlib.suppress(OSError):  # only root may: else the writer owns it
                        os.fchown(stream.fileno(), old.st_uid, old.st_gid)
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, real)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise write_error(target.path, error, kept=kept, then=then) from None


def path_from(folder: Path, path: str | Path) -> str:
    """`path` as written in a file kept in `folder`: relative to that folder, so that the
    file can be read from any folder, and a folder moved whole keeps its references."""
    return os.path.relpath(os.path.abspath(path), os.path.abspath(folder))


def remove_left_temps(path: Path) -> int:
    """Remove the temp files a write of `path` left when its process was killed outright
    (SIGKILL, power loss: nothing can remove them then): `.NAME.*.tmp` beside the file. For
    files one process writes at a time (a session file); returns how many were removed."""
    real = Path(os.path.realpath(path))
    removed = 0
    with contextlib.suppress(OSError):
        for temp in _folder(real).glob(f".{glob.escape(real.name)}.*.tmp"):
            if temp.is_file() and not temp.is_symlink():
                with contextlib.suppress(OSError):
                    temp.unlink()
                    removed += 1
    return removed


def write_json(
    path: Path,
    data: Any,
    *,
    kept: str = "",
    then: str = "run the command again",
    what: str = "JSON file",
    read_back: bool = True,
    fix: str = "",
) -> None:
    """Write JSON atomically (`write_text`); refused before writing if the tool could not
    read it back (`json_text`; pass `read_back=False` for a file it never reads)."""
    text = json_text(Path(path), data, what=what, read_back=read_back, fix=fix)
    write_text(Path(path), text, kept=kept, then=then)


def read_json(path: Path, *, what: str) -> Any:
    """Read a JSON file the project wrote; any problem is an InputError naming the file."""

    def fail(message: str, hint: str = "", line: int | None = None, col: int | None = None) -> Any:
        raise InputError([Problem(str(path), line, col, message, hint)])

    path = Path(path)
    try:  # (a name too long for the file system is an OSError, not a missing file)
        if not path.exists():
            fail(f"no such {what} file")
        if not path.is_file():
            fail(f"not a file (a {what} must be a JSON file)")
        size = path.stat().st_size
    except OSError as error:
        fail(f"cannot read it: {error.strerror}")
    if size > MAX_JSON_BYTES:
        fail(f"larger than the {MAX_JSON_BYTES // 2**20} MiB limit for a {what}")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        fail(f"not UTF-8 text (byte {error.start}); is this really a {what}?")
    except OSError as error:
        fail(f"cannot read it: {error.strerror}")

    containers = containers_in(text)  # brackets in strings count too: a bound
    if containers > MAX_JSON_CONTAINERS:
        fail(
            f"holds more than {MAX_JSON_CONTAINERS:,} lists and mappings ({containers:,})",
            f"is this really a {what}?",
        )

    def finite(value: str) -> float:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"number {value} is not finite")
        return number

    def whole(value: str) -> int:
        if len(value) > 100:
            raise ValueError(f"a number of {len(value):,} digits is too long")
        return int(value)

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping = dict(pairs)
        if len(mapping) < len(pairs):
            twice = next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
            raise ValueError(f"the key '{twice}' appears twice in one mapping")
        return mapping

    try:
        return json.loads(
            text,
            parse_float=finite,
            parse_int=whole,
            parse_constant=finite,
            object_pairs_hook=unique,
        )
    except json.JSONDecodeError as error:
        fail(f"not valid JSON: {error.msg}", f"is this a {what}?", error.lineno, error.colno)
    except (ValueError, RecursionError) as error:
        fail(f"not a usable {what}: {error}")
