"""The REML search of :mod:`peersim.stats.mixed`: the profiled criterion, its first two
derivatives, and the variance ratio that minimises it, for every fit at once.

**Size classes.** A PEER group enters the criterion only through its size n and its sums (of the
design columns and of y): the group's weight gamma / (1 + n gamma) depends on n alone. So the
groups of a fit are summed by size first (``classes``: the distinct sizes of all fits, and per fit
the count and summed cross-products of its groups of each size), and every evaluation costs
(fits x distinct sizes), a handful, not (fits x groups); on the grid, whose weights are shared by
every fit, one product per size (``over_sizes``: added in order, so a fit's numbers do not depend
on the other fits in its batch).

**The search.** The criterion f(gamma) (mixed.py's docstring) is evaluated on the grid (0 and a
geometric grid to GAMMA_MAX) for every fit at once; its best point and the grid points beside it
bracket the minimum, as they did for the golden-section search this replaces. In the bracket,
f' changes sign (or the minimum is at an end, where the search stops); safeguarded Newton steps
on f' (f'' from the same sums; a bisection whenever a step leaves the bracket or f'' <= 0) find
the root to rounding, in about five evaluations where golden section took sixty. Golden
section resolved gamma only to sqrt(machine epsilon) of the criterion's curvature (f is flat at
its minimum: a few parts in 10^7 of gamma, more where f is flat); the root of f' is found to
rounding, so estimates move by that much against the former search, no more.

Derivatives, with c = gamma / (1 + n gamma), c' = 1 / (1 + n gamma)^2, c'' = -2 n / (1 + n gamma)^3,
A = X'V^-1 X = X'X - sum c s s', b = X'V^-1 y = X'y - sum c s t, q = y'V^-1 y = y'y - sum c t^2
(s, t: a group's sums of the design columns and of y), beta = A^-1 b and rss = q - b'beta:

    rss'  = q' - 2 b'.beta + beta'A' beta
    rss'' = q'' - 2 b''.beta + beta'A'' beta - 2 beta_g'A beta_g,   beta_g = A^-1 (b' - A' beta)
    (log|A|)' = tr(A^-1 A'),  (log|A|)'' = tr(A^-1 A'') - tr(A^-1 A' A^-1 A')
    (log|V|)' = sum n / (1 + n gamma),  (log|V|)'' = -sum (n / (1 + n gamma))^2
"""

from __future__ import annotations

import numpy as np

#: Largest variance ratio searched: a group variance 100 times the residual one (ICC 0.99).
GAMMA_MAX = 100.0
GRID = np.concatenate([[0.0], np.geomspace(1e-4, GAMMA_MAX, 48)])
#: Newton's stop: a step below this share of gamma (or a bracket this narrow); converging
#: quadratically, the step after is at the criterion's rounding
_TOLERANCE = 1e-10
_MAX_STEPS = 100  # bisection alone narrows a bracket of the grid's width to 1e-13 in about 45
#: the symmetric 3x3 matrix from its upper triangle (00, 01, 02, 11, 12, 22)
SYM = np.array([[0, 1, 2], [1, 3, 4], [2, 4, 5]])
_UPPER = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))


def over_sizes(term, count: int) -> np.ndarray:
    """The sum of ``term(u)`` over the size classes u = 0..count-1, added one class after another.
    The classes are the distinct sizes of the whole batch, so a fit's sum has zero terms for the
    sizes only other fits have: added in order, a zero term leaves the sum as it was to the bit,
    and a fit's estimate is the same alone and in any batch. (A matrix product or ``sum(axis)``
    over the classes blocks its additions by the axis' length: the last bits then follow the
    batch, by up to 5e-14 in gamma, measured.)"""
    total = term(0)
    for u in range(1, count):
        total = total + term(u)
    return total


def classes(group_fit, size, sx, sy, n_fits):
    """The PEER groups of every fit summed by size: the distinct sizes (u,), the number of groups
    of each size in each fit (fits, u), and their summed cross-products (fits, 10, u): s_i s_j
    (the upper triangle), s_i t, t^2. A size a fit does not have adds nothing (zero sums)."""
    sizes, which = np.unique(size, return_inverse=True)
    if not len(sizes):  # no PEER groups at all: one class of no groups, so the sums have a term
        sizes = np.ones(1)
    where = group_fit * len(sizes) + which
    cells = n_fits * len(sizes)
    products = [sx[:, i] * sx[:, j] for i, j in _UPPER] + [sx[:, i] * sy for i in range(3)] + [sy * sy]
    count = np.bincount(where, minlength=cells).reshape(n_fits, len(sizes)).astype(float)
    sums = np.stack([np.bincount(where, p, cells).reshape(n_fits, len(sizes)) for p in products], axis=1)
    return sizes, count, sums


def grid_criterion(sums, grid: np.ndarray) -> np.ndarray:
    """The criterion of every fit at every point of ``grid`` (fits, k), by cofactors (3x3,
    symmetric): to pick the best grid point, not for the answer, which comes from LAPACK
    (mixed.py's ``criterion``). The weights depend on (size, gamma) only."""
    weight = grid[None, :] / (1.0 + sums.class_n[:, None] * grid[None, :])  # (u, k)
    log_v = np.log1p(sums.class_n[:, None] * grid[None, :])  # (u, k)
    u = len(sums.class_n)
    s = over_sizes(lambda c: sums.class_sums[:, :, c, None] * weight[c], u)  # (fits, 10, k)
    logdet_v = over_sizes(lambda c: sums.class_count[:, c, None] * log_v[c], u)
    upper = [sums.xtx[:, i, j, None] - s[:, k] for k, (i, j) in enumerate(_UPPER)]
    a00, a01, a02, a11, a12, a22 = upper
    b0, b1, b2 = (sums.xty[:, i, None] - s[:, 6 + i] for i in range(3))
    q = sums.yty[:, None] - s[:, 9]
    c00, c01, c02 = a11 * a22 - a12 * a12, a02 * a12 - a01 * a22, a01 * a12 - a02 * a11
    c11, c12, c22 = a00 * a22 - a02 * a02, a01 * a02 - a00 * a12, a00 * a11 - a01 * a01
    det = a00 * c00 + a01 * c01 + a02 * c02
    quad = b0 * (c00 * b0 + c01 * b1 + c02 * b2) + b1 * (c01 * b0 + c11 * b1 + c12 * b2)
    quad = quad + b2 * (c02 * b0 + c12 * b1 + c22 * b2)
    dof = (sums.n - 3.0)[:, None]
    rss = q - quad / det
    value = dof * np.log(rss / dof) + logdet_v + np.log(det)
    return np.where((det > 0) & (rss > 0) & sums.ok[:, None], value, np.inf)


def slopes(sums, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f'(gamma) and f''(gamma), one gamma per fit."""
    n = sums.class_n[None, :]
    d = 1.0 + n * gamma[:, None]  # (fits, u)
    weights = np.stack([gamma[:, None] / d, 1.0 / d**2, -2.0 * n / d**3], axis=2)  # c, c', c''
    s = over_sizes(
        lambda c: weights[:, c, :, None] * sums.class_sums[:, None, :, c], n.shape[1]
    )  # (fits, 3, 10)
    a = sums.xtx - s[:, 0, SYM]
    a1, a2 = -s[:, 1, SYM], -s[:, 2, SYM]
    b, b1, b2 = sums.xty - s[:, 0, 6:9], -s[:, 1, 6:9], -s[:, 2, 6:9]
    q, q1, q2 = sums.yty - s[:, 0, 9], -s[:, 1, 9], -s[:, 2, 9]
    inverse = np.linalg.inv(np.where(sums.ok[:, None, None], a, np.eye(3)))
    beta = np.einsum("fij,fj->fi", inverse, b)
    moved = b1 - np.einsum("fij,fj->fi", a1, beta)
    beta_g = np.einsum("fij,fj->fi", inverse, moved)
    rss = q - np.einsum("fi,fi->f", b, beta)
    rss1 = q1 - 2.0 * np.einsum("fi,fi->f", b1, beta) + np.einsum("fi,fij,fj->f", beta, a1, beta)
    rss2 = (
        q2
        - 2.0 * np.einsum("fi,fi->f", b2, beta)
        + np.einsum("fi,fij,fj->f", beta, a2, beta)
        - 2.0 * np.einsum("fi,fi->f", beta_g, moved)
    )
    m1 = inverse @ a1
    logdet_a1 = np.trace(m1, axis1=1, axis2=2)
    logdet_a2 = np.einsum("fij,fji->f", inverse, a2) - np.einsum("fij,fji->f", m1, m1)
    share = sums.class_count * n / d
    logdet_v1 = over_sizes(lambda c: share[:, c], n.shape[1])
    logdet_v2 = -over_sizes(lambda c: share[:, c] * n[:, c] / d[:, c], n.shape[1])
    dof = sums.n - 3.0
    first = dof * rss1 / rss + logdet_v1 + logdet_a1
    second = dof * (rss2 / rss - (rss1 / rss) ** 2) + logdet_v2 + logdet_a2
    return first, second


class _Subset:
    """The sums of some fits (``rows``), as :func:`slopes` reads them (each fit's own)."""

    def __init__(self, sums, rows: np.ndarray) -> None:
        self.class_n = sums.class_n
        for name in ("n", "ok", "xtx", "xty", "yty", "class_count", "class_sums"):
            setattr(self, name, getattr(sums, name)[rows])


def minimise(sums) -> np.ndarray:
    """The REML variance ratio of every fit (0 for fits that cannot be estimated)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _minimise(sums)


def _minimise(sums) -> np.ndarray:
    f, ok = sums.n_fits, sums.ok
    values = grid_criterion(sums, GRID)
    best = np.argmin(values, axis=1)
    lo, mid = GRID[np.maximum(best - 1, 0)], GRID[best]
    hi = GRID[np.minimum(best + 1, len(GRID) - 1)]
    g, h = slopes(sums, mid)
    # the half of the bracket the slope at the best point looks into: f is no lower at the grid
    # point beyond, so f' turns from - to + inside [a, b]; at an end of the grid the bracket is
    # that end (rising from 0: no group effect; falling to GAMMA_MAX)
    right = g < 0
    a, b = np.where(right, mid, lo), np.where(right, hi, mid)
    x = mid.copy()
    done = (a == b) | (g == 0) | ~ok
    for _ in range(_MAX_STEPS):
        live = np.flatnonzero(~done)  # the fits still searching: after a few steps, a handful
        if not len(live):
            break
        xl, gl, hl = x[live], g[live], h[live]
        al = np.where(gl < 0, np.maximum(a[live], xl), a[live])
        bl = np.where(gl > 0, np.minimum(b[live], xl), b[live])
        step = xl - gl / hl
        newton = (hl > 0) & (step > al) & (step < bl)
        new = np.where(newton, step, 0.5 * (al + bl))
        converged = (np.abs(new - xl) <= _TOLERANCE * xl) | (bl - al <= _TOLERANCE * bl) | (gl == 0)
        x[live], a[live], b[live] = new, al, bl
        done[live] = converged
        g[live], h[live] = slopes(_Subset(sums, live), new)
    # the boundary: no group effect, if it is at least as good as the interior point (within
    # rounding of the criterion: a ratio of 1e-13 is no group effect)
    zero = sums.criterion(np.zeros(f))
    x = np.where(zero <= sums.criterion(x) + 1e-9, 0.0, x)
    return np.where(ok, x, 0.0)
