"""`peersim knockout`: each mechanism's contribution, the same groups with it switched off."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options

HELP = "each mechanism's contribution: the same groups with it switched off"


def add(parser: argparse.ArgumentParser) -> None:
    options.scenario_args(parser, runs=True)
    parser.add_argument("--mechanisms", default=None, help="comma-separated (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="write the contrasts as CSV")
    options.uncertainty_arg(parser)


def run(args: argparse.Namespace) -> int:
    from peersim.core.params import MECHANISMS
    from peersim.studies.knockout import format_knockouts, knockouts

    mechanisms = (
        MECHANISMS if args.mechanisms is None else tuple(m.strip() for m in args.mechanisms.split(","))
    )
    table = knockouts(
        options.scenario(args, arms=len(mechanisms) + 1),
        runs=args.runs,
        seed=args.seed,
        mechanisms=mechanisms,
        uncertainty=args.uncertainty,
    )
    print(format_knockouts(table))
    where = f"in {args.out}" if args.out else "in the CSV that --out writes"
    print(f"\n95% intervals (over groups) are {where}; with the same draws, a mechanism that does not act")
    print("on an outcome contributes exactly 0.")
    if args.out:
        table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"Wrote {args.out}")
    return 0
