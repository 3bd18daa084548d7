"""The browser app (Mesa SolaraViz): watch a PEER group week by week.

    peersim viz            # or: solara run peersim/viz/app.py

Context controls (setting, facilitator role and skill, group size, COVID-19, composition), step
and play through the weeks, the group as a circle coloured by a chosen state (those who left
greyed out), the mechanisms that fired this week for whom, and a chosen member's story so far.
Changing a control and pressing Reset replays the same seed and group number: the same people
with the same draws, in the new context.
"""

from __future__ import annotations

from html import escape

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from peersim.model import PeerGroupModel
from peersim.params import FACILITATOR_ROLES, SETTINGS
from peersim.viz.teaching import COLOUR_BY, draw_group

colour_by = solara.reactive("hope")
chosen_member = solara.reactive(0)

model_params = {
    "rng": {"type": "SliderInt", "value": 7, "min": 0, "max": 999, "step": 1, "label": "seed"},
    "run": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "group number (run)"},
    "setting": {"type": "Select", "value": "civil_society", "values": list(SETTINGS), "label": "setting"},
    "facilitator_role": {
        "type": "Select",
        "value": "volunteer",
        "values": list(FACILITATOR_ROLES),
        "label": "facilitators",
    },
    "facilitator_skill": {
        "type": "SliderFloat",
        "value": 0.7,
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "label": "facilitator skill",
    },
    "group_size": {"type": "SliderInt", "value": 8, "min": 3, "max": 16, "step": 1, "label": "group size"},
    "covid_restrictions": {"type": "Checkbox", "value": False, "label": "COVID-19 restrictions"},
    "age_sd": {
        "type": "SliderFloat",
        "value": 10.0,
        "min": 0.0,
        "max": 25.0,
        "step": 1.0,
        "label": "spread of age",
    },
    "employed_share": {
        "type": "SliderFloat",
        "value": 0.15,
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "label": "share in work",
    },
}


@solara.component
def GroupCircle(model: PeerGroupModel):
    update_counter.get()
    solara.Select("colour participants by", values=list(COLOUR_BY), value=colour_by)
    fig = Figure(figsize=(3.6, 3.6), dpi=90)
    ax = fig.subplots()
    draw_group(ax, model.kernel, model.week, colour_by.value)
    fig.text(
        0.5,
        0.01,
        "ties: thicker = stronger; hollow: absent; grey: left; squares: facilitators",
        ha="center",
        fontsize=7,
    )
    solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


@solara.component
def MechanismsPanel(model: PeerGroupModel):
    update_counter.get()
    week, p = model.week, model.params
    if week == 0:
        solara.HTML(
            tag="div", unsafe_innerHTML="<b>Before the first session.</b> Press <i>Step</i> to run session 1."
        )
        return
    label = (
        f"session {week}: {model.kernel.plan[week - 1].title}"
        if week <= p.n_sessions
        else f"follow-up week {week}"
    )
    rows = ["<tr><th>participant</th><th>present</th><th>shared</th><th>mechanisms that fired</th></tr>"]
    for agent in model.participants:
        fired = [c.replace("_", " ") for c in agent.fired if c != "attendance"]
        status = "left" if agent.dropped_out and not agent.present else ("yes" if agent.present else "no")
        cells = (agent.index, status, "yes" if agent.shared else "", ", ".join(fired) or "-")
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>This week ({escape(label)})</b><table>{''.join(rows)}</table>",
    )


@solara.component
def Narrative(model: PeerGroupModel):
    update_counter.get()
    n = model.params.group_size
    if chosen_member.value >= n:
        chosen_member.set(0)
    solara.SliderInt("whose story", value=chosen_member, min=0, max=n - 1)
    text = model.participants[chosen_member.value].explain()
    # plain HTML, not Markdown: Markdown would load KaTeX, which the offline assets do not carry
    solara.HTML(tag="div", unsafe_innerHTML="".join(f"<p>{escape(line)}</p>" for line in text.splitlines()))


page = SolaraViz(
    PeerGroupModel(rng=7),
    components=[
        (GroupCircle, 0),
        (MechanismsPanel, 0),
        (Narrative, 0),
        make_plot_component(["mean_safety", "mean_connectedness", "mean_hope", "mean_self_image"]),
    ],
    model_params=model_params,
    name="peersim: a PEER group, week by week",
    play_interval=700,
)
