"""A live game: the model plus undo history, the journal of inputs and the facilitator log.

Every call a front end makes (the terminal program, the web dashboard) goes through a
`Session`: it passes the input to the model, which checks it before anything changes, and
only then writes it to the journal with its reason and time. A snapshot at the start of every
turn and phase gives undo; replaying the journal on the scenario and seed rebuilds the game
exactly (`Session.replay`).

The order of calls for one turn:

    session.begin_turn()
    for each phase:
        session.model.awaiting_moves()        # human teams of this phase
        session.decide({"JP": ["jp_statement"]})
        session.model.awaiting_votes()        # human voters on this phase's proposals
        session.plan({"CN": {"us_unsc_draft": "cn_abstain"}})   # dice and votes shown
        session.force(key, result, reason) / session.reroll(key, reason)
        session.replace_moves(actor, option_ids, reason)
        session.apply()
    session.end_turn()

`hand_over`, `fire_inject` and `add_inject` may come at any boundary they make sense at.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict

from wargame.errors import WargameError

if TYPE_CHECKING:
    from wargame.engine.model import Stage, WargameModel
    from wargame.engine.policies import Decision
    from wargame.engine.records import AdjudicationRecord, InjectRecord, TurnRecord
    from wargame.scenario.loading import Scenario

EntryKind = Literal[
    "begin_turn",
    "decide",
    "plan",
    "apply",
    "end_turn",
    "force",
    "reroll",
    "replace_moves",
    "hand_over",
    "fire_inject",
    "add_inject",
]


@dataclass(slots=True)
class JournalEntry:
    """One accepted input: what was asked, its arguments, why, when and where in the game."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # session files are read as untrusted

    kind: EntryKind
    turn: int
    phase: str | None
    time: str
    reason: str = ""
    moves: dict[str, list[str]] | None = None
    votes: dict[str, dict[str, str]] | None = None
    key: str | None = None
    result: str | None = None
    actor: str | None = None
    actions: list[str] | None = None
    controller: str | None = None
    inject: str | None = None
    description: str | None = None
    effects: list[tuple[str, str, float]] | None = None
    signal: tuple[str, str, float] | None = None


@dataclass(slots=True)
class LogEntry:
    """A line of the facilitator log: every input, and every undo with its reason."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    time: str
    turn: int
    phase: str | None
    what: str
    reason: str = ""


@dataclass(slots=True)
class Checkpoint:
    """The game at the start of a turn or a phase, and how much of the journal led there."""

    journal_length: int
    snapshot: dict[str, Any]
    """The model's snapshot without its records (they are `records` below, shared: a
    finished turn's record never changes, so copying them at every checkpoint is waste)."""
    turn: int
    stage: Stage
    phase: str | None
    records: list[TurnRecord] = field(default_factory=list)


@dataclass
class Session:
    """A live game with undo and a journal. Build it with `Session.start`."""

    scenario: Scenario
    model: WargameModel
    seed: int
    turns: int | None
    controllers: dict[str, str]
    journal: list[JournalEntry] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)
    history: list[Checkpoint] = field(default_factory=list)
    clock: Callable[[], str] = field(default=lambda: _now(), repr=False)
    autosave: Callable[[Session], None] | None = field(default=None, repr=False)
    """Called at every checkpoint and after an undo (e.g. to write the session file)."""

    @classmethod
    def start(
        cls,
        scenario: Scenario,
        *,
        seed: int = 0,
        turns: int | None = None,
        controllers: Mapping[str, str] | None = None,
        clock: Callable[[], str] | None = None,
    ) -> Session:
        """A new game; `controllers` hands teams to 'human', 'agent' or 'script:DOCTRINE'."""
        given = dict(controllers or {})
        from wargame.engine.model import WargameModel  # (reading a session file needs none)

        model = WargameModel(scenario, seed=seed, turns=turns, controllers=given)
        session = cls(scenario, model, int(seed), turns, given)
        if clock is not None:
            session.clock = clock
        session._checkpoint()
        return session

    # -- the turn -------------------------------------------------------------------------
    def begin_turn(self) -> None:
        """Start the next turn (delayed effects, injects)."""
        self._do("begin_turn", self.model.begin_turn)
        self._checkpoint()

    def decide(self, moves: Mapping[str, Sequence[str]] | None = None) -> list[Decision]:
        """The current phase's decisions; `moves` are the human teams' option ids."""
        given = {actor: list(ids) for actor, ids in (moves or {}).items()}
        decisions: list[Decision] = self._do(
            "decide", lambda: self.model.decide_phase(given), moves=given
        )
        return decisions

    def plan(
        self, votes: Mapping[str, Mapping[str, str]] | None = None
    ) -> list[AdjudicationRecord]:
        """Votes, dice with odds and effects of the current phase, before anything changes."""
        given = {voter: dict(ballots) for voter, ballots in (votes or {}).items()}
        plan: list[AdjudicationRecord] = self._do(
            "plan", lambda: self.model.plan_phase(given), votes=given
        )
        return plan

    def apply(self) -> None:
        """Carry out the current phase's plan."""
        self._do("apply", self.model.apply_phase)
        self._checkpoint()

    def end_turn(self) -> None:
        """Beliefs, rules, outcomes and the turn's record."""
        self._do("end_turn", self.model.end_turn)
        self._checkpoint()

    def advance(self) -> Stage:
        """Take the next step that needs no input from a person; returns the new stage.

        A phase with human teams waits for `decide`, and one with human voters for `plan`.
        """
        stage = self.model.stage
        if stage == "between_turns":
            self.begin_turn()
        elif stage == "deciding":
            if self.model.awaiting_moves():
                raise WargameError(
                    f"waiting for the moves of {', '.join(self.model.awaiting_moves())}"
                )
            self.decide()
        elif stage == "decided":
            if self.model.awaiting_votes():
                raise WargameError(
                    f"waiting for the votes of {', '.join(self.model.awaiting_votes())}"
                )
            self.plan()
        elif stage == "planned":
            self.apply()
        else:
            self.end_turn()
        return self.model.stage

    # -- facilitator controls ------------------------------------------------------------
    def force(self, key: str, result: str, reason: str) -> None:
        """Force one die, vote or inject (see `WargameModel.force`)."""
        self._do(
            "force",
            lambda: self.model.force(key, result, reason),
            key=key,
            result=result,
            reason=reason,
        )

    def reroll(self, key: str, reason: str) -> None:
        """Re-roll one die, vote or inject."""
        self._do("reroll", lambda: self.model.reroll(key, reason), key=key, reason=reason)

    def replace_moves(self, actor: str, actions: Sequence[str], reason: str) -> None:
        """Replace an agent's or doctrine's moves in the current phase."""
        ids = list(actions)
        self._do(
            "replace_moves",
            lambda: self.model.replace_moves(actor, ids, reason),
            actor=actor,
            actions=ids,
            reason=reason,
        )

    def hand_over(self, actor: str, controller: str, reason: str) -> None:
        """Hand a team to 'human', 'agent' or 'script:DOCTRINE' from its next decision on."""
        self._do(
            "hand_over",
            lambda: self.model.hand_over(actor, controller, reason),
            actor=actor,
            controller=controller,
            reason=reason,
        )

    def fire_inject(self, inject: str, reason: str) -> InjectRecord:
        """Fire one of the scenario's injects now."""
        record: InjectRecord = self._do(
            "fire_inject",
            lambda: self.model.fire_inject(inject, reason),
            inject=inject,
            reason=reason,
        )
        return record

    def add_inject(
        self,
        description: str,
        effects: Sequence[tuple[str, str, float]],
        reason: str,
        *,
        signal: tuple[str, str, float] | None = None,
    ) -> InjectRecord:
        """An ad-hoc event with chosen effects (see `WargameModel.add_inject`)."""
        changes = [(str(t), str(op), float(v)) for t, op, v in effects]
        record: InjectRecord = self._do(
            "add_inject",
            lambda: self.model.add_inject(description, changes, reason, signal=signal),
            description=description,
            effects=changes,
            signal=signal,
            reason=reason,
        )
        return record

    # -- undo and replay ------------------------------------------------------------------
    def undo(self, steps: int = 1, reason: str = "") -> Checkpoint:
        """Go back `steps` checkpoints (starts of phases and turns); inputs given since the
        last checkpoint count as one step. Returns the checkpoint now in force."""
        if steps < 1:
            raise WargameError("undo goes back one or more steps")
        position = len(self.history) - 1
        if len(self.journal) == self.history[-1].journal_length:
            position -= 1  # nothing since the last checkpoint: the first step is the one before
        position -= steps - 1
        if position < 0:
            raise WargameError(
                f"cannot undo {steps} step(s): only {self._undoable()} can be undone"
            )
        target = self.history[position]
        self.model.release()
        self.model = type(self.model).restore(self.scenario, target.snapshot, check=False)
        self.model.records = list(target.records)
        del self.journal[target.journal_length :]
        del self.history[position + 1 :]
        what = f"undo {steps} step(s), back to turn {target.turn} ({_where(target)})"
        self.log.append(LogEntry(self.clock(), self.model.state.turn, target.phase, what, reason))
        if self.autosave is not None:
            self.autosave(self)
        return target

    def _undoable(self) -> int:
        steps = len(self.history) - 1
        return steps + (len(self.journal) > self.history[-1].journal_length)

    @classmethod
    def replay(
        cls,
        scenario: Scenario,
        *,
        seed: int,
        turns: int | None,
        controllers: Mapping[str, str],
        journal: Sequence[JournalEntry],
    ) -> Session:
        """Rebuild a game from its journal: the same inputs in the same order."""
        session = cls.start(scenario, seed=seed, turns=turns, controllers=controllers)
        for i, entry in enumerate(journal):
            try:
                session.play_entry(entry)
            except WargameError as error:
                raise WargameError(
                    f"journal entry {i + 1} ({entry.kind}, turn {entry.turn}) does not fit the "
                    f"game: {error}"
                ) from None
        session.journal = list(journal)  # the same inputs, with the times they were given
        return session

    def play_entry(self, entry: JournalEntry) -> None:
        """Give one journal entry to the game, as the call it records."""
        kind = entry.kind
        if kind == "begin_turn":
            self.begin_turn()
        elif kind == "decide":
            self.decide(entry.moves)
        elif kind == "plan":
            self.plan(entry.votes)
        elif kind == "apply":
            self.apply()
        elif kind == "end_turn":
            self.end_turn()
        elif kind == "force":
            self.force(_given(entry.key), _given(entry.result), entry.reason)
        elif kind == "reroll":
            self.reroll(_given(entry.key), entry.reason)
        elif kind == "replace_moves":
            self.replace_moves(_given(entry.actor), entry.actions or [], entry.reason)
        elif kind == "hand_over":
            self.hand_over(_given(entry.actor), _given(entry.controller), entry.reason)
        elif kind == "fire_inject":
            self.fire_inject(_given(entry.inject), entry.reason)
        else:
            self.add_inject(
                _given(entry.description), entry.effects or [], entry.reason, signal=entry.signal
            )

    # -- inside -----------------------------------------------------------------------
    def _do(self, kind: EntryKind, call: Callable[[], Any], **args: Any) -> Any:
        """Call the model (which refuses bad input unchanged), then journal the input."""
        phase = self.model.phase
        turn = self.model.state.turn
        result = call()
        entry = JournalEntry(kind, turn, phase[0] if phase else None, self.clock(), **args)
        self.journal.append(entry)
        what = kind.replace("_", " ") + _args_text(entry)
        self.log.append(LogEntry(entry.time, turn, entry.phase, what, entry.reason))
        return result

    def _checkpoint(self) -> None:
        model = self.model
        if model.stage not in ("between_turns", "deciding", "ending"):
            return
        if self.history and self.history[-1].journal_length == len(self.journal):
            return
        phase = model.phase
        self.history.append(
            Checkpoint(
                len(self.journal),
                model.snapshot(records=False),
                model.state.turn,
                model.stage,
                phase[0] if phase else None,
                list(model.records),
            )
        )
        if self.autosave is not None:
            self.autosave(self)


_REQUIRED = {f.name for f in dataclasses.fields(JournalEntry) if f.default is dataclasses.MISSING}


def entry_to_json(entry: JournalEntry) -> dict[str, Any]:
    """Plain JSON of a journal entry (optional fields left empty are dropped)."""
    return {
        k: v
        for k, v in dataclasses.asdict(entry).items()
        if k in _REQUIRED or (v is not None and v != "")
    }


def journal_to_json(journal: Sequence[JournalEntry]) -> list[dict[str, Any]]:
    """Plain JSON of journal entries (optional fields left empty are dropped)."""
    return [entry_to_json(entry) for entry in journal]


def _given(value: str | None) -> str:
    if value is None:
        raise WargameError("the journal entry lacks a field its kind needs")
    return value


def _args_text(entry: JournalEntry) -> str:
    fields = dataclasses.asdict(entry)
    parts = [
        f"{name}={fields[name]}"
        for name in ("moves", "votes", "key", "result", "actor", "actions", "controller", "inject")
        if fields[name]
    ]
    if entry.description:
        parts.append(f"'{entry.description}'")
    return (": " + ", ".join(parts)) if parts else ""


def _where(checkpoint: Checkpoint) -> str:
    if checkpoint.stage == "between_turns":
        return "before the turn began"
    if checkpoint.stage == "ending":
        return "after the last phase"
    return f"start of phase {checkpoint.phase}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
