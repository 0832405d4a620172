"""The command line's two consoles: results to stdout, messages and progress to stderr."""

from __future__ import annotations

import codecs
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from wargame.batch.runner import Progress


class _Results(Console):
    """stdout: a reader that stops reading (`wargame run ... --json r.json | head`) ends the
    printing, not the command, so the files it was asked to write are still written."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # what is still buffered goes nowhere, quietly


# emoji=False: ':name:' in labels, paths or the JSON schema must print as written.
out = _Results(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

FileArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]

PLAIN = "wargame-plain"
"""The error handler `plain_text_streams` gives a stream that cannot encode every character."""

_PLAIN = {
    "\u2026": "...",
    "\u2014": "--",
    "\u2013": "-",
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00d7": "x",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2248": "~",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2022": "*",
    "\u00a0": " ",
    "\u00b1": "+/-",
}


def _plain(error: UnicodeError) -> tuple[str, int]:
    """A character the stream's encoding lacks, in plain ASCII: typographic punctuation as
    its ASCII look-alike, a letter without its accent, anything else as '?'."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    parts = []
    for char in error.object[error.start : error.end]:
        if char in _PLAIN:
            parts.append(_PLAIN[char])
            continue
        bare = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        parts.append(bare or "?")
    return "".join(parts), error.end


codecs.register_error(PLAIN, _plain)


def plain_text_streams() -> None:
    """Let stdout and stderr print any text in whatever encoding they have: where it is not
    a Unicode one (PYTHONIOENCODING=ascii, a latin-1 pipe, a C locale without UTF-8 mode),
    characters it lacks print as their plain look-alikes instead of ending the command with
    a UnicodeEncodeError. A UTF-8 stream is left exactly as it is."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        reconfigure = getattr(stream, "reconfigure", None)
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            continue
        if name.startswith("utf") or reconfigure is None:
            continue
        reconfigure(errors=PLAIN)


@contextmanager
def progress_bar(name: str) -> Iterator[Callable[[Progress], None]]:
    """A command's progress bar (games done, elapsed, ETA) on stderr, shown once the games
    begin and only on a terminal; yields what the batch runner calls with its counts."""
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} games"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )
    task = bar.add_task(name, total=None)

    def show(progress: Progress) -> None:
        if not bar.live.is_started:  # the arguments are checked and the work begins
            bar.start()
        bar.update(task, completed=progress.done, total=progress.total)

    try:
        yield show
    finally:
        if bar.live.is_started:
            bar.stop()
