"""Calibration study: which parameters the data can inform, their posterior, and the checks.

    python experiments/calibration.py [--small] [--ship]

Writes results/calibration/: screening.csv (Morris importance of every eligible parameter for
every fitted target), posterior.csv (weighted draws), diagnostics.csv (per ABC round:
threshold, simulations, acceptance, effective sample size), predictive_check.csv (every target,
fitted and held out: observed value against the 95% posterior predictive interval),
posterior_summary.csv (prior and posterior of each calibrated parameter), and figures
(prior_vs_posterior.png, correlations.png, predictive_check.png). Resumable: simulated batches are
kept in results/calibration/raw/. ``--ship`` copies the posterior into the package
(peersim/data/posterior.csv), where ``peersim.posterior()`` reads it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import peersim
from peersim.data.register import register
from peersim.inference.calibration import calibrate, eligible, load_targets, predictive_check, screen
from peersim.report.figures import save_figure
from peersim.sweep.study import own_spec_args, report_written


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * cumulative[-1])])


def main(argv=None) -> list:
    args, spec, out = own_spec_args(
        __file__,
        argv,
        __doc__,
        small={
            "trajectories": 2,
            "trials_per_point": 2,
            "particles": 120,
            "rounds": 2,
            "batch": 120,
            "check_draws": 60,
            "quantile": 0.2,
        },
        small_help="a quick check: few particles and rounds",
        options={"--ship": {"action": "store_true", "help": "copy the posterior into peersim/data"}},
    )
    (out / "raw").mkdir(parents=True, exist_ok=True)
    seed = spec["seed"]
    targets = load_targets()
    entries = register()

    screening = screen(eligible(), spec["trajectories"], spec["trials_per_point"], seed=seed, targets=targets)
    screening.to_csv(out / "screening.csv", index_label="parameter", float_format="%.4g")
    chosen = screening.index[screening.importance >= spec["min_importance"]].tolist()
    if not chosen:
        chosen = screening.index[:1].tolist()
    nuisance = [n for n in screening.index if n not in chosen]
    post, diagnostics = calibrate(
        chosen,
        nuisance=nuisance,
        method=spec["method"],
        quantile=spec["quantile"],
        particles=spec["particles"],
        rounds=spec["rounds"],
        batch=spec["batch"],
        seed=seed,
        targets=targets,
        pool_dir=out / "raw" / "batches",
    )
    post.to_csv(out / "posterior.csv", index=False, float_format="%.6g")
    diagnostics.to_csv(out / "diagnostics.csv", index=False, float_format="%.5g")
    check, _ = predictive_check(post, draws=spec["check_draws"], seed=seed + 1, targets=targets)
    check.to_csv(out / "predictive_check.csv", index=False, float_format="%.4g")

    weights = post["weight"].to_numpy()
    defaults = peersim.Params()
    rows = []
    for name in chosen:
        prior = entries[name].prior
        values = post[name].to_numpy(float)
        p_low, p_high = prior.scipy().ppf([0.025, 0.975])
        q_low, q_med, q_high = (weighted_quantile(values, weights, q) for q in (0.025, 0.5, 0.975))
        rows.append(
            {
                "parameter": name,
                "grade": entries[name].grade,
                "default": getattr(defaults, name),
                "prior": str(prior),
                "prior_low": p_low,
                "prior_high": p_high,
                "posterior_median": q_med,
                "posterior_low": q_low,
                "posterior_high": q_high,
                # 1 - (posterior 95% width / prior 95% width): 0 = the data say nothing
                "narrowing": 1.0 - (q_high - q_low) / (p_high - p_low),
            }
        )
    summary = pd.DataFrame(rows)
    summary.to_csv(out / "posterior_summary.csv", index=False, float_format="%.4g")

    figures = [_prior_vs_posterior(post, chosen, entries, out), _correlations(post, chosen, out)]
    figures.append(_check_figure(check, out))
    if args.ship:
        shutil.copy(out / "posterior.csv", Path(peersim.__file__).parent / "data" / "posterior.csv")
    return [*figures, out / "posterior_summary.csv", out / "predictive_check.csv"]


def _prior_vs_posterior(post, chosen, entries, out: Path) -> Path:
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
            label="posterior",
        )
        ax.axvline(getattr(peersim.Params(), name), color="#b5523b", linewidth=1, label="default")
        ax.set_title(f"{name} ({entries[name].grade})", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(chosen) :]:
        ax.axis("off")
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle(
        "Prior (grey) and ABC-SMC posterior (blue) of every calibrated parameter; red: current default"
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
