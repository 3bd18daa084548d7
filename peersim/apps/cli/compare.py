"""`peersim compare A B`: two scenarios on the same people, the paired difference."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "two scenarios on the same people: the paired difference B - A, with both intervals"


def add(parser: argparse.ArgumentParser) -> None:
    for name in ("A", "B"):
        parser.add_argument(
            name.lower(),
            metavar=name,
            help=f"scenario {name}: 'defaults', or NAME=VALUE changes separated by spaces or ';'"
            " (e.g. 'facilitator_role=paid setting=mental_health_service')",
        )
    options.scenario_args(parser, runs=True)
    options.uncertainty_arg(parser)
    parser.add_argument("--out", type=Path, default=None, help="write the comparison as CSV")


def scenario_of(text: str, base: dict, name: str):
    from peersim.core.params import Params

    words = text.replace(";", " ").split()
    if words in ([], ["defaults"]):
        return Params(**base)
    changes = dict(base)
    for word in words:
        if "=" not in word:
            raise UsageError(f"{name} {text!r}: {word!r} is not NAME=VALUE (or give 'defaults')")
        key, value = options.parse_assignment(word)
        changes[key] = value
    return Params(**changes)


def run(args: argparse.Namespace) -> int:
    from peersim.report.contrast import compare, format_comparison
    from peersim.run.limits import check_run

    options.check_count("--seed", args.seed, 0)
    options.check_count("--runs", args.runs, 1)
    base = dict(options.parse_assignment(s) for s in args.set)
    a, b = scenario_of(args.a, base, "A"), scenario_of(args.b, base, "B")
    for params in (a, b):
        check_run(params, args.runs, control=False, streamed=False)
    table = compare(a, b, runs=args.runs, seed=args.seed, uncertainty=args.uncertainty)
    print(format_comparison(table, a, b, args.runs, args.seed))
    if args.out:
        table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"Wrote {args.out}")
    return 0
