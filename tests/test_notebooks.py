"""The notebooks run top to bottom (with a small run count, as CI can afford), and what is
committed came from the committed code at the full run count: each was run in one go, its
outputs have the structure a fresh run of its cells gives, and the figures its conclusion
states are the ones in its own full-run tables."""

from __future__ import annotations

import os
import re
from pathlib import Path
from unittest import mock

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
SMALL_RUNS = 200
FULL_LINE = "10,000 runs per variant (full run)"

pytestmark = [pytest.mark.slow, pytest.mark.exclusive]


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def shape(cell: nbformat.NotebookNode) -> list[str]:
    """What a cell showed, without the numbers: each output's kind and its formats."""
    found = []
    for output in cell.outputs:
        if output.output_type == "stream":
            found.append(f"stream {output.name}")
        elif output.output_type == "error":
            found.append(f"error {output.ename}")
        else:
            found.append(f"{output.output_type} {sorted(output.data)}")
    return found


def text_of(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/markdown", output.data.get("text/plain", "")))
    return "\n".join(parts)


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=lambda path: path.stem)
def executed(request, tmp_path_factory):
    """(committed, freshly executed with the small run count) of one notebook."""
    path: Path = request.param
    committed = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    results = tmp_path_factory.mktemp(path.stem)
    small = {"WARGAME_NOTEBOOK_RUNS": str(SMALL_RUNS), "WARGAME_NOTEBOOK_RESULTS": str(results)}
    with mock.patch.dict(os.environ, small):
        client = NotebookClient(
            fresh, timeout=900, kernel_name="python3", resources={"metadata": {"path": FOLDER}}
        )
        client.execute()  # any error in a cell fails here (CellExecutionError)
    return committed, fresh


def test_each_notebook_runs_top_to_bottom_without_an_error(executed):
    _, fresh = executed
    cells = code_cells(fresh)
    assert cells and all(cell.execution_count for cell in cells)
    assert not any(output.output_type == "error" for cell in cells for output in cell.outputs)
    assert f"{SMALL_RUNS} runs per variant" in text_of(cells[0])


def test_the_committed_outputs_are_a_full_run_of_the_committed_cells_in_one_go(executed):
    committed, fresh = executed
    cells = code_cells(committed)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1))
    assert FULL_LINE in text_of(cells[0])
    assert [cell.source for cell in committed.cells] == [cell.source for cell in fresh.cells]
    for number, (old, new) in enumerate(zip(cells, code_cells(fresh), strict=True), 1):
        assert shape(old) == shape(new), f"code cell {number} shows other outputs than its code"


def test_every_batch_shows_its_progress_line_to_the_last_game(executed):
    committed, _ = executed
    for cell in code_cells(committed):
        for output in cell.outputs:
            text = output.get("data", {}).get("text/plain", "")
            if output.output_type == "display_data" and text.startswith("batch: "):
                done, total = re.match(r"batch: ([\d,]+)/([\d,]+) games", text).groups()
                assert done == total


def unitless(text: str) -> str:
    """'-0.14 tests [-0.24, -0.03]' as '-0.14 [-0.24, -0.03]': units between a figure and its
    interval dropped, so a figure reads the same in a table and in a sentence."""
    return re.sub(r"(\d) (?:tests|points) \[", r"\1 [", text)


TRIPLE = re.compile(r"([+-]?\d+\.\d+)%? \[([+-]?\d+\.\d+), ([+-]?\d+\.\d+)\]")


def test_the_new_normal_conclusion_states_the_figures_of_its_own_full_run_tables():
    notebook = nbformat.read(FOLDER / "02_new_normal.ipynb", as_version=4)
    cells = code_cells(notebook)
    conclusion = text_of(cells[-1])
    tables = "\n".join(text_of(cell) for cell in cells[:-1])
    stated = TRIPLE.findall(unitless(conclusion))
    assert len(stated) >= 10, conclusion
    shown = {tuple(float(x) for x in found) for found in TRIPLE.findall(unitless(tables))}
    for triple in stated:
        assert tuple(float(x) for x in triple) in shown, f"{triple} is in no table above"
    assert "10,000 paired runs per bundle" in conclusion
