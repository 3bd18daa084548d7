"""The mechanism registry: one ordered list of :class:`Mechanism` specs, the one place the
mechanisms and their order are known.

Each mechanism module declares its own ``SPEC = Mechanism(...)``. :data:`BUILTIN` lists the
built-in mechanism modules in schedule order (session mechanisms, then weekly ones). A third-party
mechanism is added from outside the package with :func:`register`.

Import cycle. Mechanism modules import ``core.state``, which imports ``core.params``; params must
know the mechanism names to validate ``disabled_mechanisms``. This module therefore imports nothing
from peersim at import time: :data:`BUILTIN` is plain names, so ``params.MECHANISMS`` is read from
it directly, and the specs themselves (which need the modules) are loaded lazily on the first call
of :func:`mechanisms`. Params validates ``disabled_mechanisms`` against :func:`names`, which
includes registered third-party mechanisms without loading any module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

#: Built-in mechanism modules in schedule order: (name, phase). Session ones run in course weeks
#: between the "agreement" and "differences" elements; weekly ones before "background".
BUILTIN: tuple[tuple[str, str], ...] = (
    ("attendance", "session"),
    ("safety", "session"),
    ("sharing", "session"),
    ("connectedness", "session"),
    ("comparison", "session"),
    ("role_modelling", "session"),
    ("self_image", "session"),
    ("acting", "session"),
    ("sprouts", "weekly"),
    ("dropout", "weekly"),
    ("companionship", "weekly"),
)
PHASES = ("session", "weekly")


@dataclass(frozen=True)
class Mechanism:
    """What one mechanism is: its name, when it runs, its function, and how it is shown."""

    name: str
    phase: str  # "session" (course weeks, PEER arm) or "weekly" (every week)
    run: Callable  # run(state, context) -> Update
    off: Callable | None = None  # what runs instead when switched off (None: nothing)
    label: str = ""  # for the app, narratives and figures (default: the name, in words)
    channel_labels: tuple[tuple[str, str], ...] = ()  # labels of its further channels
    short: str = ""
    channels: tuple[str, ...] = ()  # activation channels written (default: the name alone)
    writes: tuple[str, ...] = ()  # State fields its Update may change
    group: str = ""  # its parameter group
    # (channel, phrase): what a person's story says when that channel fired, in the order told
    # ("{hope_source}" is filled in with where the hope came from that week)
    story: tuple[tuple[str, str], ...] = ()
    # (channel, sentence): the "why did this happen?" panel's line (default: the story's phrase)
    reasons: tuple[tuple[str, str], ...] = ()
    switched_off: str = ""  # what switching it off means
    after: str | None = None  # for a registered mechanism: run right after this one (default: end)

    def __post_init__(self):
        if self.phase not in PHASES:
            raise ValueError(f"{self.name}: phase must be one of {PHASES}")
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " "))
        if not self.short:
            object.__setattr__(self, "short", self.label)
        if not self.channels:
            object.__setattr__(self, "channels", (self.name,))
        elif self.channels[0] != self.name:
            raise ValueError(f"{self.name}: its first channel must be its name")

    @property
    def switch(self) -> str:
        return self.name


_EXTRA: list[Mechanism] = []
_CACHE: list[tuple[Mechanism, ...]] = []


def register(spec: Mechanism) -> Mechanism:
    """Add a mechanism from outside the package (placed after ``spec.after``, else phase end)."""
    if spec.name in names():
        raise ValueError(f"mechanism {spec.name!r} is already registered")
    _EXTRA.append(spec)
    _CACHE.clear()
    return spec


def unregister(name: str) -> None:
    """Remove a registered (non built-in) mechanism."""
    _EXTRA[:] = [s for s in _EXTRA if s.name != name]
    _CACHE.clear()


def names() -> tuple[str, ...]:
    """Mechanism names in schedule order (loads no module when nothing is registered)."""
    if not _EXTRA:
        return tuple(n for n, _ in BUILTIN)
    return tuple(s.name for s in mechanisms())


def mechanisms() -> tuple[Mechanism, ...]:
    """All specs in schedule order: session mechanisms, then weekly ones."""
    if not _CACHE:
        specs = [importlib.import_module(f"peersim.core.mechanisms.{n}").SPEC for n, _ in BUILTIN]
        for extra in _EXTRA:
            at = [s.name for s in specs].index(extra.after) + 1 if extra.after else None
            if at is None:
                same = [i for i, s in enumerate(specs) if s.phase == extra.phase]
                at = same[-1] + 1 if same else len(specs)
            specs.insert(at, extra)
        _CACHE.append(tuple(specs))
    return _CACHE[0]


def get(name: str) -> Mechanism:
    for spec in mechanisms():
        if spec.name == name:
            return spec
    raise KeyError(name)


def phase(which: str) -> tuple[Mechanism, ...]:
    return tuple(s for s in mechanisms() if s.phase == which)


def channels() -> tuple[str, ...]:
    """Activation channels, in schedule order."""
    return tuple(c for s in mechanisms() for c in s.channels)


def labels() -> dict[str, str]:
    """Label of every activation channel (a mechanism's own channel: its label)."""
    out = {}
    for s in mechanisms():
        out[s.name] = s.label
        out.update(dict(s.channel_labels))
    return out
