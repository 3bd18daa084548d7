"""`peersim params`: every parameter with its default, range and meaning."""

from __future__ import annotations

import argparse
import textwrap

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "list every parameter with default, range and meaning"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--group", default=None, help="only this group (e.g. safety)")
    options.switch(
        parser,
        "--json",
        "one JSON list: name, default, low, high, unit, group, evidence, size, source, range, prior",
    )


def run(args: argparse.Namespace) -> int:
    from peersim.data.register import describe

    rows = describe()
    groups = list(dict.fromkeys(r["group"] for r in rows))
    if args.group is not None and args.group not in groups:
        raise UsageError(f"--group {args.group!r}: unknown; groups are {', '.join(groups)}")
    if args.json:
        import json

        keys = (
            "name",
            "default",
            "low",
            "high",
            "unit",
            "group",
            "evidence",
            "size",
            "source",
            "range",
            "prior",
        )
        chosen = [r for r in rows if args.group in (None, r["group"])]
        plain = [{k: _jsonable(r[k]) for k in keys} for r in chosen]
        print(json.dumps(plain, indent=1, ensure_ascii=False))
        return 0
    print(
        "evidence, two letters: the direction's grade, then the size's (S seed, T trial, L literature,"
        " A assumption; --json: sources, priors)"
    )
    width = max(len(r["name"]) for r in rows)
    for group in groups:
        if args.group not in (None, group):
            continue
        print(f"[{group}]")
        for r in (r for r in rows if r["group"] == group):
            default = r["default"]
            if isinstance(default, tuple):
                default = ",".join(default) or "(none)"
            unit = f" {r['unit']}" if r["unit"] else ""
            grade = r["evidence"][0].upper() + r["size"][0].upper()
            print(f"  {grade} {r['name']:{width}s} {default!s:>14s}   [{r['valid']}{unit}]  {r['meaning']}")
        print()
        if group == "theory":  # what each choice of `theory` means (docs/ODD.md, 7.14)
            from peersim.core.theories import THEORIES

            for theory in THEORIES.values():
                print(textwrap.indent(theory.describe(), "    "), end="\n\n")
    return 0


def _jsonable(value):
    """Parameter values for JSON: the session plan as its titles, tuples as lists."""
    if isinstance(value, tuple):
        return [v.title if hasattr(v, "title") else v for v in value]
    return value
