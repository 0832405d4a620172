"""Long commands (batch, sensitivity) stopped from outside: Ctrl-C (SIGINT) and SIGTERM end
the same way.

SIGTERM (what `kill`, systemd, a batch scheduler or a container stop send) is raised in the
main thread as `Terminated`, a KeyboardInterrupt, so it takes Ctrl-C's way out: the worker
pool is shut down (its processes end), the finished chunks are written, and the command says
what is kept and exits 143 (130 for Ctrl-C), never a traceback and never a silent exit
leaving workers behind.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import typer

from wargame.cli.consoles import err


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop like Ctrl-C."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    # Once: the way out (shutting the pool, writing the finished chunks) is not cut short by
    # a second SIGTERM; SIGKILL still ends it at once.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


@contextlib.contextmanager
def stoppable(out: Path, what: str) -> Iterator[None]:
    """Run the block so that Ctrl-C and SIGTERM end it with a message and exit 130 or 143."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    except KeyboardInterrupt as stop:
        from wargame.batch.storage import MANIFEST, RESUME  # (not at start-up: pyarrow)

        code, how = (
            (143, "terminated (SIGTERM)") if isinstance(stop, Terminated) else (130, "interrupted")
        )
        if (out / MANIFEST).exists():
            kept = f"the finished runs are kept in {out}: {RESUME} to finish the {what}"
        else:
            kept = "it stopped before anything was written"
        err.print(f"{how}; {kept}", markup=False)
        raise typer.Exit(code) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
