"""Scenario discovery: PRIM finds a planted box."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peersim.stats.discovery import discover


def test_prim_finds_the_planted_region():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"skill": rng.random(600), "size": rng.integers(4, 17, 600), "noise": rng.random(600)})
    cases = ((x.skill < 0.3) & (x["size"] > 10)).to_numpy()
    box, trajectory = discover(x, cases)
    lims = box.set_index("parameter")
    assert set(lims.index) >= {"skill", "size"}
    assert lims.loc["skill", "high"] == pytest.approx(0.3, abs=0.06)
    assert lims.loc["size", "low"] == pytest.approx(10.5, abs=1.0)
    assert box.coverage.iloc[0] >= 0.8 and box.density.iloc[0] >= 0.8
    assert len(trajectory) > 1


def test_nothing_to_discover():
    x = pd.DataFrame({"a": np.linspace(0, 1, 20)})
    with pytest.raises(ValueError, match="nothing to discover"):
        discover(x, np.zeros(20, dtype=bool))
