"""`wargame sensitivity`: Sobol indices of one outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wargame.cli.consoles import FileArg
from wargame.cli.stopping import stoppable
from wargame.engine.snapshot import MAX_SEED
from wargame.files.atomic import write_json
from wargame.files.saved import read_manifest


def sensitivity(
    file: FileArg,
    outcome: Annotated[str, typer.Option(help="Outcome id (or a runs column) to explain.")],
    replicates: Annotated[int, typer.Option(help="Games per design point.", min=1)] = 8,
    base_samples: Annotated[int, typer.Option(help="Saltelli base samples (power of 2).")] = 32,
    include: Annotated[
        list[str] | None,
        typer.Option(help="Uncertain numbers to vary (glob on paths); others stay central."),
    ] = None,
    variant: Annotated[str, typer.Option(help="Variant to analyse ('base' is none).")] = "base",
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("sensitivity-out"),
    workers: Annotated[int, typer.Option(help="Local worker processes.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed of the design and the games.", min=0, max=MAX_SEED)
    ] = 0,
    resume: Annotated[bool, typer.Option(help="Finish an interrupted analysis.")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing analysis in --out.")] = False,
    allow_hindsight: Annotated[
        bool, typer.Option(help="Analyse a hindsight variant (not a forecast; marked).")
    ] = False,
) -> None:
    """First-order and total Sobol indices of one outcome (Saltelli design, SALib)."""
    from rich.table import Table

    from wargame.batch import sensitivity as analysis
    from wargame.stats.sensitivity import plot

    with stoppable(out, "analysis"):
        indices = analysis.sobol(
            file,
            outcome=outcome,
            out=out,
            variant=variant,
            include=include or ["*"],
            base_samples=base_samples,
            replicates=replicates,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            force=force,
            allow_hindsight=allow_hindsight,
        )
    played = read_manifest(out / "manifest.json").get("hindsight", [])  # as the batch marked it
    mark = f" [HINDSIGHT variant {played[0]}: not a forecast]" if played else ""
    table = Table(title=f"Sobol indices of {outcome} (95% intervals){mark}")
    for name in ("uncertain number", "first order", "total"):
        table.add_column(name)
    for index in sorted(indices, key=lambda i: -i.total):
        table.add_row(
            index.name,
            f"{index.first:.3f} ± {index.first_conf:.3f}",
            f"{index.total:.3f} ± {index.total_conf:.3f}",
        )
    picture = out / "sobol.png"
    plot(indices, outcome, picture)
    write_json(out / "sobol.json", [vars(i) for i in indices])
    Console(highlight=False, width=120).print(table)
    out_console = Console(highlight=False)
    out_console.print(f"plot: {picture}; indices: {out / 'sobol.json'}", markup=False)
