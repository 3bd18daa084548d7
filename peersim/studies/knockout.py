"""Knock-out contrasts: each mechanism's contribution, with the same groups and the same draws.

For every mechanism, the scenario is run again with that mechanism switched off. Because every
draw is keyed by (seed, run, week, stream, member), the knocked-out run meets the same people and
the same random events; the paired difference (full model minus knock-out) in each outcome is the
mechanism's contribution in that context, not noise. Intervals are over groups (runs).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from peersim.core.params import MECHANISMS, Params
from peersim.run.engine import simulate
from peersim.stats.effects import paired_difference
from peersim.stats.uncertainty import split

OUTCOMES = (
    "connectedness_end",
    "hope_end",
    "self_image_end",
    "self_efficacy_end",
    "recovery_end",
    "qpr_end",
    "dropped_out",
    "realised_changes_followup",
)


def knockouts(
    params: Params | None = None,
    runs: int = 2000,
    seed: int = 0,
    mechanisms: Sequence[str] = MECHANISMS,
    outcomes: Sequence[str] = OUTCOMES,
    population=None,
    uncertainty: str = "none",
    posterior: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (mechanism, outcome): full-model mean, knock-out mean, contribution and its
    95% interval (paired over the same participants, intervals over groups). With
    ``uncertainty="posterior"`` both runs of a pair share their posterior draw, and the rows gain
    ``param_low``/``param_high``: the contribution's interval from parameter uncertainty alone."""
    params = params or Params()
    for name in mechanisms:
        if name not in MECHANISMS:
            raise ValueError(f"unknown mechanism {name!r} (mechanisms: {', '.join(MECHANISMS)})")
    draws = {"uncertainty": uncertainty, "posterior": posterior}
    full = simulate(params, runs=runs, seed=seed, population=population, **draws).participants
    rows = []
    for mechanism in mechanisms:
        off = simulate(
            params.replace(disabled_mechanisms=(*params.disabled_mechanisms, mechanism)),
            runs=runs,
            seed=seed,
            population=population,
            **draws,
        ).participants
        for outcome in outcomes:
            mean, low, high = paired_difference(full[outcome], off[outcome], full["run"])
            row = {
                "mechanism": mechanism,
                "outcome": outcome,
                "with": float(full[outcome].astype(float).mean()),
                "without": float(off[outcome].astype(float).mean()),
                "contribution": mean,
                "ci_low": low,
                "ci_high": high,
            }
            if "draw" in full:
                diff = (full[outcome].astype(float) - off[outcome].astype(float)).groupby(full["run"]).mean()
                parts = split(diff, full.groupby("run")["draw"].first().loc[diff.index])
                row.update(param_low=parts["param_low"], param_high=parts["param_high"])
            rows.append(row)
    return pd.DataFrame(rows)


def format_knockouts(table: pd.DataFrame) -> str:
    wide = table.pivot(index="mechanism", columns="outcome", values="contribution")
    wide = wide.loc[[m for m in MECHANISMS if m in wide.index], [o for o in OUTCOMES if o in wide.columns]]
    lines = ["Contribution of each mechanism (full model minus the same groups with it switched off):"]
    lines.append(
        f"  {'mechanism':15s}"
        + "".join(f"{o.replace('_end', '').replace('_followup', ' fu')[:12]:>13s}" for o in wide.columns)
    )
    for mech, row in wide.iterrows():
        lines.append(f"  {mech:15s}" + "".join(f"{v:+13.3f}" for v in row))
    return "\n".join(lines)
