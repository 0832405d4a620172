"""The risk timeline on a tiny scenario whose answer is known.

Each turn an inject ('a spark', chance 0.3) sets `spark` to 1; the outcome 'sparked' holds
from then on. Seen from the start of turn t of a 4-turn game in which no spark has fallen
yet, the chance of 'sparked' by the end is 1 - 0.7 ** (5 - t); once the spark has fallen in
the game itself, it is 1 from the next turn on, whatever the continuations draw.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import run_cli, tiny_data

from wargame.engine.model import WargameModel
from wargame.report.game import read_game
from wargame.report.risk import AS_PLAYED, risk_timeline
from wargame.scenario import load_scenario_text

SPARK = {
    "state": {"variables": {"spark": {"initial": 0.0}}},
    "injects": {
        "spark": {
            "description": "A spark",
            "probability": 0.3,
            "effects": [{"target": "spark", "set": 1.0}],
        }
    },
    "outcomes": {"sparked": {"when": "spark >= 1"}},
}


def spark_turn(text: str, seed: int) -> int | None:
    model = WargameModel(load_scenario_text(text, file="tiny.yaml"), seed=seed).run()
    return model.state.outcomes.get("sparked")


@pytest.fixture(scope="module")
def game(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the tiny game in which the spark fell in turn 2 (the first such seed)."""
    folder = tmp_path_factory.mktemp("spark")
    text = yaml.safe_dump(tiny_data(**SPARK))
    (folder / "tiny.yaml").write_text(text)
    seed = next(s for s in range(200) if spark_turn(text, s) == 2)
    done = run_cli("run", "tiny.yaml", "--seed", seed, "--json", "game.json", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "game.json"


def points(timeline, policy=AS_PLAYED):
    return {p.turn: p for p in timeline.series("sparked", policy)}


def test_the_chance_is_the_known_one_then_certain_once_it_happened(game: Path) -> None:
    timeline = risk_timeline(read_game(game), runs=400, seed=5)
    assert timeline.policies == [AS_PLAYED]  # the tiny scenario has no variants
    found = points(timeline)
    assert sorted(found) == [1, 2, 3, 4]
    for turn in (1, 2):  # no spark yet at these turns' starts
        expected = 1 - 0.7 ** (5 - turn)
        assert found[turn].low <= expected <= found[turn].high, (turn, found[turn], expected)
        assert found[turn].probability < 1
    for turn in (3, 4):  # it fell in turn 2: certain from turn 3 on
        assert found[turn].probability == 1.0
        assert found[turn].high == 1.0 and found[turn].low > 0.99


def test_intervals_shrink_as_the_runs_grow(game: Path) -> None:
    few = points(risk_timeline(read_game(game), runs=40, seed=5))
    many = points(risk_timeline(read_game(game), runs=640, seed=5))
    for turn in (1, 2):
        assert many[turn].high - many[turn].low < 0.5 * (few[turn].high - few[turn].low)


def test_a_run_that_does_not_replay_to_its_records_is_refused(game: Path, tmp_path: Path):
    data = json.loads(game.read_text())
    data["summary"]["seed"] += 1  # another seed: the replay gives other turns
    (tmp_path / "tiny.yaml").write_text((game.parent / "tiny.yaml").read_text())
    (tmp_path / "game.json").write_text(json.dumps(data))
    ended = run_cli("report", "game.json", "-o", "r.html", "--risk", "10", cwd=tmp_path)
    assert ended.returncode == 2, ended.stderr
    assert "does not replay to its records" in ended.stderr and "without --risk" in ended.stderr
    assert not (tmp_path / "r.html").exists()
