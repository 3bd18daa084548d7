"""`peersim sweep`: run an experiment spec, and what `peersim sensitivity` shares with it (the
sweep's options, where its results may go, running the spec)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "run an experiment spec (TOML): a design of scenarios"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "spec",
        type=Path,
        help="the experiment spec, e.g. experiments/contexts.toml, or a results folder (to finish or repair)",
    )
    sweep_args(parser)


def sweep_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: all cores)"
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDR", help="a Dask scheduler, e.g. tcp://host:8786"
    )
    options.switch(parser, "--resume", "finish an interrupted run (only missing chunks)")
    options.switch(
        parser,
        "--overwrite",
        "replace results already in the folder (only the files peersim recorded there)",
    )
    parser.add_argument("--out", type=Path, default=None, help="results folder (default: the spec's out)")
    options.switch(
        parser,
        "--allow-outside",
        "let the spec's out lie outside the current folder (--out on the command line needs no flag)",
    )
    options.switch(
        parser,
        "--force",
        "start even if the sweep looks too large for this machine, and use more workers than cores",
    )
    options.switch(parser, "--quiet", "no progress (a bar on a terminal, lines in a log)")


def run(args: argparse.Namespace) -> int:
    from peersim.sweep import load_spec

    spec = load_spec(args.spec)
    if args.out is not None:
        spec = spec.replace(out=str(args.out))
    else:
        check_spec_out(spec, args)
    return run_spec(spec, args)


def check_spec_out(spec, args: argparse.Namespace) -> None:
    """A spec file may not send results outside the current folder unless the user says so: a
    shared spec with ``out = "../../"`` never writes somewhere unexpected."""
    if args.allow_outside or args.spec.is_dir() or args.spec.suffix == ".json":
        return  # a results folder named on the command line is where the user asked
    cwd = Path.cwd().resolve()
    out = spec.out_dir.resolve()
    if not out.is_relative_to(cwd):
        raise UsageError(
            f"{args.spec}: out = {str(spec.out_dir)!r} lies outside the current folder {cwd}; give --out"
            " on the command line, or --allow-outside to confirm"
        )


def run_spec(spec, args: argparse.Namespace) -> int:
    from peersim.sweep import run_sweep

    if args.workers is not None and not 1 <= args.workers <= 100_000:
        raise UsageError(f"--workers {args.workers}: must be 1 to 100000")
    if args.workers is not None and args.scheduler:
        raise UsageError("--workers and --scheduler exclude each other (a Dask cluster has its own workers)")
    try:
        report = run_sweep(
            spec,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            overwrite=args.overwrite,
            progress=not args.quiet,
            force=args.force,
        )
    except KeyboardInterrupt:
        print(
            f"peersim: interrupted; finished chunks are kept in {spec.out_dir}; "
            "run the same command with --resume to finish",
            file=sys.stderr,
        )
        return 130
    print(
        f"{spec.name}: {report.chunks_run} chunks run ({report.runs:,} courses, {report.rate:,.0f}/s),"
        f" {report.chunks_skipped} already done, {report.chunks_total} in all; results in {report.folder}"
    )
    people = "shared by every point" if spec.people == "shared" else "each point its own"
    print(f"  {spec.distinct_groups():,} distinct groups of people ({people}: people = {spec.people!r})")
    return 0
