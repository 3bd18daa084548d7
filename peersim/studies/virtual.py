"""One virtual copy of a study, many at once: the people of every arm, as the study saw them.

This is the one place a study is simulated. The trial command, the calibration's statistics, the
power analysis and the validation all call :func:`simulate_study` with a study
(peersim.data.study) and get the same table: one row per randomised person of every copy.

**Copies and people.** Copy ``ids[c]`` of the study meets its own people: arm j's group (or
control block) g of copy k is run ``first + k * groups + g``, where ``first`` is the arm's own
range (:func:`arm_first_run`), so no two arms, and no two copies, share people (each person is
randomised to one arm), and copy k meets the same people whatever else is simulated with it.
Copy c runs parameter set ``of_copy[c]`` of ``sets``: the calibration gives each copy its own
set, a trial with parameter uncertainty a posterior draw per copy, a plain trial one set.

**Waves.** Groups start in recruitment waves (``waves`` = W): group g of G is in wave
floor(g W / G), and control block b of B likewise, so every arm has the same mix of waves; the
earliest ``covid_waves`` ran under COVID-19 restrictions (``covid_restrictions=True`` in the
scenario puts every group under them). A group's COVID status is a per-run parameter, so each arm
is one kernel batch: every set twice, without and with restrictions (set 2 s + covid).

**The arm's people.** The first ``people`` of each copy's groups, in group order: the last group
may have spare places; it runs full and only the people the arm needs are analysed, as a trial
that stops recruiting when the arm is full.

**Missing outcomes.** A person's end-of-course (and follow-up) questionnaire is missing with
probability ``missing.leavers`` if they left the course and ``missing.stayed`` otherwise
(controls included); all outcomes of a person are missing together; baseline is always observed.
The draw is the counter-based stream ``trial.missing`` keyed by (seed, run, member).

**Measurement.** The QPR-15 comes from the measurement model (docs/ODD.md 7.13). The other
outcomes are the model's exact latent states, measured as a questionnaire would: measured =
latent + error, error ~ N(0, s^2), s = SD sqrt((1 - r) / r), r the study's ``reliability`` and SD
the latent state's spread at baseline among the copy's randomised, so the measured baseline's
reliability is r. The error is independent between occasions and comes from the stream
``trial.measure.<state>`` keyed by (seed, run, member). Not cut to 0-1 (a scale score's error is
not either, on the latent scale).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from peersim.core.params import Params
from peersim.core.rng import Streams
from peersim.core.sets import ParamSets
from peersim.data.study import OUTCOMES, Study
from peersim.run.arms import CONTROL_RUNS
from peersim.run.engine import DEFAULT_CHUNK, simulate_courses
from peersim.run.progress import progress_bar

#: arms of one kind (group arms, control arms) after the first start this far apart in run numbers
ARM_RUNS = 2**42
#: occasion -> the suffix of the participants table's column and the week it is measured in
WHEN = {"baseline": "baseline", "end": "end", "followup": "followup"}


def arm_first_run(study: Study, index: int) -> int:
    """Where arm ``index``'s runs start: group arms from 0, control arms from CONTROL_RUNS, each
    further arm of the same kind ARM_RUNS later (the PEER trial's two arms keep the runs of the
    earlier virtual trial: 0 and CONTROL_RUNS)."""
    arm = study.arms[index]
    same = sum(a.control == arm.control for a in study.arms[:index])
    return (CONTROL_RUNS if arm.control else 0) + same * ARM_RUNS


def covid_by_group(groups: int, study: Study, params: Params) -> np.ndarray:
    """Whether each of ``groups`` groups (in order of starting) ran under COVID-19 restrictions:
    group g is in wave floor(g W / groups) of W = ``study.waves``; the earliest
    ``study.covid_waves`` waves ran under restrictions (all, with covid_restrictions)."""
    if params.covid_restrictions:
        return np.ones(groups, dtype=bool)
    wave = np.arange(groups) * study.waves // groups
    return wave < study.covid_waves


def simulate_study(
    study: Study,
    sets: pd.DataFrame | None = None,
    of_copy: np.ndarray | None = None,
    ids: np.ndarray | None = None,
    seed: int = 0,
    base: Params | None = None,
    population=None,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    outcomes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every randomised person of copies ``ids`` (default 0, 1, ..., one per entry of
    ``of_copy``) of ``study``: copy c runs the parameter set ``sets.iloc[of_copy[c]]`` (columns
    named after parameters; None: the study's own parameters). One row per person, with ``arm``
    (its name), ``trial`` (c), ``group`` (position of the group or block in its
    arm), ``covid``, ``missing``, the participants table's columns and the measured outcomes
    ``<outcome>_<occasion>_measured`` (of ``outcomes`` only, if given: the calibration measures
    what its statistics read)."""
    sets = pd.DataFrame(index=[0]) if sets is None else pd.DataFrame(sets).reset_index(drop=True)
    of_copy = np.zeros(1, dtype=np.int64) if of_copy is None else np.asarray(of_copy, dtype=np.int64)
    ids = np.arange(len(of_copy), dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
    if len(ids) != len(of_copy):
        raise ValueError("simulate_study: one copy id per copy")
    # a copy is (its set, its id): two copies may share people (the same id: common random numbers
    # across sets, as screening wants) but not both
    span = int(ids.max()) + 1 if len(ids) else 1
    pair = of_copy * span + ids
    if len(np.unique(pair)) != len(pair):
        raise ValueError("simulate_study: two copies with the same parameter set and copy id")
    pair_order = np.argsort(pair, kind="stable")
    # every set twice: without and with COVID-19 restrictions (set 2 s + covid)
    doubled = sets.loc[sets.index.repeat(2)].reset_index(drop=True)
    doubled["covid_restrictions"] = np.tile([False, True], len(sets))
    total = sum(a.groups for a in study.arms) * len(ids)
    bar = progress_bar(total, enabled=progress)
    arms = []
    for j, arm in enumerate(study.arms):
        params = study.params(arm, base)
        groups, first = arm.groups, arm_first_run(study, j)
        covid = covid_by_group(groups, study, params)
        table = ParamSets(doubled, params, what="study parameter set")
        copy = np.repeat(np.arange(len(ids)), groups)
        group = np.tile(np.arange(groups), len(ids))
        runs = first + ids[copy] * groups + group
        positions = 2 * of_copy[copy] + covid[group]
        frames = []
        for start in range(0, len(runs), chunk_size):
            part = slice(start, start + chunk_size)
            out = simulate_courses(table, positions[part], runs[part], seed, population)["participants"]
            frames.append(out)
            bar.update(len(runs[part]))
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        position = frame.pop("set").to_numpy()
        k, g = np.divmod(frame["run"].to_numpy() - first, groups)
        found = (position // 2) * span + k  # back to the copy: its set and its id
        trial = pair_order[np.searchsorted(pair[pair_order], found)]
        keep = _first_people(trial, g, frame["member"].to_numpy(), arm.people)
        # the columns of the study's own, added after the one take of the table
        frame = frame.take(keep).reset_index(drop=True)
        frame.insert(0, "arm", arm.name)
        frame.insert(1, "trial", trial[keep])
        frame.insert(2, "group", g[keep])
        frame.insert(3, "set", of_copy[trial[keep]])
        frame["covid"] = position[keep] % 2 == 1
        frame["missing"] = _missing(frame, study, params, seed)
        relief = _per_copy(sets, "loneliness_relief", params)[of_copy[frame["trial"].to_numpy()]]
        for when in ("baseline", "end"):
            frame[f"social_relations_{when}"] = social_relations(frame, relief, when)
        arms.append(frame)
    bar.close()
    people = pd.concat(arms, ignore_index=True)
    return _measure(people, study, seed, outcomes)


def _per_copy(sets: pd.DataFrame, name: str, params: Params) -> np.ndarray:
    """Parameter ``name`` of every set (its column, or the arm's value where sets do not vary it)."""
    if name in sets:
        return sets[name].to_numpy(float)
    return np.full(len(sets), float(getattr(params, name)))


def social_relations(participants: pd.DataFrame, relief, when: str = "end") -> pd.Series:
    """Social relations outside the course at ``when`` ("baseline" or "end"), as the trial's
    instrument asks about them: 1 - outside loneliness, where outside loneliness is the person's
    own before the course (their network: ``loneliness_baseline``) relieved by bridging to the
    wider community only, loneliness_baseline (1 - loneliness_relief bridging), with
    ``relief`` each person's loneliness_relief. Ties to course members and facilitators do not
    count: belonging to the group is connectedness, inside the QPR-15's CHIME composite.

    Why: the modified Copenhagen Social Relations Questionnaire measures the structure of a
    person's social relations, social support and negative aspects of relations (Lund et al. 2014,
    J Aging Health 26:128; the trial used a modified version, Poulsen et al. 2025, abstract),
    relations in the person's life, not in a course; the earlier definition (1 - loneliness,
    relieved by ties in the group too) made the modelled effect 99% ties inside the group.
    The seed: bridging to the wider community "did not seem to be activated" (Egmose et al. 2024,
    Discussion), so under the seed's theory this outcome moves little, and the trial's null is a
    consequence of the bridging parameters, not a pattern that emerges. One definition, used by
    every study."""
    bridging = participants[f"bridging_{when}"].to_numpy(float)
    lonely = participants["loneliness_baseline"].to_numpy(float) * (1.0 - np.asarray(relief) * bridging)
    return pd.Series(1.0 - lonely, index=participants.index)


def _first_people(trial: np.ndarray, group: np.ndarray, member: np.ndarray, people: int) -> np.ndarray:
    """The rows of the arm's people, in order: the first ``people`` of each copy in group and
    member order (a trial stops recruiting when the arm is full)."""
    order = np.lexsort((member, group, trial))  # the keys are unique: one order
    ordered = trial[order]
    rank = np.arange(len(order)) - np.searchsorted(ordered, ordered)  # place within the copy
    return order[rank < people]


def _missing(frame: pd.DataFrame, study: Study, params: Params, seed: int) -> np.ndarray:
    """Whether each person's end-of-course questionnaire is missing: a draw of the stream
    ``trial.missing`` keyed by (seed, run, member), against the study's missing shares."""
    runs, position = np.unique(frame["run"].to_numpy(), return_inverse=True)
    members = frame["member"].to_numpy()
    u = Streams(seed, runs).uniform("trial.missing", params.n_sessions, np.arange(members.max() + 1))
    left = frame["dropped_out"].to_numpy(bool)
    chance = np.where(left, study.missing_leavers, study.missing_stayed)
    return u[position, members] < chance


def measured_columns(study: Study) -> list[tuple[str, str]]:
    """(outcome, occasion) pairs the study measures: every outcome at each of its occasions
    (follow-up only for outcomes with a follow-up state)."""
    from peersim.data.study import FOLLOWUP_OUTCOMES

    return [
        (o, when)
        for o in OUTCOMES
        for when in ("baseline", *study.occasions)
        if when != "followup" or o in FOLLOWUP_OUTCOMES
    ]


def _measure(people: pd.DataFrame, study: Study, seed: int, outcomes=None) -> pd.DataFrame:
    """Add ``<outcome>_<occasion>_measured`` (module docstring, Measurement) for ``outcomes``
    (default all). Each outcome's errors are its own stream, so measuring fewer changes none."""
    runs, position = np.unique(people["run"].to_numpy(), return_inverse=True)
    members = people["member"].to_numpy()
    trial = people["trial"].to_numpy()
    streams = Streams(seed, runs)
    every = np.arange(members.max() + 1)
    r = study.reliability
    params = study.params()
    n_sessions = params.n_sessions
    weeks = {"baseline": 0, "end": n_sessions, "followup": n_sessions + params.follow_up_weeks}
    spreads: dict[str, np.ndarray] = {}
    measured: dict[str, np.ndarray] = {}
    for outcome, when in dict.fromkeys(measured_columns(study)):
        if outcomes is not None and outcome not in outcomes:
            continue
        column = f"{outcome}_{when}"
        latent = people[column].to_numpy()
        if outcome == "qpr" or r >= 1.0:  # the QPR-15 is a measurement already
            measured[f"{column}_measured"] = latent.copy()
            continue
        if outcome not in spreads:
            baseline = pd.Series(people[f"{outcome}_baseline"].to_numpy())
            spreads[outcome] = baseline.groupby(trial).transform("std").to_numpy()
        sd = spreads[outcome] * np.sqrt((1.0 - r) / r)
        u = streams.uniform(f"trial.measure.{outcome}", weeks[when], every)[position, members]
        # the standard normal quantile: scipy.stats.norm.ppf's own function, without its checks
        # (u is strictly inside (0, 1))
        measured[f"{column}_measured"] = latent + sd * special.ndtri(u)
    # all at once: a column at a time copies the growing table's blocks
    return pd.concat([people, pd.DataFrame(measured, index=people.index)], axis=1)
