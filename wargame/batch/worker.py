"""What a worker runs: play a chunk of runs of every variant, one row per (run, variant).

Tasks name `play_chunk` by reference (module and name), so a process or Dask worker that
unpickles one runs this module's `play_chunk`.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from wargame.batch.sampling import Design, PointDesign
from wargame.batch.spec import BatchSpec, columns, design, game_seed, scenario_of
from wargame.engine.model import WargameModel
from wargame.scenario.loading import Scenario


def play_chunk(spec: BatchSpec, start: int, stop: int) -> tuple[pa.Table, pa.Table | None]:
    """Play runs [start, stop) of every variant; one row per (run, variant)."""
    schema, sample = _prepared(spec)
    scenarios = {v: scenario_of(spec, v) for v in spec.variants}
    sampled = {v: frozenset(u.path for u in s.sampled) for v, s in scenarios.items()}
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for run in range(start, stop):
        seed = game_seed(spec, run)
        values = sample.values(run) if sample is not None else {}
        for variant, scenario in scenarios.items():
            row: dict[str, Any] = {"run": run, "variant": variant, "seed": seed}
            row |= {f"in.{k}": v for k, v in values.items()}
            try:
                inputs = {k: v for k, v in values.items() if k in sampled[variant]}
                model = _game(spec, run, scenario, seed, inputs if values else None)
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
    table = pa.Table.from_pylist(rows, schema=schema)
    for i, name in enumerate(schema.names):
        if name.startswith("count."):  # an action never taken has no count: 0, not missing
            table = table.set_column(i, schema.field(i), pc.fill_null(table.column(i), 0))
    return table, (pa.Table.from_pylist(steps) if spec.trajectories and steps else None)


def _game(
    spec: BatchSpec, run: int, scenario: Scenario, seed: int, inputs: dict[str, float] | None
) -> WargameModel:
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


def summary_row(summary: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "turns": summary["turns_played"],
        "escalation": summary["escalation_total"],
    }
    row |= {f"outcome.{k}": v for k, v in summary["outcomes"].items()}
    row |= {f"count.{k}": v for k, v in summary["counts"].items()}
    row |= {f"final.{k}": v for k, v in summary["final"]["variables"].items()}
    for actor, attrs in summary["final"]["attributes"].items():
        row |= {f"final.{actor}.{k}": v for k, v in attrs.items()}
    return row


def _step_row(run: int, variant: str, model: WargameModel) -> dict[str, Any]:
    return {"run": run, "variant": variant, "turn": model.state.turn, **model.state.vars}
