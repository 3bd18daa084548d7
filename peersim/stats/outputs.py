"""The key outputs of each design point of a sweep (mean dropout, gains, the trial's d), which
sensitivity analysis and scenario discovery both read; here, apart from SALib, so scenario
discovery needs only its own extra."""

from __future__ import annotations

import pandas as pd

from peersim.stats.effects import cohens_d, pooled_sd


def outputs_by_point(results) -> pd.DataFrame:
    """The key outputs of every design point of a sweep: mean dropout, recovery and hope gain over
    the point's groups, and the trial effect size d on QPR-15 against the control arm (same runs),
    from the groups' QPR means and variances (law of total variance; equal group sizes)."""
    groups = results.table(
        "groups", columns=["dropout_rate", "recovery_gain", "hope_gain", "qpr_end_mean", "qpr_end_var"]
    )
    by = groups.groupby("point")
    out = pd.DataFrame(
        {
            "dropout": by.dropout_rate.mean(),
            "recovery_gain": by.recovery_gain.mean(),
            "hope_gain": by.hope_gain.mean(),
        }
    )
    if "control" in results.spec["tables"]:
        ctrl = results.table("control", columns=["qpr_end_mean", "qpr_end_var"]).groupby("point")
        mean_p, mean_c = by.qpr_end_mean.mean(), ctrl.qpr_end_mean.mean()
        var_p = by.qpr_end_var.mean() + by.qpr_end_mean.var(ddof=0)
        var_c = ctrl.qpr_end_var.mean() + ctrl.qpr_end_mean.var(ddof=0)
        diff, pooled = (mean_p - mean_c).align(pooled_sd(var_p, var_c, pooling="equal"))
        out["trial_d"] = pd.Series(cohens_d(diff.to_numpy(), pooled.to_numpy()), index=diff.index)
    return out.reset_index()
