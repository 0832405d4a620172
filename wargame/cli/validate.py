"""`wargame validate`: check scenario files, every problem at once.

A file is read and checked once, then once more with each of its variants applied (the base
check is not repeated per variant). What it prints is plain text, written to the stream in one
piece: rich would take a second for every 100,000 lines, and a large file can have that many
numbers without provenance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wargame.cli.consoles import err, out
from wargame.errors import InputError
from wargame.scenario.loading import load_with_variants


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
            scenario, variants_failed = load_with_variants(file)
            if variants_failed:
                raise InputError([p for error in variants_failed for p in error.problems])
        except InputError as error:
            _write(err, str(error))
            failed = True
            continue
        unsourced = scenario.unsourced
        status = "ok" if not unsourced else f"ok, {len(unsourced)} number(s) without provenance"
        lines = [
            f"{file}: {status}; {len(scenario.spec.actors)} actors, "
            f"{len(scenario.spec.actions)} actions, {len(scenario.spec.variants)} variants, "
            f"{len(scenario.uncertainties)} uncertain numbers",
            *(f"  no provenance: {line}" for line in unsourced),
        ]
        _write(out, "\n".join(lines))
        failed = failed or (strict and bool(unsourced))
    if failed:
        raise typer.Exit(2)


def _write(console: Console, text: str) -> None:
    """Plain text and a newline, straight to the console's stream (see the module's note)."""
    try:
        console.file.write(text + "\n")
        console.file.flush()
    except BrokenPipeError:  # a reader that stopped reading: as rich handles it
        console.on_broken_pipe()
