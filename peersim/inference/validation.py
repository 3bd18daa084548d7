"""Held-out validation: what the calibrated posterior predicts for the targets kept out of fitting
(``fit = false`` in ``peersim/data/targets.toml``), with the fitted ones alongside for context.

Each target is checked twice, because two kinds of observation are compared:

1. **One new trial** (``calibration.predictive_check``): a posterior draw runs one virtual copy
   of the PEER trial as run (its study file: arms, sizes, waves, missing outcomes, measurement,
   analysis); the observation should lie inside the 95% interval of the statistic over draws.
   This is the replicate of what one study of PEER itself saw (the trial's d, the interviewees'
   counts: grades ``trial`` and ``seed``).
2. **The model's expected value**: the statistic averaged over ``repeats`` trials per draw, so
   that what is left is parameter uncertainty, not the trial's own sampling noise. A pooled
   estimate from the literature (grade ``literature``: meta-analyses) estimates an expected
   effect, not one trial's, with its own standard error; its replicate is the expected value plus
   that error (normal with the target's ``se``; a share observed in n people: n people drawn from
   the expected share). This replicate does not add between-study heterogeneity: it asks whether
   the model's PEER matches the average peer intervention, which it need not (docs/validation.md).

Verdict, from the check that replicates the observation (1 for ``trial`` and ``seed`` targets,
2 for ``literature`` ones), with p its predictive p-value (``calibration.compare``: two-sided for
values, the share on the observed side for bounds):

- ``FAILS``: the observation lies outside one new trial's 95% interval (check 1, every target):
  not even a trial's own noise can bring the model there.
- ``tension``: otherwise, if p < ``TENSION_P``: the observation lies in the outer 20% of its
  replicate's distribution; the model could produce it, but does so rarely.
- ``consistent``: otherwise.

The thresholds are conventions. A first run used check 1's p for every target; it flagged the
widest meta-analysis (Sun 2022, 197 participants) and passed narrower ones, because check 1 ignores
a pooled estimate's own uncertainty: the rule now takes each observation's own replicate.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from peersim.core.params import Params
from peersim.data.targets import error_of
from peersim.inference.calibration import compare, keys, load_targets, predictive_check, statistics

#: the observation in the outer 20% of its replicate's predictive distribution (two-sided p < 0.2;
#: bounds: under 20% of replicates on the observed side) is a tension, even if inside the 95% interval
TENSION_P = 0.2
#: grades whose targets are pooled estimates from the literature, checked against the expected value
POOLED_GRADES = ("literature",)
VERDICTS = ("consistent", "tension", "FAILS")
#: markers around the table that experiments/validation.py writes into docs/validation.md
#: expected-value trials start here, apart from predictive_check's (10**9 + draw): other people
EXPECTED_TRIALS = 2 * 10**9


def expected_statistics(
    posterior: pd.DataFrame,
    draws: int,
    repeats: int,
    seed: int,
    base: Params | None = None,
    names: list[str] | None = None,
) -> pd.DataFrame:
    """``draws`` posterior draws (by weight, seeded), each the mean of its statistics over
    ``repeats`` virtual trials (other people each): the model's expected statistics under
    parameter uncertainty. One row per draw, one column per statistic."""
    if draws < 1 or repeats < 1:
        raise ValueError(f"draws = {draws}, repeats = {repeats}: need at least 1 of each")
    rng = np.random.default_rng([seed, 2])
    weights = posterior["weight"].to_numpy(float) if "weight" in posterior else None
    weights = None if weights is None else weights / weights.sum()  # as read back from a file
    picked = rng.choice(len(posterior), size=draws, p=weights)
    sets = posterior.drop(columns=["weight"], errors="ignore").iloc[np.repeat(picked, repeats)]
    sets = sets.reset_index(drop=True)
    stats = statistics(
        sets, base, seed=seed, trials=EXPECTED_TRIALS + np.arange(draws * repeats), names=names
    )
    # a trial where nobody left has no early-dropout share (NaN): the mean is over the others
    return stats.groupby(np.repeat(np.arange(draws), repeats)).mean()


def validate(
    posterior: pd.DataFrame,
    draws: int = 1000,
    repeats: int = 20,
    seed: int = 1,
    base: Params | None = None,
    targets: Mapping[str, Mapping] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both checks for every target (held out first, then fitted). Returns (table, the expected
    statistics per draw). The table: target, held_out, statistic, kind, grade, observed and its
    95% interval (value +- 1.96 se, for values measured with a standard error; not for bounds or
    counts in a handful of people), one new trial's
    predictive median, 95% interval and p, the expected value's median and 95% interval
    (parameter uncertainty) and the expected-value check's p, which check the verdict rests on
    (``checked_against``), verdict and source."""
    targets = dict(targets or load_targets())
    trial_table, _ = predictive_check(posterior, draws=draws, seed=seed, base=base, targets=targets)
    expected = expected_statistics(posterior, draws, repeats, seed, base, keys(targets))
    rng = np.random.default_rng([seed, 3])
    rows = []
    for r in trial_table.itertuples():
        t = targets[r.target]
        e = expected[t["statistic"]].dropna().to_numpy(float)
        if error_of(t) == "subsample":  # a count in n people: n people drawn from the expected share
            replicate = rng.binomial(int(t["n"]), np.clip(e, 0.0, 1.0)) / t["n"]
        else:  # a pooled or measured value: the expected value plus the observation's own error
            replicate = e + rng.normal(0.0, t["se"], size=len(e))
        # the observation's own 95% interval, for values measured with a standard error; a count in
        # a handful of people (2 of 2) is shown as the count, a bound as the bound
        interval = t["kind"] == "near" and not t.get("binomial")
        row = {
            "target": r.target,
            "held_out": not t["fit"],
            "statistic": t["statistic"],
            "kind": t["kind"],
            "grade": t.get("grade", ""),
            "observed": t["value"],
            "observed_low": t["value"] - 1.96 * t["se"] if interval else np.nan,
            "observed_high": t["value"] + 1.96 * t["se"] if interval else np.nan,
            "n": t.get("n", np.nan),
            "binomial": bool(t.get("binomial", False)),
            "predictive_median": r.predictive_median,
            "predictive_low": r.predictive_low,
            "predictive_high": r.predictive_high,
            "p_predictive": r.p_predictive,
            "expected_median": float(np.median(e)),
            "expected_low": float(np.quantile(e, 0.025)),
            "expected_high": float(np.quantile(e, 0.975)),
            "p_expected": compare(replicate, t)["p_predictive"],
        }
        pooled = row["grade"] in POOLED_GRADES
        row["checked_against"] = "expected value" if pooled else "one new trial"
        row["verdict"] = verdict(r.consistent, row["p_expected"] if pooled else row["p_predictive"])
        row["source"] = t["source"]
        rows.append(row)
    table = pd.DataFrame(rows)
    table = pd.concat([table[table.held_out], table[~table.held_out]], ignore_index=True)
    return table, expected


def verdict(consistent: bool, p: float) -> str:
    """FAILS: outside one new trial's 95% interval; tension: inside it, but p (of the check that
    replicates the observation) under ``TENSION_P``; else consistent."""
    if not consistent:
        return "FAILS"
    if p < TENSION_P:
        return "tension"
    return "consistent"


# --- the table in docs/validation.md ------------------------------------------------------------
def _g(x: float) -> str:
    return f"{x:.3g}"


def _p(p: float, used: bool) -> str:
    """A p-value; in bold where the verdict rests on it."""
    return f"**{p:.3f}**" if used else f"{p:.3f}"


def _observed(r) -> str:
    v = _g(r.observed)
    if r.kind == "at_least":
        return f">= {v}"
    if r.kind == "at_most":
        return f"<= {v}"
    if r.kind == "within":
        return f"abs < {v}"
    if r.binomial:
        return f"{v} ({round(r.observed * r.n)} of {int(r.n)})"
    return f"{v} ({_g(r.observed_low)} to {_g(r.observed_high)})"


def markdown_table(table: pd.DataFrame) -> str:
    """The validation table as markdown, one row per target, numbers to 3 significant digits."""
    lines = [
        "| target | used | model statistic | observed (95% interval)"
        " | one new trial: median (95% interval) | p | expected value: median (95% interval) | p | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        mark = f"**{r.verdict}**" if r.verdict != "consistent" else r.verdict
        lines.append(
            f"| `{r.target}` | {'held out' if r.held_out else 'fitted'} | `{r.statistic}` | {_observed(r)}"
            f" | {_g(r.predictive_median)} ({_g(r.predictive_low)} to {_g(r.predictive_high)})"
            f" | {_p(r.p_predictive, r.checked_against == 'one new trial')}"
            f" | {_g(r.expected_median)} ({_g(r.expected_low)} to {_g(r.expected_high)})"
            f" | {_p(r.p_expected, r.checked_against == 'expected value')} | {mark} |"
        )
    return "\n".join(lines)
