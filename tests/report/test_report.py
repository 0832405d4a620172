"""`wargame report` through the real command, on the shipped rehearsal (three turns, Japan and
South Korea played by people, one intervention of each kind and an undo) and on a plain run.

The HTML holds every section, every turn, every intervention with its reason, the undo and
the road not taken, and references nothing outside itself; the Markdown has the same
sections and its charts beside it; damaged or mismatched inputs exit 2 and write nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import SCENARIOS, run_cli

KOREA = SCENARIOS / "korea_2017_over_japan.yaml"
MOVES = SCENARIOS / "moves" / "korea_rehearsal.yaml"
SECTIONS = [
    "Summary",
    "What the game turned on",
    "Teams and who played them",
    "Outcomes",
    "Final state",
    "Facilitator interventions",
    "The road not taken",
    "Charts",
    "Timeline",
]


@pytest.fixture(scope="module")
def seminar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seminar")
    played = run_cli(
        "play", KOREA, "--human", "JP,KR", "--seed", "1", "--turns", "3",
        "--session", "game.json", "--moves", MOVES, cwd=folder,
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    return folder / "game.json"


@pytest.fixture(scope="module")
def html(seminar: Path) -> str:
    made = run_cli("report", seminar.name, "-o", "report.html", cwd=seminar.parent)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("wrote report.html"), made.stdout
    return (seminar.parent / "report.html").read_text()


def text_of(html: str) -> str:
    """The HTML's text as a reader sees it (tags dropped, entities of the report decoded)."""
    plain = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    plain = re.sub(r"<[^>]+>", " ", plain)
    for entity, char in (("&#39;", "'"), ("&quot;", '"'), ("&amp;", "&"), ("&rarr;", "->")):
        plain = plain.replace(entity, char)
    return " ".join(plain.split())


def test_every_section_turn_intervention_and_reason_is_in_the_html(
    seminar: Path, html: str
) -> None:
    text = text_of(html)
    for heading in SECTIONS:
        assert f">{heading}</h" in html, heading
    saved = json.loads(seminar.read_text())
    for record in saved["records"]:
        assert f"Turn {record['turn']}, {record['date']}" in text
        for act in record["interventions"]:
            assert " ".join(act["reason"].split()) in text, act
    kinds = {act["kind"] for r in saved["records"] for act in r["interventions"]}
    assert kinds == {
        "force",
        "reroll",
        "replace_moves",
        "hand_over",
        "fire_inject",
        "ad_hoc_inject",
    }
    for shown in ("FORCED", "RE-ROLLED", "MOVE REPLACED", "TEAM HANDED OVER", "INJECT FIRED"):
        assert shown.lower() in text.lower(), shown
    undos = [e for e in saved["log"] if e["what"].startswith("undo")]
    assert undos and all(" ".join(e["reason"].split()) in text for e in undos)
    assert "the die gave failure" in text  # the roll a forced die replaced
    assert "it had rolled" in text  # and the one a re-roll replaced
    # who played whom: Korea was handed to its agent in turn 3
    assert "people (turns 1-2); then agent (turn 3)" in text


def test_the_road_not_taken_sets_each_human_decision_against_its_agent(
    seminar: Path, html: str
) -> None:
    saved = json.loads(seminar.read_text())
    human = [
        (r["turn"], d["actor"])
        for r in saved["records"]
        for p in r["phases"]
        for d in p["decisions"]
        if d["controller"] == "human"
    ]
    assert human  # Japan in every turn, Korea in two
    section = html[html.index('id="road-not-taken"') : html.index('id="charts"')]
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td>", section)
    names = {"JP": "Japan", "KR": "South Korea"}
    assert sorted((int(t), n) for t, n in rows) == sorted((t, names[a]) for t, a in human)
    assert "Its agent would have chosen" in section and "Gap" in section


def test_the_html_fetches_nothing_from_anywhere(html: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
    assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", html, re.I)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    # the charts are inline: state, ladder, escalation, beliefs in the US and in China, relations
    assert html.count("<svg") >= 6
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        assert re.search(r"xlink:href=\"(?!#)", svg) is None  # only references inside itself


def test_the_markdown_has_the_same_sections_and_its_charts_beside_it(seminar: Path) -> None:
    folder = seminar.parent
    made = run_cli("report", seminar.name, "-o", "report.md", "--format", "md", cwd=folder)
    assert made.returncode == 0, made.stderr
    text = (folder / "report.md").read_text()
    for heading in SECTIONS:
        assert re.search(rf"^#+ {heading}$", text, re.M), heading
    linked = re.findall(r"\]\((report_charts/[^)]+\.svg)\)", text)
    assert len(linked) >= 6
    for link in linked:
        assert (folder / link).read_text().startswith("<svg")
    again = run_cli("report", seminar.name, "-o", "report.md", "--format", "md", cwd=folder)
    assert again.returncode == 2 and "exists" in again.stderr


def test_a_plain_run_is_reported_and_a_changed_scenario_refused(tmp_path: Path) -> None:
    shutil.copy(KOREA, tmp_path / "korea.yaml")
    done = run_cli("run", "korea.yaml", "--seed", "3", "--json", "run.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    made = run_cli("report", "run.json", "-o", "run.html", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    text = text_of((tmp_path / "run.html").read_text())
    assert "The facilitator did not intervene" in text
    assert "No team was played by people" in text
    assert "Turn 12, 2018-08-01" in text

    (tmp_path / "korea.yaml").write_text(KOREA.read_text().replace("turns: 12", "turns: 11", 1))
    refused = run_cli("report", "run.json", "-o", "again.html", cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert "run.json" in refused.stderr and "--scenario FILE" in refused.stderr
    assert not (tmp_path / "again.html").exists()
    shutil.copy(KOREA, tmp_path / "original.yaml")
    given = run_cli(
        "report", "run.json", "-o", "again.html", "--scenario", "original.yaml", cwd=tmp_path
    )
    assert given.returncode == 0, given.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "run.json"),
        ("{}", "not a game record"),
        ('{"format": "wargame-run/1", "scenario": {}}', "scenario"),
        ('{"format": "wargame-session/1"}', "scenario"),
        ("[1, 2]", "not a game record"),
        ('{"format": "wargame-run/1", "records": "x"}', "records"),
    ],
    ids=["empty", "no format", "run without fields", "session without fields", "a list", "junk"],
)
def test_a_damaged_record_exits_2_naming_the_file(tmp_path: Path, content: str, says: str) -> None:
    (tmp_path / "run.json").write_text(content)
    ended = run_cli("report", "run.json", "-o", "r.html", cwd=tmp_path)
    assert ended.returncode == 2, ended.stderr
    assert "run.json" in ended.stderr and says in ended.stderr, ended.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]
