"""Role modelling and hope (ICAMO 2).

Hope of a present participant rises with the facilitators' recovery stories (in sessions with the
role-models theme, session 3 by default, whose theme is an assumption, and only if they shared),
with not being alone (hearing others share), for some, and with the dreams exercise, all taken in
as far as the person feels safe:

    up = role_model_gain * role_models_theme * equality * (share of facilitators who shared)
         + not_alone_gain * finds_hope_in_not_being_alone * (share of the others who shared)
                          * (1 - connectedness)
         + dreams_gain * dreams_theme
    hope <- hope + safety * up * (1 - hope)        (present participants)

"For some": whether a person is one who takes hope from not being alone is fixed for the course,
a draw of the stream ``not_alone`` keyed by (seed, run, participant) against ``not_alone_share``
(an assumption: the seed says "some", not how many). The discovery that one is not alone wanes as
one stops feeling alone: the term is scaled by 1 - connectedness (the person's ties in the group
before this session), so its total over the course is bounded however many sessions others
share in; before, it added the same gain in every session, to everyone present (issue 18).

equality is 1 for volunteer peers in civil society, lower for paid peer workers and inside
services ("no one higher on the ladder").

Evidence (Egmose et al. 2024, "Sense of hope by working out new paths for recovery"): "For some,
the feeling of not being alone gave hope. Others felt inspired by the peer group facilitators";
"Hope was nurtured when learning about the group facilitators lived experiences e.g., that it was
possible to get a flexible job"; Participant 4 on the dreams exercise. Bandura (1977) on modelling;
Discussion: peers "experienced as equals, because they were unpaid volunteers".

Fires when hope rose by firing_threshold or more. Switched off: no hope from these sources.
"""

from __future__ import annotations

import numpy as np

from peersim.core.mechanisms.pathways import gate
from peersim.core.mechanisms.registry import Mechanism
from peersim.core.perrun import column
from peersim.core.state import REAL, Context, State, Update, nudge

NAME = "role_modelling"


def not_alone(ctx: Context) -> np.ndarray:
    """(R, N) 1 for participants who take hope from not being alone, else 0 (module docstring):
    the same draw in every session (week 0 of its own stream), so it is a trait of the person."""
    u = ctx.streams.uniform("not_alone", 0, ctx.members)
    return (u < column(ctx.params.not_alone_share, 2, np.float64)).astype(REAL)


def run(st: State, ctx: Context) -> Update:
    p, g = ctx.params, ctx.group
    if p.theory == "common_factors":
        # the rival's remoralisation: hope from each session attended, whatever was shared
        up = p.attention_gain + p.dreams_gain * ctx.theme("dreams")
        hope = nudge(st.hope, up=up * st.present)
        return Update({"hope": hope}, fired=hope - st.hope >= p.firing_threshold)
    fac_share = st.shared[:, g.n :].mean(axis=1, keepdims=True, dtype=REAL)
    up = (
        p.role_model_gain * ctx.theme("role_models") * p.equality * fac_share
        + p.not_alone_gain * not_alone(ctx) * st.others_shared * (1.0 - st.connectedness)
        + p.dreams_gain * ctx.theme("dreams")
    )
    # safety is the precondition: an unsafe listener takes little from role models
    hope = nudge(st.hope, up=up * (st.present * gate(st, ctx)))
    return Update({"hope": hope}, fired=hope - st.hope >= p.firing_threshold)


SPEC = Mechanism(
    name=NAME,
    label="hope from role models",
    writes=("hope",),
    phase="session",
    run=run,
    short="rolemod",
    switched_off="no hope from these sources.",
    story=(("role_modelling", "gained hope {hope_source}"),),
    reasons=(("role_modelling", "Gained hope {hope_source}, as far as they felt safe."),),
)
