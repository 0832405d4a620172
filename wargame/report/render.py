"""The report laid out: one self-contained HTML file (styles and SVG charts inline, nothing
fetched), or Markdown with the charts as SVG files in a folder beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from wargame import __version__
from wargame.report.content import Content
from wargame.report.figures import Figure

if TYPE_CHECKING:
    from wargame.report.batch import BatchReport
    from wargame.report.risk import RiskTimeline

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("wargame.report", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
_ENVIRONMENT.filters["cell"] = lambda text: " ".join(str(text).split()).replace("|", "\\|")


@dataclass(frozen=True)
class RiskRow:
    turn: int
    policy: str
    cells: list[str]


def _risk_table(risk: RiskTimeline | None) -> tuple[list[str], list[RiskRow]]:
    """Outcomes any continuation reached; a row per turn and policy: 'p (low-high)'."""
    if risk is None:
        return [], []
    outcomes = sorted({p.outcome for p in risk.points if p.probability > 0})
    rows = []
    for turn in sorted({p.turn for p in risk.points}):
        for policy in risk.policies:
            found = {p.outcome: p for p in risk.points if p.turn == turn and p.policy == policy}
            cells = [
                f"{found[o].probability:.2f} ({found[o].low:.2f}-{found[o].high:.2f})"
                for o in outcomes
            ]
            rows.append(RiskRow(turn, policy, cells))
    return outcomes, rows


def render(
    template: str,
    content: Content,
    figures: list[Figure],
    risk: RiskTimeline | None = None,
    risk_figures: list[Figure] | None = None,
    folder: str = "",
) -> str:
    outcomes, rows = _risk_table(risk)
    return _ENVIRONMENT.get_template(template).render(
        c=content,
        figures=figures,
        risk=risk,
        risk_figures=risk_figures or [],
        risk_outcomes=outcomes,
        risk_rows=rows,
        version=__version__,
        folder=folder,
    )


def html_report(
    content: Content,
    figures: list[Figure],
    risk: RiskTimeline | None = None,
    risk_figures: list[Figure] | None = None,
) -> str:
    """One HTML file that works offline and from an e-mail attachment."""
    return render("report.html.j2", content, figures, risk, risk_figures)


def markdown_report(
    content: Content,
    figures: list[Figure],
    out: Path,
    risk: RiskTimeline | None = None,
    risk_figures: list[Figure] | None = None,
) -> tuple[str, dict[Path, str]]:
    """The Markdown text and the chart files it links to (in OUT_charts/ beside it)."""
    folder = f"{out.stem}_charts"
    text = render("report.md.j2", content, figures, risk, risk_figures, folder)
    every = [*figures, *(risk_figures or [])]
    files = {out.parent / folder / f"{f.name}.svg": f.svg for f in every}
    return text, files


def batch_html(report: BatchReport) -> str:
    """The batch report as one HTML file that works offline (styles and charts inline)."""
    return _ENVIRONMENT.get_template("batch.html.j2").render(r=report, version=__version__)
