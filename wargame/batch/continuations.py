"""Monte Carlo continuations of a game: from each of several saved states, many games played
on to the game's last turn, under one or more policy variants.

The after-action report's risk timeline asks this of the state at the start of every turn:
"from here, how likely was each outcome by the end?". The games go out in chunks through the
batch runner's executors (local processes or a Dask cluster). Run r of every state and every
variant plays with the same seed (common random numbers): a change across turns or variants
is the game's, not the dice's. Nothing is written to disk; the result is one table in memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from wargame.batch.executors import dispatch
from wargame.batch.runner import LOCKSTEP_CHUNK, MAX_CHUNK_ROWS, WORKERS_PER_CORE, usable_cores
from wargame.batch.spec import BatchSpec, chunk_count, chunks
from wargame.errors import WargameError

MAX_CONTINUATIONS = 10_000_000
"""States × runs × variants one call may play (a report's risk timeline is far below)."""
PROGRESS_STEPS = 10
"""Chunks at least (when there are games enough): progress is heard after every chunk."""


def play_continuations(
    scenario_name: str,
    scenario_text: str,
    states: Sequence[dict[str, Any]],
    *,
    variants: Sequence[str],
    runs: int,
    seed: int = 0,
    overrides: Sequence[str] = (),
    workers: int = 1,
    client: Any = None,
    on_progress: Callable[[int, int], None] | None = None,
    engine: Literal["auto", "reference"] = "auto",
) -> pa.Table:
    """One row per (state, run, variant): `state` (index into `states`), `run`, `variant`,
    `seed`, `error`, `turns`, and the batch columns (`outcome.*` is the turn an outcome first
    held, before or after the state, or null). `states` are `WargameModel.snapshot()`s of
    one scenario, already checked; each is played on to its own last turn. `on_progress`
    hears (games played, games in all) after every chunk. `engine` as for batches: "auto"
    plays them in lockstep where it can, "reference" one by one."""
    if runs < 1 or not states or not variants:
        raise WargameError("continuations need at least one state, one variant and one run")
    if len(states) * runs * len(variants) > MAX_CONTINUATIONS:
        raise WargameError(
            f"{len(states)} states x {runs} runs x {len(variants)} variants is more than "
            f"{MAX_CONTINUATIONS:,} games: give fewer runs"
        )
    total = len(states) * runs
    most = WORKERS_PER_CORE * usable_cores()
    width = max(1, min(workers, most)) if client is None else max(1, workers)
    spec = BatchSpec(
        scenario_name=scenario_name,
        scenario_text=scenario_text,
        variants=tuple(variants),
        overrides=tuple(overrides),
        runs=total,
        seed=seed,
        sample="none",
        chunk_size=continuation_chunk(runs, len(states), len(variants), width),
        from_states=tuple(states),
        replicates=runs,
        engine=engine,
    )
    parts: dict[int, pa.Table] = {}
    games = total * len(variants)
    if on_progress is not None:
        on_progress(0, games)

    def finished(start: int, result: tuple[pa.Table, pa.Table | None]) -> None:
        parts[start] = result[0]
        if on_progress is not None:
            on_progress(sum(part.num_rows for part in parts.values()), games)

    dispatch(spec, chunks(spec), chunk_count(spec), width, client, finished)
    table = pa.concat_tables([parts[start] for start in sorted(parts)])
    state = pc.divide(table.column("run"), runs)  # int64 / int64: integer division
    replicate = pc.subtract(table.column("run"), pc.multiply(state, runs))
    table = table.set_column(table.schema.get_field_index("run"), "run", replicate)
    return table.add_column(0, "state", state)


def continuation_chunk(runs: int, states: int, variants: int, width: int) -> int:
    """Runs of a chunk: a state's runs, or an even share of them. The lockstep engine plays
    the runs of a state together, so the more the faster (a report's risk timeline of 200
    runs took 22.4 s in chunks of 48 and 8.3 s in chunks of 200); but no more games than it
    plays well at once, and enough chunks that progress moves by a tenth at most (a bar on
    the dashboard) and that each worker has a few, so that the last ones end together."""
    most = max(1, min(LOCKSTEP_CHUNK, MAX_CHUNK_ROWS // variants))
    chunks = max(PROGRESS_STEPS, 4 * width)
    pieces = min(runs, max(math.ceil(runs / most), math.ceil(chunks / states)))
    return math.ceil(runs / pieces)
