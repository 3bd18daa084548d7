"""Shared helpers: scripted tiny groups whose every attribute is set by the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peersim import Params
from peersim.core.kernel import Kernel
from peersim.core.population import validate_population

# Two people as alike as possible: same age, neither employed, both alone, both diagnosed, same stage.
ALIKE = {
    "age": 40.0,
    "employed": 0,
    "lives_alone": 1,
    "diagnosis": 1,
    "sharing_vulnerability": 0.0,
    "adversity": 0.5,
    "system_distrust": 0.5,
    "recovery_stage": 0.4,
    "wish_for_change": 0.5,
}


def scripted_kernel(rows: list[dict], seed: int = 1, record_ties: bool = False, **params) -> Kernel:
    """A one-run kernel over the given people (missing attributes from ALIKE)."""
    population = pd.DataFrame([{**ALIKE, **row} for row in rows])
    p = Params(group_size=len(rows), **params)
    return Kernel(p, seed, np.array([0]), validate_population(population, p), record_ties=record_ties)


@pytest.fixture
def kernel_factory():
    return scripted_kernel
