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
from peersim.stats.uncertainty import clip, difference_range, split

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
#: the parameter interval's columns, in posterior mode
PARAMETER_COLUMNS = ("param_low", "param_high", "param_low_se", "param_high_se")


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
    95% interval (paired over the same participants, intervals over groups; kept inside the
    range a difference of that outcome can take, ``difference_range``). With
    ``uncertainty="posterior"`` both runs of a pair share their posterior draw, and the rows gain
    ``param_low``/``param_high``: the contribution's interval from parameter uncertainty alone
    (quantiles over draws, inside that range), with ``param_low_se``/``param_high_se``, the Monte
    Carlo error of its ends."""
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
            low, high = clip(low, high, difference_range(outcome))
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
                draws_of = full.groupby("run")["draw"].first().loc[diff.index]
                parts = split(diff, draws_of, bounds=difference_range(outcome))
                row.update({k: parts[k] for k in PARAMETER_COLUMNS})
            rows.append(row)
    return pd.DataFrame(rows)
