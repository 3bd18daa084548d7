"""The PEER trial's analysis model, fitted by REML for many trials at once.

A partially nested linear mixed model (Bauer, Sterba & Hallfors 2008, Multivariate Behav Res
43:210; Roberts & Roberts 2005, Clin Trials 2:152): the PEER arm's participants share a group,
the control arm's do not, so a random group effect enters only the treated arm,

    y_i = b0 + b1 treat_i + b2 baseline_i + u_g(i) treat_i + e_i,
    u_g ~ N(0, var_group),  e_i ~ N(0, var_resid).

It is statsmodels' ``mixedlm("y ~ treat + baseline", data, groups=cluster,
re_formula="0 + treat")`` with every control in a cluster of their own (tests/test_trial.py
checks the two agree). statsmodels takes tens of milliseconds a fit; a study of 200 trials, eight
outcomes and several analyses needs thousands, so this module fits them together.

How: with gamma = var_group / var_resid, a PEER group of n members has covariance
var_resid (I + gamma J) with inverse I - gamma / (1 + n gamma) J and log-determinant
log(1 + n gamma) (J: all ones). So X'V^-1 X, X'V^-1 y and y'V^-1 y follow from per-group sums,
and the REML criterion profiled over var_resid,

    -2 l_R(gamma) = (n - p) log(r'V^-1 r / (n - p)) + log|V| + log|X'V^-1 X| + const,

is a function of gamma alone (Harville 1977, JASA 72:320). It is minimised over gamma in
[0, GAMMA_MAX] for every fit at once (:mod:`peersim.stats.reml`): a grid (0 and a geometric grid)
brackets the minimum, then safeguarded Newton steps on the criterion's slope find it. gamma = 0
(no group effect, ICC 0) is a valid answer.
Fixed effects and their standard errors are the generalised least squares ones at that gamma,
var_resid (X'V^-1 X)^-1; p-values and 95% intervals use the normal distribution, as statsmodels'
MixedLM does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from peersim.stats import reml
from peersim.stats.effects import Z95

COLUMNS = (
    "n",
    "n_treated",
    "groups",
    "intercept",
    "effect",
    "effect_se",
    "baseline_coef",
    "baseline_se",
    "var_group",
    "var_resid",
    "icc",
    "effect_low",
    "effect_high",
    "p_value",
)


class _Sums:
    """Sufficient statistics of every fit: X'X, X'y, y'y per fit; sizes and sums per PEER group,
    and the groups summed by size (:func:`peersim.stats.reml.classes`)."""

    def __init__(self, fit, y, treat, baseline, group, n_fits):
        x = (np.ones_like(y), treat, baseline)
        self.n_fits = n_fits
        self.n = np.bincount(fit, minlength=n_fits).astype(float)
        self.n_treated = np.bincount(fit, treat, n_fits)
        # X'X is symmetric: its upper triangle, mirrored (a product is the same either way round);
        # the intercept's column is ones, so its sums are the count and the other columns' sums
        upper = {(0, 0): self.n, (0, 1): self.n_treated}
        for i, j in ((0, 2), (1, 1), (1, 2), (2, 2)):
            upper[i, j] = np.bincount(fit, x[j] if i == 0 else x[i] * x[j], n_fits)
        self.xtx = np.stack([upper[min(i, j), max(i, j)] for i in range(3) for j in range(3)], axis=1)
        self.xtx = self.xtx.reshape(n_fits, 3, 3)
        self.xty = np.stack([np.bincount(fit, y if i == 0 else x[i] * y, n_fits) for i in range(3)], axis=1)
        self.yty = np.bincount(fit, y * y, n_fits)
        # PEER groups: the random effect multiplies treat, so controls carry none
        t = treat > 0
        self.group_fit, codes = _groups(fit[t], group[t], n_fits)
        k = len(self.group_fit)
        self.size = np.bincount(codes, minlength=k).astype(float)
        self.sx = np.stack([np.bincount(codes, x[i][t], k) for i in range(3)], axis=1)
        self.sy = np.bincount(codes, y[t], k)
        self.groups = np.bincount(self.group_fit, minlength=n_fits)
        self.class_n, self.class_count, self.class_sums = reml.classes(
            self.group_fit, self.size, self.sx, self.sy, n_fits
        )
        # a fit that can be estimated: four rows or more, both arms, and baselines that vary (X'X
        # of full rank); the others get NaN, and stand-ins below keep the batch's algebra finite
        with np.errstate(invalid="ignore", divide="ignore"):
            conditioning = np.linalg.cond(self.xtx)
        self.ok = (
            (self.n >= 4)
            & (self.n_treated > 0)
            & (self.n_treated < self.n)
            & np.isfinite(conditioning)
            & (conditioning < 1e12)
        )

    def gls(self, gamma: np.ndarray):
        """For variance ratios ``gamma`` (one per fit): X'V^-1 X, beta, r'V^-1 r and log|V|."""
        ng = self.class_n[None, :] * gamma[:, None]
        c = gamma[:, None] / (1.0 + ng)
        u = len(self.class_n)
        s = reml.over_sizes(lambda k: self.class_sums[:, :, k] * c[:, k, None], u)  # (fits, 10)
        a = self.xtx - s[:, reml.SYM]
        b = self.xty - s[:, 6:9]
        q = self.yty - s[:, 9]
        logdet_v = reml.over_sizes(lambda k: self.class_count[:, k] * np.log1p(ng[:, k]), u)
        a = np.where(self.ok[:, None, None], a, np.eye(3))
        b = np.where(self.ok[:, None], b, 0.0)
        beta = np.linalg.solve(a, b[:, :, None])[:, :, 0]
        rss = q - np.einsum("fi,fi->f", b, beta)
        return a, beta, rss, logdet_v

    def criterion(self, gamma: np.ndarray) -> np.ndarray:
        """-2 REML log-likelihood, profiled over var_resid, up to a constant."""
        a, _, rss, logdet_v = self.gls(gamma)
        dof = self.n - 3
        sign, logdet_a = np.linalg.slogdet(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = dof * np.log(rss / dof) + logdet_v + logdet_a
        return np.where((sign > 0) & (rss > 0), value, np.inf)


def _groups(fit: np.ndarray, group: np.ndarray, n_fits: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (fit, group) pairs in order, as each one's fit, and each row's pair."""
    if group.dtype.kind in "iu" and len(group) and group.min() >= 0:
        width = int(group.max()) + 1
        if n_fits * width <= 4 * len(group) + 1024:  # small whole numbers: count, do not sort
            key = fit * width + group
            present = np.bincount(key, minlength=n_fits * width) > 0
            return np.flatnonzero(present) // width, (np.cumsum(present) - 1)[key]
    _, code = np.unique(group, return_inverse=True)
    width = int(code.max(initial=0)) + 1
    pairs, codes = np.unique(fit * width + code, return_inverse=True)
    return pairs // width, codes


def fit_many(fit, y, treat, baseline, group, groups_effect: bool = True) -> pd.DataFrame:
    """Fit the partially nested model separately for every value of ``fit``. With
    ``groups_effect=False`` the group variance is held at 0: ordinary least squares, the ANCOVA
    y = b0 + b1 treat + b2 baseline + e (its residual variance on n - 3 degrees of freedom, its
    p-value and interval from the normal distribution, as the mixed model's).

    All arguments are arrays of one row per participant: ``fit`` (which fit the row belongs to:
    whole numbers 0..F-1), outcome ``y``, ``treat`` (1 PEER, 0 control), ``baseline`` (the
    outcome at baseline) and ``group`` (the PEER group; ignored for controls, who are clusters of
    their own). Rows with a missing ``y`` or ``baseline`` must be dropped before (complete cases).

    Returns one row per fit (index 0..F-1) with the columns in ``COLUMNS``: the adjusted
    treatment effect with its standard error, 95% interval and p-value; the baseline coefficient;
    the variance components and the ICC var_group / (var_group + var_resid). A fit with fewer than
    four rows, no treated or no control row, or a baseline that does not vary gets NaN.
    """
    fit = np.asarray(fit, dtype=np.int64)
    if len(fit) == 0:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.DataFrame(fit_arrays(fit, y, treat, baseline, group, groups_effect), columns=list(COLUMNS))


def fit_arrays(fit, y, treat, baseline, group, groups_effect: bool = True) -> dict[str, np.ndarray]:
    """:func:`fit_many`'s columns as arrays (one entry per fit), for callers that read a few
    (at least one row)."""
    fit = np.asarray(fit, dtype=np.int64)
    y, treat, baseline = (np.asarray(v, dtype=float) for v in (y, treat, baseline))
    group = np.asarray(group)
    n_fits = int(fit.max()) + 1
    sums = _Sums(fit, y, treat, baseline, group, n_fits)
    ok = sums.ok
    gamma = reml.minimise(sums) if groups_effect else np.zeros(n_fits)
    a, beta, rss, _ = sums.gls(gamma)
    with np.errstate(invalid="ignore", divide="ignore"):
        var_resid = rss / (sums.n - 3)
        cov = var_resid[:, None, None] * np.linalg.inv(a)
        se = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        var_group = gamma * var_resid
        total = var_group + var_resid
        estimates = {
            "intercept": beta[:, 0],
            "effect": beta[:, 1],
            "effect_se": se[:, 1],
            "baseline_coef": beta[:, 2],
            "baseline_se": se[:, 2],
            "var_group": var_group,
            "var_resid": var_resid,
            "icc": np.divide(var_group, total, out=np.zeros_like(total), where=total > 0),
            "effect_low": beta[:, 1] - Z95 * se[:, 1],
            "effect_high": beta[:, 1] + Z95 * se[:, 1],
            "p_value": 2.0 * stats.norm.sf(np.abs(beta[:, 1] / se[:, 1])),
        }
    counts = {"n": sums.n.astype(int), "n_treated": sums.n_treated.astype(int), "groups": sums.groups}
    # a fit that cannot be estimated: NaN throughout
    estimates = {c: np.where(ok, v, np.nan) for c, v in estimates.items()}
    return counts | estimates
