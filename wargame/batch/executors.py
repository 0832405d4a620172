"""Where chunks are played: in this process, in local worker processes, or on a Dask cluster.

Each executor keeps a bounded number of chunks in flight, hands every result over as it
comes, and replaces a dead pool (or re-scatters after lost Dask workers) so that the
chunks in flight are played again.
"""

from __future__ import annotations

import functools
import multiprocessing
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pyarrow as pa

from wargame.batch import worker
from wargame.batch.spec import BatchSpec
from wargame.errors import RunError, WargameError

POOL_RESTARTS = 3
"""How often a pool whose worker died is replaced before the batch gives up (resumable)."""


def dispatch(
    spec: BatchSpec,
    todo: Sequence[tuple[int, int]],
    workers: int,
    client: Any,
    finished: Callable[[int, tuple[pa.Table, pa.Table | None]], None],
) -> None:
    """Play the chunks here, in local worker processes, or on a Dask cluster."""
    if client is None and (workers <= 1 or len(todo) <= 1):  # no pool for a single chunk
        for start, stop in todo:
            finished(start, worker.play_chunk(spec, start, stop))
        return
    if client is not None:
        _on_dask(spec, todo, client, finished)
        return
    done: set[int] = set()

    def record(start: int, result: tuple[pa.Table, pa.Table | None]) -> None:
        finished(start, result)
        done.add(start)

    context = multiprocessing.get_context("spawn")
    for attempt in range(1 + POOL_RESTARTS):
        left = [c for c in todo if c[0] not in done]
        # Workers ignore Ctrl-C: the main process stops them and keeps what has finished.
        try:
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=signal.signal,
                initargs=(signal.SIGINT, signal.SIG_IGN),
            ) as pool:
                _bounded(
                    left,
                    lambda s, e: pool.submit(worker.play_chunk, spec, s, e),
                    lambda futures: wait(futures, return_when=FIRST_COMPLETED).done,
                    record,
                    limit=2 * workers,
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


class _Lost(Exception):
    """Dask could not deliver a chunk's result (carries Dask's exception)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


def _on_dask(
    spec: BatchSpec,
    todo: Sequence[tuple[int, int]],
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

    done: set[int] = set()

    def record(start: int, chunk: tuple[pa.Table, pa.Table | None]) -> None:
        finished(start, chunk)
        done.add(start)

    def stopped(error: BaseException) -> RunError:
        # the first sentence: KilledWorker goes on with a link and the worker's address
        reason = str(error).split(". ")[0].strip() or "no details"
        return RunError(
            f"the Dask cluster lost work in flight ({type(error).__name__}: {reason}); the "
            "finished runs are kept: check the cluster and run the same command with --resume"
        )

    for attempt in range(1 + POOL_RESTARTS):
        left = [c for c in todo if c[0] not in done]
        try:
            if attempt:
                client.wait_for_workers(1, timeout=60)
            remote = client.scatter(spec, broadcast=True)
            limit = 2 * max(1, sum(client.nthreads().values()))
        except lost as error:
            raise stopped(error) from None
        submit = functools.partial(client.submit, worker.play_chunk, remote, pure=False)
        try:
            _bounded(left, submit, wait_first, record, limit=limit, result=result)
            return
        except _Lost as caught:  # (only Dask's own errors: not those of `finished`)
            cause = caught.error
            again = isinstance(cause, CancelledError)  # e.g. the scattered spec was lost
            if not again or attempt == POOL_RESTARTS:
                raise stopped(cause) from None


def _bounded(
    todo: Sequence[tuple[int, int]],
    submit: Callable[[int, int], Any],
    wait_first: Callable[[list[Any]], Any],
    finished: Callable[[int, Any], None],
    limit: int,
    result: Callable[[Any], Any] = lambda future: future.result(),
) -> None:
    """Keep at most `limit` chunks in flight; hand each result over as it comes, in any order."""
    pending = list(todo)[::-1]
    flight: dict[Any, int] = {}
    try:
        while pending or flight:
            while pending and len(flight) < limit:
                start, stop = pending.pop()
                flight[submit(start, stop)] = start
            for future in wait_first(list(flight)):
                finished(flight.pop(future), result(future))
    finally:
        for future in flight:
            future.cancel()


def connect(address: str, timeout: float = 10.0) -> Any:
    """A Dask client for a scheduler address; a clear error if it cannot be reached."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise WargameError("Dask's distributed package is not installed") from None
    started = time.monotonic()
    try:
        return Client(address, timeout=timeout)
    except ValueError as error:  # e.g. no port: distributed cannot parse the address
        raise WargameError(
            f"'{address}' is not a Dask scheduler address ({error}); "
            "write it as tcp://host:port, e.g. tcp://127.0.0.1:8786"
        ) from None
    except (OSError, TimeoutError) as error:
        waited = time.monotonic() - started
        raise WargameError(
            f"cannot reach the Dask scheduler at {address} ({type(error).__name__} after "
            f"{waited:.0f} s); start one with `dask scheduler` or check the address"
        ) from None
