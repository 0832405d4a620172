"""`wargame run`: play one game and print it turn by turn."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wargame.cli.consoles import FileArg, err, out
from wargame.cli.printing import print_final, print_turn
from wargame.errors import InputError, WargameError
from wargame.files.atomic import write_json
from wargame.files.saved import read_snapshot
from wargame.scenario.loading import Scenario, load_scenario

if TYPE_CHECKING:
    from wargame.engine.model import WargameModel


def run(
    file: FileArg,
    variant: Annotated[str | None, typer.Option(help="Policy variant to play.")] = None,
    seed: Annotated[int, typer.Option(help="Run seed: same seed, same game.", min=0)] = 0,
    turns: Annotated[
        int | None, typer.Option(help="Play up to this turn (default: the scenario's).", min=1)
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a number: PATH=VALUE, e.g. parameters.x=1.5."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the turn records and summary here.")
    ] = None,
    save_state: Annotated[
        Path | None, typer.Option(help="Save the whole game state here at the end.")
    ] = None,
    from_state: Annotated[
        Path | None, typer.Option(help="Continue a game saved with --save-state.")
    ] = None,
    summary: Annotated[bool, typer.Option(help="Print only the final state and outcomes.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite existing output files.")] = False,
) -> None:
    """Play one game and print who did what and why, the dice, and the state changes."""
    for target in (json_out, save_state):
        if target is not None and target.exists() and not force:
            raise WargameError(f"{target} exists; pass --force to overwrite it")
    scenario = load_scenario(file, variant=variant, overrides=set_ or ())
    model = _start(scenario, seed, turns, from_state)
    shown = len(model.records)
    try:
        while model.running:
            model.step()
            if not summary and model.records[shown:]:
                for record in model.records[shown:]:
                    print_turn(out, model.program, record)
                shown = len(model.records)
    except InputError:
        raise
    except WargameError as error:
        # The input was fine but the game could not be played on: exit 1, as documented.
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(1) from None
    result = model.summary()
    print_final(out, scenario, result)
    if json_out is not None:
        write_json(json_out, {"summary": result, "records": [r.to_json() for r in model.records]})
    if save_state is not None:
        write_json(save_state, model.snapshot())
    model.release()


def _start(
    scenario: Scenario, seed: int, turns: int | None, from_state: Path | None
) -> WargameModel:
    data = None if from_state is None else read_snapshot(from_state, scenario)
    from wargame.engine.model import WargameModel  # imports mesa (~0.7 s): only `run` needs it

    if data is None:
        return WargameModel(scenario, seed=seed, turns=turns)
    last = scenario.spec.scenario.turns if turns is None else turns
    return WargameModel.restore(scenario, data, turns=last, check=False)  # read_snapshot checked
