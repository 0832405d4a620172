"""`wargame sensitivity`: Sobol indices of one outcome (warned about when they have not
converged, or grown until they have), or Morris screening of many uncertain numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from wargame.cli.consoles import FileArg, err, progress_bar
from wargame.cli.stopping import stoppable
from wargame.engine.snapshot import MAX_SEED
from wargame.files.atomic import write_json
from wargame.files.saved import read_manifest

if TYPE_CHECKING:
    from wargame.stats.sensitivity import ConvergenceWarning, Effect, Index

METHODS = ("sobol", "morris")
SCREEN_FRACTION = 0.25
"""Morris: numbers whose mu* is at least this fraction of the largest are worth a Sobol run."""
SHOWN_WARNINGS = 10
DESCRIPTION_WIDTH = 60


def sensitivity(
    file: FileArg,
    outcome: Annotated[str, typer.Option(help="Outcome id (or a runs column) to explain.")],
    method: Annotated[
        str, typer.Option(help="sobol (indices) or morris (screening of many numbers).")
    ] = "sobol",
    replicates: Annotated[int, typer.Option(help="Games per design point.", min=1)] = 8,
    base_samples: Annotated[int, typer.Option(help="Saltelli base samples (power of 2).")] = 32,
    trajectories: Annotated[
        int | None,
        typer.Option(help="Morris trajectories r: r x (numbers + 1) points [default: 10].", min=2),
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option(help="Uncertain numbers to vary (glob on paths); others stay central."),
    ] = None,
    variant: Annotated[str, typer.Option(help="Variant to analyse ('base' is none).")] = "base",
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("sensitivity-out"),
    max_ci_width: Annotated[
        float,
        typer.Option(help="Sobol: warn when a 95% interval is wider than this (full width)."),
    ] = 0.1,
    target_ci_width: Annotated[
        float | None,
        typer.Option(
            help="Sobol: double --base-samples until every interval is narrower than this."
        ),
    ] = None,
    max_samples: Annotated[
        int, typer.Option(help="Sobol: the largest --base-samples --target-ci-width may reach.")
    ] = 1024,
    top: Annotated[int, typer.Option(help="Morris: numbers shown, largest mu* first.", min=1)] = 20,
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
    """First-order and total Sobol indices of one outcome (Saltelli design, SALib), or Morris
    screening (--method morris) to find the few numbers worth them."""
    if method not in METHODS:
        raise typer.BadParameter(
            f"'{method}' is not one of {', '.join(METHODS)}", param_hint="'--method'"
        )
    if not (math.isfinite(max_ci_width) and max_ci_width > 0):
        raise typer.BadParameter(
            f"must be a number above 0, got {max_ci_width}", param_hint="'--max-ci-width'"
        )
    if target_ci_width is not None and not (math.isfinite(target_ci_width) and target_ci_width > 0):
        raise typer.BadParameter(
            f"must be a number above 0, got {target_ci_width}", param_hint="'--target-ci-width'"
        )
    if method == "morris" and target_ci_width is not None:
        raise typer.BadParameter("is for --method sobol", param_hint="'--target-ci-width'")
    if method == "sobol" and trajectories is not None:
        raise typer.BadParameter("is for --method morris", param_hint="'--trajectories'")
    common = {
        "outcome": outcome,
        "out": out,
        "variant": variant,
        "include": include or ["*"],
        "replicates": replicates,
        "seed": seed,
        "workers": workers,
        "scheduler": scheduler,
        "resume": resume,
        "force": force,
        "allow_hindsight": allow_hindsight,
    }
    if method == "morris":
        morris(file, trajectories or 10, top, common)
        return
    sobol(file, base_samples, max_ci_width, target_ci_width, max_samples, common)


def sobol(
    file: Path,
    base_samples: int,
    max_ci_width: float,
    target_ci_width: float | None,
    max_samples: int,
    common: dict[str, Any],
) -> None:
    """Play the Saltelli design (grown if asked), print the indices and any warning."""
    from rich.table import Table

    from wargame.batch import sensitivity as analysis
    from wargame.stats.sensitivity import convergence, plot, widest

    out = Path(str(common["out"]))
    outcome = str(common["outcome"])

    def round_done(samples: int, found: list[Index]) -> None:
        width, name, measure = widest(found)
        err.print(
            f"--base-samples {samples}: widest interval {width:.3f} ({measure} of {name})",
            markup=False,
        )

    with stoppable(out, "analysis"), progress_bar("sensitivity") as show:
        if target_ci_width is None:
            indices = analysis.sobol(file, base_samples=base_samples, on_progress=show, **common)
            used = base_samples
        else:
            indices, used = analysis.grow(
                file,
                target_width=target_ci_width,
                max_samples=max_samples,
                base_samples=base_samples,
                on_progress=show,
                on_round=round_done,
                **common,
            )
    mark = hindsight_mark(out)
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
    write_json(out / "sobol.json", [finite_or_none(vars(i)) for i in indices])
    Console(highlight=False, width=120).print(table)
    out_console = Console(highlight=False)
    out_console.print(f"plot: {picture}; indices: {out / 'sobol.json'}", markup=False)
    warnings = convergence(indices, used, max_ci_width)
    if warnings:
        replicates = int(str(common["replicates"]))
        for line in warning_lines(warnings, used, replicates, len(indices), max_ci_width):
            err.print(line, markup=False)


def warning_lines(
    warnings: Sequence[ConvergenceWarning],
    base_samples: int,
    replicates: int,
    numbers: int,
    max_width: float,
) -> list[str]:
    """What the warnings say: each index in doubt, and the design size that would do."""
    state = (
        "have no value" if all(w.reason == "undefined" for w in warnings) else "have not converged"
    )
    lines = [
        f"warning: {len(warnings)} Sobol index(es) {state} at --base-samples "
        f"{base_samples} ({base_samples * (numbers + 2) * replicates:,} games); "
        "do not read them as they are:"
    ]
    for warning in warnings[:SHOWN_WARNINGS]:
        said = f"  {warning.name}, {warning.measure}: {warning.value:.3f} ± {warning.conf:.3f}"
        if warning.reason == "undefined":
            said += " is not a number (the outcome did not vary over the design)"
        elif warning.reason == "outside":
            said += f" lies outside [0, 1] beyond its interval (width {warning.width:.3f})"
        else:
            said += f": its interval is {warning.width:.3f} wide, more than {max_width:g}"
        lines.append(said)
    if len(warnings) > SHOWN_WARNINGS:
        lines.append(f"  ... and {len(warnings) - SHOWN_WARNINGS} more")
    needed = max(w.needed_samples for w in warnings)
    if needed > base_samples:
        games = needed * (numbers + 2) * replicates
        lines.append(
            f"  intervals narrow as 1/sqrt(N): to bring the widest under {max_width:g}, use "
            f"--base-samples {needed} (about {games:,} games), or let the design grow until "
            f"they are: --target-ci-width {max_width:g} --max-samples {needed}"
        )
    if any(w.reason == "outside" for w in warnings):
        lines.append(
            "  an index outside [0, 1] is also what the noise between games does to a small "
            "design: more --replicates make each point's outcome surer"
        )
    if any(w.reason == "undefined" for w in warnings):
        lines.append(
            "  the outcome was the same at every point of the design: no design size helps; "
            "choose an outcome that varies, or --include other numbers"
        )
    return lines


def morris(file: Path, trajectories: int, top: int, common: dict[str, Any]) -> None:
    """Play the Morris design, print mu*, its interval and sigma, and what to take further."""
    from rich.table import Table

    from wargame.batch import sensitivity as analysis
    from wargame.stats.sensitivity import plot_morris, ranked, screened

    out = Path(str(common["out"]))
    outcome = str(common["outcome"])
    with stoppable(out, "analysis"), progress_bar("sensitivity") as show:
        effects, noise = analysis.morris(
            file, trajectories=trajectories, on_progress=show, **common
        )
    described = dict(
        zip(
            [e.name for e in effects],
            analysis.descriptions(file, [e.name for e in effects], str(common["variant"])),
            strict=True,
        )
    )
    mark = hindsight_mark(out)
    order = ranked(effects)
    shown = order[:top]
    table = Table(
        title=f"Morris screening of {outcome}: {len(shown)} of {len(effects)} numbers by mu* "
        f"({trajectories} trajectories; 95% intervals){mark}"
    )
    for name in ("uncertain number", "description", "mu*", "sigma"):
        table.add_column(name, overflow="fold")
    for effect in shown:
        table.add_row(
            effect.name,
            shorten(described[effect.name]),
            f"{effect.mu_star:.3g} ± {effect.mu_star_conf:.2g}",
            f"{effect.sigma:.3g}",
        )
    picture = out / "morris.png"
    plot_morris(effects, outcome, picture)
    write_json(
        out / "morris.json",
        [finite_or_none({**vars(e), "description": described[e.name]}) for e in order],
    )
    Console(highlight=False, width=140).print(table)
    out_console = Console(highlight=False)
    out_console.print(f"plot: {picture}; effects: {out / 'morris.json'}", markup=False)
    if math.isfinite(noise):
        out_console.print(
            f"noise: a number whose only effect is to re-roll the games would get a mu* of "
            f"about {noise:.3g} ({common['replicates']} games per point; the points share "
            "their seeds, so a number with no effect at all gets 0); a mu* near it cannot be "
            "told from noise",
            markup=False,
            soft_wrap=True,
        )
    else:
        out_console.print(
            "noise: not known with one game per point (--replicates 2 or more tells it)",
            markup=False,
        )
    advice = screening_advice(screened(effects, SCREEN_FRACTION, noise), file, outcome)
    out_console.print(advice, markup=False, soft_wrap=True)


def screening_advice(chosen: Sequence[Effect], file: Path, outcome: str) -> str:
    """Which numbers to take into a Sobol analysis, as the command that would."""
    if not chosen:
        return (
            "worth a Sobol analysis: none (no mu* stands out from the noise between games; "
            "more --replicates or --trajectories may tell)"
        )
    includes = " ".join(f"--include '{e.name}'" for e in chosen)
    return (
        f"worth a Sobol analysis: {len(chosen)} number(s) whose mu* is at least "
        f"{SCREEN_FRACTION:.0%} of the largest, its interval above the noise's:\n"
        f"  wargame sensitivity {file} --outcome {outcome} {includes}"
    )


def finite_or_none(row: dict[str, Any]) -> dict[str, Any]:
    """A row for JSON: a number that is not finite (an index of an outcome that did not
    vary) as null."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}


def shorten(text: str, width: int = DESCRIPTION_WIDTH) -> str:
    """A description on one short line."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def hindsight_mark(out: Path) -> str:
    """The title's mark of a hindsight variant, as the batch's manifest recorded it."""
    played = read_manifest(out / "manifest.json").get("hindsight", [])
    return f" [HINDSIGHT variant {played[0]}: not a forecast]" if played else ""
