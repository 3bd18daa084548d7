"""Dropout: leaving the group for good (after sessions 1 to n-1).

A present participant leaves after the session with

    logit h = dropout_intercept - dropout_connectedness * connectedness - dropout_safety * safety
              + dropout_misfit * misfit - dropout_value * value

misfit = mean perceived difference (difference_weight * difference) to the members still in the
group, facilitators included; value = gain in hope plus gain in self-image since baseline (the
group becoming valuable). Early, before ties form, connectedness and value are low, so the hazard
is highest after the first sessions. Dropouts never return; they go on being simulated with no
group (background drift only), so end-of-course values exist for everyone.

Evidence (Egmose et al. 2024): "those who discontinued the intervention, described how they did not
feel connected to the other participants"; Participant 7: "I did not experience it as safe. I feel.
I feel miscast, simply ... I don't feel I fit in"; "Two participants left the group after 1–2 group
sessions"; "When these mechanisms were not given time to be activated, it contributed to
participants leaving"; Discussion: "Through the lack of comparability to the other participants the
group lost its value for the two participants who chose to leave". Early attrition in group
therapy 20–30% (Yalom & Leszcz 2005); psychotherapy dropout about 20% (Swift & Greenberg 2012).

Fires for the participant who leaves. Switched off: nobody leaves.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from peersim.core.mechanisms.registry import Mechanism
from peersim.core.state import REAL, Context, State, Update, member_dot

NAME = "dropout"


def misfit(st: State, ctx: Context) -> np.ndarray:
    """Mean perceived difference of each participant from the members still in the group."""
    g = ctx.group
    in_group = np.concatenate([~st.dropped, np.ones((g.runs, g.f), dtype=bool)], axis=1)
    # a participant's difference from themself is zero, so the sum may include them; the count
    # must not
    others = in_group.sum(axis=1, keepdims=True) - in_group[:, : g.n]
    return member_dot(1.0 - st.similarity, in_group.astype(REAL)) / np.maximum(others, 1)


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    if ctx.week >= p.n_sessions:  # nobody "leaves" after the last session
        return Update({}, fired=None)
    value = np.maximum(st.hope - st.baseline["hope"], 0.0) + np.maximum(
        st.self_image - st.baseline["self_image"], 0.0
    )
    if p.theory == "differences_only":  # the rival: only misfit drives leaving
        logit_h = p.dropout_intercept_rival + p.dropout_misfit * misfit(st, ctx)
    elif p.theory == "common_factors":  # the rival: only the value of the gains so far
        logit_h = p.dropout_intercept_rival - p.dropout_value * value
    else:
        logit_h = (
            p.dropout_intercept
            - p.dropout_connectedness * st.connectedness
            - p.dropout_safety * st.safety
            + p.dropout_misfit * misfit(st, ctx)
            - p.dropout_value * value
        )
    u = ctx.streams.uniform("dropout", ctx.week, ctx.members)
    leaves = st.present & (u < expit(logit_h))
    return Update(
        {
            "dropped": st.dropped | leaves,
            "dropout_session": np.where(leaves, ctx.week, st.dropout_session),
        },
        fired=leaves,
    )


SPEC = Mechanism(
    name=NAME,
    label="left the group",
    writes=("dropout_session", "dropped"),
    phase="weekly",
    run=run,
    short="leaving",
    switched_off="nobody leaves.",
)
