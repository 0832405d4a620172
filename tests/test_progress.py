"""Progress of a batch played from Python: off in scripts, on in notebooks, one line of text."""

from __future__ import annotations

import io
import itertools
import sys
import types

import pytest
from conftest import SCENARIOS

import wargame
from wargame.batch.progress import clock, in_notebook, line, progress_shown
from wargame.batch.runner import Progress


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0:00"), (0.4, "0:00"), (59.6, "1:00"), (65, "1:05"), (3725, "1:02:05")],
)
def test_clock_reads_minutes_and_seconds(seconds, shown):
    assert clock(seconds) == shown


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "shown"),
    [
        (1200, 5000, 41, "batch: 1,200/5,000 games (24%), 0:41 elapsed, about 2:10 left"),
        (0, 5000, 1, "batch: 0/5,000 games (0%), 0:01 elapsed"),
        (5000, 5000, 120, "batch: 5,000/5,000 games (100%), 2:00 elapsed"),
        (7, 0, 3, "batch: 7 games, 0:03 elapsed"),
    ],
)
def test_the_line_says_games_done_elapsed_and_time_left(done, total, elapsed, shown):
    assert line("batch", done, total, elapsed) == shown


def test_off_says_nothing_and_on_rewrites_one_line_ending_with_the_last_count():
    with progress_shown("batch", False) as show:
        assert show is None
    stream = io.StringIO()
    with progress_shown("batch", True, stream=stream) as show:
        assert show is not None
        for done in (0, 10, 20, 40):
            show(Progress(done, 40))
    text = stream.getvalue()
    assert text.startswith("\rbatch: 0/40 games")  # the first count at once
    assert "\rbatch: 40/40 games (100%)" in text  # the last always, however soon
    assert text.endswith("\n") and text.count("\n") == 1
    shown = text.rstrip("\n").split("\r")[1:]
    assert all(len(later) >= len(earlier) for earlier, later in itertools.pairwise(shown))


def test_by_default_progress_shows_in_a_notebook_kernel_only(monkeypatch):
    assert not in_notebook()  # pytest is no kernel (and IPython may not even be loaded)

    kernel = types.SimpleNamespace(config={"IPKernelApp": {}})
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: kernel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert in_notebook()
    fake.get_ipython = lambda: None  # type: ignore[attr-defined]  # IPython, no kernel
    assert not in_notebook()


def test_a_batch_from_python_is_quiet_unless_asked(tmp_path, capsys):
    scenario = SCENARIOS / "tutorial.yaml"
    wargame.batch.run(scenario, runs=6, out=tmp_path / "quiet")
    assert capsys.readouterr().err == ""
    wargame.batch.run(scenario, runs=6, out=tmp_path / "shown", progress=True)
    err = capsys.readouterr().err
    assert "\rbatch: 6/6 games (100%)" in err and err.endswith("\n")
