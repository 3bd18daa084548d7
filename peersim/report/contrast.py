"""Two scenarios on the same people: ``peersim compare A B``, callable from Python.

Run k of scenario A and run k of scenario B are the same people with the same draws (counter-based
streams keyed by (seed, run, ...)); in posterior mode they also share run k's posterior draw. The
difference B - A of each run's outcome is then the scenarios' difference, paired: its Monte Carlo
interval is over the runs' differences, and its parameter interval is the quantiles over draws of
the draws' mean differences (:func:`peersim.stats.uncertainty.split`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peersim.core.params import Params
from peersim.report.summary import BASELINE_RULE, difference_range, par_text
from peersim.run.engine import simulate
from peersim.stats.uncertainty import exploratory, split

#: what is compared, per run (group): its column in the participants table, and a label
OUTCOMES = {
    "dropped_out": "dropout (share who left)",
    "qpr_end": "QPR-15 at the end (0-60)",
    "recovery_end": "recovery at the end (0-1)",
    "hope_end": "hope at the end (0-1)",
    "self_image_end": "self-image at the end (0-1)",
    "loneliness_end": "loneliness at the end (0-1)",
    "bridging_followup": "bridging at follow-up (0-1)",
}


def compare(a: Params, b: Params, runs: int = 2000, seed: int = 0, uncertainty: str = "none") -> pd.DataFrame:
    """One row per outcome: A's and B's mean over runs, the paired difference B - A with its 95%
    Monte Carlo interval (``ci_low``/``ci_high``, runs as the unit) and, in posterior mode, its
    parameter interval (``param_low``/``param_high``, with ``param_low_se``/``param_high_se``)."""
    sims = [simulate(p, runs=runs, seed=seed, uncertainty=uncertainty).participants for p in (a, b)]
    per_run = [s.groupby("run")[list(OUTCOMES)].mean() for s in sims]
    draws = sims[0].groupby("run")["draw"].first() if "draw" in sims[0] else None
    rows = []
    for column, label in OUTCOMES.items():
        diff = per_run[1][column] - per_run[0][column]
        groups = np.zeros(len(diff)) if draws is None else draws.loc[diff.index]
        parts = split(diff.to_numpy(), groups, bounds=difference_range(column))
        row = {
            "outcome": column,
            "label": label,
            "a": float(per_run[0][column].mean()),
            "b": float(per_run[1][column].mean()),
            "difference": parts["mean"],
            "ci_low": parts["mc_low"],
            "ci_high": parts["mc_high"],
        }
        if draws is not None:
            row.update({k: parts[k] for k in ("param_low", "param_high", "param_low_se", "param_high_se")})
        rows.append(row)
    return pd.DataFrame(rows)


def changes(a: Params, b: Params) -> list[str]:
    """``name: A -> B`` for every parameter in which the scenarios differ."""
    out = []
    for name, value in b.to_dict().items():
        if name != "session_plan" and a.to_dict()[name] != value:
            out.append(f"{name}: {a.to_dict()[name]} -> {value}")
    return out


def format_comparison(table: pd.DataFrame, a: Params, b: Params, runs: int, seed: int) -> str:
    differ = changes(a, b)
    lines = [
        f"B minus A on the same people: {runs:,} groups, seed {seed} (run k of each is the same group,"
        " with the same draws)",
        "  B differs from A in: " + ("; ".join(differ) if differ else "nothing (the same scenario)"),
    ]
    weak = exploratory([d.split(":", 1)[0] for d in differ])
    if weak:
        lines.append(
            "  EXPLORATORY: the difference acts through parameters graded 'assumption' ("
            + ", ".join(weak)
            + "); read it as a what-if, not a finding"
        )
    posterior = "param_low" in table
    lines += [
        "",
        f"  {'':30s} {'A':>9s} {'B':>9s}   B - A [95% Monte Carlo interval]"
        + ("   {parameter interval}" if posterior else ""),
    ]
    for r in table.itertuples():
        digits = 1 if r.outcome == "qpr_end" else 3
        fmt = f"{{:+.{digits}f}}"
        line = (
            f"  {r.label:30s} {r.a:9.{digits}f} {r.b:9.{digits}f}   {fmt.format(r.difference)}"
            f" [{fmt.format(r.ci_low)}, {fmt.format(r.ci_high)}]"
        )
        if posterior:
            line += "   " + par_text(r._asdict(), fmt)
        lines.append(line)
    lines += [
        "",
        BASELINE_RULE + ("; these are posterior numbers" if posterior else "; these are at the defaults"),
    ]
    return "\n".join(lines)
