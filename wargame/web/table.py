"""The one live game of a session file, shared by every tab of the dashboard.

Every change goes through `Table.change`: the token rule first, then a lock, then a check
that the tab saw the game as it is now (a tab that had not seen another tab's move is refused
and shown the game anew, so two tabs never make two games of one session), then the seminar
desk's call. The session checks the input before anything changes, and its `autosave` (the
`SessionWriter` of `wargame play`) writes the file at the start of every turn and phase and
after an undo, so a game started here resumes in the terminal and the reverse.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from wargame.errors import WargameError
from wargame.files.atomic import write_text
from wargame.scenario.loading import Scenario
from wargame.seminar.desk import Desk, Prompt
from wargame.seminar.session import Session
from wargame.seminar.sessionfile import load_session, saver, scenario_location
from wargame.web.access import Access
from wargame.web.listeners import Listeners

T = TypeVar("T")


@dataclass(frozen=True)
class GameChoice:
    """What the set-up page chose: the scenario (as loaded, with its text and where it is
    kept), seed, turns, and who plays each team ('human', 'agent', 'script:DOCTRINE')."""

    scenario: Scenario
    scenario_path: Path
    text: str
    uploaded: bool
    seed: int = 0
    turns: int | None = None
    controllers: dict[str, str] = field(default_factory=dict)


class Table:
    """The live game of one session file (or none yet), with its lock and version."""

    def __init__(self, path: Path, access: Access | None = None) -> None:
        self.path = Path(path)
        self.access = access or Access(None)
        self.lock = threading.RLock()
        self.desk: Desk | None = None
        self.version = 0
        """Bumped by every change (and every refused one): what a tab saw the game at."""
        self.listeners = Listeners()
        self.last_change_seconds = 0.0

    # -- opening and starting --------------------------------------------------------------
    def open(self) -> None:
        """Load the game the session file holds, if there is one (InputError if damaged)."""
        with self.lock:
            if not self.path.exists():
                return
            session, saved = load_session(self.path)
            writer = saver(
                self.path, scenario_location(self.path, saved.scenario), saved.scenario.text
            )
            session.autosave = writer
            self._seat(session)

    def start(self, choice: GameChoice, token: str | None = None) -> None:
        """A new game on the session file, from the set-up page's choice."""
        self.access.check(token)
        with self.lock:
            if self.desk is not None:
                raise WargameError(
                    f"a game is already played on {self.path}: it goes on from where it is"
                )
            if choice.uploaded:
                write_text(choice.scenario_path, choice.text)
            session = Session.start(
                choice.scenario,
                seed=choice.seed,
                turns=choice.turns,
                controllers=dict(choice.controllers),
            )
            writer = saver(self.path, choice.scenario_path, choice.text)
            session.autosave = writer
            writer(session)
            self._seat(session)
        self._tell()

    def _seat(self, session: Session) -> None:
        self.desk = Desk(session)
        self.desk.settle()
        self.version += 1

    # -- reading and changing --------------------------------------------------------------
    @property
    def session(self) -> Session | None:
        return None if self.desk is None else self.desk.session

    @property
    def prompt(self) -> Prompt:
        return Prompt("over") if self.desk is None else self.desk.prompt

    def change(self, seen: int, token: str | None, do: Callable[[Desk], T]) -> T:
        """Make one change: refused unchanged without the token, when no game is set up,
        or when the tab had not seen the game as it is (another tab changed it since)."""
        self.access.check(token)
        with self.lock:
            desk = self.desk
            if desk is None:
                raise WargameError("no game is set up yet: choose a scenario and start one")
            if seen != self.version:
                raise WargameError(
                    "the game moved on in another tab since this page was drawn: the page now "
                    "shows it as it is; look again and answer anew"
                )
            began = time.perf_counter()
            try:
                return do(desk)
            finally:
                self.version += 1
                self.last_change_seconds = time.perf_counter() - began
                self._tell()

    def settled(self) -> None:
        """Return once the change under way, with every tab's redraw, is done (work that
        can wait, like drawing the charts, waits for it rather than slow the page)."""
        with self.lock:
            pass

    def listen(self, call: Callable[[], None]) -> Callable[[], None]:
        """Call `call` after every change (every tab redraws); returns the way to stop."""
        return self.listeners.add(call)

    def _tell(self) -> None:
        self.listeners.tell()


_tables: dict[Path, Table] = {}
_tables_lock = threading.Lock()


def table_for(path: Path, access: Access | None = None) -> Table:
    """The one Table of a session file in this server (opened on first use)."""
    key = Path(path).resolve()
    with _tables_lock:
        table = _tables.get(key)
        if table is None:
            table = Table(Path(path), access)
            table.open()
            _tables[key] = table
        return table


def forget_tables() -> None:
    """Drop every table (tests start each server afresh)."""
    with _tables_lock:
        _tables.clear()
