"""Rival programme theories: posterior probabilities given the data, and what would tell them apart.

    python experiments/theories.py [--small] [--out DIR]

Writes results/theories/: probabilities.csv (each theory's posterior probability, Monte Carlo
standard error, 95% interval and per-block estimates), blocks.csv (per block and theory: the
pooled threshold, simulations and draws within it), fit.csv (for each theory and fitted target:
the median and 95% range of the statistic over the theory's own closest draws, and the share of
them within two standard errors of the target), and probabilities.png. Resumable: simulated
batches are kept in results/theories/raw/. docs/theories.md reads these tables.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from peersim.analysis.calibration import deviations, fitted, load_targets
from peersim.analysis.selection import Selection, select_theories
from peersim.experiments.study import report_written


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a quick check: few simulations")
    parser.add_argument("--out", type=Path, help="default results/theories; --small: .../small")
    args = parser.parse_args(argv)
    spec = tomllib.loads(Path(__file__).with_suffix(".toml").read_text())
    if args.small:
        spec.update(simulations=600, blocks=2, quantile=0.05, batch=300, pattern_draws=6, pattern_groups=4)
    out = args.out or Path("results/theories") / ("small" if args.small else "")
    (out / "raw").mkdir(parents=True, exist_ok=True)
    targets = load_targets()
    selection = select_theories(
        simulations=spec["simulations"],
        blocks=spec["blocks"],
        quantile=spec["quantile"],
        batch=spec["batch"],
        seed=spec["seed"],
        targets=targets,
        pool_dir=out / "raw" / "batches",
    )
    selection.probabilities.to_csv(out / "probabilities.csv", index=False, float_format="%.4g")
    selection.blocks.to_csv(out / "blocks.csv", index=False, float_format="%.4g")
    fit = fit_table(selection, targets)
    fit.to_csv(out / "fit.csv", index=False, float_format="%.4g")
    return [_probability_figure(selection, out), out / "probabilities.csv", out / "fit.csv"]


def fit_table(selection: Selection, targets) -> pd.DataFrame:
    """How each theory's own closest draws meet each fitted target."""
    rows = []
    for theory, draws in selection.draws.items():
        stats = draws.filter(like="stat_").rename(columns=lambda c: c.removeprefix("stat_"))
        z = deviations(stats, fitted(targets))
        for name, t in fitted(targets).items():
            s = stats[t["statistic"]].dropna()
            rows.append(
                {
                    "theory": theory,
                    "target": name,
                    "kind": t["kind"],
                    "observed": t["value"],
                    "se": t["se"],
                    "median": s.median(),
                    "low": s.quantile(0.025),
                    "high": s.quantile(0.975),
                    "share_within_2se": float((z[name].abs() <= 2.0).mean()),
                }
            )
    return pd.DataFrame(rows)


def _probability_figure(selection: Selection, out: Path) -> Path:
    p = selection.probabilities
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(p) + 1.4), constrained_layout=True)
    ys = np.arange(len(p))[::-1]
    ax.barh(ys, p.probability, color="#2f6f8f", alpha=0.8)
    ax.errorbar(
        p.probability, ys, xerr=[p.probability - p.low, p.high - p.probability], fmt="none", color="black"
    )
    blocks = p.filter(like="block_").to_numpy()
    for y, row in zip(ys, blocks, strict=True):
        ax.plot(row, np.full(len(row), y), "o", color="#b5523b", markersize=3, alpha=0.7)
    ax.set_yticks(ys, p.theory)
    ax.set_xlim(0, 1)
    ax.set_xlabel("posterior probability (equal priors); bar: 95% Monte Carlo interval; dots: blocks")
    ax.set_title("Which programme theory do the PEER observations favour? (rejection ABC, ELFI)", fontsize=10)
    path = out / "probabilities.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    sys.exit(report_written(main()))
