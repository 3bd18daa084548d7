"""A PRIM box for people: its limits and numbers as lines of text, its peeling trajectory as a
figure (``peersim discover``)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from peersim.report.figures import save_figure


def describe(box, where: str, unit: str = "design points") -> list[str]:
    """Lines saying which box was chosen, its restricted limits, coverage, density and mass."""
    lines = [
        f"{where} holds at {box.cases:,} of {box.points:,} {unit} ({box.cases / box.points:.0%})",
        f"Box {box.chosen} of the {len(box.trajectory)} on the peeling trajectory: "
        + (
            f"the most covering with density >= {box.min_density:.0%}"
            if box.reached
            else f"the densest; none reaches density {box.min_density:.0%}"
        ),
    ]
    if box.limits.empty:
        lines.append("  no parameter restricted: the box is the whole space searched")
    else:
        width = max(len(p) for p in box.limits.parameter)
        for row in box.limits.itertuples():
            lines.append(
                f"  {row.parameter:<{width}}  {row.low:>10.4g} to {row.high:<10.4g}"
                f"  (searched {row.range_low:.4g} to {row.range_high:.4g})"
            )
    lines.append(
        f"Coverage {box.coverage:.0%} ({box.cases_in_box:,} of the {box.cases:,} cases),"
        f" density {box.density:.0%} ({box.cases_in_box:,} of the {box.points_in_box:,} {unit} in the box),"
        f" mass {box.mass:.0%}"
    )
    return lines


def trajectory_figure(box, where: str, path: str | Path, unit: str = "design points") -> Path:
    """Density against coverage along the peeling trajectory, the chosen box and the density asked
    for marked."""
    fig = Figure(figsize=(6.4, 4.8), constrained_layout=True)
    ax = fig.subplots()
    trajectory = box.trajectory
    ax.plot(trajectory.coverage, trajectory.density, ".-", color="#2f6f8f", label="peeling trajectory")
    ax.axhline(box.min_density, color="grey", linestyle="--", linewidth=1, label="density asked for")
    ax.plot([box.coverage], [box.density], "o", color="#b5523b", markersize=9, label=f"box {box.chosen}")
    ax.set(
        xlabel="coverage (share of the cases inside the box)",
        ylabel="density (share of the box that are cases)",
        title=f"PRIM: {where} at {box.cases:,} of {box.points:,} {unit}",
        ylim=(0, 1.02),
    )
    ax.legend(frameon=False, loc="lower left")
    return save_figure(fig, Path(path), dpi=110)
