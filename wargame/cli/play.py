"""`wargame play`: a seminar on the terminal, saved after every phase.

People play the teams named with --human; agents (or the variant's doctrines) play the rest.
At the keyboard it opens the full-screen program (`wargame.seminar.tui`); with --moves it
plays the human teams' moves and the facilitator's interventions from a file and prints the
game. Either way the session file is written atomically at the start of every turn and phase,
so `wargame play --resume GAME.json` continues a game however it stopped.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wargame.cli.consoles import err, out
from wargame.cli.printing import print_final, print_turn
from wargame.engine.snapshot import MAX_SEED, MAX_TURN
from wargame.errors import WargameError
from wargame.files.atomic import check_outputs, output_target

if TYPE_CHECKING:
    from wargame.seminar.moves import Moves
    from wargame.seminar.session import Session
    from wargame.seminar.sessionfile import SessionWriter


def play(
    file: Annotated[
        Path | None,
        typer.Argument(help="Scenario YAML file (not with --resume).", show_default=False),
    ] = None,
    human: Annotated[
        str | None,
        typer.Option(help="Teams played by people, e.g. US,JP,KR; agents play the others."),
    ] = None,
    variant: Annotated[str | None, typer.Option(help="Policy variant to play.")] = None,
    seed: Annotated[
        int, typer.Option(help="Game seed: same seed, same dice.", min=0, max=MAX_SEED)
    ] = 0,
    turns: Annotated[
        int | None,
        typer.Option(help="Play up to this turn (default: the scenario's).", min=1, max=MAX_TURN),
    ] = None,
    session: Annotated[
        Path | None, typer.Option("--session", help="Session file to write (GAME.json).")
    ] = None,
    resume: Annotated[
        Path | None, typer.Option(help="Continue the game saved in this session file.")
    ] = None,
    moves: Annotated[
        Path | None,
        typer.Option(help="Play the human teams' moves and interventions from this YAML file."),
    ] = None,
    scenario_from_session: Annotated[
        bool,
        typer.Option(help="On --resume, play on the scenario copy saved in the session file."),
    ] = False,
    detail: Annotated[
        bool, typer.Option(help="With --moves, print ids and utility terms too.")
    ] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing session file.")] = False,
) -> None:
    """Run a seminar: people play some teams, agents the rest; saved after every phase."""
    from wargame.seminar.moves import read_moves

    if resume is not None:
        given = [
            name
            for name, value in (
                ("FILE", file),
                ("--human", human),
                ("--variant", variant),
                ("--seed", seed or None),
                ("--turns", turns),
                ("--session", session),
            )
            if value is not None
        ]
        if given:
            raise WargameError(
                f"--resume continues the game as saved: leave out {', '.join(given)} (the "
                "session file holds the scenario, teams, seed and turns)"
            )
    else:
        if file is None:
            raise WargameError(
                "give a scenario file to start a game (wargame play FILE --human US,JP "
                "--session GAME.json), or --resume GAME.json to continue one"
            )
        if session is None:
            raise WargameError(
                "give --session GAME.json: the game is saved there after every phase"
            )
        if scenario_from_session:
            raise WargameError("--scenario-from-session goes with --resume")
        if session.is_file() and not force:
            raise WargameError(
                f"{session} exists; continue it with --resume {session}, or pass --force "
                "to start a new game over it"
            )
        # A directory, FIFO or device, a missing folder or one that cannot be written: refused
        # before the scenario is read or a game begun.
        check_outputs([("--session", session)], force=force)
    script = read_moves(moves) if moves is not None else None
    if resume is not None:
        game, path, writer, start = _resume(resume, scenario_from_session, script)
        _need_terminal(script)  # after the session file was read: its problems come first
    else:
        assert file is not None and session is not None
        _need_terminal(script)  # before the session file is written
        game, writer = _start(file, human, variant, seed, turns, session)
        path, start = session, 0
    if script is None:
        from wargame.seminar.tui import run_app

        run_app(game, path)
        return
    _play_moves(game, path, writer, script, start, detail)


def _need_terminal(script: Moves | None) -> None:
    if script is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise WargameError(
            "wargame play needs a terminal for the teams' entries; to play without one, "
            "give the moves in a file: --moves MOVES.yaml (see docs/seminar.md)"
        )


def _start(
    file: Path, human: str | None, variant: str | None, seed: int, turns: int | None, path: Path
) -> tuple[Session, SessionWriter]:
    from wargame.scenario.loading import load_scenario
    from wargame.seminar.session import Session
    from wargame.seminar.sessionfile import saver

    scenario = load_scenario(file, variant=variant)
    teams = [team.strip() for team in (human or "").split(",") if team.strip()]
    if len(set(teams)) != len(teams):
        raise WargameError(f"--human names a team twice: {human}")
    game = Session.start(
        scenario, seed=seed, turns=turns, controllers={team: "human" for team in teams}
    )
    writer = saver(path, file, Path(file).read_text(encoding="utf-8"))
    game.autosave = writer
    writer(game)
    return game, writer


def _resume(
    path: Path, from_session: bool, script: Moves | None
) -> tuple[Session, Path, SessionWriter, int | None]:
    from wargame.seminar.sessionfile import load_session, saver, scenario_location

    output_target(path, "--resume")  # written again at every phase: a regular file
    game, saved = load_session(path, scenario_from_session=from_session)
    writer = saver(path, scenario_location(path, saved.scenario), saved.scenario.text)
    game.autosave = writer
    start = None
    if script is not None and saved.moves is not None and saved.moves.sha256 == script.sha256:
        start = saved.moves.next  # the same file: on from the entry it had reached
    return game, path, writer, start


def _play_moves(
    game: Session,
    path: Path,
    writer: SessionWriter,
    script: Moves,
    start: int | None,
    detail: bool,
) -> None:
    from wargame.seminar.moves import Player

    def turn_ended(session: Session) -> None:
        *_, previous, record = [None, *session.model.records]
        print_turn(out, session.model.program, record, detail, previous)

    def undone(session: Session, where: str) -> None:
        out.print(f"  (undone: back to {where})", markup=False, highlight=False)

    player = Player(game, script, start=start, on_turn=turn_ended, on_undo=undone)
    writer.progress = player.progress
    if game.journal:
        model = game.model
        over = not model.running and model.stage == "between_turns"
        where = f"the game is over (turn {model.state.turn})" if over else player.where()
        out.print(f"Resuming at {where}", markup=False, highlight=False)
    try:
        player.play()
    except WargameError as error:
        err.print(f"error: {error}", markup=False, highlight=False)
        err.print(
            f"The session file {path} holds the game as it was at the last start of a turn "
            f"or phase (the game is at {player.where()}); fix the moves file and continue "
            f"with: wargame play --resume {path} --moves {script.path}",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(error.exit_code) from None
    print_final(out, game.scenario, game.model.summary())
    out.print(f"Session saved to {path}", markup=False, highlight=False)
