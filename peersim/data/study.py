"""A study as data: the design of an evaluation and what it observed, read from a TOML file.

A study says who was randomised to what (its arms: PEER groups, service as usual, a waitlist, or
groups of another scenario such as paid facilitators or a knock-out), how many (people or groups
per arm, the group size), when groups ran (recruitment waves, the earliest of them under COVID-19
restrictions), who took part (the model's drawn population, or a CSV of participants), how
outcomes were measured (the 0-1 scales' reliability; QPR-15 has its own measurement model), how
many end-of-course questionnaires went missing, and how the trial was analysed (the partially
nested mixed model, ANCOVA, or unadjusted). Beside the design it carries its observations, each
with its uncertainty and the way it was observed; they are what ``peersim calibrate`` fits.

``studies/peer_trial.toml`` is the PEER trial as run (package data: :func:`peer_trial`); every use
of the PEER trial (the trial command, the calibration, the patterns, the validation) reads it.
docs/your-study.md shows a study file of one's own, end to end.

The file, in short (every key is checked; an unknown one is an error that names it)::

    name = "My site"                 # and optionally: source, notes
    group_size = 8
    waves = 2                        # recruitment waves, earliest first
    covid_waves = 0                  # how many of the earliest waves ran under COVID-19 restrictions
    scenario = { }                   # parameters (peersim params) for every arm
    [[arms]]                         # two or more; exactly one is the reference (a control arm,
    name = "peer"                    #   or the one marked reference = true)
    kind = "peer"                    # peer | usual | waitlist
    groups = 4                       # or people = 32
    scenario = { }                   # parameters for this arm only (a paid-facilitator arm, ...)
    [population]                     # optional: csv = "people.csv" (relative to the study file)
    [measurement]                    # reliability = 0.8, occasions = ["baseline", "end"]
    [missing]                        # stayed = 0.15, leavers = 0.5
    [analysis]                       # method = "mixed model" | "ancova" | "unadjusted"
    [observations.NAME]              # what the study saw: see OBSERVATION below

Each observation names a statistic of one virtual copy of the study (``STATISTICS``) and how it was
seen: a mean with its standard error (``value``, ``se``), a count of ``k`` in ``n`` (read as a
binomial), a bound (``kind`` at_least / at_most / within, with ``value`` and ``se``), or an
attendance register (``left_by_session``: how many of ``n`` had left by each session, read as a
count per session). ``error`` says how the observation's error arises (``ERRORS``): a study's own
results are ``simulated`` by its virtual copy (the default); a count seen in a few of the study's
people (interviewees) is a ``subsample``; a datum from elsewhere, seen with error ``se``, ``normal``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from peersim.core.params import Params

ARM_KINDS = ("peer", "usual", "waitlist")
ANALYSES = ("mixed model", "ancova", "unadjusted")
OCCASIONS = ("baseline", "end", "followup")
KINDS = ("near", "at_least", "at_most", "within")
#: How an observation's error arises, beside the virtual copy's own sampling:
#: ``simulated``: it is that sampling (a study's own results: the copy has the study's people,
#: waves, missing outcomes and analysis, so its statistic varies as the observation did);
#: ``subsample``: the datum was seen in ``n`` people drawn from the copy's (interviewees): k of n,
#: a binomial draw from the copy's share;
#: ``normal``: an external datum (the literature's dropout about a setting like PEER's), the copy's
#: value seen with normal error of sd ``error_sd`` (default ``se``).
#: The reference table holds each statistic *as observed* (peersim.studies.observe.with_error), so
#: the calibration's likelihood is the data's, and the ABC tolerance is an approximation only.
ERRORS = ("simulated", "subsample", "normal")
#: outcomes a study can measure: the model's states, as the trial's questionnaires read them
OUTCOMES = ("qpr", "hope", "self_efficacy", "social_relations", "self_image", "meaning")
#: outcomes with a state at follow-up (the others are measured at baseline and the end only)
FOLLOWUP_OUTCOMES = ("qpr", "hope", "self_efficacy", "self_image")

#: What a virtual copy of a study can be asked, and which of outcome / arm / session it needs:
#: ``d``, ``difference``: the study's analysis of an outcome, an arm against the reference;
#: ``se_d``: that analysis' standard error of d (its 95% interval's half-width over 1.96);
#: ``mean`` and ``change`` (end minus baseline): an arm's measured outcome among the observed;
#: ``dropout``: share of a group arm who left the course; ``left_by``: share of a group arm gone
#: by session ``session``; ``early_leavers``: share of leavers gone by session ``session``;
#: ``companionship``: share of completers taking up companionship (under COVID-19 restrictions
#: where the study had such groups, as the seed's interviewees were); ``sprouts``: share of
#: completers with a sprout; ``cohesion_r``: within-group correlation of connectedness and
#: recovery gain among completers.
STATISTICS = {
    "d": ("outcome", "arm"),
    "se_d": ("outcome", "arm"),
    "difference": ("outcome", "arm"),
    "mean": ("outcome", "arm"),
    "change": ("outcome", "arm"),
    "dropout": ("arm",),
    "left_by": ("arm", "session"),
    "early_leavers": ("arm", "session"),
    "companionship": ("arm",),
    "sprouts": ("arm",),
    "cohesion_r": ("arm",),
}
#: statistics of the study's analysis comparing an arm with the reference (its d, the standard
#: error of that d: half its 95% interval's width over 1.96, and the raw difference)
COMPARISONS = ("d", "se_d", "difference")
GROUP_ONLY = ("dropout", "left_by", "early_leavers", "companionship", "sprouts", "cohesion_r")


class StudyError(ValueError):
    """A study file or object that cannot describe a study: the message names the field."""


@dataclass(frozen=True)
class Arm:
    """One arm: ``kind`` peer (groups of the study's scenario plus ``scenario``), usual (service as
    usual) or waitlist (service as usual until the end-of-course measurement: the model has no
    anticipation effect, so it differs from usual only after the study's last occasion)."""

    name: str
    kind: str
    people: int
    groups: int
    scenario: Mapping[str, Any] = field(default_factory=dict)
    reference: bool = False

    @property
    def control(self) -> bool:
        return self.kind != "peer"


@dataclass(frozen=True)
class Observation:
    """What the study saw of one statistic: ``value`` with ``se`` and ``kind`` (near or a bound);
    ``n`` the people behind it; ``binomial`` when it is a count of k in n."""

    name: str
    statistic: str
    value: float
    se: float
    kind: str = "near"
    outcome: str | None = None
    arm: str | None = None
    session: int | None = None
    n: int = 0
    binomial: bool = False
    #: how its error arises beside the copy's own sampling (peersim.data.targets.ERRORS):
    #: a study's own results are ``simulated`` by its virtual copy; ``subsample`` for a count
    #: seen in n people drawn from the study's (interviewees)
    error: str = "simulated"
    fit: bool = True
    grade: str = "study"
    source: str = ""

    @property
    def key(self) -> str:
        """The statistic's column in a study's statistics table."""
        return statistic_key(self.statistic, self.outcome, self.arm, self.session)

    def as_target(self) -> dict:
        """The calibration's form of a target (peersim.inference.calibration)."""
        return {
            "statistic": self.key,
            "value": self.value,
            "se": self.se,
            "kind": self.kind,
            "n": self.n,
            "binomial": self.binomial,
            "error": self.error,
            "fit": self.fit,
            "grade": self.grade,
            "source": self.source,
        }


def statistic_key(statistic: str, outcome=None, arm=None, session=None) -> str:
    """One spelling of a statistic's column: its parts joined by ':' (e.g. ``d:qpr:peer``)."""
    return ":".join(str(p) for p in (statistic, outcome, arm, session) if p is not None)


def parse_key(key: str, study: Study) -> dict:
    """A statistic's key read back into its parts (statistic, outcome, arm, session), checked
    against ``study``: what a target file's ``statistic = "d:qpr:peer"`` must name."""
    if not isinstance(key, str) or not key:
        raise StudyError(f"statistic {key!r}: a statistic is named like d:qpr:peer")
    statistic, *rest = key.split(":")
    if statistic not in STATISTICS:
        raise StudyError(f"statistic {key!r}: {statistic!r} is not one of {', '.join(STATISTICS)}")
    needs = STATISTICS[statistic]
    if len(rest) != len(needs):
        raise StudyError(f"statistic {key!r}: {statistic} is named {':'.join((statistic, *needs))}")
    parts = dict(zip(needs, rest, strict=True))
    names = [a.name for a in study.arms]
    if parts["arm"] not in names:
        raise StudyError(
            f"statistic {key!r}: {parts['arm']!r} is not an arm of {study.name} ({', '.join(names)})"
        )
    arm = study.arm(parts["arm"])
    if "outcome" in parts and parts["outcome"] not in OUTCOMES:
        raise StudyError(
            f"statistic {key!r}: outcome {parts['outcome']!r} is not one of {', '.join(OUTCOMES)}"
        )
    if statistic in COMPARISONS and arm.reference:
        raise StudyError(f"statistic {key!r}: {arm.name!r} is the reference arm")
    if statistic in GROUP_ONLY and arm.control:
        raise StudyError(f"statistic {key!r}: {statistic} needs a group arm; {arm.name!r} is a control arm")
    if "session" in parts:
        if not parts["session"].isdigit() or not 1 <= int(parts["session"]) <= 40:
            raise StudyError(f"statistic {key!r}: session must be a whole number, 1 to 40")
        parts["session"] = int(parts["session"])
    return {"statistic": statistic, **parts}


@dataclass(frozen=True)
class Study:
    """An evaluation's design and observations (see the module docstring for the file)."""

    name: str
    arms: tuple[Arm, ...]
    group_size: int
    waves: int = 1
    covid_waves: int = 0
    scenario: Mapping[str, Any] = field(default_factory=dict)
    population: Path | None = None
    reliability: float = 0.8
    occasions: tuple[str, ...] = ("baseline", "end")
    missing_stayed: float = 0.0
    missing_leavers: float = 0.0
    analysis: str = "mixed model"
    observations: Mapping[str, Observation] = field(default_factory=dict)
    source: str = ""
    notes: str = ""
    evidence: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None

    @property
    def reference(self) -> Arm:
        return next(a for a in self.arms if a.reference)

    @property
    def compared(self) -> tuple[Arm, ...]:
        """The arms compared with the reference, in file order."""
        return tuple(a for a in self.arms if not a.reference)

    def arm(self, name: str) -> Arm:
        return next(a for a in self.arms if a.name == name)

    def params(self, arm: Arm | None = None, base: Params | None = None) -> Params:
        """The parameters an arm runs with: ``base`` with the study's scenario, then the arm's,
        the study's group size, and control_arm for a control arm."""
        base = base or Params()
        changes = {**self.scenario, **(arm.scenario if arm else {}), "group_size": self.group_size}
        if arm is not None:
            changes["control_arm"] = arm.control
        return base.replace(**changes)

    def targets(self) -> dict[str, dict]:
        """The observations in the calibration's form, by their names in the file."""
        return {name: o.as_target() for name, o in self.observations.items()}

    def resized(self, peer: int | None = None, control: int | None = None) -> Study:
        """The same study with ``peer`` people in every group arm and ``control`` in every
        control arm (None: as they are): what ``trial --n-per-arm`` and a power analysis vary."""
        arms = []
        for a in self.arms:
            n = (control if a.control else peer) or a.people
            arms.append(_arm(a, people=int(n), groups=-(-int(n) // self.group_size)))
        return _replace(self, arms=tuple(arms))

    def with_groups(self, groups: int) -> Study:
        """The same study with ``groups`` full groups (control blocks) in every arm."""
        n = groups * self.group_size
        return _replace(self, arms=tuple(_arm(a, people=n, groups=groups) for a in self.arms))

    def regrouped(self, group_size: int) -> Study:
        """The same people per arm in groups of ``group_size`` (a population table fixes it)."""
        arms = tuple(_arm(a, groups=-(-a.people // group_size)) for a in self.arms)
        return _replace(self, group_size=int(group_size), arms=arms)


def _replace(study: Study, **changes) -> Study:
    return replace(study, **changes)


def _arm(arm: Arm, **changes) -> Arm:
    return replace(arm, **changes)


# --- reading --------------------------------------------------------------------------------------
_TOP = {
    "name",
    "source",
    "notes",
    "group_size",
    "waves",
    "covid_waves",
    "scenario",
    "arms",
    "population",
    "measurement",
    "missing",
    "analysis",
    "observations",
    "evidence",
}


def load_study(path: str | Path) -> Study:
    """The study in the TOML file ``path``, checked (a :class:`StudyError` names what is wrong)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StudyError(f"{path}: cannot read the study file ({error})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise StudyError(f"{path}: not valid TOML ({error})") from None
    return study_from_dict(data, where=str(path), folder=path.parent)


def peer_trial() -> Study:
    """The PEER trial as run (``studies/peer_trial.toml``, shipped as package data)."""
    text = resources.files("peersim.data").joinpath("studies", "peer_trial.toml").read_text(encoding="utf-8")
    return study_from_dict(tomllib.loads(text), where="peer_trial.toml")


def as_study(study: Study | str | Path | None) -> Study:
    """A Study from a Study, a path, or None (the PEER trial)."""
    if study is None:
        return peer_trial()
    if isinstance(study, Study):
        return study
    if isinstance(study, str | Path):
        return load_study(study)
    raise StudyError(f"study must be a Study or a path to a study file, not {type(study).__name__}")


def study_from_dict(data: Mapping, where: str = "study", folder: Path | None = None) -> Study:
    """A Study from the parsed TOML ``data``; ``where`` names it in errors."""
    if not isinstance(data, Mapping):
        raise StudyError(f"{where}: a study is a table of fields")
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise StudyError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(sorted(_TOP))})")
    name = _text(data, "name", where, required=True)
    size = _count(data, "group_size", where, low=2, high=40, required=True)
    waves = _count(data, "waves", where, low=1, high=520, default=1)
    covid = _count(data, "covid_waves", where, low=0, high=waves, default=0)
    scenario = _scenario(data.get("scenario", {}), f"{where}: scenario")
    arms = _arms(data.get("arms"), size, where)
    population = _table(data, "population", where, {"csv"})
    csv = population.get("csv")
    if csv is not None:
        if not isinstance(csv, str) or not csv:
            raise StudyError(f"{where}: population.csv must be a path to a CSV of participants")
        csv = (folder or Path.cwd()) / csv
        if not csv.is_file():
            raise StudyError(f"{where}: population.csv: no file {csv}")
    measurement = _table(data, "measurement", where, {"reliability", "occasions"})
    reliability = _share(measurement, "reliability", f"{where}: measurement", low=0.05, default=0.8)
    occasions = measurement.get("occasions", ["baseline", "end"])
    if (
        not isinstance(occasions, list)
        or not occasions
        or any(not _one_of(o, OCCASIONS) for o in occasions)
        or len(set(occasions)) != len(occasions)
    ):
        raise StudyError(
            f"{where}: measurement.occasions must list some of {', '.join(OCCASIONS)}, each once"
        )
    if "end" not in occasions:
        raise StudyError(f"{where}: measurement.occasions must include 'end' (the analysis is at the end)")
    missing = _table(data, "missing", where, {"stayed", "leavers"})
    stayed = _share(missing, "stayed", f"{where}: missing", default=0.0, high=0.95)
    leavers = _share(missing, "leavers", f"{where}: missing", default=stayed)
    analysis = _table(data, "analysis", where, {"method"})
    method = analysis.get("method", "mixed model")
    if not _one_of(method, ANALYSES):
        raise StudyError(f"{where}: analysis.method = {method!r}; choose one of {', '.join(ANALYSES)}")
    study = Study(
        name=name,
        arms=arms,
        group_size=size,
        waves=waves,
        covid_waves=covid,
        scenario=scenario,
        population=csv,
        reliability=reliability,
        occasions=tuple(occasions),
        missing_stayed=stayed,
        missing_leavers=leavers,
        analysis=method,
        source=_text(data, "source", where),
        notes=_text(data, "notes", where),
        path=Path(where) if folder is not None else None,
    )
    for arm in arms:  # every arm's parameters must be valid Params
        try:
            study.params(arm)
        except ValueError as error:
            raise StudyError(f"{where}: arm {arm.name!r}: {error}") from None
    observations = data.get("observations", {})
    if not isinstance(observations, Mapping):
        raise StudyError(f"{where}: observations must be a table of named observations")
    obs = {}
    for k, v in observations.items():
        at = f"{where}: observations.{k}"
        if isinstance(v, Mapping) and "left_by_session" in v:
            obs.update(register_observations(k, v, study, at))
        else:
            obs[k] = _observation(k, v, study, at)
    evidence = data.get("evidence", {})
    if not isinstance(evidence, Mapping) or not all(isinstance(v, str) for v in evidence.values()):
        raise StudyError(f'{where}: evidence must be a table of field = "grade: source" strings')
    return _replace(study, observations=obs, evidence=dict(evidence))


def _arms(arms, size: int, where: str) -> tuple[Arm, ...]:
    if not isinstance(arms, list) or len(arms) < 2:
        raise StudyError(f"{where}: arms must list two arms or more ([[arms]] tables)")
    out = []
    for i, a in enumerate(arms):
        at = f"{where}: arms[{i}]"
        if not isinstance(a, Mapping):
            raise StudyError(f"{at}: an arm is a table")
        unknown = sorted(set(a) - {"name", "kind", "people", "groups", "scenario", "reference"})
        if unknown:
            raise StudyError(
                f"{at}: unknown field {unknown[0]!r}"
                " (fields: groups, kind, name, people, reference, scenario)"
            )
        name = _text(a, "name", at, required=True)
        if not name.isidentifier():
            raise StudyError(f"{at}: name {name!r} must be a short word (letters, digits, _)")
        kind = a.get("kind")
        if not _one_of(kind, ARM_KINDS):
            raise StudyError(f"{at}: kind = {kind!r}; choose one of {', '.join(ARM_KINDS)}")
        if ("people" in a) == ("groups" in a):
            raise StudyError(f"{at}: give people or groups (one of them)")
        if "people" in a:
            people = _count(a, "people", at, low=2, high=10**6)
            groups = -(-people // size)
        else:
            groups = _count(a, "groups", at, low=1, high=10**5)
            people = groups * size
        reference = a.get("reference", kind != "peer")
        if not isinstance(reference, bool):
            raise StudyError(f"{at}: reference must be true or false")
        scenario = _scenario(a.get("scenario", {}), f"{at}: scenario")
        out.append(Arm(name, kind, people, groups, scenario, reference))
    names = [a.name for a in out]
    if len(set(names)) != len(names):
        raise StudyError(f"{where}: arms: two arms are named the same")
    refs = [a for a in out if a.reference]
    if len(refs) != 1:
        raise StudyError(
            f"{where}: arms: exactly one arm must be the reference (a control arm, or reference = true);"
            f" found {len(refs)}"
        )
    return tuple(out)


def _observation(name: str, o, study: Study, at: str) -> Observation:
    if not isinstance(o, Mapping):
        raise StudyError(f"{at}: an observation is a table")
    allowed = {
        "statistic", "outcome", "arm", "session", "value", "se", "k", "n", "kind",
        "left_by_session", "fit", "grade", "source", "error",
    }  # fmt: skip
    unknown = sorted(set(o) - allowed)
    if unknown:
        raise StudyError(f"{at}: unknown field {unknown[0]!r} (fields: {', '.join(sorted(allowed))})")
    statistic = o.get("statistic")
    if not _one_of(statistic, STATISTICS):
        raise StudyError(
            f"{at}: statistic = {statistic!r} names no statistic; choose one of {', '.join(STATISTICS)}"
        )
    needs = STATISTICS[statistic]
    outcome = o.get("outcome")
    if "outcome" in needs:
        if not _one_of(outcome, OUTCOMES):
            raise StudyError(f"{at}: outcome = {outcome!r}; choose one of {', '.join(OUTCOMES)}")
    elif outcome is not None:
        raise StudyError(f"{at}: statistic {statistic!r} takes no outcome")
    names = [a.name for a in study.arms]
    group_arms = [a.name for a in study.arms if not a.control]
    default = study.compared[0].name if statistic in COMPARISONS else (group_arms or names)[0]
    arm = o.get("arm", default)
    if not _one_of(arm, names):
        raise StudyError(f"{at}: arm = {arm!r} is not an arm of the study ({', '.join(names)})")
    if statistic in COMPARISONS and study.arm(arm).reference:
        raise StudyError(f"{at}: arm {arm!r} is the reference; {statistic} compares another arm with it")
    if statistic in GROUP_ONLY and study.arm(arm).control:
        raise StudyError(f"{at}: {statistic} is a statistic of a group arm; {arm!r} is a control arm")
    session = o.get("session")
    if "session" in needs:
        session = _count(
            o, "session", at, low=1, high=40, default=2 if statistic == "early_leavers" else None
        )
        if session is None:
            raise StudyError(f"{at}: {statistic} needs session = N")
    elif session is not None:
        raise StudyError(f"{at}: statistic {statistic!r} takes no session")
    kind = o.get("kind", "near")
    if not _one_of(kind, KINDS):
        raise StudyError(f"{at}: kind = {kind!r}; choose one of {', '.join(KINDS)}")
    fit = o.get("fit", True)
    if not isinstance(fit, bool):
        raise StudyError(f"{at}: fit must be true or false")
    error = o.get("error", "simulated")
    if not _one_of(error, ERRORS):
        raise StudyError(f"{at}: error = {error!r}; choose one of {', '.join(ERRORS)}")
    if error == "subsample" and "k" not in o:
        raise StudyError(f"{at}: error = 'subsample' is for a count seen in n people: give k and n")
    common = {
        "name": name,
        "statistic": statistic,
        "error": error,
        "kind": kind,
        "outcome": outcome,
        "arm": arm,
        "session": session,
        "fit": fit,
        "grade": _text(o, "grade", at) or "study",
        "source": _text(o, "source", at, required=True),  # what was seen, and where
    }
    if "k" in o:  # a count of k in n, read as a binomial (Jeffreys: its se never collapses to 0)
        if "value" in o or "se" in o:
            raise StudyError(f"{at}: give k and n (a count) or value and se, not both")
        n = _count(o, "n", at, low=1, high=10**7, required=True)
        k = _count(o, "k", at, low=0, high=n, required=True)
        p = (k + 0.5) / (n + 1.0)
        return Observation(value=k / n, se=math.sqrt(p * (1 - p) / n), n=n, binomial=True, **common)
    for key in ("value", "se"):
        if key not in o:
            raise StudyError(f"{at}: needs {key} (or k and n for a count)")
    value, se = _number(o, "value", at), _number(o, "se", at)
    if se <= 0:
        raise StudyError(f"{at}: se = {se!r} must be positive")
    n = _count(o, "n", at, low=0, high=10**7, default=0)
    return Observation(value=value, se=se, n=n, **common)


def register_observations(name: str, o: Mapping, study: Study, at: str) -> dict[str, Observation]:
    """An attendance register (``left_by_session = [c1, c2, ...]`` of ``n``): one count per
    session, how many had left by then. Expanded into ``left_by`` observations by the loader."""
    counts = o.get("left_by_session")
    n = _count(o, "n", at, low=1, high=10**7, required=True)
    if not isinstance(counts, list) or not counts or any(not _whole(c) or c < 0 or c > n for c in counts):
        raise StudyError(f"{at}: left_by_session must list whole numbers of people, 0 to n = {n}")
    if any(b < a for a, b in pairwise(counts)):
        raise StudyError(f"{at}: left_by_session counts who had left by each session: they cannot fall")
    out = {}
    for s, c in enumerate(counts, start=1):
        item = {k: v for k, v in o.items() if k not in ("left_by_session", "statistic")}
        out[f"{name}.session_{s}"] = _observation(
            f"{name}.session_{s}", {**item, "statistic": "left_by", "session": s, "k": c}, study, at
        )
    return out


# --- field checks ---------------------------------------------------------------------------------
def _one_of(value, choices) -> bool:
    """A word among ``choices`` (a table or a list where a word belongs is not, and is not hashable)."""
    return isinstance(value, str) and value in choices


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _text(data: Mapping, key: str, at: str, required: bool = False) -> str:
    value = data.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise StudyError(f"{at}: {key} must be {'a non-empty' if required else 'a'} string")
    return value


def _count(data: Mapping, key: str, at: str, low: int, high: int, default=None, required=False):
    if key not in data:
        if required:
            raise StudyError(f"{at}: needs {key} (a whole number)")
        return default
    v = data[key]
    if not _whole(v) or not low <= v <= high:
        raise StudyError(f"{at}: {key} = {v!r} must be a whole number, {low} to {high}")
    return v


def _number(data: Mapping, key: str, at: str) -> float:
    v = data[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise StudyError(f"{at}: {key} = {v!r} must be a finite number")
    return float(v)


def _share(data: Mapping, key: str, at: str, default: float, low: float = 0.0, high: float = 1.0) -> float:
    if key not in data:
        return default
    v = _number(data, key, at)
    if not low <= v <= high:
        raise StudyError(f"{at}: {key} = {v!r} must lie in {low} to {high}")
    return v


def _table(data: Mapping, key: str, at: str, allowed: set[str]) -> Mapping:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise StudyError(f"{at}: {key} must be a table")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise StudyError(f"{at}: {key}: unknown field {unknown[0]!r} (fields: {', '.join(sorted(allowed))})")
    return value


def _scenario(value, at: str) -> dict:
    """Parameter values, checked against Params (an unknown name or a bad value is an error)."""
    if not isinstance(value, Mapping):
        raise StudyError(f"{at}: must be a table of parameter = value")
    for banned in ("group_size", "control_arm"):
        if banned in value:
            raise StudyError(
                f"{at}: {banned} is the study's to set (group_size, the arms' kind), not a scenario's"
            )
    value = {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
    try:
        Params(**value)
    except (ValueError, TypeError) as error:
        raise StudyError(f"{at}: {error}") from None
    return dict(value)
