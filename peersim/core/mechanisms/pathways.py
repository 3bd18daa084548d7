"""The two pathways the rival programme theories (:mod:`peersim.core.theories`) disagree on.

*Gate*: what lets a present member take in what the group offers (others' sharing, role models,
comparison, the values work), and what makes retelling and trying something new feel possible.
*Support*: what carries a member's sharing, retelling, success in acting and sprouts.

    theory              gate                         support
    seed                safety                       connectedness
    upward_comparison   safety                       connectedness
    differences_only    fit                          fit
    common_factors      1 (everyone alike)           share of sessions so far attended

fit = mean perceived similarity to the members still in the group (1 - misfit of the dropout
mechanism). Under the seed's theory both functions return the state itself, so its runs are the
same bit for bit as before rival theories existed. ``theory`` batches by value (it is structural,
:data:`peersim.core.sets.STRUCTURAL`), so these are plain Python branches.
"""

from __future__ import annotations

import numpy as np

from peersim.core.mechanisms.dropout import misfit
from peersim.core.state import REAL, Context, State


def gate(st: State, ctx: Context) -> np.ndarray:
    theory = ctx.params.theory
    if theory in ("seed", "upward_comparison"):
        return st.safety
    if theory == "differences_only":
        return fit(st, ctx)
    return np.ones_like(st.safety)


def support(st: State, ctx: Context) -> np.ndarray:
    theory = ctx.params.theory
    if theory in ("seed", "upward_comparison"):
        return st.connectedness
    if theory == "differences_only":
        return fit(st, ctx)
    # attention received: the share of the course's sessions so far that the member attended
    return (st.sessions_attended / REAL(max(min(ctx.week, ctx.params.n_sessions), 1))).astype(REAL)


def fit(st: State, ctx: Context) -> np.ndarray:
    """Mean perceived similarity to the members still in the group, 0-1."""
    return (1.0 - misfit(st, ctx)).astype(REAL)
