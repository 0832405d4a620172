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
from wargame.engine.snapshot import MAX_SEED, MAX_TURN
from wargame.errors import InputError, Problem, RunError, WargameError
from wargame.files.atomic import (
    containers_in,
    json_size_problem,
    path_from,
    read_json,
    remove_left_temps,
    write_text,
)
from wargame.scenario.loading import Scenario, load_scenario, load_scenario_text
from wargame.scenario.problems import schema_problems
from wargame.scenario.yamlsafe import Located
from wargame.seminar.session import JournalEntry, LogEntry, Session, entry_to_json

SESSION_FORMAT = "wargame-session/1"
WHAT = "session"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioCopy(_Strict):
    """Which scenario the game is played on, and a copy of its text."""

    path: str
    """Where the scenario is, relative to the session file's folder (as written since the
    session files were first read from another folder; an older file's path, relative to the
    folder the game was started in, is still found from there)."""
    id: str
    variant: str | None
    sha256: str
    """Content hash of the scenario as loaded (variant applied)."""
    text: str = Field(max_length=2 * 1024 * 1024)


MAX_JOURNAL = 20_000
"""Journal entries a session file may hold: a 12-turn seminar gives about 200, a 100-turn one
with many interventions under 2,000. Resuming replays every entry against the scenario, so
the bound keeps a hostile file's replay within seconds."""


class MovesProgress(_Strict):
    """How far a game played from a moves file (`wargame play --moves`) had read it."""

    path: str
    sha256: str
    next: Annotated[int, Field(ge=0, le=MAX_JOURNAL)]
    """The index of the first entry not yet played when the file was written."""


class SessionData(_Strict):
    """The schema of a session file."""

    format: Literal["wargame-session/1"]
    scenario: ScenarioCopy
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    turns: Annotated[int, Field(ge=1, le=MAX_TURN)] | None
    controllers: dict[str, str]
    saved_at: str
    moves: MovesProgress | None = None
    journal: Annotated[list[JournalEntry], Field(max_length=MAX_JOURNAL)]
    log: Annotated[list[LogEntry], Field(max_length=2 * MAX_JOURNAL)]
    records: list[TurnRecord]


def session_to_json(
    session: Session, scenario_path: str | Path, text: str, moves: MovesProgress | None = None
) -> dict[str, Any]:
    """The session as plain JSON, with the scenario's text kept beside it."""
    data: dict[str, Any] = json.loads(
        SessionWriter(Path("session.json"), scenario_path, text).text(session)
    )
    data["moves"] = None if moves is None else moves.model_dump()
    return data


class SessionWriter:
    """Writes a session file atomically: what `Session.autosave` calls at every checkpoint.

    The file grows with the game and most of it never changes once written: every journal
    and log entry, every finished turn's record (none is changed once made). Each is encoded
    once and its text kept, keyed by the object, so a write encodes only what is new.
    `progress` (optional) tells how far a moves file had been read.
    """

    def __init__(
        self,
        path: Path,
        scenario_path: str | Path,
        scenario_text: str,
        progress: Callable[[], MovesProgress | None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.scenario_path = path_from(self.path.parent, scenario_path)
        self.scenario_text = scenario_text
        self.progress = progress
        self._encoded: dict[int, tuple[object, str]] = {}

    def __call__(self, session: Session) -> None:
        write_text(self.path, self.text(session))

    def text(self, session: Session) -> str:
        """The file's JSON text: indented, one journal or log entry a line."""
        scenario = session.scenario
        moves = self.progress() if self.progress is not None else None
        head = {
            "format": SESSION_FORMAT,
            "scenario": {
                "path": self.scenario_path,
                "id": scenario.id,
                "variant": scenario.variant,
                "sha256": scenario.content_hash,
                "text": self.scenario_text,
            },
            "seed": session.seed,
            "turns": session.turns,
            "controllers": dict(session.controllers),
            "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "moves": None if moves is None else moves.model_dump(),
        }
        kept: dict[int, tuple[object, str]] = {}

        def encoded(item: Any, make: Callable[[Any], Any], indent: int | None = None) -> str:
            hit = self._encoded.get(id(item))
            if hit is None or hit[0] is not item:
                text = json.dumps(make(item), indent=indent, allow_nan=False)
                # JSON strings hold no raw line breaks: these are layout only
                hit = (item, text.replace("\n", "\n  ") if indent else text)
            kept[id(item)] = hit
            return hit[1]

        journal = [encoded(e, entry_to_json) for e in session.journal]
        log = [encoded(e, dataclasses.asdict) for e in session.log]
        records = [encoded(r, TurnRecord.to_json, indent=1) for r in session.model.records]
        self._encoded = kept
        text = (
            json.dumps(head, indent=1, allow_nan=False)[:-2]
            + f",\n{_array('journal', journal)},\n{_array('log', log)},\n"
            + f"{_array('records', records)}\n}}\n"
        )
        problem = json_size_problem(len(text), containers_in(text), WHAT)
        if problem:
            raise RunError(
                f"cannot save {self.path}: {problem}. The game so far is in the file as last "
                "saved; play shorter games, or fewer turns per session"
            )
        return text


def _array(name: str, items: list[str]) -> str:
    if not items:
        return f' "{name}": []'
    return f' "{name}": [\n  ' + ",\n  ".join(items) + "\n ]"


def saver(
    path: Path,
    scenario_path: str | Path,
    text: str,
    progress: Callable[[], MovesProgress | None] | None = None,
) -> SessionWriter:
    """A writer of the session to `path` (what Session.autosave calls). Temp files that a
    killed writer of the same session left are removed first."""
    remove_left_temps(path)
    return SessionWriter(path, scenario_path, text, progress)


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


def scenario_location(session_path: Path, copy: ScenarioCopy) -> Path:
    """Where the session's scenario file is: its path from the session file's folder, or (a
    file written before paths were kept that way) from the current folder."""
    given = Path(copy.path)
    if given.is_absolute():
        return given
    beside = Path(session_path).parent / given
    return given if given.exists() and not beside.exists() else beside


def _scenario(path: Path, copy: ScenarioCopy, from_session: bool) -> Scenario:
    if from_session:
        return load_scenario_text(
            copy.text, file=f"{path} (scenario saved with it)", variant=copy.variant
        )
    location = scenario_location(path, copy)
    try:
        scenario = load_scenario(location, variant=copy.variant)
    except InputError as error:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"the scenario this game was played on cannot be loaded now: "
                    f"{error.problems[0]}",
                    f"put the scenario back at {location} (its place from the session "
                    "file's folder), or pass --scenario-from-session to go on with the copy "
                    "saved in the session",
                )
            ]
        ) from None
    if scenario.content_hash != copy.sha256:
        current = location.read_text(encoding="utf-8", errors="replace")
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"the scenario {location} has changed since this session was saved "
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
