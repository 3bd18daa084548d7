"""Trial study: what a PEER trial of 150 per arm could have seen, under the trial's conditions
(COVID-19 restrictions) and without them.

    python experiments/trial.py [--small]

Writes results/trial/: the distribution of Cohen's d across 1,000 virtual trials per context
(intention to treat and completers), one trial's full table, and a figure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from peersim import Params
from peersim.analysis.trial import TRIAL_OUTCOMES, trial
from peersim.experiments.study import report_written

CONTEXTS = {"COVID-19 restrictions (as in the trial)": True, "no restrictions": False}


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="40 trials per context (a quick check)")
    parser.add_argument(
        "--out", type=Path, default=None, help="default results/trial (--small: results/trial/small)"
    )
    args = parser.parse_args(argv)
    args.out = args.out or Path("results/trial") / ("small" if args.small else "")
    trials = 40 if args.small else 1000
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    summaries, tables = [], []
    for label, covid in CONTEXTS.items():
        result = trial(Params(covid_restrictions=covid), n_per_arm=150, seed=2024, trials=trials)
        summaries.append(result.summary().assign(context=label))
        tables.append(result.table.assign(context=label))
    summary = pd.concat(summaries, ignore_index=True)
    table = pd.concat(tables, ignore_index=True)
    summary.to_csv(out / "trial_d_distribution.csv", index=False, float_format="%.4g")
    table[table.trial == 0].to_csv(out / "one_trial.csv", index=False, float_format="%.4g")

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), constrained_layout=True)
    bins = np.linspace(-0.4, 1.4, 46)
    for ax, outcome in zip(axes, ("qpr_end", "hope_end", "social_relations_end"), strict=True):
        for (label, _), colour in zip(CONTEXTS.items(), ("#2f6f8f", "#d9a441"), strict=True):
            d = table[
                (table.context == label)
                & (table.analysis == "intention to treat")
                & (table.outcome == outcome)
            ]
            ax.hist(d.cohens_d, bins=bins, alpha=0.6, color=colour, label=label)
        if outcome == "qpr_end":
            ax.axvline(0.43, color="black", linewidth=1.5, label="PEER trial d = 0.43")
            ax.axvspan(0.2, 0.66, color="#cccccc", alpha=0.3, label="plausible 0.2-0.66")
        ax.set(
            xlabel="Cohen's d, intention to treat",
            ylabel=f"trials (of {trials})",
            title=TRIAL_OUTCOMES[outcome],
        )
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle(
        f"Virtual PEER trials: 150 per arm, groups of 8; distribution of d over {trials} trials per context"
    )
    fig.savefig(out / "trial.png", dpi=110)
    plt.close(fig)
    return [out / "trial.png", out / "trial_d_distribution.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
