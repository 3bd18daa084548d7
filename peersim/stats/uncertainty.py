"""Two kinds of uncertainty, kept apart: what we do not know about the parameters, and Monte Carlo
error (how many runs were simulated).

With ``simulate(..., uncertainty="posterior")`` each run carries a posterior draw (the ``draw``
column). An output's mean over runs then estimates its posterior predictive mean. ``split``
separates (1) parameter uncertainty: the spread, across posterior draws, of the output's expected
value given the draw; from (2) Monte Carlo error: the standard error of the mean over runs. The
first is estimated with the one-way random-effects analysis of variance (between-draw variance of
the expected values = (MSB - MSW) / n0; Searle, Casella & McCulloch 1992, ch. 3), so run-to-run
noise within a draw is not counted as parameter uncertainty. More runs shrink (2), never (1).

``exploratory`` tells whether a scenario's difference from the default rests mainly on parameters
graded ``assumption`` in the evidence register, so that text and figures can say so.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from peersim.core.params import carried_by
from peersim.stats.effects import Z95


def split(values: Iterable[float], draws: Iterable[int]) -> dict[str, float]:
    """Mean of ``values`` (one per run) with its Monte Carlo interval and the interval from
    parameter uncertainty (runs grouped by their posterior ``draws``)."""
    frame = pd.DataFrame({"y": np.asarray(values, dtype=float), "draw": np.asarray(draws)}).dropna()
    n_total = len(frame)
    mean = float(frame.y.mean()) if n_total else np.nan
    mc_se = float(frame.y.std(ddof=1) / np.sqrt(n_total)) if n_total > 1 else np.nan
    by = frame.groupby("draw").y
    sizes, means, variances = by.size().to_numpy(), by.mean().to_numpy(), by.var(ddof=1).fillna(0).to_numpy()
    k = len(sizes)
    param_sd = between_draws_sd(sizes, means, variances, mean)
    return {
        "mean": mean,
        "mc_low": mean - Z95 * mc_se,
        "mc_high": mean + Z95 * mc_se,
        "param_low": mean - Z95 * param_sd,
        "param_high": mean + Z95 * param_sd,
        "param_sd": param_sd,
        "draws": k,
        "runs": n_total,
    }


def between_draws_sd(sizes, means, variances, mean: float) -> float:
    """The standard deviation, across posterior draws, of an output's expected value given the
    draw: the one-way random-effects estimator (MSB - MSW) / n0 from each draw's run count, mean
    and variance (ddof 1; 0 for a single run), and the overall mean. NaN when not estimable."""
    sizes = np.asarray(sizes, dtype=float)
    k, n_total = len(sizes), float(np.sum(sizes))
    if not (k > 1 and n_total > k):
        return float("nan")
    msb = float(np.sum(sizes * (np.asarray(means) - mean) ** 2) / (k - 1))
    msw = float(np.sum((sizes - 1) * np.asarray(variances)) / (n_total - k))
    n0 = (n_total - np.sum(sizes**2) / n_total) / (k - 1)
    return float(np.sqrt(max(0.0, (msb - msw) / n0)))


#: Context and intervention switches act through other parameters: the effect of choosing a
#: mental health service setting is as well known as the parameters that carry it (each switch's
#: ``carries`` in Params).
CARRIED_BY = carried_by()


def exploratory(changed: Iterable[str]) -> list[str]:
    """Of the parameters that carry a scenario's changes (``CARRIED_BY`` for switches, the
    parameter itself otherwise), those whose size the evidence register grades ``assumption`` (the
    direction may be sourced, the magnitude is not) or that it does not grade: if any, the
    scenario's effect is exploratory, and output says so."""
    from peersim.core.params import Params
    from peersim.data.register import register

    entries, known = register(), Params.__dataclass_fields__
    out = []
    for name in changed:
        for carrier in CARRIED_BY.get(name, (name,)):
            if carrier in known and (carrier not in entries or not entries[carrier].sized):
                out.append(carrier)
    return list(dict.fromkeys(out))
