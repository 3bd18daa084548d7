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


def pooled_sd(v1, v2, n1=None, n2=None, pooling: str = "weighted"):
    """The pooled SD of two arms from their variances (arrays or numbers). ``pooling="weighted"``
    weights each variance by its degrees of freedom, sqrt(((n1-1) v1 + (n2-1) v2) / (n1+n2-2));
    ``pooling="equal"`` averages them, sqrt((v1 + v2) / 2) (counts unused)."""
    if pooling == "weighted":
        return np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    if pooling == "equal":
        return np.sqrt((v1 + v2) / 2)
    raise ValueError(f"pooling = {pooling!r} is not valid; choose 'weighted' or 'equal'")


def pooled_sd_from_sums(n1, s1, q1, n2, s2, q2):
    """The weighted pooled SD (as ``pooled_sd``) from each arm's count, sum and sum of squares,
    for tables that carry moments rather than variances: sqrt((SS1 + SS2) / (n1 + n2 - 2)) with
    SS = q - n m^2."""
    with np.errstate(invalid="ignore", divide="ignore"):
        m1, m2 = s1 / n1, s2 / n2
        return np.sqrt(((q1 - n1 * m1**2) + (q2 - n2 * m2**2)) / (n1 + n2 - 2))


def cohens_d(difference, pooled):
    """Cohen's d: a difference (or an interval's bound) over a pooled SD, NaN where the SD is 0
    or missing. Every standardised effect in peersim is formed here; which pooling (and so which
    SD) a caller passes is its own choice, kept as each study reported it."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(pooled > 0, difference / pooled, np.nan)
    return float(d) if np.ndim(d) == 0 else d


def welch(m1, m2, v1, v2, n1, n2) -> dict:
    """Welch's comparison from arm means, variances and counts (arrays or numbers): the mean
    difference with its 95% interval, Cohen's d (weighted pooled SD; 95% interval by the normal
    approximation of Hedges & Olkin 1985) and the two-sided p-value."""
    from scipy import stats

    diff = m1 - m2
    se = np.sqrt(v1 / n1 + v2 / n2)
    df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    t_crit = stats.t.ppf(0.975, df)
    d = cohens_d(diff, pooled_sd(v1, v2, n1, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2.0 * stats.t.sf(np.abs(diff / se), df)
    se_d = np.sqrt((n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2)))
    return {
        "n_peer": n1,
        "n_control": n2,
        "mean_peer": m1,
        "mean_control": m2,
        "difference": diff,
        "diff_low": diff - t_crit * se,
        "diff_high": diff + t_crit * se,
        "cohens_d": d,
        "d_low": d - Z95 * se_d,
        "d_high": d + Z95 * se_d,
        "p_value": p,
    }


def wilson(successes: float, n: float) -> tuple[float, float]:
    """95% Wilson score interval for a share."""
    if n == 0:
        return (np.nan, np.nan)
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / denom
    return (centre - half, centre + half)


def mean_ci(values: pd.Series) -> tuple[float, float, float]:
    """Mean with a 95% normal interval (participants taken as independent)."""
    values = values.dropna()
    n = len(values)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(values.mean())
    half = Z95 * float(values.std(ddof=1)) / np.sqrt(n) if n > 1 else np.nan
    return (mean, mean - half, mean + half)
