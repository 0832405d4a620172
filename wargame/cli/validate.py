"""`wargame validate`: check scenario files, every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wargame.cli.consoles import err, out
from wargame.errors import InputError
from wargame.scenario.loading import load_scenario


def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.", show_default=False)],
    strict: Annotated[
        bool, typer.Option(help="Also fail (exit 2) on numbers without source or assumption.")
    ] = False,
) -> None:
    """Check scenario files; report every problem at once, and numbers lacking provenance."""
    failed = False
    for file in files:
        try:
            scenario = load_scenario(file)
            for variant in scenario.spec.variants:
                load_scenario(file, variant=variant)
        except InputError as error:
            err.print(str(error), markup=False)
            failed = True
            continue
        unsourced = scenario.unsourced
        status = "ok" if not unsourced else f"ok, {len(unsourced)} number(s) without provenance"
        out.print(
            f"{file}: {status}; {len(scenario.spec.actors)} actors, "
            f"{len(scenario.spec.actions)} actions, {len(scenario.spec.variants)} variants, "
            f"{len(scenario.uncertainties)} uncertain numbers",
            markup=False,
        )
        for line in unsourced:
            out.print(f"  no provenance: {line}", markup=False)
        failed = failed or (strict and bool(unsourced))
    if failed:
        raise typer.Exit(2)
