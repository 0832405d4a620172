"""The dashboard's charts are drawn in a process of their own: the same pictures as drawn
here, and a chart process that died is replaced."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from test_web_debrief import played

from wargame.report.figures import relations_drawing, state_drawing
from wargame.web import drawer
from wargame.web.live import live_game, relations_now


def test_the_chart_process_draws_what_this_process_would(tmp_path: Path) -> None:
    table, session = played(tmp_path)
    game = live_game(session, table.path)
    state = state_drawing(game)
    assert state is not None
    relations = relations_drawing(game, "relations-now", "now", relations_now(session))
    for drawing in (state, relations):
        assert drawer.draw(drawing) == drawing.draw()
    assert os.getpid() not in {p.pid for p in drawer.start()._processes.values()}


def test_a_chart_process_that_died_is_replaced(tmp_path: Path) -> None:
    table, session = played(tmp_path)
    drawing = state_drawing(live_game(session, table.path))
    assert drawing is not None
    first = drawer.draw(drawing)
    for process in list(drawer.start()._processes.values()):
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
    assert drawer.draw(drawing) == first
    drawer.stop()
