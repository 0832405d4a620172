"""A bookkeeping state variable (`bookkeeping: true`) in `wargame run` and `wargame report`:
left out of the printed turns and final state and of the report's state chart, final state
and state changes; still in `wargame run --json`.

The tiny scenario gets `tally`, a count of the provocateur's tests that no one in the room
needs to read: every test adds 1 to it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from conftest import run_cli, scripted, tiny_data
from test_report import text_of

TALLY = tiny_data(
    actors=scripted(P="p_always"),
    state={
        "variables": {
            "tally": {
                "initial": 0,
                "max": 10,
                "bookkeeping": True,
                "description": "tests counted for a rule",
            }
        }
    },
    actions={
        "p_test": {"effects": [{"target": "tension", "add": 0.05}, {"target": "tally", "add": 1}]}
    },
)


def test_a_bookkeeping_variable_is_in_the_json_but_not_in_what_people_read(
    tmp_path: Path,
) -> None:
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TALLY, sort_keys=False))
    done = run_cli("run", "tiny.yaml", "--seed", "1", "--json", "run.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "State: tension 0.200->0.250" in done.stdout and "tally" not in done.stdout
    assert "  (1 bookkeeping variable not shown)" in done.stdout
    records = json.loads((tmp_path / "run.json").read_text())["records"]
    assert [r["state_after"]["variables"]["tally"] for r in records] == [1.0, 2.0, 3.0, 4.0]

    made = run_cli("report", "run.json", "-o", "run.html", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    html = (tmp_path / "run.html").read_text()
    state = re.search(r'<figure id="state">(.*?)</figure>', html, re.S)
    assert state is not None
    # the chart's glyphs are paths; matplotlib notes each panel's title beside them
    titles = re.findall(r"<!-- (\w+) \(0 to \d+\) -->", state.group(1))
    assert titles == ["tension", "new_normal", "sanctions", "slow"]
    assert "1 bookkeeping variable is not shown." in state.group(1)
    assert "tally" not in text_of(html) and "tests counted" not in html
    assert "tension 0.200 -> 0.250" in text_of(html)  # the state changes of turn 1
