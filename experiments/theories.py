"""Rival programme theories: which one the observations favour, how often that verdict would be
wrong, and what would tell them apart.

    python experiments/theories.py [--small] [--out DIR] [--doc docs/theories.md]

Model choice by ABC random forests (peersim/inference/selection.py; Pudlo et al. 2016). Writes
results/theories/: probabilities.csv (each theory's votes at the observations, the chosen theory
and its posterior probability, each theory's prior error rate), confusion.csv (out-of-bag:
rows the theory that made the data, columns the one chosen), probabilities_purposive.csv (the
same with the two interviewed leavers, a purposive sample, read as if a random one),
probabilities_wide.csv (the seed theory's dropout intercept prior as wide as the rivals' own
level), fit.csv (for each theory and fitted target: the median and 95% range of the statistic over
the theory's own closest draws, and the share of them within two standard errors of the target),
robustness.csv (the choice with each fitted target left out in turn, on the same tables),
probabilities.png, and the patterns that would tell the theories apart, simulated from each
theory's own closest draws (``peersim.studies.patterns``): patterns.csv, pattern_pairs.csv,
pattern_best.csv and patterns.png. Resumable: reference tables are kept in results/theories/raw/.
``--doc docs/theories.md`` renews that page's tables from these files (a test checks that they
agree).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from peersim.data.register import Prior
from peersim.inference.calibration import deviations, fitted, load_targets
from peersim.inference.selection import Selection, forest_choice, select_theories, usable_targets
from peersim.report.docs import render_blocks
from peersim.report.figures import save_figure
from peersim.studies.patterns import discriminating_patterns
from peersim.sweep.study import own_spec_args, report_written


def main(argv=None) -> list:
    args, spec, out = own_spec_args(
        __file__,
        argv,
        __doc__,
        small={
            "simulations": 400,
            "accept": 20,
            "trees": 50,
            "robustness_trees": 20,
            "pattern_draws": 6,
            "pattern_groups": 4,
        },
        small_help="a quick check: few simulations",
        options={
            "--doc": {"type": Path, "help": "also renew the generated tables of this page (docs/theories.md)"}
        },
    )
    (out / "raw").mkdir(parents=True, exist_ok=True)
    targets = load_targets()
    selection = select(spec, targets, out)
    _probabilities(selection).to_csv(out / "probabilities.csv", index=False, float_format="%.4g")
    selection.confusion.to_csv(out / "confusion.csv", float_format="%.4g")
    fit = fit_table(selection, targets)
    fit.to_csv(out / "fit.csv", index=False, float_format="%.4g")
    patterns = discriminating_patterns(
        pattern_draws(selection, spec["pattern_draws"]), groups=spec["pattern_groups"], seed=spec["seed"]
    )
    patterns.theories.to_csv(out / "patterns.csv", index=False, float_format="%.4g")
    patterns.pairs.to_csv(out / "pattern_pairs.csv", index=False, float_format="%.4g")
    patterns.best(3).to_csv(out / "pattern_best.csv", index=False, float_format="%.4g")
    save_figure(patterns.figure(), out / "patterns.png")
    # the purposive datum read as a random sample: what the earlier verdict rested on
    use = usable_targets(targets, purposive=True)
    every = forest_choice(selection.tables, use, spec["trees"], spec["seed"], jobs=2)
    _probabilities(Selection(*every, {}, [], [], {})).to_csv(
        out / "probabilities_purposive.csv", index=False, float_format="%.4g"
    )
    # does the seed theory's narrower dropout prior decide? the same, with it as wide as the rivals'
    wide = select(spec, targets, out, priors=WIDE_PRIORS)
    _probabilities(wide).to_csv(out / "probabilities_wide.csv", index=False, float_format="%.4g")
    robust = robustness(selection, targets, spec)
    robust.to_csv(out / "robustness.csv", index=False, float_format="%.4g")
    written = [_probability_figure(selection, out), out / "probabilities.csv", out / "confusion.csv"]
    names = ("probabilities_purposive.csv", "probabilities_wide.csv", "robustness.csv", "patterns.png")
    written += [out / name for name in (*names, "fit.csv", "patterns.csv", "pattern_pairs.csv")]
    if args.doc is not None:
        args.doc.write_text(render(args.doc.read_text(encoding="utf-8"), out), encoding="utf-8")
        written.append(args.doc)
    return written


def _probabilities(selection: Selection) -> pd.DataFrame:
    """The probabilities table with the prior error rate beside it (one file, one row per theory)."""
    return selection.probabilities.assign(prior_error_rate=selection.prior_error_rate)


def _probability_table(p: pd.DataFrame) -> str:
    head = "| theory | votes | chosen | posterior probability | prior error rate (data it made) |"
    lines = [head, "|---|---|---|---|---|"]
    for r in p.itertuples():
        probability = f"{r.probability:.2f}" if r.chosen else "-"
        cells = [r.theory, f"{r.votes:.2f}", "yes" if r.chosen else "", probability, f"{r.error_rate:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(
        f"\nPrior error rate over all theories: {p.prior_error_rate.iloc[0]:.2f}"
        f" ({p.simulations.sum():,} simulated datasets, out of bag)."
    )
    return "\n".join(lines)


def _confusion_table(c: pd.DataFrame) -> str:
    theories = list(c.columns)
    lines = ["| made by \\ chosen | " + " | ".join(theories) + " |", "|---|" + "---|" * len(theories)]
    for made, row in c.iterrows():
        total = row.sum()
        cells = [f"{v / total:.0%}" for v in row]
        lines.append(f"| {made} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _by_theory(frame: pd.DataFrame, key: str, theories, heads, label, cell) -> str:
    """A markdown table: one row per value of ``key`` (its ``label`` cells under ``heads``), one
    column per theory (its ``cell``)."""
    lines = ["| " + " | ".join([*heads, *theories]) + " |", "|" + "---|" * (len(heads) + len(theories))]
    for value, sub in frame.groupby(key, sort=False):
        cells = [cell(r) for r in sub.set_index("theory").loc[theories].itertuples()]
        lines.append("| " + " | ".join([*label(value, sub), *cells]) + " |")
    return "\n".join(lines)


def blocks(folder: Path) -> dict[str, str]:
    """The doc's tables, as markdown, from the study's CSV files in ``folder``."""
    out = {"probabilities": _probability_table(pd.read_csv(folder / "probabilities.csv"))}
    out["confusion"] = _confusion_table(pd.read_csv(folder / "confusion.csv", index_col=0))
    out["purposive"] = _probability_table(pd.read_csv(folder / "probabilities_purposive.csv"))
    out["wide"] = _probability_table(pd.read_csv(folder / "probabilities_wide.csv"))
    fit = pd.read_csv(folder / "fit.csv")
    theories = list(dict.fromkeys(fit.theory))
    out["fit"] = _by_theory(
        fit,
        "target",
        theories,
        ["target (observed, kind)"],
        lambda key, sub: [f"{key} ({sub.observed.iloc[0]:g}, {sub.kind.iloc[0]})"],
        lambda r: f"{r.median:.3g} [{r.low:.3g}, {r.high:.3g}] ({r.share_within_2se:.0%})",
    )
    out["robustness"] = _by_theory(
        pd.read_csv(folder / "robustness.csv"),
        "left_out",
        theories,
        ["target left out"],
        lambda key, sub: [key],
        lambda r: f"{r.votes:.2f}" + (f" (chosen, p = {r.probability:.2f})" if r.chosen else ""),
    )
    out["patterns"] = _by_theory(
        pd.read_csv(folder / "patterns.csv"),
        "pattern",
        theories,
        ["pattern", "what a study measures"],
        lambda key, sub: [key, sub.measurement.iloc[0]],
        lambda r: f"{r.mean:+.3g} ({r.param_sd:.2g}; {r.group_sd:.2g})",
    )
    best = pd.read_csv(folder / "pattern_best.csv")
    lines = ["| pair | pattern | means | separation | groups per arm |", "|---|---|---|---|---|"]
    for r in best.itertuples():
        need = "not at any size" if np.isinf(r.groups_needed) else f"{r.groups_needed:,.0f}"
        means = f"{r.mean_a:+.3g} vs {r.mean_b:+.3g}"
        lines.append(f"| {r.pair} | {r.pattern} | {means} | {r.separation:+.2f} | {need} |")
    out["pairs"] = "\n".join(lines)
    return out


def render(text: str, folder: Path) -> str:
    """``text`` with every generated block replaced by the tables of ``folder``."""
    tables = blocks(folder)
    return render_blocks(text, "theories", lambda name: tables[name])


#: The sensitivity run's priors: the seed theory's dropout intercept (uniform(-3, -1.5), the search
#: range of an earlier calibration) as wide as the rivals' own level (width 6), same centre.
WIDE_PRIORS = {"dropout_intercept": Prior("uniform", -5.25, 0.75)}


def select(spec, targets, out: Path, priors=None) -> Selection:
    """The model choice of the spec against ``targets``, its reference tables kept in ``out``/raw."""
    from concurrent.futures import ProcessPoolExecutor

    keys = ("simulations", "accept", "trees", "seed")
    with ProcessPoolExecutor(2) as pool:
        return select_theories(
            **{k: spec[k] for k in keys},
            targets=targets,
            table_dir=out / "raw",
            priors=priors,
            executor=pool,
            jobs=2,
        )


def pattern_draws(selection: Selection, count: int) -> dict[str, pd.DataFrame]:
    """Each theory's ``count`` closest draws (its own approximate posterior), parameters only."""
    out = {}
    for theory, draws in selection.draws.items():
        closest = draws.nsmallest(count, "distance", keep="first")
        drop = ["distance", "row", "trial", *closest.filter(like="stat_").columns]
        out[theory] = closest.drop(columns=drop).reset_index(drop=True)
    return out


def robustness(selection: Selection, targets, spec) -> pd.DataFrame:
    """The choice again with each fitted target left out in turn, on the same reference tables
    (only the forest is refitted): which observations the verdict rests on."""
    rows = []
    use = usable_targets(targets)
    for name in use:
        rest = {k: t for k, t in use.items() if k != name}
        trees = spec["robustness_trees"]
        probabilities, _, error = forest_choice(selection.tables, rest, trees, spec["seed"], jobs=2)
        for r in probabilities.itertuples():
            rows.append(
                {
                    "left_out": name,
                    "theory": r.theory,
                    "votes": r.votes,
                    "chosen": r.chosen,
                    "probability": r.probability,
                    "prior_error_rate": error,
                }
            )
    return pd.DataFrame(rows)


def fit_table(selection: Selection, targets) -> pd.DataFrame:
    """How each theory's own closest draws meet each fitted target."""
    rows = []
    for theory, draws in selection.draws.items():
        stats = draws.filter(like="stat_").rename(columns=lambda c: c.removeprefix("stat_"))
        z = deviations(stats, fitted(targets))
        for name, t in fitted(targets).items():
            s = stats[t["statistic"]].dropna()
            rows.append(
                {
                    "theory": theory,
                    "target": name,
                    "kind": t["kind"],
                    "observed": t["value"],
                    "se": t["se"],
                    "median": s.median(),
                    "low": s.quantile(0.025),
                    "high": s.quantile(0.975),
                    "share_within_2se": float((z[name].abs() <= 2.0).mean()),
                }
            )
    return pd.DataFrame(rows)


def _probability_figure(selection: Selection, out: Path) -> Path:
    p = selection.probabilities
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 0.7 * len(p) + 2.2), constrained_layout=True)
    ys = np.arange(len(p))[::-1]
    ax.barh(ys, p.votes, color=["#2f6f8f" if c else "#9bb7c6" for c in p.chosen])
    ax.set_yticks(ys, p.theory, fontsize=12)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the forest's votes at the observations", fontsize=12)
    chosen = p[p.chosen].iloc[0]
    ax.set_title(f"Chosen: {chosen.theory}, posterior probability {chosen.probability:.2f}", fontsize=12)
    c = selection.confusion
    shares = c.to_numpy() / c.to_numpy().sum(axis=1, keepdims=True)
    image = bx.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    bx.set_xticks(range(len(c.columns)), c.columns, rotation=30, ha="right", fontsize=12)
    bx.set_yticks(range(len(c.index)), c.index, fontsize=12)
    for i in range(shares.shape[0]):
        for j in range(shares.shape[1]):
            colour = "white" if shares[i, j] > 0.6 else "black"
            bx.text(j, i, f"{shares[i, j]:.0%}", ha="center", va="center", fontsize=12, color=colour)
    bx.set_xlabel("theory chosen", fontsize=12)
    bx.set_ylabel("theory that made the data", fontsize=12)
    bx.set_title(
        f"How often the choice is wrong: prior error rate {selection.prior_error_rate:.0%}", fontsize=12
    )
    fig.colorbar(image, ax=bx, shrink=0.8, label="share of that theory's simulated datasets")
    return save_figure(fig, out / "probabilities.png")


if __name__ == "__main__":
    sys.exit(report_written(main()))
