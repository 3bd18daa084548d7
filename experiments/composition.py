"""Composition study: age spread and employment mix of the group vs dropout and self-image change.

Two views: across design points (the population's age spread and employment share), and within
groups (each participant's own difference from the group; employed among unemployed others).

    python experiments/composition.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from peersim.sweep.study import (
    NO_WIDTH_LINES,
    has_parameter_intervals,
    interval_key,
    interval_words,
    lines_with_ci,
    report_written,
    run_study,
    save,
    study_args,
    summarise,
)


def main(argv=None) -> list:
    res, out = run_study(Path(__file__).with_suffix(".toml"), study_args(argv, __doc__))
    part = res.participants
    part = part.assign(
        self_image_change=part.self_image_end - part.self_image_baseline,
        dropped=part.dropped_out.astype(float),
    )
    draw = ["draw"] if "draw" in part else []  # posterior mode: each run's draw, for its parameter interval
    groups = (
        part.groupby(["point", "age_sd", "employed_share", "run", *draw])
        .agg(dropout=("dropped", "mean"), self_image_change=("self_image_change", "mean"))
        .reset_index()
    )
    by_point = summarise(groups, ["point", "age_sd", "employed_share"], ["dropout", "self_image_change"])
    by_point.to_csv(out / "composition_by_point.csv", index=False, float_format="%.5g")

    # within groups: each person's own difference from the group, in quintiles
    part["difference_band"] = pd.qcut(part.difference_from_group, 5, labels=False)
    bands = (
        part.groupby(["difference_band", "run", "point", *draw])
        .agg(difference=("difference_from_group", "mean"), dropout=("dropped", "mean"))
        .reset_index()
    )
    by_band = summarise(bands, ["difference_band"], ["difference", "dropout"])
    by_band.to_csv(out / "composition_outsiders.csv", index=False, float_format="%.5g")

    # "others are worse off": employed participants by how many others in their group are employed
    employed_others = part.groupby(["point", "run"]).employed.transform("sum") - part.employed
    share_others = employed_others / (part.groupby(["point", "run"]).member.transform("size") - 1)
    work = part[part.employed].assign(others_employed=np.round(share_others[part.employed] * 4) / 4)
    by_work = summarise(work, ["others_employed"], ["self_image_change"])
    by_work.to_csv(out / "composition_employed_among_others.csv", index=False, float_format="%.5g")

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), constrained_layout=True)
    ax = axes[0]
    sc = ax.scatter(by_point.age_sd, by_point.employed_share, c=100 * by_point.dropout, cmap="magma_r", s=60)
    fig.colorbar(sc, ax=ax, label="dropout (% of participants)")
    ax.set(
        title="Dropout by composition (each dot a design point)",
        xlabel="spread of age in the population (standard deviation, years)",
        ylabel="share of participants in work",
    )
    unshown = 0
    for ax, (summary, x, metric, title, xlabel, ylabel) in zip(
        axes[1:],
        [
            (
                percent(by_band, "dropout"),  # in the unit of the colour bar beside it
                "difference",
                "dropout",
                "Outsiders leave: dropout by own difference from the group",
                "difference from the other members (0 to 1; a dot per fifth of participants)",
                "dropout (% of participants)",
            ),
            (
                by_work,
                "others_employed",
                "self_image_change",
                "Employed participants: self-image change",
                "share of the others in the group who work",
                "self-image, end minus baseline (0 to 1 scale)",
            ),
        ],
        strict=True,
    ):
        unshown += lines_with_ci(ax, summary, x, metric)
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    posterior = has_parameter_intervals(by_band)
    axes[1].legend(handles=interval_key(posterior), frameon=False, fontsize=9)
    if unshown:
        fig.supxlabel(NO_WIDTH_LINES, fontsize=9)
    fig.suptitle(
        f"Composition: {len(by_point)} design points x {int(by_point.replicates.iloc[0])} groups "
        + interval_words(posterior)
    )
    return [save(fig, out / "composition.png", res), out / "composition_by_point.csv"]


def percent(summary, metric: str):
    """``summary`` with ``metric`` and its interval's ends in % (a copy)."""
    columns = [c for c in summary.columns if c == metric or c.startswith(f"{metric}_")]
    return summary.assign(**{c: 100 * summary[c] for c in columns})


if __name__ == "__main__":
    sys.exit(report_written(main()))
