"""Progress of a batch played from Python: one line of text, rewritten in place, shown in a
notebook by default and in a script only when asked (`run(..., progress=True)`).

Plain text rather than a widget: it needs nothing installed beyond Jupyter, and a notebook
saved with it reads the same on a code host as where it ran.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from wargame.batch.runner import Progress

EVERY_SECONDS = 0.5
"""The least time between two rewrites of the line (the last count is always shown)."""


def in_notebook() -> bool:
    """True inside a Jupyter kernel, where progress is shown unless turned off. IPython is
    looked up only if something already imported it: a script never pays for the import."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def clock(seconds: float) -> str:
    """'1:05' or '1:02:05': elapsed or remaining time as a person reads it."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, seconds_left = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds_left:02d}"
    return f"{minutes}:{seconds_left:02d}"


def line(name: str, done: int, total: int, elapsed: float) -> str:
    """'batch: 1,200/5,000 games (24%), 0:41 elapsed, about 2:10 left'."""
    if total <= 0:
        return f"{name}: {done:,} games, {clock(elapsed)} elapsed"
    share = done / total
    text = f"{name}: {done:,}/{total:,} games ({share:.0%}), {clock(elapsed)} elapsed"
    if 0 < done < total:
        text += f", about {clock(elapsed * (total - done) / done)} left"
    return text


class _Line(Protocol):
    def write(self, text: str) -> None: ...
    def close(self) -> None: ...


class _StreamLine:
    """The line on a text stream, rewritten after a carriage return (a terminal, a log)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.width = stream, 0

    def write(self, text: str) -> None:
        self.stream.write("\r" + text.ljust(self.width))  # no tail of a longer line left
        self.stream.flush()
        self.width = len(text)

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class _NotebookLine:
    """The line as one notebook output updated in place: a saved notebook keeps only the
    last count, not every rewrite."""

    def __init__(self) -> None:
        from IPython.display import display

        self.handle = display({"text/plain": ""}, raw=True, display_id=True)

    def write(self, text: str) -> None:
        self.handle.update({"text/plain": text}, raw=True)

    def close(self) -> None:
        pass


@contextmanager
def progress_shown(
    name: str, progress: bool | None, *, stream: TextIO | None = None
) -> Iterator[Callable[[Progress], None] | None]:
    """What the runner calls with its counts (None: nothing shown). `progress`: True shows
    the line, False does not, None shows it in a notebook only. In a notebook it is an
    output of the cell; elsewhere a line on `stream` (stderr)."""
    notebook = in_notebook()
    if not (notebook if progress is None else progress):
        yield None
        return
    start = time.monotonic()
    last = {"written": -EVERY_SECONDS, "done": -1}
    out: _Line | None = None

    def show(counts: Progress) -> None:
        nonlocal out
        now = time.monotonic() - start
        finished = counts.total > 0 and counts.done >= counts.total
        if now - last["written"] < EVERY_SECONDS and not finished:
            return
        if counts.done == last["done"]:
            return
        if out is None:  # the first count: the work has begun
            use_display = notebook and stream is None
            out = _NotebookLine() if use_display else _StreamLine(stream or sys.stderr)
        out.write(line(name, counts.done, counts.total, now))
        last.update(written=now, done=counts.done)

    try:
        yield show
    finally:
        if out is not None:
            out.close()
