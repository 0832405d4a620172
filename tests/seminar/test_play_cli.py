"""`wargame play --moves` and `wargame replay` through the real command.

The shipped example (scenarios/moves/korea_rehearsal.yaml: three turns, Japan and South Korea
played by people, one intervention of each kind and an undo) plays and replays identically; a
session killed with SIGKILL at a random moment resumes to the same session; an entry that
does not fit stops with file, line and turn and leaves the session file as it was before that
entry; a journal altered after the game fails the replay.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CLI_ENV, SCENARIOS, run_cli, scripted, tiny_data

KOREA = SCENARIOS / "korea_2017_over_japan.yaml"
MOVES = SCENARIOS / "moves" / "korea_rehearsal.yaml"
START = ("play", KOREA, "--human", "JP,KR", "--seed", "1", "--turns", "3")


def comparable(path: Path) -> dict[str, Any]:
    """A session file without the times it was written and its inputs were given."""
    data = json.loads(path.read_text())
    data.pop("saved_at")
    # the scenario named from the session's folder: the same file from folders of any depth
    data["scenario"]["path"] = str((path.parent / data["scenario"]["path"]).resolve())
    for entry in data["journal"] + data["log"]:
        entry.pop("time")
    return data


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The example game played once, uninterrupted: its session file and its output."""
    folder = tmp_path_factory.mktemp("played")
    done = run_cli(*START, "--session", "game.json", "--moves", MOVES, cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "game.json", done.stdout


@pytest.mark.slow
def test_the_example_plays_every_kind_of_intervention(played: tuple[Path, str]) -> None:
    game, output = played
    for said in (
        "FORCED by the facilitator (the die gave failure): the room plays the overflight",
        "Japan (human team) chose Protest; Civil-defence drills and J-Alert.",
        "Event added by the facilitator: Seoul's opposition demands",
        "REPLACED by the facilitator",
        "RE-ROLLED by the facilitator: the first roll was made before the room was ready",
        "(undone: back to turn 2, start of phase japan_decides)",
        "FIRED by the facilitator: the room asked what another presidential threat would do",
        "Facilitator (hand over, KR): human -> agent. Why: the South Korean team has left",
        "turns played: 3",
        "Session saved to game.json",
    ):
        assert said in output, said
    data = json.loads(game.read_text())
    assert data["moves"]["next"] == len(yaml.safe_load(MOVES.read_text())["entries"])
    assert data["controllers"] == {"JP": "human", "KR": "human"}
    assert len(data["records"]) == 3


@pytest.mark.slow
def test_replay_is_identical_and_fails_on_an_altered_journal(
    played: tuple[Path, str], tmp_path: Path
) -> None:
    game, _ = played
    same = run_cli("replay", game, cwd=tmp_path)
    assert same.returncode == 0 and same.stdout.startswith("identical:"), same.stdout + same.stderr

    data = json.loads(game.read_text())
    entry = next(e for e in data["journal"] if e["kind"] == "decide" and "JP" in e["moves"])
    assert entry["moves"]["JP"] == ["jp_statement", "jp_civil_defence"]
    entry["moves"]["JP"] = ["jp_statement"]  # still a move Japan may make: the game differs
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(data))
    before = altered.read_bytes()
    different = run_cli("replay", altered, cwd=tmp_path)
    assert different.returncode == 1, different.stdout + different.stderr
    assert "different:" in different.stdout
    assert "records[0].phases[1].decisions[0].chosen" in different.stdout
    assert altered.read_bytes() == before


@pytest.mark.slow
def test_a_game_killed_at_a_random_moment_resumes_to_the_same_session(
    played: tuple[Path, str], tmp_path: Path
) -> None:
    game, _ = played
    seed = random.randrange(10**6)
    chance = random.Random(seed)
    for attempt in range(2):
        folder = tmp_path / str(attempt)
        folder.mkdir()
        target = folder / "game.json"
        command = [sys.executable, "-m", "wargame", *map(str, START), "--session", "game.json"]
        process = subprocess.Popen(
            [*command, "--moves", str(MOVES)],
            cwd=folder,
            env=CLI_ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not target.exists() and process.poll() is None:
                time.sleep(0.002)
            time.sleep(chance.uniform(0.0, 1.5))
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=60)
        assert process.returncode in (-signal.SIGKILL, 0), process.returncode
        # a kill during a write may leave its temp file (nothing can remove it then)
        assert {p.name for p in folder.iterdir() if not p.name.endswith(".tmp")} == {"game.json"}
        json.loads(target.read_text())  # whole, never half-written

        resumed = run_cli("play", "--resume", "game.json", "--moves", MOVES, cwd=folder)
        assert resumed.returncode == 0, f"seed {seed}: {resumed.stderr}"
        assert comparable(target) == comparable(game), f"seed {seed}"
        assert [p.name for p in folder.iterdir()] == ["game.json"]  # resume removed it
        replayed = run_cli("replay", "game.json", cwd=folder)
        assert replayed.returncode == 0, replayed.stdout


@pytest.mark.slow
def test_an_entry_that_does_not_fit_leaves_the_session_as_before_it(tmp_path: Path) -> None:
    moves = yaml.safe_load(MOVES.read_text())
    bad = 4  # turn 2, Japan's phase: an option Japan does not have
    moves["entries"][bad]["moves"] = {"JP": ["jp_statement", "jp_no_such_thing"]}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(moves, sort_keys=False))
    (tmp_path / "cut.yaml").write_text(
        yaml.safe_dump({**moves, "entries": moves["entries"][:bad]}, sort_keys=False)
    )

    ended = run_cli(*START, "--session", "bad.json", "--moves", "bad.yaml", cwd=tmp_path)
    assert ended.returncode == 2
    assert re.search(r"bad\.yaml:\d+:\d+: turn 2, phase japan_decides: ", ended.stderr)
    assert "jp_no_such_thing" in ended.stderr and "Fix:" in ended.stderr
    assert "wargame play --resume bad.json --moves bad.yaml" in ended.stderr

    cut = run_cli(*START, "--session", "cut.json", "--moves", "cut.yaml", cwd=tmp_path)
    assert cut.returncode == 2 and "no entry left" in cut.stderr
    before_entry, without_entry = (
        comparable(tmp_path / "bad.json"),
        comparable(tmp_path / "cut.json"),
    )
    before_entry.pop("moves"), without_entry.pop("moves")
    assert before_entry == without_entry

    # fixed, the same game goes on from there to the end of the example
    moves["entries"][bad]["moves"] = {"JP": ["jp_statement"]}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(moves, sort_keys=False))
    fixed = run_cli("play", "--resume", "bad.json", "--moves", "bad.yaml", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert "turns played: 3" in fixed.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--human", "JP,XX"), "unknown actor 'XX'"),
        (("--human", "JP,JP"), "names a team twice"),
        (("--human", "JP", "--variant", "nope"), "nope"),
    ],
)
def test_a_bad_start_writes_no_session(tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    ended = run_cli("play", KOREA, *args, "--session", "g.json", "--moves", MOVES, cwd=tmp_path)
    assert ended.returncode == 2 and says in ended.stderr, ended.stderr
    assert list(tmp_path.iterdir()) == []


def test_options_that_do_not_go_together_are_refused(tmp_path: Path) -> None:
    (tmp_path / "g.json").write_text("{}")
    cases = [
        (("play", KOREA, "--session", "g.json", "--moves", MOVES), "exists; continue it"),
        (("play", "--resume", "g.json", "--human", "JP"), "leave out --human"),
        (("play", KOREA, "--moves", MOVES), "give --session"),
        (("play",), "give a scenario file"),
        (("play", KOREA, "--session", "n.json"), "needs a terminal"),
    ]
    for args, says in cases:
        ended = run_cli(*args, cwd=tmp_path)
        assert ended.returncode == 2 and says in ended.stderr, (args, ended.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.json"]


@pytest.mark.parametrize(
    ("make", "args", "says"),
    [
        (lambda p: p.mkdir(), ("--session", "s"), "is a directory, not a regular file"),
        (lambda p: os.mkfifo(p), ("--session", "s", "--force"), "is a FIFO (named pipe)"),
        (lambda p: p.symlink_to("/dev/null"), ("--session", "s", "--force"), "character device"),
        (lambda p: None, ("--session", "s/nothing/g.json"), "s/nothing/g.json"),
        (lambda p: os.mkfifo(p), ("--resume", "s"), "is a FIFO (named pipe)"),
    ],
    ids=["a directory", "a FIFO", "a link to a device", "in no folder", "resume a FIFO"],
)
def test_a_session_file_that_cannot_be_written_is_refused_before_the_game(
    tmp_path: Path, make: Any, args: tuple[str, ...], says: str
) -> None:
    make(tmp_path / "s")
    before = sorted(p.name for p in tmp_path.iterdir())
    scenario = () if "--resume" in args else (KOREA, "--human", "JP")
    ended = run_cli("play", *scenario, *args, "--moves", MOVES, cwd=tmp_path)
    assert ended.returncode == 2 and says in ended.stderr, ended.stderr
    assert "Traceback" not in ended.stderr + ended.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.slow
def test_a_changed_scenario_is_refused_unless_the_saved_copy_is_asked_for(
    played: tuple[Path, str], tmp_path: Path
) -> None:
    game, _ = played
    scenario = tmp_path / "korea.yaml"
    scenario.write_text(KOREA.read_text())
    data = json.loads(game.read_text())
    data["scenario"]["path"] = str(scenario)
    saved = tmp_path / "game.json"
    saved.write_text(json.dumps(data))
    scenario.write_text(KOREA.read_text().replace("turns: 12", "turns: 13", 1))
    before = saved.read_bytes()

    refused = run_cli("replay", saved, cwd=tmp_path)
    assert refused.returncode == 2 and "has changed since" in refused.stderr, refused.stderr
    assert "turns: 12" in refused.stderr and "--scenario-from-session" in refused.stderr
    assert saved.read_bytes() == before
    copy = run_cli("replay", saved, "--scenario-from-session", cwd=tmp_path)
    assert copy.returncode == 0 and copy.stdout.startswith("identical"), copy.stdout


def test_votes_from_a_moves_file_and_a_variant_s_doctrines(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(tiny_data(actors=scripted(P="p_always"))))
    moves = {
        "format": "wargame-moves/1",
        "entries": [
            {
                "turn": 1,
                "phase": "answer",
                "moves": {"G": ["g_resolution"], "V": []},
                "votes": {"V": {"g_resolution": "v_support"}},
                "review": [
                    {
                        "force": "t1:G:g_resolution#1:vote:V",
                        "result": "v_veto",
                        "reason": "the room wants to see a veto",
                    }
                ],
            },
            {
                "turn": 1,
                "phase": "turn end",
                "start": [
                    {
                        "event": "The guarantor's envoy is recalled",
                        "effects": [{"target": "A->G.trust", "mul": 0.5}],
                        "signal": {"from": "G", "to": "P", "strength": 0.4},
                        "reason": "after the last phase, to see the beliefs move",
                    }
                ],
            },
            {"turn": 2, "phase": "answer", "moves": {"G": [], "V": []}},
        ],
    }
    (tmp_path / "moves.yaml").write_text(yaml.safe_dump(moves, sort_keys=False))
    args = ("play", scenario, "--human", "G,V", "--turns", "2", "--moves", "moves.yaml")
    done = run_cli(*args, "--session", "g.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Vote on Resolution: Veto player Veto (FORCED by the facilitator): vetoed." in (
        done.stdout
    )
    assert "Provocateur (doctrine p_always) chose Test" in done.stdout
    assert "Event added by the facilitator: The guarantor's envoy is recalled" in done.stdout

    # a vote given where none is due is refused, naming the file, line and turn
    moves["entries"][2]["votes"] = {"V": {"g_resolution": "v_veto"}}
    (tmp_path / "moves.yaml").write_text(yaml.safe_dump(moves, sort_keys=False))
    refused = run_cli(*args, "--session", "h.json", cwd=tmp_path)
    assert refused.returncode == 2
    assert re.search(r"moves\.yaml:\d+:\d+: turn 2, phase answer: .*has no vote", refused.stderr)


def test_teams_not_named_keep_the_variant_s_doctrines(tmp_path: Path) -> None:
    moves = "format: wargame-moves/1\nentries:\n" + "".join(
        f"  - {{turn: {turn}, phase: response, moves: {{Green: []}}}}\n" for turn in (1, 2)
    )
    (tmp_path / "moves.yaml").write_text(moves)
    tutorial = SCENARIOS / "tutorial.yaml"
    done = run_cli(
        "play", tutorial, "--variant", "weak", "--human", "Green", "--turns", "2",
        "--session", "g.json", "--moves", "moves.yaml", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "(doctrine blue_weak)" in done.stdout and "(human team) made no move" in done.stdout
    saved = json.loads((tmp_path / "g.json").read_text())
    assert saved["scenario"]["variant"] == "weak" and saved["controllers"] == {"Green": "human"}


def test_a_game_resumes_and_replays_from_any_folder_and_moved_whole(tmp_path: Path) -> None:
    """The session holds the scenario's place from its own folder, not from where `play`
    was started: `replay` and `--resume` work from another folder, and after the folder
    holding both was moved."""
    seminar = tmp_path / "seminar"
    (seminar / "games").mkdir(parents=True)
    shutil.copy(SCENARIOS / "tutorial.yaml", seminar / "tutorial.yaml")
    moves = "format: wargame-moves/1\nentries:\n"
    moves += "  - {turn: 1, phase: response, moves: {Green: []}}\n"
    (seminar / "moves.yaml").write_text(moves)
    started = run_cli(
        "play", "tutorial.yaml", "--human", "Green", "--turns", "2", "--session",
        "games/g.json", "--moves", "moves.yaml", cwd=seminar,
    )  # fmt: skip
    # the moves file ends in turn 2: the game stops there, saved, waiting for Green
    assert started.returncode == 2 and "no entry" in started.stderr, started.stderr
    assert json.loads((seminar / "games" / "g.json").read_text())["scenario"]["path"] == (
        "../tutorial.yaml"
    )
    elsewhere = run_cli("replay", seminar / "games" / "g.json", cwd=tmp_path)
    assert elsewhere.returncode == 0 and elsewhere.stdout.startswith("identical"), elsewhere.stderr
    assert "seminar/games/../tutorial.yaml" in elsewhere.stdout
    moved = tmp_path / "moved"
    seminar.rename(moved)
    more = moves + "  - {turn: 2, phase: response, moves: {Green: []}}\n"
    (moved / "moves.yaml").write_text(more)
    resumed = run_cli(
        "play", "--resume", "moved/games/g.json", "--moves", "moved/moves.yaml", cwd=tmp_path
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "turns played: 2" in resumed.stdout


@pytest.mark.parametrize(("result", "fires"), [("fired", True), ("not fired", False)])
def test_a_moves_file_forces_a_later_turn_s_inject(
    tmp_path: Path, result: str, fires: bool
) -> None:
    """`force: t2:inject:ID` at turn 1's start: turn 2's die for that inject is not rolled,
    the inject fires (or not) as forced, and the narrative says the facilitator forced it."""
    guam = {
        "description": "Pyongyang threatens Guam.",
        "probability": 0.5,
        "effects": [{"target": "tension", "add": 0.1}],
    }
    data = tiny_data(actors=scripted(P="p_always"), injects={"guam": guam})
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(data))
    force = {"force": "t2:inject:guam", "result": result, "reason": "the room's scenario"}
    moves = {
        "format": "wargame-moves/1",
        "entries": [
            {"turn": 1, "phase": "turn start", "start": [force]},
            {"turn": 1, "phase": "answer", "moves": {"G": []}},
            {"turn": 2, "phase": "answer", "moves": {"G": []}},
        ],
    }
    (tmp_path / "moves.yaml").write_text(yaml.safe_dump(moves, sort_keys=False))
    done = run_cli(
        "play", "tiny.yaml", "--human", "G", "--turns", "2", "--session", "g.json",
        "--moves", "moves.yaml", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "g.json").read_text())["records"][1]
    inject = next(i for i in record["injects"] if i["id"] == "guam")
    assert (inject["fired"], inject["forced"]) == (fires, "the room's scenario")
    turn_2 = done.stdout[done.stdout.index("Turn 2") :]
    said = "FORCED by the facilitator: the room's scenario"
    told = "Event: " if fires else "Event held back: "  # forced either way, it is told
    assert f"{told}Pyongyang threatens Guam (chance 50%); {said}." in turn_2
    assert "Guam.;" not in done.stdout
