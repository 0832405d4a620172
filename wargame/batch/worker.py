"""What a worker runs: play a chunk of runs of every variant, one row per (run, variant).

Tasks name `play_chunk` by reference (module and name), so a process or Dask worker that
unpickles one runs this module's `play_chunk`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from wargame.batch.memory import give_back
from wargame.batch.sampling import Design, PointDesign
from wargame.batch.spec import BatchSpec, columns, design, game_seed, scenario_of
from wargame.engine import lockstep
from wargame.engine.lockstep import summary_row
from wargame.scenario.loading import Scenario

if TYPE_CHECKING:
    from wargame.engine.model import WargameModel


def play_chunk(spec: BatchSpec, start: int, stop: int) -> tuple[pa.Table, pa.Table | None]:
    """Play runs [start, stop) of every variant; one row per (run, variant)."""
    give_back()  # what the last chunk took (its table has been sent)
    schema, sample = _prepared(spec)
    runs = range(start, stop)
    names = [d.name for d in sample.dimensions] if sample is not None else []
    table_of_values = sample.table(runs) if sample is not None else None
    seeds = [game_seed(spec, run) for run in runs]
    counts = [name for name in schema.names if name.startswith("count.")]
    tables: list[pa.Table] = []
    steps: list[dict[str, Any]] = []
    for variant in spec.variants:
        scenario = scenario_of(spec, variant)
        table = None
        if engine_of(spec, variant) == "lockstep":
            table = _lockstep_table(
                spec, schema, scenario, variant, runs, seeds, names, table_of_values
            )
        if table is None:  # the reference engine, game by game
            values = (
                [dict(zip(names, row, strict=True)) for row in table_of_values.tolist()]
                if table_of_values is not None
                else [{} for _ in runs]
            )
            rows = _reference_rows(spec, scenario, variant, runs, seeds, values, steps)
            for row in rows:  # an action never taken counts 0, not missing
                row |= {name: 0 for name in counts if row.get(name) is None}
            table = pa.Table.from_pylist(rows, schema=schema)
        tables.append(table)
    table = _interleaved(schema, tables, len(runs))
    return table, (pa.Table.from_pylist(steps) if spec.trajectories and steps else None)


def _interleaved(schema: pa.Schema, tables: list[pa.Table], runs: int) -> pa.Table:
    """One row per (run, variant), runs in order and the variants of each run together.
    Column by column, each variant's column let go once copied, so that a chunk is held
    about once rather than twice."""
    width = len(tables)
    order = arrow(np.arange(runs * width).reshape(width, runs).T.ravel(), pa.int64())
    held: list[list[pa.ChunkedArray | None]] = [list(table.columns) for table in tables]
    tables.clear()
    out = []
    for i, field in enumerate(schema):
        chunks = []
        for variant in held:
            part, variant[i] = variant[i], None
            assert part is not None
            chunks += part.chunks
        column = pa.chunked_array(chunks, type=field.type)
        del chunks
        out.append(column.take(order) if width > 1 else column)
    return pa.Table.from_arrays(out, schema=schema)


NUMPY_TYPES = {pa.int32(): np.int32, pa.int64(): np.int64, pa.float64(): np.float64}
"""The numpy type of each Arrow type of the batch's numeric columns."""


def arrow(values: Any, kind: pa.DataType, valid: Any = None) -> pa.Array:
    """Numbers as an Arrow array of `kind` (null where `valid` is False), built from their
    buffers: `pa.array` would load pandas (~45 MiB a worker) to look for pandas objects."""
    data = np.ascontiguousarray(values, dtype=NUMPY_TYPES[kind])
    if valid is None:
        return pa.Array.from_buffers(kind, len(data), [None, pa.py_buffer(data)], null_count=0)
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    nulls = len(data) - int(np.count_nonzero(valid))
    return pa.Array.from_buffers(kind, len(data), [bitmap, pa.py_buffer(data)], null_count=nulls)


def repeated(text: str, times: int) -> pa.Array:
    """The same text `times` times as an Arrow string array (without `pa.array`: above)."""
    encoded = text.encode()
    offsets = np.arange(times + 1, dtype=np.int32) * len(encoded)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(encoded * times)]
    return pa.Array.from_buffers(pa.string(), times, buffers, null_count=0)


def engine_of(spec: BatchSpec, variant: str) -> str:
    """Which engine plays this variant's games: the lockstep engine when the spec allows it
    and it plays the scenario (and no turn-by-turn rows are asked for), else the reference."""
    if spec.engine == "reference" or spec.trajectories:
        return "reference"
    return "lockstep" if lockstep_refusal(spec, variant) is None else "reference"


def lockstep_refusal(spec: BatchSpec, variant: str) -> str | None:
    """Why the lockstep engine does not play this variant of the batch (None if it does)."""
    return lockstep.supported(scenario_of(spec, variant))


def _lockstep_table(
    spec: BatchSpec,
    schema: pa.Schema,
    scenario: Scenario,
    variant: str,
    runs: range,
    seeds: list[int],
    names: list[str],
    values: Any,
) -> pa.Table | None:
    """The rows of one variant's games played in lockstep (None if that fails: the
    reference engine then plays them, and reports any game that fails there). `values`
    holds the sampled numbers, a row per run and a column per name (None: none sampled)."""
    sampled = {u.path for u in scenario.sampled}
    inputs = None
    if values is not None:
        inputs = {name: values[:, i] for i, name in enumerate(names) if name in sampled}
    try:
        results = _lockstep_columns(spec, scenario, runs, seeds, inputs)
    except Exception:  # the reference engine is the definition: let it play, and judge
        return None
    size = len(runs)
    columns: dict[str, Any] = {
        "run": np.arange(runs.start, runs.stop, dtype=np.int64),
        "seed": seeds,
    }
    for i, name in enumerate(names):
        columns[f"in.{name}"] = values[:, i]
    columns |= results
    arrays = []
    for field in schema:
        found = columns.get(field.name)
        if field.name == "variant":
            arrays.append(repeated(variant, size))
        elif field.name.startswith("count.") and found is None:  # an action never taken
            arrays.append(arrow(np.zeros(size), field.type))
        elif found is None:
            arrays.append(pa.nulls(size, field.type))
        elif field.name.startswith("outcome."):
            arrays.append(arrow(found, field.type, valid=found != 0))
        else:
            arrays.append(arrow(found, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _lockstep_columns(
    spec: BatchSpec,
    scenario: Scenario,
    runs: range,
    seeds: list[int],
    inputs: dict[str, Any] | None,
) -> dict[str, Any]:
    """The result columns of the runs, played in lockstep: from the scenario's start, or
    each group of runs that continues the same saved game together."""
    if spec.from_state is None and not spec.from_states:
        return lockstep.play(scenario, seeds, inputs).columns
    # a batch plays on to the scenario's end; continuations to the game's own
    turns = None if spec.from_states else scenario.spec.scenario.turns
    parts: list[dict[str, Any]] = []
    first = 0
    while first < len(runs):
        state = (runs[first] // spec.replicates) if spec.from_states else 0
        last = first
        while last < len(runs) and (not spec.from_states or runs[last] // spec.replicates == state):
            last += 1
        saved = spec.from_states[state] if spec.from_states else spec.from_state
        assert saved is not None
        start = lockstep.Start(saved, turns)
        parts.append(lockstep.play(scenario, seeds[first:last], None, start).columns)
        first = last
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _reference_rows(
    spec: BatchSpec,
    scenario: Scenario,
    variant: str,
    runs: range,
    seeds: list[int],
    values: list[dict[str, float]],
    steps: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The rows of one variant's games played one by one by the reference engine."""
    sampled = frozenset(u.path for u in scenario.sampled)
    rows: list[dict[str, Any]] = []
    for run, seed, given in zip(runs, seeds, values, strict=True):
        row: dict[str, Any] = {"run": run, "variant": variant, "seed": seed}
        row |= {f"in.{k}": v for k, v in given.items()}
        try:
            own = {k: v for k, v in given.items() if k in sampled}
            model = _game(spec, run, scenario, seed, own if given else None)
            try:
                while model.running:
                    model.step()
                    if spec.trajectories:
                        steps.append(_step_row(run, variant, model))
                row |= summary_row(model.summary())
            finally:
                model.release()  # a failed game too: mesa 3.3 would keep it alive
        except Exception as error:  # one failed game must not lose the others
            row["error"] = f"{type(error).__name__}: {error}"
        rows.append(row)
    return rows


def _game(
    spec: BatchSpec, run: int, scenario: Scenario, seed: int, inputs: dict[str, float] | None
) -> WargameModel:
    # (mesa and with it pandas and scipy, ~90 MiB a process: loaded only when the reference
    # engine plays, not by a worker that plays every game in lockstep)
    from wargame.engine.model import WargameModel

    state = spec.from_states[run // spec.replicates] if spec.from_states else spec.from_state
    if state is not None:
        # Play on to the scenario's last turn (restore stops at a terminal outcome).
        model = WargameModel.restore(
            scenario,
            state,
            record=False,
            check=False,  # checked once, in run()
            # a batch plays on to the scenario's end; continuations to the game's own
            turns=None if spec.from_states else scenario.spec.scenario.turns,
            any_variant=True,
        )
        return model.reseed(seed)
    return WargameModel(scenario, seed=seed, record=False, inputs=inputs)


_PREPARED: dict[str, tuple[pa.Schema, Design | PointDesign | None]] = {}


def _prepared(spec: BatchSpec) -> tuple[pa.Schema, Design | PointDesign | None]:
    """The batch's columns and design, built once per worker process (not per chunk)."""
    key = json.dumps(spec.fingerprint(), sort_keys=True)
    if key not in _PREPARED:
        _PREPARED.clear()
        _PREPARED[key] = (columns(spec), design(spec))
    return _PREPARED[key]


def _step_row(run: int, variant: str, model: WargameModel) -> dict[str, Any]:
    return {"run": run, "variant": variant, "turn": model.state.turn, **model.state.vars}
