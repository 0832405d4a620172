"""`wargame score` through the real command on the tiny scenario, and its bad input.

The tiny scenario's provocateur tests every turn (a scripted doctrine) and the test succeeds
with chance 0.7: over 4 turns the successes are Binomial(4, 0.7). An observation of 3 against
a reference that says Poisson(0.5) scores the model ahead; one of 0 ranks low.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import run_cli, scripted, tiny_data


def folder_with(tmp_path: Path, observed: dict) -> Path:
    data = tiny_data(actors=scripted(P="p_always"))
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "obs.yaml").write_text(yaml.safe_dump(observed, sort_keys=False))
    return tmp_path


OBSERVED = {
    "format": "wargame-observed/1",
    "scenario": "tiny",
    "period": "four turns",
    "quantities": [
        {
            "id": "successes",
            "label": "Successful tests",
            "count": ["p_test.success"],
            "observed": 3,
            "reference": {"poisson": 0.5, "source": "a naive guess"},
        },
        {"id": "tests", "count": ["p_test"], "observed": 4},
        {
            "id": "routine",
            "outcome": "routine",
            "observed": False,
            "reference": {"probability": 0.5},
        },
    ],
}


def test_score_prints_intervals_ranks_scores_and_skill(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, OBSERVED)
    done = run_cli("score", "tiny.yaml", "--observed", "obs.yaml", "--runs", "400", cwd=folder)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    row = next(line for line in text.splitlines() if "Successful tests" in line)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert cells[:2] == ["Successful tests", "3"]
    assert 2.6 < float(cells[2]) < 3.0  # 4 x 0.7 = 2.8
    assert cells[6] == "CRPS" and float(cells[9]) > 0  # skill over Poisson(0.5)
    tests = next(line for line in text.splitlines() if "│ tests" in line)
    assert "4 to 4" in tests and "0.50" in tests  # every game tests 4 times: rank 0.5
    assert "total CRPS" in text and "total log score" in text
    assert not list(folder.glob("wargame-score-*"))  # the batch went to a temp folder


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["quantities"][0].update(count=["p_tset"]), "Did you mean 'p_test'"),
        (lambda d: d["quantities"][2].update(outcome="rutine"), "Did you mean 'routine'"),
        (lambda d: d.update(scenario="korea"), "not 'tiny'"),
        (lambda d: d.update(format="x"), "not an observation file"),
        (lambda d: d["quantities"][1].update(observd=4), "observd"),
        (lambda d: d["quantities"][2].update(observed=2), "true or false"),
    ],
    ids=["unknown action", "unknown outcome", "other scenario", "format", "typo", "kind"],
)
def test_a_bad_observation_file_names_the_file_line_and_fix(tmp_path, change, says) -> None:
    data = yaml.safe_load(yaml.safe_dump(OBSERVED))
    change(data)
    folder = folder_with(tmp_path, data)
    ended = run_cli("score", "tiny.yaml", "--observed", "obs.yaml", "--runs", "10", cwd=folder)
    assert ended.returncode == 2, ended.stderr
    assert "obs.yaml" in ended.stderr and says in ended.stderr, ended.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["obs.yaml", "tiny.yaml"]
