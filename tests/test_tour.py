"""docs/tour.ipynb runs from top to bottom (one group, a small sweep, a figure), quickly."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TOUR = Path(__file__).resolve().parent.parent / "docs" / "tour.ipynb"


def test_the_tour_notebook_runs(tmp_path):
    notebook = nbformat.read(TOUR, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        record_timing=False,  # its timestamps may call datetime.utcnow(), deprecated (warnings are errors)
        resources={"metadata": {"path": tmp_path}},
    ).execute()
    seconds = time.perf_counter() - start
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Participant 0:" in text and "ties after week 3" in text
    assert any("image/png" in o.get("data", {}) for o in outputs), "the figure is drawn"
    assert seconds < 60, f"the tour took {seconds:.0f} s"
