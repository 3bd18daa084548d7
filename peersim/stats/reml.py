"""The REML search of :mod:`peersim.stats.mixed`: the profiled criterion, its first two
derivatives, and the variance ratio that minimises it, for every fit at once.

**Size classes.** A PEER group enters the criterion only through its size n and its sums (of the
design columns and of y): the group's weight gamma / (1 + n gamma) depends on n alone. So the
groups of a fit are summed by size first (``classes``: per fit, each distinct size with its count
and the summed cross-products), and every evaluation costs (fits x distinct sizes), a handful per
fit, not (fits x groups).

**The search.** The criterion f(gamma) (mixed.py's docstring) is evaluated on the grid (0 and a
geometric grid to GAMMA_MAX) for every fit at once; its best point and the grid points beside it
bracket the minimum, as they did for the golden-section search this replaces. In the bracket,
f' changes sign (or the minimum is at an end, where the search stops); safeguarded Newton steps
on f' (f'' from the same sums; a bisection whenever a step leaves the bracket or f'' <= 0) find
the root to 1e-12 of gamma, in about ten evaluations where golden section took sixty. Golden
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
#: Newton's stop: a step below this share of gamma (or a bracket this narrow)
_TOLERANCE = 1e-12
_MAX_STEPS = 100  # bisection alone narrows a bracket of the grid's width to 1e-13 in about 45
#: the symmetric 3x3 matrix from its upper triangle (00, 01, 02, 11, 12, 22)
SYM = np.array([[0, 1, 2], [1, 3, 4], [2, 4, 5]])
_UPPER = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))


def classes(group_fit, size, sx, sy, n_fits):
    """The PEER groups of every fit summed by size: arrays (fits, slots) of the size and the
    number of groups of that size (0 in unused slots), and (fits, slots, 10) of their summed
    cross-products: s_i s_j (the upper triangle), s_i t, t^2."""
    top = int(size.max()) + 1 if len(size) else 1
    key, where = np.unique(group_fit * top + size.astype(np.int64), return_inverse=True)
    fit = key // top
    first = np.searchsorted(fit, np.arange(n_fits))
    slot = np.arange(len(key)) - first[fit]
    slots = int(slot.max()) + 1 if len(key) else 1
    products = [sx[:, i] * sx[:, j] for i, j in _UPPER] + [sx[:, i] * sy for i in range(3)] + [sy * sy]
    n = np.zeros((n_fits, slots))
    count = np.zeros((n_fits, slots))
    sums = np.zeros((n_fits, slots, len(products)))
    n[fit, slot] = key % top
    count[fit, slot] = np.bincount(where, minlength=len(key))
    sums[fit, slot] = np.stack([np.bincount(where, p, len(key)) for p in products], axis=1)
    return n, count, sums


def _parts(sums, gamma):
    """A, b, q (as above) and log|V| at ``gamma`` (fits, k). Unused slots carry zero sums and
    count, so they add nothing."""
    ng = sums.class_n[:, None, :] * gamma[:, :, None]
    s = (gamma[:, :, None] / (1.0 + ng)) @ sums.class_sums  # (fits, k, 10)
    a = sums.xtx[:, None] - s[..., SYM]
    b = sums.xty[:, None] - s[..., 6:9]
    q = sums.yty[:, None] - s[..., 9]
    logdet_v = (sums.class_count[:, None, :] * np.log1p(ng)).sum(axis=2)
    return a, b, q, logdet_v


def grid_criterion(sums, gamma: np.ndarray) -> np.ndarray:
    """The criterion at ``gamma`` (fits, k), by cofactors (3x3, symmetric): to pick the best grid
    point, not for the answer, which comes from LAPACK (mixed.py's ``criterion``)."""
    a, b, q, logdet_v = _parts(sums, gamma)
    ok = sums.ok[:, None]
    a00, a01, a02 = a[..., 0, 0], a[..., 0, 1], a[..., 0, 2]
    a11, a12, a22 = a[..., 1, 1], a[..., 1, 2], a[..., 2, 2]
    c00, c01, c02 = a11 * a22 - a12 * a12, a02 * a12 - a01 * a22, a01 * a12 - a02 * a11
    c11, c12, c22 = a00 * a22 - a02 * a02, a01 * a02 - a00 * a12, a00 * a11 - a01 * a01
    det = np.where(ok, a00 * c00 + a01 * c01 + a02 * c02, 1.0)
    b0, b1, b2 = (np.where(ok, b[..., i], 0.0) for i in range(3))
    quad = b0 * (c00 * b0 + c01 * b1 + c02 * b2) + b1 * (c01 * b0 + c11 * b1 + c12 * b2)
    quad = quad + b2 * (c02 * b0 + c12 * b1 + c22 * b2)
    dof = (sums.n - 3.0)[:, None]
    rss = q - quad / det
    value = dof * np.log(rss / dof) + logdet_v + np.log(det)
    return np.where((det > 0) & (rss > 0) & ok, value, np.inf)


def slopes(sums, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f'(gamma) and f''(gamma), one gamma per fit."""
    n = sums.class_n
    d = 1.0 + n * gamma[:, None]
    weights = np.stack([gamma[:, None] / d, 1.0 / d**2, -2.0 * n / d**3], axis=1)  # c, c', c''
    s = weights @ sums.class_sums  # (fits, 3, 10)
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
    logdet_v1 = share.sum(axis=1)
    logdet_v2 = -(share * n / d).sum(axis=1)
    dof = sums.n - 3.0
    first = dof * rss1 / rss + logdet_v1 + logdet_a1
    second = dof * (rss2 / rss - (rss1 / rss) ** 2) + logdet_v2 + logdet_a2
    return first, second


def minimise(sums) -> np.ndarray:
    """The REML variance ratio of every fit (0 for fits that cannot be estimated)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _minimise(sums)


def _minimise(sums) -> np.ndarray:
    f, ok = sums.n_fits, sums.ok
    values = grid_criterion(sums, np.broadcast_to(GRID, (f, len(GRID))))
    best = np.argmin(values, axis=1)
    lo, mid = GRID[np.maximum(best - 1, 0)], GRID[best]
    hi = GRID[np.minimum(best + 1, len(GRID) - 1)]
    g_lo, _ = slopes(sums, lo)
    g, h = slopes(sums, mid)
    g_hi, _ = slopes(sums, hi)
    # the half of the bracket where f' goes from - to +: [a, b]
    right = g < 0
    a, b = np.where(right, mid, lo), np.where(right, hi, mid)
    at_a = np.where(right, g, g_lo) >= 0  # rising from a: the minimum is at a (0, at the boundary)
    at_b = np.where(right, g_hi, g) <= 0  # falling to b: at b (GAMMA_MAX)
    x = np.where(at_a, a, np.where(at_b, b, mid))
    done = at_a | at_b | ~ok
    for _ in range(_MAX_STEPS):
        if done.all():
            break
        a = np.where(g < 0, np.maximum(a, x), a)
        b = np.where(g > 0, np.minimum(b, x), b)
        step = x - g / h
        newton = (h > 0) & (step > a) & (step < b)
        new = np.where(newton, step, 0.5 * (a + b))
        converged = (np.abs(new - x) <= _TOLERANCE * x) | (b - a <= _TOLERANCE * b) | (g == 0)
        x = np.where(done, x, new)
        done = done | converged
        g, h = slopes(sums, x)
    # the boundary: no group effect, if it is at least as good as the interior point (within
    # rounding of the criterion: a ratio of 1e-13 is no group effect)
    zero = sums.criterion(np.zeros(f))
    x = np.where(zero <= sums.criterion(x) + 1e-9, 0.0, x)
    return np.where(ok, x, 0.0)
