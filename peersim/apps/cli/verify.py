"""`peersim verify`: check a sweep's results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "check a sweep's results folder: every chunk's files, rows and checksums"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="the results folder (holds spec.json and manifest.jsonl)")


def run(args: argparse.Namespace) -> int:
    from peersim.sweep.results import verify_folder

    ok, lines = verify_folder(args.folder)
    print("\n".join(lines))
    return 0 if ok else 1
