"""What a class sees: the study figures' numbers add up, and the teaching figures are legible."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peersim

ROOT = Path(__file__).resolve().parent.parent


def _study(name: str):
    spec = importlib.util.spec_from_file_location(f"study_{name}", ROOT / "experiments" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dropout_by_session_shares_sum_to_the_dropout_rate():
    # simulated groups, whose dropout_session is a nullable integer missing for those who stayed
    part = peersim.simulate(runs=300, seed=3).participants
    assert part.dropout_session.isna().any() and part.dropped_out.any()
    shares = _study("baseline").dropout_by_session(part, 10)
    assert list(shares.session) == list(range(1, 10))
    assert shares.share_left.sum() == pytest.approx(part.dropped_out.mean(), abs=1e-12)
    assert (shares.ci_low <= shares.share_left).all() and (shares.share_left <= shares.ci_high).all()
    assert (shares.ci_low >= 0).all()


def test_dropout_by_session_counts_everyone_in_the_denominator():
    # two groups of four: one leaver after session 1 in the first, none in the second
    part = pd.DataFrame(
        {
            "run": [0] * 4 + [1] * 4,
            "dropout_session": pd.array([1, None, None, None] + [None] * 4, dtype="Int64"),
        }
    )
    shares = _study("baseline").dropout_by_session(part, 3).set_index("session").share_left
    assert shares[1] == pytest.approx(1 / 8) and shares[2] == 0
    assert np.isfinite(shares).all()


# --- legibility: every teaching figure's smallest text at its saved size --------------------------
def _texts(fig) -> list:
    """Every text a viewer can see, after drawing (tick labels exist only once drawn): hidden
    artists and the axes of an axes switched off (``axis("off")``) are left out, as drawing does."""
    import io

    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    fig.savefig(io.BytesIO(), format="png", dpi=40)
    found = []

    def walk(artist, axis_on: bool) -> None:
        if not artist.get_visible() or (isinstance(artist, Axis) and not axis_on):
            return
        if isinstance(artist, Text) and artist.get_text().strip():
            found.append(artist)
        for child in artist.get_children():
            walk(child, artist.axison if isinstance(artist, Axes) else axis_on)

    walk(fig, True)
    return found


def _teaching_figures():
    from peersim.core.kernel import Kernel
    from peersim.report import teaching
    from peersim.studies.icamo import icamo_table

    kernel = Kernel(peersim.Params(facilitator_role="paid"), 5, np.array([2]), record_ties=True)
    kernel.run()
    table = icamo_table(peersim.simulate(runs=30, seed=1), strata=("employed", "age"))
    return {
        "circles": teaching.group_circles(kernel, "safety", chosen=1),
        "heatmap": teaching.activation_heatmap(kernel),
        "trajectories": teaching.trajectories(kernel, "recovery", chosen=1),
        "person": teaching.person_chart(kernel, 1),
        "icamo": teaching.icamo_figure(table),
    }


@pytest.mark.parametrize("name", ["circles", "heatmap", "trajectories", "person", "icamo"])
def test_every_teaching_figure_text_is_at_least_12_pt(name, teaching_figures):
    fig = teaching_figures[name]
    texts = _texts(fig)
    assert len(texts) > 5, name  # the check reads real texts, not an empty figure
    small = sorted({(t.get_fontsize(), t.get_text()[:30]) for t in texts if t.get_fontsize() < 12})
    assert small == [], f"{name}: text below 12 pt: {small[:5]}"


def test_teaching_figures_speak_plain_words(teaching_figures):
    words = " ".join(t.get_text() for fig in teaching_figures.values() for t in _texts(fig))
    for raw in ("facilitator_role", "=paid", "_", "employed: employed", "(0-1)"):
        assert raw not in words, raw
    assert "paid peer workers as facilitators" in words
    assert "safe from 0.5" in words  # the threshold on the safety colour bar and the person's chart
    assert "% of participants" in words  # the ICAMO colour bar in the cells' unit


@pytest.fixture(scope="module")
def teaching_figures():
    return _teaching_figures()
