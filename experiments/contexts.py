"""Contexts study: civil society with volunteer peers vs mental health services with paid peer
workers, with and without COVID-19 restrictions, paired by common random numbers.

    python experiments/contexts.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from peersim.stats.uncertainty import split
from peersim.sweep.study import (
    NO_WIDTH,
    bars_with_ci,
    has_parameter_intervals,
    interval_words,
    report_written,
    run_study,
    save,
    study_args,
    summarise,
)

METRICS = {
    "dropout": "dropout (share of group)",
    "share_rate": "sharing (share of attended sessions)",
    "safety_end": "safety at end, completers (0-1)",
    "recovery_gain": "recovery gain, everyone (0-1)",
    "hope_gain": "hope gain, everyone (0-1)",
    "companionship_uptake": "companionship uptake (share)",
}


def difference_bounds(metric: str) -> tuple[float, float]:
    """Where a difference between two contexts can lie: a share's or a 0-1 state's within -1 to
    1, a gain's (itself -1 to 1) within -2 to 2."""
    return (-2.0, 2.0) if metric.endswith("_gain") else (-1.0, 1.0)


def label(row) -> str:
    # short enough for four bars side by side; KEY under the figure says each in full
    place = "civil society" if row.setting == "civil_society" else "in services"
    who = "volunteers" if row.facilitator_role == "volunteer" else "paid workers"
    return f"{place}\n{who}\n" + ("COVID-19" if row.covid_restrictions else "no COVID-19")


KEY = (
    "civil society: the course in a civil-society organisation; in services: inside mental health services;"
    " volunteers: volunteer peer facilitators; paid workers: paid peer workers as facilitators;"
    " COVID-19: under COVID-19 restrictions"
)


def main(argv=None) -> list:
    args = study_args(argv, __doc__)
    res, out = run_study(Path(__file__).with_suffix(".toml"), args)
    groups = res.groups.rename(columns={"dropout_rate": "dropout"})
    keys = ["point", "setting", "facilitator_role", "covid_restrictions"]
    summary = summarise(groups, keys, list(METRICS))
    summary.to_csv(out / "contexts_summary.csv", index=False, float_format="%.5g")

    # paired contrasts against civil society, volunteers, no COVID (point 0): same groups, same draws
    ref = groups[groups.point == 0].set_index("run")
    rows = []
    for point, sub in groups.groupby("point"):
        if point == 0:
            continue
        diff = sub.set_index("run")[list(METRICS)] - ref[list(METRICS)]
        draws = ref["draw"].loc[diff.index] if "draw" in ref else None  # run k: the same draw everywhere
        for metric in METRICS:
            d = diff[metric]
            parts = split(d, draws if draws is not None else [0] * len(d), bounds=difference_bounds(metric))
            row = {
                "point": point,
                "metric": metric,
                "difference": d.mean(),
                "ci_low": parts["mc_low"],
                "ci_high": parts["mc_high"],
            }
            if draws is not None:  # paired: parameter uncertainty of the difference, with its ends' error
                row.update(
                    {k: parts[k] for k in ("param_low", "param_high", "param_low_se", "param_high_se")}
                )
            rows.append(row)
    paired = pd.DataFrame(rows).merge(res.design, on="point")
    paired.to_csv(out / "contexts_paired_differences.csv", index=False, float_format="%.5g")

    labels = [label(r) for r in summary.itertuples()]
    posterior = has_parameter_intervals(summary)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8), constrained_layout=True)
    unshown = 0
    for ax, (metric, title) in zip(axes.ravel(), METRICS.items(), strict=True):
        unshown += bars_with_ci(ax, labels, summary, metric)
        ax.set(title=title, ylabel=title.split(" (")[0] + " (mean per group)")
        ax.tick_params(axis="x", labelsize=10)
    axes.ravel()[0].legend(frameon=False, fontsize=9)  # which interval is which
    fig.supxlabel(KEY + (f"\n{NO_WIDTH}" if unshown else ""), fontsize=10)
    fig.suptitle(
        f"Contexts: {int(summary.replicates.iloc[0]):,} groups each, the same groups in every context"
        + (" and the same posterior draws" if posterior else "")
        + "\n"
        + interval_words(posterior, "bars")
    )
    return [
        save(fig, out / "contexts.png", res),
        out / "contexts_summary.csv",
        out / "contexts_paired_differences.csv",
    ]


if __name__ == "__main__":
    sys.exit(report_written(main()))
