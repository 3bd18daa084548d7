"""Background: what happens every week to everyone, in both arms, group or no group.

Not a programme mechanism, so it cannot be switched off: it is the service-as-usual world.

    x <- x + regression_rate * (x_baseline - x) + natural_recovery * (1 - x)
         for hope, self-image, self-efficacy, meaning
    life event with probability life_event_rate * 2 * adversity: hope and self-efficacy lose
         life_event_hit of themselves
    ties to the group decay by tie_decay a week for those out of it (left, course over, control)

Evidence: natural recovery and regression toward the mean in control arms of peer-support trials
(e.g. the PEER trial's service-as-usual arm also improved: Poulsen et al. 2025); individual
context as a brake on change (Egmose et al. 2024, Discussion).
"""

from __future__ import annotations

from ..state import Context, State, Update, nudge
from .connectedness import summarise

NAME = "background"
DRIFTING = ("hope", "self_image", "self_efficacy", "meaning")


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    u = ctx.streams.uniform("life_event", ctx.week, ctx.members)
    event = u < p.life_event_rate * 2.0 * ctx.group.attrs["adversity"]
    changes: dict[str, object] = {}
    for name in DRIFTING:
        x = getattr(st, name)
        x = x + p.regression_rate * (st.baseline[name] - x) + p.natural_recovery * (1.0 - x)
        if name in ("hope", "self_efficacy"):
            x = nudge(x, down=p.life_event_hit * event)
        changes[name] = x
    # in the course only those who left are out of the group; after it (and in the control arm)
    # everyone is
    keep = 1.0 - p.tie_decay * (st.dropped if ctx.in_course else 1.0)
    ties = st.ties * keep[..., None] if ctx.in_course else st.ties * keep
    connectedness, loneliness = summarise(ties, st.bridging, st.baseline["loneliness"], p.loneliness_relief)
    changes.update(ties=ties, connectedness=connectedness, loneliness=loneliness)
    return Update(changes, fired=None)
