"""`wargame score`: hold a scenario's forecasts against what happened.

Plays a batch of the scenario (one variant; its uncertain numbers sampled unless --sample
none), then, for each quantity of the observation file: the model's predictive mean, 50% and
90% intervals, where the observation fell (its percentile rank), the proper score of the
model and of the quantity's reference forecast, and the model's skill over the reference;
then the totals per scoring rule. See `wargame.stats.scoring`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wargame.cli.consoles import FileArg, out
from wargame.engine.snapshot import MAX_SEED
from wargame.errors import WargameError

if TYPE_CHECKING:
    from wargame.stats.scoring import Score

MAX_SCORE_RUNS = 1_000_000


def score(
    file: FileArg,
    observed: Annotated[Path, typer.Option(help="Observation file (format: wargame-observed/1).")],
    variant: Annotated[str | None, typer.Option(help="Variant to score (default: none).")] = None,
    runs: Annotated[
        int, typer.Option(help="Games in the forecast.", min=1, max=MAX_SCORE_RUNS)
    ] = 1000,
    workers: Annotated[int, typer.Option(help="Local worker processes.", min=1)] = 1,
    seed: Annotated[int, typer.Option(help="Batch seed.", min=0, max=MAX_SEED)] = 0,
    sample: Annotated[
        str, typer.Option(help="How uncertain numbers are sampled: lhs, random or none.")
    ] = "lhs",
    allow_hindsight: Annotated[
        bool, typer.Option(help="Score a hindsight variant (not a forecast; marked).")
    ] = False,
) -> None:
    """Score the scenario's forecasts against observations: intervals, percentile ranks,
    CRPS or log score against a reference forecast, and skill."""
    from wargame.batch.runner import BASE, check_options, hindsight_variants, run
    from wargame.scenario.loading import load_scenario
    from wargame.stats.observed import read_observed
    from wargame.stats.scoring import forecast_sample, totals
    from wargame.stats.scoring import score as score_quantity

    check_options(runs=runs, workers=workers, seed=seed, sample=sample, chunk_size=None)
    scenario = load_scenario(file, variant=variant)
    name = variant or BASE
    hindsight_variants(scenario.spec, [name], allow=allow_hindsight)
    obs = read_observed(observed, scenario)
    with tempfile.TemporaryDirectory(prefix="wargame-score-") as folder:
        result = run(
            file, variants=[name], runs=runs, seed=seed, out=Path(folder) / "batch",
            workers=workers, sample=sample, allow_hindsight=allow_hindsight,
        )  # fmt: skip
        table = result.to_pandas()
    table = table[table["variant"] == name]
    if "error" in table and table["error"].notna().any():
        failed = int(table["error"].notna().sum())
        raise WargameError(f"{failed} of {len(table)} games failed; scores would be biased")
    scores = [score_quantity(q, forecast_sample(table, q)) for q in obs.data.quantities]
    if scenario.hindsight_note is not None:
        out.print(scenario.hindsight_note, markup=False)
    _print(scenario.spec.scenario.title, name, runs, obs.data.period, scores, totals(scores))


def _print(
    title: str,
    variant: str,
    runs: int,
    period: str,
    scores: list[Score],
    summed: dict[str, tuple[float, float | None]],
) -> None:
    from rich.table import Table

    table = Table(
        title=f"{title}: {variant}, {runs:,} games" + (f"; observed {period}" if period else ""),
        title_justify="left",
    )
    for column in ("quantity", "observed", "mean", "50%", "90%", "rank", "rule", "model",
                   "reference", "skill"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("quantity", "rule") else "right")
    for s in scores:
        yes_no = s.rule == "log score"  # an outcome: the chance it happens, no intervals
        table.add_row(
            s.label,
            ("yes" if s.observed else "no") if yes_no else f"{s.observed:g}",
            f"p={s.mean:.3f}" if yes_no else f"{s.mean:.3g}",
            "-" if yes_no else f"{s.q25:.3g} to {s.q75:.3g}",
            "-" if yes_no else f"{s.q05:.3g} to {s.q95:.3g}",
            f"{s.rank:.2f}",
            s.rule,
            f"{s.model:.3f}",
            "-" if s.reference is None else f"{s.reference:.3f}",
            "-" if s.skill is None else f"{s.skill:+.2f}",
        )
    out.print(table)
    for rule, (model, reference) in summed.items():
        skill = "" if not reference else f", skill {1 - model / reference:+.2f}"
        ref = "no reference for every quantity" if reference is None else f"{reference:.3f}"
        out.print(f"total {rule}: model {model:.3f}, reference {ref}{skill} (lower is better)")
    out.print(
        "rank: where the observation fell in the model's games (0.5: the middle; ties count "
        "half); skill: 1 - model / reference, above 0 where the model beats the reference",
        markup=False,
    )
