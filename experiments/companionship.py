"""Companionship study: uptake and bridging with and without COVID-19 restrictions, by the length
of the offer (PEER offered up to six months; 1 of 11 interviewees took it up under restrictions).

    python experiments/companionship.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

from peersim.report.figures import line_panels
from peersim.sweep.study import per_run, report_written, run_study, save, study_args, summarise


def main(argv=None) -> list:
    res, out = run_study(Path(__file__).with_suffix(".toml"), study_args(argv, __doc__))
    part = res.participants
    completers = part[~part.dropped_out]
    runs = per_run(
        completers,
        ["covid_restrictions", "companionship_weeks"],
        {
            "uptake": ("companionship", "mean"),
            "bridging": ("bridging_followup", "mean"),
            "realised_followup": ("realised_changes_followup", "mean"),
        },
    )
    summary = summarise(
        runs, ["covid_restrictions", "companionship_weeks"], ["uptake", "bridging", "realised_followup"]
    )
    summary.to_csv(out / "companionship.csv", index=False, float_format="%.5g")
    labels = {False: "no restrictions", True: "COVID-19 restrictions"}
    fig = line_panels(
        summary.assign(covid=summary.covid_restrictions.map(labels)),
        "companionship_weeks",
        [
            ("uptake", "Companionship uptake", "share of completers"),
            ("bridging", "Bridging at 52 weeks after the course", "ties outside the group (0-1)"),
            ("realised_followup", "Realised changes at 52 weeks", "per completer"),
        ],
        hue="covid",
        xlabel="length of the companionship offer (weeks)",
        title="Companionship and bridging, {groups} groups per cell, completers",
    )
    return [save(fig, out / "companionship.png", res), out / "companionship.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
