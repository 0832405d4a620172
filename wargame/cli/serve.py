"""`wargame serve`: the facilitator's dashboard in the browser (`wargame.web`).

One game per session file, shared by every tab, saved after every phase in the format of
`wargame play` (a game started in one resumes in the other). On the loopback address anyone
at the page may play; on any other address the controls need the token printed at start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wargame.cli.consoles import out
from wargame.errors import WargameError
from wargame.files.atomic import output_target


def serve(
    file: Annotated[
        Path | None,
        typer.Argument(help="Scenario YAML to offer first on the set-up page.", show_default=False),
    ] = None,
    session: Annotated[
        Path,
        typer.Option("--session", help="Session file: resumed if it exists, else the new game's."),
    ] = Path("game.json"),
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535)] = 8765,
    host: Annotated[
        str,
        typer.Option(help="Address to bind; any but loopback needs the facilitator token."),
    ] = "127.0.0.1",
    scenarios: Annotated[
        Path, typer.Option(help="Folder of scenarios offered on the set-up page.")
    ] = Path("scenarios"),
) -> None:
    """Serve the facilitator dashboard in the browser: set up, play and review a seminar."""
    from wargame.web.server import check_address, prepare, run

    output_target(session, "--session")  # written at every phase: a regular file, or none yet
    if file is not None and not file.is_file():
        raise WargameError(f"{file}: no such scenario file")
    config = prepare(session, host, file, scenarios)
    check_address(host, port)
    if config.access.token is not None:
        out.print(
            f"Facilitator token: {config.access.token}\n"
            f"  (bound to {host}: controls that change the game need it; open "
            f"http://{host}:{port}/?token={config.access.token} as facilitator)",
            markup=False,
            highlight=False,
        )
    run(host, port, lambda line: out.print(line, markup=False, highlight=False))
