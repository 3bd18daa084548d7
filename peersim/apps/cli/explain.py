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
    options.uncertainty_arg(parser)  # taken so that posterior mode is refused with its reason


def refuse_posterior(args: argparse.Namespace) -> None:
    """A story is one participant of one group under one parameter set: it has no interval, and
    telling it under one posterior draw would pass one draw off as the posterior. Refused in one
    line, naming the command that gives the same question both intervals."""
    if args.uncertainty != "posterior":
        return
    if args.compare:
        changes = " ".join(args.compare)
        sets = "".join(f" --set {s}" for s in args.set)
        instead = f"peersim compare defaults '{changes}'{sets} --uncertainty posterior"
        what = "the same change over many groups and posterior draws, with both intervals"
    else:
        sets = "".join(f" --set {s}" for s in args.set)
        instead = f"peersim run{sets} --uncertainty posterior"
        what = "the course over many groups and posterior draws, with both intervals"
    raise UsageError(
        "explain tells one participant's course in one group, which has no interval (one posterior"
        f" draw would pass for the posterior); for {what}: {instead}"
    )


def run(args: argparse.Namespace) -> int:
    from peersim.report.narrative import compare, story

    refuse_posterior(args)
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
