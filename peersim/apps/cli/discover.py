"""`peersim discover`: PRIM boxes over a finished sweep, where a condition on its outputs holds."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "scenario discovery (PRIM): where in a sweep's parameters a condition on its outputs holds"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="a sweep's results folder, e.g. results/contexts/raw")
    parser.add_argument(
        "--where",
        required=True,
        metavar="CONDITION",
        help="e.g. 'dropout > 0.3' or 'trial_d < 0.2 and dropout <= 0.25': COLUMN OP NUMBER"
        " (OP: > >= < <= ==), joined by and / or, with parentheses",
    )
    parser.add_argument(
        "--per",
        choices=("point", "run"),
        default="point",
        help="a case is a design point, its outputs averaged over its runs (default), or one run",
    )
    parser.add_argument(
        "--inputs", default=None, help="comma-separated varied parameters to search (default: every one)"
    )
    parser.add_argument(
        "--min-density", type=float, default=0.8, help="density the box must reach (default 0.8)"
    )
    parser.add_argument(
        "--peel-alpha", type=float, default=0.05, help="share of points peeled per step (default 0.05)"
    )
    parser.add_argument(
        "--mass-min", type=float, default=0.05, help="smallest share of points in a box (default 0.05)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for prim_box.csv, peeling_trajectory.csv and .png"
    )


def run(args: argparse.Namespace) -> int:
    from importlib.util import find_spec

    from peersim.stats.discovery import PRIM_MISSING

    if find_spec("ema_workbench") is None:  # before reading the sweep: say it at once
        raise UsageError(PRIM_MISSING)
    options.check_out(args.out)
    from peersim.report.discovery import describe, trajectory_figure
    from peersim.sweep.discovery import discover_sweep

    inputs = None if args.inputs is None else [s.strip() for s in args.inputs.split(",") if s.strip()]
    box = discover_sweep(
        args.folder,
        args.where,
        per=args.per,
        inputs=inputs,
        min_density=args.min_density,
        peel_alpha=args.peel_alpha,
        mass_min=args.mass_min,
    )
    unit = "design points" if args.per == "point" else "runs"
    print("\n".join(describe(box, args.where, unit)))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        table = box.table().assign(condition=args.where, per=args.per, cases=box.cases, points=box.points)
        table.to_csv(args.out / "prim_box.csv", index=False, float_format="%.6g")
        box.trajectory.to_csv(args.out / "peeling_trajectory.csv", index=False, float_format="%.6g")
        figure = trajectory_figure(box, args.where, args.out / "peeling_trajectory.png", unit)
        print(f"Wrote {args.out / 'prim_box.csv'}, {args.out / 'peeling_trajectory.csv'}, {figure}")
    return 0
