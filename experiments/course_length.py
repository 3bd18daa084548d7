"""Course length study: 6 to 20 sessions x follow-up support; sprouts at the end of the course vs
realised change after 26 weeks of follow-up ("ten weeks ... helps to create some sprouts, but those
sprouts must also be watered").

    python experiments/course_length.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt

from peersim.sweep.study import (
    lines_with_ci,
    per_run,
    report_written,
    run_study,
    save,
    study_args,
    summarise,
)


def main(argv=None) -> list:
    args = study_args(argv, __doc__)
    res, out = run_study(Path(__file__).with_suffix(".toml"), args)
    part = res.participants[~res.participants.dropped_out]
    runs = per_run(
        part,
        ["n_sessions", "case_worker_support"],
        {
            "sprouts_end": ("sprouts_end", "mean"),
            "realised_end": ("realised_changes_end", "mean"),
            "realised_followup": ("realised_changes_followup", "mean"),
        },
    )
    summary = summarise(
        runs, ["n_sessions", "case_worker_support"], ["sprouts_end", "realised_end", "realised_followup"]
    )
    summary.to_csv(out / "course_length.csv", index=False, float_format="%.5g")
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), constrained_layout=True, sharey=True)
    for ax, (metric, title) in zip(
        axes,
        {
            "sprouts_end": "Sprouts at the end of the course",
            "realised_end": "Realised changes at the end of the course",
            "realised_followup": "Realised changes after 26 weeks of follow-up",
        }.items(),
        strict=True,
    ):
        lines_with_ci(
            ax, summary, "n_sessions", metric, hue="case_worker_support", label_fmt="case worker {:.1f}"
        )
        ax.set(title=title, xlabel="sessions in the course", ylabel="per completer (mean)")
    axes[0].legend(frameon=False, title="support after the course")
    fig.suptitle(
        f"Course length x support, {int(summary.replicates.iloc[0])} groups per cell, completers"
        " (shading: 95% intervals across groups)"
    )
    return [save(fig, out / "course_length.png", res), out / "course_length.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
