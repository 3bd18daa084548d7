"""Safety: feeling safe in the room (ICAMO 1, the precondition of every other configuration).

Safety moves toward a target set by the intervention and context:

    target = safety_base
             + safety_skill_weight * (facilitator_skill - safety_skill_centre)
             + safety_rules_weight * [rules agreed]
             + safety_anonymity_weight * system_distrust * [anonymity, civil society]
             - safety_service_distrust * system_distrust * [inside mental health services]
             - safety_size_weight * (group_size - safety_size_reference) / safety_size_reference
             + safety_listening_weight * (share of the others who shared last session)
    safety <- safety + safety_rate * (clip(target, 0, 1) - safety)        (present members)

A mishandled moment -- someone in distress met with silence -- happens in a session with
probability mishandle_rate * (1 - skill) * (mishandle_distress_base + mean adversity of those
present), and then everyone present loses mishandle_drop of their safety.

Evidence (Egmose et al. 2024, "Creating a safe space to connect with others"): "Several aspects
mattered for whether participants felt safe or unsafe e.g., the size of the group"; group rules
"such as everyone getting speaking time ... created a safe space"; "Participation in the group was
anonymous and confidential"; "Listening to others sharing experiences increased the feeling of a
safe space"; Participant 1: "not being able to create a safe space. Because when there are people,
who are having a hard time, when there is just complete silence". The seed gives no direction for
group size: "larger is less safe" (safety_size_weight > 0) is the model's assumption, and its prior
allows the other direction. Anonymity weighted by system distrust is an assumption too: the seed's
Discussion says only that the groups ran "in-dependent of the mental health service- and social
systems, where most of the participants had previous experiences"; that these experiences were bad,
and that anonymity matters most to those for whom they were, is the model's reading. Every effect
of a service setting (safety_service_distrust) is an assumption: no such group was studied, and
"the influence of context were not adequately unfolded in this study" (Strengths and limitations).

Fires for a present participant who feels safe (safety >= safe_threshold) after the update.
Switched off: safety stays where it was on arrival.
"""

from __future__ import annotations

import numpy as np

from peersim.core.mechanisms.registry import Mechanism
from peersim.core.state import Context, State, Update

NAME = "safety"


def target(st: State, ctx: Context) -> np.ndarray:
    p = ctx.params
    distrust = ctx.group.attrs["system_distrust"]
    civil = p.setting == "civil_society"
    service = p.setting != "civil_society"
    value = (
        p.safety_base
        + p.safety_skill_weight * (p.facilitator_skill - p.safety_skill_centre)
        + p.safety_rules_weight * st.rules
        + p.safety_anonymity_weight * distrust * (p.anonymity & civil)
        - p.safety_service_distrust * distrust * service
        - p.safety_size_weight * (p.group_size - p.safety_size_reference) / p.safety_size_reference
        + p.safety_listening_weight * st.others_shared
    )
    return np.clip(value, 0.0, 1.0)


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    present = st.present
    safety = np.where(present, st.safety + p.safety_rate * (target(st, ctx) - st.safety), st.safety)
    n_present = present.sum(axis=1)
    adversity_present = (ctx.group.attrs["adversity"] * present).sum(axis=1) / np.maximum(n_present, 1)
    distress = p.mishandle_distress_base + adversity_present
    p_mishandle = p.mishandle_rate * (1.0 - p.facilitator_skill) * distress
    mishandled = (ctx.streams.group("mishandle", ctx.week) < p_mishandle) & (n_present > 0)
    hit = mishandled[:, None] & present
    safety = np.where(hit, safety * (1.0 - p.mishandle_drop), safety)
    return Update(
        {"safety": safety, "mishandled": mishandled},
        fired=present & (safety >= p.safe_threshold),
    )


SPEC = Mechanism(
    name=NAME,
    label="safety",
    writes=("mishandled", "safety"),
    phase="session",
    run=run,
    short="safety",
    switched_off="safety stays where it was on arrival.",
)
