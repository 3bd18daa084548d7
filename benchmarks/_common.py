"""What the benchmarks share. They run as scripts (``python benchmarks/bench_x.py``): this folder
is then first on ``sys.path``, so ``from _common import options`` finds this module."""

from __future__ import annotations

import argparse


def options(doc: str | None, **defaults: int) -> argparse.Namespace:
    """The command line of a benchmark: one whole-number option per keyword, with its default
    (``mesa_runs=200`` is ``--mesa-runs``, 200 unless given)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, default in defaults.items():
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    return parser.parse_args()
