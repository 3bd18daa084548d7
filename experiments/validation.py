"""Held-out validation study: posterior predictive checks of every target kept out of fitting
(meta-analyses of peer support on recovery and hope, the cohesion-outcome correlation, the seed's
sprouts), with the fitted targets for context.

    python experiments/validation.py [--small] [--out DIR]

Writes results/validation/: validation.csv (every target: observed value, one new trial's 95%
predictive interval and p, the model's expected value and its 95% interval, verdict) and
validation.png (the same, one panel per model statistic, failures and tensions in their own
colours and labelled); a full run also rewrites the generated table in docs/validation.md from
the CSV. ``--small`` is a quick check (few draws) written to results/validation/small, leaving
the doc alone. 1.5-2 minutes on 2 cores.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import peersim
from peersim.inference.validation import markdown_table, validate
from peersim.report.docs import write_blocks
from peersim.report.figures import save_figure
from peersim.sweep.study import own_spec_args, report_written

DOC = Path(__file__).resolve().parents[1] / "docs" / "validation.md"
COLOURS = {"consistent": "#2f6f8f", "tension": "#d08c1f", "FAILS": "#b5523b"}


def main(argv=None) -> list:
    args, spec, out = own_spec_args(
        __file__,
        argv,
        __doc__,
        small={"draws": 60, "repeats": 4},
        small_help="a quick check: 60 draws, 4 trials each",
    )
    table, _ = validate(peersim.posterior(), draws=spec["draws"], repeats=spec["repeats"], seed=spec["seed"])
    table.to_csv(out / "validation.csv", index=False, float_format="%.6g")
    # the doc's numbers come from the CSV as written (what a reader can open), never typed by hand
    written = pd.read_csv(out / "validation.csv")
    paths = [_figure(written, spec, out), out / "validation.csv"]
    if not args.small and args.out is None:
        write_blocks(DOC, "validation", lambda what: markdown_table(written))
        paths.append(DOC)
    return paths


def _figure(table: pd.DataFrame, spec: dict, out: Path) -> Path:
    """One panel per model statistic, one row per target compared with it: the thin grey line is
    one new trial's 95% predictive interval (black dot: its median), the thick line the model's
    expected value's 95% interval, coloured by verdict; the diamond is the observation with its
    95% interval (bounds: a bar and an arrow to the allowed side)."""
    statistics = list(dict.fromkeys(table.statistic))
    counts = [int((table.statistic == s).sum()) for s in statistics]
    fig, axes = plt.subplots(
        len(statistics),
        1,
        figsize=(11, 0.42 * sum(counts) + 0.9 * len(statistics) + 1.2),
        gridspec_kw={"height_ratios": [c + 1.2 for c in counts]},
        constrained_layout=True,
    )
    for ax, statistic in zip(np.atleast_1d(axes), statistics, strict=True):
        rows = table[table.statistic == statistic].reset_index(drop=True)
        ys = np.arange(len(rows))[::-1]
        for y, r in zip(ys, rows.itertuples(), strict=True):
            colour = COLOURS[r.verdict]
            ax.plot([r.predictive_low, r.predictive_high], [y, y], color="#aaaaaa", linewidth=1.5)
            ax.plot([r.expected_low, r.expected_high], [y, y], color=colour, linewidth=6, alpha=0.75)
            ax.plot([r.predictive_median], [y], "o", color="black", markersize=3.5)
            if r.kind == "near" and not np.isnan(r.observed_low):
                ax.errorbar(
                    [r.observed],
                    [y - 0.22],
                    xerr=[[r.observed - r.observed_low], [r.observed_high - r.observed]],
                    fmt="D",
                    color="black",
                    markersize=4,
                    capsize=2,
                    linewidth=1,
                )
            elif r.kind == "near":  # a count in a handful of people: the observed share alone
                ax.plot([r.observed], [y - 0.22], "D", color="black", markersize=4)
            else:  # a bound: a bar, and an arrow to the side the observation allows
                ax.plot([r.observed, r.observed], [y - 0.35, y + 0.35], color="black", linewidth=2)
                step = 0.08 * (r.predictive_high - r.predictive_low)
                ax.annotate(
                    "",
                    xy=(r.observed + (step if r.kind == "at_least" else -step), y - 0.3),
                    xytext=(r.observed, y - 0.3),
                    arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1},
                )
            label = r.verdict if r.verdict == "consistent" else r.verdict.upper()
            ax.annotate(
                label,
                xy=(1.0, y),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color=colour,
                fontweight="normal" if r.verdict == "consistent" else "bold",
            )
        labels = [
            f"{r.target}\n({'held out' if r.held_out else 'fitted'}; vs {r.checked_against})"
            for r in rows.itertuples()
        ]
        ax.set_yticks(ys, labels, fontsize=8)
        ax.set_ylim(-0.8, len(rows) - 0.4)
        ax.set_title(f"model statistic: {statistic}", fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", color="#eeeeee")
    fig.suptitle(
        f"Held-out validation against the shipped posterior ({spec['draws']} draws)\n"
        "grey: one new PEER-sized trial's 95% predictive interval (dot: its median); thick: the"
        f" model's expected value's 95% interval ({spec['repeats']} trials per draw)\ncolour: verdict"
        " (blue consistent, orange tension, red FAILS); diamond: the observation (bar: its 95%"
        " interval); vertical bar: a bound, arrow to the side it allows",
        fontsize=9,
    )
    return save_figure(fig, out / "validation.png")


if __name__ == "__main__":
    sys.exit(report_written(main()))
