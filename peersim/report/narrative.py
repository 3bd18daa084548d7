"""Plain-language stories of one participant's course, built from the kernel's weekly trace.

Every sentence comes from the trace: who was present, who shared, which mechanisms fired (the
activation records), the person's states and attributes. The "why" clauses name the drivers the
mechanisms use (safety, vulnerability, ties, difference from the group), so a student can follow
the model's own reasoning, and ``compare`` replays the same group with the same draws in another
context and says where the two stories part.
"""

from __future__ import annotations

import numpy as np

from peersim.core.kernel import Kernel
from peersim.core.mechanisms import registry
from peersim.core.params import Params
from peersim.report.words import scenario_words, what_it_changes

_HOPE_SOURCES = {
    "role_models": "from the facilitators' recovery stories",
    "dreams": "from the dreams exercise",
}


def _n(n, noun: str) -> str:
    n = int(n)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _at(record: dict, name: str, row: int, member: int):
    return record[name][row, member]


def describe_person(kernel: Kernel, row: int, member: int) -> str:
    g = kernel.group
    a = {name: values[row, member] for name, values in g.attrs.items()}
    work = "in work" if a["employed"] else "not in work"
    home = "living alone" if a["lives_alone"] else "not living alone"
    traits = []
    if a["sharing_vulnerability"] >= 0.5:
        traits.append("has been hurt by being exposed before")
    if a["adversity"] >= 0.5:
        traits.append("carries heavy adversity (money, housing or substances)")
    if a["system_distrust"] >= 0.5:
        traits.append("distrusts services after earlier experiences")
    extra = f"; {', '.join(traits)}" if traits else ""
    return f"Participant {member}: {a['age']:.0f} years old, {work}, {home}{extra}."


def describe_context(kernel: Kernel, row: int, member: int) -> str:
    p, g = kernel.params, kernel.group
    ages = g.attrs["age"][row]
    working = int(g.attrs["employed"][row].sum())
    place = "a civil-society NGO" if p.setting == "civil_society" else "mental health services"
    fac = "volunteer peers" if p.facilitator_role == "volunteer" else "paid peer workers"
    text = (
        f"Context: {p.group_size} participants in {place}, led by {p.n_facilitators} {fac} (facilitator"
        f" skill {p.facilitator_skill:g} on a 0 to 1 scale)"
        + (", under COVID-19 restrictions" if p.covid_restrictions else "")
        + f". Ages {ages.min():.0f} to {ages.max():.0f}; {working} of {p.group_size} in work."
    )
    if p.control_arm:
        text = "Context: service as usual (control arm): no group."
    difference = g.difference[row, member, : g.n].sum() / max(g.n - 1, 1)
    others = g.difference[row, :, : g.n].sum(axis=1) / max(g.n - 1, 1)
    if not p.control_arm and difference >= others.max() - 1e-6:
        text += f" {_outsider(kernel, row, member)}"
    return text


def _outsider(kernel: Kernel, row: int, member: int) -> str:
    g = kernel.group
    age, work = g.attrs["age"][row], g.attrs["employed"][row]
    mask = np.arange(g.n) != member
    parts = []
    if abs(age[member] - age[mask].mean()) >= 12:
        parts.append("age")
    if work[member] != (work[mask].mean() >= 0.5):
        parts.append("work")
    how = f" in {' and '.join(parts)}" if parts else ""
    return f"This participant is the most different from the group{how}."


def session_title(kernel: Kernel, week: int) -> str:
    """The session's theme; "(assumed)" in the plan, where the protocol does not name the theme,
    told in words a student reads without a glossary."""
    return kernel.plan[week - 1].title.replace(" (assumed)", ", a theme the model assumes")


def _week_line(kernel: Kernel, record: dict, row: int, member: int, seen: dict) -> str:
    p = kernel.params
    week = record["week"]
    title = session_title(kernel, week)
    if not _at(record, "present", row, member):
        return f"Session {week} ({title}): absent."
    parts = []
    safety = float(_at(record, "safety", row, member))
    if record["mishandled"][row, member]:
        # a mishandled moment lowers safety, but not always below "safe": the heatmap then shows
        # safety as fired that week, and the story must not say "unsafe"
        moment = "a silence when someone was having a hard time was not handled well (a moment mishandled)"
        first_safe = f"{moment}; it shook their safety, yet they felt safe in the group for the first time"
        if safety >= p.safe_threshold and seen.get("safe"):
            parts.append(f"{moment}; it shook their safety, but they still felt safe")
        elif safety >= p.safe_threshold:
            parts.append(first_safe)
            seen["safe"] = True
        else:
            parts.append(f"{moment}, and they felt unsafe")
    elif safety >= p.safe_threshold and not seen.get("safe"):
        parts.append("felt safe in the group for the first time")
        seen["safe"] = True
    elif safety < p.safe_threshold:
        parts.append("did not yet feel safe")
    a = kernel.group.attrs
    if _at(record, "shared", row, member):
        parts.append("shared their own experience")
    elif a["sharing_vulnerability"][row, member] >= 0.5:
        parts.append("did not share (being exposed has hurt before)")
    elif safety < p.safe_threshold:
        parts.append("did not share (not safe enough yet)")
    else:
        parts.append("chose not to share this time")
    tie = float(_at(record, "closest_tie", row, member))
    if tie >= 0.3 and not seen.get("tie"):
        parts.append("formed a close tie")
        seen["tie"] = True
    elif week >= 2 and tie < 0.2:
        parts.append("formed no close tie")
    for spec in registry.mechanisms():  # what fired, in schedule order, in each mechanism's words
        if spec.name in _TOLD_FROM_STATE:
            parts += _TOLD_FROM_STATE[spec.name](kernel, record, row, member)
        else:
            parts += _fired(kernel, record, row, member, spec.story)
    text = f"Session {week} ({title}): " + "; ".join(parts)
    if _at(record, "mech_dropout", row, member):
        text += f"; left the group after this session ({_why_left(kernel, record, row, member)})"
    return text + "."


def _fired(kernel: Kernel, record: dict, row: int, member: int, told) -> list[str]:
    """The phrases of ``told`` ((channel, phrase) pairs of a mechanism) whose channel fired."""
    week = record["week"]
    return [
        phrase.replace("{hope_source}", _hope_source(kernel, week))
        for channel, phrase in told
        if _at(record, f"mech_{channel}", row, member)
    ]


def _life_story(kernel: Kernel, record: dict, row: int, member: int) -> list[str]:
    """Self-image: in the life-story session, how telling it went; otherwise its own phrase."""
    week = record["week"]
    retold = _at(record, "mech_self_image", row, member)
    if kernel.plan[week - 1].intensity("life_story") > 0 and _at(record, "shared", row, member):
        return [
            "told their life story; it came out as illness and limits, and with the group they"
            " retold it around their resources"
            if retold
            else "told their life story; it came out as illness and limits, and it hurt"
        ]
    return _fired(kernel, record, row, member, registry.get("self_image").story)


def _attempt(kernel: Kernel, record: dict, row: int, member: int) -> list[str]:
    """Acting in own life: whether the attempt worked."""
    if not _at(record, "attempted", row, member):
        return []
    if _at(record, "succeeded", row, member):
        return ["tried something new and it worked (a sprout of change)"]
    return ["tried something new; it did not work out this time"]


#: Mechanisms whose story depends on more than whether they fired (the session, the outcome);
#: leaving is told at the end of the week's line, with its reasons.
_TOLD_FROM_STATE = {"self_image": _life_story, "acting": _attempt, "dropout": lambda *_: []}


def _reasons(spec) -> tuple[tuple[str, str], ...]:
    """A mechanism's why-panel lines: its own, else its story's phrases as sentences."""
    return spec.reasons or tuple((c, p[0].upper() + p[1:] + ".") for c, p in spec.story)


def why(kernel: Kernel, member: int, week: int | None = None, row: int = 0) -> list[str]:
    """What happened to ``member`` in ``week`` (default: the latest recorded) and why, one line
    each, from the same records and reasons as the story: the browser app's "why did this happen?"
    panel. Needs a kernel built with ``record_sessions=True`` (the Mesa model's is)."""
    if not kernel.history or "closest_tie" not in kernel.history[0]:
        raise ValueError("this kernel keeps no weekly record; build it with record_sessions=True")
    if not 0 <= member < kernel.group.n:
        raise ValueError(f"member = {member} is not in the group (0 to {kernel.group.n - 1})")
    p, a = kernel.params, kernel.group.attrs
    record = kernel.history[-1 if week is None else week]
    week = record["week"]
    if week == 0:
        return ["Nothing yet: the course has not begun. Press Next week to run session 1."]
    if p.control_arm:
        return ["Service as usual (control arm): no group, so only background drift and life events act."]
    if week > p.n_sessions:
        return [
            f"Follow-up week {week}: the group has ended; sprouts of change grow into realised"
            " changes or wither, and companionship continues where it was taken up."
        ]
    if bool(kernel.history[week - 1]["dropped"][row, member]):
        return [
            "Has left the group: no longer attends, shares or listens (the model still follows them,"
            " as a trial follows everyone who started)."
        ]
    if not _at(record, "present", row, member):
        return [
            f"Absent from session {week}: absence is more likely with heavy adversity (this person's"
            f" adversity {a['adversity'][row, member]:.2f} on a 0 to 1 scale)"
            + (" and under COVID-19 restrictions." if p.covid_restrictions else ".")
        ]
    lines = []
    safety = float(_at(record, "safety", row, member))
    threshold = p.safe_threshold
    if record["mishandled"][row, member]:
        lines.append(
            "A silence when someone was having a hard time was not handled well, which lowered their"
            " safety (more likely with less skilled facilitators; this group's facilitator skill"
            f" {p.facilitator_skill:g} on a 0 to 1 scale)."
        )
    felt = "feels safe" if safety >= threshold else "does not yet feel safe"
    size = p.safety_size_weight
    direction = "lowers" if size > 0 else "raises" if size < 0 else "does not change"
    lines.append(
        f"Safety {safety:.2f}: {felt} (safe from {threshold:g}); rules, skilled facilitators"
        f" and hearing others share raise it; in this model a larger group {direction} it (an"
        " assumption: the study says the size of the group mattered, not which way)."
    )
    vulnerability = float(a["sharing_vulnerability"][row, member])
    if _at(record, "shared", row, member):
        lines.append(
            "Shared their own experience: sharing is likelier the safer and more connected one feels and"
            " when the facilitators share, and less likely the more being exposed has hurt before"
            f" (vulnerability {vulnerability:.2f} on a 0 to 1 scale)."
        )
    elif vulnerability >= 0.5:
        lines.append(
            "Did not share: being exposed has hurt before"
            f" (vulnerability {vulnerability:.2f} on a 0 to 1 scale)."
        )
    elif safety < threshold:
        lines.append("Did not share: not safe enough yet.")
    else:
        lines.append("Did not share this time: feeling safe makes sharing likelier, not certain.")
    tie = float(_at(record, "closest_tie", row, member))
    lines.append(
        f"Closest tie {tie:.2f}: a tie grows when one hears another share (or is heard), the more so the"
        " safer one feels and the more alike the two feel."
    )
    for spec in registry.mechanisms():  # acting and leaving are told below, with their outcome
        if spec.name not in ("acting", "dropout"):
            lines += _fired(kernel, record, row, member, _reasons(spec))
    if _at(record, "attempted", row, member):
        lines.append(
            "Tried something new in their own life"
            + (
                " and it worked (a sprout of change)."
                if _at(record, "succeeded", row, member)
                else "; it did not work out this time."
            )
        )
    if _at(record, "mech_dropout", row, member):
        lines.append(f"Left the group after this session: {_why_left(kernel, record, row, member)}.")
    # what this context changes in the model, so a "why" under paid facilitators does not read as
    # chance alone (issue 20): named, with whether it is an assumption
    lines += [f"In this context: {line}" for line in what_it_changes(p)]
    return lines


def _hope_source(kernel: Kernel, week: int) -> str:
    session = kernel.plan[week - 1]
    return next((w for t, w in _HOPE_SOURCES.items() if session.intensity(t) > 0), "from not being alone")


def _why_left(kernel: Kernel, record: dict, row: int, member: int) -> str:
    p = kernel.params
    reasons = []
    if float(_at(record, "connectedness", row, member)) < 0.2:
        reasons.append("little connection to the group as a whole yet")
    if float(_at(record, "safety", row, member)) < p.safe_threshold:
        reasons.append("not feeling safe")
    similarity = record["similarity_to_group"][row]
    present = record["present"][row]
    if similarity[member] <= np.min(similarity[present]) + 1e-6:
        reasons.append("feeling the most different from the others ('miscast')")
    base = kernel.history[0]
    gained = (float(_at(record, "hope", row, member)) - float(_at(base, "hope", row, member))) + (
        float(_at(record, "self_image", row, member)) - float(_at(base, "self_image", row, member))
    )
    if gained < 0.05:
        reasons.append("little gained so far")
    return ", ".join(reasons) or "the group had not yet become valuable"


def _follow_up(kernel: Kernel, row: int, member: int) -> str:
    p = kernel.params
    at_end = kernel.history[p.n_sessions]
    last = kernel.history[-1]
    weeks = last["week"] - p.n_sessions
    sprouts_end = int(_at(at_end, "sprouts", row, member))
    realised = int(_at(last, "realised", row, member) - _at(at_end, "realised", row, member))
    withered = sprouts_end - int(_at(last, "sprouts", row, member)) - realised
    companion = bool(kernel.state.companionship[row, member])
    parts = [f"After the course ({weeks} weeks of follow-up):"]
    if p.control_arm:
        parts.append("no group, no companionship offer (control arm);")
    elif not p.companionship_offered:
        parts.append("no companionship was offered;")
    elif bool(kernel.state.dropped[row, member]):
        parts.append("having left, was not offered companionship;")
    else:
        parts.append("took up the companionship offered;" if companion else "did not take up companionship;")
    if sprouts_end == 0:
        parts.append("had no sprouts of change (small new steps that worked) at the end of the course.")
    else:
        parts.append(
            f"of {_n(sprouts_end, 'sprout')} of change at the end of the course, {realised} grew into"
            f" lasting change and {max(withered, 0)} withered."
        )
    return " ".join(parts)


def _outcome(kernel: Kernel, row: int, member: int) -> str:
    p = kernel.params
    base = kernel.history[0]
    end = kernel.history[min(p.n_sessions, len(kernel.history) - 1)]
    changes = []
    for name, label in (("hope", "hope"), ("self_image", "self-image"), ("recovery", "recovery")):
        before, after = float(_at(base, name, row, member)), float(_at(end, name, row, member))
        changes.append(f"{label} {before:.2f} -> {after:.2f}")
    left = kernel.state.dropout_session[row, member]
    status = f"left after session {int(left)}" if left else "completed the course"
    return f"Outcome at the end of the course ({status}): " + ", ".join(changes) + "."


def narrate(kernel: Kernel, run_row: int, member: int) -> str:
    """The weeks recorded so far for one participant (needs ``record_sessions=True``)."""
    if not kernel.history or "closest_tie" not in kernel.history[0]:
        raise ValueError("this kernel keeps no weekly record; build it with record_sessions=True")
    if not 0 <= member < kernel.group.n:
        raise ValueError(f"member = {member} is not in the group (0 to {kernel.group.n - 1})")
    p = kernel.params
    lines = [describe_person(kernel, run_row, member), describe_context(kernel, run_row, member)]
    seen: dict = {}
    for record in kernel.history[1:]:
        if record["week"] > p.n_sessions or p.control_arm:
            break
        lines.append(_week_line(kernel, record, run_row, member, seen))
        if _at(record, "mech_dropout", run_row, member):
            break
    if kernel.state.week >= p.n_sessions:
        lines.append(_outcome(kernel, run_row, member))
    if kernel.state.week > p.n_sessions:
        lines.append(_follow_up(kernel, run_row, member))
    last = kernel.history[-1]
    sprouts = _n(_at(last, "sprouts", run_row, member), "sprout")
    lines.append(
        f"Now (week {last['week']}): hope {_at(last, 'hope', run_row, member):.2f}, self-image"
        f" {_at(last, 'self_image', run_row, member):.2f}, {sprouts},"
        f" {_n(_at(last, 'realised', run_row, member), 'realised change')}."
    )
    return "\n".join(lines)


def story(params: Params, seed: int, run: int = 0, member: int = 0, population=None) -> tuple[Kernel, str]:
    """Simulate run ``run`` of ``seed`` (with ``population``'s people, if given) and tell member
    ``member``'s story."""
    kernel = Kernel(params, seed, np.array([run]), population, record_ties=True)
    kernel.run()
    return kernel, narrate(kernel, 0, member)


def _signature(kernel: Kernel, record: dict, member: int) -> tuple:
    fired = tuple(sorted(k for k in record if k.startswith("mech_") and record[k][0, member]))
    return (
        bool(record["present"][0, member]),
        bool(record["shared"][0, member]),
        bool(record["dropped"][0, member]),
        fired,
    )


def compare(params: Params, other: Params, seed: int, run: int = 0, member: int = 0, population=None) -> str:
    """The same group with the same draws in two contexts: both stories and where they part."""
    first, text_a = story(params, seed, run, member, population)
    second, text_b = story(other, seed, run, member, population)
    label = scenario_words(other, params) if other != params else "the same context"
    lines = parting(first, second, member)
    lines += ["", f"Story A (as given):\n{text_a}", "", f"Story B ({label}):\n{text_b}"]
    return "\n".join(lines)


def parting(first: Kernel, second: Kernel, member: int) -> list[str]:
    """Where two runs of the same group (two contexts, the same draws) part for ``member``, what
    the second context changes in the model, and how each ended: the head of ``compare``."""
    params, other = first.params, second.params
    label = scenario_words(other, params) if other != params else "the same context"
    parting_week = None
    for rec_a, rec_b in zip(first.history[1:], second.history[1:], strict=True):
        if rec_a["week"] > params.n_sessions:
            break
        if _signature(first, rec_a, member) != _signature(second, rec_b, member):
            parting_week = rec_a["week"]
            break
    lines = [f"A: as given.  B: {label}. The same group, the same draws."]
    lines += [f"What B changes: {line}" for line in what_it_changes(other, params)]
    if parting_week is None:
        lines.append(
            "The stories do not part in what this person did or which mechanisms fired for them during"
            " the course; the context changed only how much each step moved them:"
        )
    else:
        lines.append(f"Where the stories part: session {parting_week}.")
        line_a, line_b = _line_at(first, parting_week, member), _line_at(second, parting_week, member)
        lines.append(f"  A: {line_a}")
        lines.append(f"  B: {line_b}")
        if line_a == line_b:  # they part in a mechanism the story line does not tell: name it
            lines.append(f"  {_what_differs(first, second, parting_week, member)}")
    end_a = first.history[params.n_sessions]
    end_b = second.history[params.n_sessions]
    fate_a = "left" if end_a["dropped"][0, member] else "stayed"
    fate_b = "left" if end_b["dropped"][0, member] else "stayed"
    lines.append(
        f"By the end of the course: A {fate_a}, recovery {end_a['recovery'][0, member]:.2f};"
        f" B {fate_b}, recovery {end_b['recovery'][0, member]:.2f}."
    )
    return lines


def _what_differs(first: Kernel, second: Kernel, week: int, member: int) -> str:
    """The mechanisms that fired for ``member`` in ``week`` in one run and not the other."""
    labels = registry.labels()
    fired = [
        {k[5:] for k in run.history[week] if k.startswith("mech_") and run.history[week][k][0, member]}
        for run in (first, second)
    ]

    def named(channels) -> str:
        return ", ".join(labels.get(c, c.replace("_", " ")) for c in sorted(channels))

    parts = []
    if fired[0] - fired[1]:
        parts.append(f"fired in A, not in B: {named(fired[0] - fired[1])}")
    if fired[1] - fired[0]:
        parts.append(f"fired in B, not in A: {named(fired[1] - fired[0])}")
    return "The same in words; " + ("; ".join(parts) or "they differ in attendance or sharing") + "."


def _line_at(kernel: Kernel, week: int, member: int) -> str:
    """The story's line for ``week``, told with what the person had lived through before it."""
    seen: dict = {}
    line = ""
    for record in kernel.history[1 : week + 1]:
        line = _week_line(kernel, record, 0, member, seen)
    return line
