"""Companionship and bridging to the wider community (after the course).

The network session raises bridging a little for those present (network_bridge * intensity,
times bridge_covid under restrictions). After the last session, a completer takes up the offered
companionship with

    p_uptake = uptake_base * (uptake_covid if COVID restrictions) * (uptake_hope_base + hope)

and then, for companionship_weeks, builds bridging (ties outside the group) by bridge_rate per
week (times bridge_covid under restrictions) while the companion also waters sprouts.

Evidence (Egmose et al. 2024, Discussion): "Our findings did not confirm proposed mechanisms of
'bridge building' to the wider community ... the offer was challenged by COVID-19 restrictions at
the time of the PEER trial and only accepted by one of the interviewed participants possibly
explaining why these potential mechanisms were not unfolded in this study" (1 of 11); PEER "offers
individual companionship for up to six months to local communities and activities outside the
group setting". The seed hedges: COVID-19 restrictions *possibly* explain the low uptake. How much
they lower uptake (uptake_covid) is calibrated, how much they lower bridging (bridge_covid), and
that uptake rises with hope (uptake_hope_base), are assumptions.

Fires in the week of uptake and each week companionship is active. Switched off: no uptake, no
bridging.
"""

from __future__ import annotations

import numpy as np

from peersim.core.mechanisms.registry import Mechanism
from peersim.core.perrun import any_run, choose, column
from peersim.core.state import Context, State, Update, nudge

NAME = "companionship"


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    covid = choose(p.covid_restrictions, p.bridge_covid, 1.0)
    changes: dict[str, object] = {}
    bridging = st.bridging
    network = ctx.theme("network")
    if network:
        bridging = nudge(bridging, up=p.network_bridge * network * covid * st.present)
    active = st.companion_weeks_left > 0
    if active.any():
        bridging = nudge(bridging, up=p.bridge_rate * covid * active)
        changes["companion_weeks_left"] = st.companion_weeks_left - active
    fired = active
    offered = p.companionship_offered & (p.companionship_weeks > 0)
    if ctx.final_session and any_run(offered):
        u = ctx.streams.uniform("uptake", ctx.week, ctx.members)
        factor = choose(p.covid_restrictions, p.uptake_covid, 1.0)
        takes = ~st.dropped & (u < p.uptake_base * factor * (p.uptake_hope_base + st.hope)) & offered
        changes["companionship"] = takes
        weeks_left = changes.get("companion_weeks_left", st.companion_weeks_left)
        weeks = column(p.companionship_weeks, 2, weeks_left.dtype.type)
        changes["companion_weeks_left"] = np.where(takes, weeks, weeks_left)
        fired = fired | takes
    changes["bridging"] = bridging
    return Update(changes, fired=fired)


SPEC = Mechanism(
    name=NAME,
    label="companionship",
    writes=("bridging", "companion_weeks_left", "companionship"),
    phase="weekly",
    run=run,
    short="compan",
    switched_off="no uptake, no bridging.",
)
