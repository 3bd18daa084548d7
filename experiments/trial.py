"""Trial study: what the PEER trial, as it was run and analysed, could have seen.

    python experiments/trial.py [--small]

The PEER trial as run, as its study file (studies/peer_trial.toml) describes it: PEER groups
against service as usual, recruited in waves; outcomes missing more often for those who left; the
baseline-adjusted partially nested mixed model (peersim.studies.trial). Three COVID-19 timings,
since which groups ran under restrictions is not in our sources (the study's covid_waves, an
assumption): the study file's (its earliest covid_waves waves), every group, no group. Writes
results/trial/: per timing, analysis and outcome the distribution of d, the ICC and the share of
trials with p < 0.05 across 1,000 virtual trials; one trial's full table; a figure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from peersim import Params
from peersim.data.study import peer_trial
from peersim.stats.effects import Z95
from peersim.studies.trial import TRIAL_OUTCOMES, trial
from peersim.sweep.study import report_written


def contexts(study) -> dict[str, int]:
    """COVID-19 timing -> how many of ``study``'s recruitment waves (earliest first) ran under
    restrictions: the study file's own, every wave, none."""
    return {
        f"COVID: earliest {study.covid_waves} of {study.waves} waves (as run)": study.covid_waves,
        "COVID: every group": study.waves,
        "COVID: none": 0,
    }


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
    as_run = peer_trial()
    timings = contexts(as_run)
    for label, waves in timings.items():
        study = replace(as_run, covid_waves=waves)
        result = trial(Params(), seed=2024, trials=trials, study=study)
        summaries.append(result.summary().assign(context=label))
        tables.append(result.table.assign(context=label))
    summary = pd.concat(summaries, ignore_index=True)
    table = pd.concat(tables, ignore_index=True)
    summary.to_csv(out / "trial_d_distribution.csv", index=False, float_format="%.4g")
    table[table.trial == 0].to_csv(out / "one_trial.csv", index=False, float_format="%.4g")

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), constrained_layout=True)
    bins = np.linspace(-0.4, 1.4, 46)
    colours = ("#2f6f8f", "#b5452f", "#d9a441")
    observed = as_run.observations["trial_d_qpr"]
    for ax, outcome in zip(axes, ("qpr_end", "hope_end", "social_relations_end"), strict=True):
        for label, colour in zip(timings, colours, strict=True):
            d = table[
                (table.context == label) & (table.analysis == as_run.analysis) & (table.outcome == outcome)
            ]
            significant = (d.p_value < 0.05).mean()
            ax.hist(
                d.cohens_d,
                bins=bins,
                alpha=0.5,
                color=colour,
                label=f"{label}: {significant:.0%} significant (p < 0.05)",
            )
        if outcome == "qpr_end":
            low, high = observed.value - Z95 * observed.se, observed.value + Z95 * observed.se
            mark = f"PEER trial d = {observed.value:.2f}"
            ax.axvline(observed.value, color="black", linewidth=1.5, label=mark)
            ax.axvspan(low, high, color="#cccccc", alpha=0.3, label=f"its 95% range {low:.2f}-{high:.2f}")
        ax.set(
            xlabel="Cohen's d, baseline-adjusted mixed model",
            ylabel=f"trials (of {trials})",
            title=TRIAL_OUTCOMES[outcome],
        )
        ax.set_ylim(0, ax.get_ylim()[1] * 1.7)  # headroom: the legend above the bars, not over them
        ax.legend(frameon=False, fontsize=9, loc="upper left")
    fig.suptitle(
        f"Virtual PEER trials as run: {as_run.arms[0].people} PEER vs {as_run.arms[1].people} control,"
        f" groups of {as_run.group_size}, outcomes missing"
        f" as assumed; distribution of d over {trials} trials per COVID-19 timing"
    )
    fig.text(
        0.5,
        -0.01,
        "QPR-15: the Questionnaire about the Process of Recovery (15 items, 0 to 60), the PEER trial's"
        " main outcome. Cohen's d: the difference between the arms in standard deviations of the"
        " outcome (0.2 small, 0.5 medium). COVID-19: which groups met under restrictions.",
        ha="center",
        va="top",
        fontsize=10,
    )
    fig.savefig(out / "trial.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return [out / "trial.png", out / "trial_d_distribution.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
