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
