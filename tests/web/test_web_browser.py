"""The dashboard in chromium (headless, Playwright) against a real `wargame serve`: set up a
game with two human teams, play by clicks, reload, restart the server on the session file and
finish the game; a game of `wargame play --moves` continues here; a broken upload is refused
and the server keeps running; off loopback the controls need the token."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from web_game import TUTORIAL

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from chromium import ARGS, CHROMIUM

pytestmark = [pytest.mark.slow, pytest.mark.exclusive]

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(folder: Path, *args: str, host: str = "127.0.0.1") -> Iterator[tuple[str, list[str]]]:
    """`wargame serve` in folder until the block ends: its address and printed lines."""
    port = free_port()
    log = folder / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "wargame", "serve", *args, "--port", str(port), "--host", host],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/", log.read_text().splitlines()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def browser() -> Iterator[Any]:
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = launched.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            launched.close()


def choose(page: Any, label: str, option: str) -> None:
    page.locator(".v-input", has=page.locator("label", has_text=label)).first.click()
    page.locator(".menuable__content__active .v-list-item__title", has_text=option).first.click()


def waiting(page: Any) -> str:
    return str(page.locator(".waiting").inner_text())


def version(page: Any) -> str:
    """The game version the page shows (on the 'Waiting for ...' line, with its text)."""
    return str(page.locator(".waiting").get_attribute("data-version"))


def step(page: Any, button: str) -> float:
    """Click `button` and wait for the page to show the game's next step: the 'Waiting for'
    line of a newer version and a new log entry, its row drawn (the count above the log and
    the log's rows reach the browser as separate updates); the time that took."""
    before = int(page.locator(".log-count").get_attribute("data-entries"))
    seen = version(page)
    began = time.perf_counter()
    page.get_by_role("button", name=button).click()
    page.wait_for_function(
        """([before, seen]) => {
            const entries = document.querySelector('.log-count').dataset.entries;
            const newest = document.querySelector('.log-table tbody tr td');
            return Number(entries) > before && newest && newest.textContent.trim() == entries
                && document.querySelector('.waiting').dataset.version != seen;
        }""",
        arg=[before, seen],
        polling="raf",
    )
    return time.perf_counter() - began


def resolve(page: Any, times: list[float]) -> None:
    """Click Resolve and wait for the page to show the next step; the time it took."""
    times.append(step(page, "Resolve"))


def start_with_red_human(page: Any, url: str) -> None:
    """A new game of the tutorial, Red played by the room and the rest by agents."""
    page.goto(url)
    page.get_by_text("Set up a game").wait_for()
    choose(page, "Red (Red)", "human")
    page.get_by_role("button", name="Start the game").click()
    page.get_by_text("Waiting for the moves of Red").wait_for()


def play_turn(page: Any, times: list[float], red_moves: bool) -> None:
    """Red (tests or not), Resolve, Blue (no move), Resolve."""
    page.get_by_text("Waiting for the moves of Red").wait_for()
    if red_moves:
        page.locator(".moves-panel .v-input--checkbox").first.click()
    step(page, "Enter the moves of Red")
    resolve(page, times)
    page.get_by_text("Waiting for the moves of Blue").wait_for()
    step(page, "Enter the moves of Blue")
    resolve(page, times)


def test_two_human_teams_play_reload_and_finish_after_a_restart(tmp_path: Path) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    times: list[float] = []
    with served(tmp_path, "tutorial.yaml", "--session", "g.json") as (url, _), browser() as page:
        page.goto(url)
        page.get_by_text("Set up a game").wait_for()
        choose(page, "Red (Red)", "human")
        choose(page, "Blue (Blue)", "human")
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / "dashboard-setup.png"))
        page.get_by_role("button", name="Start the game").click()
        play_turn(page, times, red_moves=True)
        play_turn(page, times, red_moves=True)
        page.get_by_text("Waiting for the moves of Red").wait_for()
        turn_line = page.locator(".turn-line").inner_text()
        assert turn_line.startswith("Turn 3 of 6")
        rung = page.locator(".current-rung").inner_text()
        assert rung.startswith("Current rung: ")
        log = page.locator(".log-table").inner_text()
        assert "decide: moves={'Red': ['red_test']}" in log and "end turn" in log
        page.locator(".chart-state img").wait_for()  # the charts, drawn in the background
        page.locator(".charts-drawing").wait_for(state="detached")  # ... of the game as it is
        assert "(turn 3, phase provocation)" in page.locator(".chart-relations-now").inner_text()
        page.screenshot(path=str(IMAGES / "dashboard-turn.png"))
        page.locator(".charts").screenshot(path=str(IMAGES / "dashboard-charts.png"))
        page.reload()  # the same game
        page.get_by_text("Waiting for the moves of Red").wait_for()
        assert page.locator(".turn-line").inner_text() == turn_line
        assert page.locator(".current-rung").inner_text() == rung
    with served(tmp_path, "--session", "g.json") as (url, _), browser() as page:
        page.goto(url)
        page.get_by_text("Waiting for the moves of Red").wait_for()
        assert page.locator(".turn-line").inner_text() == turn_line
        for _ in range(6):
            if page.get_by_text("The game is over.").count():
                break
            play_turn(page, times, red_moves=False)
        page.get_by_text("The game is over.").wait_for()
    from wargame.seminar.sessionfile import load_session

    session, _ = load_session(tmp_path / "g.json")
    assert not session.model.running
    median = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"Resolve to updated page: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    assert median < 2.0  # the target is 0.3 s; this guards against a page gone wrong


def test_a_game_of_wargame_play_continues_in_the_browser(tmp_path: Path) -> None:
    from test_web_table import play_first_phase

    play_first_phase(tmp_path)
    with served(tmp_path, "--session", "g.json") as (url, _), browser() as page:
        page.goto(url)
        page.get_by_text("Waiting for the moves of Blue").wait_for()
        page.get_by_role("button", name="Enter the moves of Blue").click()
        resolve(page, [])
        page.get_by_text("Waiting for the moves of Red").wait_for()
        assert page.locator(".turn-line").inner_text().startswith("Turn 2 of 6")


def test_a_broken_upload_is_refused_and_the_server_keeps_running(tmp_path: Path) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    with served(tmp_path, "tutorial.yaml", "--session", "g.json") as (url, _), browser() as page:
        page.goto(url)
        page.get_by_text("Set up a game").wait_for()
        page.get_by_label("Or paste a scenario's YAML").fill("scenario:\n  id: [unclosed\n")
        page.get_by_role("button", name="Check the pasted scenario").click()
        problems = page.locator(".upload-problems")
        problems.wait_for()
        assert "pasted.yaml:" in problems.inner_text()
        page.reload()
        page.get_by_role("button", name="Start the game").click()  # the server still serves
        page.locator(".waiting").wait_for()


def test_off_loopback_a_control_without_the_token_is_refused(tmp_path: Path) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    with (
        served(tmp_path, "tutorial.yaml", "--session", "g.json", host="0.0.0.0") as (url, lines),
        browser() as page,
    ):
        token = next(line.split(": ", 1)[1] for line in lines if "Facilitator token" in line)
        page.goto(url)
        page.get_by_text("Player's view (read-only)").wait_for()
        assert page.get_by_role("button", name="Start the game").is_disabled()
        page.goto(f"{url}?token={token}")
        page.get_by_text("Facilitator: the controls are yours.").wait_for()
        page.wait_for_function("!window.location.search.includes('token')")  # out of history
        assert token not in page.url and token not in page.evaluate("document.body.innerText")
        page.get_by_role("button", name="Start the game").click()
        page.locator(".waiting").wait_for()


def test_resolve_time_with_four_agent_teams_on_the_korea_scenario(tmp_path: Path) -> None:
    """The issue's figure: Resolve to the updated page, two human teams (Japan, South Korea)
    and four agent teams (United States, North Korea, China, Russia), on the shipped
    scenario; median and p95 printed, a loose bound asserted (machines vary)."""
    from web_game import KOREA

    shutil.copy(KOREA, tmp_path / KOREA.name)
    times: list[float] = []
    with served(tmp_path, KOREA.name, "--session", "g.json") as (url, _), browser() as page:
        page.goto(url)
        page.get_by_text("Set up a game").wait_for()
        for team in ("Japan (JP)", "South Korea (KR)"):
            choose(page, team, "human")
        for team in ("North Korea (NK)", "United States (US)", "China (CN)", "Russia (RU)"):
            choose(page, team, "agent")
        page.get_by_role("button", name="Start the game").click()
        while len(times) < 30:
            page.locator(".waiting").wait_for()
            now = waiting(page)
            if "the moves of Japan" in now:
                step(page, "Enter the moves of Japan")
            elif "the moves of South Korea" in now:
                step(page, "Enter the moves of South Korea")
            elif "review" in now:
                resolve(page, times)
            else:
                raise AssertionError(f"unexpected: {now}")
        page.locator(".chart-state img").wait_for()  # the charts drew (in the background)
    median = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(
        f"Korea 2017, JP and KR human, US NK CN RU agents: Resolve to updated page over "
        f"{len(times)} Resolves: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )
    assert median < 2.0  # the target is 0.3 s; this guards against a page gone wrong


HOSTILE = """\
scenario: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: !!python/object/apply:os.system ["echo owned > owned.txt"]
"""


def drop_file(page: Any, name: str, text: str) -> None:
    """Drop a file on the set-up page's drop zone, as a dragged file lands. (Chromium gives a
    script-made drop no file-system entry, so the entry it would give is supplied; the
    drop zone's reading of the file through the page and the server's checks are real.)"""
    page.locator(".solara-file-drop").evaluate(
        """(zone, [name, text]) => {
            const file = new File([text], name, {type: "application/x-yaml"});
            const data = new DataTransfer();
            data.items.add(file);
            DataTransferItem.prototype.webkitGetAsEntry = function () {
                return {isFile: true, file: (done) => done(this.getAsFile())};
            };
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
        }""",
        [name, text],
    )


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("broken.yaml", "scenario:\n  id: [unclosed\n", "broken.yaml:"),
        ("hostile.yaml", HOSTILE, "hostile.yaml:5:4: e: YAML tags that construct objects"),
    ],
)
def test_a_dropped_broken_or_hostile_file_is_refused_and_the_server_serves_on(
    tmp_path: Path, name: str, text: str, said: str
) -> None:
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    with served(tmp_path, "tutorial.yaml", "--session", "g.json") as (url, _), browser() as page:
        page.goto(url)
        page.get_by_text("Set up a game").wait_for()
        drop_file(page, name, text)
        problems = page.locator(".upload-problems")
        problems.wait_for()
        shown = problems.inner_text()
        assert "The scenario is refused:" in shown and said in shown
        assert not (tmp_path / "owned.txt").exists() and not (tmp_path / "g.json").exists()
        page.reload()
        page.get_by_role("button", name="Start the game").click()  # the server still serves
        page.locator(".waiting").wait_for()


def test_two_tabs_on_one_game_see_each_others_moves_and_a_stale_click_is_refused(
    tmp_path: Path,
) -> None:
    import re

    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    with served(tmp_path, "tutorial.yaml", "--session", "g.json") as (url, _), browser() as one:
        start_with_red_human(one, url)
        two = one.context.browser.new_page(viewport={"width": 1200, "height": 900})
        two.set_default_timeout(30_000)
        held: list[Any] = []
        holding = [False]

        def route(socket: Any) -> None:  # tab two's updates from the server, held on demand
            server = socket.connect_to_server()
            socket.on_message(server.send)
            server.on_message(lambda m: held.append((socket, m)) if holding[0] else socket.send(m))

        two.route_web_socket(re.compile(".*"), route)
        two.goto(url)
        two.get_by_text("Waiting for the moves of Red").wait_for()
        holding[0] = True  # tab two stops hearing of changes: it goes stale
        one.locator(".moves-panel .v-input--checkbox").first.click()
        one.get_by_role("button", name="Enter the moves of Red").click()
        one.get_by_role("button", name="Resolve").wait_for()
        two.get_by_role("button", name="Enter the moves of Red").click()  # as it last saw it
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            two.wait_for_timeout(100)
        holding[0] = False
        for socket, message in held:
            socket.send(message)
        two.get_by_text("the game moved on in another tab").wait_for()
        log = one.locator(".log-table").inner_text()
        assert "decide: moves={'Red': ['red_test']}" in log  # tab one's move, not two's
        two.reload()
        two.get_by_role("button", name="Resolve").wait_for()
        log = two.locator(".log-table").inner_text()
        assert log.count("decide: moves=") == 1 and "decide: moves={'Red': ['red_test']}" in log


def test_a_replaced_move_the_report_and_the_risk_timeline_by_clicks(tmp_path: Path) -> None:
    """Replace an agent's moves with a reason; download the report as it stands; play the
    risk timeline in the background, see its progress end, and download it."""
    shutil.copy(TUTORIAL, tmp_path / "tutorial.yaml")
    with served(tmp_path, "tutorial.yaml", "--session", "g.json") as (url, _), browser() as page:
        start_with_red_human(page, url)
        step(page, "Enter the moves of Red")
        resolve(page, [])  # on to the agents' phase (Blue and Green)
        choose(page, "Agent team", "Green")
        page.get_by_label("New moves: option numbers (0 for none)").fill("0")
        page.get_by_label("Reason (for replace, force or re-roll: logged)").fill("room call")
        step(page, "Replace the moves of Green")
        log = page.locator(".log-table").inner_text()
        assert "replace" in log and "room call" in log
        resolve(page, [])  # the turn ends
        with page.expect_download() as report:
            page.get_by_role("button", name="Download the report as it stands (HTML)").click()
        html = Path(report.value.path()).read_text(encoding="utf-8")
        assert report.value.suggested_filename == "g-report.html"
        assert html.startswith("<!DOCTYPE html>") and "room call" in html
        page.get_by_label("Continuations a turn (1 to 2,000)").fill("20")
        page.get_by_role("button", name="Play the risk timeline").click()
        page.locator(".risk-ready").wait_for(timeout=120_000)
        assert "Risk timeline ready: " in page.locator(".risk-ready").inner_text()
        with page.expect_download() as risk:
            page.get_by_role(
                "button", name="Download the report with the risk timeline (HTML)"
            ).click()
        assert "<h2>Risk timeline</h2>" in Path(risk.value.path()).read_text(encoding="utf-8")
