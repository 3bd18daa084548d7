"""Acting in own life: trying something new (ICAMO 4).

In a session with the action theme (intensity A), a present participant attempts a change with

    p_attempt = A * expit(attempt_intercept + attempt_efficacy * self_efficacy
                          + attempt_hope * hope + attempt_safety * safety
                          + attempt_wish * wish_for_change)

and succeeds with

    logit p_success = success_intercept + success_efficacy * self_efficacy
                      + success_support * connectedness - success_adversity * adversity

A success raises self-efficacy by mastery_gain and starts a sprout (a change process); a failure
met with non-judgemental feedback costs little: failure_cost * (1 - safety). The values theme
(ACT: values, then committed action) raises meaning by values_gain * intensity * safety.

Evidence (Egmose et al. 2024, "Sprout for change"): a participant went "to a grocery shop on her
own ... Succeeding in this gave her the courage to take new chances"; "Making changes worked as a
mechanism for trying something new, as well as the experience of success ... which in turn led to
courage to try more new things"; "trying something new in the safe and accepting atmosphere of
the group, made her feel less helpless and more capable"; Participant 8: "I'm not as helpless as
I always think I am"; Discussion: "getting non-judgmental feedback before and after the action
can give courage and desire to try again" (Bandura 1977, mastery); "the ability and consciousness
to identify life values and thereby valuable actions".

Fires for a participant who attempted a change. Switched off: no attempts, no sprouts from the
group, no values work.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from peersim.core.mechanisms.pathways import gate, support
from peersim.core.mechanisms.registry import Mechanism
from peersim.core.state import Context, State, Update, nudge

NAME = "acting"


def run(st: State, ctx: Context) -> Update:
    p, g = ctx.params, ctx.group
    action, values = ctx.theme("action"), ctx.theme("values")
    changes: dict[str, object] = {}
    attempted = np.zeros_like(st.present)
    receptive = gate(st, ctx)
    if values:
        changes["meaning"] = nudge(st.meaning, up=p.values_gain * values * receptive * st.present)
    if action:
        u_try = ctx.streams.uniform("attempt", ctx.week, ctx.members)
        u_ok = ctx.streams.uniform("success", ctx.week, ctx.members)
        p_attempt = action * expit(
            p.attempt_intercept
            + p.attempt_efficacy * st.self_efficacy
            + p.attempt_hope * st.hope
            + p.attempt_safety * receptive
            + p.attempt_wish * g.attrs["wish_for_change"]
        )
        p_success = expit(
            p.success_intercept
            + p.success_efficacy * st.self_efficacy
            + p.success_support * support(st, ctx)
            - p.success_adversity * g.attrs["adversity"]
        )
        attempted = st.present & (u_try < p_attempt)
        succeeded = attempted & (u_ok < p_success)
        failed = attempted & ~succeeded
        changes["self_efficacy"] = nudge(
            st.self_efficacy,
            up=p.mastery_gain * succeeded,
            down=p.failure_cost * (1.0 - receptive) * failed,
        )
        changes["sprouts"] = st.sprouts + succeeded
        changes["attempted"] = attempted
        changes["succeeded"] = succeeded
    return Update(changes, fired=attempted)


SPEC = Mechanism(
    name=NAME,
    label="acting in own life",
    writes=("attempted", "meaning", "self_efficacy", "sprouts", "succeeded"),
    phase="session",
    run=run,
    short="acting",
    switched_off="no attempts, no sprouts from the group, no values work.",
)
