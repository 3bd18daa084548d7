"""Bayesian calibration: approximate Bayesian computation with sequential Monte Carlo (ABC-SMC).

What was observed (``peersim/data/targets.toml``) is a trial of 145 and 151 people, a handful of
interviews and some meta-analyses. ``statistics`` simulates, for each parameter set, one virtual
trial of exactly that size under the trial's conditions (COVID-19 restrictions), so the model's
sampling noise matches the data's; ``discrepancy`` measures how far its statistics lie from the
observed ones, each in units of the observation's standard error (bounds count only when
crossed). ``calibrate`` runs ELFI's ABC-SMC (Beaumont et al. 2009, Biometrika 96:983; Lintusaari
et al. 2018, JMLR 19:16, ELFI) from the evidence register's priors, with thresholds from quantiles
of the previous round's discrepancies,
simulating each batch of particles together (``simulate_sets``'s path: one kernel batch for many
parameter sets). Held-out targets (``fit = false``) are not used here; ``predictive_check``
compares every target, fitted or held out, with the posterior predictive distribution.

The posterior ships as package data (``peersim.posterior()``); docs/calibration.md reports what
the data identify and what they leave to the priors.
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from peersim.core.params import Params
from peersim.core.sets import whole_numbers
from peersim.data.register import register
from peersim.data.study import Study, StudyError, as_study, parse_key
from peersim.studies.observe import observe, read_columns, read_outcomes
from peersim.studies.virtual import simulate_study

KINDS = ("near", "at_least", "at_most", "within")


# --- targets ------------------------------------------------------------------------------------
def load_targets(
    path: str | Path | None = None, study: Study | str | Path | None = None, literature: bool | None = None
) -> dict[str, dict]:
    """The targets, checked: each has a value, a standard error, a kind, fit true/false, a grade
    and a source, and names a statistic of a virtual copy of ``study`` (default the PEER trial).
    They are the study's own observations and, with ``literature`` (default: for the PEER trial,
    or when ``path`` is given), those of the target file (default ``peersim/data/targets.toml``:
    the seed's and the literature's, which are about PEER groups)."""
    literature = (study is None or path is not None) if literature is None else literature
    study = as_study(study)
    targets = study.targets()
    if literature:
        text = (
            Path(path).read_text(encoding="utf-8")
            if path
            else resources.files("peersim.data").joinpath("targets.toml").read_text(encoding="utf-8")
        )
        for name, t in tomllib.loads(text).items():
            if name in targets:
                raise ValueError(f"target {name!r}: named twice (in the study and in the target file)")
            targets[name] = t
    for name, t in targets.items():
        t.setdefault("statistic", name)
        if t.get("kind") not in KINDS:
            raise ValueError(f"target {name!r}: kind must be one of {', '.join(KINDS)}")
        for key in ("value", "se"):
            if not isinstance(t.get(key), int | float) or isinstance(t.get(key), bool):
                raise ValueError(f"target {name!r}: needs a number {key!r}")
        if t["se"] <= 0:
            raise ValueError(f"target {name!r}: se must be positive")
        if not isinstance(t.get("fit"), bool):
            raise ValueError(f"target {name!r}: fit must be true or false")
        if not t.get("source"):
            raise ValueError(f"target {name!r}: needs a source")
        try:
            parse_key(t["statistic"], study)
        except StudyError as error:
            raise ValueError(f"target {name!r}: {error}") from None
    return targets


def keys(targets: Mapping[str, Mapping]) -> list[str]:
    """The statistics the targets compare, each once, in the targets' order."""
    return list(dict.fromkeys(t["statistic"] for t in targets.values()))


def fitted(targets: Mapping[str, Mapping]) -> dict[str, Mapping]:
    return {k: t for k, t in targets.items() if t["fit"]}


def deviations(stats: pd.DataFrame, targets: Mapping[str, Mapping]) -> pd.DataFrame:
    """How far each set's statistic lies from each target, in standard errors; bounds count only
    when crossed (0 inside). One row per set, one column per target."""
    out = {}
    for name, t in targets.items():
        s = stats[t["statistic"]].to_numpy(float)
        s = np.where(np.isnan(s), np.inf, s)  # a statistic the set cannot produce misses
        v, se = t["value"], t["se"]
        if t["kind"] == "near":
            z = (s - v) / se
        elif t["kind"] == "at_least":
            z = np.maximum(v - s, 0.0) / se
        elif t["kind"] == "at_most":
            z = np.maximum(s - v, 0.0) / se
        else:
            z = np.maximum(np.abs(s) - v, 0.0) / se
        out[name] = z
    return pd.DataFrame(out, index=stats.index)


def discrepancy(stats: pd.DataFrame, targets: Mapping[str, Mapping]) -> np.ndarray:
    """Euclidean distance over the fitted targets, in standard errors (0 = every target met)."""
    z = deviations(stats, fitted(targets)).to_numpy()
    return np.sqrt(np.nansum(np.where(np.isinf(z), 1e6, z) ** 2, axis=1))


# --- statistics ---------------------------------------------------------------------------------
def statistics(
    sets: pd.DataFrame,
    base: Params | None = None,
    seed: int = 0,
    trials: Sequence[int] | None = None,
    study: Study | str | Path | None = None,
    names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One virtual copy of ``study`` (default the PEER trial as run: 145 PEER in groups against
    151 in service as usual, in waves, with missing outcomes, measurement error and the trial's
    mixed model) per parameter set. Set i runs copy ``trials[i]`` (default i): its own people, so
    sets are independent draws, as ABC needs. Returns one row per set (index as given), one
    column per statistic ``names`` (default: every target's, :func:`keys`)."""
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
    """Parameters the data could inform: graded ``assumption`` or ``calibrated`` in the evidence
    register, with a real (not fixed) prior. (How a study is run and measured is the study's,
    not a parameter: peersim/data/study.py.)"""
    entries = register()
    names = parameters if parameters is not None else list(entries)
    return [
        n for n in names if entries[n].grade in ("assumption", "calibrated") and not entries[n].prior.fixed
    ]


def screen(
    parameters: Sequence[str],
    trajectories: int = 10,
    trials_per_point: int = 8,
    seed: int = 0,
    base: Params | None = None,
    targets: Mapping[str, Mapping] | None = None,
    study: Study | str | Path | None = None,
) -> pd.DataFrame:
    """Morris screening (SALib) of ``parameters`` over their priors, on the fitted targets'
    statistics: for each parameter, mu* (mean absolute elementary effect across the prior, each
    point the mean of ``trials_per_point`` virtual trials) per target, in units of the target's
    standard error, and their maximum (``importance``). A parameter whose importance is small moves
    no target by a meaningful share of its uncertainty: the data cannot inform it. Every point
    meets the same ``trials_per_point`` virtual trials, so differences between points are the
    parameters' effects (common random numbers), not sampling noise."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    targets = fitted(dict(targets or load_targets(study=study)))
    entries = register()
    names = list(parameters)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = morris_sample.sample(problem, trajectories, num_levels=4, seed=seed)
    # the unit levels (1/6 .. 5/6 of the way through each prior's quantiles) as parameter values
    values = {n: entries[n].prior.ppf(np.clip(unit[:, i], 0.02, 0.98)) for i, n in enumerate(names)}
    sets = whole_numbers(pd.DataFrame(values).iloc[np.repeat(np.arange(len(unit)), trials_per_point)])
    sets = sets.reset_index(drop=True)
    # every point meets the same trials (the same people and draws): an elementary effect is the
    # parameter's, not the noise of two different samples (common random numbers)
    copies = np.tile(np.arange(trials_per_point), len(unit))
    stats = statistics(sets, base, seed=seed, trials=copies, study=study, names=keys(targets))
    means = stats.groupby(np.repeat(np.arange(len(unit)), trials_per_point)).mean()
    rows = {}
    for target, t in targets.items():
        y = means[t["statistic"]].fillna(means[t["statistic"]].mean()).to_numpy()
        res = morris_analyze.analyze(problem, unit, y, num_levels=4, seed=seed)
        rows[target] = np.asarray(res["mu_star"]) / t["se"]
    table = pd.DataFrame(rows, index=names)
    table["importance"] = table.max(axis=1)
    table["grade"] = [entries[n].grade for n in names]
    return table.sort_values("importance", ascending=False)


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


# --- ABC-SMC ------------------------------------------------------------------------------------
def calibrate(
    parameters: Sequence[str],
    particles: int = 1000,
    rounds: int = 6,
    batch: int = 500,
    seed: int = 0,
    base: Params | None = None,
    targets: Mapping[str, Mapping] | None = None,
    pool_dir: str | Path | None = None,
    progress: bool = False,
    nuisance: Sequence[str] = (),
    method: str = "smc",
    quantile: float = 0.01,
    study: Study | str | Path | Sequence | None = None,
    priors: Mapping | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ABC-SMC over ``parameters`` (their priors from the evidence register, or ``priors``: e.g.
    :func:`posterior_priors` for a sequential update) given the observations of ``study`` (a
    study, a path, or a list of them fitted jointly; default the PEER trial with the seed's and
    the literature's targets), each simulation one virtual copy of each study. ``nuisance``
    parameters (those the targets barely inform) are not calibrated but integrated over: every
    simulation draws them from their priors, and the posterior carries fresh prior draws of them,
    so their uncertainty stays in posterior runs. Every other parameter is held at ``base``.

    Returns (posterior, diagnostics): the posterior is one row per particle with the parameters
    and a normalised ``weight``; the diagnostics one row per round with its threshold,
    simulations, acceptance rate and effective sample size. ``rounds`` rounds: the first accepts the
    closest 20% of draws from the prior, each later one the closest half of the previous round's.

    ``method="rejection"`` is rejection ABC instead (Pritchard et al. 1999): the ``particles``
    closest of ``particles / quantile`` prior draws, equally weighted. Cruder than SMC, but it
    cannot degenerate: with many parameters, SMC's importance weights can concentrate on a few
    particles (the diagnostics' effective sample size shows it).

    ``pool_dir`` keeps every simulated batch on disk: ELFI proposes the same batches again for
    the same seed, so run again with the same arguments and folder, a calibration reuses what was
    already simulated and resumes where it stopped (each batch file is written atomically).
    """
    elfi = import_elfi()
    if method not in ("smc", "rejection"):
        raise ValueError(f"method = {method!r}; choose smc or rejection")
    if not 0 < quantile <= 1:
        raise ValueError(f"quantile = {quantile!r} must lie in (0, 1]")
    if particles < 10 or rounds < 1:
        raise ValueError(
            f"particles = {particles}, rounds = {rounds}: need 10 particles and 1 round at least"
        )
    problem = AbcProblem(parameters, nuisance, base, targets, seed, pool_dir, priors=priors, study=study)
    with elfi_quiet():
        if method == "rejection":
            # the closest `particles` of particles / quantile draws from the prior, equal weights
            sampler = elfi.Rejection(problem.model, "d", batch_size=batch, seed=seed)
            result = sampler.sample(particles, quantile=quantile, bar=progress)
            populations = [result]
        else:
            # thresholds from quantiles of the previous round's discrepancies (Beaumont et al.
            # 2009, Biometrika 96:983; ELFI's SMC): the first keeps the best 20% of prior draws,
            # later ones the best half. (ELFI's adaptive-threshold variant estimates a density
            # ratio that breaks down with tens of parameters.)
            sampler = elfi.SMC(problem.model, "d", batch_size=batch, seed=seed)
            result = sampler.sample(particles, quantiles=[0.2] + [0.5] * (rounds - 1), bar=progress)
            populations = result.populations
    n = len(result.samples[problem.names[0]])
    weights = np.ones(n) if result.weights is None else np.asarray(result.weights, dtype=float)
    posterior = problem.table(result.samples, seed)
    posterior["weight"] = weights / weights.sum()
    rows = []
    for i, pop in enumerate(populations):
        w = np.ones(n) if pop.weights is None else np.asarray(pop.weights, dtype=float)
        w = w / w.sum()
        rows.append(
            {
                "round": i + 1,
                "threshold": float(pop.threshold),
                "simulations": int(pop.n_sim) if hasattr(pop, "n_sim") else np.nan,
                "acceptance": float(pop.accept_rate) if hasattr(pop, "accept_rate") else np.nan,
                "ess": float(1.0 / np.sum(w**2)),
            }
        )
    return posterior, pd.DataFrame(rows)


@contextmanager
def elfi_quiet():
    """Around every call into ELFI: it imports matplotlib and GPy, and builds its graphs with
    NumPy and SciPy calls, whose own deprecation warnings the test suite would turn into errors
    though they are ELFI's to fix. The one place these warnings are silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def import_elfi():
    """ELFI, imported quietly (see :func:`elfi_quiet`)."""
    with elfi_quiet():
        import elfi
    return elfi


class AbcProblem:
    """The ELFI model of a calibration: ``parameters`` with the evidence register's priors,
    ``nuisance`` parameters drawn from their priors in every simulation, one virtual trial per
    draw (``statistics``), and the discrepancy over the fitted targets (node ``"d"``). Every other
    parameter is held at ``base``. ``calibrate`` and the model selection of rival theories
    (:mod:`peersim.inference.selection`) both sample from it.

    ABC runs on z = logit(prior CDF(value)), a standard logistic under the prior: the SMC kernel's
    proposals never leave the prior's support, however many parameters. With ``pool_dir`` every
    simulated batch is kept on disk (see ``calibrate``).

    ``priors`` (parameter name -> :class:`peersim.data.register.Prior`) replaces register priors, for
    sensitivity analyses of what the priors decide.

    ``observation``: how a share seen in a handful of people (a ``binomial`` target: 2 of 2
    leavers, 1 of 11 interviewees) is compared. ``"share"`` (the calibration's reading) compares
    the simulated share with the observed one in units of the target's standard error, a normal
    approximation that weighs a 2-person count like a measured proportion. ``"count"`` simulates
    the observation too: n people drawn from the simulated share, so the datum weighs about what
    its binomial likelihood says (exactly so only as the ABC tolerance goes to 0: with the
    Euclidean distance, a simulated 1 of 2 still costs only 2 standard errors and may be kept).
    """

    def __init__(
        self,
        parameters: Sequence[str],
        nuisance: Sequence[str] = (),
        base: Params | None = None,
        targets: Mapping[str, Mapping] | None = None,
        seed: int = 0,
        pool_dir: str | Path | None = None,
        observation: str = "share",
        priors: Mapping | None = None,
        study: Study | str | Path | Sequence | None = None,
    ) -> None:
        elfi = import_elfi()
        if observation not in ("share", "count"):
            raise ValueError(f"observation = {observation!r}; choose share or count")
        self.observation = observation
        self.base = base or Params()
        # one study, or several fitted together: each simulation is one virtual copy of each, and
        # with several, every target and statistic is prefixed by its study's position ("1/...")
        studies = list(study) if isinstance(study, list | tuple) else [study]
        if targets is not None and len(studies) > 1:
            raise ValueError("targets: give them for one study; several studies bring their own")
        self.parts, self.targets = [], {}
        for i, one in enumerate(studies):
            own = dict(targets) if targets is not None else load_targets(study=one)
            prefix = f"{i + 1}/" if len(studies) > 1 else ""
            self.parts.append((as_study(one), keys(fitted(own))))
            for name, t in own.items():
                self.targets[prefix + name] = {**t, "statistic": prefix + t["statistic"]}
        self.keys = keys(fitted(self.targets))
        if not self.keys:
            raise ValueError("no fitted targets: a study needs an observation with fit = true")
        self.entries = dict(register())  # a copy: register() is cached, and priors may differ
        for name, prior in (priors or {}).items():  # a sensitivity analysis, or a sequential update
            if name not in self.entries:
                raise ValueError(f"priors: {name!r} has no entry in the evidence register")
            self.entries[name] = replace(self.entries[name], prior=prior)
        for name in (*parameters, *nuisance):
            if name not in self.entries:
                raise ValueError(f"{name}: no entry in the evidence register, so no prior")
            if self.entries[name].prior.fixed:
                raise ValueError(f"{name}: a design choice (fixed prior), not something to calibrate")
        if not parameters:
            raise ValueError("no parameters to calibrate")
        self.names = list(parameters)
        self.nuisance = [n for n in nuisance if n not in self.names]
        self.seed = seed
        # the cache must know the studies and which statistics a batch holds (two problems with
        # other fitted targets share a pool folder)
        what = [(repr(s), names) for s, names in self.parts]
        self.cache = _Cache(pool_dir, self.base, seed, what) if pool_dir is not None else None
        observed = np.array([[t["value"] for t in fitted(self.targets).values()]])
        with elfi_quiet():
            model = elfi.ElfiModel(name="peersim")
            priors = [elfi.Prior("logistic", 0.0, 1.0, model=model, name=n) for n in self.names]
            sim = elfi.Simulator(self._simulate, *priors, observed=observed, model=model, name="trial")
            elfi.Discrepancy(self._distance, sim, model=model, name="d")
        self.model = model

    def statistics(self, frame: pd.DataFrame, trials: np.ndarray) -> np.ndarray:
        """The fitted statistics (``keys``) of one virtual copy of each study per row of ``frame``."""
        parts = [
            statistics(frame, self.base, seed=self.seed, trials=trials, study=study, names=names).to_numpy(
                float
            )
            for study, names in self.parts
        ]
        return np.hstack(parts)

    def to_parameters(self, latent: Mapping[str, np.ndarray]) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                k: self.entries[k].prior.ppf(expit(np.asarray(latent[k], dtype=float).reshape(-1)))
                for k in self.names
            }
        )
        return whole_numbers(frame)

    def with_nuisance(self, frame: pd.DataFrame, rng) -> pd.DataFrame:
        u = rng.random_sample((len(frame), len(self.nuisance))) if self.nuisance else None
        for j, name in enumerate(self.nuisance):
            frame[name] = self.entries[name].prior.ppf(u[:, j])
        return whole_numbers(frame)

    def table(self, samples: Mapping[str, np.ndarray], seed: int) -> pd.DataFrame:
        """Accepted latent samples as parameter values, with fresh prior draws of the nuisance
        parameters (seeded)."""
        return self.with_nuisance(self.to_parameters(samples), np.random.RandomState(seed))

    def _simulate(self, *values, batch_size=1, random_state=None):
        frame = self.to_parameters(dict(zip(self.names, values, strict=True)))
        # each particle is its own trial (own people), chosen by ELFI's seeded random state, and
        # meets its own draw of the nuisance parameters
        trials = random_state.randint(0, 2**31 - 1, size=len(frame))
        frame = self.with_nuisance(frame, random_state)
        if self.cache is not None:
            values = self.cache.get(frame, trials, lambda: self.statistics(frame, trials))
        else:
            values = self.statistics(frame, trials)
        if self.observation == "count":
            values = self._as_counts(values, random_state)
        return values

    def _as_counts(self, values: np.ndarray, random_state) -> np.ndarray:
        """Shares seen in a handful of people (``binomial`` targets) observed as the data were:
        n people drawn from each simulated share, their count as a share (NaN stays NaN)."""
        values = values.copy()
        for t in fitted(self.targets).values():
            if t.get("binomial"):
                j = self.keys.index(t["statistic"])
                share = values[:, j]
                known = ~np.isnan(share)
                n = int(t["n"])
                counts = random_state.binomial(n, np.clip(np.where(known, share, 0.0), 0.0, 1.0))
                values[:, j] = np.where(known, counts / n, np.nan)
        return values

    def _distance(self, simulated, observed=None):
        stats = pd.DataFrame(np.asarray(simulated), columns=self.keys)
        return discrepancy(stats, self.targets)


class _Cache:
    """Simulated statistics of each batch on disk, keyed by the batch's parameters and trials (and
    by what else decides them: the base parameters, the seed and the model code)."""

    def __init__(self, folder, base: Params, seed: int, studies: Sequence[str] = ()) -> None:
        import hashlib
        import json

        from peersim.run.fingerprint import MODEL_LAYERS, code_fingerprint

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        # the statistics depend on the model and on the code that computes them from its tables
        code = code_fingerprint((*MODEL_LAYERS, "stats", "studies", "inference"))
        what = json.dumps([base.to_dict(), seed, code, list(studies)], sort_keys=True, default=str)
        self.salt = hashlib.sha256(what.encode()).digest()

    def get(self, frame: pd.DataFrame, trials: np.ndarray, compute) -> np.ndarray:
        import hashlib
        import os

        digest = hashlib.sha256(self.salt)
        digest.update(",".join(frame.columns).encode())
        digest.update(np.ascontiguousarray(frame.to_numpy(float)).tobytes())
        digest.update(np.ascontiguousarray(trials, dtype=np.int64).tobytes())
        path = self.folder / f"{digest.hexdigest()[:32]}.npy"
        if path.exists():
            try:
                return np.load(path)
            except (OSError, ValueError):  # a damaged file: simulate the batch again
                pass
        values = np.asarray(compute(), dtype=float)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            np.save(handle, values)
        os.replace(tmp, path)
        return values


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
    share. The table's columns per target are ``compare``'s, the predictive p-value among them.
    Returns (table, the statistics). ``peersim.inference.validation`` adds the model's expected
    value, for pooled observations."""
    targets = dict(targets or load_targets(study=study))
    rng = np.random.default_rng(seed)
    weights = posterior["weight"].to_numpy() if "weight" in posterior else None
    picked = rng.choice(len(posterior), size=draws, p=weights)
    sets = posterior.drop(columns=["weight"], errors="ignore").iloc[picked].reset_index(drop=True)
    stats = statistics(
        sets, base, seed=seed, trials=10**9 + np.arange(draws), study=study, names=keys(targets)
    )
    rows = []
    for name, t in targets.items():
        s = stats[t["statistic"]].dropna().to_numpy(float)
        if t.get("binomial"):  # observed in n people: draw n people's worth from each simulated share
            s = rng.binomial(int(t["n"]), np.clip(s, 0.0, 1.0)) / t["n"]
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
