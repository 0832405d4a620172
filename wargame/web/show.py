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
    """One paragraph a line (none drawn for no lines)."""
    with rv.Html(tag="div", class_=" ".join(classes)):
        for line in lines:
            rv.Html(tag="p", children=[line], style_="margin: 0 0 4px 0; white-space: pre-wrap")


@solara.component
def Table(headers: Sequence[str], rows: Sequence[Sequence[str]], classes: str = "") -> None:
    """A plain table: header row, then one row per item."""
    with rv.SimpleTable(dense=True, class_=classes):
        with rv.Html(tag="thead"), rv.Html(tag="tr"):
            for header in headers:
                rv.Html(tag="th", children=[header])
        with rv.Html(tag="tbody"):
            for row in rows:
                with rv.Html(tag="tr"):
                    for cell in row:
                        rv.Html(tag="td", children=[cell])
