"""The ``peersim`` command.

    peersim run [--runs N] [--seed S] [--set name=value ...] [--population FILE.csv] [--out PATH]
    peersim sweep SPEC.toml | RESULTS_FOLDER [--workers N] [--resume] [--overwrite] [--out PATH]
    peersim verify RESULTS_FOLDER
    peersim export RESULTS_FOLDER --format csv [--out FOLDER]
    peersim params [--group GROUP]
    peersim discover RESULTS_FOLDER --where "dropout > 0.3" [--min-density 0.8] [--out FOLDER]
    peersim handout [--seed S] [--population FILE.csv] --member M --out handout.pdf
    peersim lesson [--scenario "LABEL: NAME=VALUE; ..." ...] [--population FILE.csv] --out lesson.html
    (and explain, icamo, knockout, figure, sensitivity, trial, viz: ``peersim --help``)

Bad input gets one line on stderr and exit code 2, never a traceback.

Each command is the module of its name here, with ``HELP`` (its line in ``peersim --help``),
``add(parser)`` (its arguments) and ``run(args)`` (its exit code); what several commands share is in
options.py. A command's heavy imports are inside its ``run``, so ``peersim --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from peersim.apps.cli import (
    calibrate,
    compare,
    discover,
    explain,
    export,
    figure,
    handout,
    icamo,
    knockout,
    lesson,
    params,
    power,
    run,
    sensitivity,
    sweep,
    trial,
    verify,
    viz,
)
from peersim.apps.cli.options import EXIT_USAGE, UsageError, parse_assignment, run_command, show_warning
from peersim.core.version import __version__

__all__ = ["COMMANDS", "EXIT_USAGE", "UsageError", "main", "parse_assignment"]

#: Every command, in the order ``peersim --help`` lists them, by name: the module of that name.
COMMANDS = {
    module.__name__.rsplit(".", 1)[1]: module
    for module in (
        run,
        sweep,
        verify,
        explain,
        icamo,
        knockout,
        compare,
        figure,
        lesson,
        handout,
        sensitivity,
        discover,
        trial,
        calibrate,
        power,
        export,
        viz,
        params,
    )
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peersim", description="Simulate PEER peer-support groups.")
    parser.add_argument("--version", action="version", version=f"peersim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        module.add(sub.add_parser(name, help=module.HELP))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = show_warning
    return run_command(COMMANDS[args.command].run, args)


if __name__ == "__main__":
    sys.exit(main())
