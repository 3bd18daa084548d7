"""The trial as run and analysed (issue 11): how long 200 trials take, and why the mixed model is
fitted by our own vectorised REML rather than one statsmodels fit at a time.

    .venv/bin/python benchmarks/bench_trial.py [--trials 200] [--fits 40]

Times ``peersim.trial(trials=200)``, the PEER trial as run (its study file, studies/peer_trial.toml:
145 vs 151 when this was written), simulation and every analysis,
then, on the same data, fits the partially nested mixed model to ``--fits`` trials' QPR-15 both
ways in this process (held to one thread): ``peersim.stats.mixed.fit_many`` on all of them at
once, and statsmodels' ``MixedLM`` (``re_formula="0 + treat"``) one trial after another. Prints the
per-fit times, their ratio and the largest difference in the treatment effect between the two.
"""

from __future__ import annotations

import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from _common import options

import peersim
from peersim.stats.mixed import fit_many


def main() -> None:
    args = options(__doc__, trials=200, fits=40)
    start = time.perf_counter()
    result = peersim.trial(peersim.Params(), trials=args.trials, seed=2024)
    whole = time.perf_counter() - start
    sizes = f"{result.n_peer} vs {result.n_control}"
    print(f"peersim.trial({sizes}, {args.trials} trials): {whole:.2f} s, {len(result.table):,} rows")

    people = result.participants
    people = people[(people.trial < args.fits) & ~people.missing]
    people = people.assign(arm=(people.arm == "peer").astype(int))  # 1 PEER, 0 control
    y, baseline = people["qpr_end_measured"], people["qpr_baseline_measured"]
    group = np.where(people.arm == 1, people.group, -1 - np.arange(len(people)))  # controls alone
    start = time.perf_counter()
    ours = fit_many(people.trial, y, people.arm, baseline, group)
    t_ours = (time.perf_counter() - start) / args.fits

    import statsmodels.formula.api as smf

    frame = people.assign(y=y.to_numpy(), b=baseline.to_numpy(), treat=people.arm.to_numpy(), cluster=group)
    effects = []
    start = time.perf_counter()
    for k in range(args.fits):
        data = frame[frame.trial == k]
        model = smf.mixedlm("y ~ treat + b", data, groups=data["cluster"], re_formula="0 + treat")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            effects.append(model.fit(reml=True).fe_params["treat"])
    t_sm = (time.perf_counter() - start) / args.fits
    gap = np.max(np.abs(ours.effect.to_numpy()[: args.fits] - np.asarray(effects)))
    print(
        f"mixed model per fit: fit_many {t_ours * 1e3:.2f} ms, statsmodels {t_sm * 1e3:.1f} ms,"
        f" ratio {t_sm / t_ours:.0f}x; largest difference in the effect {gap:.2g} QPR points"
    )


if __name__ == "__main__":
    main()
