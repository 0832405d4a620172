"""The report in a real browser: Debian's chromium, driven by Playwright, opens the HTML file
offline, logs no console error, finds every section and chart, prints to A4, and a
screenshot is taken (kept in the test's folder; the README's is docs/img/report.png).

CI installs chromium (`apt-get install chromium`, in .ci/run). The browser runs with the
network closed to it: a report that tried to fetch anything would log an error here.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from chromium import opened
from conftest import SCENARIOS, run_cli


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.slow
def test_the_report_renders_in_chromium_with_no_console_error(tmp_path: Path) -> None:
    played = run_cli(
        "play", SCENARIOS / "korea_2017_over_japan.yaml", "--human", "JP,KR", "--seed", "1",
        "--turns", "3", "--session", "game.json", "--moves",
        SCENARIOS / "moves" / "korea_rehearsal.yaml", cwd=tmp_path,
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    made = run_cli("report", "game.json", "-o", "report.html", "--risk", "20", cwd=tmp_path)
    assert made.returncode == 0, made.stderr

    with opened(tmp_path / "report.html") as visit:
        page = visit.page
        headings = page.locator("h2").all_inner_texts()
        charts = page.locator("figure svg").count()
        turns = page.locator("div.turn").count()
        shown = page.locator("#interventions").is_visible()
        page.screenshot(path=str(tmp_path / "report.png"))
        page.pdf(path=str(tmp_path / "report.pdf"), format="A4")

    assert visit.problems == []
    assert visit.fetched_from_the_network() == []
    assert headings[:4] == [
        "Summary",
        "Facilitator interventions",
        "The road not taken",
        "Risk timeline",
    ]
    assert {"Charts", "Timeline"} <= set(headings)
    assert charts >= 8 and turns == 3 and shown
    assert png_size(tmp_path / "report.png") == (1100, 1400)
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 3
