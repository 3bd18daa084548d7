"""`peersim handout`: one person's course on one A4 page (PDF) for a class to read on paper."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "write a one-page A4 PDF of one participant's story, their chart and the group circle"


def add(parser: argparse.ArgumentParser) -> None:
    options.scenario_args(parser, runs=False)
    options.group_args(parser)
    parser.add_argument("--member", type=int, default=0, help="which participant (0 to group size - 1)")
    parser.add_argument("--colour-by", default="hope", help="state that colours the circle (default: hope)")
    parser.add_argument("--title", default=None, help="the page's title")
    parser.add_argument(
        "--out", type=Path, default=Path("handout.pdf"), help="the PDF to write (default: handout.pdf)"
    )


def run(args: argparse.Namespace) -> int:
    from peersim.report.handout import write_handout
    from peersim.report.teaching import COLOUR_BY

    if args.out.suffix.lower() != ".pdf":
        raise UsageError(f"--out {args.out}: a handout is a PDF; name it ending in .pdf")
    folder = args.out.parent if str(args.out.parent) else Path(".")
    if args.out.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"--out {args.out}: cannot write a file there")
    if args.colour_by not in COLOUR_BY:
        raise UsageError(
            f"--colour-by {args.colour_by!r} is not a state; choose one of {', '.join(COLOUR_BY)}"
        )
    population, params = options.population(args, options.scenario(args))
    if params.control_arm:
        raise UsageError("control_arm=true has no group to draw; a handout shows a person in a group")
    if not 0 <= args.member < params.group_size:
        raise UsageError(f"--member {args.member}: the group has participants 0 to {params.group_size - 1}")
    path = write_handout(
        args.out,
        params,
        args.seed,
        args.run,
        args.member,
        population,
        colour_by=args.colour_by,
        title=args.title,
    )
    print(f"Wrote {path}: participant {args.member}'s course on one A4 page")
    return 0
