"""Scale: a Sobol analysis over 20 parameters with N = 1024 and 20 replicates (1024 x 22 design
points x 20 groups = 450,560 PEER courses plus the same in the control arm: about 900,000
courses), through the experiments runner on this machine's cores.

    .venv/bin/python benchmarks/bench_sensitivity.py [--n 1024] [--replicates 20] [--workers 2] [--chunk 2000]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from peersim.stats.sensitivity import run_sensitivity
from peersim.sweep import load_results, load_spec, run_sweep

SPEC = Path(__file__).resolve().parent.parent / "experiments" / "sensitivity.toml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=2000, help="courses per chunk")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="peersim-sens-"))
    base = load_spec(SPEC)
    spec = base.replace(
        out=str(out),
        replicates=args.replicates,
        chunk_size=args.chunk,
        design={**base.to_dict()["design"], "n": args.n},
    )
    points = len(spec.design())
    start = time.perf_counter()
    report = run_sweep(spec, workers=args.workers, progress=False)
    sweep = time.perf_counter() - start
    table, _ = run_sensitivity(load_results(out), seed=1, resamples=500)
    total = time.perf_counter() - start
    courses = 2 * report.runs  # PEER and control arm
    print(
        f"Sobol: {len(base.ranges)} parameters, N = {args.n}: {points:,} design points x {args.replicates}"
        f" groups = {report.runs:,} PEER courses + {report.runs:,} control courses"
    )
    print(
        f"sweep {sweep:.0f} s ({courses / sweep:,.0f} courses/s with {args.workers} workers);"
        f" analysis {total - sweep:.0f} s; total {total / 60:.1f} min"
    )
    print(
        f"peak memory: main {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB,"
        f" largest worker {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MiB"
    )
    top = table[table.output == "trial_d"].nlargest(5, "ST")
    print(
        "trial d, largest total indices: " + ", ".join(f"{r.parameter} {r.ST:.2f}" for r in top.itertuples())
    )
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
