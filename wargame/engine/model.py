"""WargameModel: one mesa step is one turn of the scenario, and a turn can be paused.

A turn runs in steps a front end can drive one at a time (docs/scenario-format.md lists the
order): `begin_turn()` (delayed effects land, injects), then for each move phase
`decide_phase()` (agents and doctrines choose; human teams' moves are entered now, after
the earlier phases were applied), `plan_phase()` (votes, dice with odds, effect amounts:
shown and overridable before anything changes), `apply_phase()`; then `end_turn()` (beliefs,
standing rules, outcomes, the record). `step()` plays all of it for Mesa and batches.

Every input a person gives is checked before anything changes: a refused input raises
`WargameError` naming the team, the option or key and the valid choices, and leaves the game
exactly as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

import mesa

from wargame.engine import resolver
from wargame.engine.actors import StateActor
from wargame.engine.narrative import decision_sentence
from wargame.engine.policies import (
    Decision,
    DoctrinePolicy,
    HumanPolicy,
    LogitPolicy,
    Policy,
    Scored,
    check_ballot,
    check_moves,
)
from wargame.engine.program import CAction, Compiler, Program
from wargame.engine.records import (
    AdjudicationRecord,
    BeliefRecord,
    DecisionRecord,
    EffectRecord,
    InjectRecord,
    Intervention,
    InterventionKind,
    OptionRecord,
    PhaseRecord,
    RelationView,
    StateView,
    TurnRecord,
    turn_records_from_json,
    turn_records_to_json,
)
from wargame.engine.resolver import Move, Override
from wargame.engine.rng import KeyedRandom
from wargame.engine.schedule import Scheduled, scheduled_moves
from wargame.engine.snapshot import SNAPSHOT_FORMAT, check_snapshot
from wargame.engine.state import DeterrenceState
from wargame.errors import InputError, WargameError, suggest
from wargame.scenario.expr import ExprError

if TYPE_CHECKING:
    from wargame.scenario.loading import Scenario


_HUGE = 1e300
"""Escalation sums saturate here (the bound expressions clip their results to)."""

Stage = Literal["between_turns", "deciding", "decided", "planned", "ending"]
"""Where the game stands: before a turn; a phase waiting for decisions; decided (moves
known); planned (votes and dice shown, overridable); all phases applied (end_turn due)."""

FIRED, NOT_FIRED = "fired", "not fired"


@dataclass(slots=True)
class TurnInProgress:
    """What a turn has done so far (the record is built from it at `end_turn`)."""

    phase_index: int = 0
    moves: list[Move] = field(default_factory=list)
    """Every move applied so far this turn (beliefs learn from them at the end)."""
    before: StateView | None = None
    injects: list[InjectRecord] = field(default_factory=list)
    phases: list[PhaseRecord] = field(default_factory=list)
    effects: list[EffectRecord] | None = None
    controllers: dict[str, str] = field(default_factory=dict)


class PendingPhase:
    """A phase whose moves are decided but not yet applied."""

    __slots__ = ("decisions", "moves", "replaced", "votes")

    def __init__(self, decisions: list[Decision]) -> None:
        self.decisions = decisions
        self.replaced: dict[str, tuple[list[str], str]] = {}
        """Actor -> (what its controller had chosen, the facilitator's reason)."""
        self.votes: dict[str, dict[str, str]] = {}
        self.moves: list[Move] | None = None
        """Set once planned."""


class WargameModel(mesa.Model):
    """A game of one scenario (and variant) from one seed.

    `record=False` keeps only what Monte Carlo needs (outcomes, counts, final state); the
    decisions and dice are the same either way, so both modes give the same outcomes.
    `explain` (default: as `record`) splits each utility into its terms for the records.
    """

    running: bool
    game_scenario: Scenario
    """The loaded scenario (mesa 3.5 reserves `Model.scenario` for its own use)."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int = 0,
        record: bool = True,
        explain: bool | None = None,
        turns: int | None = None,
        inputs: Mapping[str, float] | None = None,
        controllers: Mapping[str, str] | None = None,
        rng: Any = None,
    ) -> None:
        super().__init__(rng=seed if rng is None else rng)
        # Mesa wraps step() to count steps (3.3) or to run it as a scheduled event (3.5). A
        # turn can be refused, and a refusal raised inside 3.5's event loop loses the event
        # that plays every later step(). The model keeps its own clock (_sync_clock: steps
        # and time are the turns completed), so step() is the plain method here.
        del self.step
        self.game_scenario = scenario
        self.seed = int(seed)
        self.dice = KeyedRandom(self.seed)
        self.record = record
        self.explain = record if explain is None else explain
        self.last_turn = scenario.spec.scenario.turns if turns is None else int(turns)
        self.inputs: dict[str, float] | None = None
        if inputs is None:
            self.program = scenario.program
            self.state: DeterrenceState = self.program.initial.copy()
        else:
            self.program = scenario.sampling_program()
            self.inputs = scenario.sampled_values(inputs)
            self.state = self.program.initial.copy()
            for path, term in self.program.initial_inputs:
                self.state.put(term, self.inputs[path])
        self.records: list[TurnRecord] = []
        self.escalation = 0.0
        self.overrides: dict[str, Override] = {}
        self.rerolled: dict[str, str] = {}
        self.human_moves: dict[str, list[str]] = {}
        self.human_votes: dict[str, dict[str, str]] = {}
        self.inject_counts: dict[str, int] = {}
        self.interventions: list[Intervention] = []
        self.stage: Stage = "between_turns"
        self.turn_progress: TurnInProgress | None = None
        self.pending: PendingPhase | None = None
        self.controllers = {aid: actor.controller for aid, actor in self.program.actors.items()}
        for aid, controller in (controllers or {}).items():
            self._check_controller(aid, controller)
            self.controllers[aid] = controller
        self.humans = "human" in self.controllers.values()
        """Whether a person plays any team (else no phase waits for moves or votes)."""
        self.actors: dict[str, StateActor] = {
            aid: StateActor(self, spec, self._policy(self.controllers[aid]))
            for aid, spec in self.program.actors.items()
        }
        self.datacollector: mesa.DataCollector | None = None
        if record:
            self.datacollector = mesa.DataCollector(
                model_reporters={
                    **{name: _variable(name) for name in self.state.vars},
                    "rung": lambda m: m.rung(),
                    "escalation": lambda m: m.escalation,
                },
                agent_reporters={name: _attribute(name) for name in scenario.spec.state.attributes},
            )
            self.datacollector.collect(self)

    def _policy(self, controller: str) -> Policy:
        if controller == "agent":
            return LogitPolicy()
        if controller == "human":
            return HumanPolicy()
        return DoctrinePolicy(
            self.program.doctrines[controller.split(":", 1)[1]], self.program.actions
        )

    def _bind(self) -> None:
        """Sampled numbers of this game into the (shared) sampling program, if another game
        bound it last: every entry point calls this, so games may be played interleaved."""
        if self.inputs is not None:
            self.program.bind(self.inputs, self)

    # -- the whole turn ----------------------------------------------------------------
    def step(self) -> None:
        """Play one turn (or the rest of one that was begun step by step)."""
        if not self.running:
            return
        if self.humans:
            self._try_turn()
        self._play_turn()

    def _play_turn(self) -> None:
        if self.stage == "between_turns":
            self.begin_turn()
        # the internal steps: the public ones check the stage and inputs, then call these
        while self.stage != "ending":
            if self.stage == "deciding":
                self._decide(None)
            if self.stage == "decided":
                self._plan(None)
            self._apply()
        self._end()

    def run(self) -> WargameModel:
        """Play until the last turn or a terminal outcome."""
        while self.running:
            self.step()
        return self

    def resolve_turn(self) -> TurnRecord | None:
        """Play one turn; return its record (None when not recording)."""
        count = len(self.records)
        self.step()
        return self.records[-1] if len(self.records) > count else None

    # -- the turn, step by step -----------------------------------------------------------
    def begin_turn(self) -> None:
        """Start the next turn: delayed effects land, then the scenario's injects."""
        self._expect("between_turns", "begin a turn")
        if not self.running:
            raise WargameError("the game is over; undo or restore an earlier state to go on")
        if self.inputs is not None:
            self.program.bind(self.inputs, self)
        state = self.state
        progress = TurnInProgress()
        if self.record:
            progress.controllers = dict(self.controllers)
            progress.before = _view(state)
            progress.effects = []
        state.begin_turn()
        resolver.land_delayed(state, progress.effects)
        self._injects(progress)
        self.turn_progress = progress
        self.stage = "deciding" if self.program.phases else "ending"

    @property
    def phase(self) -> tuple[str, list[str]] | None:
        """The current phase's name and actors, or None between turns and after the last."""
        if self.turn_progress is None or self.stage == "ending":
            return None
        return self.program.phases[self.turn_progress.phase_index]

    def awaiting_moves(self) -> list[str]:
        """Human teams whose moves the current phase still needs (empty once decided)."""
        phase = self.phase
        if self.stage != "deciding" or phase is None:
            return []
        return [a for a in phase[1] if self.controllers[a] == "human"]

    def awaiting_votes(self) -> dict[str, list[str]]:
        """Human voter -> proposals (action ids) it must vote on before the phase is planned."""
        if self.pending is None:
            return {}
        needed: dict[str, list[str]] = {}
        for decision in self.pending.decisions:
            for proposal in decision.chosen:
                for action in proposal.drafts():  # a fallback is voted on if it is tabled
                    for voter in action.voters:
                        if self.controllers[voter] == "human":
                            needed.setdefault(voter, []).append(action.id)
        return needed

    def scheduled(self, actor_id: str) -> Scheduled:
        """The moves the scenario's schedule makes for `actor_id` in the phase in hand, before
        its controller decides (empty outside its phase); they use up part of its budget."""
        phase = self.phase
        if self.stage != "deciding" or phase is None or actor_id not in phase[1]:
            return Scheduled()
        self._bind()
        return scheduled_moves(self.program.actors[actor_id], self)

    def decide_phase(self, moves: Mapping[str, Sequence[str]] | None = None) -> list[Decision]:
        """Every actor of the current phase chooses; human teams' moves are given here.

        `moves` maps each human team of the phase to its option ids (or they were set in
        `human_moves` before). All are checked before anything changes.
        """
        self._expect("deciding", "decide a phase")
        return self._decide(moves)

    def _decide(self, moves: Mapping[str, Sequence[str]] | None) -> list[Decision]:
        progress = self.turn_progress
        assert progress is not None
        if self.inputs is not None:
            self.program.bind(self.inputs, self)
        name, actor_ids = self.program.phases[progress.phase_index]
        program = self.program
        schedules = {
            a: scheduled_moves(program.actors[a], self)
            for a in actor_ids
            if program.actors[a].schedule
        }
        if self.humans or moves:
            humans = [a for a in actor_ids if self.controllers[a] == "human"]
            self._enter_moves(name, humans, moves or {}, schedules)
        actors = self.actors
        decisions = []
        for a in actor_ids:
            scheduled = schedules.get(a)
            if scheduled is None:
                decisions.append(actors[a].decide())
                continue
            decision = actors[a].decide(scheduled.taken)
            decision.chosen = [*scheduled.taken, *decision.chosen]
            decision.scheduled = list(scheduled.taken)
            decision.schedule_skipped = list(scheduled.skipped)
            decision.schedule_reason = scheduled.reason
            decisions.append(decision)
        self.pending = PendingPhase(decisions)
        self.stage = "decided"
        return decisions

    def _enter_moves(
        self,
        phase: str,
        humans: list[str],
        moves: Mapping[str, Sequence[str]],
        schedules: Mapping[str, Scheduled],
    ) -> None:
        """Check the human teams' moves for this phase (after their scheduled moves, which
        use up part of the budget), then hand them to their policies."""
        given = {a: list(ids) for a, ids in moves.items()}
        for actor_id in given:
            if actor_id not in humans:
                raise WargameError(
                    f"'{actor_id}' is not a human team of phase '{phase}': moves go to "
                    f"{', '.join(humans) or 'no team (agents and doctrines decide it)'}"
                )
        entered = {a: given.get(a, self.human_moves.get(a)) for a in humans}
        for actor_id, ids in entered.items():
            if ids is None:
                raise WargameError(
                    f"no moves entered for {actor_id}, which a human team plays in phase "
                    f"'{phase}': enter its option ids (an empty list to do nothing)"
                )
            scheduled = schedules.get(actor_id)
            check_moves(
                self.program.actors[actor_id], ids, self, scheduled.taken if scheduled else ()
            )
        self.human_moves = {
            **self.human_moves,
            **{a: list(ids or []) for a, ids in entered.items()},
        }

    def plan_phase(
        self, votes: Mapping[str, Mapping[str, str]] | None = None
    ) -> list[AdjudicationRecord]:
        """Decide votes, dice and effect amounts of the current phase, changing nothing yet.

        `votes` maps a human voter to {proposal action id: ballot id}. The returned items
        (each vote, each die with its odds and roll, each effect) are what `apply_phase`
        will carry out unless a facilitator forces or re-rolls one of them first.
        """
        if self.stage not in ("decided", "planned"):
            self._expect("decided", "plan a phase")
        moves = self._plan(votes)
        return [_adjudication(m, self.rerolled, self.state.turn) for m in moves]

    def _plan(self, votes: Mapping[str, Mapping[str, str]] | None) -> list[Move]:
        pending = self.pending
        assert pending is not None
        needed = self.awaiting_votes() if votes or self.humans else {}
        entered = self._enter_votes(needed, votes or {}) if needed or votes else {}
        if self.inputs is not None:
            self.program.bind(self.inputs, self)
        moves = []
        turn = self.state.turn
        for decision in pending.decisions:
            if not decision.chosen:
                continue
            seen: dict[str, int] = {}
            for action in decision.chosen:
                index = seen[action.id] = seen.get(action.id, 0) + 1
                moves.append(Move(action, index, resolver.move_key(turn, action, index)))
        previous = self.human_votes
        if entered:
            self.human_votes = {**previous, **entered}
        try:
            resolver.plan(self.program, self, moves)
        finally:
            self.human_votes = previous
        pending.votes = entered
        pending.moves = moves
        self.stage = "planned"
        return moves

    def _enter_votes(
        self, needed: dict[str, list[str]], votes: Mapping[str, Mapping[str, str]]
    ) -> dict[str, dict[str, str]]:
        """Check human ballots: every needed one given now or before, each a ballot it has."""
        pending = self.pending
        assert pending is not None
        entered = {v: dict(pending.votes.get(v, {})) for v in needed}
        for voter, ballots in votes.items():
            if voter not in needed:
                raise WargameError(
                    f"'{voter}' has no vote to cast in this phase: votes go to "
                    f"{', '.join(needed) or 'no human team now'}"
                )
            for proposal, ballot in ballots.items():
                if proposal not in needed[voter]:
                    raise WargameError(
                        f"{voter} votes on {', '.join(needed[voter])} now, not on '{proposal}'"
                    )
                entered[voter][proposal] = ballot
        for voter, proposals in needed.items():
            actor = self.program.actors[voter]
            for proposal in proposals:
                earlier = self.human_votes.get(voter, {}).get(proposal)
                checked = check_ballot(
                    actor, self.program.actions[proposal], entered[voter].get(proposal, earlier)
                )
                entered[voter][proposal] = checked.id
        return entered

    def planned(self) -> list[AdjudicationRecord]:
        """The current phase's plan as it stands now (after any force, re-roll or replaced
        move), without planning it again; empty unless the phase is planned."""
        if self.stage != "planned" or self.pending is None:
            return []
        return [_adjudication(m, self.rerolled, self.state.turn) for m in self.pending.moves or []]

    def apply_phase(self) -> None:
        """Carry out the current phase's plan (planning it first if it is only decided)."""
        if self.stage == "decided":
            self._plan(None)
        self._expect("planned", "apply a phase")
        self._apply()

    def _apply(self) -> None:
        progress, pending = self.turn_progress, self.pending
        assert progress is not None and pending is not None
        if self.inputs is not None:
            self.program.bind(self.inputs, self)
        moves = pending.moves or []
        resolver.apply(self.program, self, moves, progress.effects)
        progress.moves += moves
        self.escalation = escalation_sum([m.final.escalation for m in moves], self.escalation)
        if self.record:
            progress.phases.append(
                PhaseRecord(
                    self.program.phases[progress.phase_index][0],
                    [
                        decision_record(self.program, d, pending.replaced.get(d.actor))
                        for d in pending.decisions
                    ],
                    [_adjudication(m, self.rerolled, self.state.turn) for m in moves],
                )
            )
        self.pending = None
        progress.phase_index += 1
        self.stage = "deciding" if progress.phase_index < len(self.program.phases) else "ending"

    def end_turn(self) -> TurnRecord | None:
        """Beliefs learn from the turn, standing rules fire, outcomes are checked, the record
        is written; returns it (None when not recording)."""
        self._expect("ending", "end a turn")
        return self._end()

    def _end(self) -> TurnRecord | None:
        state, progress = self.state, self.turn_progress
        assert progress is not None
        if self.inputs is not None:
            self.program.bind(self.inputs, self)
        beliefs: list[BeliefRecord] | None = [] if self.record else None
        resolver.update_beliefs(self.program, state, progress.moves, beliefs)
        rules = []
        for rule_id, _, when, effects in self.program.rules:
            if when(state):
                rules.append(rule_id)
                resolver.apply_effects(state, effects, f"rule {rule_id}", progress.effects)
        triggered = self._outcomes()
        self.human_moves, self.human_votes = {}, {}  # entered moves are for one turn only
        self.turn_progress = None
        self.stage = "between_turns"
        self._sync_clock()
        if state.turn >= self.last_turn:
            self.running = False
        if not self.record:
            return None
        assert progress.before is not None and progress.effects is not None
        record = TurnRecord(
            turn=state.turn,
            date=self.game_scenario.spec.scenario.turn_date(state.turn).isoformat(),
            injects=progress.injects,
            phases=progress.phases,
            beliefs=beliefs or [],
            rules_fired=rules,
            effects=progress.effects,
            escalation_score=escalation_sum([m.final.escalation for m in progress.moves]),
            rung=self.rung(),
            state_before=progress.before,
            state_after=_view(state),
            outcomes_triggered=triggered,
            interventions=[i for i in self.interventions if i.turn == state.turn],
            controllers=progress.controllers,
        )
        self.records.append(record)
        if self.datacollector is not None:
            self.datacollector.collect(self)
        return record

    # -- inside the turn ----------------------------------------------------------------
    def _injects(self, progress: TurnInProgress) -> None:
        state, log = self.state, progress.effects
        for inj in self.program.injects:
            times = self.inject_counts.get(inj.id, 0)
            if inj.max_times is not None and times >= inj.max_times:
                continue
            if inj.when is not None and not inj.when(state):
                continue
            scheduled = state.turn in inj.turns
            probability = roll = None
            fired = scheduled
            if not scheduled and inj.probability is not None:
                probability = min(1.0, max(0.0, inj.probability(state)))
                roll = self.dice.uniform(f"inject:{inj.id}", state.turn, "fires")
                fired = roll < probability
            key = f"t{state.turn}:inject:{inj.id}"
            forced = self.overrides.get(key)
            if forced is not None:
                fired = forced.result == FIRED
            mark = len(log) if log is not None else 0
            if fired:
                self.inject_counts[inj.id] = times + 1
                resolver.apply_effects(state, inj.effects, f"inject {inj.id}", log)
            if log is not None and (fired or probability):
                progress.injects.append(
                    InjectRecord(
                        id=inj.id,
                        key=key,
                        description=inj.description,
                        scheduled=scheduled,
                        probability=probability,
                        roll=roll,
                        fired=fired,
                        forced=forced.reason if forced else None,
                        rerolled=self.rerolled.get(key),
                        effects=log[mark:],
                    )
                )

    def _outcomes(self) -> list[str]:
        state, triggered = self.state, []
        for outcome_id, _, when, terminal in self.program.outcomes:
            if when(state):
                triggered.append(outcome_id)
                state.outcomes.setdefault(outcome_id, state.turn)
                if terminal:
                    self.running = False
        return triggered

    # -- what policies and the resolver ask of the model ---------------------------------
    def legal(self, action: CAction, planned: list[CAction]) -> str | None:
        """None if `action` may be taken now after `planned`, else why not."""
        return action.illegal(self.state, planned.count(action)) or action.excluded_by(planned)

    def vote(self, voter: str, proposal: CAction, key: str) -> CAction:
        """Ask a voter for its ballot on a proposal."""
        return self.actors[voter].vote(proposal, key)

    def rung(self) -> str | None:
        """Name of the current rung of the escalation ladder."""
        if self.program.ladder is None:
            return None
        variable, rungs = self.program.ladder
        value = self.state.vars[variable]
        name = rungs[0][0]
        for rung_name, at in rungs:
            if value >= at:
                name = rung_name
        return name

    # -- facilitator controls ---------------------------------------------------------------
    def force(self, key: str, result: str, reason: str) -> None:
        """Force one adjudication item (a die, a vote, an inject), now or in a later turn.

        The key names an item of the current plan or one a later phase or turn may have
        (`t3:NK:nk_test#1`, `t3:US:unsc_draft#1:vote:CN`, `t4:inject:guam_threat`); the result
        must be one that item can take. A current item is re-planned at once.
        """
        _need_reason(reason, f"forcing {key}")
        results = self._item_results(key)
        if result not in results:
            raise WargameError(
                f"cannot force {key} to '{result}'.{suggest(result, results)} "
                f"Its results: {', '.join(results)}"
            )

        def change() -> None:
            self.overrides[key] = Override(result, reason)
            self._intervene("force", key, f"forced to '{result}'", reason)

        self._replan(change)

    def reroll(self, key: str, reason: str) -> None:
        """Replace the draw behind a die, vote or inject (key as in `force`) with a fresh one."""
        _need_reason(reason, f"re-rolling {key}")
        self._item_results(key)
        turn_text, stream, rest = key.split(":", 2)
        turn = int(turn_text[1:])
        detail = "re-rolled"
        for item in self.planned():  # what the draw had given, for the record
            if item.key == key and item.roll is not None:
                detail += f" (it had rolled {item.roll:.3f}: {item.result})"
            elif ":vote:" in key and key.startswith(item.key + ":"):
                on, voter = key.rsplit(":vote:", 1)[0], key.rsplit(":", 1)[1]
                draft = item.action if on == item.key else on.rsplit(":", 1)[1]
                ballots = [w.votes for w in item.withdrawn if w.action == draft]
                if (item.draft or item.action) == draft:
                    ballots.append(item.votes)
                ballot = ballots[0].get(voter) if ballots else None
                detail += f" (the vote had been {ballot})" if ballot else ""

        def change() -> None:
            if ":vote:" in key:
                self.dice.reroll(key.rsplit(":", 1)[1], turn, key)
            elif stream == "inject":
                self.dice.reroll(f"inject:{rest}", turn, "fires")
            else:
                self.dice.reroll(stream, turn, f"die:{rest}")
            self.rerolled[key] = reason
            self._intervene("reroll", key, detail, reason)

        self._replan(change)

    def replace_moves(self, actor_id: str, action_ids: Sequence[str], reason: str) -> None:
        """Replace an agent's or doctrine's moves in the current (decided) phase."""
        _need_reason(reason, f"replacing {actor_id}'s moves")
        if self.stage not in ("decided", "planned"):
            raise WargameError(
                "moves can be replaced once the phase is decided and before it is applied"
            )
        pending = self._pending
        decision = next((d for d in pending.decisions if d.actor == actor_id), None)
        if decision is None:
            actors = ", ".join(d.actor for d in pending.decisions)
            raise WargameError(f"'{actor_id}' does not move in this phase; its actors: {actors}")
        if self.controllers[actor_id] == "human":
            raise WargameError(
                f"{actor_id} is played by a human team: undo the phase and enter its moves again"
            )
        self._bind()
        chosen = check_moves(self.program.actors[actor_id], action_ids, self)
        before = [a.id for a in decision.chosen]
        what = f"{', '.join(before) or 'nothing'} replaced by {', '.join(action_ids) or 'nothing'}"

        def change() -> None:
            pending.replaced.setdefault(actor_id, (before, reason))
            decision.chosen = chosen
            if decision.scheduled:  # the facilitator's moves replace the scheduled ones too
                decision.schedule_skipped = [
                    *decision.schedule_skipped,
                    *(f"{a.id}: replaced by the facilitator" for a in decision.scheduled),
                ]
                decision.scheduled = []
            self._intervene("replace_moves", actor_id, what, reason)

        self._replan(change)

    def hand_over(self, actor_id: str, controller: str, reason: str) -> None:
        """Hand a team to 'human', 'agent' or 'script:DOCTRINE' from its next decision on."""
        _need_reason(reason, f"handing {actor_id} over")
        self._check_controller(actor_id, controller)
        before = self.controllers[actor_id]
        self.controllers[actor_id] = controller
        self.humans = "human" in self.controllers.values()
        self.actors[actor_id].policy = self._policy(controller)
        self._intervene("hand_over", actor_id, f"{before} -> {controller}", reason)

    def fire_inject(self, inject_id: str, reason: str) -> InjectRecord:
        """Fire one of the scenario's injects now (at the start of a phase or after the last)."""
        _need_reason(reason, f"firing {inject_id}")
        inject = next((i for i in self.program.injects if i.id == inject_id), None)
        if inject is None:
            ids = [i.id for i in self.program.injects]
            raise WargameError(
                f"the scenario has no inject '{inject_id}'.{suggest(inject_id, ids)} "
                f"Its injects: {', '.join(ids) or 'none'}"
            )
        self._expect_between_phases("fire an inject")
        self._bind()
        effects = resolver.evaluate(self.state, inject.effects, f"inject {inject_id}")
        self.inject_counts[inject_id] = self.inject_counts.get(inject_id, 0) + 1
        return self._event(inject_id, inject.description, effects, reason, ad_hoc=False)

    def add_inject(
        self,
        description: str,
        effects: Sequence[tuple[str, str, float]],
        reason: str,
        *,
        signal: tuple[str, str, float] | None = None,
    ) -> InjectRecord:
        """An event that is not in the scenario: free text, its effects on the state
        (`("tension", "add", 0.1)`, `("NK.capability", "set", 0.6)`, `("US->JP.trust",
        "mul", 0.9)`), and optionally the resolve it signals (actor, target, strength 0-1)."""
        _need_reason(reason, "an ad-hoc event")
        if not description.strip():
            raise WargameError("an ad-hoc event needs a description of what happened")
        self._expect_between_phases("add an event")
        self._bind()
        compiler = Compiler(self.game_scenario.spec)
        writes: list[resolver.Write] = []
        for i, effect in enumerate(effects):
            target, op, value = effect
            where = f"effect {i + 1} ({target} {op} {value})"
            try:
                term = compiler.term(target, None)
            except Exception as error:  # ExprError: an unknown name, with "did you mean"
                fix = f". Fix: {error.hint}" if isinstance(error, ExprError) and error.hint else ""
                raise WargameError(f"{where}: {error}{fix}") from None
            if op not in ("add", "mul", "set"):
                raise WargameError(f"{where}: the operation must be add, mul or set")
            number = float(value)
            if not -_HUGE <= number <= _HUGE:
                raise WargameError(f"{where}: the value must be a finite number")
            low, high = self.state.bounds.get(term, (0.0, 1.0))
            if op == "set" and not low <= number <= high:
                raise WargameError(f"{where}: {target} lies within [{low}, {high}]")
            writes.append((term, op, number, 0, "ad-hoc event"))
        if signal is not None:
            sender, target, strength = signal
            for actor in (sender, target):
                if actor not in self.program.actors:
                    raise WargameError(
                        f"signal: unknown actor '{actor}'.{suggest(actor, self.program.actors)}"
                    )
            if not 0.0 <= float(strength) <= 1.0:
                raise WargameError("signal: the strength of a signal lies within [0, 1]")
        number_of = sum(1 for i in self.interventions if i.kind == "ad_hoc_inject") + 1
        record = self._event(
            f"ad-hoc-{number_of}", description.strip(), writes, reason, ad_hoc=True
        )
        if signal is not None:
            sender, target, strength = signal
            heard = self.state.signals.setdefault(target, {})
            heard[sender] = resolver.noisy_or([heard.get(sender, 0.0), float(strength)])
        return record

    def _event(
        self,
        event_id: str,
        description: str,
        writes: list[resolver.Write],
        reason: str,
        *,
        ad_hoc: bool,
    ) -> InjectRecord:
        progress = self._progress
        effects: list[EffectRecord] = []
        resolver.write(self.state, writes, effects)
        if progress.effects is not None:
            progress.effects += effects
        phase = self.phase
        record = InjectRecord(
            id=event_id,
            key=f"t{self.state.turn}:inject:{event_id}",
            description=description,
            scheduled=False,
            probability=None,
            roll=None,
            fired=True,
            forced=None,
            rerolled=None,
            ad_hoc=ad_hoc,
            phase=phase[0] if phase else "",
            reason=reason,
            effects=effects,
        )
        if self.record:
            progress.injects.append(record)
        kind: InterventionKind = "ad_hoc_inject" if ad_hoc else "fire_inject"
        self._intervene(kind, event_id, " ".join(description.split()), reason)
        return record

    def _intervene(self, kind: InterventionKind, target: str, detail: str, reason: str) -> None:
        turn = self.state.turn + (1 if self.stage == "between_turns" else 0)
        phase = self.phase
        self.interventions.append(
            Intervention(kind, turn, phase[0] if phase else None, target, detail, reason)
        )

    def _replan(self, change: Callable[[], None]) -> None:
        """Make a facilitator's change and re-plan the current phase, or neither: if the new
        plan is refused (a human ballot it now needs is missing), everything is put back."""
        pending = self.pending
        saved = (
            dict(self.overrides),
            dict(self.dice.rerolls),
            dict(self.rerolled),
            len(self.interventions),
            None
            if pending is None
            else [
                (list(d.chosen), list(d.scheduled), list(d.schedule_skipped))
                for d in pending.decisions
            ],
            None if pending is None else dict(pending.replaced),
        )
        try:
            change()
            if self.stage == "planned":
                self._plan(None)
        except WargameError:
            self.overrides, self.dice.rerolls, self.rerolled = saved[0], saved[1], saved[2]
            del self.interventions[saved[3] :]
            if pending is not None and saved[4] is not None and saved[5] is not None:
                for decision, (chosen, scheduled, skipped) in zip(
                    pending.decisions, saved[4], strict=True
                ):
                    decision.chosen, decision.scheduled = list(chosen), list(scheduled)
                    decision.schedule_skipped = list(skipped)
                pending.replaced = saved[5]
            raise

    def _try_turn(self) -> None:
        """Play the rest of this turn on a copy first, with the moves and votes entered in
        `human_moves` and `human_votes`: a missing or refused one then raises here, before
        this game has changed (step() takes no inputs of its own to check up front)."""
        if self.stage in ("decided", "planned"):
            return  # inputs of the phase in hand were checked when it was decided
        trial = WargameModel.restore(self.game_scenario, self.snapshot(), check=False)
        trial.human_moves = {a: list(ids) for a, ids in self.human_moves.items()}
        trial.human_votes = {v: dict(b) for v, b in self.human_votes.items()}
        try:
            trial._play_turn()
        finally:
            trial.release()
            self._bind()

    def _sync_clock(self) -> None:
        """Mesa's step count (and mesa 3.5's time) is the number of turns completed, however
        they were played: by step(), step by step, or before a snapshot was restored."""
        completed = self.state.turn - (1 if self.turn_progress is not None else 0)
        self.steps = completed
        if hasattr(self, "time"):
            self.time = float(completed)

    def _check_controller(self, actor_id: str, controller: str) -> None:
        if actor_id not in self.program.actors:
            raise WargameError(
                f"unknown actor '{actor_id}'.{suggest(actor_id, self.program.actors)} "
                f"Actors: {', '.join(self.program.actors)}"
            )
        doctrines = [d for d, spec in self.program.doctrines.items() if spec.actor == actor_id]
        valid = ["agent", "human", *(f"script:{d}" for d in doctrines)]
        if controller not in valid:
            raise WargameError(
                f"{actor_id} cannot be played by '{controller}': choose one of {', '.join(valid)}"
            )

    def _item_results(self, key: str) -> list[str]:
        """The results the item `key` can take, if it is open to a facilitator now."""
        parts = key.split(":")
        head = parts[0]
        if len(parts) < 3 or not head.startswith("t") or not head[1:].isdigit():
            raise WargameError(
                f"'{key}' is not an item key: write t3:NK:nk_test#1 (a die), "
                "t3:US:unsc_draft#1:vote:CN (a vote) or t3:inject:ID (an inject)"
            )
        turn = int(head[1:])
        if parts[1] == "inject":
            ids = [i.id for i in self.program.injects]
            if parts[2] not in ids or len(parts) != 3:
                raise WargameError(
                    f"'{key}': the scenario has no inject '{parts[2]}'.{suggest(parts[2], ids)}"
                )
            if turn <= self.state.turn:
                raise WargameError(
                    f"'{key}': turn {turn}'s injects are already resolved; undo to the start "
                    "of that turn to change them"
                )
            return [FIRED, NOT_FIRED]
        actor_id, (action_id, _, index) = parts[1], parts[2].partition("#")
        action = self.program.actions.get(action_id)
        if action is None or action.actor != actor_id or not index.isdigit():
            ids = [a.id for a in self.program.actions.values() if a.actor == actor_id]
            raise WargameError(
                f"'{key}' names no option of {actor_id}.{suggest(action_id, ids)} "
                "Keys look like t3:NK:nk_test#1"
            )
        drafts = {a.id: a for a in action.drafts()}
        if len(parts) == 6 and parts[4] == "vote" and parts[3] not in list(drafts)[1:]:
            raise WargameError(
                f"'{key}': '{parts[3]}' is not a fallback draft of {action_id}; its drafts: "
                f"{', '.join(list(drafts)[1:]) or 'none'}"
            )
        if (len(parts) == 5 and parts[3] == "vote") or (len(parts) == 6 and parts[4] == "vote"):
            draft, voter = drafts[parts[3] if len(parts) == 6 else action_id], parts[-1]
            if voter not in draft.voters:
                raise WargameError(
                    f"'{key}': {voter} does not vote on {draft.id}; its voters: "
                    f"{', '.join(draft.voters) or 'none'}"
                )
            results = [b.id for b in self.program.actors[voter].ballots[draft.id]]
        elif len(parts) == 3:
            results = list(dict.fromkeys(b.name for a in drafts.values() for b in a.branches))
            if not results:
                raise WargameError(f"'{key}': {action_id} has no die (no uncertain results)")
        else:
            raise WargameError(f"'{key}' is not an item key such as t3:NK:nk_test#1")
        self._check_open(key, turn, actor_id)
        return results

    def _check_open(self, key: str, turn: int, actor_id: str) -> None:
        """An item of a move is open while its phase of that turn has not been applied."""
        if self.stage == "between_turns":
            if turn <= self.state.turn:
                raise WargameError(f"'{key}': turn {turn} is over; undo to change it")
            return
        if turn > self.state.turn:
            return
        if turn < self.state.turn:
            raise WargameError(f"'{key}': turn {turn} is over; undo to change it")
        index = self._progress.phase_index
        later = [i for i, (_, actors) in enumerate(self.program.phases) if actor_id in actors]
        if not any(i >= index for i in later):
            raise WargameError(
                f"'{key}': {actor_id}'s phase of turn {turn} has been applied; undo to change it"
            )
        if self.stage == "planned" and index in later:
            keys = {m.key for m in self._pending.moves or []}
            base = key.split(":vote:")[0]
            if base.count(":") == 3:  # a vote on a fallback draft: KEY:DRAFT:vote:VOTER
                base = base.rsplit(":", 1)[0]
            if base not in keys:
                raise WargameError(
                    f"'{key}' is not in this phase's plan; its items: {', '.join(sorted(keys))}"
                )

    def _expect(self, stage: Stage, doing: str) -> None:
        if self.stage != stage:
            raise WargameError(
                f"cannot {doing} now: the game is at '{self.stage}' (turn {self.state.turn}); "
                f"the next step is {_NEXT[self.stage]}"
            )

    def _expect_between_phases(self, doing: str) -> None:
        if self.stage not in ("deciding", "ending"):
            raise WargameError(
                f"cannot {doing} now: events are added at the start of a phase (before it is "
                f"decided) or after the last phase; the game is at '{self.stage}'"
            )

    @property
    def _progress(self) -> TurnInProgress:
        assert self.turn_progress is not None, "no turn in progress"
        return self.turn_progress

    @property
    def _pending(self) -> PendingPhase:
        assert self.pending is not None, "no phase decided"
        return self.pending

    # -- asking, without changing anything ------------------------------------------------
    def options(self, actor_id: str) -> list[OptionRecord]:
        """What an agent would weigh now: options, utilities split into terms, probabilities.

        Draws nothing and changes nothing, so a facilitator may ask at any time.
        """
        if actor_id not in self.program.actors:
            raise WargameError(
                f"unknown actor '{actor_id}'.{suggest(actor_id, self.program.actors)}"
            )
        self._bind()
        scored = LogitPolicy().score(self.program.actors[actor_id], self, [], explain=True)
        return [option_record(o) for o in sorted(scored, key=lambda o: -o.probability)]

    # -- results ----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Outcomes, counts and final state: all that Monte Carlo keeps."""
        return {
            "seed": self.seed,
            "variant": self.game_scenario.variant,
            "turns_played": self.state.turn,
            "outcomes": {o[0]: self.state.outcomes.get(o[0]) for o in self.program.outcomes},
            "counts": dict(sorted(self.state.counts.items())),
            "escalation_total": round(self.escalation, 6),
            "final": self.state.summary(),
        }

    def snapshot(self, *, records: bool = True) -> dict[str, Any]:
        """The whole game as plain JSON (an independent copy): restoring it and playing on
        equals never having stopped. Taken between turns or at the start of a phase.

        `records=False` leaves the finished turns' records out (an empty list): a caller that
        keeps the record objects itself (a session's undo history) need not copy them again.
        """
        if self.stage in ("decided", "planned"):
            raise WargameError(
                "a snapshot is taken at the start of a phase or between turns: apply this "
                "phase first, or take the snapshot before deciding it"
            )
        progress = None
        if self.turn_progress is not None:
            tp = self.turn_progress
            progress = {
                "phase_index": tp.phase_index,
                "moves": [
                    [m.action.id, m.index, m.passed]
                    + ([] if m.draft is None else [m.draft.id])  # negotiated down to a draft
                    for m in tp.moves
                ],
                "before": None if tp.before is None else _json(tp.before),
                "injects": [_json(i) for i in tp.injects],
                "phases": [_json(p) for p in tp.phases],
                "effects": None if tp.effects is None else [_json(e) for e in tp.effects],
                "controllers": dict(tp.controllers),
            }
        return {
            "format": SNAPSHOT_FORMAT,
            "scenario": self.game_scenario.spec.scenario.id,
            "scenario_hash": self.game_scenario.content_hash,
            "variant": self.game_scenario.variant,
            "seed": self.seed,
            "last_turn": self.last_turn,
            "running": self.running,
            "stage": self.stage,
            "turn_progress": progress,
            "controllers": dict(self.controllers),
            "rerolls": dict(self.dice.rerolls),
            "overrides": {k: [o.result, o.reason] for k, o in self.overrides.items()},
            "rerolled": dict(self.rerolled),
            "inject_counts": dict(self.inject_counts),
            "escalation": self.escalation,
            "inputs": None if self.inputs is None else dict(self.inputs),
            "interventions": [_json(i) for i in self.interventions],
            "state": self.state.to_json(),
            "records": turn_records_to_json(self.records) if records else [],
        }

    @classmethod
    def restore(
        cls,
        scenario: Scenario,
        data: dict[str, Any],
        *,
        file: str = "<state>",
        record: bool = True,
        turns: int | None = None,
        any_variant: bool = False,
        check: bool = True,
    ) -> WargameModel:
        """Continue a game from `snapshot()` output, after checking it fits the scenario.

        `any_variant=True` lets a state saved under one variant (or none) continue under
        another of the same scenario — "what happens from here under policy X?". `check=False`
        skips the checks for data already checked (a batch plays thousands of continuations).
        """
        problems = check_snapshot(scenario, data, file, any_variant=any_variant) if check else []
        if problems:
            raise InputError(problems)
        model = cls(
            scenario,
            seed=int(data["seed"]),
            record=record,
            turns=int(data["last_turn"]) if turns is None else turns,
            inputs=data.get("inputs"),
            controllers=data.get("controllers") if not any_variant else None,
        )
        model.dice = KeyedRandom(model.seed, data["rerolls"])
        model.overrides = {k: Override(*v) for k, v in data["overrides"].items()}
        model.rerolled = dict(data["rerolled"])
        model.inject_counts = dict(data["inject_counts"])
        model.escalation = float(data["escalation"])
        model.state = DeterrenceState.from_json(data["state"], model.program.initial.bounds)
        model.interventions = _interventions(data.get("interventions") or [])
        model.records = turn_records_from_json(data["records"]) if record else []
        progress = data.get("turn_progress")
        model.stage = data.get("stage", "between_turns")
        if progress is not None:
            model.turn_progress = model._progress_from_json(progress)
        model._sync_clock()
        # A game saved when it reached its last turn plays on if given more turns; one that
        # a terminal outcome ended stays over.
        model.running = (
            model.state.turn < model.last_turn or model.turn_progress is not None
        ) and not model.ended()
        return model

    def _progress_from_json(self, data: dict[str, Any]) -> TurnInProgress:
        actions = self.program.actions
        moves = [
            Move(
                actions[action_id],
                int(index),
                resolver.move_key(self.state.turn, actions[action_id], int(index)),
                passed=bool(passed),
                draft=actions[draft[0]] if draft else None,
            )
            for action_id, index, passed, *draft in data["moves"]
        ]
        progress = TurnInProgress(
            phase_index=int(data["phase_index"]),
            moves=moves,
            controllers=dict(data["controllers"]),
        )
        if self.record and data["before"] is not None:
            parts = _parts_from_json(data)
            progress.before = parts["before"]
            progress.injects = parts["injects"]
            progress.phases = parts["phases"]
            progress.effects = parts["effects"]
        return progress

    def ended(self) -> bool:
        """Whether a terminal outcome has happened."""
        return any(
            terminal and outcome in self.state.outcomes
            for outcome, _, _, terminal in self.program.outcomes
        )

    def reseed(self, seed: int) -> WargameModel:
        """Play on from here with another seed (Monte Carlo continuations of one state)."""
        self.seed = int(seed)
        self.dice = KeyedRandom(self.seed)
        return self

    def release(self) -> None:
        """Drop mesa's per-model agent id counter (mesa 3.3 keeps every model alive through it)."""
        self.remove_all_agents()
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)


_NEXT: dict[str, str] = {
    "between_turns": "begin_turn()",
    "deciding": "decide_phase() (human teams' moves go in here)",
    "decided": "plan_phase() (human votes go in here), or apply_phase()",
    "planned": "apply_phase(), after any force, re-roll or replaced move",
    "ending": "end_turn()",
}


def _need_reason(reason: str, doing: str) -> None:
    if not reason or not reason.strip():
        raise WargameError(f"{doing} needs a reason, for the record")


def _variable(name: str) -> Any:
    return lambda m: m.state.vars[name]


def _attribute(name: str) -> Any:
    return lambda a: a.model.state.attrs[a.actor_id][name]


def _view(state: DeterrenceState) -> StateView:
    summary = state.summary()
    relations = [
        RelationView(u, v, {k: round(float(x), 6) for k, x in sorted(d.items())})
        for u, v, d in state.graph.edges(data=True)
    ]
    return StateView(summary["variables"], summary["attributes"], relations)


def _json(item: Any) -> dict[str, Any]:
    result: dict[str, Any] = dataclasses.asdict(item)
    return result


def option_record(option: Scored) -> OptionRecord:
    """An option as weighed: utility, logit probability and the terms, rounded for the record."""
    terms = {k: round(v, 4) for k, v in sorted((option.terms or {}).items())}
    return OptionRecord(
        option.action.id, round(option.utility, 4), round(option.probability, 4), terms
    )


def decision_record(
    program: Program, decision: Decision, replaced: tuple[list[str], str] | None = None
) -> DecisionRecord:
    """The record of a decision: the chosen options, the top five weighed with their terms,
    the sentence that explains it, and what a facilitator replaced (earlier choice, reason).
    A human team's chosen options are kept too when they are not among the top five: the
    after-action report sets them against what the team's agent would have chosen."""
    ranked = sorted(decision.options, key=lambda o: -o.probability)
    top = ranked[:5]
    if decision.controller == "human":
        chosen = {a.id for a in decision.chosen}
        top += [o for o in ranked[5:] if o.action.id in chosen]
    ranked = top
    record = DecisionRecord(
        actor=decision.actor,
        controller=decision.controller,
        chosen=[a.id for a in decision.chosen],
        top_options=[option_record(o) for o in ranked],
        narrative="",
        note=decision.note,
        scheduled=[a.id for a in decision.scheduled],
        schedule_skipped=list(decision.schedule_skipped),
        schedule_reason=decision.schedule_reason,
    )
    if replaced is not None:
        record.replaced, record.replaced_reason = replaced
    record.narrative = decision_sentence(program, record)
    return record


def _adjudication(move: Move, rerolled: dict[str, str], turn: int) -> AdjudicationRecord:
    return AdjudicationRecord(
        key=move.key,
        actor=move.action.actor,
        action=move.action.id,
        votes=dict(move.votes),
        passed=move.passed,
        odds={k: round(v, 4) for k, v in move.odds.items()},
        roll=None if move.roll is None else round(move.roll, 6),
        result=move.branch,
        forced=move.forced,
        rerolled=rerolled.get(move.key),
        effects=[
            EffectRecord(
                cause,
                list(term),
                op,
                round(amount, 6),
                lands_on_turn=turn + delay if delay else None,
            )
            for term, op, amount, delay, cause in move.writes
        ],
        forced_votes=dict(move.forced_votes),
        rolled_result=move.rolled,
        draft=None if move.draft is None else move.draft.id,
        withdrawn=list(move.withdrawn),
    )


def _interventions(data: list[Any]) -> list[Intervention]:
    from pydantic import TypeAdapter

    return TypeAdapter(list[Intervention]).validate_python(data)


def _parts_from_json(data: dict[str, Any]) -> dict[str, Any]:
    from pydantic import TypeAdapter

    return {
        "before": TypeAdapter(StateView).validate_python(data["before"]),
        "injects": TypeAdapter(list[InjectRecord]).validate_python(data["injects"]),
        "phases": TypeAdapter(list[PhaseRecord]).validate_python(data["phases"]),
        "effects": TypeAdapter(list[EffectRecord]).validate_python(data["effects"] or []),
    }


def escalation_sum(weights: Iterable[float], start: float = 0.0) -> float:
    """start + the sum of escalation weights, kept within +-1e300 however large they are.

    Weights may be any finite numbers, and a few near the largest float add up to infinity
    (then to NaN against negative ones): such a sum is taken exactly and clipped instead.
    """
    weights = list(weights)
    total = start + sum(weights)
    if -_HUGE <= total <= _HUGE:
        return total
    exact = sum(map(Fraction, weights), Fraction(start))
    return _HUGE if exact > _HUGE else -_HUGE if exact < -_HUGE else float(exact)
