"""The report's charts as inline SVG: titled, axes labelled with units, readable in greyscale
(line styles and markers tell series apart, not colour alone), the same bytes every time.

Each function takes plain series and returns the SVG text; nothing is fetched or written.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Distinct in greyscale: each series gets a line style and a marker as well as a colour.
STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (5, 1, 1, 1)), "v"), ("-", "x")]
COLOURS = ["#1b1b1b", "#1f5fa8", "#b2182b", "#4d9221", "#8c510a", "#6a3d9a"]
plt.rcParams.update(
    {
        "svg.hashsalt": "wargame-report",  # the same element ids every time
        "svg.fonttype": "path",  # glyphs drawn as paths: no font needed where it is opened
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.grid": True,
        "grid.alpha": 0.3,
    }
)


@dataclass(frozen=True)
class Series:
    """One line: its label, x values (turns), y values, and an optional interval band."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    # no RDF metadata block: nothing in the file names a web address but the SVG namespaces
    figure.savefig(
        buffer, format="svg", metadata=dict.fromkeys(("Date", "Creator", "Format", "Type"))
    )
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # without the XML prolog and doctype: inline in HTML


def line_chart(
    title: str,
    series: Sequence[Series],
    *,
    x_label: str = "turn",
    y_label: str,
    y_range: tuple[float, float] | None = None,
    x_ticks: Sequence[float] | None = None,
    width: float = 6.4,
    height: float = 2.8,
) -> str:
    """Lines over the turns, intervals drawn as hatched bands, bounds as the y range."""
    figure, axes = plt.subplots(figsize=(width, height), layout="constrained")
    for i, line in enumerate(series):
        style, marker = STYLES[i % len(STYLES)]
        colour = COLOURS[i % len(COLOURS)]
        axes.plot(
            line.x, line.y, linestyle=style, marker=marker, markersize=4, color=colour,
            label=line.label,
        )  # fmt: skip
        if line.low is not None and line.high is not None:
            axes.fill_between(
                line.x, line.low, line.high, color=colour, alpha=0.15, hatch="///",
                linewidth=0,
            )  # fmt: skip
    axes.set_title(title)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    if y_range is not None:
        low, high = y_range
        pad = (high - low) * 0.03 or 0.05
        axes.set_ylim(low - pad, high + pad)
    if x_ticks is not None:
        axes.set_xticks(list(x_ticks))
    if len(series) > 1:
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return _svg(figure)


@dataclass(frozen=True)
class Panel:
    """One small chart of a grid: a variable over the turns within its bounds."""

    title: str
    x: Sequence[float]
    y: Sequence[float]
    y_range: tuple[float, float]


def small_multiples(
    title: str, panels: Sequence[Panel], *, x_label: str, y_label: str, columns: int = 3
) -> str:
    """A grid of small line charts sharing the x axis, each over its own bounds."""
    rows = -(-len(panels) // columns)
    figure, grid = plt.subplots(
        rows,
        columns,
        figsize=(7.2, 1.75 * rows + 0.6),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for axes, panel in zip(grid.flat, panels, strict=False):
        axes.plot(panel.x, panel.y, color=COLOURS[0], marker="o", markersize=2.5, linewidth=1.2)
        low, high = panel.y_range
        pad = (high - low) * 0.05 or 0.05
        axes.set_ylim(low - pad, high + pad)
        axes.set_title(panel.title, fontsize=8)
        axes.tick_params(labelsize=7)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # turns: no turn 1.5
    for axes in list(grid.flat)[len(panels) :]:
        axes.axis("off")
    for axes in grid[-1]:
        axes.set_xlabel(x_label, fontsize=7)
    for axes in grid[:, 0]:
        axes.set_ylabel(y_label, fontsize=7)
    figure.suptitle(title)
    return _svg(figure)


def rung_chart(
    title: str, turns: Sequence[int], rungs: Sequence[str], ladder: Sequence[str]
) -> str:
    """The escalation ladder's rung by turn, as steps over the named rungs."""
    figure, axes = plt.subplots(
        figsize=(6.4, max(1.8, 0.35 * len(ladder) + 0.8)), layout="constrained"
    )
    index = {name: i for i, name in enumerate(ladder)}
    axes.step(turns, [index[r] for r in rungs], where="mid", color=COLOURS[0], marker="o")
    axes.set_yticks(range(len(ladder)))
    axes.set_yticklabels([name if len(name) < 40 else name[:38] + "…" for name in ladder])
    axes.set_ylim(-0.5, len(ladder) - 0.5)
    axes.set_title(title)
    axes.set_xlabel("turn")
    axes.set_ylabel("rung")
    axes.set_xticks(list(turns))
    return _svg(figure)


def relations_chart(
    title: str,
    nodes: dict[str, str],
    edges: Sequence[tuple[str, str, dict[str, float]]],
    positions: dict[str, tuple[float, float]] | None = None,
) -> str:
    """The relations graph: an arrow per relation, its width by trust, dashed where there
    is no alliance, each labelled 'trust t / alliance a'. `nodes` maps ids to names."""
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    for source, target, data in edges:
        graph.add_edge(source, target, **data)
    where = positions or nx.circular_layout(graph)
    figure, axes = plt.subplots(figsize=(5.2, 4.4), layout="constrained")
    nx.draw_networkx_nodes(
        graph, where, ax=axes, node_color="#f2f2f2", edgecolors="#1b1b1b", node_size=1500
    )
    nx.draw_networkx_labels(graph, where, labels=dict(nodes.items()), ax=axes, font_size=7)
    for source, target, data in graph.edges(data=True):
        trust = float(data.get("trust", 0.0))
        allied = float(data.get("alliance", 0.0)) > 0
        nx.draw_networkx_edges(
            graph, where, edgelist=[(source, target)], ax=axes, width=0.5 + 3.5 * trust,
            style="solid" if allied else "dashed", edge_color="#333333", arrows=True,
            arrowsize=10, connectionstyle="arc3,rad=0.12", node_size=1500,
        )  # fmt: skip
    labels = {
        (s, t): f"{d.get('trust', 0.0):.2f}/{d.get('alliance', 0.0):.2f}"
        for s, t, d in graph.edges(data=True)
    }
    nx.draw_networkx_edge_labels(
        graph, where, edge_labels=labels, ax=axes, font_size=6, label_pos=0.3,
        connectionstyle="arc3,rad=0.12",
    )  # fmt: skip
    axes.set_title(title + "\n(label: trust/alliance; width: trust; dashed: no alliance)")
    axes.axis("off")
    return _svg(figure)


def layout(nodes: Sequence[str]) -> dict[str, tuple[float, float]]:
    """One layout for the start and end graphs, so the two can be compared."""
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(nodes))
    return {k: (float(v[0]), float(v[1])) for k, v in nx.circular_layout(graph).items()}


# -- batch report charts ---------------------------------------------------------------------

HATCHES = ["", "///", "...", "xx", "\\\\\\", "++"]
"""Bar fills told apart in greyscale: each variant a hatch as well as a colour."""
WRAP = 44
"""The longest line of a row label in a forest plot (longer ones wrap at words)."""


@dataclass(frozen=True)
class Whisker:
    """One row of a forest plot: its label, a point estimate and its 95% interval."""

    label: str
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class ForestPanel:
    """Rows sharing a unit (one x axis): its heading (may be empty) and x-axis label."""

    title: str
    x_label: str
    rows: Sequence[Whisker]


def _wrapped(label: str) -> str:
    return "\n".join(textwrap.wrap(label, WRAP)) or label


def forest_chart(title: str, panels: Sequence[ForestPanel]) -> str:
    """A forest plot: each row's estimate as a point, its interval as whiskers, and a dashed
    line at zero (no difference); one panel per unit, rows top to bottom in the given order."""
    heights = [0.42 * max(1, len(p.rows)) + 0.75 for p in panels]
    figure, grid = plt.subplots(
        len(panels),
        1,
        figsize=(7.2, sum(heights) + 0.5),
        squeeze=False,
        layout="constrained",
        gridspec_kw={"height_ratios": heights},
    )
    for axes, panel in zip(grid[:, 0], panels, strict=True):
        places = list(range(len(panel.rows)))[::-1]  # the first row at the top
        for y, row in zip(places, panel.rows, strict=True):
            axes.errorbar(
                [row.estimate], [y], xerr=[[row.estimate - row.low], [row.high - row.estimate]],
                fmt="o", color=COLOURS[0], ecolor=COLOURS[0], capsize=3, markersize=4,
                linewidth=1.2,
            )  # fmt: skip
        axes.axvline(0.0, color="#555555", linestyle="--", linewidth=1)
        axes.set_yticks(places)
        axes.set_yticklabels([_wrapped(row.label) for row in panel.rows], fontsize=7.5)
        axes.set_ylim(-0.6, len(panel.rows) - 0.4)
        axes.grid(axis="y", visible=False)
        axes.set_xlabel(panel.x_label)
        if panel.title:
            axes.set_title(panel.title, fontsize=8.5, loc="left")
    figure.suptitle(title)
    return _svg(figure)


@dataclass(frozen=True)
class Bars:
    """One group member per category: a series' heights with their 95% intervals."""

    label: str
    y: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]


def bar_chart(
    title: str,
    categories: Sequence[str],
    bars: Sequence[Bars],
    *,
    x_label: str,
    y_label: str,
    y_range: tuple[float, float] | None = None,
) -> str:
    """Grouped bars (a group per category, a bar per series told apart by hatch), each with
    its interval as an error bar."""
    count = max(1, len(bars))
    width = 0.8 / count
    figure, axes = plt.subplots(
        figsize=(min(7.2, 3.2 + 0.32 * len(categories) * count), 3.0), layout="constrained"
    )
    for i, series in enumerate(bars):
        xs = [k - 0.4 + width * (i + 0.5) for k in range(len(categories))]
        colour = COLOURS[i % len(COLOURS)]
        hatch = HATCHES[i % len(HATCHES)]
        # the SVG draws a hatch over the fill in one opacity: hatched bars are white inside
        fill = "#ffffff" if hatch else to_rgba(colour, 0.35)
        below = [max(0.0, y - low) for y, low in zip(series.y, series.low, strict=True)]
        above = [max(0.0, high - y) for y, high in zip(series.y, series.high, strict=True)]
        axes.bar(
            xs, series.y, width=width, color=fill, edgecolor=colour,
            hatch=hatch, hatchcolor=colour, label=series.label,
            yerr=[below, above], error_kw={"ecolor": "#1b1b1b", "capsize": 2, "elinewidth": 1},
        )  # fmt: skip
    axes.set_xticks(list(range(len(categories))))
    axes.set_xticklabels(list(categories), fontsize=8)
    axes.grid(axis="x", visible=False)
    axes.set_title(title)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    if y_range is not None:
        axes.set_ylim(*y_range)
    if len(bars) > 1:
        axes.legend(loc="upper right", frameon=False, fontsize=8)
    return _svg(figure)
