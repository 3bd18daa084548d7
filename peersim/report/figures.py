"""Figures (matplotlib, no screen needed): drawn on ``matplotlib.figure.Figure`` objects, so
importing this module never switches the caller's matplotlib backend (a notebook keeps its own)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from peersim.core.tables import Results
from peersim.report.summary import OUTCOMES, Summary

# the two intervals as every figure draws and names them (drawn in the study helpers, which the
# study scripts use too; importing them imports no pyplot)
from peersim.sweep.study import (
    MC_LABEL,
    NO_WIDTH,
    NO_WIDTH_LINES,
    PARAM_LABEL,
    both_intervals,
    has_parameter_intervals,
    interval_key,
    interval_words,
    lines_with_ci,
)

__all__ = [
    "MC_LABEL",
    "NO_WIDTH",
    "PARAM_LABEL",
    "baseline_figure",
    "line_panels",
    "save_figure",
    "summary_figure",
]


def summary_figure(res: Results | Summary) -> Figure:
    """Two panels: who left after which session; change in outcomes, completers vs leavers (from a
    simulation's Results, or a Summary gathered block by block). Monte Carlo error bars always; in
    posterior mode the parameter interval beside each, the legend saying which is which; the
    scenario in words in the title, and an EXPLORATORY line under it when its changes rest on
    assumptions."""
    from peersim.report.summary import changed_names
    from peersim.report.words import scenario_words
    from peersim.stats.uncertainty import exploratory_line

    summary = res if isinstance(res, Summary) else Summary.of(res)
    posterior = bool(summary.draws)
    fig = Figure(figsize=(12, 5.2 if posterior else 4.5), constrained_layout=True)
    left, right = fig.subplots(1, 2)
    drop = summary.dropout_by_session()
    share = 100 * drop["share"]
    left.bar(drop["session"], share, color="#b5523b")
    par = 100 * drop[["param_low", "param_high"]] if posterior else None
    unshown = both_intervals(
        left, drop["session"], share, 100 * drop["ci_low"], 100 * drop["ci_high"], par, offset=0.2
    )
    left.set_xlabel("session after which the participant left")
    left.set_ylabel("participants who left (% of all)")
    left.set_title(f"Dropout by session ({summary.n_left / summary.n:.1%} in all)")
    left.set_xticks(drop["session"])
    left.legend(frameon=False, fontsize=9)

    changes = summary.outcome_changes()
    outcomes = [o for o in OUTCOMES if o != "qpr"]
    width = 0.38
    for k, (group, colour) in enumerate((("completers", "#2f6f8f"), ("left early", "#b5523b"))):
        sub = changes[changes["group"] == group].set_index("outcome").loc[outcomes]
        xs = np.array([i + (k - 0.5) * width for i in range(len(outcomes))])
        right.bar(xs, sub["change"], width, color=colour, label=group)
        pars = sub[["param_low", "param_high"]] if posterior else None
        unshown += both_intervals(
            right, xs, sub["change"], sub["ci_low"], sub["ci_high"], pars, 0.1, label=k == 0
        )
    right.axhline(0, color="black", linewidth=0.8)
    labels = [o.replace("_", "-") + (" (lower is better)" if o == "loneliness" else "") for o in outcomes]
    right.set_xticks(range(len(outcomes)), labels, rotation=30, ha="right")
    right.set_ylabel("change, baseline to end of course (0-1 scale)")
    right.set_title("Change in outcomes (mean, 95% intervals)")
    handles, names = right.get_legend_handles_labels()
    order = sorted(range(len(names)), key=lambda i: names[i] in (MC_LABEL, PARAM_LABEL))  # groups first
    right.legend([handles[i] for i in order], [names[i] for i in order], frameon=False, fontsize=9)
    if unshown:
        fig.supxlabel(NO_WIDTH, fontsize=9, color="#555555")
    # the context in words: a paid-facilitator run must not read as the PEER course as designed
    title = f"{scenario_words(summary.params)}: {summary.runs:,} simulated groups (seed {summary.seed})"
    if posterior:
        title += f", each under one of {len(summary.draws):,} posterior draws"
    note = exploratory_line(changed_names(summary.params))
    if note:
        import textwrap

        title += "\n" + "\n".join(textwrap.wrap(note, 150))
    fig.suptitle(title, fontsize=11 if note else None)
    return fig


def baseline_figure(res: Results | Summary, path: str | Path) -> Path:
    """``summary_figure`` written to ``path`` (``summary.png`` of ``peersim run --out``)."""
    path = Path(path)
    fig = summary_figure(res)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def line_panels(
    summary: pd.DataFrame,
    x: str,
    panels: Sequence[tuple[str, str, str]],
    *,
    xlabel: str,
    title: str,
    hue: str | None = None,
    label_fmt: str = "{}",
    legend_title: str | None = None,
    sharey: bool = False,
) -> Figure:
    """A study's figure in a row of panels, one per ``(metric, title, ylabel)`` of ``panels``: a
    line per value of ``hue`` against ``x`` with its shaded 95% interval across groups and, in
    posterior mode, its parameter interval dashed, from a ``peersim.sweep.study.summarise`` table;
    the legend and the title say which is which. ``title`` is the figure's, with ``{groups}``
    standing for the groups (replicates) per cell."""
    posterior = has_parameter_intervals(summary)
    fig = Figure(figsize=(16, 4.6), constrained_layout=True)
    axes = fig.subplots(1, len(panels), sharey=sharey, squeeze=False)[0]
    unshown = 0
    for ax, (metric, panel_title, ylabel) in zip(axes, panels, strict=True):
        unshown += lines_with_ci(ax, summary, x, metric, hue=hue, label_fmt=label_fmt)
        ax.set(title=panel_title, xlabel=xlabel, ylabel=ylabel)
    handles, _ = axes[0].get_legend_handles_labels()
    axes[0].legend(
        handles=[*handles, *interval_key(posterior)], frameon=False, title=legend_title, fontsize=9
    )
    groups = int(summary.replicates.iloc[0])
    fig.suptitle(title.format(groups=groups) + " " + interval_words(posterior))
    if unshown:
        fig.supxlabel(NO_WIDTH_LINES, fontsize=9, color="#555555")
    return fig


def save_figure(fig, path: Path, dpi: int = 100) -> Path:
    """Write the figure to ``path`` (its format from the suffix), close it and return the path."""
    import matplotlib.pyplot as plt  # lazily: closing is pyplot's, importing this module is not

    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
