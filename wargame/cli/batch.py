"""`wargame batch`: many games per variant on common random numbers, and the comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wargame.cli.consoles import FileArg, err, progress_bar
from wargame.cli.stopping import stoppable
from wargame.cli.summary import (
    HtmlOption,
    MeasuresOption,
    TableCsvOption,
    TableMdOption,
    check_tables,
    patterns_of,
    show_summary,
)
from wargame.engine.snapshot import MAX_SEED


def batch(
    file: FileArg,
    runs: Annotated[int, typer.Option(help="Runs per variant.")] = 1000,
    variants: Annotated[
        str,
        typer.Option(
            help="Comma-separated variants to compare; 'base' is the scenario as written "
            "(no variant)."
        ),
    ] = "base",
    baseline: Annotated[
        str | None, typer.Option(help="Variant the others are compared with (default: first).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output directory (Parquet + manifest).")] = Path(
        "batch-out"
    ),
    workers: Annotated[int, typer.Option(help="Local worker processes.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Batch seed.", min=0, max=MAX_SEED)] = 0,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Fix a number: PATH=VALUE (not sampled).")
    ] = None,
    sample: Annotated[
        str, typer.Option(help="How uncertain numbers are sampled: lhs, random or none.")
    ] = "lhs",
    chunk_size: Annotated[int | None, typer.Option(help="Runs per task.", min=1)] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="auto: many games at once as arrays where the scenario allows (the same "
            "results, faster); reference: every game on its own."
        ),
    ] = "auto",
    trajectories: Annotated[bool, typer.Option(help="Also keep per-turn variables.")] = False,
    from_state: Annotated[
        Path | None, typer.Option(help="Continue every run from this saved game state.")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Finish a batch that was interrupted.")] = False,
    force: Annotated[
        bool,
        typer.Option(help="Replace an existing batch in --out (and the table and report files)."),
    ] = False,
    allow_hindsight: Annotated[
        bool,
        typer.Option(help="Play hindsight variants too (not a forecast; results are marked)."),
    ] = False,
    measures: MeasuresOption = None,
    table_csv: TableCsvOption = None,
    table_md: TableMdOption = None,
    html: HtmlOption = None,
) -> None:
    """Run many games of each variant on common random numbers; print the comparison."""
    from wargame.batch import runner as batches
    from wargame.scenario.loading import load_scenario

    check_tables(table_csv, table_md, html, force=force)
    patterns_of(measures)  # an empty --measures is refused before the games
    with stoppable(out, "batch"):  # Ctrl-C and SIGTERM: exit 130 or 143, work kept
        names = [v.strip() for v in variants.split(",") if v.strip()]
        with progress_bar("batch") as show:
            result = batches.run(
                file,
                variants=names,
                runs=runs,
                seed=seed,
                baseline=baseline,
                out=out,
                workers=workers,
                scheduler=scheduler,
                resume=resume,
                force=force,
                overrides=set_ or (),
                sample=sample,
                chunk_size=chunk_size,
                trajectories=trajectories,
                from_state=from_state,
                on_progress=show,
                allow_hindsight=allow_hindsight,
                engine=engine,
                on_note=lambda note: err.print(f"note: {note}", markup=False),
            )
        scenario = load_scenario(file, overrides=set_ or ()).spec
        show_summary(
            result,
            scenario,
            measures=measures,
            table_csv=table_csv,
            table_md=table_md,
            html=html,
            runs=runs,
        )
        Console(highlight=False, soft_wrap=True).print(
            f"results: {out / batches.RUNS} (columns: docs/results-format.md; "
            f"again: wargame summarize {out})",
            markup=False,
        )
        if result.failed:
            err.print(
                f"{len(result.failed)} game(s) failed; their pairs were dropped:", markup=False
            )
            for line in batches.iter_failed(result):
                err.print(f"  {line}", markup=False)
            raise typer.Exit(1)
