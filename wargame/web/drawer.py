"""The process that draws the dashboard's charts. Matplotlib holds the interpreter for a
second or more on a big scenario's state chart; drawn in a thread of the server, that would
slow every page redraw and websocket message meanwhile. Drawn in a process of its own, the
server's interpreter only waits for the picture."""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from wargame.batch.executors import deaf_to_ctrl_c, worker_started
from wargame.report.figures import Drawing, Figure

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _ready() -> bool:
    """Run once in the new process: matplotlib imported, so the first chart is quick."""
    import wargame.report.charts  # noqa: F401

    return True


def start() -> ProcessPoolExecutor:
    """The chart process, started on first use (from the main thread it starts deaf to a
    Ctrl-C that would hit it while it imports; `wargame serve` starts it so, at once)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=worker_started,
                initargs=(os.getpid(),),
            )
            with deaf_to_ctrl_c():
                _pool.submit(_ready)
        return _pool


def draw(drawing: Drawing) -> Figure:
    """The figure, drawn in the chart process (a new one if the last one died)."""
    global _pool
    pool = start()
    try:
        return pool.submit(drawing.draw).result()
    except BrokenProcessPool:
        with _pool_lock:
            if _pool is pool:
                _pool = None
        return start().submit(drawing.draw).result()


def stop() -> None:
    """End the chart process (tests; the server's exit ends it too)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
