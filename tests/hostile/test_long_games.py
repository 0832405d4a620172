"""Long games: what the tool writes it reads back, and what it keeps does not grow without end.

A saved state holds every turn record, so a long enough game's state passes the limits on
reading one back (8 MiB, 200,000 lists and mappings). `run --save-state` stops such a game as
soon as that is certain and writes nothing; a state under the limits is written and read back
under the hostile-input budget. The same rule holds for every JSON file the tool writes
(`write_json`): refused before writing whatever `read_json` would refuse. A delayed effect
queued on the last turn of the longest game lands past it and is read back too; the queue
of delayed effects holds only what has not landed yet.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import tiny_data
from harness import assert_refused, run_limited, tree

from wargame.engine.model import WargameModel
from wargame.engine.snapshot import MAX_TURN, check_snapshot
from wargame.errors import InputError, WargameError
from wargame.files import atomic
from wargame.scenario.loading import load_scenario_text

WIDE_VARIABLES = 3000  # each turn record then holds about 350 KB: 8 MiB in about 24 turns


def wide_scenario(folder: Path) -> Path:
    """The tiny scenario with thousands of variables: big turn records, fast turns."""
    data = tiny_data()
    for i in range(WIDE_VARIABLES):
        data["state"]["variables"][f"quantity_with_a_rather_long_name_{i:05d}"] = {
            "initial": 0.123456789
        }
    path = folder / "wide.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_state_that_could_not_be_read_back_is_stopped_and_nothing_written(tmp_path) -> None:
    wide_scenario(tmp_path)
    before = tree(tmp_path)

    ended = run_limited(
        "run", "wide.yaml", "--turns", "200", "--summary", "--save-state", "s.json",
        "--json", "records.json", cwd=tmp_path,
    )  # fmt: skip

    assert_refused(ended, "--save-state s.json", "8 MiB", "limit for reading one back")
    assert "nothing was written" in ended.stderr and "Fix: play fewer than" in ended.stderr
    stopped = int(ended.stderr.split("stopped at turn ")[1].split(" ")[0])
    assert 15 < stopped < 40, "stopped as soon as certain, long before turn 200"
    assert tree(tmp_path) == before, "an output was written"


@pytest.mark.slow
def test_a_large_state_under_the_limits_is_written_and_read_back(tmp_path) -> None:
    wide_scenario(tmp_path)

    saved = run_limited("run", "wide.yaml", "--turns", "15", "--summary", "--save-state",
                        "s.json", cwd=tmp_path)  # fmt: skip
    assert saved.code == 0, saved.output
    size = (tmp_path / "s.json").stat().st_size
    assert 4 * 2**20 < size < atomic.MAX_JSON_BYTES

    again = run_limited("run", "wide.yaml", "--from-state", "s.json", "--turns", "16",
                        "--summary", cwd=tmp_path)  # fmt: skip
    assert again.code == 0, again.output
    assert "turns played: 16" in again.stdout


# -- the rule for every JSON file written to be read back: the limits of read_json ---------
@pytest.mark.parametrize("over", [-1, 0, 1])
def test_write_json_writes_only_what_read_json_reads(tmp_path, over: int) -> None:
    """A document of exactly the limit in bytes (or one byte either side)."""
    empty = len(json.dumps({"x": ""}, indent=1))
    data = {"x": "a" * (atomic.MAX_JSON_BYTES - empty + over)}
    path = tmp_path / "doc.json"
    if over > 0:
        with pytest.raises(WargameError, match="limit for reading one back"):
            atomic.write_json(path, data, what="saved game state")
        assert list(tmp_path.iterdir()) == []
        atomic.write_json(path, data, read_back=False)  # a file the tool never reads
        assert path.stat().st_size == atomic.MAX_JSON_BYTES + 1
    else:
        atomic.write_json(path, data, what="saved game state")
        assert atomic.read_json(path, what="saved game state") == data


@pytest.mark.parametrize("over", [0, 1])
def test_write_json_refuses_as_many_lists_as_read_json_would(tmp_path, over: int) -> None:
    data = [[] for _ in range(atomic.MAX_JSON_CONTAINERS - 1 + over)]  # and the outer list
    path = tmp_path / "doc.json"
    if over:
        with pytest.raises(WargameError, match="200,000 limit"):
            atomic.write_json(path, data)
        assert list(tmp_path.iterdir()) == []
        with pytest.raises(InputError, match="200,000"):
            path.write_text(json.dumps(data))
            atomic.read_json(path, what="document")
    else:
        atomic.write_json(path, data)
        assert atomic.read_json(path, what="document") == data


# -- delayed effects -----------------------------------------------------------------------
def delaying(delay: int, **scenario: object) -> str:
    """The tiny scenario where the guarantor deploys (a delayed effect) every turn."""
    data = tiny_data(
        scenario=scenario,
        actions={"g_delayed": {"effects": [{"target": "slow", "add": 0.001, "delay": delay}]}},
        doctrines={"g_deploy": {"actor": "G", "plan": [{"choose": ["g_delayed"]}]}},
        actors={"G": {"controller": "script:g_deploy"}},
    )
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize("delay", [1, 3, 50])
def test_the_queue_of_delayed_effects_holds_only_what_has_not_landed(delay: int) -> None:
    scenario = load_scenario_text(delaying(delay), file="tiny.yaml")
    model = WargameModel(scenario, seed=1, turns=400, record=False)
    longest = 0
    while model.running:
        model.step()
        longest = max(longest, len(model.state.pending))
        assert all(p[0] > model.state.turn for p in model.state.pending)
    assert model.state.turn == 400
    assert longest == delay  # one a turn, each until it lands: never more
    assert sorted(p[0] for p in model.state.pending) == list(range(401, 401 + delay))


@pytest.mark.slow
def test_an_effect_queued_on_the_last_possible_turn_is_saved_and_read_back(tmp_path) -> None:
    """The longest game (--turns 100000) ends with effects landing up to 1000 turns after it:
    the saved state holds them and is read back (it was refused before, at turn 100,001)."""
    (tmp_path / "daily.yaml").write_text(delaying(1000, turn_length="1 day"))
    first = run_limited("run", "daily.yaml", "--turns", "2", "--summary", "--save-state",
                        "s.json", cwd=tmp_path)  # fmt: skip
    assert first.code == 0, first.output
    data = json.loads((tmp_path / "s.json").read_text())
    data["state"]["turn"] = data["last_turn"] = MAX_TURN - 2
    (tmp_path / "s.json").write_text(json.dumps(data))

    ended = run_limited("run", "daily.yaml", "--from-state", "s.json", "--turns", str(MAX_TURN),
                        "--summary", "--save-state", "end.json", cwd=tmp_path)  # fmt: skip

    assert ended.code == 0, ended.output
    end = json.loads((tmp_path / "end.json").read_text())
    assert end["state"]["turn"] == MAX_TURN
    assert max(p[0] for p in end["state"]["pending"]) == MAX_TURN + 1000
    again = run_limited("run", "daily.yaml", "--from-state", "end.json", "--turns", str(MAX_TURN),
                        "--summary", cwd=tmp_path)  # fmt: skip
    assert again.code == 0, again.output
    scenario = load_scenario_text(delaying(1000, turn_length="1 day"), file="daily.yaml")
    end["state"]["pending"][0][0] = MAX_TURN + 1001  # past any effect's landing: refused
    assert check_snapshot(scenario, end, "end.json")
