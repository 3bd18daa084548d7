"""What a study observes, computed on its virtual copies: one number per copy and statistic.

A statistic is named by its key (peersim.data.study.statistic_key): ``d:qpr:peer`` is the study's
own analysis of the QPR-15, arm ``peer`` against the reference; ``mean:qpr:control`` the control
arm's measured QPR-15 at the end among those observed; ``early_leavers:peer:2`` the share of the
PEER arm's leavers gone by session 2. The calibration, the predictive check, the validation and
the power analysis all read statistics from here, so each is computed one way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from peersim.data.study import COMPARISONS, Study, parse_key
from peersim.studies.trial import headline_effects


def read_outcomes(study: Study, keys: Sequence[str]) -> list[str]:
    """The outcomes whose measurements the statistics ``keys`` read (what simulate_study's
    ``outcomes`` needs to measure for them)."""
    return list(dict.fromkeys(p["outcome"] for p in (parse_key(k, study) for k in keys) if "outcome" in p))


def observe(people: pd.DataFrame, study: Study, keys: Sequence[str], copies: int) -> pd.DataFrame:
    """The statistics ``keys`` of every copy (0..copies-1) of ``study`` whose people are
    ``people`` (peersim.studies.virtual.simulate_study): one row per copy, one column per key.
    A statistic a copy cannot produce (nobody left, so no timing of leavers) is NaN."""
    parsed = {k: parse_key(k, study) for k in keys}
    outcomes = [f"{p['outcome']}_end" for p in parsed.values() if p["statistic"] in COMPARISONS]
    effects = headline_effects(people, study, list(dict.fromkeys(outcomes)), copies) if outcomes else {}
    # the columns read, once, as arrays: selecting rows of the whole table per statistic cost more
    # than the statistics
    code, names = pd.factorize(people["arm"])
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
    _, run = np.unique(people["run"].to_numpy()[rows], return_inverse=True)
    x = people["connectedness_end"].to_numpy()[rows].astype(float)
    gain = people["recovery_end"].to_numpy()[rows] - people["recovery_baseline"].to_numpy()[rows]
    frame = pd.DataFrame({"x": x, "y": gain.astype(float)})
    # a group is (copy, run): copies that share people (common random numbers) share run numbers
    centred = frame - frame.groupby(trial * (int(run.max(initial=0)) + 1) + run).transform("mean")
    sums = pd.DataFrame({"xy": centred.x * centred.y, "xx": centred.x**2, "yy": centred.y**2})
    sums = sums.groupby(trial).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        r = sums.xy / np.sqrt(sums.xx * sums.yy)
    return r.reindex(range(copies)).to_numpy(float)
