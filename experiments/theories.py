"""Rival programme theories: posterior probabilities given the data, and what would tell them apart.

    python experiments/theories.py [--small] [--out DIR]

Writes results/theories/: probabilities.csv (each theory's posterior probability, Monte Carlo
standard error, 95% interval and per-block estimates), blocks.csv (per block and theory: the
pooled threshold, simulations and draws within it), probabilities_count.csv (the probabilities
again, with the targets seen in a handful of people compared as counts drawn from each simulated
share), probabilities_wide.csv (the count reading again, with the seed theory's dropout intercept
prior as wide as the rivals' own level), fit.csv (for each theory and fitted target: the median
and 95% range of the statistic over the theory's own closest draws, and the share of them within
two standard errors of the target), robustness.csv (the probabilities with each fitted target
left out in turn), probabilities.png, and the patterns that would tell the theories apart,
simulated from each theory's own closest draws (``peersim.studies.patterns``): patterns.csv (per
theory and pattern: mean, parameter sd, per-group sd), pattern_pairs.csv (per pair and pattern:
separation and groups per arm a study needs), pattern_best.csv and patterns.png. Resumable:
simulated batches are kept in results/theories/raw/. ``--doc docs/theories.md`` renews that
page's tables from these files (a test checks that they agree).
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
from peersim.inference.selection import Selection, select_theories
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
            "simulations": 600,
            "blocks": 2,
            "quantile": 0.05,
            "batch": 300,
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
    selection.probabilities.to_csv(out / "probabilities.csv", index=False, float_format="%.4g")
    selection.blocks.to_csv(out / "blocks.csv", index=False, float_format="%.4g")
    fit = fit_table(selection, targets)
    fit.to_csv(out / "fit.csv", index=False, float_format="%.4g")
    patterns = discriminating_patterns(
        pattern_draws(selection, spec["pattern_draws"]), groups=spec["pattern_groups"], seed=spec["seed"]
    )
    patterns.theories.to_csv(out / "patterns.csv", index=False, float_format="%.4g")
    patterns.pairs.to_csv(out / "pattern_pairs.csv", index=False, float_format="%.4g")
    patterns.best(3).to_csv(out / "pattern_best.csv", index=False, float_format="%.4g")
    save_figure(patterns.figure(), out / "patterns.png")
    counted = select(spec, targets, out, observation="count")
    counted.probabilities.to_csv(out / "probabilities_count.csv", index=False, float_format="%.4g")
    # does the seed theory's narrow dropout prior decide? the same, with it as wide as the rivals'
    wide = select(spec, targets, out, observation="count", priors=WIDE_PRIORS)
    wide.probabilities.to_csv(out / "probabilities_wide.csv", index=False, float_format="%.4g")
    robust = robustness(spec, targets, out)
    robust.to_csv(out / "robustness.csv", index=False, float_format="%.4g")
    written = [_probability_figure(selection, out), out / "probabilities.csv", out / "fit.csv"]
    names = ("probabilities_count.csv", "probabilities_wide.csv", "robustness.csv", "patterns.png")
    written += [out / name for name in (*names, "patterns.csv", "pattern_pairs.csv")]
    if args.doc is not None:
        args.doc.write_text(render(args.doc.read_text(encoding="utf-8"), out), encoding="utf-8")
        written.append(args.doc)
    return written


def _probability_table(p: pd.DataFrame) -> str:
    head = "| theory | probability | MC s.e. | 95% MC interval | pooled draws kept | blocks |"
    lines = [head, "|---|---|---|---|---|---|"]
    for r in p.itertuples():
        per_block = ", ".join(f"{v:.2f}" for v in p.loc[r.Index, p.columns.str.startswith("block_")])
        interval = f"{r.low:.3f}-{r.high:.3f}"
        kept = f"{r.kept} of {p.kept.sum()}"
        cells = [r.theory, f"{r.probability:.3f}", f"{r.mc_se:.3f}", interval, kept, per_block]
        lines.append("| " + " | ".join(cells) + " |")
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
    out["counts"] = _probability_table(pd.read_csv(folder / "probabilities_count.csv"))
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
        lambda r: f"{r.probability:.3f} [{r.low:.3f}, {r.high:.3f}]",
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


def select(spec, targets, out: Path, observation: str = "share", priors=None) -> Selection:
    """The model selection of the spec against ``targets``, its batches kept in ``out``/raw."""
    keys = ("simulations", "blocks", "quantile", "batch", "seed")
    chosen = {k: spec[k] for k in keys}
    pool = out / "raw" / "batches"
    return select_theories(**chosen, targets=targets, pool_dir=pool, observation=observation, priors=priors)


def pattern_draws(selection: Selection, count: int) -> dict[str, pd.DataFrame]:
    """Each theory's ``count`` closest draws (its own approximate posterior), parameters only."""
    out = {}
    for theory, draws in selection.draws.items():
        closest = draws.nsmallest(count, "discrepancy", keep="first")
        drop = ["block", "pooled", "discrepancy", *closest.filter(like="stat_").columns]
        out[theory] = closest.drop(columns=drop).reset_index(drop=True)
    return out


def robustness(spec, targets, out: Path) -> pd.DataFrame:
    """The probabilities again with each fitted target left out in turn: which observations the
    verdict rests on. The simulations are the same (read back from raw/; only the discrepancy
    changes), so this costs little."""
    rows = []
    for name in fitted(targets):
        rest = {k: t for k, t in targets.items() if k != name}
        again = select(spec, rest, out).probabilities
        for r in again.itertuples():
            rows.append(
                {
                    "left_out": name,
                    "theory": r.theory,
                    "probability": r.probability,
                    "low": r.low,
                    "high": r.high,
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
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(p) + 1.4), constrained_layout=True)
    ys = np.arange(len(p))[::-1]
    ax.barh(ys, p.probability, color="#2f6f8f", alpha=0.8)
    ax.errorbar(
        p.probability, ys, xerr=[p.probability - p.low, p.high - p.probability], fmt="none", color="black"
    )
    blocks = p.filter(like="block_").to_numpy()
    for y, row in zip(ys, blocks, strict=True):
        ax.plot(row, np.full(len(row), y), "o", color="#b5523b", markersize=3, alpha=0.7)
    ax.set_yticks(ys, p.theory)
    ax.set_xlim(0, 1)
    ax.set_xlabel("posterior probability (equal priors); bar: 95% Monte Carlo interval; dots: blocks")
    ax.set_title("Which programme theory do the PEER observations favour? (rejection ABC, ELFI)", fontsize=10)
    return save_figure(fig, out / "probabilities.png")


if __name__ == "__main__":
    sys.exit(report_written(main()))
