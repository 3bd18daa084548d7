"""Figures for teaching, from one group's weekly trace (a Kernel run with ``record_ties=True``).

- ``group_circles``: the group as a circle of members with ties drawn by strength, session by
  session (small multiples); ``group_animation`` writes the same as an animated GIF;
- ``activation_heatmap``: which mechanism fired for whom in which session;
- ``trajectories``: one state over the weeks for every member, dropouts marked;
- ``icamo_figure``: an ICAMO table as a heatmap.

Drawn on ``matplotlib.figure.Figure`` objects, not pyplot: importing this module never switches
the caller's backend, and a figure returned (``path=None``) is not kept open by pyplot.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import animation
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from peersim.core.kernel import Kernel
from peersim.core.mechanisms import registry
from peersim.core.params import MECHANISMS
from peersim.core.state import STATES

COLOUR_BY = (*STATES, "recovery")
_CMAP = matplotlib.colormaps["viridis"]
_GREY = "#bbbbbb"


def scenario_label(kernel: Kernel) -> str:
    """Seed, run and every parameter changed from its default: what a figure shows."""
    from peersim.report.summary import changed_parameters

    changed = changed_parameters(kernel.params)
    return f"seed {kernel.streams.seed}, run {int(kernel.streams.runs[0])}" + (
        f"; {', '.join(changed)}" if changed else "; default parameters"
    )


def _check(kernel: Kernel) -> None:
    if not kernel.history or "ties" not in kernel.history[0]:
        raise ValueError("figures need a kernel built with record_ties=True")
    if kernel.group.runs != 1:
        raise ValueError("figures show one group: build the kernel with a single run")


def _positions(n: int, f: int) -> np.ndarray:
    angles = np.pi / 2 - 2 * np.pi * np.arange(n + f) / (n + f)
    return np.column_stack([np.cos(angles), np.sin(angles)])


def draw_group(ax, kernel: Kernel, week: int, colour_by: str = "hope", show_labels: bool = True) -> None:
    """One session's group: members on a circle (facilitators as squares), ties as lines whose
    width and darkness grow with strength, participants coloured by ``colour_by``, those who left
    greyed out, those absent drawn hollow."""
    _check(kernel)
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by = {colour_by!r}; choose one of {', '.join(COLOUR_BY)}")
    g = kernel.group
    record = kernel.history[week]
    pos = _positions(g.n, g.f)
    ties = record["ties"][0]
    strength = np.zeros((g.n + g.f, g.n + g.f))
    strength[: g.n, :] = ties
    strength = np.maximum(strength, strength.T)  # a tie drawn once, at the stronger direction
    for i in range(g.n + g.f):
        for j in range(i + 1, g.n + g.f):
            s = strength[i, j]
            if s > 0.02:
                ax.plot(
                    *pos[[i, j]].T, color="#1f3b5c", alpha=min(0.15 + s, 1.0), linewidth=0.5 + 4 * s, zorder=1
                )
    values = record[colour_by][0]
    norm = Normalize(0, 1)
    for i in range(g.n):
        left = bool(record["dropped"][0, i]) and not bool(record["present"][0, i])
        present = bool(record["present"][0, i])
        face = _GREY if left else _CMAP(norm(values[i]))
        edge = "#555555" if left else "black"
        ax.scatter(
            *pos[i],
            s=320,
            color=face if present or left else "white",
            edgecolors=face if not left else edge,
            linewidths=2.5 if not present and not left else 1,
            zorder=2,
        )
        if show_labels:
            ax.text(*(pos[i] * 1.22), str(i), ha="center", va="center", fontsize=8)
    for k in range(g.f):
        ax.scatter(*pos[g.n + k], s=320, marker="s", color="#d9a441", edgecolors="black", zorder=2)
        if show_labels:
            ax.text(*(pos[g.n + k] * 1.22), f"F{k + 1}", ha="center", va="center", fontsize=8)
    title = (
        "baseline" if week == 0 else f"session {week}" if week <= kernel.params.n_sessions else f"week {week}"
    )
    ax.set_title(title, fontsize=10)
    ax.set_xlim(-1.4, 1.4)
    ax.set_ylim(-1.4, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")


def _colourbar(fig, axes, colour_by: str) -> None:
    mappable = ScalarMappable(norm=Normalize(0, 1), cmap=_CMAP)
    fig.colorbar(
        mappable, ax=axes, shrink=0.7, label=f"{colour_by.replace('_', ' ')} (0-1); grey: left the group"
    )


def group_circles(kernel: Kernel, colour_by: str = "hope", weeks: Sequence[int] | None = None, path=None):
    """Small multiples of the group, one per session (default: every session of the course)."""
    _check(kernel)
    weeks = list(weeks or range(1, kernel.params.n_sessions + 1))
    cols = min(5, len(weeks))
    rows = -(-len(weeks) // cols)
    fig = Figure(figsize=(3 * cols + 1, 3 * rows + 0.6))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, week in zip(axes.ravel(), weeks, strict=False):
        draw_group(ax, kernel, week, colour_by)
    for ax in axes.ravel()[len(weeks) :]:
        ax.axis("off")
    _colourbar(fig, axes, colour_by)
    fig.suptitle(
        f"The group session by session: ties by strength (line width), participants coloured by"
        f" {colour_by.replace('_', ' ')}; hollow: absent; squares: facilitators\n{scenario_label(kernel)}",
        fontsize=10,
    )
    return _finish(fig, path)


def group_animation(kernel: Kernel, path, colour_by: str = "hope", fps: float = 1.5) -> Path:
    """The group session by session as an animated GIF."""
    _check(kernel)
    fig = Figure(figsize=(5, 5.4))
    ax = fig.subplots()
    _colourbar(fig, [ax], colour_by)
    weeks = list(range(0, kernel.params.n_sessions + 1))

    def frame(k: int) -> None:
        ax.clear()
        draw_group(ax, kernel, weeks[k], colour_by)

    anim = animation.FuncAnimation(fig, frame, frames=len(weeks))
    path = Path(path)
    anim.save(path, writer=animation.PillowWriter(fps=fps))
    return path


def activation_heatmap(kernel: Kernel, path=None, mechanisms: Sequence[str] | None = None):
    """One panel per mechanism: members (rows) by sessions (columns), dark where it fired,
    hatched grey where the person was absent or had left. Default: every registered mechanism."""
    mechanisms = registry.names() if mechanisms is None else mechanisms
    _check(kernel)
    p, g = kernel.params, kernel.group
    records = kernel.history[1 : p.n_sessions + 1]
    cols = 4
    rows = -(-len(mechanisms) // cols)
    fig = Figure(figsize=(3.4 * cols, 2.6 * rows + 0.6))
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    present = np.array([r["present"][0] for r in records]).T  # (N, sessions)
    for ax, mech in zip(axes.ravel(), mechanisms, strict=False):
        fired = np.array([r[f"mech_{mech}"][0] for r in records]).T.astype(float)
        shown = np.where(present, fired, np.nan)
        ax.imshow(shown, cmap="Blues", vmin=-0.2, vmax=1.0, aspect="auto", interpolation="nearest")
        absent = np.argwhere(~present)
        for i, s in absent:
            ax.add_patch(
                Rectangle((s - 0.5, i - 0.5), 1, 1, facecolor="#eeeeee", hatch="///", edgecolor="#bbbbbb")
            )
        ax.set_title(mech.replace("_", " "), fontsize=10)
        ax.set_xticks(range(p.n_sessions), [str(k + 1) for k in range(p.n_sessions)], fontsize=7)
        ax.set_yticks(range(g.n), [str(k) for k in range(g.n)], fontsize=7)
    for ax in axes.ravel()[len(mechanisms) :]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("session")
    for ax in axes[:, 0]:
        ax.set_ylabel("participant")
    fig.suptitle(
        "Which mechanism fired for whom, session by session (dark: fired; hatched: absent or left)\n"
        + scenario_label(kernel)
    )
    fig.tight_layout()
    return _finish(fig, path)


def trajectories(kernel: Kernel, state: str = "hope", path=None):
    """``state`` over the weeks for every participant; x marks the session after which one left."""
    _check(kernel)
    if state not in COLOUR_BY:
        raise ValueError(f"state = {state!r}; choose one of {', '.join(COLOUR_BY)}")
    p, g = kernel.params, kernel.group
    weeks = np.array([r["week"] for r in kernel.history])
    values = np.array([r[state][0] for r in kernel.history])  # (W, N)
    fig = Figure(figsize=(9, 4.8), constrained_layout=True)
    ax = fig.subplots()
    for i in range(g.n):
        line = ax.plot(weeks, values[:, i], linewidth=1.4, label=f"participant {i}")[0]
        left = int(kernel.state.dropout_session[0, i])
        if left:
            ax.plot(
                [left],
                [values[left, i]],
                marker="x",
                markersize=10,
                markeredgewidth=2.5,
                color=line.get_color(),
            )
    ax.axvspan(0.5, p.n_sessions + 0.5, color="#f3efe0", zorder=0, label="the course")
    ax.set(
        xlabel=f"week (sessions 1-{p.n_sessions}, then follow-up)",
        ylabel=f"{state.replace('_', ' ')} (0-1)",
        title=f"{state.replace('_', ' ').capitalize()} of every participant; x: left after that session",
    )
    fig.suptitle(scenario_label(kernel), fontsize=9)
    ax.legend(fontsize=7, ncol=2, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _finish(fig, path)


def icamo_figure(
    table: pd.DataFrame,
    path=None,
    mechanisms: Sequence[str] | None = None,
    outcomes: Sequence[str] = ("hope", "self_image", "recovery"),
):
    """The ICAMO table as a heatmap: rows are actor strata (of the first context), columns the
    mechanisms' activation rates, then dropout and outcome changes written in the cells.
    Default: the built-in mechanisms (peersim.MECHANISMS)."""
    mechanisms = MECHANISMS if mechanisms is None else mechanisms
    first = table["point"].iloc[0]
    block = table[table["point"] == first]
    labels = [f"{r.actor}: {r.stratum}" if r.actor != "all" else "everyone" for r in block.itertuples()]
    rates = block[[f"{m}_rate" for m in mechanisms]].to_numpy(float)
    fig = Figure(figsize=(15, 0.45 * len(block) + 2.2), constrained_layout=True)
    ax, ax2 = fig.subplots(1, 2, width_ratios=[len(mechanisms), 1 + len(outcomes)])
    im = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for (i, j), v in np.ndenumerate(rates):
        ax.text(
            j,
            i,
            f"{100 * v:.0f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if v > 0.6 else "black",
        )
    ax.set_xticks(range(len(mechanisms)), [m.replace("_", " ") for m in mechanisms], rotation=40, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_title("Mechanism fired at least once (% of participants)")
    fig.colorbar(im, ax=ax, shrink=0.8, label="share of participants")
    cols = ["dropout_rate", *[f"{o}_change" for o in outcomes]]
    values = block[cols].to_numpy(float)
    ax2.imshow(np.zeros_like(values), cmap="Greys", vmin=0, vmax=1, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax2.text(j, i, f"{100 * v:.1f}%" if j == 0 else f"{v:+.3f}", ha="center", va="center", fontsize=8)
    ax2.set_xticks(
        range(len(cols)),
        ["dropout"] + [f"change in {o.replace('_', ' ')}" for o in outcomes],
        rotation=40,
        ha="right",
    )
    ax2.set_yticks([])
    ax2.set_title("Outcomes")
    context = [c for c in table.columns if c not in ("point", "actor", "stratum", "participants", "groups")]
    context = context[: context.index(f"{mechanisms[0]}_rate")]
    desc = ", ".join(f"{c}={block[c].iloc[0]}" for c in context) or "the scenario as simulated"
    n_contexts = table["point"].nunique()
    if n_contexts > 1:
        desc += f" (the first of {n_contexts} contexts; the table has them all)"
    fig.suptitle(
        f"ICAMO: for whom (rows) which mechanisms fired and what followed, in context: {desc}", fontsize=11
    )
    return _finish(fig, path)


def _finish(fig, path):
    if path is None:
        return fig
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path
