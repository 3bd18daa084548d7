"""A sweep's results as scenario discovery's inputs and cases: the varied parameters of each design
point (or run), and whether a condition on its outputs (``dropout > 0.3``) holds there.

``peersim.discover_sweep(folder, "dropout > 0.3")`` runs PRIM over them (``peersim discover`` on
the command line); ``sweep_cases`` gives the inputs and cases for other methods.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from peersim.stats.condition import Condition, ConditionError, parse_condition
from peersim.stats.outputs import outputs_by_point
from peersim.sweep.results import SweepResults, load_results

#: A case is a design point (its outputs averaged over its runs) or one run (group).
PER = ("point", "run")
#: Outputs of a design point computed from its runs, beyond the groups table's own columns.
DERIVED = {"point": ("dropout", "trial_d"), "run": ("dropout",)}


class InputWarning(UserWarning):
    """A varied parameter is left out of the inputs PRIM searches (it is not a number)."""


def outcome_columns(results: SweepResults, per: str = "point") -> list[str]:
    """What a condition may name: per point, ``dropout`` (mean share who left), ``trial_d`` (the
    trial's d against the control arm, if kept) and the mean of every numeric column of the groups
    table; per run, ``dropout`` (that group's share) and the groups table's numeric columns."""
    if per not in PER:
        raise ValueError(f"per = {per!r}; choose one of {', '.join(PER)}")
    schema = results.dataset("groups").schema
    numeric = [
        f.name
        for f in schema
        if (pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_boolean(f.type))
        and f.name not in ("point", "run", *results.varied)
    ]
    derived = [c for c in DERIVED[per] if c != "trial_d" or "control" in results.spec["tables"]]
    return derived + [c for c in numeric if c not in derived]


def outcomes(results: SweepResults, condition: Condition, per: str = "point") -> pd.DataFrame:
    """``point`` (and ``run``) with the columns ``condition`` names, one row per case."""
    columns = condition.columns
    plain = [c for c in columns if c not in DERIVED[per]]
    # only the columns named are read: a large sweep's tables need not fit in memory whole
    groups = results.table("groups", columns=[*plain, *(["dropout_rate"] if "dropout" in columns else [])])
    if per == "run":
        frame = groups[["point", "run", *plain]].copy()
        if "dropout" in columns:
            frame["dropout"] = groups["dropout_rate"]
        return frame
    frame = groups.groupby("point")[plain].mean().reset_index()
    if set(columns) & set(DERIVED["point"]):
        # the study scripts' definitions of these, not a second copy of them
        derived = outputs_by_point(results)
        frame = frame.merge(derived[["point", *(set(columns) & set(derived.columns))]], on="point")
    return frame


def input_columns(results: SweepResults, inputs: list[str] | None = None) -> list[str]:
    """The varied parameters PRIM may restrict: those asked for, or every numeric one (others, such
    as a setting's name, are left out with a warning: PRIM here bounds numbers)."""
    design = results.design
    numeric = [c for c in results.varied if pd.api.types.is_numeric_dtype(design[c])]
    if inputs is None:
        left = [c for c in results.varied if c not in numeric]
        if left:
            warnings.warn(
                f"left out of the inputs, not numeric: {', '.join(left)}", InputWarning, stacklevel=3
            )
        chosen = numeric
    else:
        for name in inputs:
            if name not in results.varied:
                raise ValueError(
                    f"input {name!r} is not a varied parameter of this sweep"
                    f" (varied: {', '.join(results.varied)})"
                )
            if name not in numeric:
                raise ValueError(f"input {name!r} is not numeric; PRIM here bounds numeric parameters")
        chosen = list(dict.fromkeys(inputs))
    if not chosen:
        raise ValueError(f"no numeric varied parameters to search (varied: {', '.join(results.varied)})")
    return chosen


def sweep_cases(
    folder: str | Path | SweepResults,
    where: str,
    per: str = "point",
    inputs: list[str] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """(inputs, cases) of a sweep: one row per design point (or run) with the varied parameters
    PRIM may restrict, and whether ``where`` holds there. A condition that cannot be read, or names
    no output, raises ConditionError listing the columns it may name; one that holds nowhere or
    everywhere raises ValueError (nothing to discover)."""
    results = folder if isinstance(folder, SweepResults) else load_results(folder)
    available = outcome_columns(results, per)
    try:
        condition = parse_condition(where)
        if per == "point" and "trial_d" in condition.columns and "trial_d" not in available:
            raise ConditionError(
                f"condition {where!r}: trial_d needs the control arm, which this sweep did not keep"
                ' (tables = [..., "control"] in its spec)'
            )
        condition.check(available)
    except ConditionError as error:
        raise ConditionError(f"{error} (columns: {', '.join(available)})") from None
    names = input_columns(results, inputs)
    frame = outcomes(results, condition, per).merge(
        results.design[["point", *names]], on="point", how="inner", validate="many_to_one"
    )
    cases = condition.evaluate(frame)
    if not cases.any() or cases.all():
        unit = "design points" if per == "point" else "runs"
        spans = ", ".join(f"{c} from {frame[c].min():.4g} to {frame[c].max():.4g}" for c in condition.columns)
        raise ValueError(
            f"{condition} holds for {'none' if not cases.any() else 'all'} of the {len(frame):,} {unit}"
            f" ({spans}): nothing to discover"
        )
    return frame[names].reset_index(drop=True), cases


def discover_sweep(
    folder: str | Path | SweepResults,
    where: str,
    per: str = "point",
    inputs: list[str] | None = None,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
):
    """PRIM over a sweep (``peersim discover``): a ``peersim.stats.discovery.PrimBox``, with a
    ``DensityWarning`` if no box reaches ``min_density``."""
    from peersim.stats.discovery import find_box

    x, cases = sweep_cases(folder, where, per=per, inputs=inputs)
    return find_box(x, cases, min_density=min_density, peel_alpha=peel_alpha, mass_min=mass_min)
