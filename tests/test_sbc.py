"""Simulation-based calibration (peersim/inference/sbc.py): on a problem whose answer is known it
passes, and it fails on a deliberately broken inference, so the check can fail."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peersim.core.params import Params
from peersim.data.register import register
from peersim.inference import abc, sbc

SE = 0.05


def toy_statistics(sets, base, seed=0, trials=None, study=None, names=None):
    """A statistic that is the parameter plus normal noise of sd SE, seeded by each copy: the
    posterior given one observation is the prior times a normal likelihood."""
    noise = np.array([np.random.default_rng([seed, int(t)]).normal(0.0, SE) for t in trials])
    return pd.DataFrame({"toy": sets["facilitator_skill"].to_numpy(float) + noise})


def toy_table(rows: int = 1500) -> abc.ReferenceTable:
    target = {"toy": {"statistic": "toy", "value": 0.6, "se": SE, "kind": "near", "fit": True}}
    problem = abc.Problem(
        ["facilitator_skill"],
        dict(register()),
        Params(),
        3,
        [(None, ["toy"])],
        target,
        ["toy"],
        toy_statistics,
    )
    return abc.reference_table(problem, rows, chunk=500)


@pytest.fixture(scope="module")
def table():
    return toy_table()


def test_the_calibrated_inference_covers_the_truth_as_often_as_it_says(table):
    result = sbc.check(table, datasets=150, accept=60, seed=1)
    row = result.coverage.set_index("parameter").loc["facilitator_skill"]
    # 150 datasets: a coverage's sd is about 0.025 at 0.9 and 0.04 at 0.5
    assert 0.82 <= row.cover_90 <= 0.97 and 0.38 <= row.cover_50 <= 0.62
    assert row.narrowing > 0.5  # the toy's data are informative
    counts = np.histogram(result.ranks.facilitator_skill, bins=5, range=(0, 1))[0]
    assert counts.min() >= 15  # no empty end of the rank histogram (30 expected per bin)
    assert len(result.figure().axes) >= 1


def overconfident(table, targets, exclude, accept, adjusted):
    """A broken inference: the right draws, shrunk to a third of their spread around their mean."""
    post = sbc.rejection(table, targets, exclude, accept, adjusted)
    x = post["facilitator_skill"]
    mean = np.sum(post["weight"] * x)
    post["facilitator_skill"] = mean + 0.33 * (x - mean)
    return post


def biased(table, targets, exclude, accept, adjusted):
    """A broken inference: the right draws, moved by one standard error."""
    post = sbc.rejection(table, targets, exclude, accept, adjusted)
    post["facilitator_skill"] = post["facilitator_skill"] + SE
    return post


@pytest.mark.parametrize("broken", [overconfident, biased])
def test_a_broken_inference_fails_the_check(table, broken):
    result = sbc.check(table, datasets=150, accept=60, seed=1, inference=broken)
    row = result.coverage.set_index("parameter").loc["facilitator_skill"]
    assert row.cover_90 < 0.75 or row.cover_50 < 0.3


def test_bounds_are_observed_on_the_side_the_row_fell():
    targets = {
        "sig": {"statistic": "d", "value": 0.228, "se": 0.1, "kind": "at_least", "fit": True},
        "null": {"statistic": "r", "value": 0.228, "se": 0.1, "kind": "within", "fit": True},
        "held": {"statistic": "d", "value": 0.4, "se": 0.1, "kind": "near", "fit": False},
    }
    row = pd.Series({"d": 0.1, "r": -0.5})
    out = sbc.pseudo_targets(targets, row)
    assert out["sig"]["kind"] == "at_most" and out["sig"]["value"] == 0.228
    assert out["null"]["kind"] == "at_most" and out["null"]["value"] == -0.228
    assert "held" not in out
    assert sbc.pseudo_targets(targets, pd.Series({"d": 0.3, "r": 0.1}))["sig"]["kind"] == "at_least"
    assert "sig" not in sbc.pseudo_targets(targets, pd.Series({"d": np.nan, "r": 0.1}))


def test_quantities_of_the_parameters_are_checked_the_same_way(table):
    def doubled(frame):
        return pd.DataFrame({"twice": 2.0 * frame["facilitator_skill"].to_numpy()})

    cover = sbc.check_outputs(table, doubled, datasets=100, accept=60, draws=60, seed=1)
    row = cover.set_index("output").loc["twice"]
    assert 0.8 <= row.cover_90 <= 0.98 and 0.35 <= row.cover_50 <= 0.65
    # of the regression-adjusted posterior, each adjusted vector's quantity computed afresh
    seen = []

    def counted(frame):
        seen.append(len(frame))
        return doubled(frame)

    cover = sbc.check_outputs(table, counted, datasets=50, accept=60, draws=40, seed=1, adjusted=True)
    assert seen == [50, 50 * 40]  # the truths, then every drawn adjusted vector
    row = cover.set_index("output").loc["twice"]
    assert 0.8 <= row.cover_90 <= 0.98 and 0.35 <= row.cover_50 <= 0.65


def test_quoted_outputs_are_the_models_expected_values():
    frame = pd.DataFrame({"facilitator_skill": [0.4, 0.9]})
    out = sbc.quoted_outputs(frame, Params(n_sessions=4), groups=6, seed=2)
    assert list(out.columns[:2]) == ["dropout", "qpr_d"] and len(out) == 2
    assert out.filter(like="dropout_change").shape[1] == len(sbc.CONTEXTS)
    assert out.dropout.between(0, 1).all()
