"""Scenario discovery study: PRIM boxes for dropout above 30% and for no effect on recovery (d < 0.2).

python experiments/scenario_discovery.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import Rectangle

from peersim.report.words import parameter_words
from peersim.stats.discovery import discover
from peersim.stats.outputs import outputs_by_point
from peersim.sweep.study import report_written, run_study, save, study_args

QUESTIONS = {
    "dropout above 30%": ("dropout", lambda v: v > 0.30),
    "no recovery effect (trial d < 0.2)": ("trial_d", lambda v: v < 0.20),
}


def main(argv=None) -> list:
    args = study_args(argv, __doc__)
    if args.small:
        args.small_design = {"n": 60}
    res, out = run_study(Path(__file__).with_suffix(".toml"), args)
    outputs = outputs_by_point(res)
    inputs = res.design.sort_values("point").drop(columns="point").reset_index(drop=True)
    outputs.merge(res.design, on="point").to_csv(
        out / "outputs_by_point.csv", index=False, float_format="%.5g"
    )
    boxes = []
    fig, axes = plt.subplots(2, 2, figsize=(13, 9), constrained_layout=True)
    for row, (question, (column, rule)) in zip(axes, QUESTIONS.items(), strict=True):
        cases = rule(outputs[column].to_numpy())
        ax_traj, ax_box = row
        if not cases.any() or cases.all():
            for ax in row:
                ax.set_title(f"{question}: {int(cases.sum())} of {len(cases)} points; nothing to discover")
            continue
        box, trajectory = discover(inputs, cases)
        boxes.append(box.assign(question=question, cases=int(cases.sum()), points=len(cases)))
        ax_traj.plot(trajectory.coverage, trajectory.density, ".-", color="#2f6f8f")
        ax_traj.plot(
            [box.coverage.iloc[0]],
            [box.density.iloc[0]],
            "o",
            color="#b5523b",
            markersize=9,
            label="chosen box",
        )
        ax_traj.set(
            xlabel="coverage (share of cases inside the box)",
            ylabel="density (share of the box that are cases)",
            title=f"{question}: PRIM peeling trajectory ({int(cases.sum())} of {len(cases)} points)",
        )
        ax_traj.legend(frameon=False)
        dims = list(box.parameter[:2])
        for extra in inputs.columns:  # fewer than two restricted dimensions: show another one
            if len(dims) < 2 and extra not in dims:
                dims.append(extra)
        lim = box.set_index("parameter")

        def span(dim, lim=lim):
            if dim in lim.index:
                return tuple(lim.loc[dim, ["low", "high"]])
            return (inputs[dim].min(), inputs[dim].max())

        (x0, x1), (y0, y1) = span(dims[0]), span(dims[1])
        ax_box.scatter(
            inputs.loc[~cases, dims[0]],
            inputs.loc[~cases, dims[1]],
            color="#4a74b4",
            s=14,
            label="other design points",
        )
        ax_box.scatter(
            inputs.loc[cases, dims[0]], inputs.loc[cases, dims[1]], color="#c8553d", s=14, label=question
        )
        ax_box.legend(frameon=True, framealpha=0.9, fontsize=10, loc="lower left")
        ax_box.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="black", linewidth=2))
        ax_box.set(
            xlabel=parameter_words(dims[0]),
            ylabel=parameter_words(dims[1]),
            title=f"{question}: box {box.coverage.iloc[0]:.0%} coverage, {box.density.iloc[0]:.0%} density",
        )
    fig.suptitle(
        "Scenario discovery with PRIM (the patient rule induction method: the box of parameter values"
        " where a condition mostly holds) over context and mechanism parameters, "
        f"{int(res.spec['replicates'])} groups per point"
    )
    table = pd.concat(boxes, ignore_index=True) if boxes else pd.DataFrame()
    table.to_csv(out / "prim_boxes.csv", index=False, float_format="%.5g")
    return [save(fig, out / "scenario_discovery.png", res), out / "prim_boxes.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
