"""Scenario discovery: which regions of parameter space give an outcome of interest (e.g. dropout
above 30%, or no effect on recovery)? PRIM, the Patient Rule Induction Method (Friedman & Fisher
1999, Stat Comput 9:123; Bryant & Lempert 2010, Technol Forecast Soc 77:34), from the EMA
Workbench (Kwakkel 2017, Environ Model Softw 96:239), an optional extra: pip install 'peersim[prim]'.

PRIM peels the input space, box by box, toward the points where the outcome holds. Each box has a
coverage (share of all cases of interest that fall inside it) and a density (share of the points
inside it that are cases of interest); the peeling trajectory trades one for the other.

``find_box`` returns the box with the most coverage among those at least ``min_density`` dense. When
no box on the trajectory is that dense it returns the densest one and says so twice: its
``reached`` field is False, and a ``DensityWarning`` is issued (a UserWarning, so it shows unless
silenced; ``warnings.simplefilter("error", DensityWarning)`` makes it an error). A box far below the
density asked for is a weak description of where the outcome holds, never to be read as a rule.
``discover`` is the same as two tables, (limits with coverage, density, mass; trajectory).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: What to do when the EMA Workbench is missing (said by the library and the command alike).
PRIM_MISSING = "scenario discovery needs the EMA Workbench: pip install 'peersim[prim]'"


def _prim():
    try:
        with warnings.catch_warnings():  # the Workbench warns at import about optional parallel back ends
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        raise ImportError(PRIM_MISSING) from None
    return prim


class DensityWarning(UserWarning):
    """No box on the peeling trajectory reaches the density asked for; the densest is returned."""


@dataclass(frozen=True)
class PrimBox:
    """The chosen box of a PRIM peeling trajectory, and the trajectory."""

    #: the restricted dimensions: parameter, low, high, range_low, range_high (the inputs' span)
    limits: pd.DataFrame
    #: every box PRIM peeled or pasted: coverage, density, id, k (cases in it), mass, n, res_dim
    trajectory: pd.DataFrame
    #: the chosen box's id on the trajectory (box 0 is the whole input space)
    chosen: int
    min_density: float
    #: whether the chosen box reaches ``min_density`` (if not, it is the densest box)
    reached: bool
    #: cases of interest and points, in all
    cases: int
    points: int

    @property
    def row(self) -> pd.Series:
        return self.trajectory.loc[self.chosen]

    @property
    def coverage(self) -> float:
        return float(self.row.coverage)

    @property
    def density(self) -> float:
        return float(self.row.density)

    @property
    def mass(self) -> float:
        return float(self.row.mass)

    @property
    def cases_in_box(self) -> int:
        return int(self.row.k)

    @property
    def points_in_box(self) -> int:
        return int(self.row.n)

    def table(self) -> pd.DataFrame:
        """The limits, each row with the box's coverage, density and mass (as ``discover`` gives)."""
        frame = self.limits.copy()
        frame["coverage"], frame["density"], frame["mass"] = self.coverage, self.density, self.mass
        return frame


def find_box(
    inputs: pd.DataFrame,
    cases: np.ndarray,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> PrimBox:
    """PRIM on ``inputs`` (one row per design point, or per run) for the boolean ``cases``: the box
    with the highest coverage among those with density >= ``min_density``, or, with a
    ``DensityWarning``, the densest box if none reaches it."""
    cases = np.asarray(cases, dtype=bool)
    if len(cases) != len(inputs):
        raise ValueError(f"{len(cases)} outcomes for {len(inputs)} design points")
    if not cases.any() or cases.all():
        raise ValueError("the outcome holds for none or all of the points: nothing to discover")
    if not 0 < min_density <= 1:
        raise ValueError(f"min_density = {min_density}: must be above 0 and at most 1")
    if not 0 < peel_alpha < 1 or not 0 < mass_min < 1:
        raise ValueError(f"peel_alpha = {peel_alpha}, mass_min = {mass_min}: each must lie between 0 and 1")
    prim = _prim()
    with warnings.catch_warnings():
        # the Workbench uses pandas calls that pandas 3 deprecates: its warnings, not ours
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ema_workbench")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"ema_workbench")
        # as floats: the Workbench cannot paste a fractional limit into an integer column
        x = inputs.reset_index(drop=True).astype(float)
        finder = prim.Prim(x, cases, peel_alpha=peel_alpha, mass_min=mass_min)
        box = finder.find_box()
        if box is None:
            raise ValueError("PRIM found no box (too few points of interest for its mass_min)")
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
    columns = ["parameter", "low", "high", "range_low", "range_high"]
    found = PrimBox(
        limits=pd.DataFrame(rows, columns=columns),
        trajectory=trajectory,
        chosen=chosen,
        min_density=min_density,
        reached=bool(len(ok)),
        cases=int(cases.sum()),
        points=len(cases),
    )
    if not found.reached:
        warnings.warn(
            f"no box on the peeling trajectory reaches density {min_density:.0%}; returning the densest,"
            f" box {chosen} of the {len(trajectory)} (density {found.density:.0%},"
            f" coverage {found.coverage:.0%}): a weak description, not a rule",
            DensityWarning,
            stacklevel=2,
        )
    return found


def discover(
    inputs: pd.DataFrame,
    cases: np.ndarray,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``find_box`` as (box, trajectory): ``box`` is the restricted dimensions of the chosen box
    with its coverage, density and mass; ``trajectory`` is the whole peeling trajectory."""
    found = find_box(inputs, cases, min_density=min_density, peel_alpha=peel_alpha, mass_min=mass_min)
    return found.table(), found.trajectory
