"""`peersim export`: a sweep's tables as CSV, chunk by chunk."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options

HELP = "write a sweep's tables as CSV (chunk by chunk)"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="a sweep's results folder, e.g. results/contexts/raw")
    parser.add_argument("--format", choices=("csv",), default="csv", help="output format (csv)")
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the CSV files (default: FOLDER/csv)"
    )
    parser.add_argument(
        "--tables", default=None, help="comma-separated tables to export (default: every table kept)"
    )
    options.switch(parser, "--overwrite", "replace CSV files already there")


def run(args: argparse.Namespace) -> int:
    from peersim.sweep.export import export_csv

    tables = None if args.tables is None else [t.strip() for t in args.tables.split(",") if t.strip()]
    written = export_csv(args.folder, args.out, tables=tables, overwrite=args.overwrite)
    for path, rows in written:
        print(f"Wrote {path} ({rows:,} rows)")
    return 0
