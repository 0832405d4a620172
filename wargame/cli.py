"""The `wargame` command line: validate, run, schema.

Exit codes: 0 success; 1 the command ran but failed (e.g. a human-controlled actor had no
moves); 2 bad input (file, option or saved state), with a message naming the file, the
place and the fix; 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from wargame.console import print_final, print_turn
from wargame.errors import InputError, Problem, WargameError
from wargame.files.atomic import write_json
from wargame.files.saved import read_snapshot
from wargame.scenario.loading import Scenario, load_scenario
from wargame.scenario.schema import ScenarioSpec

if TYPE_CHECKING:
    from wargame.engine.model import WargameModel

app = typer.Typer(
    help="Policy-response wargames: validate scenarios, run games, print the format.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# emoji=False: ':name:' in labels, paths or the JSON schema must print as written.
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

FileArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.", show_default=False)],
    strict: Annotated[
        bool, typer.Option(help="Also fail (exit 2) on numbers without source or assumption.")
    ] = False,
) -> None:
    """Check scenario files; report every problem at once, and numbers lacking provenance."""
    failed = False
    for file in files:
        try:
            scenario = load_scenario(file)
            for variant in scenario.spec.variants:
                load_scenario(file, variant=variant)
        except InputError as error:
            err.print(str(error), markup=False)
            failed = True
            continue
        unsourced = scenario.unsourced
        status = "ok" if not unsourced else f"ok, {len(unsourced)} number(s) without provenance"
        out.print(
            f"{file}: {status}; {len(scenario.spec.actors)} actors, "
            f"{len(scenario.spec.actions)} actions, {len(scenario.spec.variants)} variants, "
            f"{len(scenario.uncertainties)} uncertain numbers",
            markup=False,
        )
        for line in unsourced:
            out.print(f"  no provenance: {line}", markup=False)
        failed = failed or (strict and bool(unsourced))
    if failed:
        raise typer.Exit(2)


@app.command()
def run(
    file: FileArg,
    variant: Annotated[str | None, typer.Option(help="Policy variant to play.")] = None,
    seed: Annotated[int, typer.Option(help="Run seed: same seed, same game.", min=0)] = 0,
    turns: Annotated[
        int | None, typer.Option(help="Play up to this turn (default: the scenario's).", min=1)
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a number: PATH=VALUE, e.g. parameters.x=1.5."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the turn records and summary here.")
    ] = None,
    save_state: Annotated[
        Path | None, typer.Option(help="Save the whole game state here at the end.")
    ] = None,
    from_state: Annotated[
        Path | None, typer.Option(help="Continue a game saved with --save-state.")
    ] = None,
    summary: Annotated[bool, typer.Option(help="Print only the final state and outcomes.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite existing output files.")] = False,
) -> None:
    """Play one game and print who did what and why, the dice, and the state changes."""
    for target in (json_out, save_state):
        if target is not None and target.exists() and not force:
            raise WargameError(f"{target} exists; pass --force to overwrite it")
    scenario = load_scenario(file, variant=variant, overrides=set_ or ())
    model = _start(scenario, seed, turns, from_state)
    shown = len(model.records)
    try:
        while model.running:
            model.step()
            if not summary and model.records[shown:]:
                for record in model.records[shown:]:
                    print_turn(out, model.program, record)
                shown = len(model.records)
    except InputError:
        raise
    except WargameError as error:
        # The input was fine but the game could not be played on: exit 1, as documented.
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(1) from None
    result = model.summary()
    print_final(out, scenario, result)
    if json_out is not None:
        write_json(json_out, {"summary": result, "records": [r.to_json() for r in model.records]})
    if save_state is not None:
        write_json(save_state, model.snapshot())
    model.release()


def _start(
    scenario: Scenario, seed: int, turns: int | None, from_state: Path | None
) -> WargameModel:
    data = None if from_state is None else read_snapshot(from_state, scenario)
    from wargame.engine.model import WargameModel  # imports mesa (~0.7 s): only `run` needs it

    if data is None:
        return WargameModel(scenario, seed=seed, turns=turns)
    last = scenario.spec.scenario.turns if turns is None else turns
    return WargameModel.restore(scenario, data, turns=last, check=False)  # read_snapshot checked


@app.command()
def batch(
    file: FileArg,
    runs: Annotated[int, typer.Option(help="Runs per variant.")] = 1000,
    variants: Annotated[
        str, typer.Option(help="Comma-separated variants to compare; 'base' is none.")
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
    seed: Annotated[int, typer.Option(help="Batch seed.", min=0)] = 0,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Fix a number: PATH=VALUE (not sampled).")
    ] = None,
    sample: Annotated[
        str, typer.Option(help="How uncertain numbers are sampled: lhs, random or none.")
    ] = "lhs",
    chunk_size: Annotated[int | None, typer.Option(help="Runs per task.", min=1)] = None,
    trajectories: Annotated[bool, typer.Option(help="Also keep per-turn variables.")] = False,
    from_state: Annotated[
        Path | None, typer.Option(help="Continue every run from this saved game state.")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Finish a batch that was interrupted.")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing batch in --out.")] = False,
) -> None:
    """Run many games of each variant on common random numbers; print the comparison."""
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    from wargame.batch import runner as batches
    from wargame.stats.comparison import table_rows

    names = [v.strip() for v in variants.split(",") if v.strip()]
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} games"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )
    task = bar.add_task("batch", total=None)

    def show(progress: batches.Progress) -> None:
        # the bar appears once the arguments have been checked and the work begins
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=progress.done, total=progress.total)

    try:
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
        )
    finally:
        if bar.live.is_started:
            bar.stop()
    summary = result.summary()
    header, rows = table_rows(summary)
    table = Table(title=f"{runs} runs per variant; {summary['pairs']} complete pairs")
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    out_console = Console(highlight=False, width=max(120, 30 * len(header)))
    out_console.print(table)
    out_console.print(f"results: {out / batches.RUNS}", markup=False)
    if result.failed:
        err.print(f"{len(result.failed)} game(s) failed; their pairs were dropped:", markup=False)
        for line in batches.iter_failed(result):
            err.print(f"  {line}", markup=False)
        raise typer.Exit(1)


@app.command()
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
    seed: Annotated[int, typer.Option(help="Seed of the design and the games.", min=0)] = 0,
    resume: Annotated[bool, typer.Option(help="Finish an interrupted analysis.")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing analysis in --out.")] = False,
) -> None:
    """First-order and total Sobol indices of one outcome (Saltelli design, SALib)."""
    from rich.table import Table

    from wargame.batch import sensitivity as analysis
    from wargame.stats.sensitivity import plot

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
    )
    table = Table(title=f"Sobol indices of {outcome} (95% intervals)")
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


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors that check YAML as you type)."""
    document: dict[str, Any] = ScenarioSpec.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "wargame scenario"
    out.print(json.dumps(document, indent=2), markup=False, soft_wrap=True)


def main() -> None:
    """Console entry point: user errors become messages and exit codes, never tracebacks."""
    try:
        code = app(standalone_mode=False)
    except WargameError as error:
        err.print(f"error: {error}", markup=False)
        sys.exit(error.exit_code)
    except typer.Exit as done:
        if done.exit_code == 130:
            err.print("interrupted; finished work is kept (a batch resumes with --resume)")
        sys.exit(done.exit_code)
    except MemoryError:
        err.print("error: out of memory; finished work is kept (a batch resumes with --resume)")
        sys.exit(1)
    except (KeyboardInterrupt, typer.Abort):
        err.print("interrupted", markup=False)
        sys.exit(130)
    except Exception as error:
        # click's usage errors (click is vendored inside newer typer, so match by shape)
        show, exit_code = getattr(error, "show", None), getattr(error, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["Problem", "app", "main"]
