"""The PEER session plan as data.

Each session is a title and a set of theme intensities (0–1). Mechanisms read the intensities:
e.g. ``action`` drives the acting-in-own-life exercise, ``life_story`` the storytelling. The plan is
a parameter, so a researcher can reorder, drop or repeat sessions.

Source: PEER trial protocol, Poulsen et al., Trials 23:727 (2022), Table 1, for sessions 1, 2, 4, 5,
6, 7, 9 and 10. Sessions 3 and 8 are not reported there; the defaults below (hope and inspiration
through the facilitators' recovery stories; values and meaning after acceptance and commitment
therapy) are our assumptions, stated as such in docs/ODD.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

THEMES: tuple[str, ...] = (
    "rules",  # group agreement: rules that make the room safe
    "sharing_norms",  # what to share with others; sharing is self-determined
    "role_models",  # facilitators tell their recovery stories
    "differences",  # "differences are a strength" (what session 4 does is assumed)
    "action",  # try something new in own life (chances worth taking, dreams to doing)
    "network",  # own network: awareness of bridges outside the group
    "life_story",  # life storytelling in smaller groups
    "values",  # values and meaning (ACT)
    "dreams",  # dreams exercise
    "farewell",  # close; companionship is offered
)


@dataclass(frozen=True)
class Session:
    """One session of the manual: a title and the intensity (0–1) of each theme it carries."""

    title: str
    themes: tuple[tuple[str, float], ...] = field(default=())

    def __post_init__(self) -> None:
        for name, value in self.themes:
            if name not in THEMES:
                from difflib import get_close_matches

                near = get_close_matches(name, THEMES, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ValueError(
                    f"session_plan: unknown theme {name!r} in session {self.title!r}"
                    f" (themes: {', '.join(THEMES)}){hint}"
                )
            if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(
                    f"session_plan: theme {name!r} in session {self.title!r} has intensity"
                    f" {value!r}; valid range is 0 to 1"
                )

    def intensity(self, theme: str) -> float:
        return float(dict(self.themes).get(theme, 0.0))

    def to_dict(self) -> dict:
        return {"title": self.title, "themes": dict(self.themes)}

    @classmethod
    def from_value(cls, value: Session | Mapping) -> Session:
        if isinstance(value, Session):
            return value
        if not isinstance(value, Mapping) or "title" not in value:
            raise ValueError(
                f"session_plan: each session must be a mapping with 'title' and 'themes' (got {value!r})"
            )
        themes = value.get("themes", {})
        if not isinstance(themes, Mapping):
            raise ValueError(f"session_plan: 'themes' of {value['title']!r} must be a mapping")
        return cls(str(value["title"]), tuple((str(k), float(v)) for k, v in themes.items()))


def _s(title: str, **themes: float) -> Session:
    return Session(title, tuple(themes.items()))


PEER_PLAN: tuple[Session, ...] = (
    _s("Arrival and group agreement", rules=1.0),
    _s("What to share with others", sharing_norms=1.0),
    _s("Hope and inspiration (assumed)", role_models=1.0),
    _s("Similarities and differences", differences=1.0),
    _s("Chances worth taking", action=1.0),
    _s("Your network", network=1.0, action=0.3),
    _s("Life stories in smaller groups", life_story=1.0),
    _s("Values and meaning (assumed)", values=1.0, action=0.3),
    _s("From dreaming to doing", dreams=1.0, action=1.0),
    _s("Close", farewell=1.0),
)


def plan_for(plan: Sequence[Session], n_sessions: int) -> tuple[Session, ...]:
    """The plan stretched or shortened to ``n_sessions``.

    The last session of the plan (the close) always ends the course. A shorter course keeps the
    sessions before it in order and drops the last ones. A longer course runs the whole plan and
    repeats its practice block: the sessions from the first one with an action exercise up to the
    close (sessions 5-9 of the PEER plan), since agreeing rules or learning what to share a second
    time adds nothing. A plan with no action session repeats all of its sessions but the close. A
    one-session course is the close alone.
    """
    body, close = tuple(plan[:-1]), plan[-1]
    if not body:
        return (close,) * n_sessions
    if n_sessions - 1 <= len(body):
        return (*body[: n_sessions - 1], close)
    first_action = next((i for i, s in enumerate(body) if s.intensity("action") > 0), 0)
    practice = body[first_action:]
    extra = n_sessions - 1 - len(body)
    return (*body, *(practice[i % len(practice)] for i in range(extra)), close)


def plan_change(plan: Sequence[Session], n_sessions: int) -> str:
    """What ``plan_for`` does to a plan of another length, in words naming the sessions kept,
    dropped or repeated (numbered as in the plan); empty when the lengths agree."""
    if n_sessions == len(plan):
        return ""
    course = plan_for(plan, n_sessions)
    body = plan[:-1]
    close = f"the close ({len(plan)} {plan[-1].title})"
    if n_sessions < len(plan):
        kept = n_sessions - 1
        dropped = ", ".join(f"{i + 1} {s.title}" for i, s in enumerate(body[kept:], start=kept))
        keeps = f"sessions 1-{kept} and {close}" if kept > 1 else ("session 1 and " if kept else "") + close
        return (
            f"n_sessions = {n_sessions} shortens the {len(plan)}-session plan: the course keeps {keeps}"
            f" and drops {dropped}"
        )
    repeated = [s for s in course[len(body) : -1]]
    numbers = sorted({body.index(s) + 1 for s in repeated}) if body else []
    what = (
        f"sessions {numbers[0]}-{numbers[-1]}"
        if len(numbers) > 1
        else f"session {numbers[0]}"
        if numbers
        else close
    )
    return (
        f"n_sessions = {n_sessions} lengthens the {len(plan)}-session plan: the course runs it whole and"
        f" repeats {what} ({len(repeated) if body else n_sessions - 1} extra sessions) before {close}"
    )
