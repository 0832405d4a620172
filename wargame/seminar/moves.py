"""A moves file: a seminar played without a keyboard (scripts, rehearsals, tests).

`wargame play --moves MOVES.yaml` reads the human teams' moves and votes and the
facilitator's interventions from a YAML file (format `wargame-moves/1`, documented in
docs/seminar.md), entry by entry in the order the game reaches them. Each entry names its turn
and phase; phases no entry names are played without input (agents and doctrines decide, the
plan is accepted). The file is untrusted input: the project's safe YAML loader, a typed
schema with "did you mean", and every name checked by the game itself when the entry is
played. An entry that does not fit the game stops it with the file, line and turn; the
session file then holds the game as at the last checkpoint before that entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wargame.errors import InputError, Problem, WargameError
from wargame.scenario.problems import schema_problems
from wargame.scenario.yamlsafe import Located, load_yaml
from wargame.seminar.session import Session
from wargame.seminar.sessionfile import MovesProgress

MOVES_FORMAT = "wargame-moves/1"
WHAT = "moves file"
TURN_START, TURN_END = "turn start", "turn end"
"""Two moments that are not phases: before the turn begins (its injects can be forced or
re-rolled there) and after its last phase (an inject can be added there)."""

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Reason = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Change(_Strict):
    """One state change of an ad-hoc event, written as a scenario's effects are."""

    target: Text
    """'tension', 'NK.capability' or 'US->JP.trust'."""
    add: float | None = None
    mul: float | None = None
    set: float | None = None

    def _given(self) -> list[tuple[str, float]]:
        operations = {"add": self.add, "mul": self.mul, "set": self.set}
        return [(op, value) for op, value in operations.items() if value is not None]

    @model_validator(mode="after")
    def _one_operation(self) -> Change:
        given = [op for op, _ in self._given()]
        if len(given) != 1:
            raise ValueError(f"give exactly one of add, mul, set (got {given or 'none'})")
        return self

    def triple(self) -> tuple[str, str, float]:
        """(target, operation, value), as `Session.add_inject` takes it."""
        op, value = self._given()[0]
        return self.target, op, float(value)


class Signal(_Strict):
    """The resolve an ad-hoc event signals: who to whom, how strongly (0 to 1)."""

    sender: Text = Field(alias="from")
    to: Text
    strength: Annotated[float, Field(ge=0, le=1)]


KINDS = ("force", "reroll", "replace", "inject", "event", "hand_over")
COMPANIONS: dict[str, tuple[str, ...]] = {
    "force": ("result",),
    "reroll": (),
    "replace": ("moves",),
    "inject": (),
    "event": ("effects", "signal"),
    "hand_over": ("to",),
}
NEEDED = {"force": "result", "replace": "moves", "hand_over": "to"}


class Act(_Strict):
    """One facilitator intervention, with its reason. Exactly one of:
    `force: KEY` with `result:`; `reroll: KEY`; `replace: TEAM` with `moves: [ids]`;
    `inject: ID` (one of the scenario's); `event: TEXT` with `effects:` (and `signal:`);
    `hand_over: TEAM` with `to: human | agent | script:DOCTRINE`."""

    force: Text | None = None
    result: Text | None = None
    reroll: Text | None = None
    replace: Text | None = None
    moves: list[Text] | None = None
    inject: Text | None = None
    event: Text | None = None
    effects: list[Change] = Field(default=[], max_length=100)
    signal: Signal | None = None
    hand_over: Text | None = None
    to: Text | None = None
    reason: Reason

    def _kinds(self) -> list[str]:
        named = {
            "force": self.force,
            "reroll": self.reroll,
            "replace": self.replace,
            "inject": self.inject,
            "event": self.event,
            "hand_over": self.hand_over,
        }
        return [kind for kind, value in named.items() if value is not None]

    @model_validator(mode="after")
    def _one_kind(self) -> Act:
        given = self._kinds()
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(KINDS)} (got {', '.join(given) or 'none'})"
            )
        kind = given[0]
        companions: dict[str, object] = {
            "result": self.result,
            "moves": self.moves,
            "to": self.to,
            "signal": self.signal,
        }
        if kind in NEEDED and companions[NEEDED[kind]] is None:
            raise ValueError(f"'{kind}' needs '{NEEDED[kind]}'")
        stray = [
            name
            for name, value in companions.items()
            if value is not None and name not in COMPANIONS[kind]
        ]
        if self.effects and kind != "event":
            stray.append("effects")
        if stray:
            raise ValueError(f"'{stray[0]}' does not go with '{kind}'")
        return self

    @property
    def kind(self) -> str:
        return self._kinds()[0]


class Undo(_Strict):
    """Go back `steps` checkpoints instead of applying the phase (1: its start)."""

    steps: Annotated[int, Field(ge=1, le=1000)]
    reason: Reason


class Entry(_Strict):
    """What happens at one phase of one turn, in this order: `start` (interventions before
    anyone decides), the human teams' `moves`, the human voters' `votes`, `review`
    (interventions on the plan, before it is applied); then the phase is applied, or, with
    `undo`, taken back instead."""

    turn: Annotated[int, Field(ge=1, le=100_000)]
    phase: Text
    start: list[Act] = Field(default=[], max_length=100)
    moves: dict[str, list[Text]] | None = None
    votes: dict[str, dict[str, Text]] | None = None
    review: list[Act] = Field(default=[], max_length=100)
    undo: Undo | None = None


class MovesData(_Strict):
    """The schema of a moves file."""

    format: Literal["wargame-moves/1"]
    entries: Annotated[list[Entry], Field(max_length=10_000)]


@dataclass(frozen=True)
class Moves:
    """A moves file read and checked: its entries, where each was written, its hash."""

    path: str
    entries: list[Entry]
    located: Located
    sha256: str

    def line(self, index: int, *place: str | int) -> int | None:
        return self.located.where(("entries", index, *place))[0]

    def problem(self, index: int, message: str, hint: str, *place: str | int) -> InputError:
        entry = self.entries[index]
        line, column = self.located.where(("entries", index, *place))
        where = f"turn {entry.turn}, {_moment(entry.phase)}"
        return InputError([Problem(self.path, line, column, message, hint, where)])


def read_moves(path: str | Path) -> Moves:
    """Read a moves file: safe YAML, then the typed schema; InputError naming file and line."""
    located = load_yaml(path, what=WHAT)
    data = located.data
    if not isinstance(data, dict) or data.get("format") != MOVES_FORMAT:
        raise InputError(
            [
                located.problem(
                    ("format",) if isinstance(data, dict) else (),
                    f"not a moves file (expected 'format: {MOVES_FORMAT}')",
                    "start the file with 'format: wargame-moves/1' (see docs/seminar.md)",
                )
            ]
        )
    try:
        parsed = MovesData.model_validate(data)
    except ValidationError as error:
        raise InputError(schema_problems(located, data, error, root=MovesData)) from None
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return Moves(str(path), parsed.entries, located, digest)


# -- playing a game from a moves file ------------------------------------------------------


def _moment(phase: str) -> str:
    return phase if phase in (TURN_START, TURN_END) else f"phase {phase}"


class Player:
    """Plays a session on from where it stands, taking the entries of a moves file in order.

    `next` is the first entry not yet played; it is what the session file keeps (see
    `progress`), so a game killed at any moment resumes with the same file exactly.
    """

    def __init__(
        self,
        session: Session,
        moves: Moves,
        *,
        start: int | None = None,
        on_turn: Callable[[Session], None] | None = None,
        on_undo: Callable[[Session, str], None] | None = None,
    ) -> None:
        self.session = session
        self.moves = moves
        self.on_turn = on_turn
        self.on_undo = on_undo
        self.next = self._first_due() if start is None else min(start, len(moves.entries))

    def progress(self) -> MovesProgress:
        """What the session file keeps of this player: the file and the next entry."""
        return MovesProgress(path=self.moves.path, sha256=self.moves.sha256, next=self.next)

    # -- where the game stands -----------------------------------------------------------
    def _phases(self) -> list[str]:
        return [name for name, _ in self.session.model.program.phases]

    def _order(self, turn: int, phase: str) -> tuple[int, int] | None:
        phases = self._phases()
        if phase == TURN_START:
            return (turn, -1)
        if phase == TURN_END:
            return (turn, len(phases))
        return (turn, phases.index(phase)) if phase in phases else None

    def point(self) -> tuple[int, int]:
        """The game's place as (turn, phase index): -1 before the turn, len(phases) after."""
        model = self.session.model
        if model.stage == "between_turns":
            return (model.state.turn + 1, -1)
        phase = model.phase
        if phase is None:
            return (model.state.turn, len(self._phases()))
        return (model.state.turn, self._phases().index(phase[0]))

    def where(self) -> str:
        """'turn 3, phase allied_answer' for the game's place now."""
        turn, index = self.point()
        phases = self._phases()
        if index < 0:
            return f"the start of turn {turn}"
        if index >= len(phases):
            return f"the end of turn {turn} (after its last phase)"
        return f"turn {turn}, phase {phases[index]}"

    def _first_due(self) -> int:
        """The first entry at or after the game's place (a file given on resume)."""
        here = self.point()
        for i, entry in enumerate(self.moves.entries):
            order = self._order(entry.turn, entry.phase)
            if order is None or order >= here:
                return i
        return len(self.moves.entries)

    # -- playing -------------------------------------------------------------------------
    def play(self) -> None:
        """Play until the game ends; an entry that does not fit raises InputError."""
        session = self.session
        if session.model.stage in ("decided", "planned"):
            raise WargameError(
                f"this session was saved in the middle of {self.where()} (after its moves "
                "were entered): finish that phase at the keyboard (wargame play --resume "
                "without --moves), then play on from a moves file"
            )
        entries = self.moves.entries
        while True:
            model = session.model
            if not model.running and model.stage == "between_turns":
                if self.next < len(entries):
                    raise self.moves.problem(
                        self.next,
                        f"the game ended at turn {model.state.turn}; this entry and those after "
                        "it were not played",
                        "remove them, or start the game with more --turns",
                    )
                return
            here = self.point()
            entry = entries[self.next] if self.next < len(entries) else None
            order = None if entry is None else self._order(entry.turn, entry.phase)
            if entry is not None and order is None:
                raise self.moves.problem(
                    self.next,
                    f"the scenario has no phase '{entry.phase}'",
                    f"use one of {', '.join(self._phases())}, '{TURN_START}' or '{TURN_END}'",
                    "phase",
                )
            if entry is not None and order is not None and order < here:
                raise self.moves.problem(
                    self.next,
                    f"this entry is for a place the game has passed (it is at {self.where()})",
                    "put the entries in the order the game reaches them; to go back, end an "
                    "entry with 'undo'",
                    "turn",
                )
            if entry is not None and order == here:
                self._play_entry(self.next, entry)
            else:
                self._advance(entry)

    def _advance(self, upcoming: Any) -> None:
        """One step that needs no input; a human team's moves or votes due here stop it."""
        session, model = self.session, self.session.model
        stage = model.stage
        if stage == "deciding" and model.awaiting_moves():
            raise self._missing("moves", ", ".join(model.awaiting_moves()), upcoming)
        if stage == "decided" and model.awaiting_votes():
            raise self._missing("votes", ", ".join(model.awaiting_votes()), upcoming)
        if stage == "ending":
            self._end_turn()
        else:
            session.advance()

    def _missing(self, what: str, teams: str, upcoming: Entry | None) -> InputError:
        turn, index = self.point()
        phase = self._phases()[index]
        place = self.where()
        if upcoming is None:
            found = "the file has no entry left"
            hint = (
                f"add an entry with 'turn: {turn}', 'phase: {phase}' and the {what} of {teams} "
                "at the end, or play on at the keyboard (wargame play --resume without --moves)"
            )
        else:
            found = f"the next entry is for turn {upcoming.turn}, {_moment(upcoming.phase)}"
            hint = (
                f"add an entry with 'turn: {turn}', 'phase: {phase}' and the {what} of {teams} "
                "before this one"
            )
        line = self.moves.line(self.next) if upcoming is not None else None
        message = f"the {what} of {teams} (played by people) are due here, and {found}"
        return InputError([Problem(self.moves.path, line, None, message, hint, place)])

    def _play_entry(self, index: int, entry: Entry) -> None:
        session, model = self.session, self.session.model
        phase = entry.phase
        for j, act in enumerate(entry.start):
            self._act(index, act, ("start", j))
        if phase == TURN_START:
            self._refuse_inputs(index, entry)
            self._finish(index, entry, session.begin_turn)
            return
        if phase == TURN_END:
            self._refuse_inputs(index, entry)
            self._finish(index, entry, self._end_turn)
            return
        moves = entry.moves or {}
        self._given(index, lambda: session.decide(moves), "moves")
        if entry.votes or model.awaiting_votes():
            self._given(index, lambda: session.plan(entry.votes or {}), "votes")
        elif session.model.stage == "decided":
            session.plan()
        for j, act in enumerate(entry.review):
            self._act(index, act, ("review", j))
        self._finish(index, entry, session.apply)

    def _end_turn(self) -> None:
        self.session.end_turn()
        if self.on_turn is not None:
            self.on_turn(self.session)

    def _refuse_inputs(self, index: int, entry: Entry) -> None:
        for name, given in (
            ("moves", entry.moves),
            ("votes", entry.votes),
            ("review", entry.review),
        ):
            if given:
                raise self.moves.problem(
                    index,
                    f"'{name}' belongs to a phase, not to '{entry.phase}'",
                    f"put it in an entry of one of the phases: {', '.join(self._phases())}",
                    name,
                )

    def _finish(self, index: int, entry: Entry, go_on: Callable[[], None]) -> None:
        """Apply the phase (or begin or end the turn), or undo instead; the entry counts as
        played before the checkpoint that follows, so the session file written there says so."""
        self.next = index + 1
        try:
            if entry.undo is None:
                go_on()
                return
            steps, reason = entry.undo.steps, entry.undo.reason
            try:
                target = self.session.undo(steps, reason)
            except WargameError as error:
                raise self.moves.problem(index, str(error), "undo fewer steps", "undo") from None
            if self.on_undo is not None:
                self.on_undo(self.session, _where(target.turn, target.stage, target.phase))
        except BaseException:
            self.next = index
            raise

    def _given(self, index: int, call: Callable[[], Any], place: str) -> None:
        try:
            call()
        except InputError:
            raise
        except WargameError as error:
            raise self.moves.problem(
                index, str(error), f"change the {place} of this entry", place
            ) from None

    def _act(self, index: int, act: Act, place: tuple[str, int]) -> None:
        session, kind, reason = self.session, act.kind, act.reason
        try:
            if kind == "force":
                session.force(str(act.force), str(act.result), reason)
            elif kind == "reroll":
                session.reroll(str(act.reroll), reason)
            elif kind == "replace":
                session.replace_moves(str(act.replace), list(act.moves or []), reason)
            elif kind == "inject":
                session.fire_inject(str(act.inject), reason)
            elif kind == "event":
                signal = (
                    None
                    if act.signal is None
                    else (act.signal.sender, act.signal.to, act.signal.strength)
                )
                session.add_inject(
                    str(act.event), [c.triple() for c in act.effects], reason, signal=signal
                )
            else:
                session.hand_over(str(act.hand_over), str(act.to), reason)
        except WargameError as error:
            raise self.moves.problem(
                index, f"{kind}: {error}", "change or remove this intervention", *place
            ) from None


def _where(turn: int, stage: str, phase: str | None) -> str:
    if stage == "between_turns":
        return f"before turn {turn + 1}"
    if stage == "ending":
        return f"turn {turn}, after the last phase"
    return f"turn {turn}, start of phase {phase}"
