"""Discriminating patterns: what a future study should measure to tell rival programme theories
apart, and with how many groups.

Pattern-oriented modelling tests a theory by the several patterns it must produce together
(Grimm et al. 2005, Science 310:987); rival theories calibrated to the same targets (the model
selection of ``experiments/theories.py``) may still differ on patterns nobody measured. This module
finds them by simulation. ``discriminating_patterns(draws)`` takes, for each theory
(:mod:`peersim.core.theories`), a table of its parameter sets (posterior draws) and simulates for each
draw one *study*: ``groups`` PEER groups and a service-as-usual control arm of as many courses, and
for the patterns that need them further arms of ``groups`` groups each (safety or sharing knocked
out, paid facilitators, COVID-19 restrictions). Every pattern in ``PATTERNS`` is one number per
study. The simulation gives every arm of a study the same people and draws (common random numbers:
group g of each arm is the same run of the same seed, and draw k of every theory meets the same
people), so a knock-out's or a context's change is exact rather than noisy; a real study cannot
do that, and its noise is estimated as if each arm had its own people (below).

Two sources of spread, kept apart. Across draws of one theory, a pattern varies because the
parameters are uncertain (tau^2, the variance across draws of the pattern's expected value) and
because a study of G groups per arm is a sample (sigma^2 / G, with sigma^2 the variance per
group). Each pattern is computed from sums over groups (counts, sums, sums of squares and
products), so delete-one-group jackknives (Efron & Stein 1981, Ann Stat 9:586) are exact
arithmetic on those sums. Within each study:

- the stratified jackknife, arms as strata (Wolter 2007, Introduction to Variance Estimation,
  ch. 4): v = sum_arms (G - 1) / G * sum_g (theta_(-arm g) - mean_arm)^2, deleting one group of
  one arm at a time, is the sampling variance of a study whose arms have their own people;
  sigma^2 = G * mean(v) over the theory's draws;
- the paired jackknife, deleting group g from every arm at once, is the simulated study's
  sampling variance v_sim (its arms share people); tau^2 = max(0, var(theta) - mean(v_sim))
  across draws (method of moments, as in the random-effects split of
  :mod:`peersim.stats.uncertainty`).

For a pattern of one arm the two coincide. A study of n groups per arm sees the pattern spread by

    s(n)^2 = tau^2 + sigma^2 / n.

More groups shrink the second term, never the first. tau^2 is itself estimated from the draws:
with few draws it is noisy, and draws that are all the same parameters give a small positive tau
by chance.

Groups needed. A study of n groups per arm tells theories A and B apart on a pattern when,
whichever is true, its observed value rejects the other's prediction: with A true, the value falls
beyond B's two-sided (1 - alpha) prediction interval with probability ``power``, and the other way
round. With normal predictive distributions this is

    |mu_A - mu_B| > z_(1 - alpha/2) * s_B(n) + z_power * s_A(n)   and the same with A, B swapped.

``groups_needed`` is the smallest such n; when parameter uncertainty alone already overlaps,
|mu_A - mu_B| <= z_(1 - alpha/2) tau_B + z_power tau_A (or swapped), no study size suffices and
it is infinite ("not at any size"). With tau = 0 and sigma_A = sigma_B = sigma it is the
textbook normal-approximation sample size n = ((z_(1 - alpha/2) + z_power) sigma / delta)^2. Below
a few groups the normal approximation is rough: read 1 or 2 as "a couple of groups".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import norm

from peersim.core.params import Params
from peersim.core.sets import ParamSets
from peersim.run.arms import study_and_group, study_runs
from peersim.run.engine import simulate_courses
from peersim.stats.effects import Z95, cohens_d, pooled_sd, pooled_sd_from_sums

#: The PEER arm's variants a pattern may compare with the base: changes to each draw's parameters.
VARIANTS: dict[str, dict] = {
    "base": {},
    "no_safety": {"disabled_mechanisms": ("safety",)},
    "no_sharing": {"disabled_mechanisms": ("sharing",)},
    "paid": {"facilitator_role": "paid"},
    "covid": {"covid_restrictions": True},
}
#: The control arm's contexts (service as usual has no group, so knock-outs and facilitators do not
#: reach it; restrictions might): the control arm each variant is compared with.
CONTEXT = {"base": "base", "no_safety": "base", "no_sharing": "base", "paid": "base", "covid": "covid"}
#: Leavers gone by this session count as early.
EARLY_SESSION = 3
#: Courses simulated per call of the engine (a chunk: all variants of a block of draws).
CHUNK_COURSES = 2000


@dataclass
class Arms:
    """One chunk of simulated studies: the PEER arm under each variant and the control arm under
    each context. Every table has ``study`` (the draw's row in the combined table of draws) and
    ``group`` (0..G-1: PEER group g meets control course g) besides the participants' columns; the
    base PEER arm also has the leavers' gaps measured at the session they left (``_leaver_gaps``)."""

    peer: dict[str, pd.DataFrame]
    control: dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Pattern:
    """One observable pattern: what a study measures, the per-participant contributions it sums
    (``sums(arms)`` returns, per arm of the study, a frame with ``study``, ``group`` and numeric
    columns, summed within each group; column names are unique across arms) and its value from
    those sums (``value(totals)``, totals over any set of groups: a whole study, or a study
    without one group of one arm)."""

    name: str
    measurement: str
    sums: Callable[[Arms], dict[str, pd.DataFrame]]
    value: Callable[[pd.DataFrame], np.ndarray]


def _contributions(frame: pd.DataFrame, **columns) -> pd.DataFrame:
    out = pd.DataFrame({"study": frame["study"].to_numpy(), "group": frame["group"].to_numpy()})
    for name, values in columns.items():
        out[name] = np.asarray(values, dtype=float)
    return out


def _ratio(num: str, den: str) -> Callable[[pd.DataFrame], np.ndarray]:
    def value(t: pd.DataFrame) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (t[num] / t[den].where(t[den] > 0)).to_numpy(float)

    return value


def _moments(prefix: str, frame: pd.DataFrame, y: str) -> pd.DataFrame:
    v = frame[y].to_numpy(float)
    return _contributions(frame, **{f"{prefix}n": np.ones_like(v), f"{prefix}y": v, f"{prefix}yy": v * v})


def _d(t: pd.DataFrame, peer: str, control: str) -> np.ndarray:
    """Cohen's d (pooled sd, ddof 1), PEER minus control, from counts, sums and sums of squares."""
    n1, s1, q1 = (t[f"{peer}{k}"].to_numpy(float) for k in ("n", "y", "yy"))
    n0, s0, q0 = (t[f"{control}{k}"].to_numpy(float) for k in ("n", "y", "yy"))
    with np.errstate(invalid="ignore", divide="ignore"):
        difference = s1 / n1 - s0 / n0
    return cohens_d(difference, pooled_sd_from_sums(n1, s1, q1, n0, s0, q0))


def _trial_sums(arms: Arms) -> dict[str, pd.DataFrame]:
    """A two-arm trial: the base PEER arm against service as usual."""
    return {
        "peer": _moments("p0", arms.peer["base"], "qpr_end"),
        "control": _moments("c0", arms.control["base"], "qpr_end"),
    }


def _effect_change(variant: str) -> tuple[Callable, Callable]:
    """Sums and value of the change in the trial effect d under a variant: a study with a third
    arm of PEER groups under the variant (and, if the variant changes the context, a control arm
    in that context too): d(variant arm vs its control) - d(PEER arm vs control)."""
    context = CONTEXT[variant]
    control = "c0" if context == "base" else "cv"

    def sums(arms: Arms) -> dict[str, pd.DataFrame]:
        out = {**_trial_sums(arms), f"peer_{variant}": _moments("pv", arms.peer[variant], "qpr_end")}
        if context != "base":
            out[f"control_{context}"] = _moments("cv", arms.control[context], "qpr_end")
        return out

    def value(t: pd.DataFrame) -> np.ndarray:
        return _d(t, "pv", control) - _d(t, "p0", "c0")

    return sums, value


def _early_sums(arms: Arms) -> dict[str, pd.DataFrame]:
    p = arms.peer["base"]
    left = p["dropped_out"].to_numpy(bool)
    early = left & (p["dropout_session"].fillna(0).to_numpy(float) <= EARLY_SESSION)
    return {"peer": _contributions(p, early=early, left=left)}


def _dropout_sums(arms: Arms) -> dict[str, pd.DataFrame]:
    p = arms.peer["base"]
    return {"peer": _contributions(p, left=p["dropped_out"].to_numpy(bool), n=np.ones(len(p)))}


def _leaver_gap_sums(column: str) -> Callable[[Arms], dict[str, pd.DataFrame]]:
    """Mean over leavers of their gap to the completers of their own group, at the session they
    left (NaN gaps, e.g. a group with no completer, are left out)."""

    def sums(arms: Arms) -> dict[str, pd.DataFrame]:
        p = arms.peer["base"]
        gap = p[column].to_numpy(float)
        has = ~np.isnan(gap)
        return {"peer": _contributions(p, gap=np.where(has, gap, 0.0), leavers=has)}

    return sums


def _difference_gap_sums(arms: Arms) -> dict[str, pd.DataFrame]:
    p = arms.peer["base"]
    left = p["dropped_out"].to_numpy(bool)
    x = p["difference_from_group"].to_numpy(float)
    return {
        "peer": _contributions(p, xl=np.where(left, x, 0.0), nl=left, xc=np.where(left, 0.0, x), nc=~left)
    }


def _difference_gap(t: pd.DataFrame) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (t["xl"] / t["nl"].where(t["nl"] > 0) - t["xc"] / t["nc"].where(t["nc"] > 0)).to_numpy(float)


def _dose_sums(arms: Arms) -> dict[str, pd.DataFrame]:
    p = arms.peer["base"]
    x = p["sessions_attended"].to_numpy(float)
    y = (p["qpr_end"] - p["qpr_baseline"]).to_numpy(float)
    return {"peer": _contributions(p, n=np.ones_like(x), x=x, y=y, xx=x * x, xy=x * y)}


def _slope(t: pd.DataFrame) -> np.ndarray:
    """Least-squares slope of y on x from n, sums and sums of squares and products."""
    n, x, y, xx, xy = (t[k].to_numpy(float) for k in ("n", "x", "y", "xx", "xy"))
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = xx - x * x / n
        return np.where(sxx > 1e-12, (xy - x * y / n) / sxx, np.nan)


def _followup_sums(arms: Arms) -> dict[str, pd.DataFrame]:
    p = arms.peer["base"]
    return {
        "peer": _contributions(p, y=(p["qpr_followup"] - p["qpr_end"]).to_numpy(float), n=np.ones(len(p)))
    }


#: The patterns, each one entry: name, what a study measures, its sums and its value.
PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "dropout_rate",
        "share of PEER participants who leave the course",
        _dropout_sums,
        _ratio("left", "n"),
    ),
    Pattern(
        f"left_within_{EARLY_SESSION}_sessions",
        f"of those who leave, the share who left after session 1 to {EARLY_SESSION} (absent from session"
        f" {EARLY_SESSION + 1} on; attendance register)",
        _early_sums,
        _ratio("early", "left"),
    ),
    Pattern(
        "leavers_difference_gap",
        "difference from the group (age, diagnosis, situation; measured at intake): leavers minus completers",
        _difference_gap_sums,
        _difference_gap,
    ),
    Pattern(
        "leavers_similarity_gap",
        "perceived similarity to the group, rated each session: a leaver's rating at the session"
        " they left minus their group's completers' at that session",
        _leaver_gap_sums("similarity_gap"),
        _ratio("gap", "leavers"),
    ),
    Pattern(
        "leavers_connectedness_gap",
        "connectedness to the group, rated each session: a leaver's rating at the session they"
        " left minus their group's completers' at that session",
        _leaver_gap_sums("connectedness_gap"),
        _ratio("gap", "leavers"),
    ),
    Pattern(
        "dose_response",
        "QPR change (end - baseline) per session attended, PEER arm (least-squares slope)",
        _dose_sums,
        _slope,
    ),
    Pattern(
        "trial_effect",
        "Cohen's d on QPR at the end, PEER vs service as usual",
        _trial_sums,
        lambda t: _d(t, "p0", "c0"),
    ),
    Pattern(
        "safety_knockout",
        "change in the trial effect d when groups run without what makes them safe (no rules,"
        " anonymity or skilled handling): a trial arm of such groups",
        *_effect_change("no_safety"),
    ),
    Pattern(
        "sharing_knockout",
        "change in the trial effect d when members do not share their stories: a trial arm of"
        " groups without sharing",
        *_effect_change("no_sharing"),
    ),
    Pattern(
        "paid_interaction",
        "change in the trial effect d with paid facilitators instead of peer volunteers",
        *_effect_change("paid"),
    ),
    Pattern(
        "covid_interaction",
        "change in the trial effect d under COVID-19 restrictions",
        *_effect_change("covid"),
    ),
    Pattern(
        "followup_change",
        "mean change in QPR from the end of the course to follow-up, PEER arm",
        _followup_sums,
        _ratio("y", "n"),
    ),
)

_BY_NAME = {p.name: p for p in PATTERNS}
#: Parameters the variants and the study design set: a table of draws may not vary them.
_DESIGN = ("disabled_mechanisms", "facilitator_role", "covid_restrictions", "control_arm", "theory")


# --- simulation ---------------------------------------------------------------------------------
def _combine(draws: Mapping[str, pd.DataFrame], seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """All theories' draws in one table (``theory`` set from the key) and each row's number within
    its theory. A ``weight`` column is honoured by resampling the draws by weight (seeded), so
    every later mean and sd is the weighted one; equal weights keep the table as given."""
    from peersim.core.theories import THEORIES

    if not isinstance(draws, Mapping) or not draws:
        raise ValueError("draws must map theory names to tables of parameter sets")
    rng = np.random.default_rng(seed)
    frames, numbers = [], []
    for name, table in draws.items():
        if name not in THEORIES:
            raise ValueError(f"draws: unknown theory {name!r} (theories: {', '.join(THEORIES)})")
        table = pd.DataFrame(table).reset_index(drop=True)
        if len(table) == 0:
            raise ValueError(f"draws[{name!r}] has no rows: give at least one parameter set")
        if "theory" in table and not (table["theory"].isna() | (table["theory"] == name)).all():
            raise ValueError(f"draws[{name!r}]: its theory column names another theory")
        fixed = [c for c in table.columns if c in _DESIGN and c != "theory"]
        if fixed:
            raise ValueError(f"draws[{name!r}]: {fixed[0]!r} is set by the study design, not by a draw")
        if "weight" in table:
            w = table.pop("weight").to_numpy(float)
            if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
                raise ValueError(f"draws[{name!r}]: weights must be finite, non-negative, not all zero")
            if not np.allclose(w, w[0]):
                table = table.iloc[rng.choice(len(table), size=len(table), p=w / w.sum())]
                table = table.reset_index(drop=True)
        frames.append(table.assign(theory=name))
        numbers.append(np.arange(len(table)))
    combined = pd.concat(frames, ignore_index=True)
    return combined, np.concatenate(numbers)


def _leaver_gaps(participants: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Each leaver's connectedness and perceived similarity at the session they left (the last
    they attended: the state recorded that week) minus the mean of their group's completers at the
    same session; NaN for completers. This is what a study rating both at every session sees: the
    leavers' ratings at the end of the course are gone (and their ties have faded since)."""
    keys = ["set", "run"]
    done = participants.loc[~participants["dropped_out"].to_numpy(bool), [*keys, "member"]]
    measured = [*keys, "week", "member", "connectedness", "similarity_to_group"]
    weekly = sessions.loc[sessions["week"] >= 1, measured]
    completers = weekly.merge(done, on=[*keys, "member"]).groupby([*keys, "week"], sort=False)
    reference = completers[["connectedness", "similarity_to_group"]].mean()
    left = participants.loc[participants["dropped_out"].to_numpy(bool), [*keys, "member", "dropout_session"]]
    left = left.assign(week=left.pop("dropout_session").astype("int64"))
    own = left.merge(weekly, on=[*keys, "member", "week"], how="left")
    own = own.merge(reference, left_on=[*keys, "week"], right_index=True, how="left", suffixes=("", "_ref"))
    gaps = pd.DataFrame(
        {
            **{k: own[k].to_numpy() for k in (*keys, "member")},
            "connectedness_gap": (own["connectedness"] - own["connectedness_ref"]).to_numpy(float),
            "similarity_gap": (own["similarity_to_group"] - own["similarity_to_group_ref"]).to_numpy(float),
        }
    )
    out = participants.merge(gaps, on=[*keys, "member"], how="left")
    return out


def _simulate_chunk(
    sets: pd.DataFrame, numbers: np.ndarray, studies: np.ndarray, groups: int, base: Params, seed: int
) -> Arms:
    """The studies of a block of draws: every variant's PEER arm and every context's control arm.
    Draw k of a theory runs courses k * groups .. k * groups + groups - 1 (control: offset by
    CONTROL_RUNS), so every variant, and the same-numbered draw of every theory, meets the same
    people with the same draws."""
    positions = np.repeat(np.arange(len(sets)), groups)

    def run(params: Params, control: bool, record: str = "summary") -> dict[str, pd.DataFrame]:
        runs = study_runs(numbers, groups, control)
        out = simulate_courses(ParamSets(sets, params), positions, runs, seed, record=record)
        for frame in out.values():  # the set is the draw's row in this block; the run names the group
            row = frame["set"].to_numpy()
            frame["study"] = studies[row]
            frame["group"] = study_and_group(frame["run"].to_numpy(), groups, control)[1]
        return out

    peer, control = {}, {}
    for variant, changes in VARIANTS.items():
        changes = dict(changes)
        if "disabled_mechanisms" in changes:
            changes["disabled_mechanisms"] = (*base.disabled_mechanisms, *changes["disabled_mechanisms"])
        if variant == "base":
            tables = run(base, False, record="sessions")
            peer[variant] = _leaver_gaps(tables["participants"], tables["sessions"])
        else:
            peer[variant] = run(base.replace(**changes), False)["participants"]
    for context in dict.fromkeys(CONTEXT.values()):
        params = base.replace(**VARIANTS[context], control_arm=True)
        control[context] = run(params, True)["participants"]
    return Arms(peer=peer, control=control)


def _group_sums(pattern: Pattern, arms: Arms, studies: np.ndarray, groups: int) -> pd.DataFrame:
    """The pattern's contributions summed within each (study, arm, group); every group of every
    arm present (zeros where an arm has no column of another)."""
    parts = pattern.sums(arms)
    grid = pd.MultiIndex.from_product([studies, list(parts), range(groups)], names=["study", "arm", "group"])
    frames = [
        frame.groupby(["study", "group"]).sum().assign(arm=arm).set_index("arm", append=True)
        for arm, frame in parts.items()
    ]
    frame = pd.concat(frames).reorder_levels(["study", "arm", "group"])
    return frame.reindex(grid).fillna(0.0)


def _jackknife(theta: np.ndarray) -> np.ndarray:
    """(m - 1) / m * sum (theta_(-g) - mean)^2 along the last axis, over the m deletions that
    leave the value defined (a ratio may run out of, e.g., leavers); NaN with fewer than 2."""
    m = np.sum(~np.isnan(theta), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.nanmean(np.where(m[..., None] > 0, theta, 0.0), axis=-1, keepdims=True)
        spread = np.nansum((theta - centre) ** 2, axis=-1)
        return np.where(m >= 2, (m - 1) / m * spread, np.nan)


def _evaluate(pattern: Pattern, sums: pd.DataFrame, groups: int) -> tuple[np.ndarray, ...]:
    """Each study's value and two delete-one-group jackknife variances (Efron & Stein 1981):

    - ``sampling_var``, a study's whose arms have their own people: the stratified jackknife,
      strata = arms, deleting one group of one arm at a time, v = sum_arms (m - 1) / m *
      sum_g (theta_(-arm g) - mean_arm)^2 (Wolter 2007, Introduction to Variance Estimation, 4.5);
    - ``simulation_var``, the simulated study's: its arms' group g are the same people (common
      random numbers), so group g is deleted from every arm at once.

    The first is the noise a real study of that many groups per arm would see; the second is
    what the spread of the simulated studies contains besides parameter uncertainty."""
    arms = sums.index.get_level_values("arm").unique()
    totals = sums.groupby(level="study", sort=True).sum()
    values = np.asarray(pattern.value(totals), dtype=float)

    def without(rows: pd.DataFrame, shape: tuple[int, ...]) -> np.ndarray:
        study = rows.index.get_level_values("study")
        loo = pd.DataFrame(totals.loc[study].to_numpy() - rows.to_numpy(), columns=rows.columns)
        return np.asarray(pattern.value(loo), dtype=float).reshape(shape)

    per_arm = _jackknife(without(sums, (len(totals), len(arms), groups)))
    sampling = np.where(np.isnan(per_arm).all(axis=1), np.nan, np.nansum(per_arm, axis=1))
    paired = without(sums.groupby(level=["study", "group"], sort=True).sum(), (len(totals), groups))
    return values, sampling, _jackknife(paired)


# --- results ------------------------------------------------------------------------------------
def groups_needed(
    difference,
    param_sd_a,
    group_sd_a,
    param_sd_b,
    group_sd_b,
    alpha: float = 0.05,
    power: float = 0.8,
) -> np.ndarray:
    """The smallest number of groups n with which a study tells theory A from B (module docstring):
    |difference| > z_(1 - alpha/2) s_B(n) + z_power s_A(n), and with A and B swapped, where
    s(n)^2 = param_sd^2 + group_sd^2 / n. Infinite where even n -> infinity fails (parameter
    uncertainty alone overlaps, or no difference at all); NaN where the difference is NaN.
    Arguments broadcast; returns floats (whole numbers or inf)."""
    given = (difference, param_sd_a, group_sd_a, param_sd_b, group_sd_b)
    delta, ta, sa, tb, sb = np.broadcast_arrays(*(np.abs(np.asarray(x, dtype=float)) for x in given))
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)

    def enough(n):
        s_a, s_b = np.sqrt(ta**2 + sa**2 / n), np.sqrt(tb**2 + sb**2 / n)
        return (delta > za * s_b + zb * s_a) & (delta > za * s_a + zb * s_b)

    possible = (delta > za * tb + zb * ta) & (delta > za * ta + zb * tb)
    # bisection on log n over [1, 1e15]: `enough` only gets easier as n grows
    low, high = np.zeros(delta.shape), np.full(delta.shape, 15.0)
    for _ in range(80):
        mid = (low + high) / 2
        ok = enough(10.0**mid)
        high, low = np.where(ok, mid, high), np.where(ok, low, mid)
    n = np.ceil(10.0**high - 1e-9)
    n = np.where(enough(np.maximum(n - 1, 1)) & (n > 1), n - 1, n)  # rounding at the edge
    n = np.where(enough(1.0), 1.0, n)
    n = np.where(possible, n, np.inf)
    return np.where(np.isnan(delta + ta + sa + tb + sb), np.nan, n)


@dataclass
class PatternResult:
    """What ``discriminating_patterns`` returns.

    ``theories``: one row per (theory, pattern, with its ``measurement``): ``mean``; ``sd``,
    ``low`` and ``high`` (2.5% and 97.5%) of the simulated studies' values across draws;
    ``param_sd`` (tau: parameter uncertainty alone); ``group_sd`` (sigma: sd per group of each
    arm, as in a study whose arms have their own people); ``study_sd`` = sqrt(tau^2 + sigma^2 /
    groups), the spread of such a study of ``groups`` groups per arm (a study of n groups:
    sqrt(tau^2 + sigma^2 / n)); ``draws`` (studies with a value). Where a pattern compares arms
    of the same simulated people (knock-outs, contexts), ``sd`` is smaller than ``study_sd``.
    ``pairs``: one row per (pair of theories, pattern): ``pair`` ("a vs b"), ``theory_a``,
    ``theory_b``, ``pattern``, ``measurement``, ``mean_a``, ``mean_b``, ``difference`` (b - a),
    ``difference_se`` (its simulation error, from the draws), ``separation`` (difference /
    sqrt((study_sd_a^2 + study_sd_b^2) / 2): standardised at ``groups`` groups per arm) and
    ``groups_needed`` (groups per arm; inf: not at any size).
    ``studies``: one row per (theory, draw, pattern): the study's ``value``, ``sampling_var``
    (its jackknife variance as a study with its own people per arm) and ``simulation_var`` (as
    simulated, arms sharing people).
    """

    theories: pd.DataFrame
    pairs: pd.DataFrame
    studies: pd.DataFrame
    groups: int
    seed: int
    base: Params
    alpha: float = 0.05
    power: float = 0.8
    measurements: dict[str, str] = field(default_factory=dict)

    def best(self, top: int = 3) -> pd.DataFrame:
        """For each pair, the ``top`` best-separating patterns: fewest groups needed, then the
        largest standardised separation."""
        order = {pair: i for i, pair in enumerate(dict.fromkeys(self.pairs["pair"]))}
        frame = self.pairs.assign(_pair=self.pairs["pair"].map(order), _abs=self.pairs["separation"].abs())
        keys, ascending = ["_pair", "groups_needed", "_abs"], [True, True, False]
        frame = frame.sort_values(keys, ascending=ascending, kind="stable")
        frame = frame.groupby("pair", sort=False).head(top)
        return frame.drop(columns=["_pair", "_abs"]).reset_index(drop=True)

    def spread(self, groups: int) -> pd.DataFrame:
        """Each theory's spread of each pattern in a study of ``groups`` groups per arm:
        ``sampling_sd`` = group_sd / sqrt(groups) shrinks with the study, ``param_sd`` does not,
        ``study_sd`` = sqrt(param_sd^2 + sampling_sd^2)."""
        t = self.theories
        sampling = t["group_sd"] / np.sqrt(groups)
        return pd.DataFrame(
            {
                "theory": t["theory"],
                "pattern": t["pattern"],
                "groups": groups,
                "param_sd": t["param_sd"],
                "sampling_sd": sampling,
                "study_sd": np.sqrt(t["param_sd"] ** 2 + sampling**2),
            }
        )

    def format(self, top: int = 3) -> str:
        """The best-separating patterns of each pair, as text."""
        lines = [
            f"Patterns that tell the theories apart (separation at {self.groups} groups per arm; groups"
            f" per arm needed for {self.power:.0%} power at two-sided {self.alpha:.0%}):"
        ]
        for pair, rows in self.best(top).groupby("pair", sort=False):
            lines.append(f"  {pair}")
            for _, r in rows.iterrows():
                need = (
                    "not at any size"
                    if np.isinf(r.groups_needed)
                    else f"{r.groups_needed:,.0f} group{'s' if r.groups_needed != 1 else ''}"
                )
                lines.append(
                    f"    {r.pattern:26s} {r.mean_a:+8.3f} vs {r.mean_b:+8.3f}"
                    f"  separation {r.separation:+6.2f}  {need}"
                )
        return "\n".join(lines)

    def figure(self):
        """Patterns x theories: each theory's mean, mean +- 1.96 study_sd (thin: where a study of
        ``groups`` groups per arm would find it, parameters and sampling together) and mean +- 1.96
        param_sd (thick: parameter uncertainty alone, which no study size removes)."""
        import matplotlib.pyplot as plt

        patterns = list(dict.fromkeys(self.theories["pattern"]))
        theories = list(dict.fromkeys(self.theories["theory"]))
        cols = 4
        rows = -(-len(patterns) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for ax, name in zip(axes.ravel(), patterns, strict=False):
            sub = self.theories[self.theories["pattern"] == name].set_index("theory").reindex(theories)
            y = np.arange(len(theories))
            for i, (_, r) in enumerate(sub.iterrows()):
                colour = colours[i % len(colours)]
                wide = Z95 * r["study_sd"]
                ax.plot([r["mean"] - wide, r["mean"] + wide], [i, i], color=colour, linewidth=1)
                half = Z95 * r["param_sd"]
                ax.plot([r["mean"] - half, r["mean"] + half], [i, i], color=colour, linewidth=4, alpha=0.6)
                ax.plot(r["mean"], i, "o", color=colour, markersize=4)
            ax.set_yticks(y, theories if ax in axes[:, 0] else [""] * len(theories), fontsize=8)
            ax.set_ylim(-0.5, len(theories) - 0.5)
            ax.invert_yaxis()
            ax.set_title(name.replace("_", " "), fontsize=9)
            ax.tick_params(axis="x", labelsize=8)
            ax.axvline(0.0, color="#999999", linewidth=0.5)
        for ax in axes.ravel()[len(patterns) :]:
            ax.axis("off")
        fig.suptitle(
            f"Patterns by theory, 95% intervals: a study of {self.groups} groups per arm (thin);"
            " parameter uncertainty alone (thick)",
            fontsize=10,
        )
        fig.tight_layout()
        return fig


def discriminating_patterns(
    draws: Mapping[str, pd.DataFrame],
    groups: int = 20,
    seed: int = 0,
    base: Params | None = None,
    patterns: tuple[str, ...] | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> PatternResult:
    """Simulate one study of ``groups`` PEER groups (and a control arm of as many courses) per
    draw of each theory, compute every pattern (``PATTERNS``, or the named ``patterns``) per
    study, split its spread into parameter uncertainty and sampling noise per group, and compare
    every pair of theories (module docstring for the formulas).

    ``draws[theory]``: one row per parameter set (posterior draw), columns named after parameters
    (none: the defaults); ``weight``, if present, resamples the rows by weight. ``base``: the
    parameters the draws do not set; the study runs in its context, which must be the
    unrestricted, volunteer-led PEER course (the context patterns change it). All draws run as one
    batch per chunk of courses and variant, split only by structural values (the theory): four
    theories x 200 draws x 20 groups take about 20 s and 0.5 GB."""
    base = base or Params()
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 2:
        raise ValueError(f"groups = {groups!r}: a study needs 2 groups at least (the jackknife drops one)")
    if base.control_arm or base.covid_restrictions or base.facilitator_role != "volunteer":
        raise ValueError(
            "base must be the PEER arm without COVID-19 restrictions and with volunteer facilitators:"
            " the context patterns compare with those"
        )
    unknown = [name for name in patterns or () if name not in _BY_NAME]
    if unknown:
        raise ValueError(f"unknown pattern {unknown[0]!r} (patterns: {', '.join(_BY_NAME)})")
    chosen = PATTERNS if patterns is None else tuple(_BY_NAME[name] for name in patterns)
    combined, numbers = _combine(draws, seed)
    per_chunk = max(1, CHUNK_COURSES // groups)
    sums: dict[str, list[pd.DataFrame]] = {p.name: [] for p in chosen}
    for start in range(0, len(combined), per_chunk):
        stop = min(start + per_chunk, len(combined))
        studies = np.arange(start, stop)
        arms = _simulate_chunk(
            combined.iloc[start:stop].reset_index(drop=True), numbers[start:stop], studies, groups, base, seed
        )
        for p in chosen:
            sums[p.name].append(_group_sums(p, arms, studies, groups))
    theory = combined["theory"].to_numpy()
    rows = []
    for p in chosen:
        values, sampling, simulation = _evaluate(p, pd.concat(sums[p.name]), groups)
        rows.append(
            pd.DataFrame(
                {
                    "theory": theory,
                    "draw": numbers,
                    "pattern": p.name,
                    "value": values,
                    "sampling_var": sampling,
                    "simulation_var": simulation,
                }
            )
        )
    studies_table = pd.concat(rows, ignore_index=True)
    theories = _per_theory(studies_table, groups, list(draws))
    measurements = {p.name: p.measurement for p in chosen}
    theories.insert(2, "measurement", theories["pattern"].map(measurements))
    pairs = _pairs(theories, list(draws), alpha, power)
    return PatternResult(
        theories=theories,
        pairs=pairs,
        studies=studies_table,
        groups=int(groups),
        seed=seed,
        base=base,
        alpha=alpha,
        power=power,
        measurements=measurements,
    )


def _per_theory(studies: pd.DataFrame, groups: int, order: list[str]) -> pd.DataFrame:
    """Mean, sd and range across draws, and the split (module docstring): tau^2 = max(0, var -
    mean simulation_var), sigma^2 = groups * mean sampling_var, study_sd = sqrt(tau^2 + sigma^2 /
    groups)."""
    out = []
    for (theory, pattern), sub in studies.groupby(["theory", "pattern"], sort=False):
        ok = sub.dropna(subset=["value"])
        x = ok["value"].to_numpy(float)
        k = len(x)
        var = float(np.var(x, ddof=1)) if k > 1 else np.nan
        sampling, simulation = (_mean(ok[c]) for c in ("sampling_var", "simulation_var"))
        tau2 = max(0.0, var - simulation) if k > 1 and np.isfinite(simulation) else np.nan
        sigma2 = groups * sampling
        out.append(
            {
                "theory": theory,
                "pattern": pattern,
                "mean": float(np.mean(x)) if k else np.nan,
                "sd": np.sqrt(var),
                "low": float(np.quantile(x, 0.025)) if k else np.nan,
                "high": float(np.quantile(x, 0.975)) if k else np.nan,
                "param_sd": np.sqrt(tau2),
                "group_sd": np.sqrt(sigma2),
                "study_sd": np.sqrt(tau2 + sigma2 / groups),
                "draws": k,
            }
        )
    frame = pd.DataFrame(out)
    frame["_t"] = frame["theory"].map({t: i for i, t in enumerate(order)})
    frame["_p"] = frame["pattern"].map({p.name: i for i, p in enumerate(PATTERNS)})
    return frame.sort_values(["_t", "_p"], kind="stable").drop(columns=["_t", "_p"]).reset_index(drop=True)


def _mean(values: pd.Series) -> float:
    values = values.to_numpy(float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else np.nan


PAIR_COLUMNS = (
    "pair",
    "theory_a",
    "theory_b",
    "pattern",
    "measurement",
    "mean_a",
    "mean_b",
    "difference",
    "difference_se",
    "separation",
    "groups_needed",
)


def _pairs(theories: pd.DataFrame, order: list[str], alpha: float, power: float) -> pd.DataFrame:
    out = [pd.DataFrame(columns=list(PAIR_COLUMNS))]  # no rows with a single theory
    table = theories.set_index(["theory", "pattern"])
    for a, b in combinations(order, 2):
        ta, tb = table.loc[a], table.loc[b]
        common = [p for p in ta.index if p in tb.index]
        ta, tb = ta.loc[common], tb.loc[common]
        diff = tb["mean"] - ta["mean"]
        se = np.sqrt(ta["sd"] ** 2 / ta["draws"] + tb["sd"] ** 2 / tb["draws"])
        pooled = pooled_sd(ta["study_sd"] ** 2, tb["study_sd"] ** 2, pooling="equal").to_numpy()
        separation = np.where(diff == 0, 0.0, cohens_d(diff.to_numpy(), pooled))
        out.append(
            pd.DataFrame(
                {
                    "pair": f"{a} vs {b}",
                    "theory_a": a,
                    "theory_b": b,
                    "pattern": common,
                    "measurement": ta["measurement"].to_numpy(),
                    "mean_a": ta["mean"].to_numpy(),
                    "mean_b": tb["mean"].to_numpy(),
                    "difference": diff.to_numpy(),
                    "difference_se": se.to_numpy(),
                    "separation": np.asarray(separation, dtype=float),
                    "groups_needed": groups_needed(
                        diff, ta["param_sd"], ta["group_sd"], tb["param_sd"], tb["group_sd"], alpha, power
                    ),
                }
            )
        )
    return pd.concat(out[1:], ignore_index=True) if len(out) > 1 else out[0]
