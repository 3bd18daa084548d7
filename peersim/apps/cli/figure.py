"""`peersim figure`: teaching figures of one group."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "teaching figures of one group"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=("circles", "animation", "heatmap", "trajectories", "all"))
    options.scenario_args(parser, runs=False)
    options.group_args(parser)
    parser.add_argument("--colour-by", default="hope", help="state that colours the participants (circles)")
    parser.add_argument("--state", default="hope", help="state to follow (trajectories)")
    parser.add_argument(
        "--member",
        type=int,
        default=None,
        help="ring this participant on the circles, stress their trajectory",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("figures"), help="folder for the files (default: figures)"
    )


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from peersim.core.kernel import Kernel
    from peersim.report import teaching

    population, params = options.population(args, options.scenario(args))
    if args.colour_by not in teaching.COLOUR_BY or args.state not in teaching.COLOUR_BY:
        bad = args.colour_by if args.colour_by not in teaching.COLOUR_BY else args.state
        raise UsageError(f"{bad!r} is not a state; choose one of {', '.join(teaching.COLOUR_BY)}")
    if args.member is not None and not 0 <= args.member < params.group_size:
        raise UsageError(f"--member {args.member}: the group has participants 0 to {params.group_size - 1}")
    options.check_out(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    kernel = Kernel(params, args.seed, np.array([args.run]), population, record_ties=True)
    kernel.run()
    stem = f"seed{args.seed}_run{args.run}"
    if args.set or args.population:  # a different scenario gets a different file name
        label = "_".join([*args.set, *([args.population.stem] if args.population else [])])
        stem += "_" + "".join(c if c.isalnum() or c in "._-" else "-" for c in label)
    kinds = ("circles", "animation", "heatmap", "trajectories") if args.kind == "all" else (args.kind,)
    written = []
    for kind in kinds:
        if kind == "circles":
            written.append(
                teaching.group_circles(
                    kernel, args.colour_by, path=args.out / f"circles_{stem}.png", chosen=args.member
                )
            )
        elif kind == "animation":
            written.append(teaching.group_animation(kernel, args.out / f"group_{stem}.gif", args.colour_by))
        elif kind == "heatmap":
            written.append(teaching.activation_heatmap(kernel, path=args.out / f"mechanisms_{stem}.png"))
        else:
            written.append(
                teaching.trajectories(
                    kernel, args.state, path=args.out / f"{args.state}_{stem}.png", chosen=args.member
                )
            )
    print("Wrote " + ", ".join(str(p) for p in written))
    return 0
