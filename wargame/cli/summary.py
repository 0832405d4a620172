"""The batch summary in the terminal (`wargame batch`, `wargame summarize DIR`), and the full
table as CSV or Markdown (--table-csv, --table-md)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from wargame.cli.consoles import err
from wargame.files.atomic import check_outputs, write_text

if TYPE_CHECKING:
    from wargame.batch.runner import BatchResult
    from wargame.scenario.schema import ScenarioSpec

MeasuresOption = Annotated[
    str | None,
    typer.Option(
        help="Measures to show, comma-separated names or glob patterns, e.g. "
        "'count.nk_*,war' (default: the outcomes and the scenario's report: list).",
    ),
]
TableCsvOption = Annotated[
    Path | None, typer.Option("--table-csv", help="Also write the full table as CSV here.")
]
TableMdOption = Annotated[
    Path | None, typer.Option("--table-md", help="Also write the full table as Markdown here.")
]
WIDTH = 100
"""The summary's width when the terminal's is not known (COLUMNS sets it)."""


def patterns_of(measures: str | None) -> list[str] | None:
    """The --measures patterns (None: not given)."""
    if measures is None:
        return None
    found = [p.strip() for p in measures.split(",") if p.strip()]
    if not found:
        from wargame.errors import WargameError

        raise WargameError("--measures names no measure; e.g. --measures 'war,count.nk_*'")
    return found


def check_tables(table_csv: Path | None, table_md: Path | None, *, force: bool) -> None:
    """Before any work: the table files can be written (new, or replaced with --force)."""
    check_outputs([("--table-csv", table_csv), ("--table-md", table_md)], force=force)


def show_summary(
    result: BatchResult,
    spec: ScenarioSpec | None,
    *,
    measures: str | None = None,
    table_csv: Path | None = None,
    table_md: Path | None = None,
    runs: int | None = None,
) -> None:
    """Print the summary (chosen measures, labelled) and write the full tables if asked."""
    import pyarrow.parquet as pq

    from wargame.batch.opening import summarised
    from wargame.batch.storage import RUNS
    from wargame.stats import tables

    summary = summarised(result)
    names = tables.labels(spec)
    columns = pq.read_schema(result.out / RUNS).names
    keep = tables.chosen(
        summary,
        columns,
        patterns=patterns_of(measures),
        report=spec.report if spec is not None else (),
    )
    if table_csv is not None:
        write_text(table_csv, tables.csv_text(summary, names))
    if table_md is not None:
        write_text(table_md, tables.markdown_text(summary, names))
    width = shutil.get_terminal_size((WIDTH, 24)).columns
    console = Console(highlight=False, width=width, soft_wrap=False)
    for note in summary.get("hindsight", []):
        console.print(note, markup=False)
    console.print(summary_table(tables.select(summary, keep), names, _title(summary, runs), width))
    console.print(_legend(summary, spec), markup=False)
    if spec is None:
        err.print(
            "note: the scenario file the batch played was not found unchanged, so measures "
            "are shown by their ids",
            markup=False,
        )


def _title(summary: dict[str, Any], runs: int | None) -> str:
    per = f"{runs} runs per variant, " if runs is not None else ""
    return f"{per}{summary['pairs']} complete pairs (the same seeds in every variant)"


def _legend(summary: dict[str, Any], spec: ScenarioSpec | None) -> str:
    from wargame.scenario.schema import NO_VARIANT
    from wargame.stats.tables import variant_label

    lines = [
        "Outcomes: % of runs in which it happened [95% interval]; differences in percentage "
        f"points (pts) against {variant_label(summary['baseline'])}, paired run by run. "
        "Other measures: mean per run."
    ]
    if NO_VARIANT in summary["variants"]:
        lines.append(f"{variant_label(NO_VARIANT)}: the scenario as written.")
    return "\n".join(lines)


def summary_table(
    summary: dict[str, Any], names: dict[str, str], title: str, width: int = WIDTH
) -> Table:
    """One row per measure: with one other variant, a column per variant and the difference;
    with more, a row per variant under each measure (so it fits any number of variants).
    Numbers never wrap; labels and headings wrap at words into what is left of `width`."""
    from wargame.stats.tables import rows, variant_label

    variants, baseline = summary["variants"], summary["baseline"]
    others = [v for v in variants if v != baseline]
    found = rows(summary, names)
    outcomes = len(summary["rates"])
    body: list[list[str]] = []
    if len(variants) <= 2:
        headers = [variant_label(v) for v in variants]
        headers += [f"{variant_label(v)} vs {variant_label(baseline)}" for v in others]
        body = [[label, *cells] for _, label, cells in found]
        sections = {outcomes} if 0 < outcomes < len(found) else set()
    else:
        headers = ["variant", "value", f"vs {variant_label(baseline)}"]
        sections = set()
        for _, label, cells in found:
            sections.add(len(body))
            values, differences = cells[: len(variants)], cells[len(variants) :]
            by_other = dict(zip(others, differences, strict=True))
            for j, v in enumerate(variants):
                body.append(
                    [label if j == 0 else "", variant_label(v), values[j], by_other.get(v, "")]
                )
    widths = [
        max([len(word) for word in header.split()] + [len(row[k + 1]) for row in body] + [6])
        for k, header in enumerate(headers)
    ]
    longest = max([len(row[0]) for row in body] + [len("measure")])
    spare = width - longest - sum(widths) - 3 * len(widths) - 1  # padding and separators
    for k, header in enumerate(headers):  # room left: headings on one line, as far as it goes
        grow = max(0, min(spare, len(header) - widths[k]))
        widths[k] += grow
        spare -= grow
    left = width - sum(widths) - 3 * len(widths) - 1
    table = Table(
        title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title_justify="left"
    )
    table.add_column("measure", width=max(16, min(longest, left)))
    for header, size in zip(headers, widths, strict=True):
        table.add_column(header, width=size)
    for i, row in enumerate(body):
        if i in sections and i > 0:
            table.add_section()
        table.add_row(row[0], *(Text(cell, no_wrap=True) for cell in row[1:]))
    return table


def summarize(
    folder: Annotated[Path, typer.Argument(help="A finished batch folder (wargame batch --out).")],
    measures: MeasuresOption = None,
    baseline: Annotated[
        str | None, typer.Option(help="Variant the others are compared with (default: first).")
    ] = None,
    table_csv: TableCsvOption = None,
    table_md: TableMdOption = None,
    force: Annotated[bool, typer.Option(help="Replace existing table files.")] = False,
) -> None:
    """Print the summary of a finished batch again (the same options as wargame batch)."""
    from wargame.batch.opening import open_batch, scenario_of_batch

    check_tables(table_csv, table_md, force=force)
    patterns_of(measures)  # an empty --measures is refused before the folder is read
    result = open_batch(folder, baseline=baseline)
    show_summary(
        result,
        scenario_of_batch(folder),
        measures=measures,
        table_csv=table_csv,
        table_md=table_md,
    )
    if result.failed:
        err.print(f"{len(result.failed)} game(s) failed; their pairs were dropped", markup=False)
