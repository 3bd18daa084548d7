"""Sharing lived experience (ICAMO 1).

Facilitators open the round: each shares with probability facilitator_disclosure (times
paid_disclosure for paid peer workers). A present participant then shares with

    logit p = share_intercept + share_safety * safety + share_connectedness * connectedness
              + share_modelling * equality * (share of facilitators who shared)
              - share_vulnerability * sharing_vulnerability + share_norms * [sharing-norms theme]

Not sharing carries no direct penalty (self-determination): no loss of safety, hope or
self-image. Its indirect cost is what the study describes: fewer ties (no one hears you), and no
life story told in the storytelling session.

Evidence (Egmose et al. 2024, "Consolidating connectedness by sharing experiences"): "Sharing
experiences was brought up by all participants as a vital part of being in the group"; "a few felt
it was difficult and that sharing made them feel exposed ... as children had been bullied and
maybe therefore had bad experiences in being vulnerable in front of others";
"Self-determination was an important aspect of sharing experiences ... it was accepted when they
chose not to share"; "The active involvement of peer facilitators in sharing experiences created
equality in the group which in turn could lead to more sharing"; Participant 5: "There was no one
higher on the ladder than others"; volunteers "unpaid, made them more equal in the group". That
paid peer workers would disclose less (paid_disclosure) and be seen as less equal (paid_equality,
service_equality inside services) are assumptions: no such group was studied.

Fires for a participant who shared. Switched off: nobody shares, facilitators included.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from peersim.core.mechanisms.pathways import gate, support
from peersim.core.mechanisms.registry import Mechanism
from peersim.core.perrun import choose
from peersim.core.state import REAL, Context, State, Update

NAME = "sharing"


def run(st: State, ctx: Context) -> Update:
    p, g = ctx.params, ctx.group
    u = ctx.streams.uniform("sharing", ctx.week, ctx.all_members)
    disclosure = p.facilitator_disclosure * choose(p.facilitator_role == "paid", p.paid_disclosure, 1.0)
    fac_shared = u[:, g.n :] < disclosure
    fac_share = fac_shared.mean(axis=1, keepdims=True, dtype=REAL)
    logit_p = (
        p.share_intercept
        + p.share_safety * gate(st, ctx)
        + p.share_connectedness * support(st, ctx)
        + p.share_modelling * p.equality * fac_share
        - p.share_vulnerability * g.attrs["sharing_vulnerability"]
        + p.share_norms * ctx.theme("sharing_norms")
    )
    shared_p = st.present & (u[:, : g.n] < expit(logit_p))
    shared = np.concatenate([shared_p, fac_shared], axis=1)
    return Update(
        {
            "shared": shared,
            "shared_sessions": st.shared_sessions + shared_p,
            "others_shared": others_shared(shared, st.present),
        },
        fired=shared_p,
    )


def others_shared(shared: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Share of the other members in the room whose sharing each present participant heard."""
    n, f = present.shape[1], shared.shape[1] - present.shape[1]
    heard = shared.sum(axis=1, keepdims=True) - shared[:, :n]
    others_in_room = present.sum(axis=1, keepdims=True) - present + f
    return (present * heard / np.maximum(others_in_room, 1)).astype(REAL)


def off(st: State, ctx: Context) -> Update:
    return Update(
        {
            "shared": np.zeros_like(st.shared),
            "others_shared": np.zeros_like(st.safety),
        }
    )


SPEC = Mechanism(
    name=NAME,
    label="sharing",
    writes=("others_shared", "shared", "shared_sessions"),
    phase="session",
    run=run,
    off=off,
    short="sharing",
    switched_off="nobody shares, facilitators included.",
)
