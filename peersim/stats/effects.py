"""Means and shares with intervals that respect the design: participants sit in groups.

Participants of one group share a context and each other, so they are not independent. Every
interval here treats the group (run) as the unit: the ratio estimator sum(y)/sum(n) with its
cluster-robust (linearisation) variance,

    var(R) = G / (G - 1) * sum_g (y_g - R n_g)^2 / (sum_g n_g)^2

(Cochran 1977, Sampling Techniques, ch. 6; the CR1 sandwich estimator). With one participant per
group it is the usual standard error of a mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z95 = 1.959963984540054


def cluster_mean(values: pd.Series, clusters: pd.Series) -> tuple[float, float, float, int]:
    """Mean of ``values`` with a 95% interval over ``clusters``; returns (mean, low, high, n)."""
    mask = values.notna()
    values, clusters = values[mask].astype(float), clusters[mask]
    n = len(values)
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    sums = values.groupby(clusters.to_numpy()).agg(["sum", "size"])
    total, count = sums["sum"].sum(), sums["size"].sum()
    ratio = total / count
    g = len(sums)
    if g < 2:
        return (float(ratio), np.nan, np.nan, n)
    resid = sums["sum"] - ratio * sums["size"]
    se = np.sqrt(g / (g - 1) * float((resid**2).sum())) / count
    return (float(ratio), float(ratio - Z95 * se), float(ratio + Z95 * se), n)


def paired_difference(a: pd.Series, b: pd.Series, clusters: pd.Series) -> tuple[float, float, float]:
    """Mean of a - b (the same people in two scenarios) with a 95% interval over groups."""
    mean, low, high, _ = cluster_mean(a.astype(float) - b.astype(float), clusters)
    return (mean, low, high)
