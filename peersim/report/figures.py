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


def _error_bars(centre, low, high) -> np.ndarray:
    """Distances to the interval ends for ``yerr`` (never negative, even by rounding)."""
    return np.maximum(np.nan_to_num(np.vstack([centre - low, high - centre])), 0.0)


def baseline_figure(res: Results | Summary, path: str | Path) -> Path:
    """Two panels: who left after which session; change in outcomes, completers vs leavers (from a
    simulation's Results, or a Summary gathered block by block)."""
    path = Path(path)
    summary = res if isinstance(res, Summary) else Summary.of(res)
    fig = Figure(figsize=(12, 4.5), constrained_layout=True)
    left, right = fig.subplots(1, 2)
    drop = summary.dropout_by_session()
    err = _error_bars(100 * drop["share"], 100 * drop["ci_low"], 100 * drop["ci_high"])
    left.bar(drop["session"], 100 * drop["share"], yerr=err, color="#b5523b", capsize=3)
    left.set_xlabel("session after which the participant left")
    left.set_ylabel("participants who left (% of all)")
    left.set_title(f"Dropout by session ({summary.n_left / summary.n:.1%} in all)")
    left.set_xticks(drop["session"])

    changes = summary.outcome_changes()
    outcomes = [o for o in OUTCOMES if o != "qpr"]
    width = 0.38
    for k, (group, colour) in enumerate((("completers", "#2f6f8f"), ("left early", "#b5523b"))):
        sub = changes[changes["group"] == group].set_index("outcome").loc[outcomes]
        xs = [i + (k - 0.5) * width for i in range(len(outcomes))]
        err = _error_bars(sub["change"], sub["ci_low"], sub["ci_high"])
        right.bar(xs, sub["change"], width, yerr=err, capsize=3, color=colour, label=group)
    right.axhline(0, color="black", linewidth=0.8)
    labels = [o.replace("_", "-") + (" (lower is better)" if o == "loneliness" else "") for o in outcomes]
    right.set_xticks(range(len(outcomes)), labels, rotation=30, ha="right")
    right.set_ylabel("change, baseline to end of course (0-1 scale)")
    right.set_title("Change in outcomes (mean, 95% CI)")
    right.legend(frameon=False)
    from peersim.report.words import scenario_words

    # the context in words: a paid-facilitator run must not read as the PEER course as designed
    fig.suptitle(f"{scenario_words(summary.params)}: {summary.runs:,} simulated groups (seed {summary.seed})")
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
    line per value of ``hue`` against ``x`` with its shaded 95% interval across groups, from a
    ``peersim.sweep.study.summarise`` table. ``title`` is the figure's, with ``{groups}`` standing
    for the groups (replicates) per cell; the note on the shading follows it."""
    # lazily: the study helpers import pyplot, which this module never does on import
    from peersim.sweep.study import lines_with_ci

    fig = Figure(figsize=(16, 4.6), constrained_layout=True)
    axes = fig.subplots(1, len(panels), sharey=sharey, squeeze=False)[0]
    for ax, (metric, panel_title, ylabel) in zip(axes, panels, strict=True):
        lines_with_ci(ax, summary, x, metric, hue=hue, label_fmt=label_fmt)
        ax.set(title=panel_title, xlabel=xlabel, ylabel=ylabel)
    axes[0].legend(frameon=False, title=legend_title)
    groups = int(summary.replicates.iloc[0])
    fig.suptitle(title.format(groups=groups) + " (shading: 95% intervals across groups)")
    return fig


def save_figure(fig, path: Path, dpi: int = 100) -> Path:
    """Write the figure to ``path`` (its format from the suffix), close it and return the path."""
    import matplotlib.pyplot as plt  # lazily: closing is pyplot's, importing this module is not

    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
