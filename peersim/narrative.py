"""Plain-language story of one participant's course, built from the kernel's weekly record.

The words follow the mechanisms' own activation records, so the story says only what the model
did: who was present, who shared, which mechanisms fired, and how the person left or finished.
"""

from __future__ import annotations

from .kernel import Kernel

_MECHANISM_WORDS = {
    "safety": "felt safe",
    "connectedness": "grew closer to the group",
    "comparison_down": "saw that others were worse off and saw own strengths",
    "comparison_up": "was inspired by someone further along",
    "role_modelling": "gained hope",
    "self_image": "retold their life story with more focus on resources",
    "sprouts": "a sprout of change took root",
    "companionship": "met their companion",
}


def narrate(kernel: Kernel, run_row: int, member: int) -> str:
    """The weeks recorded so far for one participant (needs ``record_sessions=True``)."""
    if not kernel.history:
        raise ValueError("this kernel keeps no weekly record; build it with record_sessions=True")
    g, p = kernel.group, kernel.params
    a = {name: values[run_row, member] for name, values in g.attrs.items()}
    work = "in work" if a["employed"] else "not in work"
    lines = [
        f"Participant {member}: {a['age']:.0f} years old, {work}, "
        f"{'living alone' if a['lives_alone'] else 'not living alone'}; "
        f"sharing vulnerability {a['sharing_vulnerability']:.2f}, adversity {a['adversity']:.2f}.",
        f"Context: {p.setting.replace('_', ' ')}, {p.facilitator_role} facilitators "
        f"(skill {p.facilitator_skill:.1f}), group of {p.group_size}"
        + (", COVID-19 restrictions." if p.covid_restrictions else "."),
    ]
    left = False
    for record in kernel.history[1:]:
        week = record["week"]
        if week > p.n_sessions:
            break
        if left:
            break
        title = kernel.plan[week - 1].title if not p.control_arm else "no group (control arm)"
        if not record["present"][run_row, member]:
            lines.append(f"Week {week} ({title}): absent.")
            continue
        did = ["shared" if record["shared"][run_row, member] else "did not share"]
        for channel, words in _MECHANISM_WORDS.items():
            if record[f"mech_{channel}"][run_row, member]:
                did.append(words)
        if record["attempted"][run_row, member]:
            did.append(
                "tried something new and it worked (a sprout of change)"
                if record["succeeded"][run_row, member]
                else "tried something new; it did not work out this time"
            )
        if channel_fired(record, "dropout", run_row, member):
            did.append("left the group after this session")
            left = True
        lines.append(
            f"Week {week} ({title}): " + "; ".join(did) + f" (safety {record['safety'][run_row, member]:.2f},"
            f" connectedness {record['connectedness'][run_row, member]:.2f},"
            f" hope {record['hope'][run_row, member]:.2f})."
        )
    last = kernel.history[-1]
    if last["week"] > p.n_sessions:
        lines.append(_follow_up(kernel, run_row, member))
    lines.append(
        f"Now (week {last['week']}): hope {last['hope'][run_row, member]:.2f}, self-image"
        f" {last['self_image'][run_row, member]:.2f}, {_count(last['sprouts'][run_row, member], 'sprout')},"
        f" {_count(last['realised'][run_row, member], 'realised change')}."
    )
    return "\n".join(lines)


def _count(n, noun: str) -> str:
    n = int(n)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _follow_up(kernel: Kernel, run_row: int, member: int) -> str:
    """What happened after the course: companionship, sprouts grown into change or withered."""
    p = kernel.params
    at_end = kernel.history[p.n_sessions]
    last = kernel.history[-1]
    weeks = last["week"] - p.n_sessions
    sprouts_end = int(at_end["sprouts"][run_row, member])
    realised = int(last["realised"][run_row, member] - at_end["realised"][run_row, member])
    withered = sprouts_end - int(last["sprouts"][run_row, member]) - realised
    companion = bool(kernel.state.companionship[run_row, member])
    parts = [f"After the course ({weeks} weeks of follow-up):"]
    if p.control_arm:
        parts.append("no group, no companionship offer (control arm);")
    elif not p.companionship_offered:
        parts.append("no companionship was offered;")
    else:
        parts.append("took up the companionship offered;" if companion else "did not take up companionship;")
    parts.append(
        f"of {_count(sprouts_end, 'sprout')} at the end of the course, {realised} grew into realised"
        f" change and {max(withered, 0)} withered."
    )
    return " ".join(parts)


def channel_fired(record: dict, channel: str, run_row: int, member: int) -> bool:
    return bool(record[f"mech_{channel}"][run_row, member])
