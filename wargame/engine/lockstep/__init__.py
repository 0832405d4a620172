"""The lockstep engine: many games of one scenario played together as arrays.

For Monte Carlo in summary mode. `play` gives each game's summary, the very one
`WargameModel.summary()` gives for the same seed and inputs: the reference engine stays the
definition of the rules, and the differential tests hold the two together. Scenarios using
something this engine does not play raise `Unsupported` (the batch runner then plays them
on the reference engine), and games that meet numbers too large for floats are played
again, one by one, by the reference engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from wargame.engine.lockstep.formulas import Unsupported
from wargame.engine.lockstep.games import Games
from wargame.engine.lockstep.turn import Lockstep
from wargame.engine.model import WargameModel, sampled_inputs

if TYPE_CHECKING:
    from wargame.scenario.loading import Scenario

__all__ = ["Unsupported", "play", "supported"]


def supported(scenario: Scenario) -> str | None:
    """None if the lockstep engine plays this scenario (variant), else why not."""
    try:
        _engine(scenario, sampling=False)
    except Unsupported as why:
        return str(why)
    return None


def play(
    scenario: Scenario,
    seeds: Sequence[int],
    inputs: Sequence[Mapping[str, float]] | None = None,
) -> list[dict[str, Any]]:
    """The summaries of the games with these seeds (and sampled inputs, one mapping per
    game), played together; raises Unsupported for a scenario it does not play."""
    engine = _engine(scenario, sampling=inputs is not None)
    arrays: dict[str, Any] | None = None
    full: list[dict[str, float]] = []
    if inputs is not None:
        full = [sampled_inputs(scenario, given) for given in inputs]
        arrays = {path: np.array([f[path] for f in full]) for path in full[0]} if full else {}
    games = Games.start(engine.program, engine.layout, list(seeds), arrays)
    played = engine.play(games, scenario.spec.scenario.turns)
    out = _summaries(scenario, engine, games, played)
    for i in np.nonzero(games.careful)[0].tolist():
        model = WargameModel(
            scenario, seed=seeds[i], record=False, inputs=full[i] if inputs is not None else None
        )
        try:
            out[i] = model.run().summary()
        finally:
            model.release()
    return out


def _engine(scenario: Scenario, sampling: bool) -> Lockstep:
    program = scenario.sampling_program() if sampling else scenario.program
    controllers = {aid: actor.controller for aid, actor in program.actors.items()}
    return Lockstep(scenario, program, controllers)


def _summaries(
    scenario: Scenario, engine: Lockstep, games: Games, played: Any
) -> list[dict[str, Any]]:
    """`WargameModel.summary()` of each game."""
    program, layout = engine.program, engine.layout
    x = [[round(v, 6) for v in column] for column in games.x.T.tolist()]
    rows = [(term, row) for term, row in layout.terms.items()]
    variables = [(term[1], row) for term, row in rows if term[0] == "v"]
    attributes: dict[str, list[tuple[str, int]]] = {}
    for term, row in rows:
        if term[0] == "a":
            attributes.setdefault(term[1], []).append((term[2], row))
    keys = sorted(layout.keys.items())
    counts = games.count.T.tolist()
    outcomes = games.outcomes.T.tolist()
    escalation = [round(v, 6) for v in games.escalation.tolist()]
    names = [o[0] for o in program.outcomes]
    turns = played.tolist()
    out = []
    for g, seed in enumerate(games.seeds):
        values, counted = x[g], counts[g]
        out.append(
            {
                "seed": seed,
                "variant": scenario.variant,
                "turns_played": turns[g],
                "outcomes": {n: (t or None) for n, t in zip(names, outcomes[g], strict=True)},
                "counts": {k: counted[i] for k, i in keys if counted[i]},
                "escalation_total": escalation[g],
                "final": {
                    "variables": {name: values[row] for name, row in variables},
                    "attributes": {
                        actor: {attr: values[row] for attr, row in pairs}
                        for actor, pairs in attributes.items()
                    },
                },
            }
        )
    return out
