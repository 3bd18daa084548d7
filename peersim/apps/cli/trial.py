"""`peersim trial`: a virtual trial, PEER against service as usual."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "a virtual trial of a study (default the PEER trial as run): PEER against its control arm"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "study",
        nargs="?",
        type=Path,
        default=None,
        help="a study file (TOML; default studies/peer_trial.toml, the PEER trial as run)",
    )
    options.scenario_args(parser, runs=False)
    parser.add_argument(
        "--n-peer",
        type=int,
        default=None,
        help="participants in every group arm (default: the study's; PEER trial 145)",
    )
    parser.add_argument(
        "--n-control",
        type=int,
        default=None,
        help="participants in every control arm (default: the study's; PEER trial 151)",
    )
    parser.add_argument(
        "--n-per-arm",
        type=int,
        default=None,
        help="shorthand: this many in each arm (not with --n-peer/--n-control)",
    )
    parser.add_argument("--trials", type=int, default=1, help="number of hypothetical trials (default 1)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as CSV")
    options.population_arg(parser)
    options.uncertainty_arg(parser)
    options.switch(parser, "--quiet", "no progress")


def run(args: argparse.Namespace) -> int:
    from peersim.data.study import as_study
    from peersim.studies.trial import format_trial, trial

    if args.n_per_arm is not None and (args.n_peer is not None or args.n_control is not None):
        raise UsageError("--n-per-arm sets both arms: give it, or --n-peer and --n-control, not both")
    n_peer = args.n_per_arm if args.n_per_arm is not None else args.n_peer
    n_control = args.n_per_arm if args.n_per_arm is not None else args.n_control
    for flag, value in (("--n-peer", n_peer), ("--n-control", n_control)):
        if value is not None and value < 2:
            flag = "--n-per-arm" if args.n_per_arm is not None else flag
            raise UsageError(f"{flag} {value}: must be at least 2")
    if args.trials < 1:
        raise UsageError(f"--trials {args.trials}: must be at least 1")
    population, params = options.population(args, options.scenario(args))
    from peersim.run.limits import check_run

    study = as_study(args.study).resized(peer=n_peer, control=n_control)
    if population is not None:
        study = study.regrouped(params.group_size)
    # each trial runs every arm's groups (blocks)
    check_run(
        study.params(base=params),
        args.trials * sum(a.groups for a in study.arms),
        control=False,
        streamed=False,
    )
    result = trial(
        params,
        seed=args.seed,
        trials=args.trials,
        uncertainty=args.uncertainty,
        population=population,
        progress=not args.quiet,
        study=study,
    )
    print(format_trial(result))
    if args.out:
        result.table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"\nWrote {args.out}")
    return 0
