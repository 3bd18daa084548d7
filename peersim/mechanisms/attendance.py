"""Attendance: who is in the room this week.

ICAMO: actor's individual context. Present unless dropped out; occasional absence (illness, life)
is more likely with high adversity, and under COVID-19 restrictions. Absent members neither share
nor listen.

Evidence: the seed's participants describe individual context ("finances, housing, substance use")
as what limited their engagement (Egmose et al. 2024, Discussion: "individual context and
difficulties in life circumstances seemed to have an inhibitory effect"). Switched off: everyone
still in the group attends every session.

    p_absent = absence_base + absence_adversity * adversity + absence_covid * covid
"""

from __future__ import annotations

from ..state import Context, State, Update

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
