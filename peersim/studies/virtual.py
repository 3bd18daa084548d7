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
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every randomised person of copies ``ids`` (default 0, 1, ..., one per entry of
    ``of_copy``) of ``study``: copy c runs the parameter set ``sets.iloc[of_copy[c]]`` (columns
    named after parameters; None: the study's own parameters). One row per person, with ``arm``
    (its name), ``trial`` (c), ``group`` (position of the group or block in its
    arm), ``covid``, ``missing``, the participants table's columns and the measured outcomes
    ``<outcome>_<occasion>_measured`` (of ``outcomes`` only, if given: the calibration measures
    what its statistics read). ``columns``: of the participants table only these (and those
    the study's draws and measurement read), not the sixty-odd others."""
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
    # copy(): one block per dtype, so the column added next does not meet a frame the caller built
    # column by column (pandas' PerformanceWarning; the statistics are the same to the last bit)
    doubled = sets.loc[sets.index.repeat(2)].reset_index(drop=True).copy()
    doubled["covid_restrictions"] = np.tile([False, True], len(sets))
    needed = None  # the participants table's columns kept (None: all)
    if columns is not None:
        needed = {
            "run",
            "member",
            "dropped_out",
            "loneliness_baseline",
            "bridging_baseline",
            "bridging_end",
            *columns,
        }
        needed |= {f"{o}_{w}" for o, w in measured_columns(study) if outcomes is None or o in outcomes}
    total = sum(a.groups for a in study.arms) * len(ids)
    bar = progress_bar(total, enabled=progress)
    arms, front, back = [], {"arm": [], "trial": [], "group": [], "set": []}, {"covid": [], "missing": []}
    reliefs = []  # each person's loneliness_relief (their copy's set), for social relations
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
            # only the columns kept, and no groups table (the study reads none)
            out = simulate_courses(
                table, positions[part], runs[part], seed, population, columns=needed, groups=False
            )["participants"]
            frames.append(out)
            bar.update(len(runs[part]))
        position, run, member = (_joined(frames, c) for c in ("set", "run", "member"))
        k, g = np.divmod(run - first, groups)
        found = (position // 2) * span + k  # back to the copy: its set and its id
        trial = pair_order[np.searchsorted(pair[pair_order], found)]
        keep = _first_people(trial, g, member, arm.people)
        front["arm"].append(np.full(len(keep), j))
        front["trial"].append(trial[keep])
        front["group"].append(g[keep])
        front["set"].append(of_copy[trial[keep]])
        back["covid"].append(position[keep] % 2 == 1)
        left = _joined(frames, "dropped_out")[keep]
        back["missing"].append(_missing(run[keep], member[keep], left, study, params, seed))
        reliefs.append(_per_copy(sets, "loneliness_relief", params)[of_copy[trial[keep]]])
        arms.append((frames, keep))
    bar.close()
    # the table built once, column by column, from each arm's chunks and its people's rows: taking
    # and inserting on the whole table, arm by arm, copied it several times
    names = [c for c in arms[0][0][0].columns if c != "set"]
    data = {c: np.concatenate(v) for c, v in front.items()}
    # the arm's name as a string column, taken from the names (not made from 10^5 Python strings)
    data["arm"] = pd.array([a.name for a in study.arms], dtype="str").take(data["arm"])
    data |= {c: _taken(arms, c) for c in names}
    data |= {c: np.concatenate(v) for c, v in back.items()}
    relief = np.concatenate(reliefs)
    for when in ("baseline", "end"):
        data[f"social_relations_{when}"] = social_relations(data, relief, when)
    # every array is new (joined, taken or computed here): the frame need not copy them again
    return pd.DataFrame(data | _measure(data, study, seed, outcomes), copy=False)


def _joined(frames: list[pd.DataFrame], column: str) -> np.ndarray:
    """One column of a list of tables, as one array (the table's own for one table: read, not
    written)."""
    if len(frames) == 1:
        return frames[0][column].to_numpy()
    return np.concatenate([f[column].to_numpy() for f in frames])


def _taken(arms, column: str):
    """One column of the study's table: each arm's chunks joined, its people's rows taken."""
    if isinstance(arms[0][0][0][column].dtype, np.dtype):
        return np.concatenate([_joined(frames, column)[keep] for frames, keep in arms])
    # an extension column (the nullable dropout session): pandas' own join and take
    parts = [pd.concat([f[column] for f in frames], ignore_index=True).take(keep) for frames, keep in arms]
    return pd.concat(parts, ignore_index=True).array


def _per_copy(sets: pd.DataFrame, name: str, params: Params) -> np.ndarray:
    """Parameter ``name`` of every set (its column, or the arm's value where sets do not vary it)."""
    if name in sets:
        return sets[name].to_numpy(float)
    return np.full(len(sets), float(getattr(params, name)))


def social_relations(participants, relief, when: str = "end") -> np.ndarray:
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
    bridging = np.asarray(participants[f"bridging_{when}"], dtype=float)
    lonely = np.asarray(participants["loneliness_baseline"], dtype=float) * (
        1.0 - np.asarray(relief) * bridging
    )
    return 1.0 - lonely


def _first_people(trial: np.ndarray, group: np.ndarray, member: np.ndarray, people: int) -> np.ndarray:
    """The rows of the arm's people, in order: the first ``people`` of each copy in group and
    member order (a trial stops recruiting when the arm is full)."""
    n = int(member.max()) + 1 if len(member) else 1
    if len(member) % n == 0 and (member.reshape(-1, n) == np.arange(n)).all():
        # each course's members together and in order (as the engine writes them): sort courses
        courses = np.lexsort((group[::n], trial[::n]))
        order = (courses[:, None] * n + np.arange(n)).ravel()
    else:
        order = np.lexsort((member, group, trial))  # the keys are unique: one order
    ordered = trial[order]
    rank = np.arange(len(order)) - np.searchsorted(ordered, ordered)  # place within the copy
    return order[rank < people]


def _missing(run, member, left, study: Study, params: Params, seed: int) -> np.ndarray:
    """Whether each person's end-of-course questionnaire is missing (``run``, ``member``: theirs;
    ``left``: whether they left the course): a draw of the stream ``trial.missing`` keyed by
    (seed, run, member), against the study's missing shares."""
    runs, position = np.unique(run, return_inverse=True)
    u = Streams(seed, runs).uniform("trial.missing", params.n_sessions, np.arange(member.max() + 1))
    chance = np.where(left.astype(bool), study.missing_leavers, study.missing_stayed)
    return u[position, member] < chance


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


def _measure(people, study: Study, seed: int, outcomes=None) -> dict[str, np.ndarray]:
    """The columns ``<outcome>_<occasion>_measured`` (module docstring, Measurement) for
    ``outcomes`` (default all), from ``people``'s columns (arrays by name). Each outcome's errors
    are its own stream, so measuring fewer changes none."""
    runs, position = np.unique(np.asarray(people["run"]), return_inverse=True)
    members = np.asarray(people["member"])
    trial = np.asarray(people["trial"])
    streams = Streams(seed, runs)
    every = np.arange(members.max() + 1)
    r = study.reliability
    params = study.params()
    n_sessions = params.n_sessions
    weeks = {"baseline": 0, "end": n_sessions, "followup": n_sessions + params.follow_up_weeks}
    pairs = [(o, w) for o, w in dict.fromkeys(measured_columns(study)) if outcomes is None or o in outcomes]
    # the QPR-15 is a measurement already; the others' spreads at baseline by pandas' group std,
    # every outcome in one grouping (as a transform would broadcast it to the rows)
    noisy = list(dict.fromkeys(o for o, _ in pairs if o != "qpr" and r < 1.0))
    spreads: dict[str, np.ndarray] = {}
    if noisy:
        by_trial = pd.DataFrame({o: np.asarray(people[f"{o}_baseline"]) for o in noisy}).groupby(trial).std()
        at = np.searchsorted(by_trial.index.to_numpy(), trial)
        spreads = {o: by_trial[o].to_numpy()[at] for o in noisy}
    measured: dict[str, np.ndarray] = {}
    for outcome, when in pairs:
        column = f"{outcome}_{when}"
        latent = np.asarray(people[column])
        if outcome not in spreads:
            measured[f"{column}_measured"] = latent.copy()
            continue
        sd = spreads[outcome] * np.sqrt((1.0 - r) / r)
        u = streams.uniform(f"trial.measure.{outcome}", weeks[when], every)[position, members]
        # the standard normal quantile: scipy.stats.norm.ppf's own function, without its checks
        # (u is strictly inside (0, 1))
        measured[f"{column}_measured"] = latent + sd * special.ndtri(u)
    return measured
