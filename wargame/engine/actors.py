"""The mesa Agent for a state actor: it holds its policy and answers when asked to move or vote."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mesa

from wargame.engine.policies import Decision, Policy

if TYPE_CHECKING:
    from wargame.engine.model import WargameModel
    from wargame.engine.program import CAction, CActor


class StateActor(mesa.Agent):
    """A state actor (US, North Korea, ...): a compiled actor spec plus its controller."""

    def __init__(self, model: WargameModel, spec: CActor, policy: Policy) -> None:
        super().__init__(model)
        self.spec = spec
        self.policy = policy

    @property
    def actor_id(self) -> str:
        """The scenario's id for this actor."""
        return self.spec.id

    def decide(self, already: Sequence[CAction] = ()) -> Decision:
        """Choose this turn's options through the controller (agent, script or human), after
        `already` (the scenario's scheduled moves, which use up part of the budget)."""
        return self.policy.decide(self.spec, self.model, already)

    def vote(self, proposal: CAction, key: str) -> CAction:
        """Choose a ballot on a proposal put to this actor."""
        return self.policy.vote(self.spec, self.model, proposal, key)
