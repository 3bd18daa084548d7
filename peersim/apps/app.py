"""The browser app: watch a PEER group week by week, and the same people in another context.

    peersim viz            # or: solara run peersim/apps/app.py --no-check-version

A Solara page around the Mesa model (``PeerGroupModel``, one group, ``step()`` = one week):

- context controls (setting, facilitators and their skill, group size, COVID-19, composition),
  each showing its value, all usable from the keyboard (Tab to a control; arrow keys move a
  slider; Enter or Space presses a button);
- the people: drawn from the seed, or a population file (docs/examples), with buttons that choose
  the outsider (the most different from the group) or an insider;
- the weeks: previous and next week (also the keys P and N, or the arrows), go to week, end of
  the course (session 10), play (which pauses at the end of the course), the follow-up to its
  end; going back replays the same group;
- the group as a circle (inline SVG, peersim.report.svg) coloured by a chosen state, the chosen
  member ringed, with its legend; the mechanisms that fired this week for whom;
- for the chosen member: "why did this happen?" (``peersim.report.narrative.why``: this week's events
  with the reasons the mechanisms use), their own week-by-week chart and their story so far;
- a side-by-side mode: two values of one control, the same people (same seed and group number,
  so the same draws), stepped together, with where the two stories part, both panels labelled;
- a presentation mode (a button in the app bar): the sidebar shut, the weeks' buttons above the
  pictures, no text drawn below 16 pt;
- every panel (circle, why, legend, chart, this week's table, story, glossary) a named region
  that Tab reaches.

Changing a control starts the group again at week 0 with the same people. Everything is served
locally (Solara's own assets, no CDN); start it with ``--no-check-version`` (as ``peersim viz``
does) so Solara does not look up its newest version online.

Why not Mesa's ``SolaraViz`` shell: in Mesa 3.5 it always adds a "Page 0" tab, lays components
in a draggable grid that cuts figures off, labels time "Step"/"Time" and shows developer controls
(play interval, render interval, threads); none of that can be configured away. The model itself
is a plain Mesa model, so ``SolaraViz(PeerGroupModel(rng=7), components=[...])`` and Mesa's network
drawing (``model.grid`` is a ``mesa.discrete_space.Network``) still work for Mesa users.
"""

from __future__ import annotations

import time
import warnings
from html import escape
from pathlib import Path

import numpy as np
import solara
import solara.server.settings

from peersim.core.mechanisms import registry
from peersim.core.params import FACILITATOR_ROLES, SETTINGS, default, valid_range
from peersim.mesa.model import PeerGroupModel
from peersim.report.narrative import compare, session_title, why
from peersim.report.svg import circle_svg, person_svg
from peersim.report.teaching import COLOUR_BY, palette
from peersim.report.words import GLOSSARY


#: The controls: name -> (widget, label, default, options). Sliders take (min, max, step).
#: Defaults (and full ranges) are read from Params; the narrower slider ranges (group size, spread
#: of age) are the page's own choice.
def _control(name: str, label: str, step=None, low=None, high=None, values=None) -> dict:
    """A parameter's control: its default (and, for numbers, its valid range unless narrowed
    here) read from Params, so the app never repeats them."""
    value = default(name)
    if values is not None:
        return {"kind": "select", "label": label, "value": value, "values": list(values)}
    if isinstance(value, bool):
        return {"kind": "bool", "label": label, "value": value}
    valid = valid_range(name)
    kind = "int" if isinstance(value, int) else "float"
    bounds = {"min": valid[0] if low is None else low, "max": valid[1] if high is None else high}
    return {"kind": kind, "label": label, "value": value, **bounds, "step": step}


CONTROLS: dict[str, dict] = {
    "rng": {"kind": "int", "label": "seed", "value": 7, "min": 0, "max": 999, "step": 1},
    "run": {"kind": "int", "label": "group number (run)", "value": 0, "min": 0, "max": 99, "step": 1},
    "setting": _control("setting", "setting", values=SETTINGS),
    "facilitator_role": _control("facilitator_role", "facilitators", values=FACILITATOR_ROLES),
    "facilitator_skill": _control("facilitator_skill", "facilitator skill", step=0.05),
    "group_size": _control("group_size", "group size", step=1, low=3, high=16),
    "covid_restrictions": _control("covid_restrictions", "COVID-19 restrictions"),
    "group_rules": _control("group_rules", "group rules agreed"),
    "age_sd": _control("age_sd", "spread of age (years)", step=1.0, low=0.0, high=25.0),
    # a step the default lies on (0.175): a slider snaps its value to its steps, which would change
    # the default and restart the group as soon as the page opens
    "employed_share": _control("employed_share", "share in work", step=0.025),
}
#: What side-by-side mode may vary: not the seed, run or group size (those change the people).
COMPARABLE = [
    "facilitator_role",
    "facilitator_skill",
    "setting",
    "covid_restrictions",
    "group_rules",
    "age_sd",
    "employed_share",
]
STATE_LABELS = {
    name: name.replace("_", "-") if name == "self_image" else name.replace("_", " ") for name in COLOUR_BY
}
CHART = {"safety": "safety", "connectedness": "connectedness", "hope": "hope", "self_image": "self-image"}
PLAY_SECONDS = 0.7
#: The people of the group: drawn from the seed, or a population file (the examples of docs/teaching.md
#: when the app runs from a checkout).
RANDOM_PEOPLE = "drawn from the seed and group number"
EXAMPLES = {
    f"{path.stem.replace('_', ' ')} (docs/examples/{path.name})": path
    for path in sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("*.csv"))
}

# offline and quiet: no "runs on Solara" banner over the page, no usage reports
solara.server.settings.theme.show_banner = False
solara.server.settings.telemetry.mixpanel_enable = False
# A class on a room's network reaches the app over plain http at the teacher's address; Solara then
# falls back to samesite=lax session cookies (right for a page not embedded in another site) and says
# so, at length, for every page opened: the terminal filled with it (issue 20)
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)

settings = solara.reactive({name: spec["value"] for name, spec in CONTROLS.items()})
comparing = solara.reactive(False)
compare_name = solara.reactive("facilitator_role")
compare_value = solara.reactive("paid")
colour_by = solara.reactive("hope")
chosen_member = solara.reactive(0)
weeks_shown = solara.reactive(0)  # bumped after every step: what the page shows depends on it
playing = solara.reactive(False)
people = solara.reactive(RANDOM_PEOPLE)
go_target = solara.reactive(0)  # the week a rebuilt group is stepped to (previous week, go to week)
presenting = solara.reactive(False)


def value_text(name: str, value) -> str:
    spec = CONTROLS[name]
    if spec["kind"] == "bool":
        return "yes" if value else "no"
    if spec["kind"] == "float":
        return f"{round(value, 3):g}" if spec["step"] < 1 else f"{value:.0f}"
    return human(value)


def human(value) -> str:
    """A value as a teacher would say it: ``mental_health_service`` -> ``mental health service``."""
    return str(value).replace("_", " ")


def other_value(name: str, value):
    """A sensible value B for a control whose value A is ``value``."""
    spec = CONTROLS[name]
    if spec["kind"] == "bool":
        return not value
    if spec["kind"] == "select":
        return next(v for v in spec["values"] if v != value)
    span = spec["max"] - spec["min"]
    return spec["max"] if value - spec["min"] < span / 2 else spec["min"]


def population_of(choice: str):
    """The people of a population file, or None for people drawn from the seed."""
    if choice not in EXAMPLES:
        return None
    import pandas as pd

    return pd.read_csv(EXAMPLES[choice])


def make_model(values: dict, population=None, week: int = 0) -> PeerGroupModel:
    """The group of ``values`` (with ``population``'s people), stepped to ``week``: the model cannot
    step back, so going back rebuilds it and replays the same draws (a step is about a millisecond)."""
    model = PeerGroupModel(**values, population=population)
    while model.week < week and model.running:
        model.step()
    return model


def most_different(model: PeerGroupModel, alike: bool = False) -> int:
    """The participant whose mean difference from the others is largest (the outsider), or smallest."""
    g = model.kernel.group
    mean = g.difference[0, :, : g.n].sum(axis=1) / max(g.n - 1, 1)
    return int(np.argmin(mean) if alike else np.argmax(mean))


# --- pictures --------------------------------------------------------------------------------------
# inline SVG (peersim.report.svg): a picture costs about a millisecond to write, where a matplotlib
# PNG cost 0.2-0.3 s, which is what a step cost with a class's browsers open on two cores


def circle_html(
    model: PeerGroupModel, state: str, member: int | None = None, title: str = "", max_width: int = 720
) -> str:
    present = int(model.kernel.state.present.sum())
    ringed = f", participant {member} ringed in red" if member is not None else ""
    alt = (
        f"The group in week {model.week}: {model.params.group_size} participants on a circle coloured by"
        f" {STATE_LABELS[state]}, {present} present, ties drawn as lines{ringed}"
    )
    circle = circle_svg(model.kernel, model.week, state, member, alt, max_width)
    return _region(f"{title}the group circle", circle)


def legend_html(state: str) -> str:
    colours = palette(state, default("safe_threshold"))
    # every colour at its place, so the jump at "safe from 0.5" shows as a jump
    stops = ", ".join(f"{c} {100 * i / (len(colours) - 1):g}%" for i, c in enumerate(colours))
    mid = colours[60]
    rows = [
        (f"background:{mid};border:1px solid black", "present this week"),
        (f"background:white;border:2px solid {mid}", "absent this week (hollow)"),
        ("background:#bbbbbb;border:1px dashed #555", "has left the group (grey, ties gone)"),
        ("background:none;border:3px solid #d62728", "the chosen participant (red ring)"),
        ("border-radius:0;background:white;border:3px solid black", "facilitator (square)"),
        (
            "border-radius:0;height:0;width:22px;border-top:3px solid #1f3b5c",
            "tie: thicker and darker = stronger",
        ),
    ]
    keys = "".join(f"<div><span class='key' style='{style}'></span>{text}</div>" for style, text in rows)
    return (
        "<div class='legend' role='note' tabindex='0' aria-label='legend of the group circle'>"
        f"<div><b>Colour: {escape(STATE_LABELS[state])}</b></div>"
        f"<div class='scale' style='background:linear-gradient(to right, {stops})'></div>"
        "<div class='ticks'><span>0 low</span>"
        + ("<span>0.5: safe from here</span>" if state == "safety" else "<span>0.5</span>")
        + "<span>1 high</span></div>"
        f"{keys}<div>Numbers: participants, as in the tables and stories</div></div>"
    )


def chart_html(model: PeerGroupModel, member: int, name: str = "", text: int = 18) -> str:
    """The chosen participant's own week-by-week chart (the group's means hide any one person)."""
    p = model.params
    span = p.n_sessions if model.week <= p.n_sessions else model.kernel.total_weeks
    alt = (
        f"{name + ': ' if name else ''}Participant {member}'s "
        + ", ".join(CHART.values())
        + f" (0 to 1) by week, weeks 0 to {model.week}"
    )
    title = f"{name + ': ' if name else ''}participant {member}, week by week"
    chart = person_svg(model.kernel, member, model.week, span, alt, title, text=text)
    return _region(f"{name + ': ' if name else ''}chart of participant {member}, week by week", chart)


def _region(name: str, html: str) -> str:
    """A panel Tab reaches and a screen reader names (keyboard reach to every panel)."""
    label = escape(name, quote=True)
    return f"<div class='panel' role='region' tabindex='0' aria-label='{label}'>{html}</div>"


# --- panels ----------------------------------------------------------------------------------------
def week_label(model: PeerGroupModel) -> str:
    week, p = model.week, model.params
    if week == 0:
        return "before the first session"
    if week <= p.n_sessions:
        return f"session {week}: {session_title(model.kernel, week)}"
    return f"follow-up week {week}"


def mechanisms_html(model: PeerGroupModel, member: int, title: str = "") -> str:
    if model.week == 0:
        return "<b>Before the first session.</b> Press <i>Next week</i> to run session 1."
    rows = ["<tr><th>participant</th><th>present</th><th>shared</th><th>mechanisms that fired</th></tr>"]
    for agent in model.participants:
        # "comparison" fires with its direction (up or down), which says more
        fired = [
            registry.labels().get(c, human(c)) for c in agent.fired if c not in ("attendance", "comparison")
        ]
        status = "left" if agent.dropped_out and not agent.present else ("yes" if agent.present else "no")
        cells = (agent.member, status, "yes" if agent.shared else "", ", ".join(fired) or "-")
        mark = ' style="background:#fff3c4"' if agent.member == member else ""
        rows.append(f"<tr{mark}>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    head = f"{title}This week ({week_label(model)})"
    table = f"<b>{escape(head)}</b><table class='mechanisms'>{''.join(rows)}</table>"
    return _region(f"{title}this week, every participant", table)


def why_html(model: PeerGroupModel, member: int, title: str = "") -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in why(model.kernel, member))
    head = f"Why did this happen? Participant {member}, {week_label(model)}"
    # a region Tab reaches, so a keyboard alone can get to it and a screen reader names it
    return (
        f"<div class='why' role='region' tabindex='0' aria-label='{escape(title + head, quote=True)}'>"
        f"<b>{escape(title + head)}</b><ul>{items}</ul></div>"
    )


def story_html(model: PeerGroupModel, member: int, title: str = "") -> str:
    text = model.participants[member].explain()
    # plain HTML, not Markdown: Markdown would load KaTeX, which the offline assets do not carry
    lines = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    name = escape(f"{title}story of participant {member}", quote=True)
    return f"<div class='story' role='region' tabindex='0' aria-label='{name}'>{lines}</div>"


def glossary_html() -> str:
    """The words that must stay in what students read, in plain words (peersim.report.words)."""
    rows = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in GLOSSARY.items())
    return f"<dl class='glossary' role='region' tabindex='0' aria-label='words used here'>{rows}</dl>"


CSS = """
.mechanisms td, .mechanisms th { padding: 1px 8px; text-align: left; font-size: 15px; }
.why li { margin-bottom: 3px; }
.why:focus-visible, .story:focus-visible, .glossary:focus-visible, .panel:focus-visible,
.legend:focus-visible { outline: 3px solid #1976d2; }
.glossary dt { font-weight: 600; }
.glossary dd { margin: 0 0 4px 1.2em; }
.caption { font-size: 14px; color: #444; }
.legend { font-size: 15px; }
.legend .scale { height: 12px; width: 210px; border: 1px solid #888; }
.legend .ticks { width: 210px; display: flex; justify-content: space-between; margin-bottom: 6px; }
.legend .key { display: inline-block; width: 13px; height: 13px; border-radius: 50%;
  vertical-align: middle; margin-right: 6px; }
button:focus-visible, .v-slider__thumb-container:focus-within .v-slider__thumb {
  outline: 3px solid #1976d2; outline-offset: 2px; }
"""
#: Presentation mode: no text below 16 pt (22 px; CSS has 96 px to 72 pt) on the page, Vuetify's
#: labels and buttons included (its floating labels shrink to 75%, so they are not shrunk here),
#: the sidebar closed so the circle and the chart fill the screen (tests/test_browser.py measures it).
PRESENTING_CSS = """
.v-application, .v-application * { font-size: 22px !important; line-height: 1.35; }
.v-application .v-label--active { transform: translateY(-28px) scale(1) !important; }
.v-application .v-input { margin-top: 10px; }
.v-application .v-btn { height: auto !important; min-height: 44px; text-transform: none; }
.v-application h3, .v-application .v-card__title { font-size: 28px !important; }
.v-application .v-toolbar__title { font-size: 26px !important; }
.legend .scale, .legend .ticks { width: 320px; }
.legend .key { width: 20px; height: 20px; }
"""


@solara.component_vue("keys.vue")
def Keys(event_next_week, event_previous_week):
    """Page-wide keys for the weeks (keys.vue): N or the right arrow, P or the left arrow."""


@solara.component
def Layout(children=[]):  # noqa: B006 (Solara's signature)
    """The page's frame: Solara's app layout, its sidebar closed in presentation mode (the menu
    button opens it), so the pictures take the screen."""
    return solara.AppLayout(children=children, sidebar_open=not presenting.value)


@solara.component
def Control(name: str, value, on_value, prefix: str = ""):
    spec = CONTROLS[name]
    label = f"{prefix}{spec['label']}: {value_text(name, value)}"
    if spec["kind"] == "select":
        shown = {human(v): v for v in spec["values"]}
        solara.Select(
            label=prefix + spec["label"],
            values=list(shown),
            value=human(value),
            on_value=lambda text: on_value(shown[text]),
        )
    elif spec["kind"] == "bool":
        solara.Checkbox(label=label, value=value, on_value=on_value)
    elif spec["kind"] == "int":
        solara.SliderInt(
            label=label, value=value, min=spec["min"], max=spec["max"], step=spec["step"], on_value=on_value
        )
    else:
        solara.SliderFloat(
            label=label, value=value, min=spec["min"], max=spec["max"], step=spec["step"], on_value=on_value
        )


def _restart_at_week_0() -> None:
    playing.set(False)
    go_target.set(0)


def set_control(name: str):
    def setter(value) -> None:
        _restart_at_week_0()
        settings.set({**settings.value, name: value})
        if comparing.value and name == compare_name.value and value == compare_value.value:
            compare_value.set(other_value(name, value))

    return setter


def choose_compared(name: str) -> None:
    go_target.set(0)
    compare_name.set(name)
    compare_value.set(other_value(name, settings.value[name]))


def choose_people(choice: str) -> None:
    _restart_at_week_0()
    chosen_member.set(0)
    people.set(choice)


def choose_outsider(alike: bool) -> None:
    """The most (or least) different person of the group the controls give, at week 0: who is
    alike does not change over the course."""
    model = make_model(settings.value, population_of(people.value))
    chosen_member.set(most_different(model, alike))


def play_until(week: int, end: int, total: int) -> int:
    """Where *Play* pauses when pressed in ``week``: at the end of the course (session ``end``)
    when pressed during it, else at the end of the follow-up (``total``)."""
    return end if week < end else total


@solara.component
def PeopleCard():
    population = solara.use_memo(lambda: population_of(people.value), dependencies=[people.value])
    with solara.Card("The people"):
        solara.Select(
            label="people in the group",
            values=[RANDOM_PEOPLE, *EXAMPLES],
            value=people.value,
            on_value=choose_people,
        )
        if population is not None:
            solara.Text(f"{len(population)} people from the file: it sets the group size.")
        with solara.Row():
            solara.Button("Choose the outsider", on_click=lambda: choose_outsider(False))
            solara.Button("Choose an insider", on_click=lambda: choose_outsider(True))


@solara.component
def ContextCard():
    values = settings.value
    with solara.Card("The group and its context"):
        solara.Text("Changing a control starts again at week 0 with the same people.")
        for name in CONTROLS:
            if name == "group_size" and people.value in EXAMPLES:
                continue  # the file's rows set it
            Control(name, values[name], set_control(name))


@solara.component
def SideBySideCard():
    with solara.Card("Side by side"):
        solara.Checkbox(
            label="compare two values of one control (the same people)",
            value=comparing.value,
            on_value=lambda on: (go_target.set(0), comparing.set(on)),
        )
        if comparing.value:
            labels = {CONTROLS[name]["label"]: name for name in COMPARABLE}
            solara.Select(
                label="control to compare",
                values=list(labels),
                value=CONTROLS[compare_name.value]["label"],
                on_value=lambda text: choose_compared(labels[text]),
            )
            Control(compare_name.value, compare_value.value, compare_value.set, prefix="B: ")


# Components whose arguments a step does not change, so a step skips them
@solara.component
def Choosers(member: int, n: int):
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select(
            label="colour participants by",
            values=list(COLOUR_BY),
            value=colour_by.value,
            on_value=colour_by.set,
        )
        solara.SliderInt(
            label=f"chosen participant: {member}", value=member, min=0, max=n - 1, on_value=chosen_member.set
        )


@solara.component
def Legend(state: str):
    solara.HTML(tag="div", unsafe_innerHTML=legend_html(state))


@solara.component
def Glossary():
    with solara.Card("Words used here"):
        solara.HTML(tag="div", unsafe_innerHTML=glossary_html())


@solara.component
def Page():
    solara.Title("peersim: a PEER group, week by week")
    solara.Style(CSS + (PRESENTING_CSS if presenting.value else ""))
    values = settings.value
    b_values = {**values, compare_name.value: compare_value.value} if comparing.value else None
    restarts, set_restarts = solara.use_state(0)
    key = (tuple(sorted(values.items())), tuple(sorted((b_values or {}).items())), people.value)
    population = solara.use_memo(lambda: population_of(people.value), dependencies=[people.value])
    models: list[PeerGroupModel] = solara.use_memo(
        lambda: (
            [make_model(values, population, go_target.value)]
            + ([make_model(b_values, population, go_target.value)] if b_values else [])
        ),
        dependencies=[key, restarts],
    )
    weeks_shown.get()  # re-render after every step

    def step() -> None:
        for model in models:
            model.step()
        weeks_shown.set(weeks_shown.value + 1)

    def go_to(week: int) -> None:
        """To ``week``: forward by stepping, back by replaying the same group from week 0."""
        playing.set(False)
        week = max(0, min(week, models[0].kernel.total_weeks))
        if week >= models[0].week:
            while models[0].week < week and models[0].running:
                for model in models:
                    model.step()
            weeks_shown.set(weeks_shown.value + 1)
        else:
            go_target.set(week)
            set_restarts(restarts + 1)

    def restart() -> None:
        go_to(0)

    def play_loop() -> None:
        # a course played from its start pauses at its end (session 10), not after the follow-up
        first = models[0]
        stop = play_until(first.week, first.params.n_sessions, first.kernel.total_weeks)
        while playing.value and first.running and first.week < stop:
            time.sleep(PLAY_SECONDS)
            if playing.value:
                step()
        playing.set(False)

    solara.lab.use_task(play_loop, dependencies=[playing.value, key], prefer_threaded=True)

    week_asked, set_week_asked = solara.use_state(0)
    # every hook on every render, in the same order (Solara's rules of hooks): this one is None
    # unless comparing
    member_now = min(chosen_member.value, models[0].params.group_size - 1)
    parting = solara.use_memo(
        lambda: (
            compare(models[0].params, models[1].params, values["rng"], values["run"], member_now, population)
            if len(models) > 1
            else None
        ),
        dependencies=[key, member_now, len(models)],
    )
    model = models[0]
    n = model.params.group_size
    end = model.params.n_sessions
    member = min(chosen_member.value, n - 1)
    big = presenting.value
    Keys(
        event_next_week=lambda *_: step() if model.running else None,
        event_previous_week=lambda *_: go_to(model.week - 1) if model.week > 0 else None,
    )

    def week_controls() -> None:
        """The weeks' buttons: in the sidebar, or in one row above the pictures in presentation mode."""
        solara.Text(
            f"Week {model.week} of {end}: {week_label(model)}"
            if model.week <= end
            else f"Week {model.week}: {week_label(model)} (the course ended at week {end})",
            style={"font-weight": "600"} if big else None,
        )
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center", "gap": "6px"}):
            solara.Button("Previous week", on_click=lambda: go_to(model.week - 1), disabled=model.week == 0)
            solara.Button("Next week", on_click=step, disabled=not model.running, color="primary")
            solara.Button(
                "Pause" if playing.value else "Play",
                on_click=lambda: playing.set(not playing.value),
                disabled=not model.running,
            )
            solara.Button("End of course", on_click=lambda: go_to(end), disabled=model.week == end)
            with solara.Row(style={"align-items": "center", "width": "auto"}):
                solara.InputInt(
                    "go to week", value=week_asked, on_value=set_week_asked, style={"max-width": "9em"}
                )
                solara.Button("Go", on_click=lambda: go_to(int(week_asked or 0)))
            solara.Button(
                "Run the follow-up to the end",
                on_click=lambda: go_to(model.kernel.total_weeks),
                disabled=not model.running,
            )
            solara.Button("Start again", on_click=restart)

    with solara.AppBar():
        solara.AppBarTitle("peersim: a PEER group, week by week")
        # in the bar, so it is at hand with the sidebar closed
        solara.Button(
            "Leave presentation mode" if big else "Presentation mode",
            on_click=lambda: presenting.set(not presenting.value),
            text=True,
            attributes={"aria-pressed": "true" if big else "false"},
        )
    with solara.Sidebar():
        if not big:
            with solara.Card("Run the course"):
                week_controls()
        # the cards below read their own reactive values and take no arguments, so a step (which
        # re-renders this page) skips them: re-rendering their dozen controls was most of a step's cost
        PeopleCard()
        ContextCard()
        SideBySideCard()
    names = ["A", "B"]
    if comparing.value:
        label = CONTROLS[compare_name.value]["label"]
        titles = [
            f"A: {label} {value_text(compare_name.value, values[compare_name.value])}",
            f"B: {label} {value_text(compare_name.value, compare_value.value)}",
        ]
    else:
        titles = [""]
    with solara.Column(style={"padding": "8px"}):
        if big:
            week_controls()
        Choosers(member, n)
        # the circles and the "why" first: what a class looks at, above the fold
        with solara.Columns([1] * len(models) + ([] if comparing.value else [1])):
            for m, title in zip(models, titles, strict=True):
                with solara.Column():
                    if title:
                        solara.HTML(tag="h3", unsafe_innerHTML=escape(title))
                    head = f"{title.split(':')[0]}: " if title else ""
                    circle = circle_html(m, colour_by.value, member, head, 680 if big else 720)
                    solara.HTML(tag="div", unsafe_innerHTML=circle)
                    if comparing.value:
                        solara.HTML(tag="div", unsafe_innerHTML=why_html(m, member, head))
            if not comparing.value:
                with solara.Column():
                    solara.HTML(tag="div", unsafe_innerHTML=why_html(model, member))
                    if big:  # beside the circle it explains
                        Legend(colour_by.value)
        if comparing.value or not big:
            Legend(colour_by.value)
        if parting is not None:
            summary = parting.split("\n\n", 1)[0].splitlines()
            solara.HTML(
                tag="div",
                unsafe_innerHTML=_region(
                    f"where the stories of participant {member} part",
                    f"<div class='parting'><b>Where the stories of participant {member} part</b>"
                    + "".join(f"<p>{escape(x)}</p>" for x in summary)
                    + "</div>",
                ),
            )
        # the chart beside this week's table, or (side by side) each group's chart above its table;
        # a chart is half the page wide either way, its labels sized for the mode
        chart_text = 28 if big else 18
        if comparing.value:
            with solara.Columns([1, 1]):
                for m, name in zip(models, names, strict=False):
                    with solara.Column():
                        solara.HTML(tag="div", unsafe_innerHTML=chart_html(m, member, name, chart_text))
                        solara.HTML(tag="div", unsafe_innerHTML=mechanisms_html(m, member, f"{name}: "))
        else:
            with solara.Columns([1, 1]):
                solara.HTML(tag="div", unsafe_innerHTML=chart_html(model, member, "", chart_text))
                solara.HTML(tag="div", unsafe_innerHTML=mechanisms_html(model, member))
        with solara.Columns([1] * len(models)):
            for m, title in zip(models, titles, strict=True):
                head = f"Participant {member}'s story so far" + (f" ({title})" if title else "")
                with solara.Card(head):
                    solara.HTML(
                        tag="div", unsafe_innerHTML=story_html(m, member, f"{title}: " if title else "")
                    )
        Glossary()
