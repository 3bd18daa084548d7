"""Approximate Bayesian computation on a reference table, in plain numpy.

**The reference table.** ``simulations`` draws of every inferred parameter from its prior, each
with one virtual copy of every study (``peersim.inference.calibration.statistics``: the study as
run, with its waves, missing outcomes, measurement error and analysis), and the statistics its
observations compare. Draws come in chunks of ``chunk`` rows; chunk c's uniforms come from a
generator seeded by (seed, c) and its rows run copies c * chunk + i, so the table is the same
whatever the number of workers, and a chunk is the same whether it is the first or the last one
simulated. With ``folder``, each chunk is written atomically as it completes, under a subfolder
named by a hash of everything that decides it (the problem's parameters, priors, studies and
statistics, base parameters, seed and model code): run again and the table resumes where it
stopped; a different problem never reads another's chunks.

**Rejection** (Pritchard et al. 1999, Mol Biol Evol 16:1791; Beaumont, Zhang & Balding 2002,
Genetics 162:2025): the ``accept`` rows whose statistics lie closest to the observations, by the
Euclidean distance in the observations' standard errors (bounds count only when crossed), each
weighted by the Epanechnikov kernel of its distance, 1 - (d / delta)^2, delta the distance of the
closest row not accepted. **An accepted row is a whole parameter vector as simulated**: every
parameter is the value that produced its statistics (nothing is redrawn after acceptance), so the
posterior keeps the correlations the data induce.

**Regression adjustment** (Beaumont, Zhang & Balding 2002): each parameter, on its latent scale z
= logit(prior CDF(value)) so that adjusted values stay inside the prior's support, is regressed
(weighted least squares, the kernel weights) on the accepted rows' deviations from the
observations; z - beta' deviation is its value had the statistics been the observed ones. The
adjustment moves a row's parameters together, by one regression on one deviation vector, so an
adjusted row is a whole vector (the accepted row corrected for the tolerance). Its combination was
never run, so the calibration **simulates each adjusted vector afresh** (:func:`simulate_vectors`:
one virtual copy of every study per vector, copies ``POSTERIOR_COPIES + i``), and ships the
adjusted vectors with their own statistics: every shipped row is a vector with a simulation of its
own. (Rounded to ``DIGITS`` significant digits first, so that the file holds exactly what ran.)
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import os
import textwrap
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from peersim.core.params import Params
from peersim.core.sets import whole_numbers
from peersim.data.register import Evidence
from peersim.data.study import Study
from peersim.data.targets import fitted

#: rows simulated together (one kernel batch per arm): big enough to amortise, small enough to resume
CHUNK = 500
#: what :func:`reject` adds to each accepted row besides its parameters and weight
PROVENANCE = ("distance", "row", "trial")
#: how close to the prior's ends the latent scale goes (logit of 0 or 1 is infinite)
EDGE = 1e-9
#: the first copy the posterior's own vectors run: apart from the table's (0, 1, ...) and the
#: predictive check's (10**9 + i), so that no two simulations share people
POSTERIOR_COPIES = 2 * 10**9
#: significant digits of an adjusted value: the vectors are rounded before they are simulated, so a
#: file written with them (pandas' shortest round trip) holds exactly the vectors that ran
DIGITS = 6


@dataclass
class Problem:
    """What is inferred, from what: ``names`` with their priors (``entries``), one virtual copy
    of each of ``parts`` (a study and the statistics its observations compare) per draw, the
    targets (prefixed ``"1/"``, ``"2/"`` when several studies are fitted together) and every
    other parameter held at ``base``. Built by ``peersim.inference.calibration.problem``."""

    names: list[str]
    entries: dict[str, Evidence]
    base: Params
    seed: int
    parts: list[tuple[Study, list[str]]]
    targets: dict[str, dict]
    keys: list[str]
    #: (sets, base, seed, trials, study, names) -> statistics: peersim.inference.calibration.statistics
    simulator: Callable[..., pd.DataFrame]

    def draws(self, u: np.ndarray) -> pd.DataFrame:
        """Parameter values from uniforms ``u`` (one column per name), through each prior's quantiles."""
        values = {n: self.entries[n].prior.ppf(u[:, j]) for j, n in enumerate(self.names)}
        return whole_numbers(pd.DataFrame(values))

    def latent(self, frame: pd.DataFrame) -> np.ndarray:
        """Each parameter on its latent scale, logit(prior CDF(value))."""
        cdf = [self.entries[n].prior.scipy().cdf(frame[n].to_numpy(float)) for n in self.names]
        return logit(np.clip(np.column_stack(cdf), EDGE, 1.0 - EDGE))

    def from_latent(self, z: np.ndarray) -> pd.DataFrame:
        return self.draws(expit(z))

    def statistics(self, frame: pd.DataFrame, trials: np.ndarray) -> np.ndarray:
        """The statistics (``keys``) of one virtual copy of each study per row of ``frame``, as
        the fitted targets observed them (peersim.studies.observe.observed_statistics: a datum
        seen in a subsample, or from elsewhere with an error of its own, is seen so in each copy)."""
        from peersim.studies.observe import observed_statistics

        simulated = pd.concat(
            [
                self.simulator(frame, self.base, seed=self.seed, trials=trials, study=s, names=n).set_axis(
                    range(len(frame))
                )
                for s, n in self.parts
            ],
            axis=1,
        )
        simulated.columns = self.keys
        return observed_statistics(simulated, fitted(self.targets), self.seed, trials).to_numpy(float)

    def fingerprint(self) -> str:
        """A hash of everything that decides a reference table's rows."""
        from peersim.run.fingerprint import MODEL_LAYERS, code_fingerprint

        what = {
            "names": self.names,
            "priors": [self.entries[n].prior.to_dict() for n in self.names],
            "base": self.base.to_dict(),
            "seed": self.seed,
            "studies": [(repr(s), n) for s, n in self.parts],
            # the model, the study's simulation and statistics, and the few functions here that
            # turn uniforms into rows: not the rest of the inference (editing the rejection, the
            # SBC or the model choice does not void a table that took minutes), not the shipped
            # posterior (a table draws from the priors: shipping a posterior made from it must not
            # void it), and the functions' code, not their docstrings or comments
            "code": code_fingerprint((*MODEL_LAYERS, "stats", "studies"), exclude=("data/posterior.csv",)),
            "functions": [_code(f) for f in (self.simulator, _chunk, Problem.draws, Problem.statistics)],
        }
        return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _code(function: Callable) -> str:
    """A function's code as its syntax tree, docstrings left out: what it does, not what it says."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


# --- the reference table ---------------------------------------------------------------------------
def _chunk(problem: Problem, c: int, size: int, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first ``rows`` rows of chunk ``c`` (of ``size``): uniforms, copies and statistics
    (module docstring). A generator fills its draws in order, so the first rows of a chunk are
    the same whether it is simulated whole or in part, and so are their copies."""
    u = np.random.default_rng([problem.seed, c]).random((rows, len(problem.names)))
    u = np.clip(u, EDGE, 1.0 - EDGE)
    trials = c * size + np.arange(rows, dtype=np.int64)
    return u, trials, problem.statistics(problem.draws(u), trials)


@dataclass
class ReferenceTable:
    """Prior draws (``parameters``, as simulated), their copies (``trials``) and ``statistics``
    (one column per key of the problem). Build it with :func:`reference_table`."""

    problem: Problem
    parameters: pd.DataFrame
    trials: np.ndarray
    statistics: pd.DataFrame

    def __len__(self) -> int:
        return len(self.parameters)

    def row(self, i: int) -> pd.DataFrame:
        """Row ``i``'s parameters, every one of ``Params`` (the held ones at the base values)."""
        return self.parameters.iloc[[i]].reset_index(drop=True)


def reference_table(
    problem: Problem,
    simulations: int,
    folder: str | Path | None = None,
    chunk: int = CHUNK,
    executor: Executor | None = None,
    progress: bool = False,
) -> ReferenceTable:
    """``simulations`` rows of ``problem``'s reference table, read from ``folder`` where already
    simulated and simulated (on ``executor``, any concurrent.futures executor: processes, or
    Dask's ``client.get_executor()``) where not. The first n rows are the same whatever the
    number of rows asked for, the workers or the folder's history."""
    if simulations < 1 or chunk < 1:
        raise ValueError(f"simulations = {simulations}, chunk = {chunk}: both must be at least 1")
    n_chunks = -(-simulations // chunk)
    rows = [min(chunk, simulations - c * chunk) for c in range(n_chunks)]
    where = Path(folder) / f"table-{problem.fingerprint()}-{chunk}" if folder is not None else None
    if where is not None:
        where.mkdir(parents=True, exist_ok=True)
    parts: dict[int, tuple] = {}
    todo = []
    for c in range(n_chunks):
        path = where / f"chunk-{c:06d}.npz" if where is not None else None
        if path is not None and path.exists():
            try:
                with np.load(path) as saved:
                    if len(saved["trials"]) >= rows[c]:  # a part-chunk of a shorter table may not be
                        parts[c] = tuple(saved[k][: rows[c]] for k in ("u", "trials", "statistics"))
                        continue
            except (OSError, ValueError, KeyError):  # a damaged chunk: simulate it again
                pass
        todo.append(c)
    from peersim.run.progress import progress_bar

    bar = progress_bar(sum(rows[c] for c in todo), "reference table", unit="simulation", enabled=progress)
    sizes = [rows[c] for c in todo]
    if executor is None:
        results = (_chunk(problem, c, chunk, r) for c, r in zip(todo, sizes, strict=True))
    else:
        results = executor.map(_chunk, [problem] * len(todo), todo, [chunk] * len(todo), sizes)
    try:
        for c, result in zip(todo, results, strict=True):
            parts[c] = result
            if where is not None:  # kept as it completes: an interrupted table resumes from here
                _save(where / f"chunk-{c:06d}.npz", *result)
            bar.update(rows[c])
    finally:
        bar.close()
    u = np.vstack([parts[c][0] for c in range(n_chunks)])
    trials = np.concatenate([parts[c][1] for c in range(n_chunks)])
    stats = np.vstack([parts[c][2] for c in range(n_chunks)])
    return ReferenceTable(problem, problem.draws(u), trials, pd.DataFrame(stats, columns=problem.keys))


def _save(path: Path, u: np.ndarray, trials: np.ndarray, statistics: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, u=u, trials=trials, statistics=statistics)
    os.replace(tmp, path)


# --- rejection and adjustment ----------------------------------------------------------------------
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


def reject(
    table: ReferenceTable,
    accept: int,
    targets: Mapping[str, Mapping] | None = None,
    exclude: int | None = None,
) -> pd.DataFrame:
    """The ``accept`` rows of ``table`` closest to ``targets`` (default the problem's): their
    parameters as simulated, ``weight`` (Epanechnikov, normalised), ``distance``, ``row`` (in the
    table) and ``trial`` (the copy it ran). ``exclude``: a row never accepted (simulation-based
    calibration's truth, inferred from the others)."""
    targets = table.problem.targets if targets is None else targets
    available = len(table) - (exclude is not None)
    if not 1 <= accept <= available:
        raise ValueError(f"accept = {accept}: must be 1 to the table's {available} rows")
    d = discrepancy(table.statistics, targets)
    if exclude is not None:
        d[exclude] = np.inf
    order = np.argsort(d, kind="stable")
    kept = order[:accept]
    delta = d[order[accept]] if accept < available else d[kept[-1]] * (1.0 + 1e-9)
    w = 1.0 - (d[kept] / delta) ** 2 if delta > 0 else np.ones(accept)
    w = np.clip(w, 1e-12, None)  # the farthest accepted row keeps a trace of weight
    out = table.parameters.iloc[kept].reset_index(drop=True)
    out["weight"] = w / w.sum()
    out["distance"] = d[kept]
    out["row"] = kept
    out["trial"] = table.trials[kept]
    return out


def adjust(
    table: ReferenceTable, accepted: pd.DataFrame, targets: Mapping[str, Mapping] | None = None
) -> pd.DataFrame:
    """The accepted rows' parameters, regression-adjusted to the observed statistics (module
    docstring) and rounded to :data:`DIGITS` significant digits; the same rows and weights as
    ``accepted``. The regression needs more rows than it has coefficients: fewer than twice as many
    is refused (accept more draws, or ship the rows as simulated)."""
    problem = table.problem
    targets = fitted(problem.targets if targets is None else targets)
    dev = deviations(table.statistics.iloc[accepted["row"].to_numpy()], targets).to_numpy(float)
    dev = np.where(np.isfinite(dev), dev, np.nan)
    usable = np.isfinite(dev).all(axis=0) & (np.nanstd(dev, axis=0) > 0)
    enough_to_adjust(len(accepted), int(usable.sum()))
    z = problem.latent(accepted)
    if usable.any():
        x = np.column_stack([np.ones(len(dev)), dev[:, usable]])
        sw = np.sqrt(accepted["weight"].to_numpy(float))[:, None]
        beta, *_ = np.linalg.lstsq(x * sw, z * sw, rcond=None)
        z = z - dev[:, usable] @ beta[1:]
    out = problem.from_latent(z)
    columns = {
        n: out[n].map(lambda v: float(f"{v:.{DIGITS}g}")) if out[n].dtype.kind == "f" else out[n]
        for n in out.columns
    }
    return pd.DataFrame({**columns, "weight": accepted["weight"].to_numpy()})


def enough_to_adjust(accept: int, statistics: int) -> None:
    """Refuse a regression adjustment on ``statistics`` deviations from ``accept`` rows: it needs
    at least twice as many rows as coefficients (a rule of thumb; with fewer the fit follows the
    rows' noise)."""
    needed = 2 * (1 + statistics)
    if accept < needed:
        raise ValueError(
            f"accept = {accept}: the regression adjustment on {statistics} statistics needs at"
            f" least {needed} accepted draws; accept more, or adjust = False"
        )


def simulate_vectors(problem: Problem, vectors: pd.DataFrame, chunk: int = CHUNK) -> pd.DataFrame:
    """One new virtual copy of every study per row of ``vectors`` (copies ``POSTERIOR_COPIES + i``,
    ``chunk`` rows at a time), seen as the data were (:meth:`Problem.statistics`): per row its
    ``trial``, its ``distance`` to the observations and its statistics."""
    trials = POSTERIOR_COPIES + np.arange(len(vectors), dtype=np.int64)
    frame = vectors[problem.names].reset_index(drop=True)
    parts = [
        problem.statistics(frame.iloc[i : i + chunk].reset_index(drop=True), trials[i : i + chunk])
        for i in range(0, len(frame), chunk)
    ]
    stats = pd.DataFrame(np.vstack(parts), columns=problem.keys)
    stats.insert(0, "distance", discrepancy(stats, problem.targets))
    stats.insert(0, "trial", trials)
    return stats


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (mid-point plotting positions, linear between draws)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    v, w = values[order], np.asarray(weights, dtype=float)[order]
    cumulative = np.cumsum(w)
    levels = (cumulative - w / 2) / cumulative[-1]
    return np.interp(q, levels, v)


def summary(
    table: ReferenceTable, posterior: pd.DataFrame, as_simulated: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per parameter: the prior's and the ``posterior``'s median and 95% interval, and how much the
    data narrowed it (``narrowing`` = 1 - posterior sd / prior sd, on the latent scale, where the
    prior is a standard logistic: sd pi / sqrt(3)); with ``as_simulated`` (the accepted rows before
    their adjustment), their median, interval and narrowing too."""
    problem = table.problem
    w = posterior["weight"].to_numpy(float)

    def narrowing(frame):
        z = problem.latent(frame)
        mean = (w[:, None] * z).sum(axis=0)
        return 1.0 - np.sqrt((w[:, None] * (z - mean) ** 2).sum(axis=0)) / (np.pi / np.sqrt(3.0))

    narrowed = narrowing(posterior)
    before = narrowing(as_simulated) if as_simulated is not None else None
    rows = []
    for j, n in enumerate(problem.names):
        prior = problem.entries[n].prior
        post = weighted_quantiles(posterior[n].to_numpy(float), w, [0.025, 0.5, 0.975])
        row = {
            "parameter": n,
            "direction": problem.entries[n].grade,  # the register's two grades
            "size": problem.entries[n].size,
            "prior": str(prior),
            "prior_median": float(prior.ppf(0.5)),
            "median": post[1],
            "low": post[0],
            "high": post[2],
            "narrowing": narrowed[j],
        }
        if as_simulated is not None:
            a = weighted_quantiles(as_simulated[n].to_numpy(float), w, [0.025, 0.5, 0.975])
            row.update(
                as_simulated_median=a[1],
                as_simulated_low=a[0],
                as_simulated_high=a[2],
                as_simulated_narrowing=before[j],
            )
        rows.append(row)
    return pd.DataFrame(rows).sort_values("narrowing", ascending=False, ignore_index=True)
