"""docs/tour.ipynb runs from top to bottom (one group, the same people in another context, a small
sweep, a figure), quickly, and what it shows a reader is what it prints today: the stored outputs
are compared with a fresh run's, so a tour whose numbers or words have drifted fails."""

from __future__ import annotations

import copy
import math
import re
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TOUR = Path(__file__).resolve().parent.parent / "docs" / "tour.ipynb"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _shown(cell) -> str:
    """What a code cell shows as text: its printed output and its value's plain-text form."""
    parts = []
    for o in cell.outputs:
        if o.output_type == "stream" and o.name == "stdout":
            parts.append(o.text)
        elif o.output_type == "execute_result":
            parts.append(o.data.get("text/plain", ""))
    return "".join(parts)


def same_text(stored: str, fresh: str) -> bool:
    """The same words, and numbers equal to the precision a reader sees (last-digit float noise
    between machines is not drift; 0.36 against 0.34 is)."""
    if NUMBER.sub("#", stored) != NUMBER.sub("#", fresh):
        return False
    pairs = zip(NUMBER.findall(stored), NUMBER.findall(fresh), strict=True)
    return all(math.isclose(float(a), float(b), rel_tol=1e-3, abs_tol=1e-4) for a, b in pairs)


def test_same_text_tells_drift_from_noise():
    assert same_text("hope 0.358713, 44 ties", "hope 0.358714, 44 ties")
    assert not same_text("hope 0.358713", "hope 0.340468")
    assert not same_text("44 ties after week 3", "44 ties after week 4")
    assert not same_text("shared True", "shared False")


def test_the_tour_notebook_runs_and_shows_what_it_prints(tmp_path):
    stored = nbformat.read(TOUR, as_version=4)
    notebook = copy.deepcopy(stored)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
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
    assert "Where the stories part" in text and "This is an assumption of the model" in text
    assert any("image/png" in o.get("data", {}) for o in outputs), "the figure is drawn"
    assert seconds < 60, f"the tour took {seconds:.0f} s"

    codes = [(a, b) for a, b in zip(stored.cells, notebook.cells, strict=True) if a.cell_type == "code"]
    assert all(a.outputs for a, _ in codes), "every code cell of docs/tour.ipynb has its output stored"
    stale = [i for i, (a, b) in enumerate(codes) if not same_text(_shown(a), _shown(b))]
    assert stale == [], (
        f"docs/tour.ipynb's stored outputs of code cells {stale} are not what they print today:"
        " run the notebook and save it"
    )
