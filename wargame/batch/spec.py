"""What a batch is: its spec, the seed of each run, its sample of uncertain numbers, its
columns and its chunks. Everything here is a pure function of the spec, so the main process
and every worker compute the same."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa

from wargame.batch.sampling import Design, Dimension, PointDesign
from wargame.engine.rng import derive_seed
from wargame.scenario.loading import Scenario, load_scenario_text
from wargame.scenario.schema import NO_VARIANT

BASE = NO_VARIANT
"""The variant name that means the scenario as written, with no variant applied."""


@dataclass(frozen=True)
class BatchSpec:
    """Everything a worker needs to play its chunks; the same for every chunk (picklable)."""

    scenario_name: str
    scenario_text: str
    variants: tuple[str, ...]
    overrides: tuple[str, ...]
    runs: int
    seed: int
    sample: str
    chunk_size: int
    trajectories: bool = False
    from_state: dict[str, Any] | None = None
    points: tuple[tuple[float, ...], ...] | None = None
    """Given points to play instead of a sample (sensitivity designs), `replicates` each:
    run r plays point r // replicates with the seed of run r % replicates."""
    point_names: tuple[str, ...] = ()
    replicates: int = 1
    from_states: tuple[dict[str, Any], ...] = ()
    """Several states to continue, `replicates` runs each (run r plays state r // replicates
    with the seed of run r % replicates: the same dice from every state, common random
    numbers across states as across variants). Used by continuations, not by batches."""
    hindsight: tuple[str, ...] = ()
    """The hindsight variants among `variants` (played only when allowed; marked)."""
    engine: Literal["auto", "reference"] = "auto"
    """"auto": the lockstep engine plays what it can, the reference engine the rest; or the
    reference engine everything. Left out of the fingerprint: both give the same rows."""

    def fingerprint(self) -> dict[str, Any]:
        """What must match for a directory to be resumed with this batch (continuations of
        several states are played in memory, never resumed: they add a key of their own)."""
        found = {
            "scenario": self.scenario_name,
            "scenario_sha256": hashlib.sha256(self.scenario_text.encode()).hexdigest(),
            "variants": list(self.variants),
            "overrides": list(self.overrides),
            "runs": self.runs,
            "seed": self.seed,
            "sample": self.sample,
            "chunk_size": self.chunk_size,
            "trajectories": self.trajectories,
            # with "common seeds": a design folder of before they were shared is not resumed
            "points_sha256": None
            if self.points is None
            else hashlib.sha256(
                repr((self.point_names, self.points, "common seeds")).encode()
            ).hexdigest(),
            "replicates": self.replicates,
            "from_state_sha256": None
            if self.from_state is None
            else hashlib.sha256(json.dumps(self.from_state, sort_keys=True).encode()).hexdigest(),
        }
        if self.from_states:
            text = json.dumps(self.from_states, sort_keys=True)
            found["from_states_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        return found


def run_seed(batch_seed: int, run: int) -> int:
    """The game seed of run `run`: the same for every variant (common random numbers)."""
    return derive_seed(batch_seed, "run", run)


def game_seed(spec: BatchSpec, run: int) -> int:
    """The seed run `run` of the batch plays with. Replicate r of every design point, and of
    every state continued, has the seed of run r: common random numbers across the points,
    so the difference between two points of a design is their numbers', not the dice's
    (an uncertain number with no effect moves nothing at all)."""
    shared = spec.from_states or spec.points is not None
    return run_seed(spec.seed, run % spec.replicates if shared else run)


_LOADED: dict[tuple[str, str, tuple[str, ...]], Scenario] = {}


def scenario_of(spec: BatchSpec, variant: str) -> Scenario:
    key = (hashlib.sha256(spec.scenario_text.encode()).hexdigest(), variant, spec.overrides)
    if key not in _LOADED:
        _LOADED[key] = load_scenario_text(
            spec.scenario_text,
            file=spec.scenario_name,
            variant=None if variant == BASE else variant,
            overrides=spec.overrides,
        )
    return _LOADED[key]


def design(spec: BatchSpec) -> Design | PointDesign | None:
    """The batch's sample of uncertain numbers (None when nothing is sampled)."""
    if spec.points is not None:
        ranges = {u.path: u for v in spec.variants for u in scenario_of(spec, v).sampled}
        given = [Dimension(n, ranges[n].low, ranges[n].high) for n in spec.point_names]
        return PointDesign(given, spec.points, spec.replicates)
    if spec.sample == "none" or spec.from_state is not None or spec.from_states:
        return None
    dims: dict[str, Dimension] = {}
    for variant in spec.variants:
        for u in scenario_of(spec, variant).sampled:
            dims.setdefault(u.path, Dimension(u.path, u.low, u.high))
    if not dims:
        return None
    method: Literal["lhs", "random"] = "random" if spec.sample == "random" else "lhs"
    return Design(list(dims.values()), spec.runs, derive_seed(spec.seed, "design"), method)


def columns(spec: BatchSpec) -> pa.Schema:
    """The runs table's columns, fixed for the batch so every part has the same schema."""
    first = scenario_of(spec, spec.variants[0])
    fields: list[pa.Field] = [
        pa.field("run", pa.int64()),
        pa.field("variant", pa.string()),
        pa.field("seed", pa.int64()),
        pa.field("error", pa.string()),
        pa.field("turns", pa.int32()),
        pa.field("escalation", pa.float64()),
    ]
    sample = design(spec)
    if sample is not None:
        fields += [pa.field(f"in.{d.name}", pa.float64()) for d in sample.dimensions]
    program = first.program
    fields += [pa.field(f"outcome.{o[0]}", pa.int32()) for o in program.outcomes]
    keys = sorted(
        {
            *program.actions,
            *(f"{a}.{b.name}" for a, act in program.actions.items() for b in act.branches),
        }
    )
    fields += [pa.field(f"count.{k}", pa.int32()) for k in keys]
    fields += [pa.field(f"final.{v}", pa.float64()) for v in program.initial.vars]
    fields += [
        pa.field(f"final.{a}.{k}", pa.float64())
        for a, attrs in program.initial.attrs.items()
        for k in attrs
    ]
    return pa.schema(fields)


def chunks(spec: BatchSpec, skip: Container[int] = ()) -> Iterator[tuple[int, int]]:
    """The run ranges the batch is cut into (fixed by runs and chunk size, for resume), in
    order, one at a time: a batch of 10**12 runs never holds its list of chunks. Chunks whose
    first run is in `skip` (finished ones) are left out."""
    size = spec.chunk_size
    return ((s, min(s + size, spec.runs)) for s in range(0, spec.runs, size) if s not in skip)


def chunk_count(spec: BatchSpec) -> int:
    """How many chunks the batch is cut into."""
    return -(-spec.runs // spec.chunk_size)
