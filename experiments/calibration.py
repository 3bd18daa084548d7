"""Calibration study: search the uncertain parameters for the set closest to all targets.

    python experiments/calibration.py [--small] [--trials N]

Writes results/calibration/: every trial (calibration_trials.csv), the accepted sets (all targets
met), the fit of the chosen set per target (fit_per_target.csv), the chosen values
(chosen_parameters.csv) and a figure. Resumable: the Optuna journal is in results/calibration/raw/.
Copy the chosen values into peersim/params.py deliberately (docs/calibration.md records it).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from peersim import Params
from peersim.analysis.calibration import calibrate, check, evaluate, load_targets
from peersim.experiments.study import report_written


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="6 trials of 150 groups (a quick check)")
    parser.add_argument("--trials", type=int, default=None)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="default results/calibration (--small: results/calibration/small)",
    )
    args = parser.parse_args(argv)
    args.out = args.out or Path("results/calibration") / ("small" if args.small else "")
    spec = tomllib.loads(Path(__file__).with_suffix(".toml").read_text())
    trials = args.trials or (6 if args.small else spec["trials"])
    runs = 150 if args.small else spec["runs"]
    out = args.out
    (out / "raw").mkdir(parents=True, exist_ok=True)
    journal = out / "raw" / f"journal_{runs}runs.log"
    space = {k: tuple(v) for k, v in spec["space"].items()}
    targets = load_targets()
    table = calibrate(space, trials, journal, runs=runs, seed=spec["seed"], targets=targets)
    table.to_csv(out / "calibration_trials.csv", index=False, float_format="%.5g")
    accepted = table[table.all_met]
    accepted.to_csv(out / "accepted.csv", index=False, float_format="%.5g")
    best = table.iloc[0]
    chosen = {k: float(best[k]) for k in space}
    pd.Series(chosen, name="value").to_csv(
        out / "chosen_parameters.csv", index_label="parameter", float_format="%.4g"
    )
    fit = check(
        evaluate(
            Params().replace(**{k: round(v, 4) for k, v in chosen.items()}), runs=runs, seed=spec["seed"]
        ),
        targets,
    )
    fit.to_csv(out / "fit_per_target.csv", index=False, float_format="%.5g")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4.8), constrained_layout=True)
    ordered = table.sort_values("trial")
    ax1.plot(ordered.trial, ordered.loss, ".", color="#999999", label="trial")
    ax1.plot(ordered.trial, ordered.loss.cummin(), color="#2f6f8f", label="best so far")
    ax1.set(
        yscale="symlog",
        xlabel="trial",
        ylabel="loss (0 inside every tolerance; symlog)",
        title=f"Calibration: {len(table)} trials, {len(accepted)} meet every target",
    )
    ax1.legend(frameon=False)
    rel = []
    for r in fit.itertuples():
        scale = targets[r.target].get("scale", targets[r.target].get("tolerance", 1.0))
        rel.append((r.value - r.goal) / scale)
    colours = ["#2f6f8f" if m else "#b5523b" for m in fit.met]
    ax2.barh(fit.target, rel, color=colours)
    ax2.axvline(0, color="black", linewidth=0.8)
    ax2.set(
        xlabel="chosen set: value minus target, in units of the target's scale (blue: met)",
        title="Fit per target of the chosen parameters",
    )
    fig.savefig(out / "calibration.png", dpi=110)
    plt.close(fig)
    return [out / "calibration.png", out / "fit_per_target.csv", out / "chosen_parameters.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
