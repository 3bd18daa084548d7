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
