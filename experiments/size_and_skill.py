"""Size and skill study: group size x facilitator skill against safety, sharing and dropout.

python experiments/size_and_skill.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

from peersim.report.figures import line_panels
from peersim.sweep.study import report_written, run_study, save, study_args, summarise

#: a panel each: metric of the groups table, title, y label
PANELS = (
    ("safety_end", "safety at end of course, completers (0-1)", "safety at end of course, completers"),
    ("share_rate", "sharing (share of attended sessions)", "sharing"),
    ("dropout_rate", "dropout (share of participants)", "dropout"),
)


def main(argv=None) -> list:
    res, out = run_study(Path(__file__).with_suffix(".toml"), study_args(argv, __doc__))
    summary = summarise(res.groups, ["group_size", "facilitator_skill"], [metric for metric, _, _ in PANELS])
    summary.to_csv(out / "size_and_skill.csv", index=False, float_format="%.5g")
    fig = line_panels(
        summary,
        "group_size",
        PANELS,
        hue="facilitator_skill",
        label_fmt="skill {:.2f}",
        legend_title="facilitator skill",
        xlabel="group size (participants)",
        title="Group size x facilitator skill, {groups} groups per cell",
    )
    return [save(fig, out / "size_and_skill.png", res), out / "size_and_skill.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
