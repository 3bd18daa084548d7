"""Background: what happens every week to everyone, in both arms, group or no group.

Not a programme mechanism, so it cannot be switched off: it is the service-as-usual world.

    x <- x + regression_rate * (x_baseline - x) + natural_recovery * (1 - x)
         for hope, self-image, self-efficacy, meaning
    life event with probability life_event_rate * life_event_adversity * adversity: hope and
         self-efficacy lose life_event_hit of themselves
    connectedness fades by tie_decay a week for those out of the group (left, course over,
    control arm), and loneliness follows it

Evidence: natural recovery and regression toward the mean in control arms of peer-support trials
(e.g. the PEER trial's service-as-usual arm also improved: Poulsen et al. 2025); individual
context as a brake on change (Egmose et al. 2024, Discussion).
"""

from __future__ import annotations

import numpy as np

from peersim.core.mechanisms.connectedness import loneliness_from
from peersim.core.perrun import column
from peersim.core.state import REAL, Context, State, Update

NAME = "background"
DRIFTING = ("hope", "self_image", "self_efficacy", "meaning")


def drift_targets(baseline: dict[str, np.ndarray], p) -> dict[str, np.ndarray]:
    """The constant part of the weekly drift, a * baseline + c (computed once, at set-up)."""
    return {name: p.regression_rate * baseline[name] + p.natural_recovery for name in DRIFTING}


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    u = ctx.streams.uniform("life_event", ctx.week, ctx.members)
    event = u < p.life_event_rate * p.life_event_adversity * ctx.group.attrs["adversity"]
    changes: dict[str, object] = {}
    # x + a (b - x) + c (1 - x) = x (1 - a - c) + (a b + c): one multiply and one add a week
    keep = 1.0 - p.regression_rate - p.natural_recovery
    hit = 1.0 - p.life_event_hit * event if event.any() else None
    for name in DRIFTING:
        x = getattr(st, name) * keep + st.drift_target[name]
        if hit is not None and name in ("hope", "self_efficacy"):
            x = x * hit
        changes[name] = x
    # In the course only those who left are out of the group; after it (and in the control arm)
    # everyone is. Out of the group all of a person's ties fade alike, so connectedness (their
    # mean) fades by the same factor; the tie matrix itself is kept as the group last left it.
    out_of_group = st.dropped if ctx.in_course else np.ones_like(st.dropped)
    keep = np.where(out_of_group, column(1.0 - p.tie_decay, 2, REAL), REAL(1.0))
    connectedness = st.connectedness * keep
    changes.update(
        connectedness=connectedness,
        loneliness=loneliness_from(connectedness, st.bridging, st.baseline["loneliness"], p),
    )
    return Update(changes, fired=None)
