"""Attendance: who is in the room this week.

ICAMO: actor's individual context. Present unless dropped out; occasional absence (illness, life)
is more likely with high adversity, and under COVID-19 restrictions. Absent members neither share
nor listen.

Evidence: none direct; both extra-absence terms are assumptions. The seed speaks of adversity only
as a brake on change (Egmose et al. 2024, Discussion: "This might explain that individual context
and difficulties in life circumstances seemed to have an inhibitory effect on the change process
for some of the interviewed participants"); that it also keeps people from sessions, and what it
consists of, are the model's assumptions (absence_adversity), as is extra absence under COVID-19
restrictions (absence_covid). Switched off: everyone still in the group attends every session.

    p_absent = absence_base + absence_adversity * adversity + absence_covid * covid
"""

from __future__ import annotations

from peersim.core.mechanisms.registry import Mechanism
from peersim.core.state import Context, State, Update

NAME = "attendance"


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    u = ctx.streams.uniform("attendance", ctx.week, ctx.members)
    adversity = ctx.group.attrs["adversity"]
    p_absent = p.absence_base + p.absence_adversity * adversity + p.absence_covid * p.covid_restrictions
    present = ~st.dropped & (u >= p_absent)
    return Update({"present": present, "sessions_attended": st.sessions_attended + present}, fired=present)


def off(st: State, ctx: Context) -> Update:
    present = ~st.dropped
    return Update({"present": present, "sessions_attended": st.sessions_attended + present})


SPEC = Mechanism(
    name=NAME,
    writes=("present", "sessions_attended"),
    phase="session",
    run=run,
    off=off,
    short="attend",
    switched_off="everyone still in the group attends every session.",
)
