"""Where chunks are played: in this process, in local worker processes, or on a Dask cluster.

Each executor keeps a bounded number of chunks in flight, hands every result over as it
comes, and replaces a dead pool (or re-scatters after lost Dask workers) so that the
chunks in flight are played again.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pyarrow as pa

from wargame.batch import worker
from wargame.batch.memory import lean_memory
from wargame.batch.spec import BatchSpec
from wargame.errors import RunError, WargameError

POOL_RESTARTS = 3
"""How often a pool whose worker died is replaced before the batch gives up (resumable)."""
PARENT_CHECK_SECONDS = 0.5
"""How often a worker process checks that the batch that started it is still there."""
MANAGER_CHECK_SECONDS = 1.0
"""How often a batch waiting on its local pool checks that the pool still hands out work."""


class Chunks:
    """The chunks still to play, taken one at a time from a lazy iterator; chunks handed out
    but never finished (a pool that broke, a Dask worker lost) are put back and played first.
    Nothing here grows with the batch: only the chunks in flight are held."""

    def __init__(self, todo: Iterable[tuple[int, int]]) -> None:
        self._next = iter(todo)
        self._back: list[tuple[int, int]] = []

    def take(self) -> tuple[int, int] | None:
        """The next chunk to play, or None when there is none left."""
        if self._back:
            return self._back.pop()
        return next(self._next, None)

    def put_back(self, chunks: Iterable[tuple[int, int]]) -> None:
        """Chunks handed out that must be played again (in their order)."""
        self._back.extend(sorted(chunks, reverse=True))


def dispatch(
    spec: BatchSpec,
    todo: Iterable[tuple[int, int]],
    count: int,
    workers: int,
    client: Any,
    finished: Callable[[int, tuple[pa.Table, pa.Table | None]], None],
) -> None:
    """Play the `count` chunks of `todo` here, in local worker processes, or on a Dask cluster."""
    work = Chunks(todo)
    if client is None and (workers <= 1 or count <= 1):  # no pool for a single chunk
        while (chunk := work.take()) is not None:
            finished(chunk[0], worker.play_chunk(spec, *chunk))
        return
    if client is not None:
        _on_dask(spec, work, client, finished)
        return
    context = multiprocessing.get_context("spawn")
    width = min(workers, count)  # never a process that would have nothing to play
    for attempt in range(1 + POOL_RESTARTS):
        try:
            with ProcessPoolExecutor(
                max_workers=width,
                mp_context=context,
                initializer=worker_started,
                initargs=(os.getpid(),),
            ) as pool:

                def submit(start: int, stop: int, pool: ProcessPoolExecutor = pool) -> Any:
                    if len(getattr(pool, "_processes", ())) >= width:  # all started
                        return pool.submit(worker.play_chunk, spec, start, stop)
                    with deaf_to_ctrl_c():  # this submit may start a worker process
                        return pool.submit(worker.play_chunk, spec, start, stop)

                _bounded(
                    work,
                    submit,
                    lambda futures, pool=pool: _first_done(pool, futures),  # type: ignore[misc]
                    finished,
                    limit=2 * width,
                    cancel=False,  # (cancelled futures of a pool that then breaks: 3.11 bug)
                )
            return
        except BrokenProcessPool:
            # A worker died (killed, out of memory, crashed): finished chunks are kept; the
            # ones in flight are played again by a new pool.
            if attempt == POOL_RESTARTS:
                raise RunError(
                    f"worker processes died {POOL_RESTARTS + 1} times; the finished runs are "
                    "kept: run the same command with --resume to finish the batch"
                ) from None


@contextlib.contextmanager
def deaf_to_ctrl_c() -> Iterator[None]:
    """Ignore SIGINT while a worker process may be started: a started process inherits an
    ignored SIGINT, so Ctrl-C (which the terminal sends to every process of the group) cannot
    interrupt it while it imports, before its initializer runs (a KeyboardInterrupt traceback
    from a half-started worker, and a broken pool). The main process is deaf only for the
    few milliseconds of the start; only the main thread may change signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def worker_started(parent: int) -> None:
    """In each worker process: leave Ctrl-C to the batch (which stops the pool and keeps what
    has finished), and end as soon as the batch process is gone, however it ended (SIGKILL
    too): a worker never outlives its batch, and with the workers gone the resource tracker
    ends as well. (SIGTERM keeps its default: the pool ends broken workers with it.) The
    dashboard's chart process starts the same way."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lean_memory()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    try:
        threading.Thread(target=watch, name="wargame-parent-watch", daemon=True).start()
    except RuntimeError:  # no thread to be had (out of memory): no work can be done either
        os._exit(1)


class _Lost(Exception):
    """Dask could not deliver a chunk's result (carries Dask's exception)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


def _on_dask(
    spec: BatchSpec,
    work: Chunks,
    client: Any,
    finished: Callable[[int, tuple[pa.Table, pa.Table | None]], None],
) -> None:
    """Play the chunks on a Dask cluster; a lost worker's chunks are played again elsewhere.

    The scheduler reschedules the tasks of a worker that died (and the nanny restarts it).
    If every worker holding the scattered spec died, the tasks are cancelled: the spec is
    scattered again and the unfinished chunks resubmitted (POOL_RESTARTS times at most).
    When Dask gives up on a chunk (lost with `distributed.scheduler.allowed-failures` + 1
    workers: KilledWorker) or the scheduler is gone, the batch stops with a RunError: the
    finished chunks are written, and --resume plays the rest.
    """
    from concurrent.futures import CancelledError

    from distributed import KilledWorker
    from distributed import wait as dask_wait

    lost = (KilledWorker, CancelledError, OSError, TimeoutError)  # OSError: CommClosedError

    def wait_first(futures: list[Any]) -> Any:
        try:
            return dask_wait(futures, return_when="FIRST_COMPLETED").done
        except lost as error:
            raise _Lost(error) from None

    def result(future: Any) -> Any:
        try:
            return future.result()
        except lost as error:
            raise _Lost(error) from None

    def stopped(error: BaseException) -> RunError:
        # the first sentence: KilledWorker goes on with a link and the worker's address
        reason = str(error).split(". ")[0].strip() or "no details"
        return RunError(
            f"the Dask cluster lost work in flight ({type(error).__name__}: {reason}); the "
            "finished runs are kept: check the cluster and run the same command with --resume"
        )

    for attempt in range(1 + POOL_RESTARTS):
        try:
            if attempt:
                client.wait_for_workers(1, timeout=60)
            remote = client.scatter(spec, broadcast=True)
            limit = 2 * max(1, sum(client.nthreads().values()))
        except lost as error:
            raise stopped(error) from None
        submit = functools.partial(client.submit, worker.play_chunk, remote, pure=False)
        try:
            _bounded(work, submit, wait_first, finished, limit=limit, result=result)
            return
        except _Lost as caught:  # (only Dask's own errors: not those of `finished`)
            cause = caught.error
            again = isinstance(cause, CancelledError)  # e.g. the scattered spec was lost
            if not again or attempt == POOL_RESTARTS:
                raise stopped(cause) from None


def _first_done(pool: ProcessPoolExecutor, futures: list[Any]) -> set[Any]:
    """The futures done first; a RunError if the pool can no longer finish any. Its manager
    thread feeds the workers: if it died (it could not start a thread of its own, out of
    memory), no future would ever complete and the batch would wait for ever."""
    while True:
        done = wait(futures, timeout=MANAGER_CHECK_SECONDS, return_when=FIRST_COMPLETED).done
        if done:
            return done
        manager = getattr(pool, "_executor_manager_thread", None)  # (CPython 3.9 to 3.13)
        if manager is not None and not manager.is_alive():
            # its workers wait for work that will never come: end them, or leaving would
            # wait for them (multiprocessing joins its children at exit)
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            raise RunError(
                "the worker pool stopped handing out work (most likely out of memory or "
                "threads); the finished runs are kept: give fewer --workers, or more memory"
            )


def _bounded(
    work: Chunks,
    submit: Callable[[int, int], Any],
    wait_first: Callable[[list[Any]], Any],
    finished: Callable[[int, Any], None],
    limit: int,
    result: Callable[[Any], Any] = lambda future: future.result(),
    cancel: bool = True,
) -> None:
    """Keep at most `limit` chunks in flight; hand each result over as it comes, in any order.

    Whatever stops it (a broken pool, a lost worker, Ctrl-C), the chunks in flight are put
    back into `work`, so that a new pool plays them again. With `cancel` they are cancelled
    (Dask: the cluster drops them); without (local processes, which finish them while the
    pool shuts down anyway), on Ctrl-C or SIGTERM they are waited for and the finished ones
    handed over, so that they are kept too.
    """
    flight: dict[Any, tuple[int, int]] = {}
    try:
        while True:
            while len(flight) < limit and (chunk := work.take()) is not None:
                try:
                    flight[submit(*chunk)] = chunk
                except BaseException:
                    work.put_back([chunk])
                    raise
            if not flight:
                return
            for future in wait_first(list(flight)):
                value = result(future)  # (if this raises, the chunk is still in flight)
                start = flight.pop(future)[0]
                finished(start, value)
    except KeyboardInterrupt:
        if not cancel:
            wait(list(flight))
            for future, (start, _) in list(flight.items()):
                if future.exception() is None:  # (a broken pool's chunks are played again)
                    del flight[future]
                    finished(start, future.result())
        raise
    finally:
        if cancel:
            for future in flight:
                future.cancel()
        work.put_back(flight.values())


def connect(address: str, timeout: float = 10.0) -> Any:
    """A Dask client for a scheduler address; a clear error if it cannot be reached.

    Only tcp:// (or no protocol, which Dask takes as tcp) is accepted: tls:// needs
    certificates and ucx:// its own libraries, which the command line does not take, and
    inproc:// names a scheduler inside this very process. Any other failure to connect is a
    message naming the address, never a traceback.
    """
    shown = _printable(address)
    scheme, separator, _ = address.partition("://")
    if separator and scheme.lower() != "tcp":
        raise WargameError(
            f"'{shown}' uses the {_printable(scheme)}:// protocol; wargame connects to a Dask "
            "scheduler over tcp:// only (tls:// needs certificates, ucx:// its own libraries, "
            "inproc:// a scheduler inside this process): write it as tcp://host:port, e.g. "
            "tcp://127.0.0.1:8786"
        )
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise WargameError("Dask's distributed package is not installed") from None
    started = time.monotonic()
    try:
        return Client(address, timeout=timeout)
    except ValueError as error:  # e.g. no port: distributed cannot parse the address
        raise WargameError(
            f"'{shown}' is not a Dask scheduler address ({_printable(str(error))}); "
            "write it as tcp://host:port, e.g. tcp://127.0.0.1:8786"
        ) from None
    except (OSError, TimeoutError) as error:
        waited = time.monotonic() - started
        raise WargameError(
            f"cannot reach the Dask scheduler at {shown} ({type(error).__name__} after "
            f"{waited:.0f} s); start one with `dask scheduler` or check the address"
        ) from None
    except Exception as error:  # distributed's own complaints about an address it took
        first = _printable(str(error).split("\n")[0])
        raise WargameError(
            f"cannot connect to the Dask scheduler at {shown} ({type(error).__name__}: "
            f"{first}); check the address: tcp://host:port, e.g. tcp://127.0.0.1:8786"
        ) from None


def _printable(text: str, most: int = 200) -> str:
    """Text from the command line or a library, safe in a one-line message: control
    characters escaped, cut to `most` characters."""
    safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return safe if len(safe) <= most else f"{safe[:most]}... ({len(text):,} characters)"
