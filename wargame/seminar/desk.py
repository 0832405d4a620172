"""The facilitator's desk: what the seminar screen asks next, and the Session call each
answer makes. No drawing here (that is `wargame.seminar.tui`), so the flow can be driven and
timed without a terminal (benchmarks/bench_play.py).

`settle()` plays on until someone must answer: a human team's moves, a human voter's ballot,
or the facilitator's review of a phase's plan (accept, force, re-roll, replace a move). Every
answer goes through the `Session`, which checks it before anything changes and journals it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from wargame.engine.model import FIRED, NOT_FIRED
from wargame.errors import WargameError, suggest
from wargame.seminar import view

if TYPE_CHECKING:
    from wargame.engine.records import AdjudicationRecord
    from wargame.seminar.session import Session

PromptKind = Literal["moves", "vote", "review", "over"]


@dataclass(frozen=True)
class Prompt:
    """Who must answer now, and what."""

    kind: PromptKind
    team: str | None = None
    proposal: str | None = None


class Desk:
    """Drives a `Session` for the screen: human entries, reviews and facilitator commands."""

    def __init__(self, session: Session, save: Callable[[Session], None] | None = None) -> None:
        self.session = session
        self.save = save
        self.entered: dict[str, list[str]] = {}
        """Moves of the current phase's human teams, entered one team at a time."""
        self.ballots: dict[str, dict[str, str]] = {}
        self.turns_seen = len(session.model.records)
        self.prompt = Prompt("over")

    # -- where the game waits --------------------------------------------------------------
    def settle(self) -> Prompt:
        """Play on to the next point where a person must answer, and return it."""
        session = self.session
        while True:
            model = session.model
            stage = model.stage
            if stage == "between_turns":
                if not model.running:
                    self.prompt = Prompt("over")
                    return self.prompt
                session.begin_turn()
            elif stage == "deciding":
                waiting = [t for t in model.awaiting_moves() if t not in self.entered]
                if waiting:
                    self.prompt = Prompt("moves", waiting[0])
                    return self.prompt
                moves = {t: ids for t, ids in self.entered.items() if t in model.awaiting_moves()}
                self.entered = {}
                session.decide(moves)
            elif stage == "decided":
                for voter, proposals in model.awaiting_votes().items():
                    for proposal in proposals:
                        if proposal not in self.ballots.get(voter, {}):
                            self.prompt = Prompt("vote", voter, proposal)
                            return self.prompt
                ballots, self.ballots = self.ballots, {}
                session.plan(ballots)
            elif stage == "planned":
                self.prompt = Prompt("review")
                return self.prompt
            else:
                session.end_turn()

    def plan(self) -> list[AdjudicationRecord]:
        """The plan of the phase under review, as it stands."""
        return self.session.model.planned()

    def new_turns(self) -> list[int]:
        """Turns finished since last asked (to show their summary once)."""
        count = len(self.session.model.records)
        finished = list(range(self.turns_seen, count))
        self.turns_seen = count
        return finished

    # -- answers ---------------------------------------------------------------------------
    def enter_moves(self, team: str, text: str) -> list[str]:
        """A team's entry ('1 3', '0' for none): checked, kept until the phase's last human
        team has entered, then the phase is decided."""
        ids = view.choose(self.session, team, text)
        self.entered[team] = ids
        try:
            self.settle()
        except WargameError:
            self.entered = {}  # the phase was refused as a whole: every team enters again
            raise
        return ids

    def enter_vote(self, voter: str, proposal: str, text: str) -> str:
        """A ballot by number or id."""
        ballots = self.session.model.program.actors[voter].ballots[proposal]
        word = text.strip()
        chosen = None
        if word.isdigit() and 1 <= int(word) <= len(ballots):
            chosen = ballots[int(word) - 1].id
        elif word in {b.id for b in ballots}:
            chosen = word
        if chosen is None:
            raise WargameError(
                f"'{word}' is not a ballot: enter 1 to {len(ballots)} "
                f"({', '.join(b.label for b in ballots)})"
            )
        self.ballots.setdefault(voter, {})[proposal] = chosen
        try:
            self.settle()
        except WargameError:
            self.ballots = {}
            raise
        return chosen

    def accept(self) -> None:
        """Apply the plan under review."""
        self._need("review", "accept a plan")
        self.session.apply()
        self.settle()

    def force(self, number: int, result: str, reason: str) -> None:
        item = self.item(number)
        if result not in item.results:
            raise WargameError(
                f"{number} cannot be forced to '{result}'.{suggest(result, item.results)} "
                f"Its results: {', '.join(item.results)}"
            )
        self.session.force(item.key, result, reason)

    def reroll(self, number: int, reason: str) -> None:
        self.session.reroll(self.item(number).key, reason)

    def replace(self, team: str, text: str, reason: str) -> None:
        """Replace an agent's moves in the phase under review ('1 3' from its menu)."""
        self._need("review", "replace a move")
        self.session.replace_moves(team, view.choose(self.session, team, text), reason)

    def hand_over(self, team: str, controller: str, reason: str) -> None:
        self.session.hand_over(team, controller, reason)
        self.entered.pop(team, None)
        self.settle()

    def fire_inject(self, which: str, reason: str) -> None:
        """One of the scenario's injects, by number (in `injects()`) or id."""
        inject = self._inject_id(which)
        self._between_phases()
        self.session.fire_inject(inject, reason)
        self.settle()

    def force_next_turn(self, which: str, outcome: str, reason: str) -> str:
        """Decide now whether one of the scenario's injects (by number or id) fires at the
        start of the next turn ('fired' or 'held'); its die is then not rolled. The key."""
        inject = self._inject_id(which)
        results = {"fired": FIRED, "fires": FIRED, "held": NOT_FIRED, "quiet": NOT_FIRED}
        if outcome not in results:
            raise WargameError(f"'{outcome}' is not an outcome here: write fired or held")
        key = f"t{self.session.model.state.turn + 1}:inject:{inject}"
        self.session.force(key, results[outcome], reason)
        return key

    def add_event(self, description: str, changes: str, reason: str) -> None:
        """An ad-hoc event: free text and state changes ('tension +0.05; NK.capability =0.6')."""
        effects = view.parse_changes(changes)
        self._between_phases()
        self.session.add_inject(description, effects, reason)
        self.settle()

    def undo(self, steps: int, reason: str) -> None:
        self.session.undo(steps, reason)
        self.entered, self.ballots = {}, {}
        self.turns_seen = min(self.turns_seen, len(self.session.model.records))
        self.settle()

    def injects(self) -> list[tuple[str, str]]:
        """The scenario's injects: (id, description), numbered from 1 in this order."""
        return [(i.id, " ".join(i.description.split())) for i in self.session.model.program.injects]

    # -- inside ----------------------------------------------------------------------------
    def _inject_id(self, which: str) -> str:
        """The id of one of the scenario's injects given by its number (in `injects()`) or id."""
        ids = [i.id for i in self.session.model.program.injects]
        return ids[int(which) - 1] if which.isdigit() and 1 <= int(which) <= len(ids) else which

    def _between_phases(self) -> None:
        """Events land between phases: a plan under review is applied first."""
        model = self.session.model
        if model.stage == "decided":
            raise WargameError(
                "an event lands between phases: finish the votes and accept the plan first"
            )
        if model.stage == "planned":
            self.session.apply()

    def _need(self, kind: PromptKind, doing: str) -> None:
        if self.prompt.kind != kind:
            raise WargameError(f"cannot {doing} now: the game waits for {self.waiting()}")

    def item(self, number: int) -> view.PlanItem:
        self._need("review", "force or re-roll")
        items = view.plan_items(self.session, self.plan())
        if not 1 <= number <= len(items):
            raise WargameError(
                f"there is no item {number} in this plan"
                + (f": items are 1 to {len(items)}" if items else ": it has no dice or votes")
            )
        return items[number - 1]

    def waiting(self) -> str:
        """What the game waits for, in words."""
        prompt = self.prompt
        program = self.session.model.program
        if prompt.kind == "moves" and prompt.team is not None:
            return f"the moves of {view.actor_label(program, prompt.team)}"
        if prompt.kind == "vote" and prompt.team is not None:
            return f"the vote of {view.actor_label(program, prompt.team)}"
        if prompt.kind == "review":
            return "the facilitator's review of the plan"
        return "nothing: the game is over"
