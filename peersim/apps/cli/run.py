"""`peersim run`: simulate many courses and summarise them."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.core.params import Params

HELP = "simulate many courses and summarise them"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=10_000, help="number of courses (default 10000)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="change a parameter (repeatable)"
    )
    options.population_arg(parser)
    parser.add_argument("--out", type=Path, default=None, help="folder for tables and figure")
    options.switch(
        parser,
        "--overwrite",
        "replace another scenario's results in --out (only the files peersim recorded there)",
    )
    options.switch(parser, "--force", "start even if the run looks too large for this machine")
    parser.add_argument(
        "--record",
        choices=("summary", "sessions"),
        default="summary",
        help="sessions adds the per-week table (one row per run, week and participant)",
    )
    options.switch(
        parser,
        "--no-control",
        "skip the control arm (by default the same people are also run without a group)",
    )
    parser.add_argument("--chunk-size", type=int, default=2000, help="runs per kernel chunk")
    options.uncertainty_arg(parser)
    options.switch(parser, "--quiet", "no progress (a bar on a terminal, lines in a log)")


def run(args: argparse.Namespace) -> int:

    from peersim.run.limits import check_run

    options.check_count("--runs", args.runs, 1)
    options.check_count("--seed", args.seed, 0)
    options.check_count("--chunk-size", args.chunk_size, 1)
    params = Params(**dict(options.parse_assignment(s) for s in args.set))
    population, params = options.population(args, params)
    control_arm = not params.control_arm and not args.no_control
    check_run(params, args.runs, args.record, control_arm, args.out, args.chunk_size, args.force)
    options.check_out(args.out)
    from peersim.report.scenario import run_scenario

    result = run_scenario(
        params,
        args.runs,
        args.seed,
        record=args.record,
        chunk_size=args.chunk_size,
        population=population,
        uncertainty=args.uncertainty,
        control=control_arm,
        out=args.out,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    print(result.report())
    if result.written:
        print("\nWrote " + ", ".join(str(p) for p in result.written))
    return 0
