"""Baseline study: the PEER defaults. Distributions of outcome change; dropout by session.

python experiments/baseline.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from peersim.report.summary import wilson
from peersim.sweep.study import Z95, completer_changes, report_written, run_study, save, study_args

OUTCOMES = ("hope", "self_image", "self_efficacy", "recovery", "qpr")
#: the histograms of change, completers and those who left early overlaid: column, bins, title, x label
HISTOGRAMS = (
    (
        "recovery_change",
        np.linspace(-0.3, 0.5, 41),
        "Change in personal recovery (CHIME composite)",
        "recovery, end minus baseline (0-1 scale)",
    ),
    (
        "qpr_change",
        np.arange(-30, 41, 2),
        "Change in QPR-15 (0-60) with measurement noise",
        "QPR-15 points, end minus baseline",
    ),
)


def main(argv=None) -> list:
    res, out = run_study(Path(__file__).with_suffix(".toml"), study_args(argv, __doc__))
    part = completer_changes(res.participants, OUTCOMES)
    part["status"] = np.where(part.dropped_out, "left early", "completed")
    n_runs = part.run.nunique()

    # dropout by session, with the interval across replicates (groups)
    per_group = part.groupby("run").agg(n=("member", "size"))
    sessions = range(1, int(res.params[0]["n_sessions"]))
    rows = []
    for s in sessions:
        left = (part.dropout_session == s).groupby(part.run).mean().reindex(per_group.index, fill_value=0)
        half = Z95 * left.std() / np.sqrt(n_runs)
        rows.append(
            {
                "session": s,
                "share_left": left.mean(),
                "ci_low": left.mean() - half,
                "ci_high": left.mean() + half,
            }
        )
    dropout = pd.DataFrame(rows)
    dropout.to_csv(out / "dropout_by_session.csv", index=False, float_format="%.5g")

    rows = []
    for status, sub in part.groupby("status"):
        for o in OUTCOMES:
            change = sub[f"{o}_change"]
            by_run = change.groupby(sub.run).mean()
            half = Z95 * by_run.std() / np.sqrt(len(by_run))
            rows.append(
                {
                    "status": status,
                    "outcome": o,
                    "n": len(sub),
                    "mean_change": change.mean(),
                    "ci_low": change.mean() - half,
                    "ci_high": change.mean() + half,
                    "p10": change.quantile(0.1),
                    "p50": change.median(),
                    "p90": change.quantile(0.9),
                }
            )
    changes = pd.DataFrame(rows)
    changes.to_csv(out / "outcome_changes.csv", index=False, float_format="%.5g")
    lo, hi = wilson(part.dropped_out.sum(), len(part))
    pd.DataFrame(
        [
            {
                "participants": len(part),
                "groups": n_runs,
                "dropout_rate": part.dropped_out.mean(),
                "ci_low": lo,
                "ci_high": hi,
            }
        ]
    ).to_csv(out / "summary.csv", index=False, float_format="%.5g")

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), constrained_layout=True)
    ax = axes[0]
    err = np.maximum(
        np.vstack([dropout.share_left - dropout.ci_low, dropout.ci_high - dropout.share_left]), 0
    )
    ax.bar(dropout.session, 100 * dropout.share_left, yerr=100 * err, capsize=3, color="#b5523b")
    ax.set(
        title=f"Dropout by session ({part.dropped_out.mean():.1%} in all)",
        xlabel="session after which they left",
        ylabel="participants who left (% of all)",
        xticks=list(sessions),
    )
    for ax, (column, bins, title, xlabel) in zip(axes[1:], HISTOGRAMS, strict=True):
        for status, colour in (("completed", "#2f6f8f"), ("left early", "#b5523b")):
            ax.hist(
                part.loc[part.status == status, column],
                bins=bins,
                density=True,
                alpha=0.6,
                color=colour,
                label=status,
            )
        ax.set(title=title, xlabel=xlabel, ylabel="density")
        ax.legend(frameon=False)
    fig.suptitle(f"Baseline: PEER defaults, {n_runs:,} simulated groups (bars: 95% intervals across groups)")
    return [save(fig, out / "baseline.png", res), out / "dropout_by_session.csv", out / "outcome_changes.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
