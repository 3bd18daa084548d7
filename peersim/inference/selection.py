"""Model choice between rival programme theories, with its own error rate: ABC random forests.

Every theory (:data:`peersim.THEORIES`) has a reference table (:mod:`peersim.inference.abc`): prior
draws of every inferred parameter from the same priors, each with a virtual copy of the study, its
own mechanisms. Each theory's table has its own draws and people (not common random numbers: a
classifier trained on twins with different labels misjudges its own error). A random forest
classifier (Breiman 2001; scikit-learn) learns from the tables which theory made which
statistics, and is asked about the observed ones (Pudlo, Marin, Estoup, Cornuet, Gautier &
Robert 2016, Bioinformatics 32:859, "ABC random forests"). What it reports:

- **the prior error rate**: the share of simulated datasets, each classified by the trees that did
  not see it (out-of-bag), given to another theory than the one that made it; and the
  **confusion matrix** behind it (rows: the theory that made the data; columns: the one chosen).
  This is how often this very procedure, with these statistics, is wrong when the truth is one of
  the theories;
- **the votes** for each theory at the observed statistics, and the theory with most votes;
- **the posterior probability of the chosen theory**, estimated as Pudlo et al. do: a regression
  forest of the out-of-bag misclassification indicator on the statistics, evaluated at the
  observed ones, gives the local error rate; one minus it is the probability. Votes are not
  probabilities; only this one is.

Why not the share of closest draws (rejection ABC model choice, as peersim did before): with
statistics that are not sufficient across models, its posterior probabilities need not converge
to the true ones (Robert, Cornuet, Marin & Pillai 2011, PNAS 108:15112), and it reports no error
rate. A forest does not cure insufficiency either: the prior error rate says how much the chosen
statistics can tell the theories apart, and the verdict is no better than that.

Observations from purposive samples (``sampling = "purposive"`` in a target: the seed's two
interviewed leavers, chosen to include people who left) are not draws from the population the
model simulates; they are left out of the statistics the forest sees, and the verdict with them
is reported as a sensitivity analysis only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from peersim.core.params import Params
from peersim.core.theories import THEORY_NAMES
from peersim.data.targets import fitted
from peersim.inference import abc
from peersim.inference.calibration import inferred, problem


@dataclass
class Selection:
    """The result of :func:`select_theories`.

    ``probabilities``: one row per theory: ``votes`` (the forest's share of trees at the observed
    statistics), ``chosen`` (True for the theory with most votes), ``probability`` (the posterior
    probability, for the chosen theory only; NaN for the others), ``error_rate`` (prior error
    rate of data made by this theory: the share given to another) and ``simulations``.
    ``confusion``: rows the theory that made the data, columns the theory chosen (out-of-bag
    counts). ``prior_error_rate``: the overall share misclassified. ``draws``: for each theory, the
    ``accept`` rows of its reference table closest to the observations (its own approximate
    posterior), parameters as simulated with ``weight``, ``distance`` and ``stat_<statistic>``.
    ``statistics``: the statistics the forest used; ``left_out``: the targets it did not use;
    ``tables``: every theory's reference table (for :func:`forest_choice` on other targets)."""

    probabilities: pd.DataFrame
    confusion: pd.DataFrame
    prior_error_rate: float
    draws: dict[str, pd.DataFrame]
    statistics: list[str]
    left_out: list[str]
    tables: dict[str, abc.ReferenceTable]


def usable_targets(targets: Mapping[str, Mapping], purposive: bool = False) -> dict[str, Mapping]:
    """The fitted targets model choice reads: without those from purposive samples unless
    ``purposive`` (module docstring)."""
    return {
        k: t for k, t in fitted(targets).items() if purposive or t.get("sampling", "random") != "purposive"
    }


def select_theories(
    theories: Sequence[str] = THEORY_NAMES,
    parameters: Sequence[str] | None = None,
    simulations: int = 10_000,
    accept: int = 200,
    trees: int = 500,
    seed: int = 0,
    base: Params | None = None,
    targets: Mapping[str, Mapping] | None = None,
    table_dir: str | Path | None = None,
    progress: bool = False,
    priors: Mapping | None = None,
    purposive: bool = False,
    executor=None,
    jobs: int = 1,
) -> Selection:
    """Model choice between ``theories`` given the fitted targets (module docstring):
    ``simulations`` reference-table rows per theory, ``trees`` trees. ``parameters`` (default
    :func:`~peersim.inference.calibration.inferred`, the rivals' own included) are drawn from
    their priors (the register's, or ``priors``); every other parameter is held at ``base``.
    ``table_dir`` keeps the tables (resumable). ``purposive`` lets the forest read targets from
    purposive samples too (a sensitivity analysis). ``jobs``: processes for the forests (the
    same trees whatever their number)."""
    theories = list(theories)
    unknown = [t for t in theories if t not in THEORY_NAMES]
    if unknown or len(theories) < 2:
        raise ValueError(
            f"theories: need two or more of {', '.join(THEORY_NAMES)}"
            + (f"; unknown {unknown[0]!r}" if unknown else "")
        )
    if trees < 10:
        raise ValueError(f"trees = {trees}: need 10 or more")
    base = base or Params()
    parameters = list(parameters) if parameters is not None else inferred()
    tables, draws = {}, {}
    for i, theory in enumerate(theories):
        # every theory its own prior draws and people (seed + i): with common ones, theory A's row k
        # and theory B's row k are near twins with different labels, and out-of-bag trees that saw
        # the twin call one for the other, which made the prior error rate worse than chance
        own = seed + i
        p = problem(parameters, base=base.replace(theory=theory), seed=own, targets=targets, priors=priors)
        tables[theory] = abc.reference_table(p, simulations, table_dir, executor=executor, progress=progress)
        near = abc.reject(tables[theory], min(accept, len(tables[theory]) - 1))
        stats = tables[theory].statistics.iloc[near["row"].to_numpy()].reset_index(drop=True)
        draws[theory] = pd.concat([near, stats.add_prefix("stat_")], axis=1)
    every = tables[theories[0]].problem.targets
    use = usable_targets(every, purposive)
    probabilities, confusion, error = forest_choice(tables, use, trees, seed, jobs)
    left_out = [k for k in fitted(every) if k not in use]
    columns = list(dict.fromkeys(t["statistic"] for t in use.values()))
    return Selection(probabilities, confusion, error, draws, columns, left_out, tables)


def forest_choice(
    tables: Mapping[str, abc.ReferenceTable],
    use: Mapping[str, Mapping],
    trees: int = 500,
    seed: int = 0,
    jobs: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The random-forest model choice (module docstring) on the statistics of the targets ``use``,
    from every theory's reference table: (probabilities, confusion, prior error rate). Cheap next to
    the tables, so a leave-one-target-out check refits it on the same tables."""
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    theories = list(tables)
    columns = list(dict.fromkeys(t["statistic"] for t in use.values()))
    if not columns:
        raise ValueError("no statistics to choose by: every fitted target was left out")
    x = np.vstack([tables[t].statistics[columns].to_numpy(float) for t in theories])
    y = np.repeat(np.arange(len(theories)), [len(tables[t]) for t in theories])
    observed = np.array([[next(t["value"] for t in use.values() if t["statistic"] == c) for c in columns]])
    # n_jobs: the trees are the same whatever the number of processes (random_state fixes them)
    forest = RandomForestClassifier(n_estimators=trees, oob_score=True, random_state=seed, n_jobs=jobs).fit(
        x, y
    )
    oob = np.argmax(np.nan_to_num(forest.oob_decision_function_, nan=0.0), axis=1)
    names = np.asarray(theories)
    confusion = pd.crosstab(pd.Categorical(names[y], theories), pd.Categorical(names[oob], theories))
    confusion.index.name, confusion.columns.name = "made by", "chosen"
    wrong = (oob != y).astype(float)
    votes = forest.predict_proba(observed)[0]
    chosen = int(np.argmax(votes))
    # the local error rate at the observed statistics (Pudlo et al. 2016, Algorithm 2)
    local = RandomForestRegressor(n_estimators=trees, random_state=seed, n_jobs=jobs).fit(x, wrong)
    probability = float(1.0 - local.predict(observed)[0])
    probabilities = pd.DataFrame(
        {
            "theory": theories,
            "votes": votes,
            "chosen": [i == chosen for i in range(len(theories))],
            "probability": [probability if i == chosen else np.nan for i in range(len(theories))],
            "error_rate": [float(wrong[y == i].mean()) for i in range(len(theories))],
            "simulations": [len(tables[t]) for t in theories],
        }
    )
    return probabilities, confusion, float(wrong.mean())
