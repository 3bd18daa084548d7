"""Parameters and contexts in the words a class uses, for every student-facing text (figure
titles, stories, the lesson page, the handout): ``facilitator_role=paid`` reaches students as
"paid peer workers as facilitators", and a context's change comes with what it changes in the
model and whether that rests on evidence or on an assumption.

The evidence grades come from the register (``peersim.stats.uncertainty.exploratory``), so a
change is called an assumption exactly when the parameters it acts through are graded so there.
"""

from __future__ import annotations

from dataclasses import fields

from peersim.core.mechanisms import registry
from peersim.core.params import Params

#: How a value of a context reads in a sentence ("B: paid peer workers as facilitators").
VALUE_WORDS: dict[tuple[str, object], str] = {
    ("facilitator_role", "volunteer"): "volunteer peer facilitators",
    ("facilitator_role", "paid"): "paid peer workers as facilitators",
    ("setting", "civil_society"): "the course in a civil-society organisation",
    ("setting", "mental_health_service"): "the course inside mental health services",
    ("covid_restrictions", True): "under COVID-19 restrictions",
    ("covid_restrictions", False): "without COVID-19 restrictions",
    ("group_rules", True): "group rules agreed",
    ("group_rules", False): "no group rules agreed",
    ("anonymity", True): "nothing reported to services (anonymity)",
    ("anonymity", False): "no anonymity: what is said may reach services",
    ("companionship_offered", True): "companionship offered after the course",
    ("companionship_offered", False): "no companionship offered after the course",
    ("control_arm", True): "no group (service as usual)",
}

#: What a context's change does in the model, in plain words (the mechanisms' docstrings and
#: docs/ODD.md give the equations). Whether it is an assumption is added from the register.
WHAT_IT_CHANGES: dict[tuple[str, object], str] = {
    ("facilitator_role", "paid"): (
        "in the model, paid peer workers share less of their own story and are seen as less equal"
        " ('higher on the ladder'), so participants share less and feel further from them"
    ),
    ("setting", "mental_health_service"): (
        "in the model, inside services the facilitators are seen as less equal and further away, and"
        " people who distrust services feel less safe"
    ),
    ("covid_restrictions", True): (
        "in the model, restrictions make missing a session likelier and companionship and bridging"
        " after the course harder"
    ),
    ("group_rules", False): "in the model, without agreed rules the group feels less safe",
    ("anonymity", False): "in the model, without anonymity the group feels less safe",
    ("companionship_offered", False): (
        "in the model, nobody is accompanied into everyday life after the course"
    ),
    ("differences_strength", 0): (
        "in the model, session 4 no longer lowers how much differences in age and work weigh, so feeling"
        " different from the others weighs as much after it as before"
    ),
}

_NOT_STUDIED = {
    "facilitator_role": "the study's groups were all led by volunteers",
    "setting": "no PEER group inside services was studied",
    "differences_strength": "the protocol names session 4's theme, not what it does to how differences weigh",
}


def _doc(name: str) -> str:
    return next(f.metadata.get("doc", "") for f in fields(Params) if f.name == name) or name.replace("_", " ")


def parameter_words(name: str) -> str:
    """A parameter as an axis label: its name in words, what it means and its unit
    ("age sd: spread of age (normal, cut to 18-80), years")."""
    spec = next((f for f in fields(Params) if f.name == name), None)
    if spec is None:
        return name.replace("_", " ")
    unit = spec.metadata.get("unit") or ""
    return f"{name.replace('_', ' ')}: {spec.metadata.get('doc', '')}" + (f", {unit}" if unit else "")


def value_words(name: str, value) -> str:
    """One parameter's value as a phrase: ``("facilitator_role", "paid")`` -> "paid peer workers as
    facilitators"; a number as its meaning and value ("facilitator skill ...: 0.95")."""
    if (name, value) in VALUE_WORDS:
        return VALUE_WORDS[name, value]
    if name == "disabled_mechanisms":
        labels = registry.labels()
        names = [labels.get(m, m.replace("_", " ")) for m in value]
        return f"{' and '.join(names)} switched off" if names else "every mechanism on"
    if name == "facilitator_skill":
        return f"facilitator skill {value:g} (0 to 1: holding a safe space, speaking time, handling silence)"
    if name == "differences_strength" and value == 0:
        return "session 4 ('differences are a strength') not weakening how much differences weigh"
    if isinstance(value, bool):
        return f"{_doc(name)}: {'yes' if value else 'no'}"
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{_doc(name)}: {str(value).replace('_', ' ')}"


def changes(params: Params, base: Params | None = None) -> dict[str, object]:
    """The parameters in which ``params`` differs from ``base`` (default: the PEER defaults)."""
    base = base or Params()
    ours, theirs = params.to_dict(), base.to_dict()
    return {k: v for k, v in ours.items() if k != "session_plan" and v != theirs[k]}


def _value(params: Params, name: str):
    return getattr(params, name)  # tuples stay tuples (to_dict gives lists)


def scenario_words(params: Params, base: Params | None = None) -> str:
    """Every change from ``base`` as phrases joined by "; ", or "the PEER course as designed"."""
    changed = changes(params, base)
    if not changed:
        return "the PEER course as designed"
    return "; ".join(value_words(k, _value(params, k)) for k in changed)


def what_it_changes(params: Params, base: Params | None = None) -> list[str]:
    """For each change of context from ``base`` (default: the PEER defaults) the model says
    something about: what it changes and, when the parameters it acts through are graded
    ``assumption``, that it is one. A change back to the design (``base`` paid, ``params``
    volunteer) is told from the other side: what ``base``'s context had changed."""
    from peersim.stats.uncertainty import exploratory

    base = base or Params()
    lines = []
    for name in changes(params, base):
        value, before = _value(params, name), _value(base, name)
        if (name, value) in WHAT_IT_CHANGES:
            head, text = value_words(name, value), WHAT_IT_CHANGES[name, value]
        elif (name, before) in WHAT_IT_CHANGES:
            head = f"{value_words(name, value)}, not {value_words(name, before)}"
            text = f"the change is undone: {WHAT_IT_CHANGES[name, before]}"
        elif name == "disabled_mechanisms":
            head = value_words(name, value)
            text = (
                "a knock-out, which no real group can do: the model's way of asking what a mechanism"
                " contributes, with everything else the same"
            )
        else:
            continue
        line = f"{head[0].upper()}{head[1:]}: {text}."
        if exploratory([name]) and name != "disabled_mechanisms":  # a knock-out is a question, not a claim
            studied = _NOT_STUDIED.get(name)
            line += " This is an assumption of the model, not a finding" + (
                f" ({studied})." if studied else "."
            )
        lines.append(line)
    return lines


#: Terms that must stay in student-facing text, in plain words (the app, the lesson page and the
#: handout list them; tests/test_teaching.py checks that the words their texts use are here).
GLOSSARY = {
    "safety": "how safe the person feels in the group, 0 to 1; from 0.5 they feel safe",
    "connectedness": "how connected the person feels to the group as a whole, 0 to 1",
    "hope": "hope for their own future, 0 to 1",
    "self-image": "how they see themselves: from illness and limits (0) to their resources (1)",
    "recovery": (
        "personal recovery, 0 to 1: the mean of connectedness (not being lonely), hope, self-image,"
        " meaning and self-efficacy; these are the five recovery processes of the CHIME framework"
        " (Connectedness, Hope, Identity, Meaning, Empowerment; Leamy et al. 2011)"
    ),
    "tie": "how close two people have become, 0 to 1",
    "vulnerability": (
        "how much being exposed has hurt the person before, 0 to 1: the higher, the less they share"
    ),
    "adversity": "a heavy load in everyday life (money, housing or substances), 0 to 1",
    "downward comparison": "seeing others worse off, and so seeing one's own strengths",
    "upward comparison": "being inspired by someone further along the road",
    "sprout of change": "a small new step in their own life that worked; it may grow into a lasting change",
    "realised change": "a sprout of change that lasted: a change in their everyday life",
    "companionship": "after the course, a peer who goes along with them into an activity outside the group",
    "follow-up": (
        f"the {Params().follow_up_weeks} weeks after the course, when the model goes on following"
        " everyone, those who left too"
    ),
    "NGO": "non-governmental organisation: here a civil-society organisation, not a health service",
    "mechanism": "a way the group changes people, as the PEER study describes it (safety, sharing, ...)",
    "assumption": (
        "something the model takes as given where the study says nothing about it: a what-if to discuss,"
        " not a finding"
    ),
    "ICAMO": "intervention, context, actor, mechanism, outcome: how realist evaluation explains what works",
}


def week_title(week: int, ended: bool) -> str:
    """The heading of a week in the group circle (the figure and the app's picture alike)."""
    if week == 0:
        return "before the first session"
    return f"week {week}: the course has ended" if ended else f"session {week}"
