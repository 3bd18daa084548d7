"""What a study observes, computed on its virtual copies: one number per copy and statistic.

A statistic is named by its key (peersim.data.study.statistic_key): ``d:qpr:peer`` is the study's
own analysis of the QPR-15, arm ``peer`` against the reference; ``mean:qpr:control`` the control
arm's measured QPR-15 at the end among those observed; ``early_leavers:peer:2`` the share of the
PEER arm's leavers gone by session 2. The calibration, the predictive check, the validation and
the power analysis all read statistics from here, so each is computed one way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as distributions
from scipy.special import ndtri

from peersim.core.rng import Streams
from peersim.data.study import COMPARISONS, Study, parse_key
from peersim.data.targets import error_of
from peersim.studies.trial import headline_effects


def read_outcomes(study: Study, keys: Sequence[str]) -> list[str]:
    """The outcomes whose measurements the statistics ``keys`` read (what simulate_study's
    ``outcomes`` needs to measure for them)."""
    return list(dict.fromkeys(p["outcome"] for p in (parse_key(k, study) for k in keys) if "outcome" in p))


#: the participants table's columns each statistic reads (beyond the study's own and the
#: measured outcomes): what simulate_study's ``columns`` must keep for them
_READS = {
    "dropout": ("dropped_out",),
    "left_by": ("dropped_out", "dropout_session"),
    "early_leavers": ("dropped_out", "dropout_session"),
    "companionship": ("dropped_out", "companionship"),
    "sprouts": ("dropped_out", "sprouts_end"),
    "cohesion_r": ("dropped_out", "connectedness_end", "recovery_end", "recovery_baseline"),
}


def read_columns(study: Study, keys: Sequence[str]) -> list[str]:
    """The participants table's columns the statistics ``keys`` read (simulate_study's
    ``columns``); a statistic reading one not kept fails (KeyError), it cannot go wrong quietly."""
    reads = [c for k in keys for c in _READS.get(parse_key(k, study)["statistic"], ())]
    return list(dict.fromkeys(["dropped_out", "dropout_session", *reads]))


def observe(people: pd.DataFrame, study: Study, keys: Sequence[str], copies: int) -> pd.DataFrame:
    """The statistics ``keys`` of every copy (0..copies-1) of ``study`` whose people are
    ``people`` (peersim.studies.virtual.simulate_study): one row per copy, one column per key.
    A statistic a copy cannot produce (nobody left, so no timing of leavers) is NaN."""
    parsed = {k: parse_key(k, study) for k in keys}
    outcomes = [f"{p['outcome']}_end" for p in parsed.values() if p["statistic"] in COMPARISONS]
    # the columns read, once, as arrays: selecting rows of the whole table per statistic cost more
    # than the statistics
    code, names = pd.factorize(people["arm"])
    outcomes = list(dict.fromkeys(outcomes))
    effects = headline_effects(people, study, outcomes, copies, arms=(code, names)) if outcomes else {}
    trial = people["trial"].to_numpy()
    left = people["dropped_out"].to_numpy(bool)
    session = people["dropout_session"].to_numpy(dtype=float, na_value=np.nan)
    out = {}
    for key, p in parsed.items():
        statistic = p["statistic"]
        if statistic in COMPARISONS:
            column = {"d": "cohens_d", "se_d": "se_d", "difference": "difference"}[statistic]
            out[key] = effects[p["arm"], f"{p['outcome']}_end"][column]
            continue
        arm = code == (names.get_loc(p["arm"]) if p["arm"] in names else -1)
        if statistic in ("mean", "change"):
            seen = arm & ~people["missing"].to_numpy(bool)
            y = people[f"{p['outcome']}_end_measured"].to_numpy()[seen]
            if statistic == "change":
                y = y - people[f"{p['outcome']}_baseline_measured"].to_numpy()[seen]
            # pandas' group mean (compensated sums), as the statistics always were
            out[key] = pd.Series(y).groupby(trial[seen]).mean().reindex(range(copies)).to_numpy(float)
        elif statistic == "dropout":
            out[key] = _share(left[arm], trial[arm], copies)
        elif statistic == "left_by":
            out[key] = _share((left & (session <= p["session"]))[arm], trial[arm], copies)
        elif statistic == "early_leavers":
            leavers = arm & left
            out[key] = _share(session[leavers] <= p["session"], trial[leavers], copies)
        else:
            stayed = arm & ~left
            if statistic == "companionship":
                # the seed's interviewees met COVID-19 restrictions: count those groups, where any
                covid = people["covid"].to_numpy(bool)
                any_covid = np.bincount(trial[stayed], covid[stayed], minlength=copies) > 0
                stayed = stayed & (covid | ~any_covid[trial])
                out[key] = _share(people["companionship"].to_numpy(bool)[stayed], trial[stayed], copies)
            elif statistic == "sprouts":
                out[key] = _share(people["sprouts_end"].to_numpy()[stayed] > 0, trial[stayed], copies)
            else:
                out[key] = _within_group_r(people, stayed, copies)
    return pd.DataFrame(out, index=pd.RangeIndex(copies), columns=list(parsed))


def _share(yes: np.ndarray, trial: np.ndarray, copies: int) -> np.ndarray:
    """The share of rows with ``yes`` per copy (NaN for a copy with no rows). A count over a count:
    exact, so the same number as any other way of taking the mean of zeros and ones."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(trial, yes, copies) / np.bincount(trial, minlength=copies)


def _within_group_r(people: pd.DataFrame, rows: np.ndarray, copies: int) -> np.ndarray:
    """Correlation of end-of-course connectedness with recovery gain among ``rows`` (completers),
    both centred within their group (the cohesion-outcome association within groups), per copy."""
    trial = people["trial"].to_numpy()[rows]
    group = people["group"].to_numpy()[rows]
    x = people["connectedness_end"].to_numpy()[rows].astype(float)
    gain = people["recovery_end"].to_numpy()[rows] - people["recovery_baseline"].to_numpy()[rows]
    frame = pd.DataFrame({"x": x, "y": gain.astype(float)})
    # a group is (copy, its group in the arm): one course, the rows being one arm's
    centred = frame - frame.groupby(trial * (int(group.max(initial=0)) + 1) + group).transform("mean")
    sums = pd.DataFrame({"xy": centred.x * centred.y, "xx": centred.x**2, "yy": centred.y**2})
    sums = sums.groupby(trial).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        r = sums.xy / np.sqrt(sums.xx * sums.yy)
    return r.reindex(range(copies)).to_numpy(float)


# --- observed as the data were ----------------------------------------------------------------------
def as_observed(
    values: np.ndarray, target: Mapping, stream: str, seed: int, trials: Sequence[int]
) -> np.ndarray:
    """Copy ``trials[i]``'s statistic ``values[i]`` as ``target`` was observed
    (peersim.data.study.ERRORS): unchanged when the copy's sampling is the observation's
    (``simulated``); k of n people drawn from the copy's share (``subsample``); the copy's value
    plus normal error (``normal``, sd ``error_sd`` or ``se``). The draws are counter-based, keyed
    by (seed, copy, ``stream``: the target's name), so a copy is observed the same way whatever
    else is simulated with it. NaN (a statistic the copy cannot produce) stays NaN."""
    error = error_of(target)
    values = np.asarray(values, dtype=float)
    if error == "simulated":
        return values
    u = Streams(seed, np.asarray(trials, dtype=np.int64)).uniform(f"observed/{stream}", 0, [0])[:, 0]
    if error == "subsample":
        n = int(target["n"])
        with np.errstate(invalid="ignore"):
            return distributions.binom.ppf(u, n, np.clip(values, 0.0, 1.0)) / n
    return values + float(target.get("error_sd", target["se"])) * ndtri(u)


def observed_statistics(
    statistics: pd.DataFrame, targets: Mapping[str, Mapping], seed: int, trials: Sequence[int]
) -> pd.DataFrame:
    """The columns of ``statistics`` (one row per copy ``trials[i]``) as ``targets`` observed them
    (:func:`as_observed`, each target's on its statistic's column): what a reference table holds,
    so that ABC's likelihood is the data's, the observation error included. A statistic with an
    error of its own must be compared by one target only."""
    out = statistics.copy()
    by_column: dict[str, list[str]] = {}
    for name, t in targets.items():
        by_column.setdefault(t["statistic"], []).append(name)
    for column, names in by_column.items():
        own = [n for n in names if error_of(targets[n]) != "simulated"]
        if not own:
            continue
        if len(names) > 1:
            raise ValueError(
                f"targets {', '.join(names)} compare the same statistic {column!r}, and {own[0]!r}"
                " has an observation error of its own: fit one of them"
            )
        out[column] = as_observed(out[column].to_numpy(float), targets[own[0]], own[0], seed, trials)
    return out
