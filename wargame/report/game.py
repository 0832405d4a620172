"""The game a report is about, read from a session file (`wargame play --session`) or from
`wargame run --json` output, and checked as untrusted input.

The report is made from the records alone: a session file holds a copy of its scenario
(for labels and descriptions), a run file names its scenario, which must still hash the
same. Only the risk timeline replays a game (`states_at_turn_starts`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wargame.engine.records import RUN_FORMAT, TurnRecord
from wargame.engine.snapshot import MAX_SEED
from wargame.errors import InputError, Problem
from wargame.files.atomic import read_json
from wargame.scenario.loading import Scenario, load_scenario, load_scenario_text
from wargame.scenario.problems import schema_problems
from wargame.scenario.yamlsafe import Located
from wargame.seminar.session import LogEntry
from wargame.seminar.sessionfile import SESSION_FORMAT, SessionData, read_session

WHAT = "game record (a session file from `wargame play --session` or `wargame run --json`)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunScenario(_Strict):
    """Which scenario a `wargame run --json` file played."""

    path: str
    id: str
    variant: str | None
    overrides: list[str] = Field(default_factory=list, max_length=10_000)
    sha256: str
    hindsight: bool = False
    """Written (true) for a hindsight variant: the game is not a forecast."""


class RunSummary(BaseModel):
    """The part of a run's summary the report reads (the rest is kept as written)."""

    model_config = ConfigDict(extra="allow")
    seed: int = Field(ge=0, le=MAX_SEED)
    variant: str | None


class RunData(_Strict):
    """The schema of a `wargame run --json` file."""

    format: Literal["wargame-run/1"]
    scenario: RunScenario
    summary: RunSummary
    records: list[TurnRecord] = Field(max_length=100_000)


@dataclass
class Game:
    """A played game as the report needs it."""

    kind: Literal["session", "run"]
    path: Path
    scenario: Scenario
    scenario_text: str
    """The scenario file's text (continuations load it again in each worker)."""
    overrides: tuple[str, ...]
    seed: int
    records: list[TurnRecord]
    log: list[LogEntry] = field(default_factory=list)
    """The facilitator log (a session's): every input and undo, with its reason."""
    session: SessionData | None = None

    @property
    def variant(self) -> str | None:
        return self.scenario.variant


def read_game(path: Path, scenario_file: Path | None = None) -> Game:
    """The game in `path`; any problem is an InputError naming the file (exit 2)."""
    path = Path(path)
    data = read_json(path, what=WHAT)
    kind = data.get("format") if isinstance(data, dict) else None
    if kind == SESSION_FORMAT:
        return _from_session(path, read_session(path), scenario_file)
    if kind == RUN_FORMAT:
        return _from_run(path, data, scenario_file)
    located = Located(data, {}, str(path))
    raise InputError(
        [
            located.problem(
                (),
                f"not a game record (expected format '{SESSION_FORMAT}' or '{RUN_FORMAT}')",
                "pass a session file (wargame play --session) or the output of "
                "wargame run --json (written by this version)",
            )
        ]
    )


def _from_session(path: Path, saved: SessionData, scenario_file: Path | None) -> Game:
    copy = saved.scenario
    text = copy.text
    if scenario_file is not None:
        scenario, text = _checked(path, scenario_file, copy.variant, (), copy.sha256)
    else:
        scenario = load_scenario_text(
            copy.text, file=f"{path} (scenario saved with it)", variant=copy.variant
        )
    records, log = list(saved.records), list(saved.log)
    return Game("session", path, scenario, text, (), saved.seed, records, log, saved)


def _from_run(path: Path, data: Any, scenario_file: Path | None) -> Game:
    try:
        run = RunData.model_validate(data)
    except ValidationError as error:
        located = Located(data, {}, str(path))
        raise InputError(schema_problems(located, data, error, root=RunData)) from None
    named = run.scenario
    where = scenario_file if scenario_file is not None else path.parent / named.path
    overrides = tuple(named.overrides)
    scenario, text = _checked(path, where, named.variant, overrides, named.sha256)
    return Game("run", path, scenario, text, overrides, run.summary.seed, list(run.records))


def _checked(
    path: Path, where: Path, variant: str | None, overrides: tuple[str, ...], sha256: str
) -> tuple[Scenario, str]:
    """The scenario at `where` and its text; it must be the one the game was played on."""

    def refuse(message: str) -> InputError:
        return InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    message,
                    "give the scenario the game was played on with --scenario FILE",
                )
            ]
        )

    try:
        scenario = load_scenario(where, variant=variant, overrides=overrides)
    except InputError as error:
        raise refuse(
            f"the scenario {os.path.normpath(where)} cannot be loaded: {error.problems[0]}"
        ) from None
    if scenario.content_hash != sha256:
        raise refuse(
            f"the scenario {os.path.normpath(where)} is not the one this game was played on "
            "(its content has changed)"
        )
    return scenario, Path(where).read_text(encoding="utf-8")
