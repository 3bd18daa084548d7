"""Model selection between rival programme theories: which theory do the observations favour?

Approximate Bayesian computation for model choice (Pritchard et al. 1999, Mol Biol Evol 16:1791;
Grelaud et al. 2009, Bayesian Anal 4:317), with ELFI, the calibration's library. Every theory
(:data:`peersim.THEORIES`) draws its parameters from the same priors (the evidence register's, for
every parameter graded assumption or calibrated) and runs ``simulations`` virtual trials of the
PEER trial's size (:func:`peersim.inference.calibration.statistics`), each compared with the fitted
targets by the calibration's discrepancy. ELFI's ``compare_models`` pools the closest draws of
every theory and counts each theory's share among the closest ``quantile`` of them, divided by its
number of simulations: with equal prior probabilities, that share estimates the posterior
probability of the theory (its marginal likelihood near the data, relative to the others').

Monte Carlo error: the simulations are split into ``blocks`` independent blocks (their own prior
draws and people); each block gives its own estimate, and the spread between blocks gives the
standard error and a t interval of the mean. Within a block, all theories meet the same prior
draws (the same latent values and the same trial people: common random numbers), so what differs
between them is the theory.

What this can and cannot say: the probabilities are relative to the theories compared, the priors
and the targets chosen; a theory favoured here is the better of these, not true. The discrepancy
uses only the fitted targets; held-out targets stay for the predictive checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from peersim.core.params import Params
from peersim.core.theories import THEORY_NAMES
from peersim.inference.calibration import AbcProblem, elfi_quiet, eligible, import_elfi


@dataclass
class Selection:
    """The result of :func:`select_theories`.

    ``probabilities``: one row per theory: probability, Monte Carlo standard error, 95% interval,
    ``kept`` (the pooled closest draws it rests on, over all blocks) and the per-block estimates.
    ``draws``: for each theory, its own closest ``quantile`` of draws in every block (its
    approximate posterior given the theory), with ``block``, ``pooled`` (True for those also
    among the closest of all theories, the draws that make up its probability),
    ``discrepancy`` and the statistics of each draw's virtual trial (``stat_<statistic>``).
    ``blocks``: one row per (block, theory) with the pooled threshold, the simulations run and
    the count within the pooled threshold (``accepted``).
    """

    probabilities: pd.DataFrame
    draws: dict[str, pd.DataFrame]
    blocks: pd.DataFrame


def select_theories(
    theories: Sequence[str] = THEORY_NAMES,
    parameters: Sequence[str] | None = None,
    simulations: int = 20_000,
    quantile: float = 0.01,
    blocks: int = 5,
    batch: int = 1000,
    seed: int = 0,
    base: Params | None = None,
    targets: Mapping[str, Mapping] | None = None,
    pool_dir: str | Path | None = None,
    progress: bool = False,
    observation: str = "share",
    priors: Mapping | None = None,
) -> Selection:
    """Posterior probabilities of ``theories`` given the fitted targets (see the module docstring).

    ``simulations`` per theory in all, in ``blocks`` blocks; in each block the closest
    ``quantile`` of each theory's draws are kept, and ``compare_models`` pools them. ``parameters``
    (default: every parameter the register grades assumption or calibrated, with a real prior,
    including the rivals' own) are drawn from their priors; every other parameter is held at
    ``base``. ``pool_dir`` keeps simulated batches (resumable, as for the calibration).
    ``observation="count"`` compares the targets seen in a handful of people as counts drawn from
    each simulated share (see :class:`~peersim.inference.calibration.AbcProblem`); the default,
    ``"share"``, is the calibration's reading. ``priors`` replaces register priors (name ->
    :class:`peersim.data.register.Prior`), for sensitivity analyses.
    """
    elfi = import_elfi()
    from elfi.methods.model_selection import compare_models

    theories = list(theories)
    unknown = [t for t in theories if t not in THEORY_NAMES]
    if unknown or len(theories) < 2:
        raise ValueError(
            f"theories: need two or more of {', '.join(THEORY_NAMES)}"
            + (f"; unknown {unknown[0]!r}" if unknown else "")
        )
    if blocks < 2:
        raise ValueError(f"blocks = {blocks}: need 2 or more to estimate the Monte Carlo error")
    per_block = simulations // blocks
    batch = min(batch, per_block)
    accepted = round(per_block * quantile)
    if accepted < 5:
        raise ValueError(
            f"simulations = {simulations}, quantile = {quantile}, blocks = {blocks}: each block keeps"
            f" {accepted} draws per theory; need 5 or more"
        )
    base = base or Params()
    parameters = list(parameters) if parameters is not None else eligible()
    problems = {
        theory: AbcProblem(
            parameters,
            base=base.replace(theory=theory),
            targets=targets,
            seed=seed,
            pool_dir=None if pool_dir is None else Path(pool_dir) / theory,
            observation=observation,
            priors=priors,
        )
        for theory in theories
    }
    estimates, rows, draws = [], [], {t: [] for t in theories}
    for block in range(blocks):
        samples = []
        for theory in theories:
            # the same ELFI seed for every theory within a block: the same prior draws and the
            # same trial people (common random numbers); another seed for every block
            block_seed = seed * 1_000_003 + block
            with elfi_quiet():
                sampler = elfi.Rejection(
                    problems[theory].model, "d", batch_size=batch, seed=block_seed, output_names=["trial"]
                )
                samples.append(sampler.sample(accepted, n_sim=per_block, bar=progress))
        estimates.append(compare_models(samples))
        # the pooled threshold: the `accepted`-th closest draw of all theories in this block
        pooled = np.sort(np.concatenate([s.discrepancies for s in samples]))
        threshold = pooled[accepted - 1]
        for theory, sample in zip(theories, samples, strict=True):
            keep = sample.discrepancies <= threshold
            rows.append(
                {
                    "block": block,
                    "theory": theory,
                    "simulations": int(sample.n_sim),
                    "threshold": float(threshold),
                    "accepted": int(keep.sum()),
                    "best_discrepancy": float(sample.discrepancies.min()),
                }
            )
            table = problems[theory].table(sample.samples, block_seed)
            table.insert(0, "block", block)
            table.insert(1, "pooled", keep)
            table["discrepancy"] = sample.discrepancies
            simulated = np.asarray(sample.outputs["trial"])
            for j, name in enumerate(problems[theory].keys):  # what each draw's virtual trial showed
                table[f"stat_{name}"] = simulated[:, j]
            draws[theory].append(table)
    estimates = np.asarray(estimates)  # (blocks, theories)
    mean = estimates.mean(axis=0)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(blocks)
    t = stats.t.ppf(0.975, blocks - 1)
    probabilities = pd.DataFrame(
        {
            "theory": theories,
            "probability": mean,
            "mc_se": se,
            "low": np.clip(mean - t * se, 0.0, 1.0),
            "high": np.clip(mean + t * se, 0.0, 1.0),
            # how many pooled draws the probability rests on (a probability of 1 in 400 is "<1%")
            "kept": [sum(r["accepted"] for r in rows if r["theory"] == theory) for theory in theories],
            **{f"block_{b}": estimates[b] for b in range(blocks)},
        }
    )
    tables = {t: pd.concat(parts, ignore_index=True) for t, parts in draws.items()}
    return Selection(probabilities, tables, pd.DataFrame(rows))
