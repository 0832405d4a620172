"""The JSON files the project reads back: saved game states and batch manifests.

Each is read like a scenario file: size and nesting limits, no duplicate keys or NaN
(`read_json`), then a typed schema; a state is also checked against the scenario
(`wargame.engine.snapshot`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from wargame.engine.snapshot import MAX_SEED, WHAT, Saved, check_snapshot
from wargame.errors import InputError
from wargame.files.atomic import read_json
from wargame.scenario.loading import Scenario
from wargame.scenario.problems import schema_problems
from wargame.scenario.yamlsafe import Located


def read_snapshot(
    path: str | Path, scenario: Scenario, *, any_variant: bool = False
) -> dict[str, Any]:
    """Read a state file and check it against the scenario; raise InputError naming the file."""
    data: dict[str, Any] = read_json(Path(path), what=WHAT)
    problems = check_snapshot(scenario, data, str(path), any_variant=any_variant)
    if problems:
        raise InputError(problems)
    return data


class Manifest(Saved):
    """`manifest.json` of a batch directory: what the batch is, so a resume can match it."""

    format: Literal["wargame-batch/1"]
    scenario: str
    scenario_sha256: str
    variants: list[str] = Field(min_length=1)
    overrides: list[str]
    runs: Annotated[int, Field(ge=1)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    sample: Literal["lhs", "random", "none"]
    chunk_size: Annotated[int, Field(ge=1)]
    trajectories: bool
    points_sha256: str | None
    replicates: Annotated[int, Field(ge=1)]
    from_state_sha256: str | None
    engine_version: str
    hindsight: list[str] = Field(default_factory=list)
    """Variants that know what was not known at the start: their results are no forecast."""
    design: dict[str, Any] | None
    seeds: str


def read_manifest(path: Path) -> dict[str, Any]:
    """Read a batch manifest and check its shape; raise InputError naming the file."""
    data = read_json(path, what="batch manifest")
    located = Located(data, {}, str(path))
    try:
        Manifest.model_validate(data)
    except ValidationError as error:
        hint = "it is not a batch manifest; pass --force to start the batch again"
        problems = schema_problems(located, data, error, root=Manifest)
        raise InputError(
            [
                dataclasses.replace(p, hint=p.hint if "Did you mean" in p.hint else hint)
                for p in problems
            ]
        ) from None
    result: dict[str, Any] = data
    return result
