"""`peersim explain`: one participant's course in plain language."""

from __future__ import annotations

import argparse

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "tell one participant's course in plain language"


def add(parser: argparse.ArgumentParser) -> None:
    options.scenario_args(parser, runs=False)
    options.group_args(parser)
    parser.add_argument("--member", type=int, default=0, help="which participant (0 to group size - 1)")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="replay the same group and draws with this change (repeatable); say where the stories part",
    )


def run(args: argparse.Namespace) -> int:
    from peersim.report.narrative import compare, story

    population, params = options.population(args, options.scenario(args))
    if not 0 <= args.member < params.group_size:
        raise UsageError(f"--member {args.member}: the group has participants 0 to {params.group_size - 1}")
    if args.compare:
        other = params.replace(**dict(options.parse_assignment(s) for s in args.compare))
        if other.group_size != params.group_size:
            raise UsageError("--compare cannot change group_size: the same group is replayed")
        print(compare(params, other, args.seed, args.run, args.member, population))
    else:
        print(story(params, args.seed, args.run, args.member, population)[1])
    return 0
