"""User-facing error types: every problem names its file, line, column and a fix.

The CLI catches `WargameError`, prints `str(error)` and exits with `error.exit_code`, so these
messages are the whole user interface for broken input: no tracebacks.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Characters that would break a message's line or drive the terminal: shown escaped."""


def _escaped(found: re.Match[str]) -> str:
    """A line break or tab as a space (messages quote multi-line text), others as escapes."""
    return " " if found.group() in "\n\r\t" else repr(found.group())[1:-1]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, with where it is and how to fix it."""

    file: str | None  # path as given by the user
    line: int | None  # 1-based
    column: int | None  # 1-based
    message: str  # what is wrong
    hint: str = ""  # how to fix it
    where: str = ""  # dotted path inside the document, e.g. "actions.nk_test.cost"

    def __str__(self) -> str:
        """`file:line:col: where: message. Fix: hint`, leaving out the parts that are unknown."""
        place = self.file or ""
        if self.line is not None:
            column = f":{self.column}" if self.column is not None else ""
            place = f"{place}:{self.line}{column}" if place else f"line {self.line}{column}"
        text = self.message
        if self.hint:
            stop = "" if text.endswith((".", "?", "!")) else "."
            text = f"{text}{stop} Fix: {self.hint}"
        line = ": ".join(part for part in (place, self.where, text) if part)
        return _CONTROL.sub(_escaped, line)


class WargameError(Exception):
    """Base for errors shown to users: CLI prints str(e) and exits with .exit_code."""

    exit_code: int = 2


class RunError(WargameError):
    """The input was fine but the work could not be finished (exit 1)."""

    exit_code = 1


class DiskFullError(RunError):
    """A write failed for lack of space (full disk, quota, file size limit): exit 1."""


class InputError(WargameError):
    """One or more problems in an input file; all are reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        # Sorted by file, then position; problems without a position come first.
        self.problems: list[Problem] = sorted(
            problems, key=lambda p: (p.file or "", p.line or 0, p.column or 0)
        )
        super().__init__(self.problems)

    def __str__(self) -> str:
        """A count header naming the file(s), then one indented line per problem."""
        count = len(self.problems)
        files = ", ".join(dict.fromkeys(p.file for p in self.problems if p.file)) or "the input"
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in {files}:"]
        lines += [f"  {problem}".replace("\n", " ") for problem in self.problems]
        return "\n".join(lines)


def suggest(name: str, candidates: Iterable[str]) -> str:
    """' Did you mean 'capability'?' for the closest candidate, or '' if none is close."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" Did you mean '{matches[0]}'?" if matches else ""
