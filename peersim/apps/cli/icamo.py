"""`peersim icamo`: the ICAMO table (intervention, context, actor, mechanism, outcome)."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "ICAMO table: mechanisms fired, for whom, in which context, with what outcome"


def add(parser: argparse.ArgumentParser) -> None:
    options.scenario_args(parser, runs=True)
    options.population_arg(parser)
    parser.add_argument(
        "--sweep", type=Path, default=None, help="read a sweep's results folder instead of simulating"
    )
    parser.add_argument(
        "--strata",
        default=",".join(("employed", "age", "adversity", "sharing_vulnerability")),
        help="actor strata, comma-separated (e.g. employed,age,adversity,sharing_vulnerability)",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the table as CSV")
    options.uncertainty_arg(parser)
    parser.add_argument("--figure", type=Path, default=None, help="write the table as a figure (PNG)")


def run(args: argparse.Namespace) -> int:
    from peersim.studies.icamo import format_icamo, icamo_table

    strata = [s.strip() for s in args.strata.split(",") if s.strip()]
    context = None  # a sweep's table names its contexts; one scenario's does not, so say it here
    if args.sweep is not None:
        from peersim.sweep import load_results

        if args.set or args.population:
            flag = "--set" if args.set else "--population"
            raise UsageError(f"{flag} does not apply to --sweep: the sweep's parameters are fixed")
        results = load_results(args.sweep)
        if not results.complete:
            print(
                f"peersim: warning: {args.sweep} is not a complete sweep; the table covers only its"
                " finished chunks (finish it with peersim sweep --resume)",
                file=sys.stderr,
            )
    else:
        from peersim.report.words import scenario_words
        from peersim.run.engine import simulate

        population, params = options.population(args, options.scenario(args))
        context = scenario_words(params) + (
            f"; the people of {args.population.name}" if args.population else ""
        )
        results = simulate(
            params,
            runs=args.runs,
            seed=args.seed,
            population=population,
            uncertainty=args.uncertainty,
        )
    with warnings.catch_warnings():  # said once above, in one line
        warnings.simplefilter("ignore", UserWarning)
        table = icamo_table(results, strata=strata)
    print(format_icamo(table))
    from peersim.report.summary import changed_names
    from peersim.stats.uncertainty import exploratory_line

    if args.sweep is not None:
        line = exploratory_line([*results.varied, *results.spec.get("fixed", {})], "the sweep's contexts")
    else:
        line = exploratory_line(changed_names(params))
    if line:
        print("\n" + line)
    if any(c.endswith("_param_low") for c in table.columns):
        print("\n" + format_parameter_intervals(table))
    if args.out:
        table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"\nWrote {args.out}")
    if args.figure:
        from peersim.report.teaching import icamo_figure

        print(f"Wrote {icamo_figure(table, path=args.figure, context=context)}")
    return 0


#: what the parameter intervals are shown for (the table's columns), and how to read them
PARAMETER_COLUMNS = {
    "dropout_rate": ("left", "{:.1%}"),
    "hope_change": ("chg hope", "{:+.3f}"),
    "self_image_change": ("chg s-image", "{:+.3f}"),
    "recovery_change": ("chg recov", "{:+.3f}"),
}


def format_parameter_intervals(table) -> str:
    """Posterior mode: for each context and stratum, leaving and the main changes with both
    intervals, as ``peersim run`` prints them: the mean, its 95% Monte Carlo interval over groups
    [..] and its parameter interval {par ..} with the Monte Carlo error of its ends (±e). The CSV
    has ``<column>_low/high`` and ``<column>_param_low/high/low_se/high_se`` for every column."""
    from peersim.report.summary import par_text
    from peersim.studies.icamo import context_text

    shown = {k: v for k, v in PARAMETER_COLUMNS.items() if f"{k}_param_low" in table}
    width = max(len(label) for label, _ in shown.values())
    lines = [
        "Both intervals (posterior draws, one per group): mean [95% Monte Carlo interval over groups]"
        " {par 2.5th to 97.5th percentile over the draws ±e, the Monte Carlo error of those ends};"
        " every column's are in the CSV"
    ]
    several = table["point"].nunique() > 1
    point = None
    for r in table.sort_values("point", kind="stable").to_dict("records"):  # context by context
        if several and r["point"] != point:
            point = r["point"]
            lines.append(f"  Context: {context_text(table, r)}")
        indent = "    " if several else "  "
        lines.append(f"{indent}{r['stratum']!s}")
        for column, (label, fmt) in shown.items():
            par = {
                k: r[f"{column}_{k}"] for k in ("param_low", "param_high", "param_low_se", "param_high_se")
            }
            mc = f"[{fmt.format(r[f'{column}_low'])}, {fmt.format(r[f'{column}_high'])}]"
            lines.append(
                f"{indent}  {label:{width}s}  {fmt.format(r[column]):>7s} {mc:18s}  {par_text(par, fmt)}"
            )
    return "\n".join(lines)
