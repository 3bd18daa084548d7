"""Size and skill study: group size x facilitator skill against safety, sharing and dropout.

python experiments/size_and_skill.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt

from peersim.sweep.study import lines_with_ci, report_written, run_study, save, study_args, summarise

METRICS = {
    "safety_end": "safety at end of course, completers (0-1)",
    "share_rate": "sharing (share of attended sessions)",
    "dropout_rate": "dropout (share of participants)",
}


def main(argv=None) -> list:
    args = study_args(argv, __doc__)
    res, out = run_study(Path(__file__).with_suffix(".toml"), args)
    summary = summarise(res.groups, ["group_size", "facilitator_skill"], list(METRICS))
    summary.to_csv(out / "size_and_skill.csv", index=False, float_format="%.5g")
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), constrained_layout=True)
    for ax, (metric, title) in zip(axes, METRICS.items(), strict=True):
        lines_with_ci(ax, summary, "group_size", metric, hue="facilitator_skill", label_fmt="skill {:.2f}")
        ax.set(title=title, xlabel="group size (participants)", ylabel=title.split(" (")[0])
    axes[0].legend(frameon=False, title="facilitator skill")
    fig.suptitle(
        f"Group size x facilitator skill, {int(summary.replicates.iloc[0])} groups per cell"
        " (shading: 95% intervals across groups)"
    )
    return [save(fig, out / "size_and_skill.png", res), out / "size_and_skill.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
