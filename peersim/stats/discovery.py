"""Scenario discovery: which regions of parameter space give an outcome of interest (e.g. dropout
above 30%, or no effect on recovery)? PRIM, the Patient Rule Induction Method (Friedman & Fisher
1999, Stat Comput 9:123; Bryant & Lempert 2010, Technol Forecast Soc 77:34), from the EMA
Workbench (Kwakkel 2017, Environ Model Softw 96:239), an optional extra: pip install 'peersim[prim]'.

PRIM peels the input space, box by box, toward the points where the outcome holds. Each box has a
coverage (share of all cases of interest that fall inside it) and a density (share of the points
inside it that are cases of interest); the peeling trajectory trades one for the other.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def _prim():
    try:
        with warnings.catch_warnings():  # the Workbench warns at import about optional parallel back ends
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        raise ImportError("scenario discovery needs the EMA Workbench: pip install 'peersim[prim]'") from None
    return prim


def discover(
    inputs: pd.DataFrame,
    cases: np.ndarray,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRIM on ``inputs`` (one row per design point) for the boolean ``cases``.

    Returns (box, trajectory): ``box`` is the restricted dimensions of the box with the highest
    coverage among those with density >= ``min_density`` (or the densest box if none reaches it),
    with its coverage, density and mass; ``trajectory`` is the whole peeling trajectory.
    """
    cases = np.asarray(cases, dtype=bool)
    if len(cases) != len(inputs):
        raise ValueError(f"{len(cases)} outcomes for {len(inputs)} design points")
    if not cases.any() or cases.all():
        raise ValueError("the outcome holds for none or all of the points: nothing to discover")
    prim = _prim()
    with warnings.catch_warnings():
        # the Workbench uses pandas calls that pandas 3 deprecates: its warnings, not ours
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ema_workbench")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"ema_workbench")
        # as floats: the Workbench cannot paste a fractional limit into an integer column
        x = inputs.reset_index(drop=True).astype(float)
        finder = prim.Prim(x, cases, peel_alpha=peel_alpha, mass_min=mass_min)
        box = finder.find_box()
        trajectory = box.peeling_trajectory.copy()
        ok = trajectory[trajectory.density >= min_density]
        chosen = int(ok.coverage.idxmax()) if len(ok) else int(trajectory.density.idxmax())
        box.select(chosen)
        limits = box.box_lims[chosen]
        full = finder.box_init
    rows = []
    for name in inputs.columns:
        lo, hi = limits[name].iloc[0], limits[name].iloc[1]
        if lo != full[name].iloc[0] or hi != full[name].iloc[1]:
            rows.append(
                {
                    "parameter": name,
                    "low": lo,
                    "high": hi,
                    "range_low": full[name].iloc[0],
                    "range_high": full[name].iloc[1],
                }
            )
    stats = trajectory.loc[chosen]
    frame = pd.DataFrame(rows)
    frame["coverage"], frame["density"], frame["mass"] = stats.coverage, stats.density, stats.mass
    return frame, trajectory
