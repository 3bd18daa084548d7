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
from peersim.stats.uncertainty import split
from peersim.sweep.study import (
    NO_WIDTH,
    PARAMETER_COLUMNS,
    Z95,
    both_intervals,
    completer_changes,
    interval_words,
    report_written,
    run_study,
    save,
    study_args,
)

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
    last session, so sessions 1 to ``n_sessions - 1`` hold every leaver. With posterior draws
    (a ``draw`` column) also the parameter interval of each share (``split``: quantiles over the
    draws, inside 0 to 1) and the Monte Carlo error of its ends."""
    # dropout_session is a nullable integer, missing for those who stayed: compared with ``==`` it
    # gives <NA> for them, which a mean skips, so it would be the share of the *leavers* (the bars
    # summed to 100%). Those who stayed count as "did not leave after session s".
    session_left = part.dropout_session.astype("Float64").fillna(0).to_numpy(float)
    runs = part.run.to_numpy()
    n_runs = len(np.unique(runs))
    draws = part.groupby("run")["draw"].first() if "draw" in part else None
    rows = []
    for s in range(1, n_sessions):
        left = pd.Series(session_left == s).groupby(runs).mean()
        half = Z95 * left.std() / np.sqrt(n_runs)
        # a share is never below 0, though a normal interval around a rare event can reach past it
        low = max(left.mean() - half, 0.0)
        row = {"session": s, "share_left": left.mean(), "ci_low": low, "ci_high": left.mean() + half}
        if draws is not None:
            parts = split(left.to_numpy(), draws.loc[left.index].to_numpy(), bounds=(0.0, 1.0))
            row.update({k: parts[k] for k in PARAMETER_COLUMNS})
        rows.append(row)
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
            row = {
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
            if "draw" in sub:  # posterior mode: the change's parameter interval, apart
                draws = sub.groupby("run")["draw"].first().loc[by_run.index]
                bounds = (-60.0, 60.0) if o == "qpr" else (-1.0, 1.0)
                parts = split(by_run.to_numpy(), draws.to_numpy(), bounds=bounds)
                row.update({k: parts[k] for k in PARAMETER_COLUMNS})
            rows.append(row)
    changes = pd.DataFrame(rows)
    changes.to_csv(out / "outcome_changes.csv", index=False, float_format="%.5g")
    lo, hi = wilson(part.dropped_out.sum(), len(part))
    overall = {
        "participants": len(part),
        "groups": n_runs,
        "dropout_rate": part.dropped_out.mean(),
        "ci_low": lo,
        "ci_high": hi,
    }
    if "draw" in part:  # posterior mode: dropout's parameter interval, over the runs' draws
        by_run = part.groupby("run").agg(dropout=("dropped_out", "mean"), draw=("draw", "first"))
        parts = split(by_run.dropout.to_numpy(), by_run.draw.to_numpy(), bounds=(0.0, 1.0))
        overall.update({k: parts[k] for k in PARAMETER_COLUMNS})
    pd.DataFrame([overall]).to_csv(out / "summary.csv", index=False, float_format="%.5g")

    fig, axes = plt.subplots(1, 3, figsize=(15, 5.4), constrained_layout=True)
    ax = axes[0]
    posterior = "param_low" in dropout
    ax.bar(dropout.session, 100 * dropout.share_left, color="#b5523b")
    par = 100 * dropout[["param_low", "param_high"]] if posterior else None
    shares = 100 * dropout.share_left
    unshown = both_intervals(
        ax, dropout.session, shares, 100 * dropout.ci_low, 100 * dropout.ci_high, par, offset=0.2
    )
    ax.legend(frameon=False, fontsize=9)
    if unshown:
        ax.text(0.98, 0.6, NO_WIDTH.replace(": ", ":\n", 1), transform=ax.transAxes, ha="right", fontsize=8)
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
        f"The PEER course as designed: {n_runs:,} simulated groups"
        + (" under posterior draws\n" if posterior else " ")
        + interval_words(posterior, "bars")
    )
    # the abbreviations a reader meets in the study and the trial, spelt out under the figure
    # (as the figure's x label, so the constrained layout keeps room for it)
    fig.supxlabel(GLOSSARY, fontsize=11, x=0.02, ha="left", linespacing=1.4)
    return [save(fig, out / "baseline.png", res), out / "dropout_by_session.csv", out / "outcome_changes.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
