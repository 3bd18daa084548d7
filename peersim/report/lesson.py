"""A lesson that runs anywhere: one self-contained HTML file of precomputed groups.

``write_lesson(path, scenarios, seed, run, population)`` simulates the same group (the same
people, the same draws) under each scenario the teacher chose, and writes a single HTML file that
needs no network, no server and no install: its data (every week of the course for every person),
its script and its styles are inline. It opens from a USB stick or a learning platform in any
browser. A class steps the weeks (back and forward, go to a week, the end of the course), picks a
person and reads their story and "why", their own weekly chart, and two scenarios side by side.

Every text comes from the kernel and the narrative code: a person's story is exactly what
``peersim explain`` prints for them (``narrative.narrate`` of the same run), the "why" is
``narrative.why`` of that week, and where two scenarios part is ``narrative.parting``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path

import numpy as np

from peersim.core.kernel import Kernel
from peersim.core.mechanisms import registry
from peersim.core.params import Params
from peersim.report.narrative import narrate, parting, session_title, why
from peersim.report.teaching import COLOUR_BY, PERSON_STATES, palette, state_words
from peersim.report.words import GLOSSARY, scenario_words, what_it_changes

#: More scenarios than this no longer fit a class's attention (nor a projector's width).
MAX_SCENARIOS = 6


@dataclass(frozen=True)
class Scenario:
    """A context a teacher names: ``Scenario("paid facilitators", Params(facilitator_role="paid"))``."""

    label: str
    params: Params


def check_scenarios(scenarios: list[Scenario]) -> None:
    """One line naming the problem, for the command line and for Python callers alike."""
    if not scenarios:
        raise ValueError("a lesson needs at least one scenario")
    if len(scenarios) > MAX_SCENARIOS:
        raise ValueError(f"{len(scenarios)} scenarios: a lesson holds at most {MAX_SCENARIOS}")
    labels = [s.label.strip() for s in scenarios]
    if any(not label for label in labels):
        raise ValueError("every scenario needs a label (the words a class will see)")
    twice = next((label for label in labels if labels.count(label) > 1), None)
    if twice:
        raise ValueError(f"the scenario label {twice!r} is used twice; each needs its own")
    first = scenarios[0].params
    for s in scenarios:
        if s.params.control_arm:
            raise ValueError(f"scenario {s.label!r}: control_arm has no group to show")
        for name in ("group_size", "n_facilitators", "n_sessions"):
            if getattr(s.params, name) != getattr(first, name):
                raise ValueError(
                    f"scenario {s.label!r} changes {name}: a lesson shows the same people in every"
                    " scenario, so the group's shape must be the same"
                )


def _round(values, digits: int = 3) -> list:
    return np.round(np.asarray(values, float), digits).tolist()


def _most_different(kernel: Kernel) -> int:
    """The participant whose mean difference from the others is largest (the outsider)."""
    g = kernel.group
    others = g.difference[0, :, : g.n].sum(axis=1) / max(g.n - 1, 1)
    return int(np.argmax(others))


def _scenario_data(scenario: Scenario, kernel: Kernel, base: Params) -> dict:
    p, g = kernel.params, kernel.group
    labels = registry.labels()
    weeks = []
    for week in range(p.n_sessions + 1):
        record = kernel.history[week]
        # as the app's table: attendance says nothing, and comparison fires with its direction
        fired = [
            [
                labels.get(k[5:], k[5:].replace("_", " "))
                for k in record
                if k.startswith("mech_") and k[5:] not in ("attendance", "comparison") and record[k][0, m]
            ]
            for m in range(g.n)
        ]
        weeks.append(
            {
                "week": week,
                "title": "before the first session"
                if week == 0
                else f"session {week}: {session_title(kernel, week)}",
                "present": [bool(x) for x in record["present"][0]],
                "gone": [
                    bool(d and not pr)
                    for d, pr in zip(record["dropped"][0], record["present"][0], strict=True)
                ],
                "shared": [bool(x) for x in record["shared"][0]],
                "states": {s: _round(record[s][0]) for s in COLOUR_BY},
                "ties": _round(record["ties"][0], 2),
                "fired": fired,
                "why": [why(kernel, m, week) for m in range(g.n)],
            }
        )
    stories = []
    for m in range(g.n):
        lines = narrate(kernel, 0, m).splitlines()
        # the week from which each line is shown: person and context from the start, a session's
        # line from that session on, the outcome and follow-up at the end of the course
        shown_from = [
            0
            if k < 2
            else int(line.split(" ", 2)[1])
            if line.startswith("Session ") and line.split(" ", 2)[1].isdigit()
            else p.n_sessions
            for k, line in enumerate(lines)
        ]
        stories.append({"lines": lines, "from": shown_from})
    return {
        "label": scenario.label,
        "words": scenario_words(p),
        "changes": what_it_changes(p, base),
        "weeks": weeks,
        "stories": stories,
    }


def lesson_data(scenarios: list[Scenario], seed: int, run: int = 0, population=None) -> dict:
    """Everything the page shows, computed here: the page itself computes nothing but drawing."""
    check_scenarios(scenarios)
    kernels = []
    for s in scenarios:
        kernel = Kernel(s.params, seed, np.array([run]), population, record_ties=True)
        kernel.run()  # the whole course and follow-up: the story is then explain's, word for word
        kernels.append(kernel)
    first = kernels[0]
    n = first.group.n
    pairs = {
        f"{a},{b}": [parting(kernels[a], kernels[b], m) for m in range(n)]
        for a in range(len(kernels))
        for b in range(len(kernels))
        if a != b
    }
    return {
        "seed": seed,
        "run": run,
        "n": n,
        "f": first.group.f,
        "n_sessions": first.params.n_sessions,
        "safe_threshold": first.params.safe_threshold,
        "outsider": _most_different(first),
        "people": [_person_words(first, m) for m in range(n)],
        "states": {s: state_words(s) for s in COLOUR_BY},
        "chart_states": [[s, colour, dash] for s, colour, dash in PERSON_STATES],
        "palettes": {s: palette(s, first.params.safe_threshold) for s in COLOUR_BY},
        "scenarios": [
            _scenario_data(s, k, scenarios[0].params) for s, k in zip(scenarios, kernels, strict=True)
        ],
        "parting": pairs,
        "glossary": GLOSSARY,
    }


def _person_words(kernel: Kernel, member: int) -> str:
    a = {name: values[0, member] for name, values in kernel.group.attrs.items()}
    return f"{a['age']:.0f}, {'in work' if a['employed'] else 'not in work'}"


def lesson_html(data: dict, title: str | None = None) -> str:
    """The page: the template with the data, script and styles inline."""
    folder = resources.files("peersim.report") / "lesson"
    template = (folder / "lesson.html").read_text(encoding="utf-8")
    script = (folder / "lesson.js").read_text(encoding="utf-8")
    style = (folder / "lesson.css").read_text(encoding="utf-8")
    # "</" would end the inline script early; JSON allows "<\/" for it
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    title = title or "A PEER group, week by week"
    return (
        template.replace("{{title}}", escape(title))
        .replace("{{style}}", style)
        .replace("{{data}}", payload)
        .replace("{{script}}", script)
    )


def write_lesson(
    path, scenarios: list[Scenario], seed: int, run: int = 0, population=None, title=None
) -> Path:
    path = Path(path)
    html = lesson_html(lesson_data(scenarios, seed, run, population), title)
    path.write_text(html, encoding="utf-8")
    return path
