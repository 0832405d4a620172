"""Reading and writing the JSON files the project keeps: atomic writes, checked reads."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from wargame.errors import InputError, Problem, WargameError

MAX_JSON_BYTES = 256 * 1024 * 1024


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a temp file in the same folder, fsync, then rename over."""
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
        raise WargameError(f"cannot write {path}: {error.strerror or error}") from None


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

    def finite(value: str) -> float:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"number {value} is not finite")
        return number

    try:
        return json.loads(text, parse_float=finite, parse_constant=finite)
    except json.JSONDecodeError as error:
        fail(f"not valid JSON: {error.msg}", f"is this a {what}?", error.lineno, error.colno)
    except (ValueError, RecursionError) as error:
        fail(f"not a usable {what}: {error}")
