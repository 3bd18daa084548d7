"""The single-scenario engine against an earlier commit, measured alternately in one run.

    .venv/bin/python benchmarks/bench_compare.py [--ref HEAD~1] [--runs 20000] [--rounds 4]

Exports the tree of ``--ref`` (``git archive``) into a temporary folder, then times
``simulate(Params(), runs, seed)`` with that tree and with this working tree, alternating, each in
a fresh process held to one thread, best of three per process. Prints both rates per round and
their ratio (this tree / ref); timings on a shared machine drift, so only same-round ratios count.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMER = """
import sys, time
sys.path.insert(0, {tree!r})
import peersim
assert peersim.__file__.startswith({tree!r}), peersim.__file__
peersim.simulate(runs=500, seed=0)
best = 0.0
for _ in range(3):
    start = time.perf_counter()
    peersim.simulate(runs={runs}, seed=1)
    best = max(best, {runs} / (time.perf_counter() - start))
print(best)
"""


def rate(tree: Path, runs: int) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    code = TIMER.format(tree=str(tree), runs=runs)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ref", default="HEAD~1")
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="peersim-ref-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.ref, "peersim"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        ratios = []
        for i in range(args.rounds):
            ref, new = rate(Path(tmp), args.runs), rate(ROOT, args.runs)
            ratios.append(new / ref)
            print(
                f"round {i + 1}: {args.ref} {ref:,.0f} courses/s, this tree {new:,.0f}: ratio {new / ref:.3f}"
            )
        print(f"ratio this tree / {args.ref}: median {sorted(ratios)[len(ratios) // 2]:.3f}")


if __name__ == "__main__":
    main()
