"""pandas' group variance, bit for bit, for rows whose cells come in runs.

A virtual study's tables are ordered by copy, arm, group and member, so the rows of a (copy,
arm) lie together. pandas' group variance updates each cell row by row in one pass (Welford);
here the same updates run for every cell at once, one row position at a time, so the numbers
are pandas' own to the bit (tests/test_trial.py checks), at a fraction of the cost of grouping.
Where a cell's rows are not together, or a value is not a finite float64 (pandas skips or
special-cases those), pandas itself is called. (pandas 3's group sums and means are not the
textbook compensated sums, so they are left to pandas.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _runs(cell: np.ndarray):
    """(keys, first row, length) of each run of equal cells, longest first; None when a cell
    comes in more than one run."""
    edges = np.flatnonzero(np.diff(cell)) + 1
    starts = np.concatenate([[0], edges]) if len(cell) else edges
    keys = cell[starts]
    if len(np.unique(keys)) != len(keys):
        return None
    length = np.diff(np.concatenate([starts, [len(cell)]]))
    order = np.argsort(-length, kind="stable")  # longest first: the cells still going are a prefix
    return keys[order], starts[order], length[order]


def _fast(values: np.ndarray, cell: np.ndarray):
    """The runs of ``cell`` if the updates here are pandas' (finite float64 values), else None."""
    return _runs(cell) if values.dtype == np.float64 and np.isfinite(values).all() else None


def variances(y: np.ndarray, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells present, and the variance (ddof 1) and count of ``y`` in each: pandas' group
    variance and count."""
    runs = _fast(y[:, None], cell)
    if runs is None:
        by = pd.Series(y).groupby(cell).agg(["var", "count"])
        return by.index.to_numpy(), by["var"].to_numpy(float), by["count"].to_numpy(float)
    keys, first, length = runs
    mean, m2 = np.zeros(len(keys)), np.zeros(len(keys))
    for k in range(int(length[0]) if len(length) else 0):
        live = int(np.searchsorted(-length, -k))
        value, old = y[first[:live] + k], mean[:live]
        new = old + (value - old) / (k + 1)
        m2[:live] += (value - new) * (value - old)
        mean[:live] = new
    variance = np.divide(m2, length - 1, out=np.full(len(keys), np.nan), where=length > 1)
    return keys, variance, length.astype(float)
