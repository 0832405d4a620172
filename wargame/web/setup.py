"""The set-up page's reads: the scenarios on offer, an uploaded scenario checked as untrusted
input (its every problem with its line), and the teams a game can hand to people, agents or
doctrines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wargame.engine.snapshot import MAX_TURN
from wargame.errors import InputError, Problem, WargameError
from wargame.scenario.loading import Scenario, load_scenario, load_scenario_text
from wargame.web.table import GameChoice

MAX_UPLOAD = 1024 * 1024
"""Bytes an uploaded scenario may have (the largest shipped one is about 60 KB)."""


@dataclass(frozen=True)
class Team:
    """A team and who may play it: 'human', 'agent' and the scenario's doctrines for it."""

    id: str
    name: str
    default: str
    controllers: list[str]


@dataclass(frozen=True)
class Offer:
    """A scenario on offer: its file, title, variants, teams and turns as written."""

    path: Path
    title: str
    variants: list[str]
    teams: list[Team]
    turns: int = 1


def offer(scenario: Scenario, path: Path) -> Offer:
    spec = scenario.spec
    teams = []
    for actor_id, actor in spec.actors.items():
        doctrines = [f"script:{d}" for d, doc in spec.doctrines.items() if doc.actor == actor_id]
        teams.append(
            Team(actor_id, actor.name or actor_id, actor.controller, ["human", "agent", *doctrines])
        )
    return Offer(path, spec.scenario.title, list(spec.variants), teams, spec.scenario.turns)


def scenarios_in(folder: Path) -> list[Offer]:
    """The scenarios of a folder that load; a file that does not is left out of the list
    (`wargame validate` names its problems)."""
    offers = []
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            offers.append(offer(load_scenario(path), path))
        except WargameError:
            continue
    return offers


def check_upload(name: str, data: bytes, variant: str | None = None) -> tuple[Scenario, str]:
    """An uploaded scenario, loaded as untrusted input, and its text; InputError naming
    every problem with its line otherwise."""
    label = Path(name).name or "upload.yaml"
    if len(data) > MAX_UPLOAD:
        raise InputError(
            [
                Problem(
                    label,
                    None,
                    None,
                    f"the file has {len(data):,} bytes, more than a scenario may ({MAX_UPLOAD:,})",
                    "upload the scenario YAML itself",
                )
            ]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            [
                Problem(
                    label,
                    None,
                    None,
                    f"not UTF-8 text (byte {error.start + 1})",
                    "save the scenario as UTF-8",
                )
            ]
        ) from None
    return load_scenario_text(text, file=label, variant=variant), text


def problem_lines(error: WargameError) -> list[str]:
    """Each problem of an error on a line of its own (file, line, what, fix)."""
    if isinstance(error, InputError):
        return [str(problem) for problem in error.problems]
    return [str(error)]


@dataclass(frozen=True)
class Upload:
    """A scenario given on the page (not a file of the server's folder): its name and text."""

    name: str
    text: str


def choose(
    source: Path | Upload,
    session_path: Path,
    *,
    variant: str | None,
    seed: int,
    controllers: dict[str, str],
    turns: int | None = None,
) -> GameChoice:
    """The game the set-up page asks for, its scenario loaded with the variant, played up to
    turn `turns` (None: the scenario's last, as `wargame play --turns`); an uploaded scenario
    is kept beside the session file (`GAME.scenario.yaml`), where resuming reads it."""
    if turns is not None and not 1 <= turns <= MAX_TURN:
        raise WargameError(f"{turns} turns: give 1 to {MAX_TURN:,} (or 0 for the scenario's)")
    if isinstance(source, Upload):
        scenario = load_scenario_text(source.text, file=source.name, variant=variant)
        kept = session_path.with_name(f"{session_path.stem}.scenario.yaml")
        return GameChoice(scenario, kept, source.text, True, seed, turns, controllers)
    scenario = load_scenario(source, variant=variant)
    text = Path(source).read_text(encoding="utf-8")
    return GameChoice(scenario, Path(source), text, False, seed, turns, controllers)
