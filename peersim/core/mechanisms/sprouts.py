"""Sprouts to change: change processes that need longer than ten weeks (ICAMO 4).

Every week (during the course and after it, for everyone with sprouts) each sprout may become a
realised change or wither. With s sprouts and support

    support = [present in a session] * connectedness + companion_support * [companionship active]
              + case_worker_support
    r = sprout_realise_rate * (1 + sprout_support_gain * support)           per sprout per week
    w = sprout_wither_rate * (1 + sprout_wither_adversity * adversity)
        / (1 + sprout_support_gain * support)
    P(one realised) = 1 - (1 - r)^s;  P(one withers) = (1 - P(realised)) * (1 - (1 - w)^s)

At most one sprout changes per person per week (one draw); the rates are small, so this is close to
independent sprouts and keeps draws per member. A realised change raises self-efficacy, meaning
and hope by realised_gain.

Evidence (Egmose et al. 2024, "Sprout for change"): Participant 4: "ten weeks it helps to create
some sprouts, yes, but those sprouts must also be watered"; Participant 2: "it has put some sprouts
[..] under the skin"; "her case worker supported her in realizing it"; Discussion: "individual
context and difficulties in life circumstances seemed to have an inhibitory effect on the change
process".

Fires when a sprout became a realised change this week. Switched off: sprouts neither grow into
change nor wither.
"""

from __future__ import annotations

import numpy as np

from peersim.core.mechanisms import pathways
from peersim.core.mechanisms.registry import Mechanism
from peersim.core.perrun import column
from peersim.core.state import REAL, Context, State, Update, nudge

NAME = "sprouts"


def support(st: State, ctx: Context) -> np.ndarray:
    p = ctx.params
    in_group = st.present * pathways.support(st, ctx) if ctx.in_course else 0.0
    companion = np.where(st.companion_weeks_left > 0, column(p.companion_support, 2, REAL), REAL(0.0))
    return in_group + companion + p.case_worker_support


def wither_base(adversity: np.ndarray, p) -> np.ndarray:
    """The unsupported withering rate of each person (static, computed at set-up)."""
    return p.sprout_wither_rate * (1.0 + p.sprout_wither_adversity * adversity)


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    if not st.sprouts.any():
        return Update({}, fired=None)
    s = support(st, ctx)
    boost = 1.0 + p.sprout_support_gain * s
    r = np.minimum(p.sprout_realise_rate * boost, 1.0)
    w = np.minimum(st.wither_base / boost, 1.0)
    p_real = 1.0 - (1.0 - r) ** st.sprouts
    p_wither = (1.0 - p_real) * (1.0 - (1.0 - w) ** st.sprouts)
    u = ctx.streams.uniform("sprouts", ctx.week, ctx.members)
    realised = u < p_real
    withered = ~realised & (u < p_real + p_wither)
    changes = {"sprouts": st.sprouts - realised - withered}
    if realised.any():
        gain = p.realised_gain * realised
        changes.update(
            realised=st.realised + realised,
            self_efficacy=nudge(st.self_efficacy, up=gain),
            meaning=nudge(st.meaning, up=gain),
            hope=nudge(st.hope, up=gain),
        )
    return Update(changes, fired=realised)


SPEC = Mechanism(
    name=NAME,
    label="sprout of change realised",
    writes=("hope", "meaning", "realised", "self_efficacy", "sprouts"),
    phase="weekly",
    run=run,
    short="sprouts",
    switched_off="sprouts neither grow into change nor wither.",
    story=(("sprouts", "a sprout grew into a realised change"),),
    reasons=(("sprouts", "A sprout of change grew into a realised change."),),
)
