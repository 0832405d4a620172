"""`wargame play` in a real pseudo-terminal (pexpect), as a facilitator at a keyboard uses it.

The full-screen program starts, shows the plan of North Korea's launch, takes a forced die
with its reason, Japan's `?2` and entry, South Korea's answer after Japan's; quit saves and
leaves; `--resume` opens the game where it stopped, an undo of two steps goes back to Japan's
phase; the rest is played from a moves file, and the session replays identically.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import SCENARIOS, run_cli

KOREA = SCENARIOS / "korea_2017_over_japan.yaml"
REST = """\
format: wargame-moves/1
entries:
  - {turn: 1, phase: japan_decides, moves: {JP: [jp_statement]}}
  - {turn: 1, phase: allied_answer, moves: {KR: [kr_statement]}}
  - {turn: 2, phase: japan_decides, moves: {JP: []}}
  - {turn: 2, phase: allied_answer, moves: {KR: []}}
"""


def spawn(folder: Path, *args: str) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "wargame", "play", *args],
        cwd=str(folder),
        env=env,
        dimensions=(24, 80),
        encoding="utf-8",
        codec_errors="replace",
        timeout=60,
    )
    return child


def say(child: pexpect.spawn, text: str) -> None:
    child.send(text + "\r")


def ended(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus is not None, f"killed by signal {child.signalstatus}"
    return child.exitstatus


@pytest.mark.slow
def test_a_seminar_in_a_pseudo_terminal(tmp_path: Path) -> None:
    child = spawn(
        tmp_path, str(KOREA), "--human", "JP,KR", "--seed", "1", "--turns", "2",
        "--session", "game.json",
    )  # fmt: skip
    try:
        child.expect("FACILITATOR: Enter accepts")
        say(child, "replace NK")  # the room replays the launch of 29 August
        child.expect("New moves for NK")
        say(child, "1")
        child.expect("Reason")
        say(child, "the room replays the overflight")
        child.expect("Hwasong-12 over Japan: failure")  # the die and its roll, before it counts
        say(child, "f 1 success")
        child.expect("Reason for forcing item 1")
        say(child, "the room plays history")
        child.expect(r"\(FORCED\)")
        say(child, "")
        child.expect("JAPAN: your move")
        say(child, "?2")
        child.expect("Japan's agent would")
        say(child, "1 5")
        child.expect("FACILITATOR")
        say(child, "")
        child.expect("SOUTH KOREA: your move")
        say(child, "quit")
        assert ended(child) == 0
        assert "To continue: wargame play --resume game.json" in (child.before or "")
    finally:
        child.terminate(force=True)
    assert (tmp_path / "game.json").exists()

    child = spawn(tmp_path, "--resume", "game.json")
    try:
        child.expect("SOUTH KOREA: your move")  # where it stopped
        say(child, "2")
        child.expect("FACILITATOR")
        say(child, "undo 2")
        child.expect("Reason for undoing 2 step")
        say(child, "Japan wants to answer again")
        child.expect("JAPAN: your move")
        say(child, "quit")
        assert ended(child) == 0
    finally:
        child.terminate(force=True)

    (tmp_path / "rest.yaml").write_text(REST)
    rest = run_cli("play", "--resume", "game.json", "--moves", "rest.yaml", cwd=tmp_path)
    assert rest.returncode == 0, rest.stderr
    assert "turns played: 2" in rest.stdout
    assert "FORCED by the facilitator (the die gave failure): the room plays history" in rest.stdout
    replayed = run_cli("replay", "game.json", cwd=tmp_path)
    assert replayed.returncode == 0 and replayed.stdout.startswith("identical"), replayed.stdout
