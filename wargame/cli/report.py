"""`wargame report`: the after-action report of a played game, for the debrief.

Reads a session file (`wargame play --session`) or `wargame run --json` output as untrusted
input and writes one self-contained HTML file (or Markdown with its charts beside it). Every
output is checked before anything is read or played; the files are written whole or not at
all. `--risk N` adds the risk timeline: N continuations from the start of every turn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from wargame.cli.consoles import out
from wargame.engine.snapshot import MAX_SEED
from wargame.errors import WargameError
from wargame.files.atomic import check_outputs, write_text

MAX_RISK_RUNS = 100_000


def report(
    file: Annotated[
        Path,
        typer.Argument(
            help="The game: a session file (wargame play) or wargame run --json output.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--out", "-o", help="The report to write (report.html, or report.md).")
    ],
    format_: Annotated[
        Literal["html", "md"],
        typer.Option("--format", help="html: one offline file; md: Markdown, charts beside it."),
    ] = "html",
    risk: Annotated[
        int,
        typer.Option(
            help="Continuations from the start of every turn for the risk timeline (0: none).",
            min=0,
            max=MAX_RISK_RUNS,
        ),
    ] = 0,
    workers: Annotated[
        int, typer.Option(help="Local worker processes for the risk timeline.", min=1)
    ] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the continuations.", min=0, max=MAX_SEED)] = 0,
    scenario: Annotated[
        Path | None,
        typer.Option(help="The scenario file, if not where the record says (run files)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite existing output files.")] = False,
) -> None:
    """Write the after-action report of a game: summary, timeline, interventions, the road
    not taken, charts, and (with --risk) the risk timeline."""
    if risk:  # --workers serves the risk timeline only (and the batch machinery is large)
        from wargame.batch.runner import check_workers

        check_workers(workers)
    charts = output.parent / f"{output.stem}_charts"
    check_outputs([("--out", output)], force=force)
    if format_ == "md" and charts.exists() and not force:
        raise WargameError(f"{charts} exists; pass --force to overwrite the charts in it")
    from wargame.report.content import build_content
    from wargame.report.figures import game_figures, risk_figures
    from wargame.report.game import read_game
    from wargame.report.render import html_report, markdown_report

    game = read_game(file, scenario)
    content = build_content(game)
    figures = game_figures(game)
    timeline = None
    if risk:
        from wargame.report.risk import risk_timeline  # (the batch machinery: only if asked)

        timeline = risk_timeline(game, runs=risk, workers=workers, seed=seed)
    extra = risk_figures(game, timeline) if timeline is not None else []
    if format_ == "html":
        write_text(output, html_report(content, figures, timeline, extra))
    else:
        text, files = markdown_report(content, figures, output, timeline, extra)
        charts.mkdir(exist_ok=True)
        for path, svg in files.items():
            write_text(path, svg)
        write_text(output, text)
    size = output.stat().st_size
    out.print(
        f"wrote {output} ({size / 1024:.0f} KiB): {len(game.records)} turn(s), "
        f"{len(content.interventions) + len(content.undos)} intervention(s), "
        f"{len(figures) + len(extra)} chart(s)"
        + (f", risk from {timeline.games:,} games in {timeline.seconds:.1f} s" if timeline else ""),
        markup=False,
        highlight=False,
    )
