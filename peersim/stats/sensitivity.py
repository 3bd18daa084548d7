"""Global sensitivity analysis: Sobol indices (Saltelli sampling) and Morris screening, via SALib.

The design is drawn here (``sample``), run through the experiments runner like any sweep (so
locally, on a Dask cluster, resumable), and analysed here (``analyse``) from one output value per
design point. The same two functions run the analytic Ishigami test (tests/test_sensitivity.py),
so the indices for the model are computed by code checked against known values.

References: Saltelli et al. (2010), Comput Phys Commun 181:259, doi:10.1016/j.cpc.2009.09.018;
Morris (1991), Technometrics 33:161, doi:10.1080/00401706.1991.10484804; Campolongo et al. (2007)
for mu*; Herman & Usher (2017), SALib, JOSS 2(9):97, doi:10.21105/joss.00097.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from peersim.stats.outputs import outputs_by_point

KINDS = ("saltelli", "morris")
#: what a weight of a parameter group weighs in on, in a figure's words
_WEIGHS = {"dropout": "leaving,", "sharing": "sharing,"}
OUTPUTS = {
    "dropout": "dropout (share of participants)",
    "recovery_gain": "recovery gain, everyone (0-1)",
    "hope_gain": "hope gain, everyone (0-1)",
    "trial_d": "trial effect on the recovery questionnaire\n(QPR-15, Cohen's d)",
}


def levels(bounds) -> bool:
    """Whether a range lists the values of a boolean or a word (sampled on the unit interval and
    cut into equal strata, one per value) rather than [low, high]."""
    return any(isinstance(b, bool | np.bool_ | str) for b in bounds)


def problem(ranges: Mapping[str, list]) -> dict:
    """SALib's problem: a number on its [low, high], a boolean or a word on the unit interval."""
    names = list(ranges)
    bounds = [[0.0, 1.0] if levels(ranges[k]) else list(map(float, ranges[k])) for k in names]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def codes(design: pd.DataFrame, ranges: Mapping[str, list]) -> np.ndarray:
    """The design matrix as SALib's estimators read it: a number as it is, a boolean or a word as
    the place of its value in the range's list (0, 1, ...), which orders its values as the strata
    of the unit interval do, so that a Morris step's direction is the sampled one."""
    columns = []
    for name, bounds in ranges.items():
        if levels(bounds):
            place = {value: i for i, value in enumerate(bounds)}
            columns.append(design[name].map(lambda v, p=place: p[v.item() if hasattr(v, "item") else v]))
        else:
            columns.append(design[name])
    return np.column_stack([np.asarray(c, dtype=float) for c in columns])


def sample(kind: str, ranges: Mapping[str, list], n: int, seed: int, levels: int = 4) -> np.ndarray:
    """Design matrix (points x parameters): Saltelli's scheme for Sobol indices (first and total
    order; n base samples, n * (d + 2) points) or Morris trajectories (n trajectories,
    n * (d + 1) points). Seeded, no global random state. A boolean or a word is sampled on the
    unit interval (``problem``); the spec cuts it into its values."""
    prob = problem(ranges)
    if kind == "saltelli":
        return sobol_sample.sample(prob, n, calc_second_order=False, seed=seed)
    if kind == "morris":
        return morris_sample.sample(prob, n, num_levels=levels, seed=seed)
    raise ValueError(f"sensitivity design kind = {kind!r}; choose one of {', '.join(KINDS)}")


def analyse(
    kind: str,
    ranges: Mapping[str, list],
    design: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    seed: int = 0,
    levels: int = 4,
    resamples: int = 1000,
) -> pd.DataFrame:
    """One row per (output, parameter): Sobol S1 and ST with bootstrap 95% intervals, or Morris
    mu*, its interval, mu and sigma."""
    prob = problem(ranges)
    keys = (
        ("S1", "S1_conf", "ST", "ST_conf")
        if kind == "saltelli"
        else ("mu_star", "mu_star_conf", "mu", "sigma")
    )
    rows = []
    for output, y in outputs.items():
        y = np.asarray(y, dtype=float)
        if kind == "saltelli":
            res = sobol_analyze.analyze(prob, y, calc_second_order=False, num_resamples=resamples, seed=seed)
        else:
            res = morris_analyze.analyze(
                prob, design, y, num_resamples=resamples, num_levels=levels, seed=seed
            )
        for i, name in enumerate(prob["names"]):
            rows.append({"output": output, "parameter": name, **{k: res[k][i] for k in keys}})
    return pd.DataFrame(rows)


def run_sensitivity(results, seed: int = 0, resamples: int = 1000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indices of a finished saltelli or morris sweep: (indices table, outputs per point)."""
    design = results.spec["design"]
    kind = design["kind"]
    if kind not in KINDS:
        raise ValueError(f"a sensitivity analysis needs a saltelli or morris design, not {kind!r}")
    outputs = outputs_by_point(results)
    points = results.design.sort_values("point")
    if len(outputs) != len(points):
        raise ValueError(
            f"the sweep is not finished: {len(outputs)} of {len(points)} design points have results"
        )
    matrix = codes(points, design["ranges"])
    columns = {k: outputs[k].to_numpy() for k in OUTPUTS if k in outputs}
    table = analyse(
        kind,
        design["ranges"],
        matrix,
        columns,
        seed=seed,
        levels=design.get("levels", 4),
        resamples=resamples,
    )
    return table, outputs


def sensitivity_figure(table: pd.DataFrame, kind: str, path) -> object:
    """Bars of the indices per output (Sobol: S1 and ST; Morris: mu*), with 95% intervals, saved
    at ``path``."""
    sensitivity_drawing(table, kind).savefig(path, dpi=110)
    return path


def sensitivity_drawing(table: pd.DataFrame, kind: str):
    """The figure of ``sensitivity_figure``, unsaved (a matplotlib Figure)."""
    import textwrap

    from matplotlib.figure import Figure  # not pyplot: the caller's backend stays as it is

    from peersim.core.params import Params
    from peersim.stats.uncertainty import in_words

    outputs = list(dict.fromkeys(table["output"]))
    size = (5.6 * len(outputs), 0.5 * table.parameter.nunique() + 2.6)
    fig = Figure(figsize=size, constrained_layout=True)

    def label(name: str) -> str:
        """The parameter's meaning as a reader can follow it, no name: a weight ("per unit of
        safety") says what it weighs in; facilitator skill says it is the skill."""
        words = in_words([name], with_names=False)  # a weight's group says what it weighs in
        if words.startswith("per "):  # a group peersim.stats.uncertainty.GROUP_SUBJECT lacks
            group = Params.__dataclass_fields__[name].metadata.get("group", "")
            words = f"{_WEIGHS.get(group, group.replace('_', ' '))} {words}"
        elif name == "facilitator_skill":
            words = f"facilitator skill ({words})"
        return "\n".join(textwrap.wrap(words, 30, break_on_hyphens=False))

    axes = fig.subplots(1, len(outputs), squeeze=False)
    for ax, output in zip(axes[0], outputs, strict=True):
        sub = table[table.output == output]
        ys = np.arange(len(sub))
        if kind == "saltelli":
            order = sub.sort_values("ST").reset_index(drop=True)
            ax.barh(
                ys - 0.2,
                order.ST,
                0.4,
                xerr=order.ST_conf,
                label="alone and with others (total index, ST)",
                color="#2f6f8f",
                capsize=2,
            )
            ax.barh(
                ys + 0.2,
                order.S1,
                0.4,
                xerr=order.S1_conf,
                label="alone (first-order index, S1)",
                color="#9cc3d5",
                capsize=2,
            )
            ax.set_xlabel("Sobol index (share of output variance)")
        else:
            order = sub.sort_values("mu_star").reset_index(drop=True)
            ax.barh(ys, order.mu_star, xerr=order.mu_star_conf, color="#2f6f8f", capsize=2)
            ax.set_xlabel("Morris mu* (mean absolute elementary effect)")
        ax.set_yticks(ys, [label(n) for n in order.parameter], fontsize=10)
        ax.set_title(OUTPUTS.get(output, output), fontsize=10)
    if kind == "saltelli":  # below the panels, clear of every bar
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, fontsize=11, frameon=False, loc="outside lower center", ncols=2)
    fig.suptitle(
        f"Global sensitivity ({'Sobol, Saltelli sampling' if kind == 'saltelli' else 'Morris screening'});"
        " bars: 95% bootstrap intervals"
    )
    return fig
