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
    """Posterior mode: beside the table's means (whose 95% intervals over groups are in the CSV),
    each stratum's parameter interval {par ..} for leaving and the main changes (the CSV has
    ``<column>_param_low/high`` for every column)."""
    from peersim.report.summary import par_text

    shown = {k: v for k, v in PARAMETER_COLUMNS.items() if f"{k}_param_low" in table}
    lines = [
        "Parameter uncertainty (posterior draws, one per group): {par 2.5th to 97.5th percentile over"
        " the draws}; every column's is in the CSV"
    ]
    for r in table.to_dict("records"):
        cells = []
        for column, (label, fmt) in shown.items():
            par = {"param_low": r[f"{column}_param_low"], "param_high": r[f"{column}_param_high"]}
            cells.append(f"{label} {par_text(par, fmt)}")
        lines.append(f"  {r['stratum']!s:28s} " + "   ".join(cells))
    return "\n".join(lines)
