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

GLOSSARY = (
    "Personal recovery: in the model, the mean of the five recovery processes of the CHIME framework"
    " (Connectedness, Hope, Identity, Meaning, Empowerment; Leamy et al. 2011), read as\nnot being lonely,"
    " hope, self-image, meaning and self-efficacy. Recovery questionnaire: the QPR-15 (Questionnaire about"
    " the Process of Recovery, 15 items, 0 to 60) the PEER trial used,\nsimulated from personal recovery"
    " with measurement error."
)
OUTCOMES = ("hope", "self_image", "self_efficacy", "recovery", "qpr")
#: the histograms of change, completers and those who left early overlaid: column, bins, title, x label
HISTOGRAMS = (
    (
        "recovery_change",
        np.linspace(-0.3, 0.5, 41),
        "Change in personal recovery",
        "personal recovery, end of course minus start (0 to 1 scale)",
    ),
    (
        "qpr_change",
        np.arange(-30, 41, 2),
        "Change in the recovery questionnaire score",
        "questionnaire points (0 to 60), end of course minus start",
    ),
)


def dropout_by_session(part: pd.DataFrame, n_sessions: int) -> pd.DataFrame:
    """Share of *all* participants who left after each session, with its 95% interval across
    groups (the group is the unit). The shares sum to the dropout rate: nobody leaves after the
    last session, so sessions 1 to ``n_sessions - 1`` hold every leaver."""
    # dropout_session is a nullable integer, missing for those who stayed: compared with ``==`` it
    # gives <NA> for them, which a mean skips, so it would be the share of the *leavers* (the bars
    # summed to 100%). Those who stayed count as "did not leave after session s".
    session_left = part.dropout_session.astype("Float64").fillna(0).to_numpy(float)
    runs = part.run.to_numpy()
    n_runs = len(np.unique(runs))
    rows = []
    for s in range(1, n_sessions):
        left = pd.Series(session_left == s).groupby(runs).mean()
        half = Z95 * left.std() / np.sqrt(n_runs)
        # a share is never below 0, though a normal interval around a rare event can reach past it
        low = max(left.mean() - half, 0.0)
        rows.append({"session": s, "share_left": left.mean(), "ci_low": low, "ci_high": left.mean() + half})
    return pd.DataFrame(rows)


def main(argv=None) -> list:
    res, out = run_study(Path(__file__).with_suffix(".toml"), study_args(argv, __doc__))
    part = completer_changes(res.participants, OUTCOMES)
    part["status"] = np.where(part.dropped_out, "left early", "completed")
    n_runs = part.run.nunique()

    dropout = dropout_by_session(part, int(res.params[0]["n_sessions"]))
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

    fig, axes = plt.subplots(1, 3, figsize=(15, 5.4), constrained_layout=True)
    ax = axes[0]
    err = np.maximum(
        np.vstack([dropout.share_left - dropout.ci_low, dropout.ci_high - dropout.share_left]), 0
    )
    ax.bar(dropout.session, 100 * dropout.share_left, yerr=100 * err, capsize=3, color="#b5523b")
    ax.set(
        title=f"Who left, and when ({part.dropped_out.mean():.1%} of participants in all)",
        xlabel="session after which they left",
        ylabel="% of all participants",
        xticks=list(dropout.session),
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
        ax.set(title=title, xlabel=xlabel, ylabel="how common (density: the area is 1)")
        ax.legend(frameon=False)
    fig.suptitle(
        f"The PEER course as designed: {n_runs:,} simulated groups (error bars: 95% intervals across groups)"
    )
    # the abbreviations a reader meets in the study and the trial, spelt out under the figure
    # (as the figure's x label, so the constrained layout keeps room for it)
    fig.supxlabel(GLOSSARY, fontsize=11, x=0.02, ha="left", linespacing=1.4)
    return [save(fig, out / "baseline.png", res), out / "dropout_by_session.csv", out / "outcome_changes.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
