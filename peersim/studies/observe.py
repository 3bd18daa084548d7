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
from peersim.stats.effects import Z95
from peersim.studies.trial import headline


def observe(people: pd.DataFrame, study: Study, keys: Sequence[str], copies: int) -> pd.DataFrame:
    """The statistics ``keys`` of every copy (0..copies-1) of ``study`` whose people are
    ``people`` (peersim.studies.virtual.simulate_study): one row per copy, one column per key.
    A statistic a copy cannot produce (nobody left, so no timing of leavers) is NaN."""
    index = pd.RangeIndex(copies)
    parsed = {k: parse_key(k, study) for k in keys}
    out = pd.DataFrame(index=index)
    outcomes = [f"{p['outcome']}_end" for p in parsed.values() if p["statistic"] in COMPARISONS]
    fits = None
    if outcomes:
        fits = headline(people, study, list(dict.fromkeys(outcomes)), copies)
        fits = fits.set_index(["trial", "arm", "outcome"])
    for key, p in parsed.items():
        arm = people[people.arm == p["arm"]]
        statistic = p["statistic"]
        if statistic in COMPARISONS:
            rows = fits.xs((p["arm"], f"{p['outcome']}_end"), level=("arm", "outcome"))
            if statistic == "se_d":  # as a reader recovers it from a reported interval
                value = (rows["d_high"] - rows["d_low"]) / (2.0 * Z95)
            else:
                value = rows["cohens_d" if statistic == "d" else "difference"]
            out[key] = value.reindex(index).to_numpy(float)
            continue
        if statistic in ("mean", "change"):
            seen = arm[~arm["missing"]]
            y = seen[f"{p['outcome']}_end_measured"]
            if statistic == "change":
                y = y - seen[f"{p['outcome']}_baseline_measured"]
            out[key] = y.groupby(seen["trial"]).mean().reindex(index).to_numpy(float)
            continue
        left = arm.dropped_out.astype(bool)
        if statistic == "dropout":
            value = left.groupby(arm["trial"]).mean()
        elif statistic == "left_by":
            value = (left & (arm.dropout_session <= p["session"])).groupby(arm["trial"]).mean()
        elif statistic == "early_leavers":
            leavers = arm[left]
            value = (leavers.dropout_session <= p["session"]).astype(float).groupby(leavers["trial"]).mean()
        else:
            stayed = arm[~left]
            if statistic == "companionship":
                # the seed's interviewees met COVID-19 restrictions: count those groups, where any
                covid = stayed.groupby("trial").covid.transform("any")
                stayed = stayed[stayed.covid | ~covid]
                value = stayed.companionship.astype(float).groupby(stayed["trial"]).mean()
            elif statistic == "sprouts":
                value = (stayed.sprouts_end > 0).astype(float).groupby(stayed["trial"]).mean()
            else:
                value = _within_group_r(stayed)
        out[key] = value.reindex(index).to_numpy(float)
    return out


def _within_group_r(completers: pd.DataFrame) -> pd.Series:
    """Correlation of end-of-course connectedness with recovery gain among completers, both
    centred within their group (the cohesion-outcome association within groups), per copy."""
    frame = pd.DataFrame(
        {
            "trial": completers["trial"],
            "run": completers["run"],
            "x": completers.connectedness_end.astype(float),
            "y": (completers.recovery_end - completers.recovery_baseline).astype(float),
        }
    )
    centred = frame[["x", "y"]] - frame.groupby(["trial", "run"])[["x", "y"]].transform("mean")
    centred["trial"] = frame["trial"]
    sums = centred.assign(xy=centred.x * centred.y, xx=centred.x**2, yy=centred.y**2)
    sums = sums.groupby("trial")[["xy", "xx", "yy"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums.xy / np.sqrt(sums.xx * sums.yy)
