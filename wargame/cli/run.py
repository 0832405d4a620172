"""`wargame run`: play one game and print it turn by turn.

Before any turn is played: every output is checked (`check_outputs`: a new file or, with
--force, an existing regular file; never a directory, FIFO, device or the same file twice),
the options are range-checked (seed, turns, and the turns' dates) and a saved state is read
and checked. While playing, a game whose saved state (--save-state) could not be read back
is stopped as soon as that is certain; nothing is written then.

Turn records are kept only while something needs them: --json and --save-state need every
one; printing needs each until it is printed; --summary alone needs none (the model plays
with `record=False`, which gives the same summary and outcomes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wargame.cli.consoles import FileArg, err, out
from wargame.cli.printing import print_final, print_turn
from wargame.engine.records import RUN_FORMAT
from wargame.engine.snapshot import MAX_SEED, MAX_TURN, WHAT
from wargame.errors import InputError, WargameError
from wargame.files.atomic import (
    check_outputs,
    containers_in,
    json_size_problem,
    json_text,
    path_from,
    write_text,
)
from wargame.files.saved import read_snapshot
from wargame.scenario.loading import Scenario, load_scenario

if TYPE_CHECKING:
    from wargame.engine.model import WargameModel
    from wargame.engine.records import TurnRecord


def run(
    file: FileArg,
    variant: Annotated[str | None, typer.Option(help="Policy variant to play.")] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Run seed: same seed, same game (default 0). With --from-state: play on "
            "from the saved state with this seed instead of the saved one.",
            min=0,
            max=MAX_SEED,
            show_default=False,
        ),
    ] = None,
    turns: Annotated[
        int | None,
        typer.Option(help="Play up to this turn (default: the scenario's).", min=1, max=MAX_TURN),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a number: PATH=VALUE, e.g. parameters.x=1.5."),
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="Write the turn records and summary here (a new file)."),
    ] = None,
    save_state: Annotated[
        Path | None,
        typer.Option(help="Save the whole game state here at the end (a new file)."),
    ] = None,
    from_state: Annotated[
        Path | None, typer.Option(help="Continue a game saved with --save-state.")
    ] = None,
    summary: Annotated[bool, typer.Option(help="Print only the final state and outcomes.")] = False,
    force: Annotated[
        bool, typer.Option(help="Overwrite existing output files (regular files only).")
    ] = False,
) -> None:
    """Play one game and print who did what and why, the dice, and the state changes."""
    check_outputs([("--json", json_out), ("--save-state", save_state)], force=force)
    scenario = load_scenario(file, variant=variant, overrides=set_ or ())
    _check_turns(scenario, turns)
    keep = json_out is not None or save_state is not None
    model = _start(scenario, seed, turns, from_state, record=keep or not summary)
    budget = _StateBudget(save_state, model) if save_state is not None else None
    if scenario.hindsight_note is not None:  # the header: this game is not a forecast
        out.print(scenario.hindsight_note, markup=False, highlight=False)
    shown = len(model.records)
    previous = model.records[-1] if model.records else None
    try:
        while model.running:
            model.step()
            fresh = model.records[shown:]
            if budget is not None:
                budget.add(fresh, model)
            if not summary:
                for record in fresh:
                    print_turn(out, model.program, record, previous=previous)
                    previous = record
            if keep:
                shown = len(model.records)
            else:
                del model.records[shown:]  # printed: nothing needs it any more
    except (InputError, _TooLarge):
        raise
    except WargameError as error:
        # The input was fine but the game could not be played on: exit 1, as documented.
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(1) from None
    result = model.summary()
    print_final(out, scenario, result)
    texts = []  # every output checked before any is written: all or none
    if json_out is not None:
        written = {
            "format": RUN_FORMAT,
            "scenario": {
                # from the JSON file's folder, as a session file names its scenario
                "path": path_from(json_out.parent, file),
                "id": scenario.id,
                "variant": scenario.variant,
                "overrides": list(set_ or ()),
                "sha256": scenario.content_hash,
                **({"hindsight": True} if scenario.hindsight else {}),
            },
            "summary": result,
            "records": [r.to_json() for r in model.records],
        }
        texts.append((json_out, json_text(json_out, written, read_back=False)))  # not read back
    if save_state is not None:
        fix = f"play fewer than {model.state.turn:,} turns in a game you save (--turns)"
        state = json_text(save_state, model.snapshot(), what=WHAT, fix=fix, option="--save-state")
        texts.append((save_state, state))
    for path, text in texts:
        write_text(path, text)
    model.release()


class _TooLarge(WargameError):
    """The saved state the options ask for could not be read back (exit 2)."""


class _StateBudget:
    """Stops a game as soon as its saved state is certain to pass the read limits.

    The state is mostly its turn records: each is counted as it is made, as many bytes and
    brackets as it takes in the state file (indented as `json_text` writes it, two levels
    deep). The rest of the state only adds to that, so a game is never stopped that could
    have been saved; the exact check is made on the whole text at the end (`json_text`).
    """

    def __init__(self, path: Path, model: WargameModel) -> None:
        self.path = path
        self.size = self.containers = 0
        self.add(model.records, model)

    def add(self, records: list[TurnRecord], model: WargameModel) -> None:
        for record in records:
            text = json.dumps(record.to_json(), indent=1, allow_nan=False)
            self.size += len(text) + _DEPTH * text.count("\n")
            self.containers += containers_in(text)
        if problem := json_size_problem(self.size, self.containers, WHAT, least=True):
            turn = model.state.turn
            raise _TooLarge(
                f"--save-state {self.path}: {problem} (stopped at turn {turn:,} of "
                f"{model.last_turn:,}); nothing was written. Fix: play fewer than {turn:,} "
                "turns in a game you save (--turns), or leave out --save-state"
            )


_DEPTH = 2  # a record's lines in the state file are indented two levels more ("records": [...])


def _check_turns(scenario: Scenario, turns: int | None) -> None:
    """--turns whose last turn would begin after the year 9999 is refused before playing."""
    if turns is None:
        return
    calendar = scenario.spec.scenario
    if _dated(scenario, turns):
        return
    low, high = 1, turns  # the last turn with a date: turn 1 always has one (its start)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if _dated(scenario, middle) else (low, middle - 1)
    raise WargameError(
        f"--turns {turns}: turn {turns} would begin after the year 9999 (the scenario starts "
        f"{calendar.start_date}, a turn is {calendar.turn_length}); at most --turns {low}"
    )


def _dated(scenario: Scenario, turn: int) -> bool:
    try:
        scenario.spec.scenario.turn_date(turn)
    except (ValueError, OverflowError):
        return False
    return True


def _start(
    scenario: Scenario,
    seed: int | None,
    turns: int | None,
    from_state: Path | None,
    *,
    record: bool,
) -> WargameModel:
    data = None if from_state is None else read_snapshot(from_state, scenario)
    from wargame.engine.model import WargameModel  # imports mesa (~0.7 s): only `run` needs it

    if data is None:
        return WargameModel(scenario, seed=seed or 0, turns=turns, record=record)
    last = scenario.spec.scenario.turns if turns is None else turns
    model = WargameModel.restore(scenario, data, turns=last, check=False, record=record)
    if seed is not None and seed != model.seed:
        model.reseed(seed)  # play on from the saved state with other luck
    return model
