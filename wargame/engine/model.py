"""WargameModel: one mesa step is one turn of the scenario.

Turn order (fixed, documented in docs/scenario-format.md): delayed effects land; injects;
each move phase in turn (decide on the same state, plan votes and dice, apply); beliefs
learn from the turn's provocations and answers; standing rules; outcomes. Turn inputs from
people (moves, votes, overrides) are set as attributes before `step()`, which takes none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import mesa

from wargame.engine import resolver
from wargame.engine.actors import StateActor
from wargame.engine.policies import Decision, DoctrinePolicy, HumanPolicy, LogitPolicy, Policy
from wargame.engine.resolver import Move, Override
from wargame.engine.rng import KeyedRandom
from wargame.engine.snapshot import SNAPSHOT_FORMAT, check_snapshot
from wargame.engine.state import DeterrenceState
from wargame.errors import InputError, WargameError

if TYPE_CHECKING:
    from wargame.engine.program import CAction
    from wargame.scenario.loading import Scenario


_HUGE = 1e300
"""Escalation sums saturate here (the bound expressions clip their results to)."""


class WargameModel(mesa.Model):
    """A game of one scenario (and variant) from one seed.

    `record=False` keeps only what Monte Carlo needs (outcomes, counts, final state); the
    decisions and dice are the same either way, so both modes give the same outcomes.
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
        turns: int | None = None,
        inputs: Mapping[str, float] | None = None,
        rng: Any = None,
    ) -> None:
        super().__init__(rng=seed if rng is None else rng)
        self.game_scenario = scenario
        self.seed = int(seed)
        self.dice = KeyedRandom(self.seed)
        self.explain = record
        self.last_turn = scenario.spec.scenario.turns if turns is None else int(turns)
        self.inputs: dict[str, float] | None = None
        if inputs is None:
            self.program = scenario.program
            self.state: DeterrenceState = self.program.initial.copy()
        else:
            self.program = scenario.sampling_program()
            self.inputs = sampled_inputs(scenario, inputs)
            self.state = self.program.initial.copy()
            for path, term in self.program.initial_inputs:
                self.state.put(term, self.inputs[path])
        self.records: list[dict[str, Any]] = []
        self.escalation = 0.0
        self.overrides: dict[str, Override] = {}
        self.rerolled: dict[str, str] = {}
        self.human_moves: dict[str, list[str]] = {}
        self.human_votes: dict[str, dict[str, str]] = {}
        self.inject_counts: dict[str, int] = {}
        self.actors: dict[str, StateActor] = {
            aid: StateActor(self, spec, self._policy(spec.controller))
            for aid, spec in self.program.actors.items()
        }

    def _policy(self, controller: str) -> Policy:
        if controller == "agent":
            return LogitPolicy()
        if controller == "human":
            return HumanPolicy()
        return DoctrinePolicy(
            self.program.doctrines[controller.split(":", 1)[1]], self.program.actions
        )

    # -- the turn ---------------------------------------------------------------------
    def step(self) -> None:
        """Play one turn."""
        if not self.running:
            return
        self.resolve_turn()
        if self.state.turn >= self.last_turn:
            self.running = False

    def run(self) -> WargameModel:
        """Play until the last turn or a terminal outcome."""
        while self.running:
            self.step()
        return self

    def resolve_turn(self) -> dict[str, Any] | None:
        """Play one turn; return its record (None when not recording)."""
        if self.inputs is not None:
            self.program.bind(self.inputs, self)
        state = self.state
        before = state.summary() if self.explain else None
        state.begin_turn()
        effects_log: list[dict[str, Any]] | None = [] if self.explain else None
        resolver.land_delayed(state, effects_log)
        injects = self._injects(effects_log)
        all_moves: list[Move] = []
        phases = []
        for phase_name, actor_ids in self.program.phases:
            decisions = [self.actors[a].decide() for a in actor_ids]
            moves = []
            for decision in decisions:
                seen: dict[str, int] = {}
                for action in decision.chosen:
                    index = seen[action.id] = seen.get(action.id, 0) + 1
                    key = resolver.move_key(state.turn, action, index)
                    moves.append(Move(action, index, key))
            resolver.plan(self.program, self, moves)
            resolver.apply(self.program, self, moves, effects_log)
            all_moves += moves
            self.escalation = escalation_sum((m.action.escalation for m in moves), self.escalation)
            if self.explain:
                phases.append(
                    {
                        "phase": phase_name,
                        "decisions": [d.to_json() for d in decisions],
                        "adjudication": [_move_json(m, self.rerolled) for m in moves],
                    }
                )
        belief_log: list[dict[str, Any]] | None = [] if self.explain else None
        resolver.update_beliefs(self.program, state, all_moves, belief_log)
        rules = []
        for rule_id, _, when, effects in self.program.rules:
            if when(state):
                rules.append(rule_id)
                resolver.apply_effects(state, effects, f"rule {rule_id}", effects_log)
        triggered = self._outcomes()
        self.human_moves, self.human_votes = {}, {}  # entered moves are for one turn only
        if not self.explain:
            return None
        record = {
            "turn": state.turn,
            "date": self.game_scenario.spec.scenario.turn_date(state.turn).isoformat(),
            "injects": injects,
            "phases": phases,
            "beliefs": belief_log,
            "rules_fired": rules,
            "effects": effects_log,
            "escalation_score": escalation_sum([m.action.escalation for m in all_moves]),
            "rung": self.rung(),
            "state_before": before,
            "state_after": state.summary(),
            "outcomes_triggered": triggered,
        }
        self.records.append(record)
        return record

    def _injects(self, log: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        state, out = self.state, []
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
                fired = forced.result == "fired"
            if fired:
                self.inject_counts[inj.id] = times + 1
                resolver.apply_effects(state, inj.effects, f"inject {inj.id}", log)
            if log is not None and (fired or probability):
                out.append(
                    {
                        "id": inj.id,
                        "key": key,
                        "description": inj.description,
                        "scheduled": scheduled,
                        "probability": probability,
                        "roll": roll,
                        "fired": fired,
                        "forced": forced.reason if forced else None,
                        "rerolled": self.rerolled.get(key),
                    }
                )
        return out

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
        return action.illegal(self.state, planned.count(action))

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
        """Force one adjudication item (a die, a vote, an inject) when its turn is played."""
        if not reason.strip():
            raise WargameError(f"forcing {key} needs a reason, for the record")
        self.overrides[key] = Override(result, reason)

    def reroll(self, key: str, reason: str) -> None:
        """Replace the draw behind a die, vote or inject (key as in the record) with a fresh one."""
        if not reason.strip():
            raise WargameError(f"re-rolling {key} needs a reason, for the record")
        try:
            turn_text, stream, rest = key.split(":", 2)
            turn = int(turn_text.removeprefix("t"))
        except ValueError:
            raise WargameError(f"'{key}' is not an item key such as t3:NK:nk_test#1") from None
        if ":vote:" in key:
            self.dice.reroll(key.rsplit(":", 1)[1], turn, key)
        elif stream == "inject":
            self.dice.reroll(f"inject:{rest}", turn, "fires")
        else:
            self.dice.reroll(stream, turn, f"die:{rest}")
        self.rerolled[key] = reason

    def options(self, actor_id: str) -> list[dict[str, Any]]:
        """What an agent would weigh now: options, utilities split into terms, probabilities.

        Draws nothing and changes nothing, so a facilitator may ask at any time.
        """
        explain, self.explain = self.explain, True
        if self.inputs is not None:
            self.program.bind(self.inputs, self)
        try:
            scored = LogitPolicy().score(self.program.actors[actor_id], self, [])
        finally:
            self.explain = explain
        return Decision(actor_id, "agent", [], scored).to_json(top=len(scored))["top_options"]

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

    def snapshot(self) -> dict[str, Any]:
        """The whole game as plain JSON: restoring it and playing on equals never stopping."""
        return {
            "format": SNAPSHOT_FORMAT,
            "scenario": self.game_scenario.spec.scenario.id,
            "scenario_hash": self.game_scenario.content_hash,
            "variant": self.game_scenario.variant,
            "seed": self.seed,
            "last_turn": self.last_turn,
            "running": self.running,
            "rerolls": dict(self.dice.rerolls),
            "overrides": {k: [o.result, o.reason] for k, o in self.overrides.items()},
            "rerolled": dict(self.rerolled),
            "inject_counts": dict(self.inject_counts),
            "escalation": self.escalation,
            "inputs": self.inputs,
            "state": self.state.to_json(),
            "records": self.records,
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
        )
        model.dice = KeyedRandom(model.seed, data["rerolls"])
        model.overrides = {k: Override(*v) for k, v in data["overrides"].items()}
        model.rerolled = dict(data["rerolled"])
        model.inject_counts = dict(data["inject_counts"])
        model.escalation = float(data["escalation"])
        model.state = DeterrenceState.from_json(data["state"], model.program.initial.bounds)
        model.records = list(data["records"]) if record else []
        # A game saved when it reached its last turn plays on if given more turns; one that
        # a terminal outcome ended stays over.
        model.running = model.state.turn < model.last_turn and not model.ended()
        return model

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


def sampled_inputs(scenario: Scenario, given: Mapping[str, float]) -> dict[str, float]:
    """Every sampled number of the scenario: the given values, central values for the rest."""
    values = {u.path: u.value for u in scenario.sampled}
    unknown = sorted(set(given) - set(values))
    if unknown:
        raise WargameError(
            f"not uncertain numbers of this scenario (variant): {', '.join(unknown[:5])}; "
            "sample only paths listed in Scenario.sampled"
        )
    values.update({path: float(value) for path, value in given.items()})
    return values


def _move_json(move: Move, rerolled: dict[str, str]) -> dict[str, Any]:
    return {
        "key": move.key,
        "actor": move.action.actor,
        "action": move.action.id,
        "votes": move.votes,
        "passed": move.passed,
        "odds": {k: round(v, 4) for k, v in move.odds.items()},
        "roll": None if move.roll is None else round(move.roll, 6),
        "result": move.branch,
        "forced": move.forced,
        "rerolled": rerolled.get(move.key),
        "effects": [
            {"term": list(term), "op": op, "value": round(amount, 6), "delay": delay}
            for term, op, amount, delay, _ in move.writes
        ],
    }
