"""What the study scripts in ``experiments/`` share: running a spec, summarising across
replicates with intervals, and drawing labelled figures.

A study script is thin: it names its spec, its summaries and its figures. Raw tables go to
``results/<study>/raw/`` (ignored by git); figures (PNG) and summary tables (CSV) to
``results/<study>/`` (committed as reference outputs).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from peersim.run.draws import UNCERTAINTY
from peersim.stats.effects import Z95
from peersim.sweep.results import SweepResults, load_results
from peersim.sweep.runner import SharedPeopleWarning, run_sweep
from peersim.sweep.spec import load_spec, people_warning

SMALL_REPLICATES = 16


def study_args(argv: Sequence[str] | None, description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--small",
        action="store_true",
        help=f"a quick check: {SMALL_REPLICATES} replicates per point (and a smaller design where the study"
        " says so), written to results/<study>/small unless --out says otherwise",
    )
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler address")
    parser.add_argument("--out", type=Path, default=None, help="folder for figures and tables")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--uncertainty",
        choices=UNCERTAINTY,
        default="none",
        help="posterior: run k of every point takes a draw of the calibrated posterior; summaries"
        " add intervals from parameter uncertainty (<metric>_param_low/high) beside the Monte Carlo"
        " ones; outputs go to results/<study>/posterior unless --out says otherwise",
    )
    return parser.parse_args(argv)


def own_spec_args(
    script: str | Path,
    argv: Sequence[str] | None,
    description: str,
    small: Mapping[str, object],
    small_help: str,
    options: Mapping[str, Mapping[str, object]] | None = None,
) -> tuple[argparse.Namespace, dict, Path]:
    """For a study script that reads its own spec (``<script>.toml``) instead of running a sweep:
    its command line (``--small``, a quick check with the ``small`` changes to the spec; ``--out``;
    and ``options``, flag to ``add_argument`` keywords), the spec, and the folder for outputs
    (made): ``--out``, or ``results/<script name>``, ``.../small`` under ``--small``."""
    script = Path(script)
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help=small_help)
    parser.add_argument(
        "--out", type=Path, default=None, help=f"default results/{script.stem} (--small: .../small)"
    )
    for flag, keywords in (options or {}).items():
        parser.add_argument(flag, **keywords)
    args = parser.parse_args(argv)
    spec = tomllib.loads(script.with_suffix(".toml").read_text())
    if args.small:
        spec.update(small)
    out = args.out or Path("results") / script.stem / ("small" if args.small else "")
    out.mkdir(parents=True, exist_ok=True)
    return args, spec, out


def run_study(spec_path: str | Path, args: argparse.Namespace) -> tuple[SweepResults, Path]:
    """Run (or finish) the study's sweep; return its results and the folder for outputs."""
    spec = load_spec(spec_path)
    uncertainty = getattr(args, "uncertainty", "none")
    # a quick check never writes over the committed reference outputs of the full study
    folder = Path("results") / spec.name / ("posterior" if uncertainty == "posterior" else "")
    out = args.out or folder / ("small" if args.small else "")
    changes = {"out": str(out / "raw"), "uncertainty": uncertainty}
    if args.small:
        changes.update(replicates=SMALL_REPLICATES, chunk_size=SMALL_REPLICATES)
        small_design = getattr(args, "small_design", None)
        if small_design:  # e.g. fewer base samples of a sensitivity design
            changes["design"] = {**spec.to_dict()["design"], **small_design}
    spec = spec.replace(**changes)
    raw = spec.out_dir
    resume = (raw / "spec.json").exists()
    if warning := people_warning(spec):  # said once, in a line, as the command line says it
        print(f"peersim: warning: {warning}", file=sys.stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SharedPeopleWarning)
        _run_or_restart(spec, args, resume)
    out.mkdir(parents=True, exist_ok=True)
    res = load_results(raw)
    note = exploratory_note(res)
    if note and not args.quiet:
        print(note)
    return res, out


def _run_or_restart(spec, args: argparse.Namespace, resume: bool) -> None:
    raw = spec.out_dir
    try:
        run_sweep(
            spec, workers=args.workers, scheduler=args.scheduler, resume=resume, progress=not args.quiet
        )
    except ValueError as error:  # raw results of another spec or model version: start again
        if "different" not in str(error):
            raise
        print(f"{raw} held results of another spec or model version ({error}); running the study again")
        run_sweep(
            spec, workers=args.workers, scheduler=args.scheduler, overwrite=True, progress=not args.quiet
        )


def exploratory_note(res: SweepResults, with_names: bool = True) -> str:
    """A line for text and figures when the study's contexts act through assumption-graded
    parameters (``peersim.stats.uncertainty.exploratory_line``, naming them in words, and for
    text by their names too); empty otherwise."""
    from peersim.stats.uncertainty import exploratory_line

    return exploratory_line([*res.varied, *res.spec.get("fixed", {})], "these contexts", with_names)


def report_written(paths) -> int:
    """For a study script's ``__main__``: say what was written; exit code 0."""
    print("Wrote " + ", ".join(str(p) for p in paths))
    return 0


def summarise(frame: pd.DataFrame, by: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Mean and 95% interval of each metric over the replicates in each cell of ``by`` (Monte
    Carlo error, kept within the replicates' values); with posterior draws (a ``draw`` column)
    also ``<metric>_param_low/high``, the 95% interval from parameter uncertainty alone
    (``peersim.stats.uncertainty.split``: quantiles over draws, inside the values' range), and
    ``<metric>_param_low_se/high_se``, the Monte Carlo error of its ends."""
    grouped = frame.groupby(list(by), observed=True, sort=True)
    parts = []
    for metric in metrics:
        stats = grouped[metric].agg(["mean", "std", "count", "min", "max"])
        half = Z95 * stats["std"] / np.sqrt(stats["count"])
        # a mean lies within the values it is the mean of: the normal interval is cut there, so a
        # share near 0 never gets a negative end (what a replicate can be, the mean can be)
        part = pd.DataFrame(
            {
                f"{metric}": stats["mean"],
                f"{metric}_ci_low": np.maximum(stats["mean"] - half, stats["min"]),
                f"{metric}_ci_high": np.minimum(stats["mean"] + half, stats["max"]),
            }
        )
        if "draw" in frame:  # runs carry posterior draws: parameter uncertainty, apart
            from peersim.stats.uncertainty import split

            param = grouped[[metric, "draw"]].apply(lambda g, m=metric: pd.Series(split(g[m], g["draw"])))
            for key in PARAMETER_COLUMNS:
                part[f"{metric}_{key}"] = param[key]
        parts.append(part)
    out = pd.concat(parts, axis=1)
    out["replicates"] = grouped.size()
    return out.reset_index()


def error_bars(centre, low, high) -> np.ndarray:
    """Distances to the interval ends for ``yerr`` (never negative, even by rounding)."""
    return np.maximum(np.nan_to_num(np.vstack([centre - low, high - centre])), 0.0)


#: a parameter interval's columns: its ends and the Monte Carlo error of each
PARAMETER_COLUMNS = ("param_low", "param_high", "param_low_se", "param_high_se")

#: what the two kinds of error bar are, as the figures' legends say it
MC_LABEL = "95% Monte Carlo interval (the runs' noise)"
PARAM_LABEL = "95% parameter interval (over posterior draws)"


#: said under a panel where a parameter interval has no width to show
NO_WIDTH = "no grey error bar: the draws' spread not told apart from the runs' noise (more runs)"
NO_WIDTH_LINES = (
    "a break in the dashed lines: the draws' spread not told apart from the runs' noise (more runs)"
)


def both_intervals(ax, xs, centre, low, high, par=None, offset: float = 0.0, label: bool = True) -> int:
    """At ``xs``: the Monte Carlo interval ``low``..``high`` as a black error bar and, when ``par``
    (a frame with ``param_low``/``param_high``, posterior mode) is given, the parameter interval
    as a grey one beside it (``offset`` to the right); ``label`` puts both in the legend. A
    parameter interval of no width (not told apart from the runs' noise) or not estimable is not
    drawn, since a bar of no width would look certain: returns how many were left out."""
    xs, centre = np.asarray(xs, dtype=float), np.asarray(centre, dtype=float)
    ax.errorbar(
        xs,
        centre,
        yerr=error_bars(centre, np.asarray(low, dtype=float), np.asarray(high, dtype=float)),
        fmt="none",
        ecolor="black",
        elinewidth=1.2,
        capsize=3,
        label=MC_LABEL if label else None,
    )
    if par is None:
        return 0
    low, high = (np.asarray(par[k], dtype=float) for k in ("param_low", "param_high"))
    shown = np.isfinite(low) & np.isfinite(high) & (high > low)
    if not shown.any():  # nothing to draw: no legend entry for it either
        return len(shown)
    ax.errorbar(
        xs[shown] + offset,
        centre[shown],
        yerr=error_bars(centre[shown], low[shown], high[shown]),
        fmt="none",
        ecolor="#777777",
        elinewidth=1.0,
        capsize=2,
        linestyle="--",
        label=PARAM_LABEL if label else None,
    )
    return int((~shown).sum())


def has_parameter_intervals(summary: pd.DataFrame) -> bool:
    """Whether a ``summarise`` table carries parameter intervals (posterior mode)."""
    return any(str(c).endswith("_param_low") for c in summary.columns)


def interval_key(posterior: bool) -> list:
    """Legend entries for ``lines_with_ci``: what the shading is and, in posterior mode, what the
    dashed lines are."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    key = [Patch(facecolor="#999999", alpha=0.35, label=f"shading: {MC_LABEL}")]
    if posterior:
        key.append(Line2D([], [], color="#555555", ls="--", lw=0.8, label=f"dashed: {PARAM_LABEL}"))
    return key


def interval_words(posterior: bool, drawn: str = "shading") -> str:
    """For a figure's title: which interval is which (``drawn``: "shading" for ``lines_with_ci``,
    "bars" for ``bars_with_ci``)."""
    if drawn == "shading":
        mc, par = "shading", "dashed"
    else:
        mc, par = "black error bars", "grey error bars beside them"
    if not posterior:
        return f"({mc}: 95% intervals across groups)"
    return (
        f"({mc}: 95% Monte Carlo intervals across groups; {par}: 95% parameter intervals over"
        " posterior draws)"
    )


def lines_with_ci(
    ax, summary: pd.DataFrame, x: str, metric: str, hue: str | None = None, label_fmt: str = "{}"
) -> int:
    """One line per value of ``hue`` (or one line), with a shaded 95% interval (Monte Carlo) and,
    in posterior mode, dashed lines at the ends of the parameter interval (``interval_key`` says
    which is which in a legend). Where a parameter interval has no width (not told apart from the
    runs' noise) the dashed lines break rather than meet: returns how many points that was."""
    groups = [(None, summary)] if hue is None else list(summary.groupby(hue, sort=True))
    unshown = 0
    for value, sub in groups:
        sub = sub.sort_values(x)
        label = None if value is None else label_fmt.format(value)
        line = ax.plot(sub[x], sub[metric], marker="o", markersize=3, label=label)[0]
        ax.fill_between(
            sub[x], sub[f"{metric}_ci_low"], sub[f"{metric}_ci_high"], color=line.get_color(), alpha=0.2
        )
        if f"{metric}_param_low" in sub:  # posterior mode: parameter uncertainty, dashed, apart
            low, high = sub[f"{metric}_param_low"], sub[f"{metric}_param_high"]
            width = (high > low).to_numpy()
            unshown += int((~width).sum())
            for end in (low, high):
                ax.plot(sub[x], end.where(width), ls="--", lw=0.8, color=line.get_color())
    return unshown


def bars_with_ci(
    ax, labels: Sequence[str], summary: pd.DataFrame, metric: str, colour: str = "#2f6f8f"
) -> int:
    """Bars with their 95% Monte Carlo interval (black) and, in posterior mode, the parameter
    interval beside it (grey), each labelled for the legend (``both_intervals``): returns how many
    parameter intervals had no width to draw."""
    values = summary[metric].to_numpy(float)
    xs = np.arange(len(values))
    ax.bar(xs, values, color=colour)
    par = None
    if f"{metric}_param_low" in summary:  # posterior mode: parameter uncertainty beside
        par = {k: summary[f"{metric}_{k}"] for k in ("param_low", "param_high")}
    unshown = both_intervals(
        ax, xs, values, summary[f"{metric}_ci_low"], summary[f"{metric}_ci_high"], par, offset=0.25
    )
    ax.set_xticks(xs, labels)
    return unshown


def save(fig, path: Path, res: SweepResults | None = None) -> Path:
    """Write the figure; with the study's results, say under it when its contexts are exploratory."""
    # in words only (a figure is read by people, not looked up with `peersim params`)
    note = exploratory_note(res, with_names=False) if res is not None else ""
    if note:  # below the figure, wrapped between words, never inside one; the saved area grows to hold it
        import textwrap

        text = "\n".join(textwrap.wrap(note, 150, break_on_hyphens=False, break_long_words=False))
        fig.text(0.5, -0.005, text, ha="center", va="top", fontsize=10, color="#b5523b")
        fig.savefig(path, dpi=120, bbox_inches="tight")
    else:
        fig.savefig(path, dpi=120)
    import matplotlib.pyplot as plt  # lazily: drawing helpers are imported where pyplot is not

    plt.close(fig)
    return path


def completer_changes(participants: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Participants table with ``<outcome>_change`` (end minus baseline) columns added."""
    frame = participants.copy()
    for outcome in outcomes:
        frame[f"{outcome}_change"] = frame[f"{outcome}_end"] - frame[f"{outcome}_baseline"]
    return frame


def per_run(
    participants: pd.DataFrame, keys: Sequence[str], columns: dict[str, tuple[str, str]]
) -> pd.DataFrame:
    """Participants aggregated to one row per run (the replicate).

    ``columns`` as for pandas named aggregation, e.g. ``{"dropout": ("dropped_out", "mean")}``.
    """
    run = ["run", "draw"] if "draw" in participants else ["run"]
    return participants.groupby(["point", *keys, *run], observed=True).agg(**columns).reset_index()
