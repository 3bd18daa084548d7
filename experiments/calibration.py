"""Calibration study: the posterior given the PEER observations, its checks, and the check of the
inference itself.

    python experiments/calibration.py [--small] [--ship] [--workers N]

One reference table (every parameter with a prior drawn from it, one virtual copy of the PEER
trial as run each; peersim/inference/abc.py), kept in results/calibration/raw/ and resumed if
interrupted. From it: rejection ABC with an Epanechnikov kernel, a local-linear regression
adjustment of the accepted rows, and each adjusted vector simulated in a new virtual trial of its
own (peersim/inference/calibration.py): the posterior's rows are whole vectors, each with its own
simulation; and simulation-based calibration (peersim/inference/sbc.py): table rows as truths, the
same inference on the rest.

Writes results/calibration/: posterior.csv (every inferred parameter of every draw, with weight:
what ships), posterior_statistics.csv (each draw's own virtual trial: its copy, its distance to the
observations and its statistics as observed), accepted.csv (the accepted table rows before their
adjustment, as simulated, with table row, copy and distance), posterior_summary.csv (prior and
posterior median and 95% interval of every parameter, narrowing, and the same as simulated),
diagnostics.csv, predictive_check.csv (every target, fitted and held out, against the 95% posterior
predictive interval), sbc.csv (per parameter: coverage of 50% and 90% intervals over the SBC
datasets, of the shipped posterior and of the rows as simulated), sbc_outputs.csv (the same for the
outputs users quote: dropout, the QPR-15 effect and each context's effect on dropout, as expected
values over 30 groups, each adjusted vector simulated) and figures (prior_vs_posterior.png,
correlations.png, predictive_check.png, sbc.png). ``--ship`` copies the posterior into the package
(peersim/data/posterior.csv), where ``peersim.posterior()`` reads it.
"""

from __future__ import annotations

import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import peersim
from peersim.data.register import register
from peersim.inference import sbc
from peersim.inference.calibration import calibrate, inferred, load_targets, predictive_check
from peersim.report.figures import save_figure
from peersim.sweep.study import own_spec_args, report_written

#: a parameter the report discusses: its posterior sd at most this share of the prior's below 1
DISCUSSED = 0.1


def main(argv=None) -> list:
    args, spec, out = own_spec_args(
        __file__,
        argv,
        __doc__,
        small={
            "simulations": 600,
            "accept": 60,
            "check_draws": 40,
            "sbc_datasets": 20,
            "sbc_output_datasets": 10,
            "sbc_output_draws": 10,
            "sbc_output_groups": 4,
        },
        small_help="a quick check: a small reference table",
        options={
            "--ship": {"action": "store_true", "help": "copy the posterior into peersim/data"},
            "--workers": {"type": int, "default": 2, "help": "processes for the reference table (default 2)"},
        },
    )
    (out / "raw").mkdir(parents=True, exist_ok=True)
    seed = spec["seed"]
    targets = load_targets()
    entries = register()
    names = inferred()
    pool = ProcessPoolExecutor(args.workers) if args.workers > 1 else None
    try:
        fit = calibrate(
            names,
            simulations=spec["simulations"],
            accept=spec["accept"],
            seed=seed,
            targets=targets,
            table_dir=out / "raw",
            executor=pool,
            progress=True,
        )
    finally:
        if pool is not None:
            pool.shutdown()
    post = fit.posterior
    post.to_csv(out / "posterior.csv", index=False)  # shortest round trip: exactly the vectors that ran
    fit.statistics.to_csv(out / "posterior_statistics.csv", index=False)
    fit.accepted.to_csv(out / "accepted.csv", index=False, float_format="%.6g")
    fit.diagnostics.to_csv(out / "diagnostics.csv", index=False, float_format="%.5g")
    summary = fit.summary.assign(default=[getattr(peersim.Params(), n) for n in fit.summary.parameter])
    summary.to_csv(out / "posterior_summary.csv", index=False, float_format="%.4g")
    check, _ = predictive_check(post, draws=spec["check_draws"], seed=seed + 1, targets=targets)
    check.to_csv(out / "predictive_check.csv", index=False, float_format="%.4g")

    # simulation-based calibration of this very inference, on this very table: of what ships (the
    # adjusted vectors) and of the accepted rows as simulated, beside it
    datasets, accept = spec["sbc_datasets"], spec["accept"]
    shipped, unadjusted = (
        sbc.check(fit.table, datasets=datasets, accept=accept, seed=seed + 2, adjusted=adjust)
        for adjust in (True, False)
    )
    both = shipped.coverage.merge(
        unadjusted.coverage.drop(columns=["datasets"]), on="parameter", suffixes=("", "_as_simulated")
    )
    both.to_csv(out / "sbc.csv", index=False, float_format="%.4g")
    # and of the outputs users quote (dropout, the QPR-15 effect, each context's effect on dropout):
    # each adjusted vector simulated afresh, as the posterior is
    quoted_shipped, quoted_unadjusted = (
        sbc.check_outputs(
            fit.table,
            lambda frame: sbc.quoted_outputs(
                frame, peersim.Params(), groups=spec["sbc_output_groups"], seed=seed
            ),
            datasets=spec["sbc_output_datasets"],
            accept=accept,
            draws=spec["sbc_output_draws"],
            seed=seed + 3,
            adjusted=adjust,
        )
        for adjust in (True, False)
    )
    quoted = quoted_shipped.merge(
        quoted_unadjusted[["output", "cover_50", "cover_90"]], on="output", suffixes=("", "_as_simulated")
    )
    quoted.to_csv(out / "sbc_outputs.csv", index=False, float_format="%.4g")

    discussed = summary.parameter[summary.narrowing >= DISCUSSED].tolist() or summary.parameter[:4].tolist()
    figures = [
        _prior_vs_posterior(post, fit.accepted, discussed, entries, out),
        _correlations(post, discussed, out),
        _check_figure(check, out),
        save_figure(shipped.figure(discussed[:12]), out / "sbc.png"),
    ]
    if args.ship:
        shutil.copy(out / "posterior.csv", Path(peersim.__file__).parent / "data" / "posterior.csv")
    written = [
        out / name for name in ("posterior_summary.csv", "predictive_check.csv", "sbc.csv", "sbc_outputs.csv")
    ]
    return [*figures, *written]


def _prior_vs_posterior(post, as_simulated, chosen, entries, out: Path) -> Path:
    cols = 4
    rows = -(-len(chosen) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False, constrained_layout=True
    )
    for ax, name in zip(axes.ravel(), chosen, strict=False):
        prior = entries[name].prior
        grid = np.linspace(prior.low, prior.high, 200)
        ax.plot(grid, prior.scipy().pdf(grid), color="#999999", label="prior")
        ax.hist(
            post[name],
            bins=30,
            weights=post["weight"],
            density=True,
            color="#2f6f8f",
            alpha=0.7,
            label="posterior (adjusted, each vector simulated)",
        )
        ax.hist(
            as_simulated[name],
            bins=30,
            weights=as_simulated["weight"],
            density=True,
            histtype="step",
            color="black",
            label="accepted rows before adjustment",
        )
        ax.axvline(getattr(peersim.Params(), name), color="#b5523b", linewidth=1, label="default")
        ax.set_title(f"{name} ({entries[name].grade})", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(chosen) :]:
        ax.axis("off")
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle(
        "Prior (grey) and posterior (blue: regression-adjusted, each vector simulated; black: the"
        " accepted rows before adjustment) of the parameters the data narrow; red: the default"
    )
    return save_figure(fig, out / "prior_vs_posterior.png")


def _correlations(post, chosen, out: Path) -> Path:
    weights = post["weight"].to_numpy()
    x = post[chosen].to_numpy(float)
    mean = np.average(x, axis=0, weights=weights)
    cov = np.atleast_2d(np.cov((x - mean).T, aweights=weights))
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    size = max(5.0, 1.5 + 0.45 * len(chosen))
    fig, ax = plt.subplots(figsize=(size + 1.0, size), constrained_layout=True)
    image = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(chosen)), chosen, rotation=90, fontsize=7)
    ax.set_yticks(range(len(chosen)), chosen, fontsize=7)
    for i in range(len(chosen)):
        for j in range(len(chosen)):
            ax.text(j, i, f"{corr[i, j]:.2f}", ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=ax, shrink=0.7, label="posterior correlation (weighted)")
    ax.set_title(
        "Pairwise posterior correlations: strong ones are trade-offs the data cannot separate", fontsize=9
    )
    return save_figure(fig, out / "correlations.png")


def _check_figure(check: pd.DataFrame, out: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(check) + 1.5), constrained_layout=True)
    ys = np.arange(len(check))
    for y, r in zip(ys, check.itertuples(), strict=True):
        scale = max(abs(r.predictive_high - r.predictive_low), 1e-9)
        lo, hi = (r.predictive_low - r.observed) / scale, (r.predictive_high - r.observed) / scale
        colour = "#2f6f8f" if r.consistent else "#b5523b"
        ax.plot([lo, hi], [y, y], color=colour, linewidth=4, alpha=0.8)
        ax.plot([(r.predictive_median - r.observed) / scale], [y], "o", color="black", markersize=4)
    ax.axvline(0, color="black", linewidth=1)
    labels = [f"{r.target} ({'fitted' if r.fitted else 'held out'}, {r.kind})" for r in check.itertuples()]
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlabel("95% posterior predictive interval, relative to the observed value (0), in interval widths")
    ax.set_title("Posterior predictive check: blue consistent with the observation, red not", fontsize=10)
    return save_figure(fig, out / "predictive_check.png")


if __name__ == "__main__":
    sys.exit(report_written(main()))
