"""Bayesian calibration: rejection ABC on a reference table, with a regression adjustment.

What was observed is a study's own results (``studies/peer_trial.toml``: a trial of 145 and 151
people) and, for the PEER trial, the seed's and the literature's data about PEER groups
(``peersim/data/targets.toml``). ``statistics`` simulates, for each parameter set, one virtual
copy of the study as run (its arms, waves, COVID-19 restrictions, missing outcomes, measurement
error and analysis: ``peersim/studies/virtual.py``), so the model's sampling noise is the data's;
the reference table holds those statistics *as observed* (a count seen in a few interviewees, or a
datum from elsewhere with an error of its own, is seen so in every copy:
``peersim.studies.observe.observed_statistics``). ``calibrate`` draws every inferred parameter
from the evidence register's priors, keeps the copies closest to the observations
(``peersim.inference.abc``: Pritchard et al. 1999; Beaumont, Zhang & Balding 2002) as whole
parameter vectors as simulated, corrects them for the tolerance by a local-linear regression
adjustment, and simulates each adjusted vector in a copy of its own: the posterior's rows are whole
vectors, each with its own simulation. (Adjusted, because the check of the inference found the
unadjusted rows' intervals of dropout too wide, and the adjusted ones' right: docs/calibration.md.)
Held-out targets (``fit = false``) are not used; ``predictive_check`` compares every target,
fitted or held out, with the posterior predictive distribution.

The posterior ships as package data (``peersim.posterior()``); docs/calibration.md reports what
the data identify and what they leave to the priors, and checks the inference itself
(simulation-based calibration, ``peersim.inference.sbc``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from peersim.core.params import Params
from peersim.data.register import register
from peersim.data.study import Study, as_study
from peersim.data.targets import KINDS, fitted, keys, load_targets
from peersim.inference import abc
from peersim.inference.abc import deviations, discrepancy
from peersim.studies.observe import (
    as_observed,
    observe,
    observed_statistics,
    read_columns,
    read_outcomes,
)
from peersim.studies.virtual import simulate_study

__all__ = [  # the targets' helpers, where the calibration's users have always found them
    "KINDS",
    "Calibration",
    "SamplePrior",
    "calibrate",
    "compare",
    "deviations",
    "discrepancy",
    "eligible",
    "fitted",
    "inferred",
    "keys",
    "load_targets",
    "posterior_priors",
    "predictive_check",
    "problem",
    "statistics",
]  # fmt: skip


# --- statistics ---------------------------------------------------------------------------------
def statistics(
    sets: pd.DataFrame,
    base: Params | None = None,
    seed: int = 0,
    trials: Sequence[int] | None = None,
    study: Study | str | Path | None = None,
    names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One virtual copy of ``study`` (default the PEER trial as run, ``studies/peer_trial.toml``:
    PEER in groups against service as usual, in waves, with missing outcomes, measurement error
    and the trial's mixed model) per parameter set. Set i runs copy ``trials[i]`` (default i):
    its own people, so sets are independent draws, as ABC needs. Returns one row per set (index
    as given), one column per statistic ``names`` (default: every target's, :func:`keys`)."""
    given, study = study, as_study(study)  # the study file read once
    names = keys(load_targets(study=study, literature=given is None)) if names is None else list(names)
    sets = pd.DataFrame(sets)
    trials = np.arange(len(sets)) if trials is None else np.asarray(trials, dtype=np.int64)
    # only the outcomes the statistics read are measured (each has its own error stream), and only
    # the columns they read are kept
    measure, columns = read_outcomes(study, names), read_columns(study, names)
    copies = np.arange(len(sets))
    people = simulate_study(
        study, sets, copies, trials, seed=seed, base=base, outcomes=measure, columns=columns
    )
    out = observe(people, study, names, len(sets))
    out.index = sets.index
    return out


# --- which parameters matter --------------------------------------------------------------------
def eligible(parameters: Sequence[str] | None = None) -> list[str]:
    """Parameters the data could inform: those whose size the evidence register grades
    ``assumption`` (their direction may be sourced, their magnitude is not), with a real (not
    fixed) prior. (How a study is run and measured is the study's, not a parameter:
    peersim/data/study.py.)"""
    entries = register()
    names = parameters if parameters is not None else list(entries)
    return [n for n in names if not entries[n].sized and not entries[n].prior.fixed]


# --- priors from a posterior (a sequential update) -------------------------------------------------
class SamplePrior:
    """A prior that is a weighted sample (a posterior's draws of one parameter): its quantile
    function is the weighted empirical one, linear between draws, so ABC's latent scale maps onto
    the sample's range. Used for a sequential update (``peersim calibrate --prior posterior``):
    the posterior of earlier data is the prior of new data. Each parameter's marginal only: the
    posterior's correlations between parameters are dropped, which widens the prior, never
    narrows it."""

    fixed = False

    def __init__(self, values: np.ndarray, weights: np.ndarray | None = None) -> None:
        values = np.asarray(values, dtype=float)
        weights = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
        order = np.argsort(values, kind="stable")
        self.values, w = values[order], weights[order]
        cumulative = np.cumsum(w)
        # mid-point plotting positions: the smallest draw is not the 0th quantile exactly
        self.levels = (cumulative - w / 2) / cumulative[-1]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(u, dtype=float), self.levels, self.values)

    def __str__(self) -> str:
        return f"posterior sample ({len(self.values)} draws, {self.values[0]:.3g} to {self.values[-1]:.3g})"


def posterior_priors(posterior: pd.DataFrame, parameters: Sequence[str]) -> dict[str, SamplePrior]:
    """For each of ``parameters`` the posterior holds (and that varies in it), its weighted
    marginal as a prior (:class:`SamplePrior`); the others keep their register priors."""
    weights = posterior["weight"].to_numpy(float) if "weight" in posterior else None
    return {
        n: SamplePrior(posterior[n].to_numpy(float), weights)
        for n in parameters
        if n in posterior and posterior[n].nunique() > 1
    }


# --- the calibration ---------------------------------------------------------------------------
def inferred() -> list[str]:
    """Every parameter with a prior (not a design choice): what a calibration infers by default.
    Each is drawn from its prior in every simulation and kept, as drawn, in the posterior."""
    return [n for n, e in register().items() if not e.prior.fixed]


def problem(
    parameters: Sequence[str],
    study: Study | str | Path | Sequence | None = None,
    base: Params | None = None,
    seed: int = 0,
    targets: Mapping[str, Mapping] | None = None,
    priors: Mapping | None = None,
) -> abc.Problem:
    """The problem of inferring ``parameters`` (each with a prior in the evidence register, or
    in ``priors``) from the fitted observations of ``study`` (one, or a list fitted jointly, each
    target then prefixed by its study's position, ``"1/"``; default the PEER trial with the
    seed's and the literature's targets), or from ``targets``; each simulation is one virtual
    copy of each study (:func:`statistics`)."""
    studies = list(study) if isinstance(study, list | tuple) else [study]
    if targets is not None and len(studies) > 1:
        raise ValueError("targets: give them for one study; several studies bring their own")
    parts, all_targets = [], {}
    for i, one in enumerate(studies):
        own = dict(targets) if targets is not None else load_targets(study=one)
        prefix = f"{i + 1}/" if len(studies) > 1 else ""
        parts.append((as_study(one), keys(fitted(own))))
        for name, t in own.items():
            all_targets[prefix + name] = {**t, "statistic": prefix + t["statistic"]}
    entries = dict(register())  # a copy: register() is cached, and priors may replace entries
    for name, prior in (priors or {}).items():
        if name not in entries:
            raise ValueError(f"priors: {name!r} has no entry in the evidence register")
        entries[name] = replace(entries[name], prior=prior)
    names = list(dict.fromkeys(parameters))
    if not names:
        raise ValueError("no parameters to infer")
    for name in names:
        if name not in entries:
            raise ValueError(f"{name}: no entry in the evidence register, so no prior")
        if entries[name].prior.fixed:
            raise ValueError(f"{name}: a design choice (fixed prior), not something to infer")
    fitted_keys = keys(fitted(all_targets))
    if not fitted_keys:
        raise ValueError("no fitted targets: a study needs an observation with fit = true")
    # a statistic with an observation error of its own is one target's: say so before simulating
    observed_statistics(pd.DataFrame(columns=fitted_keys, dtype=float), fitted(all_targets), seed, [])
    return abc.Problem(names, entries, base or Params(), seed, parts, all_targets, fitted_keys, statistics)


@dataclass
class Calibration:
    """The result of :func:`calibrate`.

    ``posterior``: what ships, one row per draw, every inferred parameter, with ``weight``
    (normalised): the accepted rows regression-adjusted, each a whole vector simulated afresh
    (or, with ``adjust=False``, the accepted rows as simulated). ``statistics``: for the same rows,
    the ``trial`` (copy) each ran, its ``distance`` to the observations and its statistics as
    observed: every posterior row's own simulation. ``accepted``: the reference table's accepted
    rows as simulated, with ``weight``, ``distance``, ``row`` (in the table) and ``trial``: where
    each draw came from. ``summary``: per parameter, prior and posterior median and 95% interval,
    how much the data narrowed it, and the same as simulated. ``diagnostics``: one row
    (simulations, accepted, threshold, effective sample size, and the median distance to the
    observations of the accepted rows and of the posterior's own copies: new copies, so farther
    than the accepted rows, which were kept for being close). ``table``: the reference table."""

    posterior: pd.DataFrame
    statistics: pd.DataFrame
    accepted: pd.DataFrame
    summary: pd.DataFrame
    diagnostics: pd.DataFrame
    table: abc.ReferenceTable


def calibrate(
    parameters: Sequence[str] | None = None,
    simulations: int = 20_000,
    accept: int = 500,
    seed: int = 0,
    base: Params | None = None,
    targets: Mapping[str, Mapping] | None = None,
    table_dir: str | Path | None = None,
    progress: bool = False,
    study: Study | str | Path | Sequence | None = None,
    priors: Mapping | None = None,
    executor=None,
    chunk: int = abc.CHUNK,
    adjust: bool = True,
) -> Calibration:
    """Rejection ABC with a regression adjustment (:mod:`peersim.inference.abc`) of
    ``parameters`` (default :func:`inferred`: every parameter with a prior) given the fitted
    observations of ``study`` (a study, a path, or a list fitted jointly; default the PEER trial
    with the seed's and the literature's targets): ``simulations`` prior draws, one virtual copy
    of each study each, of which the ``accept`` closest are kept; the posterior is those rows
    regression-adjusted, each adjusted vector simulated in a new copy (``adjust=False``: the kept
    rows as simulated). Priors are the evidence register's, or ``priors`` (e.g.
    :func:`posterior_priors`, a sequential update); every other parameter is held at ``base``.
    With ``table_dir`` the reference table is kept on disk chunk by chunk, and a rerun resumes it;
    ``executor`` (any concurrent.futures executor) simulates chunks in parallel, with the same
    result."""
    parameters = inferred() if parameters is None else list(parameters)
    if accept < 10:
        raise ValueError(f"accept = {accept}: need 10 accepted draws at least")
    if simulations <= accept:
        raise ValueError(f"simulations = {simulations} must exceed accept = {accept}")
    problem_ = problem(parameters, study, base, seed, targets, priors)
    if adjust:  # said before the table is simulated, not after
        abc.enough_to_adjust(accept, len(problem_.keys))
    table = abc.reference_table(problem_, simulations, table_dir, chunk, executor, progress)
    accepted = abc.reject(table, accept)
    as_simulated = accepted.drop(columns=list(abc.PROVENANCE))
    if adjust:
        posterior = abc.adjust(table, accepted)
        statistics_ = abc.simulate_vectors(problem_, posterior)
    else:
        posterior = as_simulated
        statistics_ = table.statistics.iloc[accepted["row"].to_numpy()].reset_index(drop=True)
        statistics_.insert(0, "distance", accepted["distance"].to_numpy())
        statistics_.insert(0, "trial", accepted["trial"].to_numpy())
    w = posterior["weight"].to_numpy()
    diagnostics = pd.DataFrame(
        [
            {
                "simulations": len(table),
                "accepted": accept,
                "threshold": float(accepted["distance"].max()),
                "ess": float(1.0 / np.sum(w**2)),
                "adjusted": adjust,
                "median_distance_accepted": float(accepted["distance"].median()),
                "median_distance_posterior": float(statistics_["distance"].median()),
            }
        ]
    )
    summary = abc.summary(table, posterior, as_simulated if adjust else None)
    return Calibration(posterior, statistics_, accepted, summary, diagnostics, table)


# --- checks -------------------------------------------------------------------------------------
def predictive_check(
    posterior: pd.DataFrame,
    draws: int = 400,
    seed: int = 1,
    base: Params | None = None,
    targets: Mapping[str, Mapping] | None = None,
    study: Study | str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Posterior predictive check: ``draws`` parameter sets from the posterior (by weight, seeded),
    one new virtual copy of ``study`` (default the PEER trial) each; for every target, the 95%
    predictive interval of its statistic and whether the observed value lies inside it (for
    bounds: the share of draws on the observed side). A share observed in a handful of people
    (``binomial``, e.g. 2 of 2 leavers) is checked as a count: n people drawn from each simulated
    share; an external datum with an error of its own (``error = "normal"``) with that error added.
    The table's columns per target are ``compare``'s, the predictive p-value among them.
    Returns (table, the statistics). ``peersim.inference.validation`` adds the model's expected
    value, for pooled observations."""
    targets = dict(targets or load_targets(study=study))
    rng = np.random.default_rng(seed)
    weights = posterior["weight"].to_numpy(float) if "weight" in posterior else None
    weights = None if weights is None else weights / weights.sum()  # as read back from a file
    picked = rng.choice(len(posterior), size=draws, p=weights)
    sets = posterior.drop(columns=["weight"], errors="ignore").iloc[picked].reset_index(drop=True)
    trials = 10**9 + np.arange(draws)
    stats = statistics(sets, base, seed=seed, trials=trials, study=study, names=keys(targets))
    rows = []
    for name, t in targets.items():
        # as observed: a count seen in n people drawn from each copy's share, an external datum
        # with its own error (peersim.studies.observe.as_observed)
        s = as_observed(stats[t["statistic"]].to_numpy(float), t, name, seed, trials)
        s = s[np.isfinite(s)]
        rows.append(
            {
                "target": name,
                "fitted": t["fit"],
                "kind": t["kind"],
                "observed": t["value"],
                **compare(s, t),
                "grade": t.get("grade", ""),
                "source": t["source"],
            }
        )
    return pd.DataFrame(rows), stats


def compare(s: np.ndarray, t: Mapping) -> dict:
    """One target's observed value against simulated values ``s`` of its statistic: the median
    and 95% interval of ``s``, the share of ``s`` on the observed side (near: at or below the
    value; bounds: on the side the bound allows), whether the observation is consistent (near:
    inside the interval; bounds: at least 2.5% of ``s`` on the allowed side), and the predictive
    p-value ``p_predictive``: near, twice the smaller tail at or beyond the value (two-sided, ties
    counted in both tails, so a share observed as 2 of 2 is not an outlier when the model often
    gives 2 of 2); bounds, the share on the allowed side."""
    s = np.asarray(s, dtype=float)
    low, high = np.quantile(s, [0.025, 0.975])
    v = t["value"]
    if t["kind"] == "near":
        inside = bool(low <= v <= high)
        side = float(np.mean(s <= v))
        p = min(1.0, 2.0 * min(side, float(np.mean(s >= v))))
    else:
        if t["kind"] == "at_least":
            side = float(np.mean(s >= v))
        elif t["kind"] == "at_most":
            side = float(np.mean(s <= v))
        else:
            side = float(np.mean(np.abs(s) <= v))
        inside = side >= 0.025
        p = side
    return {
        "predictive_median": float(np.median(s)),
        "predictive_low": float(low),
        "predictive_high": float(high),
        "share_on_observed_side": side,
        "consistent": inside,
        "p_predictive": p,
    }
