"""Reading and writing the files the project keeps: atomic writes, checked reads, and the
message for a write that failed (a full disk is exit 1 and says so)."""

from __future__ import annotations

import errno
import json
import math
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from wargame.errors import DiskFullError, InputError, Problem, RunError, WargameError

# Documented limits of the JSON files the project reads (saved states, batch manifests): a
# 12-turn game with its full records saves about 0.4 MB and 4,000 lists and mappings. Parsed
# JSON takes up to 60 times its size in memory, so these keep any such file under 256 MiB.
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
    for name in ("EACCES", "EPERM", "EROFS", "ENOENT", "ENOTDIR", "EISDIR", "ENAMETOOLONG")
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


def write_json(
    path: Path, data: Any, *, kept: str = "", then: str = "run the command again"
) -> None:
    """Write JSON atomically: a temp file in the same folder, fsync, then rename over.

    A failed write leaves no temp file and the old file (if any) as it was; the error names
    the file (see `write_error`; `kept` and `then` go into its message).
    """
    path = Path(path)
    text = json.dumps(data, indent=1, allow_nan=False)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise write_error(path, error, kept=kept, then=then) from None


def read_json(path: Path, *, what: str) -> Any:
    """Read a JSON file the project wrote; any problem is an InputError naming the file."""

    def fail(message: str, hint: str = "", line: int | None = None, col: int | None = None) -> Any:
        raise InputError([Problem(str(path), line, col, message, hint)])

    path = Path(path)
    if not path.exists():
        fail(f"no such {what} file")
    if not path.is_file():
        fail(f"not a file (a {what} must be a JSON file)")
    if path.stat().st_size > MAX_JSON_BYTES:
        fail(f"larger than the {MAX_JSON_BYTES // 2**20} MiB limit for a {what}")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        fail(f"not UTF-8 text (byte {error.start}); is this really a {what}?")
    except OSError as error:
        fail(f"cannot read it: {error.strerror}")

    containers = text.count("{") + text.count("[")  # brackets in strings count too: a bound
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
