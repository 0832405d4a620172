"""The seminar screen driven as a person would, through Textual's pilot against the real app.

A three-turn game of the shipped scenario at 80x24 with Japan and South Korea played by
people (different phases: South Korea answers after it has seen Japan's move), every kind of
intervention with its reason, an undo of two steps, save and quit, resume, finish; then the
saved session replays identically through the real `wargame replay`.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SCENARIOS, run_cli, scripted, tiny_data
from textual.widgets import Static

from wargame.cli.play import _resume, _start
from wargame.seminar.tui import SeminarApp

KOREA = SCENARIOS / "korea_2017_over_japan.yaml"


def screen(app: SeminarApp, part: str) -> str:
    """The plain text a widget of the screen shows now."""
    return str(app.query_one(f"#{part}", Static).content)


async def say(pilot: Any, text: str) -> None:
    """Type a line into the entry and press Enter, key by key."""
    if text:
        await pilot.press(*text)
    await pilot.press("enter")
    await pilot.pause()


def die_on_screen(app: SeminarApp, action: str) -> int:
    """The number the review shows for the die of an option (by its label)."""
    for line in screen(app, "main-text").splitlines():
        found = re.match(rf"\s*(\d+)\. {re.escape(action)}: \w+ \(odds", line)
        if found:
            return int(found.group(1))
    raise AssertionError(f"no die of {action} on screen:\n{screen(app, 'main-text')}")


def asking(app: SeminarApp) -> str:
    return screen(app, "ask")


def no_error(app: SeminarApp) -> None:
    status = screen(app, "status")
    assert "error" not in status.lower() and "cannot" not in status.lower(), status


async def first_sitting(app: SeminarApp, pilot: Any) -> None:
    # Turn 1, provocation: the facilitator sees North Korea's launch and its die before
    # anything changes, and forces the result that really happened, with a reason.
    assert asking(app).startswith("FACILITATOR"), asking(app)
    main = screen(app, "main-text")
    assert "PHASE provocation: ABOUT TO BE APPLIED" in main
    assert "North Korea chose" in main and "(p=" in main  # the agent's move with its reasons
    await say(pilot, "replace NK")  # the room replays the launch of 29 August
    assert "New moves for NK" in asking(app)
    await say(pilot, "1")
    await say(pilot, "the room replays the overflight")
    no_error(app)
    die = die_on_screen(app, "Hwasong-12 over Japan")
    await say(pilot, f"f {die} success")
    assert "Reason for forcing" in asking(app)
    await say(pilot, "the room plays the overflight that happened")
    no_error(app)
    assert "success" in screen(app, "main-text") and "(FORCED)" in screen(app, "main-text")
    await say(pilot, "")  # accept

    # Japan's team: its options numbered, with costs; ?2 explains one.
    assert asking(app).startswith("JAPAN: your move"), asking(app)
    main = screen(app, "main-text")
    assert " 1. Protest" in main and "cost" in main
    assert "Hwasong-12 over Japan: success" in main  # what the first phase did
    await say(pilot, "?2")
    explained = screen(app, "main-text")
    assert "2. Japanese sanctions [jp_sanctions]" in explained
    assert "Effects: sanctions_pressure +" in explained
    assert "seen by everyone" in explained
    assert "Japan's agent would now pick" in explained and "utility" in explained
    await say(pilot, "1 9")  # not an option: refused, nothing changes
    assert "not an option number" in screen(app, "status")
    await say(pilot, "1 5")
    no_error(app)
    await say(pilot, "")  # accept Japan's phase

    # South Korea's team answers what Japan did.
    assert asking(app).startswith("SOUTH KOREA: your move"), asking(app)
    assert "Japan (human team) chose Protest; Civil-defence drills" in screen(app, "main-text")
    # an ad-hoc inject: free text, chosen state changes, a reason
    await say(pilot, "inject")
    assert "SCENARIO INJECTS" in screen(app, "main-text")
    await say(pilot, "Seoul's opposition demands tactical nuclear weapons back")
    assert "Changes to the state" in asking(app)
    await say(pilot, "tension +0.02")
    assert "Reason for this event" in asking(app)
    await say(pilot, "a pressure the South Korean team should feel")
    no_error(app)
    assert "Event added by the facilitator: Seoul's opposition" in screen(app, "main-text")
    await say(pilot, "2")
    no_error(app)

    # Allied answer under review: the facilitator replaces the US agent's moves.
    assert asking(app).startswith("FACILITATOR")
    assert "United States chose" in screen(app, "main-text")
    await say(pilot, "replace US")
    assert "New moves for US" in asking(app)
    await say(pilot, "1")
    await say(pilot, "the US desk officer says no bombers this month")
    no_error(app)
    assert "REPLACED by the facilitator" in screen(app, "main-text")
    await say(pilot, "")
    await say(pilot, "")  # great powers

    # Turn 2: a re-roll with a reason.
    assert "LAST TURN (1, 2017-09-01)" in screen(app, "main-text")
    die = next(
        die_on_screen(app, label)
        for label in (
            "ICBM test (Hwasong-14 class)",
            "Lofted IRBM-class test",
            "Short-range missile salvo",
            "Hwasong-12 over Japan",
        )
        if re.search(rf"\d+\. {re.escape(label)}: \w+ \(odds", screen(app, "main-text"))
    )
    await say(pilot, f"r {die}")
    await say(pilot, "the first roll was made before the room was ready")
    no_error(app)
    assert "(RE-ROLLED)" in screen(app, "main-text")
    await say(pilot, "")
    await say(pilot, "1")  # Japan
    await say(pilot, "")
    await say(pilot, "1")  # South Korea
    # undo two steps: back to the start of Japan's phase
    await say(pilot, "undo 2")
    await say(pilot, "Japan's team misread the test results")
    no_error(app)
    assert asking(app).startswith("JAPAN: your move"), asking(app)
    assert app.session.model.state.turn == 2
    await say(pilot, "1 2")
    await say(pilot, "")
    await say(pilot, "1")
    await say(pilot, "")
    await say(pilot, "")

    # Turn 3: South Korea's team leaves; its agent takes over. Then save and quit.
    assert app.session.model.state.turn == 3
    await say(pilot, "hand KR agent")
    await say(pilot, "the South Korean team has left for the plenary")
    no_error(app)
    await say(pilot, "")  # accept the provocation
    assert asking(app).startswith("JAPAN: your move")
    await say(pilot, "inject 3")  # one of the scenario's injects, by its number
    await say(pilot, "the room asked what another threat would do")
    no_error(app)
    await say(pilot, "save")
    assert "saved to" in screen(app, "status")
    await say(pilot, "quit")


async def second_sitting(app: SeminarApp, pilot: Any) -> None:
    assert asking(app).startswith("JAPAN: your move"), asking(app)
    assert "FIRED by the facilitator" in screen(app, "main-text")
    await say(pilot, "0")
    while not asking(app).startswith("The game is over"):
        assert asking(app).startswith("FACILITATOR"), asking(app)  # KR is an agent now
        await say(pilot, "")
    assert "THE GAME IS OVER" in screen(app, "main-text")
    await say(pilot, "log")
    assert "FACILITATOR LOG" in screen(app, "main-text")
    assert "why: the South Korean team has left for the plenary" in screen(app, "main-text")
    await say(pilot, "quit")


def run(app: SeminarApp, script: Any) -> int | None:
    async def go() -> int | None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await script(app, pilot)
        return app.return_code

    return asyncio.run(go())


@pytest.mark.slow
def test_a_three_turn_seminar_at_the_keyboard(tmp_path: Path) -> None:
    game = tmp_path / "game.json"
    session, _ = _start(KOREA, "JP,KR", None, 2, 3, game)
    assert run(SeminarApp(session, game), first_sitting) == 0
    saved = json.loads(game.read_text())
    assert saved["journal"][-1]["kind"] == "fire_inject"  # quit saved what was given since

    resumed, path, _, _ = _resume(game, False, None)
    assert resumed.model.state.turn == 3
    assert run(SeminarApp(resumed, path), second_sitting) == 0

    saved = json.loads(game.read_text())
    assert len(saved["records"]) == 3
    kinds = [(i["kind"], i["reason"]) for r in saved["records"] for i in r["interventions"]]
    assert {kind for kind, _ in kinds} == {
        "force",
        "reroll",
        "replace_moves",
        "hand_over",
        "fire_inject",
        "ad_hoc_inject",
    }
    assert all(reason for _, reason in kinds)
    assert any(e["what"].startswith("undo 2 step(s)") for e in saved["log"])
    replayed = run_cli("replay", game, cwd=tmp_path)
    assert replayed.returncode == 0 and replayed.stdout.startswith("identical"), replayed.stdout


async def vote_and_force(app: SeminarApp, pilot: Any) -> None:
    await say(pilot, "")  # the provocateur's test, accepted
    assert asking(app).startswith("GUARANTOR: your move"), asking(app)
    assert " 3. Resolution" in screen(app, "main-text")
    await say(pilot, "3")
    assert asking(app).startswith("VETO PLAYER: your move"), asking(app)
    await say(pilot, "0")
    assert asking(app).startswith("VETO PLAYER: your vote"), asking(app)
    assert "VETO PLAYER VOTES ON Resolution" in screen(app, "main-text")
    await say(pilot, "7")
    assert "not a ballot" in screen(app, "status")
    assert "1. Support" in screen(app, "main-text")
    await say(pilot, "1")
    assert "1. Veto player votes Support on Resolution" in screen(app, "main-text")
    await say(pilot, "f 1 v_veto")
    await say(pilot, "the room wants to see a veto")
    no_error(app)
    assert "votes Veto on Resolution (FORCED)" in screen(app, "main-text")
    await say(pilot, "")
    assert "Vote on Resolution: Veto player Veto (FORCED by the facilitator): vetoed." in (
        screen(app, "main-text")
    )
    await say(pilot, "quit")


def test_a_human_voter_votes_and_the_facilitator_forces_the_vote(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(tiny_data(actors=scripted(P="p_always"))))
    game = tmp_path / "game.json"
    session, _ = _start(scenario, "G,V", None, 1, 2, game)
    assert run(SeminarApp(session, game), vote_and_force) == 0
    votes = [e for e in json.loads(game.read_text())["journal"] if e["kind"] == "plan"]
    assert {"V": {"g_resolution": "v_support"}} in [e["votes"] for e in votes]


async def hold_back_next_turn_s_inject(app: SeminarApp, pilot: Any) -> None:
    await say(pilot, "next 1 maybe")
    await say(pilot, "a reason")
    assert "'maybe' is not an outcome here: write fired or held" in screen(app, "status")
    await say(pilot, "next 1 held")
    assert "Reason for deciding that inject 1 is held next turn" in asking(app), asking(app)
    await say(pilot, "the room is not ready for Guam")
    assert "t2:inject:guam is decided" in screen(app, "status"), screen(app, "status")
    while not asking(app).startswith("The game is over"):
        await say(pilot, "0" if asking(app).startswith("GUARANTOR") else "")
    await say(pilot, "quit")


def test_the_facilitator_decides_the_next_turn_s_inject_from_the_screen(tmp_path: Path) -> None:
    guam = {"description": "Pyongyang threatens Guam", "probability": 1.0, "effects": []}
    data = tiny_data(actors=scripted(P="p_always"), injects={"guam": guam})
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(data))
    game = tmp_path / "game.json"
    session, _ = _start(tmp_path / "tiny.yaml", "G", None, 1, 2, game)
    assert run(SeminarApp(session, game), hold_back_next_turn_s_inject) == 0
    first, second = json.loads(game.read_text())["records"]
    assert [i["fired"] for i in first["injects"]] == [True]  # a sure thing, left alone
    assert [(i["fired"], i["forced"]) for i in second["injects"]] == [
        (False, "the room is not ready for Guam")
    ]
