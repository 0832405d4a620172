"""Small drawing helpers for the dashboard: headings, lines and tables of plain text.

Scenario text is untrusted: everything goes into the page as text nodes (never as Markdown or
HTML), so a label cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Sequence

import solara
from solara.alias import rv


@solara.component
def Heading(text: str, level: int = 3) -> None:
    rv.Html(tag=f"h{level}", children=[text])


@solara.component
def Lines(lines: Sequence[str], classes: Sequence[str] = ()) -> None:
    """The lines as one block of text, a line each (none drawn for no lines): one element
    however many lines, so a long narrative costs the page one update, not one a line."""
    if lines:
        rv.Html(
            tag="div",
            class_=" ".join(["lines", *classes]),
            children=["\n".join(lines)],
            style_="white-space: pre-wrap; line-height: 1.5; margin: 0 0 8px 0",
        )


@solara.component
def Row(cells: tuple[str, ...]) -> None:
    """One table row: drawn again only when its cells change."""
    with rv.Html(tag="tr"):
        for cell in cells:
            rv.Html(tag="td", children=[cell])


@solara.component
def Table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    classes: str = "",
    keys: Sequence[str] | None = None,
) -> None:
    """A plain table: header row, then one row per item. `keys` name the rows for what they
    are (a log entry's number), so a row added at the top redraws that row alone."""
    with rv.SimpleTable(dense=True, class_=classes):
        with rv.Html(tag="thead"), rv.Html(tag="tr"):
            for header in headers:
                rv.Html(tag="th", children=[header])
        with rv.Html(tag="tbody"):
            for number, row in enumerate(rows):
                Row(tuple(row)).key(keys[number] if keys is not None else f"row-{number}")
