"""The shipped posterior: one row per draw of the calibrated parameters, plus ``weight``.

Package data (``peersim/data/posterior.csv``), written by ``experiments/calibration.py --ship``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from peersim.core.params import Params
from peersim.core.sets import whole_numbers


@cache
def _shipped_posterior() -> pd.DataFrame:
    """The package's posterior, read once per process (posterior runs read it every call)."""
    if not resources.files("peersim.data").joinpath("posterior.csv").is_file():
        raise ValueError("no calibrated posterior is installed: run experiments/calibration.py --ship")
    with resources.as_file(resources.files("peersim.data").joinpath("posterior.csv")) as file:
        return pd.read_csv(file)


def posterior(path: str | Path | None = None) -> pd.DataFrame:
    """The calibrated posterior: one row per draw, columns are Params names, plus ``weight``
    (normalised). Shipped as package data (``peersim/data/posterior.csv``)."""
    frame = _shipped_posterior().copy() if path is None else pd.read_csv(path)
    unknown = [c for c in frame.columns if c != "weight" and c not in Params.__dataclass_fields__]
    if unknown:
        raise ValueError(f"posterior: unknown parameter column {unknown[0]!r}")
    if "weight" in frame:  # written to 6 significant digits: renormalised, so they sum to 1 exactly
        weight = frame["weight"].to_numpy(float)
        if not (weight >= 0).all() or weight.sum() <= 0:
            raise ValueError("posterior: weight must be non-negative and not all zero")
        frame["weight"] = weight / weight.sum()
    return whole_numbers(frame)
