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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from wargame.engine.lockstep.formulas import Unsupported
from wargame.engine.lockstep.games import Games, Pending
from wargame.engine.lockstep.turn import Lockstep

if TYPE_CHECKING:
    from wargame.engine.model import WargameModel
    from wargame.scenario.loading import Scenario

__all__ = ["Results", "Start", "Unsupported", "play", "summary_row", "supported"]


def supported(scenario: Scenario) -> str | None:
    """None if the lockstep engine plays this scenario (variant), else why not."""
    try:
        _engine(scenario, sampling=False)
    except Unsupported as why:
        return str(why)
    return None


@dataclass(slots=True)
class Results:
    """What Monte Carlo keeps of K games, as columns named as a batch names them: turns,
    escalation, outcome.ID (the turn it happened, 0 if it did not), count.KEY, final.VAR and
    final.ACTOR.ATTR (rounded to 6 places, as `WargameModel.summary` rounds them)."""

    seeds: list[int]
    columns: dict[str, Any]

    def row(self, game: int) -> dict[str, Any]:
        """One game's values as `batch.worker.summary_row` gives them for the reference's
        summary (an outcome that did not happen is None, an action never taken has no count)."""
        row: dict[str, Any] = {}
        for name, column in self.columns.items():
            value = column[game].item()
            if name.startswith("outcome."):
                value = value or None
            elif name.startswith("count.") and not value:
                continue
            row[name] = value
        return row

    def replace(self, game: int, row: dict[str, Any]) -> None:
        """Put a game's row from the reference engine in place of the lockstep one."""
        for name, column in self.columns.items():
            value = row.get(name)
            column[game] = 0 if value is None else value


@dataclass(frozen=True, slots=True)
class Start:
    """A saved game every game continues from (`WargameModel.snapshot()` output, checked),
    each with its own seed, to `turns` (None: the saved game's own last turn)."""

    snapshot: dict[str, Any]
    turns: int | None = None

    def restored(self, scenario: Scenario, seed: int | None = None) -> WargameModel:
        from wargame.engine.model import WargameModel

        model = WargameModel.restore(
            scenario, self.snapshot, record=False, check=False, turns=self.turns, any_variant=True
        )
        return model if seed is None else model.reseed(seed)


def play(
    scenario: Scenario,
    seeds: Sequence[int],
    inputs: Mapping[str, Any] | None = None,
    start: Start | None = None,
) -> Results:
    """The results of the games with these seeds, played together; raises Unsupported for a
    scenario it does not play. `inputs` samples uncertain numbers: path -> one value per
    game (as `Scenario.sampled` names them; the others keep their central values). `start`
    continues a saved game (taken between turns) instead of starting from turn 1."""
    saved = None if start is None else start.restored(scenario)
    if saved is not None:
        if saved.stage != "between_turns" or saved.turn_progress is not None:
            raise Unsupported("the saved game is in the middle of a turn")
        if saved.overrides:
            raise Unsupported("the saved game has facilitator rulings for later turns")
        if saved.inputs is not None and inputs is None:
            inputs = {path: [value] * len(seeds) for path, value in saved.inputs.items()}
    engine = _engine(scenario, sampling=inputs is not None)
    arrays = None if inputs is None else sampled_columns(scenario, inputs, len(seeds))
    games = Games.start(
        engine.program, engine.layout, list(seeds), arrays, None if saved is None else saved.state
    )
    last = scenario.spec.scenario.turns
    if saved is not None:
        _carry_on(engine, games, saved)
        last = saved.last_turn if saved.running else saved.state.turn
    played = engine.play(games, last)
    results = Results(list(seeds), _columns(engine, games, played))
    for i in np.nonzero(games.careful)[0].tolist():
        if start is not None:
            model = start.restored(scenario, seeds[i])
        else:
            own = None if arrays is None else {path: float(a[i]) for path, a in arrays.items()}
            model = _fresh(scenario, seeds[i], own)
        try:
            results.replace(i, summary_row(model.run().summary()))
        finally:
            model.release()
    return results


def _fresh(scenario: Scenario, seed: int, inputs: dict[str, float] | None) -> WargameModel:
    """A game from the scenario's start for the reference engine to play (mesa, ~90 MiB a
    process, is loaded only for such a game, not by every process that plays in lockstep)."""
    from wargame.engine.model import WargameModel

    return WargameModel(scenario, seed=seed, record=False, inputs=inputs)


def _carry_on(engine: Lockstep, games: Games, saved: WargameModel) -> None:
    """What a saved game holds beside its state: effects still on their way, how often each
    inject has fired, the escalation so far."""
    size, layout = games.size, engine.layout
    for lands, term, op, amount, _ in saved.state.pending:
        games.pending.append(
            Pending(
                np.full(size, int(lands)),
                layout.terms[tuple(term)],
                op,
                np.full(size, float(amount)),
                np.ones(size, dtype=bool),
            )
        )
    for i, inject in enumerate(engine.program.injects):
        games.inject_times[i] = saved.inject_counts.get(inject.id, 0)
    games.escalation[:] = saved.escalation


def sampled_columns(scenario: Scenario, given: Mapping[str, Any], size: int) -> dict[str, Any]:
    """Every sampled number of the scenario, one value per game: the given columns, central
    values for the rest (`Scenario.sampled_values` for many games)."""
    scenario.sampled_values(dict.fromkeys(given, 0.0))  # refuses paths it does not sample
    columns = {}
    for u in scenario.sampled:
        found = given.get(u.path)
        column = np.full(size, u.value) if found is None else np.asarray(found, dtype=np.float64)
        if column.shape != (size,):
            raise ValueError(f"{u.path}: {column.shape[0]} values for {size} games")
        columns[u.path] = column
    return columns


def summary_row(summary: dict[str, Any]) -> dict[str, Any]:
    """The batch columns of one game's `WargameModel.summary()`."""
    row: dict[str, Any] = {
        "turns": summary["turns_played"],
        "escalation": summary["escalation_total"],
    }
    row |= {f"outcome.{k}": v for k, v in summary["outcomes"].items()}
    row |= {f"count.{k}": v for k, v in summary["counts"].items()}
    row |= {f"final.{k}": v for k, v in summary["final"]["variables"].items()}
    for actor, attrs in summary["final"]["attributes"].items():
        row |= {f"final.{actor}.{k}": v for k, v in attrs.items()}
    return row


def _engine(scenario: Scenario, sampling: bool) -> Lockstep:
    """The scenario's lockstep engine, built (and its formulas compiled) once: a batch asks
    for it on every chunk."""
    key = "lockstep sampling" if sampling else "lockstep"
    found = scenario.cache.get(key)
    if isinstance(found, Unsupported):
        raise found
    if found is None:
        program = scenario.sampling_program() if sampling else scenario.program
        controllers = {aid: actor.controller for aid, actor in program.actors.items()}
        try:
            found = Lockstep(scenario, program, controllers)
        except Unsupported as why:
            scenario.cache[key] = why
            raise
        scenario.cache[key] = found
    engine: Lockstep = found
    return engine


def _columns(engine: Lockstep, games: Games, played: Any) -> dict[str, Any]:
    """The games' batch columns."""
    program, layout = engine.program, engine.layout
    columns: dict[str, Any] = {
        "turns": played.copy(),
        "escalation": round6(games.escalation),
    }
    for i, (name, _, _, _) in enumerate(program.outcomes):
        columns[f"outcome.{name}"] = games.outcomes[i].copy()
    for key, row in sorted(layout.keys.items()):
        columns[f"count.{key}"] = games.count[row].copy()
    rounded = round6(games.x)
    for term, row in layout.terms.items():
        if term[0] == "v":
            columns[f"final.{term[1]}"] = rounded[row]
        elif term[0] == "a":
            columns[f"final.{term[1]}.{term[2]}"] = rounded[row]
    return columns


def round6(values: Any) -> Any:
    """Python's round(v, 6) of every value (correctly rounded, half to even), fast.

    numpy's own rounding multiplies by 1e6 first, and where that product lands within its
    rounding error of a half the two can part; those few values, and the ones too large to
    carry six decimals, are rounded by Python.
    """
    with np.errstate(all="ignore"):  # 1e300 * 1e6 is inf: such values are Python's
        scaled = values * 1e6
        out = np.rint(scaled) / 1e6
        size = np.abs(scaled)
        unsure = ~(size < 2.0**52) | (np.abs(scaled - np.floor(scaled) - 0.5) <= size * 2.0**-52)
    if unsure.any():
        where = np.nonzero(unsure)
        out[where] = [round(v, 6) for v in values[where].tolist()]
    return out
