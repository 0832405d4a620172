"""The session file: a live game saved after every phase, read back as untrusted input.

Human-readable JSON: the scenario (its path, content hash, variant and a copy of its text),
the seed, who controls which team, the journal of every input with its reason and time, the
facilitator log and every turn record. Resuming replays the journal on the scenario and seed,
which rebuilds the game exactly (random streams included), and checks that the replay gives
the records the file holds. A session whose scenario file has changed since is refused with
what changed, unless told to continue on the copy saved with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wargame.engine.records import TurnRecord, turn_records_to_json
from wargame.errors import InputError, Problem, RunError, WargameError
from wargame.files.atomic import read_json, write_json
from wargame.scenario.loading import Scenario, load_scenario, load_scenario_text
from wargame.scenario.problems import schema_problems
from wargame.scenario.yamlsafe import Located
from wargame.seminar.session import JournalEntry, LogEntry, Session, journal_to_json

SESSION_FORMAT = "wargame-session/1"
WHAT = "session file"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioCopy(_Strict):
    """Which scenario the game is played on, and a copy of its text."""

    path: str
    id: str
    variant: str | None
    sha256: str
    """Content hash of the scenario as loaded (variant applied)."""
    text: str = Field(max_length=2 * 1024 * 1024)


class SessionData(_Strict):
    """The schema of a session file."""

    format: Literal["wargame-session/1"]
    scenario: ScenarioCopy
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    turns: Annotated[int, Field(ge=1, le=100_000)] | None
    controllers: dict[str, str]
    journal: list[JournalEntry]
    log: list[LogEntry]
    records: list[TurnRecord]
    saved_at: str


def session_to_json(session: Session, scenario_path: str | Path, text: str) -> dict[str, Any]:
    """The session as plain JSON, with the scenario's text kept beside it."""
    scenario = session.scenario
    return {
        "format": SESSION_FORMAT,
        "scenario": {
            "path": str(scenario_path),
            "id": scenario.id,
            "variant": scenario.variant,
            "sha256": scenario.content_hash,
            "text": text,
        },
        "seed": session.seed,
        "turns": session.turns,
        "controllers": dict(session.controllers),
        "journal": journal_to_json(session.journal),
        "log": [dataclasses.asdict(entry) for entry in session.log],
        "records": turn_records_to_json(session.model.records),
        "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def saver(path: Path, scenario_path: str | Path, text: str) -> Callable[[Session], None]:
    """A function that writes the session atomically to `path` (what Session.autosave calls)."""

    def save(session: Session) -> None:
        write_json(path, session_to_json(session, scenario_path, text))

    return save


def read_session(path: Path) -> SessionData:
    """Read and check a session file's shape; any problem is an InputError naming the file."""
    data = read_json(path, what=WHAT)
    located = Located(data, {}, str(path))
    if not isinstance(data, dict) or data.get("format") != SESSION_FORMAT:
        raise InputError(
            [
                located.problem(
                    (),
                    f"not a session file (expected format '{SESSION_FORMAT}')",
                    "pass a file written by `wargame play --session`",
                )
            ]
        )
    try:
        return SessionData.model_validate(data)
    except ValidationError as error:
        raise InputError(schema_problems(located, data, error, root=SessionData)) from None


def load_session(
    path: Path, *, scenario_from_session: bool = False, check_records: bool = True
) -> tuple[Session, SessionData]:
    """Rebuild the game a session file holds, by replaying its journal.

    The scenario is read from its path, and refused if it changed since (or, with
    `scenario_from_session`, taken from the copy in the file). With `check_records`, a replay
    that does not give the records the file holds is a RunError naming the first difference.
    """
    saved = read_session(path)
    copy = saved.scenario
    scenario = _scenario(path, copy, scenario_from_session)
    try:
        session = Session.replay(
            scenario,
            seed=saved.seed,
            turns=saved.turns,
            controllers=saved.controllers,
            journal=saved.journal,
        )
    except WargameError as error:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    str(error),
                    "the session file was edited or damaged: restore it from a copy",
                )
            ]
        ) from None
    session.log = list(saved.log)
    if check_records:
        difference = first_difference(
            turn_records_to_json(saved.records), turn_records_to_json(session.model.records)
        )
        if difference:
            raise RunError(f"{path}: replaying the journal does not give its records: {difference}")
    return session, saved


def _scenario(path: Path, copy: ScenarioCopy, from_session: bool) -> Scenario:
    if from_session:
        return load_scenario_text(
            copy.text, file=f"{path} (scenario saved with it)", variant=copy.variant
        )
    scenario = load_scenario(copy.path, variant=copy.variant)
    if scenario.content_hash != copy.sha256:
        current = Path(copy.path).read_text(encoding="utf-8", errors="replace")
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"the scenario {copy.path} has changed since this session was saved "
                    f"({changed_lines(copy.text, current)})",
                    "restore the scenario file, or pass --scenario-from-session to go on "
                    "with the copy saved in the session",
                )
            ]
        )
    return scenario


def changed_lines(before: str, after: str, most: int = 3) -> str:
    """'line 12: "x: 1" -> "x: 2"; ...' for the first changed lines of two texts."""
    parts = []
    old_lines, new_lines = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old = " / ".join(old_lines[a0:a1])[:60]
        new = " / ".join(new_lines[b0:b1])[:60]
        parts.append(f'line {a0 + 1}: "{old}" -> "{new}"')
        if len(parts) == most:
            break
    return "; ".join(parts) or "its variant or content differ"


def first_difference(expected: Any, got: Any, place: str = "records") -> str:
    """Where two JSON documents first differ, as 'records[3].phases[0]...: X != Y', or ''."""
    if type(expected) is not type(got):
        return f"{place}: {_short(expected)} != {_short(got)}"
    if isinstance(expected, dict):
        for key in list(expected) + [k for k in got if k not in expected]:
            if key not in got or key not in expected:
                return f"{place}.{key}: present in only one"
            found = first_difference(expected[key], got[key], f"{place}.{key}")
            if found:
                return found
        return ""
    if isinstance(expected, list):
        for i, (a, b) in enumerate(zip(expected, got, strict=False)):
            found = first_difference(a, b, f"{place}[{i}]")
            if found:
                return found
        if len(expected) != len(got):
            return f"{place}: {len(expected)} items saved, {len(got)} replayed"
        return ""
    return "" if expected == got else f"{place}: saved {_short(expected)}, replayed {_short(got)}"


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
