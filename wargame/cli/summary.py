"""The batch summary in the terminal (`wargame batch`, `wargame summarize DIR`), the full
table as CSV or Markdown (--table-csv, --table-md), and the report as one HTML file (--html)."""

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
HtmlOption = Annotated[
    Path | None,
    typer.Option(
        "--html",
        help="Also write the batch report here: one offline HTML file with the rates, a "
        "forest plot of the differences, count distributions and outcome curves.",
    ),
]
WIDTH = 100
"""The summary's width when the terminal's is not known (COLUMNS sets it)."""
GAP = 2
"""Characters between two columns: a cell's right padding and the (blank) rule."""


def patterns_of(measures: str | None) -> list[str] | None:
    """The --measures patterns (None: not given)."""
    if measures is None:
        return None
    found = [p.strip() for p in measures.split(",") if p.strip()]
    if not found:
        from wargame.errors import WargameError

        raise WargameError("--measures names no measure; e.g. --measures 'war,count.nk_*'")
    return found


def check_tables(
    table_csv: Path | None, table_md: Path | None, html: Path | None = None, *, force: bool
) -> None:
    """Before any work: the table and report files can be written (new, or replaced with
    --force)."""
    check_outputs(
        [("--table-csv", table_csv), ("--table-md", table_md), ("--html", html)], force=force
    )


def show_summary(
    result: BatchResult,
    spec: ScenarioSpec | None,
    *,
    measures: str | None = None,
    table_csv: Path | None = None,
    table_md: Path | None = None,
    html: Path | None = None,
    runs: int | None = None,
) -> None:
    """Print the summary (chosen measures, labelled) and write the full tables and the HTML
    report if asked."""
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
    if html is not None:
        from wargame.report.batch import batch_report
        from wargame.report.render import batch_html

        write_text(html, batch_html(batch_report(result, spec, summary, keep)))
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
    """One row per measure with a column per variant and the difference (two variants, room
    enough); else a row per variant under each measure, which fits more variants and
    narrower terminals. Numbers never wrap; labels and headings wrap at words into what is
    left of `width`."""
    wide = _layout(summary, names, wide=True)
    longest = max([len(row[0]) for row in wide[1]] + [len("measure")])
    room = _widths(*wide[:2], wide[3], width)[1]
    if len(summary["variants"]) <= 2 and room >= min(longest, LABEL_LEAST):
        headers, body, sections, words = wide
    else:
        headers, body, sections, words = _layout(summary, names, wide=False)
    widths, label = _widths(headers, body, words, width)
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        title_justify="left",
    )
    table.add_column("measure", width=max(LABEL_NARROWEST, label))
    for header, size in zip(headers, widths, strict=True):
        table.add_column(header, width=size)
    for i, row in enumerate(body):
        if i in sections and i > 0:
            table.add_section()
        cells = [Text(cell, no_wrap=k >= words) for k, cell in enumerate(row[1:])]
        table.add_row(row[0], *cells)
    return table


LABEL_LEAST = 20
"""The narrowest the label column may be before the summary takes a row per variant."""
LABEL_NARROWEST = 12
"""The narrowest it ever is (a terminal narrower than the numbers need wraps the labels so)."""


def _layout(
    summary: dict[str, Any], names: dict[str, str], *, wide: bool
) -> tuple[list[str], list[list[str]], set[int], int]:
    """Headings (after the label's), rows, the rows that start a section, and how many
    columns after the label hold words (which may wrap) rather than numbers."""
    from wargame.stats.tables import column_headers, rows, variant_label

    variants, baseline = summary["variants"], summary["baseline"]
    others = [v for v in variants if v != baseline]
    found = rows(summary, names, mean_intervals=False)  # 100 columns: the means alone
    if wide:
        headers = column_headers(summary)
        outcomes = len(summary["rates"])
        sections = {outcomes} if 0 < outcomes < len(found) else set()
        return headers, [[label, *cells] for _, label, cells in found], sections, 0
    body: list[list[str]] = []
    sections = set()
    for _, label, cells in found:
        sections.add(len(body))
        values, differences = cells[: len(variants)], cells[len(variants) :]
        by_other = dict(zip(others, differences, strict=True))
        for j, v in enumerate(variants):
            body.append([label if j == 0 else "", variant_label(v), values[j], by_other.get(v, "")])
    return ["variant", "value", f"vs {variant_label(baseline)}"], body, sections, 1


def _widths(
    headers: list[str], body: list[list[str]], words: int, width: int
) -> tuple[list[int], int]:
    """Each column's width (a number column its longest cell; a column of words its longest
    word, or more if there is room) and what is left for the labels."""
    widths = []
    for k, header in enumerate(headers):
        cells = [row[k + 1] for row in body]
        if k < words:
            cells = [word for cell in cells for word in cell.split()]
        widths.append(max([len(word) for word in header.split()] + [len(c) for c in cells] + [6]))
    longest = max([len(row[0]) for row in body] + [len("measure")])

    def grow(columns: range, reserve: int) -> None:
        """Widen these columns to their whole text while the labels keep `reserve`."""
        spare = width - reserve - sum(widths) - GAP * len(widths) - 1  # gaps, one to spare
        for k in columns:
            full = max([len(headers[k])] + [len(row[k + 1]) for row in body])
            more = max(0, min(spare, full - widths[k]))
            widths[k] += more
            spare -= more

    grow(range(words), min(longest, LABEL_LEAST))  # variant names unwrapped, if there is room
    grow(range(len(headers)), longest)  # then headings on one line, as far as it goes
    return widths, min(longest, width - sum(widths) - GAP * len(widths) - 1)


def summarize(
    folder: Annotated[Path, typer.Argument(help="A finished batch folder (wargame batch --out).")],
    measures: MeasuresOption = None,
    baseline: Annotated[
        str | None, typer.Option(help="Variant the others are compared with (default: first).")
    ] = None,
    table_csv: TableCsvOption = None,
    table_md: TableMdOption = None,
    html: HtmlOption = None,
    force: Annotated[bool, typer.Option(help="Replace existing table and report files.")] = False,
) -> None:
    """Print the summary of a finished batch again (the same options as wargame batch)."""
    from wargame.batch.opening import open_batch, scenario_of_batch

    check_tables(table_csv, table_md, html, force=force)
    patterns_of(measures)  # an empty --measures is refused before the folder is read
    result = open_batch(folder, baseline=baseline)
    show_summary(
        result,
        scenario_of_batch(folder),
        measures=measures,
        table_csv=table_csv,
        table_md=table_md,
        html=html,
    )
    if result.failed:
        err.print(f"{len(result.failed)} game(s) failed; their pairs were dropped", markup=False)
