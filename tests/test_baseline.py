"""The pinned baseline: a fixed-seed run must reproduce the stored headline numbers.

A failure means the model's behaviour changed. If the change is intended, run
``make baseline`` (tests/regenerate_baseline.py) and commit the new file with the reason.
"""

from __future__ import annotations

import json

import pytest

from .regenerate_baseline import PATH, RUNS, SEED, compute


def test_baseline_headline_is_unchanged():
    stored = json.loads(PATH.read_text())
    assert (stored["runs"], stored["seed"]) == (RUNS, SEED)
    now = compute()
    assert set(now) == set(stored["headline"])
    for name, value in stored["headline"].items():
        # counter-based draws are exact; the tolerance only absorbs libm differences across machines
        assert now[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
