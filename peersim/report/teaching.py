"""Figures for teaching, from one group's weekly trace (a Kernel run with ``record_ties=True``).

- ``group_circles``: the group as a circle of members with ties drawn by strength, session by
  session (small multiples); ``group_animation`` writes the same as an animated GIF;
- ``activation_heatmap``: which mechanism fired for whom in which session;
- ``trajectories``: one state over the weeks for every member, dropouts marked;
- ``person_chart``: one participant's states over the weeks (the handout's and the lesson's chart);
- ``icamo_figure``: an ICAMO table as a heatmap.

Every text is at least ``SMALLEST_PT`` (12 pt) at the saved size, so a figure reads on a
projector (tests/test_teaching.py reads every text artist), and every label is in plain words:
scenarios through ``peersim.report.words``, never as ``name=value``.

Drawn on ``matplotlib.figure.Figure`` objects, not pyplot: importing this module never switches
the caller's backend, and a figure returned (``path=None``) is not kept open by pyplot.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import animation
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize, TwoSlopeNorm, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from peersim.core.kernel import Kernel
from peersim.core.mechanisms import registry
from peersim.core.params import MECHANISMS
from peersim.core.state import STATES
from peersim.report.words import week_title

COLOUR_BY = (*STATES, "recovery")
_CMAP = matplotlib.colormaps["viridis"]
_GREY = "#bbbbbb"
_CHOSEN = "#d62728"
#: The smallest text of any teaching figure, in points at its saved size.
SMALLEST_PT = 12
_TITLE_PT = 14


def colours(state: str, threshold: float = 0.5):
    """(colour map, norm) for ``state``: viridis from 0 to 1; safety in two hues that part where
    feeling safe starts (orange below ``threshold``, blue from it), so 0.49 and 0.51 never look
    alike, as they did on one continuous scale."""
    if state != "safety":
        return _CMAP, Normalize(0, 1)
    below = matplotlib.colormaps["Oranges"](np.linspace(0.85, 0.3, 128))
    above = matplotlib.colormaps["Blues"](np.linspace(0.35, 0.9, 128))
    cmap = ListedColormap(np.vstack([below, above]), name="safety")
    return cmap, TwoSlopeNorm(vmin=0.0, vcenter=threshold, vmax=1.0)


@lru_cache(maxsize=64)
def palette(state: str, threshold: float = 0.5, n: int = 101) -> tuple[str, ...]:
    """Hex colours of ``state`` at values 0, 1/(n-1), ..., 1 (for pictures drawn outside matplotlib).
    Cached: the app draws a circle every step, and matplotlib's colour lookups cost 30 ms a time."""
    cmap, norm = colours(state, threshold)
    return tuple(to_hex(cmap(norm(v))) for v in np.linspace(0, 1, n))


def state_words(state: str) -> str:
    return "self-image" if state == "self_image" else state.replace("_", " ")


def scenario_label(kernel: Kernel) -> str:
    """Which group (seed and run) in which context, in plain words: what a figure shows."""
    from peersim.report.words import scenario_words

    return f"seed {kernel.streams.seed}, group {int(kernel.streams.runs[0])}: {scenario_words(kernel.params)}"


def _check(kernel: Kernel) -> None:
    if not kernel.history or "ties" not in kernel.history[0]:
        raise ValueError("figures need a kernel built with record_ties=True")
    if kernel.group.runs != 1:
        raise ValueError("figures show one group: build the kernel with a single run")


def _positions(n: int, f: int) -> np.ndarray:
    angles = np.pi / 2 - 2 * np.pi * np.arange(n + f) / (n + f)
    return np.column_stack([np.cos(angles), np.sin(angles)])


def draw_group(
    ax,
    kernel: Kernel,
    week: int,
    colour_by: str = "hope",
    show_labels: bool = True,
    chosen: int | None = None,
    fontsize: float = SMALLEST_PT,
) -> None:
    """One session's group: members on a circle (facilitators as squares), ties as lines whose
    width and darkness grow with strength, participants coloured by ``colour_by``, those absent
    drawn hollow; those who left are grey with their ties gone, and ``chosen`` is ringed in red.
    After the last session the group has ended: no ties, nobody hollow."""
    _check(kernel)
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by = {colour_by!r}; choose one of {', '.join(COLOUR_BY)}")
    g = kernel.group
    record = kernel.history[week]
    ended = week > kernel.params.n_sessions
    pos = _positions(g.n, g.f)
    ties = record["ties"][0]
    gone = np.zeros(g.n + g.f, bool)
    gone[: g.n] = np.asarray(record["dropped"][0], bool) & ~np.asarray(record["present"][0], bool)
    strength = np.zeros((g.n + g.f, g.n + g.f))
    strength[: g.n, :] = ties
    strength = np.maximum(strength, strength.T)  # a tie drawn once, at the stronger direction
    for i in range(g.n + g.f):
        for j in range(i + 1, g.n + g.f):
            s = strength[i, j]
            # a tie to someone who left, or in a group that has ended, is no longer lived in the room
            if s > 0.02 and not ended and not gone[i] and not gone[j]:
                ax.plot(
                    *pos[[i, j]].T, color="#1f3b5c", alpha=min(0.15 + s, 1.0), linewidth=0.5 + 4 * s, zorder=1
                )
    values = record[colour_by][0]
    cmap, norm = colours(colour_by, kernel.params.safe_threshold)
    for i in range(g.n):
        present = bool(record["present"][0, i]) or ended
        colour = cmap(norm(values[i]))
        if gone[i]:
            ax.scatter(*pos[i], s=320, color=_GREY, edgecolors="#777777", linestyle="--", zorder=2)
        elif present:
            ax.scatter(*pos[i], s=320, color=colour, edgecolors="black", linewidths=1, zorder=2)
        else:
            ax.scatter(*pos[i], s=320, color="white", edgecolors=colour, linewidths=3, zorder=2)
        if chosen == i:
            ax.scatter(*pos[i], s=900, facecolors="none", edgecolors=_CHOSEN, linewidths=3, zorder=3)
        if show_labels:
            ax.text(*(pos[i] * 1.25), str(i), ha="center", va="center", fontsize=fontsize)
    for k in range(g.f):
        # white squares: no colour of their own, so none a participant's state could have
        square = {"marker": "s", "color": "white", "edgecolors": "black", "linewidths": 2.5}
        ax.scatter(*pos[g.n + k], s=320, zorder=2, **square)
        if show_labels:
            ax.text(*(pos[g.n + k] * 1.25), f"F{k + 1}", ha="center", va="center", fontsize=fontsize)
    title = week_title(week, ended)
    ax.set_title(title, fontsize=fontsize + 2)
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")


def _colourbar(fig, axes, colour_by: str, kernel: Kernel, fontsize: float = SMALLEST_PT) -> None:
    cmap, norm = colours(colour_by, kernel.params.safe_threshold)
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    bar = fig.colorbar(mappable, ax=axes, shrink=0.7)
    bar.set_label(f"{state_words(colour_by)} (0 low, 1 high); grey: left the group", fontsize=fontsize)
    bar.ax.tick_params(labelsize=fontsize)
    if colour_by == "safety":  # where "feels safe" starts, which colours alone do not show
        threshold = kernel.params.safe_threshold
        bar.ax.axhline(threshold, color="white", linewidth=3)
        bar.ax.axhline(threshold, color="black", linewidth=1.2, linestyle="--")
        bar.ax.text(
            -0.3,
            threshold,
            f"safe from {threshold:g}",
            ha="right",
            va="center",
            fontsize=fontsize,
            transform=bar.ax.get_yaxis_transform(),
        )


def group_circles(
    kernel: Kernel,
    colour_by: str = "hope",
    weeks: Sequence[int] | None = None,
    path=None,
    chosen: int | None = None,
):
    """Small multiples of the group, one per session (default: every session of the course)."""
    _check(kernel)
    weeks = list(weeks or range(1, kernel.params.n_sessions + 1))
    cols = min(5, len(weeks))
    rows = -(-len(weeks) // cols)
    fig = Figure(figsize=(3.4 * cols + 1.6, 3.4 * rows + 1.4), constrained_layout=True)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, week in zip(axes.ravel(), weeks, strict=False):
        draw_group(ax, kernel, week, colour_by, chosen=chosen)
    for ax in axes.ravel()[len(weeks) :]:
        ax.axis("off")
    _colourbar(fig, axes, colour_by, kernel)
    ring = f"; red ring: participant {chosen}" if chosen is not None else ""
    fig.suptitle(
        f"The group session by session: lines are ties (thicker = closer), participants coloured by"
        f" {state_words(colour_by)}\nhollow: absent that week; grey: has left; squares: facilitators"
        f"{ring}\n{scenario_label(kernel)}",
        fontsize=_TITLE_PT,
    )
    return _finish(fig, path)


def group_animation(kernel: Kernel, path, colour_by: str = "hope", fps: float = 1.5) -> Path:
    """The group session by session as an animated GIF."""
    _check(kernel)
    fig = Figure(figsize=(6, 6.2))
    ax = fig.subplots()
    _colourbar(fig, [ax], colour_by, kernel)
    weeks = list(range(0, kernel.params.n_sessions + 1))

    def frame(k: int) -> None:
        ax.clear()
        draw_group(ax, kernel, weeks[k], colour_by)

    anim = animation.FuncAnimation(fig, frame, frames=len(weeks))
    path = Path(path)
    anim.save(path, writer=animation.PillowWriter(fps=fps))
    return path


def activation_heatmap(kernel: Kernel, path=None, mechanisms: Sequence[str] | None = None):
    """One panel per mechanism: members (rows) by sessions (columns), dark where it fired, light
    where it did not; hatched where the person was absent, dark grey once they had left (two
    different things: an absent person comes back). Default: every registered mechanism."""
    mechanisms = registry.names() if mechanisms is None else mechanisms
    _check(kernel)
    p, g = kernel.params, kernel.group
    records = kernel.history[1 : p.n_sessions + 1]
    cols = 4
    rows = -(-len(mechanisms) // cols)
    fig = Figure(figsize=(4.6 * cols, 3.4 * rows + 2.2), constrained_layout=True)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    present = np.array([r["present"][0] for r in records]).T  # (N, sessions)
    # left before this session: dropped by its start (the leaving session itself was attended)
    left = np.array([kernel.history[k - 1]["dropped"][0] for k in range(1, p.n_sessions + 1)]).T
    labels = registry.labels()
    for ax, mech in zip(axes.ravel(), mechanisms, strict=False):
        fired = np.array([r[f"mech_{mech}"][0] for r in records]).T.astype(float)
        shown = np.where(present, fired, np.nan)
        ax.imshow(shown, cmap="Blues", vmin=-0.2, vmax=1.0, aspect="auto", interpolation="nearest")
        for i, s in np.argwhere(~present):
            gone = bool(left[i, s])
            ax.add_patch(
                Rectangle(
                    (s - 0.5, i - 0.5),
                    1,
                    1,
                    facecolor="#777777" if gone else "#eeeeee",
                    hatch=None if gone else "///",
                    edgecolor="#bbbbbb",
                )
            )
        ax.set_title(labels.get(mech, mech.replace("_", " ")), fontsize=_TITLE_PT)
        ax.set_xticks(range(p.n_sessions), [str(k + 1) for k in range(p.n_sessions)], fontsize=SMALLEST_PT)
        ax.set_yticks(range(g.n), [str(k) for k in range(g.n)], fontsize=SMALLEST_PT)
    for ax in axes.ravel()[len(mechanisms) :]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("session", fontsize=SMALLEST_PT)
    for ax in axes[:, 0]:
        ax.set_ylabel("participant", fontsize=SMALLEST_PT)
    blues = matplotlib.colormaps["Blues"]
    keys = [
        Patch(facecolor=blues(1.0), edgecolor="#bbbbbb", label="fired"),
        Patch(facecolor=blues(0.17), edgecolor="#bbbbbb", label="did not fire"),
        Patch(facecolor="#eeeeee", hatch="///", edgecolor="#bbbbbb", label="absent that session"),
        Patch(facecolor="#777777", edgecolor="#bbbbbb", label="had left the group"),
    ]
    fig.legend(handles=keys, loc="outside lower center", ncol=4, fontsize=SMALLEST_PT, frameon=False)
    fig.suptitle(
        "Which mechanism fired for whom, session by session\n" + scenario_label(kernel), fontsize=_TITLE_PT
    )
    return _finish(fig, path)


def trajectories(kernel: Kernel, state: str = "hope", path=None, chosen: int | None = None):
    """``state`` over the weeks for every participant; x marks the session after which one left;
    ``chosen``'s line is drawn thick in red, the others' thin."""
    _check(kernel)
    if state not in COLOUR_BY:
        raise ValueError(f"state = {state!r}; choose one of {', '.join(COLOUR_BY)}")
    p, g = kernel.params, kernel.group
    weeks = np.array([r["week"] for r in kernel.history])
    values = np.array([r[state][0] for r in kernel.history])  # (W, N)
    fig = Figure(figsize=(12, 6), constrained_layout=True)
    ax = fig.subplots()
    for i in range(g.n):
        style = {"color": _CHOSEN, "linewidth": 3.5, "zorder": 3} if chosen == i else {"linewidth": 1.6}
        line = ax.plot(weeks, values[:, i], label=f"participant {i}", **style)[0]
        left = int(kernel.state.dropout_session[0, i])
        if left:
            ax.plot(
                [left],
                [values[left, i]],
                marker="x",
                markersize=12,
                markeredgewidth=3,
                color=line.get_color(),
            )
    ax.axvspan(0.5, p.n_sessions + 0.5, color="#f3efe0", zorder=0, label="the course")
    ax.set_xlabel(f"week (sessions 1 to {p.n_sessions}, then follow-up)", fontsize=SMALLEST_PT)
    ax.set_ylabel(f"{state_words(state)} (0 low, 1 high)", fontsize=SMALLEST_PT)
    ax.tick_params(labelsize=SMALLEST_PT)
    ax.set_title(
        f"{state_words(state).capitalize()} of every participant, week by week; x: left after that session"
        f"\n{scenario_label(kernel)}",
        fontsize=_TITLE_PT,
    )
    ax.legend(fontsize=SMALLEST_PT, ncol=1, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _finish(fig, path)


#: A person's chart: the states a story speaks of, each its own colour and line style.
PERSON_STATES = (
    ("safety", "#1b9e77", "-"),
    ("connectedness", "#d95f02", "--"),
    ("hope", "#7570b3", "-."),
    ("self_image", "#e7298a", ":"),
)


def person_chart(
    kernel: Kernel,
    member: int,
    path=None,
    weeks: int | None = None,
    figsize=(9, 4.8),
    fontsize: float = SMALLEST_PT,
):
    """One participant's safety, connectedness, hope and self-image over the course (and
    ``weeks`` weeks in all, default the course), with where "feels safe" starts and when they
    left. Needs a kernel built with ``record_sessions=True``."""
    fig = Figure(figsize=figsize, constrained_layout=True)
    draw_person(fig.subplots(), kernel, member, weeks, fontsize)
    return _finish(fig, path)


def draw_person(
    ax,
    kernel: Kernel,
    member: int,
    weeks: int | None = None,
    fontsize: float = SMALLEST_PT,
    span: int | None = None,
) -> None:
    """``person_chart`` on the given axes (the handout draws it beside the circle); ``span``: the
    weeks the x axis shows (default: those drawn), so a chart stepped week by week does not jump."""
    if not kernel.history or "closest_tie" not in kernel.history[0]:
        raise ValueError("this kernel keeps no weekly record; build it with record_sessions=True")
    if not 0 <= member < kernel.group.n:
        raise ValueError(f"member = {member} is not in the group (0 to {kernel.group.n - 1})")
    p = kernel.params
    last = min(p.n_sessions if weeks is None else weeks, len(kernel.history) - 1)
    history = kernel.history[: last + 1]
    x = [r["week"] for r in history]
    for state, colour, style in PERSON_STATES:
        ax.plot(
            x,
            [float(r[state][0, member]) for r in history],
            style,
            color=colour,
            linewidth=2.5,
            label=state_words(state),
        )
    shown = max(last if span is None else span, 1)
    ax.axhline(p.safe_threshold, color="#1b9e77", linewidth=1, alpha=0.6)
    ax.text(
        shown,
        p.safe_threshold - 0.02,
        f"safe from {p.safe_threshold:g}",
        color="#1b6e57",
        fontsize=fontsize,
        va="top",
        ha="right",
    )
    left = int(kernel.state.dropout_session[0, member])
    if left and left <= last:
        ax.axvline(left, color="#555555", linewidth=1.5, linestyle="--")
        ax.text(left + 0.1, 0.03, f"left after session {left}", fontsize=fontsize, color="#333333")
    ax.set_xlim(0, shown)
    ax.set_ylim(0, 1)
    ax.set_xticks(range(0, shown + 1, 1 if shown <= 12 else 4))
    ax.set_xlabel("week (0: before the first session)", fontsize=fontsize)
    ax.set_ylabel("0 low, 1 high", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize)
    ax.legend(fontsize=fontsize, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(f"Participant {member}, week by week", fontsize=fontsize + 2)


def icamo_figure(
    table: pd.DataFrame,
    path=None,
    mechanisms: Sequence[str] | None = None,
    outcomes: Sequence[str] = ("hope", "self_image", "recovery"),
    context: str | None = None,
):
    """The ICAMO table as a heatmap: rows are actor strata (of the first context), columns the
    mechanisms' activation rates (%), then dropout and outcome changes written in the cells.
    Default: the built-in mechanisms (peersim.MECHANISMS) but dropout, which is an outcome here.
    ``context``: the scenario in words, for a table of one scenario (a sweep's names its own)."""
    mechanisms = [m for m in MECHANISMS if m != "dropout"] if mechanisms is None else mechanisms
    first = table["point"].iloc[0]
    block = table[table["point"] == first]
    labels = ["everyone" if r.actor == "all" else str(r.stratum) for r in block.itertuples()]
    rates = 100 * block[[f"{m}_rate" for m in mechanisms]].to_numpy(float)
    # posterior mode: the outcome cells carry both intervals, so they get room for three lines
    posterior = "dropout_rate_param_low" in table
    row_height, outcome_width = (1.05, 2.3 * (1 + len(outcomes))) if posterior else (0.6, 1 + len(outcomes))
    width = 19 + (7 if posterior else 0)
    fig = Figure(figsize=(width, row_height * len(block) + 4.2), constrained_layout=True)
    ax, ax2 = fig.subplots(1, 2, width_ratios=[len(mechanisms), outcome_width])
    im = ax.imshow(rates, cmap="Blues", vmin=0, vmax=100, aspect="auto")
    for (i, j), v in np.ndenumerate(rates):
        ax.text(
            j,
            i,
            f"{v:.0f}",
            ha="center",
            va="center",
            fontsize=SMALLEST_PT,
            color="white" if v > 60 else "black",
        )
    names = registry.labels()
    ax.set_xticks(
        range(len(mechanisms)),
        [names.get(m, m.replace("_", " ")) for m in mechanisms],
        rotation=35,
        ha="right",
        fontsize=SMALLEST_PT,
    )
    ax.set_yticks(range(len(labels)), labels, fontsize=SMALLEST_PT)
    ax.set_title("Mechanism fired at least once (% of participants)", fontsize=_TITLE_PT)
    bar = fig.colorbar(im, ax=ax, shrink=0.8)
    bar.set_label("% of participants", fontsize=SMALLEST_PT)
    bar.ax.tick_params(labelsize=SMALLEST_PT)
    cols = ["dropout_rate", *[f"{o}_change" for o in outcomes]]
    values = block[cols].to_numpy(float)
    ax2.imshow(np.zeros_like(values), cmap="Greys", vmin=0, vmax=1, aspect="auto")
    for (i, j), _ in np.ndenumerate(values):
        ax2.text(
            j, i, _cell(block.iloc[i], cols[j], posterior), ha="center", va="center", fontsize=SMALLEST_PT
        )
    ax2.set_xticks(
        range(len(cols)),
        ["left the group"] + [f"change in {state_words(o)}" for o in outcomes],
        rotation=35,
        ha="right",
        fontsize=SMALLEST_PT,
    )
    ax2.set_yticks([])
    ax2.set_title(
        "Outcomes (changes on 0 to 1 scales)"
        + ("\nmean, [95% Monte Carlo interval],\n{par 95% parameter interval}" if posterior else ""),
        fontsize=_TITLE_PT,
    )
    given = context
    columns = [c for c in table.columns if c not in ("point", "actor", "stratum", "participants", "groups")]
    columns = columns[: columns.index(f"{mechanisms[0]}_rate")]
    from peersim.report.words import value_words

    desc = (
        "; ".join(value_words(c, block[c].iloc[0]) for c in columns) or given or "the scenario as simulated"
    )
    n_contexts = table["point"].nunique()
    if n_contexts > 1:
        desc += f" (the first of {n_contexts} contexts; the table has them all)"
    under = (
        "\nEach group under one posterior draw: outcomes with their Monte Carlo interval and their parameter"
        " interval over the draws; the mechanism rates are means (their intervals are in the table's CSV)"
        if posterior
        else ""
    )
    fig.suptitle(
        f"ICAMO (intervention, context, actor, mechanism, outcome): for whom (rows) which mechanisms fired"
        f" and what followed\nContext: {desc}{under}",
        fontsize=_TITLE_PT,
    )
    return _finish(fig, path)


def _cell(row, column: str, posterior: bool) -> str:
    """An outcome cell of the ICAMO figure: the mean and, in posterior mode, its Monte Carlo
    interval [..] and parameter interval {par ..} (no width: said)."""
    share = column == "dropout_rate"

    def show(v: float) -> str:
        return f"{100 * v:.1f}%" if share else f"{v:+.3f}"

    if not posterior:
        return show(row[column])
    low, high = row[f"{column}_param_low"], row[f"{column}_param_high"]
    par = (
        f"{{par {show(low)} to {show(high)}}}"
        if np.isfinite(low) and high > low
        else "{par: within the runs' noise}"
    )
    return f"{show(row[column])}\n[{show(row[f'{column}_low'])}, {show(row[f'{column}_high'])}]\n{par}"


def _finish(fig, path):
    if path is None:
        return fig
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path
