"""`wargame replay`: rebuild a saved seminar from its scenario, seed and journal, and check it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wargame.cli.consoles import out
from wargame.errors import RunError


def replay(
    session: Annotated[
        Path, typer.Argument(help="Session file written by `wargame play`.", show_default=False)
    ],
    scenario_from_session: Annotated[
        bool, typer.Option(help="Replay on the scenario copy saved in the session file.")
    ] = False,
) -> None:
    """Replay a session's journal and check that it gives every recorded turn (exit 1 if not)."""
    from wargame.seminar.sessionfile import load_session, scenario_location

    try:
        game, saved = load_session(session, scenario_from_session=scenario_from_session)
    except RunError as error:
        out.print(f"different: {error}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    out.print(
        f"identical: {len(saved.journal)} journal entries replayed on "
        f"{scenario_location(session, saved.scenario)} (seed {saved.seed}) give the "
        f"{len(saved.records)} recorded turn(s); the game stands at turn "
        f"{game.model.state.turn} ({game.model.stage})",
        markup=False,
        highlight=False,
    )
