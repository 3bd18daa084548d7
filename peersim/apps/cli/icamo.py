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
    if args.out:
        table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"\nWrote {args.out}")
    if args.figure:
        from peersim.report.teaching import icamo_figure

        print(f"Wrote {icamo_figure(table, path=args.figure, context=context)}")
    return 0
