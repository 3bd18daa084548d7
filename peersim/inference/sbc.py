"""Simulation-based calibration of the inference: does it say what it knows?

Talts, Betancourt, Simpson, Vehtari & Gelman (2018, arXiv:1804.06788), as RBesT and OncoBayes2
ship theirs: draw parameters from the prior, simulate the study, run the same inference on what
was simulated, and see where the truth falls in its posterior. If the inference is right, the
truth's rank among posterior draws is uniform, and a 90% interval covers the truth in 90% of the
datasets.

Here the prior draws and their simulations are the reference table's own rows
(:mod:`peersim.inference.abc`): dataset j is row j's statistics, observed as the real data were
(the table holds them as observed, the observation error of a count in a few interviewees or of
a datum from elsewhere included: peersim.studies.observe.observed_statistics; each fitted
target's value replaced by row j's statistic; a bound observed as the side row j's statistic fell
on, so "significant" becomes "not significant" where row j's d fell short), and
the inference is the calibration's (rejection and, if asked, the regression adjustment) on every
other row. This is the leave-one-out check of the abc R package's ``cv4abc`` (Csilléry, François
& Blum 2012, Methods Ecol Evol 3:475), done for ranks and coverage.

``inference`` is pluggable so that a test can show the check failing on a deliberately broken
inference (tests/test_sbc.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from peersim.data.targets import fitted
from peersim.inference.abc import ReferenceTable, adjust, reject, weighted_quantiles

#: central intervals whose coverage is reported
LEVELS = (0.5, 0.9)


def pseudo_targets(targets: Mapping[str, Mapping], row: pd.Series) -> dict[str, dict]:
    """The fitted ``targets`` as if row ``row``'s statistics had been observed (module docstring);
    a target whose statistic the row cannot produce (NaN: no leavers, say) is left out."""
    out = {}
    for name, t in fitted(targets).items():
        s = float(row[t["statistic"]])
        if not np.isfinite(s):
            continue
        v = t["value"]
        if t["kind"] == "near":
            out[name] = {**t, "value": s}
        elif t["kind"] in ("at_least", "at_most"):
            beyond = s >= v if t["kind"] == "at_least" else s <= v
            flipped = "at_most" if t["kind"] == "at_least" else "at_least"
            out[name] = {**t, "kind": t["kind"] if beyond else flipped}
        else:  # within: |s| <= v, else the side it fell on
            if abs(s) <= v:
                out[name] = dict(t)
            else:
                out[name] = {**t, "kind": "at_least" if s > v else "at_most", "value": v if s > v else -v}
    return out


def rejection(
    table: ReferenceTable, targets: Mapping[str, Mapping], exclude: int, accept: int, adjusted: bool
) -> pd.DataFrame:
    """The calibration's inference of ``targets`` on every row of ``table`` but ``exclude``: the
    ``accept`` closest rows' parameters (regression-adjusted if ``adjusted``) with ``weight``
    (:func:`peersim.inference.abc.reject`, the calibration's own)."""
    accepted = reject(table, accept, targets, exclude=exclude)
    if not adjusted:
        return accepted
    return adjust(table, accepted, targets)  # on the deviations from these (pseudo) targets


@dataclass
class Check:
    """The result of :func:`check`: ``ranks`` (one row per dataset, one column per parameter: the
    truth's weighted rank among the posterior draws, 0 to 1), ``coverage`` (per parameter: the
    share of datasets whose central 50% and 90% intervals hold the truth, and the mean narrowing
    of the posterior sd relative to the prior's), ``datasets`` (the table rows used as truths)."""

    ranks: pd.DataFrame
    coverage: pd.DataFrame
    datasets: np.ndarray

    def figure(self, parameters: list[str] | None = None, bins: int = 10):
        """Rank histograms (uniform if the inference is calibrated), with the 95% band of a uniform
        histogram's bin counts."""
        from matplotlib.figure import Figure
        from scipy import stats

        names = parameters or list(self.ranks.columns)
        cols = min(4, len(names))
        rows = -(-len(names) // cols)
        fig = Figure(figsize=(3.2 * cols, 2.4 * rows + 0.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        n = len(self.ranks)
        low, high = stats.binom.ppf([0.025, 0.975], n, 1 / bins)
        for ax, name in zip(axes, names, strict=False):
            ax.hist(self.ranks[name], bins=bins, range=(0, 1), color="#2f6f8f", alpha=0.85)
            ax.axhspan(low, high, color="grey", alpha=0.25, lw=0)
            ax.axhline(n / bins, color="black", lw=0.8)
            ax.set_title(name, fontsize=12)
            ax.set_xlabel("rank of the truth", fontsize=12)
            ax.tick_params(labelsize=12)
        for ax in axes[len(names) :]:
            ax.set_visible(False)
        fig.suptitle(
            f"Simulation-based calibration: ranks of {n} true values among their posteriors"
            " (grey: 95% band of a uniform histogram)",
            fontsize=12,
        )
        return fig


def check(
    table: ReferenceTable,
    datasets: int = 200,
    accept: int = 200,
    seed: int = 0,
    adjusted: bool = False,
    inference: Callable[..., pd.DataFrame] | None = None,
    parameters: list[str] | None = None,
) -> Check:
    """Simulation-based calibration (module docstring) on ``datasets`` rows of ``table`` (chosen
    at random, seeded), each inferred from the others with ``accept`` accepted draws by
    ``inference`` (default :func:`rejection`, adjusted or not)."""
    problem = table.problem
    names = parameters or problem.names
    if not 1 <= datasets <= len(table) or not 2 <= accept < len(table) - 1:
        raise ValueError(f"datasets = {datasets}, accept = {accept}: too many for {len(table)} rows")
    inference = inference or rejection
    rows = np.sort(np.random.default_rng(seed).choice(len(table), size=datasets, replace=False))
    ranks, inside = [], {level: [] for level in LEVELS}
    narrowing = []
    for j in rows:
        targets = pseudo_targets(problem.targets, table.statistics.iloc[j])
        post = inference(table, targets, int(j), accept, adjusted)
        w = post["weight"].to_numpy(float)
        truth = table.parameters.iloc[j]
        r, cover, narrow = {}, {level: {} for level in LEVELS}, {}
        for name in names:
            x = post[name].to_numpy(float)
            t = float(truth[name])
            r[name] = float(w[x < t].sum() + 0.5 * w[x == t].sum())  # ties split: discrete parameters
            for level in LEVELS:
                lo, hi = weighted_quantiles(x, w, [(1 - level) / 2, (1 + level) / 2])
                cover[level][name] = bool(lo <= t <= hi)
            prior_sd = np.std(table.parameters[name].to_numpy(float))
            mean = np.sum(w * x)
            narrow[name] = 1.0 - np.sqrt(np.sum(w * (x - mean) ** 2)) / prior_sd if prior_sd > 0 else 0.0
        ranks.append(r)
        narrowing.append(narrow)
        for level in LEVELS:
            inside[level].append(cover[level])
    ranks_frame = pd.DataFrame(ranks, index=rows)
    coverage = pd.DataFrame(
        {
            "parameter": names,
            **{
                f"cover_{round(level * 100)}": pd.DataFrame(inside[level]).mean().to_numpy()
                for level in LEVELS
            },
            "narrowing": pd.DataFrame(narrowing).mean().to_numpy(),
            "datasets": datasets,
        }
    )
    return Check(ranks_frame, coverage.sort_values("narrowing", ascending=False, ignore_index=True), rows)


# --- the outputs users quote ---------------------------------------------------------------------
#: scenario -> parameter changes: the contexts whose effect on dropout users quote (docs/ODD.md)
CONTEXTS = {
    "paid facilitators": {"facilitator_role": "paid"},
    "inside mental health services": {"setting": "mental_health_service"},
    "COVID-19 restrictions": {"covid_restrictions": True},
    "groups of 12": {"group_size": 12},
}


def quoted_outputs(
    frame: pd.DataFrame, base, groups: int = 30, seed: int = 0, chunk: int = 500
) -> pd.DataFrame:
    """For each parameter set (row of ``frame``): the model's expected values of the outputs users
    quote, each over the same ``groups`` groups of people (common random numbers): ``dropout``,
    ``qpr_d`` (the QPR-15 effect against service as usual on the same people, Cohen's d, latent:
    no missing data or analysis), and ``dropout_change: <context>`` for each of :data:`CONTEXTS`
    (dropout under it minus dropout in the base scenario). ``chunk`` sets at a time (memory)."""
    frame = frame.reset_index(drop=True)
    parts = [_quoted(frame.iloc[i : i + chunk], base, groups, seed) for i in range(0, len(frame), chunk)]
    return pd.concat(parts, ignore_index=True)


def _quoted(frame: pd.DataFrame, base, groups: int, seed: int) -> pd.DataFrame:
    from peersim.core.sets import ParamSets
    from peersim.run.engine import simulate_courses

    frame = frame.reset_index(drop=True)
    positions = np.repeat(np.arange(len(frame)), groups)
    runs = np.tile(np.arange(groups), len(frame))

    def run(params):
        out = simulate_courses(ParamSets(frame, params), positions, runs, seed)["participants"]
        return out.groupby("set")

    peer = run(base)
    out = pd.DataFrame({"dropout": peer.dropped_out.mean().to_numpy(float)})
    control = run(base.replace(control_arm=True))
    pooled = np.sqrt((peer.qpr_end.var().to_numpy() + control.qpr_end.var().to_numpy()) / 2.0)
    out["qpr_d"] = (peer.qpr_end.mean().to_numpy() - control.qpr_end.mean().to_numpy()) / pooled
    for name, change in CONTEXTS.items():
        changed = run(base.replace(**change)).dropped_out.mean().to_numpy()
        out[f"dropout_change: {name}"] = changed - out.dropout.to_numpy()
    return out


def check_outputs(
    table: ReferenceTable,
    outputs: Callable[[pd.DataFrame], pd.DataFrame],
    datasets: int = 100,
    accept: int = 200,
    draws: int = 100,
    seed: int = 0,
    adjusted: bool = False,
) -> pd.DataFrame:
    """Simulation-based calibration of quantities computed from the parameters (``outputs``: a
    frame of parameter sets -> one column per quantity), as :func:`check` does for parameters: for
    each of ``datasets`` rows as the truth, ``draws`` draws (by weight) of the posterior from the
    other rows; the truth's quantity against the draws' 50% and 90% intervals. Of the posterior as
    simulated by default: each table row's quantities are computed once, however many posteriors
    draw it. With ``adjusted``, of the regression-adjusted posterior, each adjusted vector's
    quantities computed (simulated) afresh: whether that posterior, simulated, would say what it
    knows. Returns per quantity the coverage and the datasets."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(table), size=datasets, replace=False))
    picked, frames = {}, []
    for j in rows:
        targets = pseudo_targets(table.problem.targets, table.statistics.iloc[j])
        post = rejection(table, targets, int(j), accept, adjusted=adjusted)
        choice = rng.choice(len(post), size=draws, p=post["weight"].to_numpy())
        if adjusted:
            frames.append(post.drop(columns=["weight"]).iloc[choice])
        else:
            picked[j] = post["row"].to_numpy()[choice]
    if adjusted:
        truths = outputs(table.parameters.iloc[rows].reset_index(drop=True))
        drawn = outputs(pd.concat(frames, ignore_index=True))
        spread = {j: drawn.iloc[i * draws : (i + 1) * draws] for i, j in enumerate(rows)}
        truth = {j: truths.iloc[i] for i, j in enumerate(rows)}
        names = list(truths.columns)
    else:
        needed = np.unique(np.concatenate([rows, *picked.values()]))
        values = outputs(table.parameters.iloc[needed].reset_index(drop=True))
        values.index = needed
        spread = {j: values.loc[picked[j]] for j in rows}
        truth = {j: values.loc[j] for j in rows}
        names = list(values.columns)
    result = []
    for name in names:
        inside = {level: [] for level in LEVELS}
        for j in rows:
            x = spread[j][name].to_numpy(float)
            t = float(truth[j][name])
            for level in LEVELS:
                lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2])
                inside[level].append(lo <= t <= hi)
        result.append(
            {
                "output": name,
                **{f"cover_{round(q * 100)}": float(np.mean(inside[q])) for q in LEVELS},
                "datasets": datasets,
                "draws": draws,
            }
        )
    return pd.DataFrame(result)
