"""Games for the dashboard's tests: a Table on the tutorial with chosen teams."""

from __future__ import annotations

from pathlib import Path

from wargame.scenario.loading import load_scenario
from wargame.web.access import Access
from wargame.web.table import GameChoice, Table

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "scenarios" / "tutorial.yaml"


def tutorial_table(
    folder: Path, humans: tuple[str, ...] = ("Red", "Blue"), token: str | None = None
) -> Table:
    """A new game of the tutorial on folder/game.json, the given teams human."""
    table = Table(folder / "game.json", Access(token))
    choice = GameChoice(
        load_scenario(TUTORIAL),
        TUTORIAL,
        TUTORIAL.read_text(encoding="utf-8"),
        False,
        seed=3,
        controllers=dict.fromkeys(humans, "human"),
    )
    table.start(choice, token)
    return table


KOREA = ROOT / "scenarios" / "korea_2017_over_japan.yaml"


def korea_table(folder: Path, humans: tuple[str, ...] = ("JP", "KR")) -> Table:
    """A new game of the shipped Korea 2017 scenario, the given teams human, the rest agents."""
    scenario = load_scenario(KOREA)
    controllers = {a: "human" if a in humans else "agent" for a in scenario.program.actors}
    table = Table(folder / "game.json", Access(None))
    table.start(
        GameChoice(scenario, KOREA, KOREA.read_text(encoding="utf-8"), False, 1, None, controllers)
    )
    return table
