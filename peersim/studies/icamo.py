"""ICAMO configuration tables: which mechanism fired, for whom, in which context, with what outcome.

Rows are contexts (the parameters that vary: the design points of a sweep, or the one scenario
simulated) crossed with actor strata (one stratifying attribute at a time, as realist evaluation
reads configurations: e.g. employed or not, age band, adversity high or low). Columns give each
mechanism's activation rate (share of participants for whom it fired at least once), dropout, and
mean outcome changes (end of course minus baseline), each with a 95% interval over groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from peersim.core.mechanisms import registry
from peersim.core.params import MECHANISMS
from peersim.stats.effects import cluster_mean
from peersim.stats.uncertainty import clip, split

OUTCOMES = ("connectedness", "hope", "self_image", "self_efficacy", "recovery")

#: Actor strata: name -> (column, function from the participants table to a label per row).
STRATA = {
    "employed": lambda p: np.where(p["employed"], "employed", "not employed"),
    "age": lambda p: (
        pd.cut(p["age"], [0, 30, 50, 200], right=False, labels=["age 18-29", "age 30-49", "age 50+"])
        .astype(str)
        .to_numpy()
    ),
    "adversity": lambda p: np.where(p["adversity"] >= 0.5, "high adversity", "low adversity"),
    "sharing_vulnerability": lambda p: np.where(
        p["sharing_vulnerability"] >= 0.5, "vulnerable to sharing", "not vulnerable to sharing"
    ),
    "lives_alone": lambda p: np.where(p["lives_alone"], "lives alone", "does not live alone"),
    "system_distrust": lambda p: np.where(
        p["system_distrust"] >= 0.5, "distrusts services", "trusts services"
    ),
    "difference_from_group": lambda p: np.where(
        p["difference_from_group"] >= p["difference_from_group"].quantile(0.8),
        "most different (top 20%)",
        "others",
    ),
}
DEFAULT_STRATA = ("employed", "age", "adversity", "sharing_vulnerability")
OUT_SHORT = {
    "connectedness": "conn",
    "self_image": "s-image",
    "self_efficacy": "s-effic",
    "recovery": "recov",
}


def _participants_and_context(results) -> tuple[pd.DataFrame, list[str]]:
    """The participants table and the names of its context columns (varied parameters)."""
    part = results.participants
    varied = list(getattr(results, "varied", []))
    if "point" not in part.columns:
        part = part.assign(point=0)
    return part, varied


def icamo_table(
    results, strata: Sequence[str] = DEFAULT_STRATA, outcomes: Sequence[str] = OUTCOMES
) -> pd.DataFrame:
    """The ICAMO table of a ``simulate`` result or a sweep (``load_results``)."""
    for name in strata:
        if name not in STRATA:
            from difflib import get_close_matches

            near = get_close_matches(name, STRATA, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"unknown actor stratum {name!r}{hint} (strata: {', '.join(STRATA)})")
    part, varied = _participants_and_context(results)
    cluster = part["point"].astype(str) + ":" + part["run"].astype(str)
    rows = []
    for actor in ("all", *strata):
        labels = np.full(len(part), "everyone", dtype=object) if actor == "all" else STRATA[actor](part)
        keys = ["point", *varied]
        frame = part.assign(_stratum=labels, _cluster=cluster)
        for key, sub in frame.groupby([*keys, "_stratum"], sort=True, observed=True):
            key = key if isinstance(key, tuple) else (key,)
            row = dict(zip([*keys, "stratum"], key, strict=True))
            row["actor"] = actor
            row["participants"] = len(sub)
            row["groups"] = sub["_cluster"].nunique()
            for mech in MECHANISMS:
                fired = (sub[f"mech_{mech}_sessions"] > 0).astype(float)
                _add(row, f"{mech}_rate", fired, sub)
            _add(row, "dropout_rate", sub["dropped_out"].astype(float), sub)
            for outcome in outcomes:
                change = sub[f"{outcome}_end"].astype(float) - sub[f"{outcome}_baseline"].astype(float)
                _add(row, f"{outcome}_change", change, sub)
            rows.append(row)
    table = pd.DataFrame(rows)
    front = ["point", *varied, "actor", "stratum", "participants", "groups"]
    return table[front + [c for c in table.columns if c not in front]]


def column_range(name: str) -> tuple[float, float]:
    """Where a column of the table can lie: a rate or share 0 to 1, a change of a 0-1 state -1 to
    1."""
    return (-1.0, 1.0) if name.endswith("_change") else (0.0, 1.0)


def _add(row: dict, name: str, values: pd.Series, sub: pd.DataFrame) -> None:
    """Mean with its 95% interval over groups (Monte Carlo error); with posterior draws also the
    interval from parameter uncertainty (``<name>_param_low/high``, groups being the runs) and
    the Monte Carlo error of its ends (``<name>_param_low_se/high_se``). Both inside the column's
    range (``column_range``)."""
    mean, low, high, _ = cluster_mean(values, sub["_cluster"])
    low, high = clip(low, high, column_range(name))
    row[name], row[f"{name}_low"], row[f"{name}_high"] = mean, low, high
    if "draw" in sub:
        by_group = values.groupby(sub["_cluster"].to_numpy()).mean()
        draws = sub["draw"].groupby(sub["_cluster"].to_numpy()).first()
        parts = split(by_group, draws.loc[by_group.index], bounds=column_range(name))
        for key in ("param_low", "param_high", "param_low_se", "param_high_se"):
            row[f"{name}_{key}"] = parts[key]


def context_columns(table: pd.DataFrame) -> list[str]:
    """The table's context columns: ``point`` and the parameters that vary."""
    columns = [c for c in table.columns if c not in ("actor", "stratum", "participants", "groups")]
    return columns[: columns.index(f"{MECHANISMS[0]}_rate")]


def context_text(table: pd.DataFrame, row) -> str:
    """The context of a row of ``table`` as ``name=value, ...`` (the varied parameters), or "as
    simulated"."""
    return ", ".join(f"{c}={row[c]}" for c in context_columns(table) if c != "point") or "as simulated"


def format_icamo(
    table: pd.DataFrame, mechanisms: Sequence[str] = MECHANISMS, outcomes: Sequence[str] = OUTCOMES
) -> str:
    """A readable plain-text rendering: one block per context, rows by actor stratum."""
    short = {spec.name: spec.short for spec in registry.mechanisms()}  # column heads
    context_cols = context_columns(table)
    lines = []
    for _, block in table.groupby(context_cols, sort=False):
        lines.append(f"Context: {context_text(table, block.iloc[0])}")
        lines.append(f"  {'':36s} {'mechanism fired (% of participants)':^{8 * len(mechanisms)}s}")
        header = f"  {'actor stratum':28s} {'n':>7s} " + "".join(
            f"{short.get(m, m[:7]):>8s}" for m in mechanisms
        )
        header += f" {'left':>6s} " + " ".join(f"{'chg ' + OUT_SHORT.get(o, o[:6]):>10s}" for o in outcomes)
        lines.append(header)
        for r in block.itertuples(index=False):
            r = r._asdict()
            cells = "".join(f"{100 * r[f'{m}_rate']:7.0f}%" for m in mechanisms)
            outs = " ".join(f"{r[f'{o}_change']:+10.3f}" for o in outcomes)
            drop = f"{100 * r['dropout_rate']:5.1f}%"
            lines.append(f"  {r['stratum'][:28]:28s} {r['participants']:7,d} {cells} {drop} {outs}")
        lines.append("")
    labels = {spec.name: spec.label for spec in registry.mechanisms()}  # the mechanisms in words
    lines.append(
        "Mechanism columns: "
        + "; ".join(
            f"{short.get(m, m)} = {labels.get(m, m)}"
            for m in mechanisms
            if short.get(m, m) != labels.get(m, m)
        )
        + "."
    )
    lines.append(
        "left: share who dropped out. chg <outcome>: mean change, end of course minus baseline (0-1 scale;"
    )
    lines.append("not an effect size). 95% intervals (over groups) are in the CSV / DataFrame.")
    return "\n".join(lines)
