"""Course length study: 6 to 20 sessions x follow-up support; sprouts at the end of the course vs
realised change after 26 weeks of follow-up ("ten weeks ... helps to create some sprouts, but those
sprouts must also be watered").

    python experiments/course_length.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

from peersim.report.figures import line_panels
from peersim.sweep.study import per_run, report_written, run_study, save, study_args, summarise

PANELS = {
    "sprouts_end": "Sprouts at the end of the course",
    "realised_end": "Realised changes at the end of the course",
    "realised_followup": "Realised changes after 26 weeks of follow-up",
}


def main(argv=None) -> list:
    res, out = run_study(Path(__file__).with_suffix(".toml"), study_args(argv, __doc__))
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
    summary = summarise(runs, ["n_sessions", "case_worker_support"], list(PANELS))
    summary.to_csv(out / "course_length.csv", index=False, float_format="%.5g")
    fig = line_panels(
        summary,
        "n_sessions",
        [(metric, title, "per completer (mean)") for metric, title in PANELS.items()],
        hue="case_worker_support",
        label_fmt="case worker {:.1f}",
        legend_title="support after the course",
        sharey=True,
        xlabel="sessions in the course",
        title="Course length x support, {groups} groups per cell, completers",
    )
    return [save(fig, out / "course_length.png", res), out / "course_length.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
