"""Posterior runs against default runs, per course (issue 10: at most 1.2x).

    .venv/bin/python benchmarks/bench_posterior.py [--runs 20000] [--rounds 3]

Times ``simulate(Params(), runs, seed)`` and ``simulate(..., uncertainty="posterior")`` (every run
its own draw of the shipped posterior: many parameters per run) alternately in this process, held
to one thread, best of each round, and prints their ratio.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from _common import options

import peersim


def rate(runs: int, **kwargs) -> float:
    start = time.perf_counter()
    peersim.simulate(runs=runs, seed=1, **kwargs)
    return runs / (time.perf_counter() - start)


def main() -> None:
    args = options(__doc__, runs=20_000, rounds=3)
    post = peersim.posterior()
    print(f"posterior: {len(post):,} draws of {len(post.columns) - 1} parameters")
    rate(500)
    rate(500, uncertainty="posterior")
    for i in range(args.rounds):
        plain = rate(args.runs)
        drawn = rate(args.runs, uncertainty="posterior")
        print(
            f"round {i + 1}: default {plain:,.0f} courses/s, posterior {drawn:,.0f} courses/s:"
            f" posterior costs {plain / drawn:.2f}x per course"
        )


if __name__ == "__main__":
    main()
