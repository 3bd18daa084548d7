"""Scale: a 1,000,000-course sweep with summary output, bounded memory, near workers x the
single-core rate.

    .venv/bin/python benchmarks/bench_sweep.py [--runs 1000000] [--workers 2] [--chunk 5000]

Measures, in one run: the batch engine's single-core rate (20,000 courses in this process), then
the sweep through the local process pool (participants and groups tables written as Parquet),
its rate, the ratio to workers x single-core rate, and peak memory of the main process and of
the largest worker (max RSS).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import peersim
from peersim.sweep import load_results, parse_spec, run_sweep


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the results here")
    args = parser.parse_args()

    peersim.simulate(runs=500, seed=0)
    start = time.perf_counter()
    peersim.simulate(runs=20_000, seed=1)
    single = 20_000 / (time.perf_counter() - start)

    out = args.keep or Path(tempfile.mkdtemp(prefix="peersim-bench-"))
    spec = parse_spec(
        {
            "name": "scale",
            "seed": 1,
            "replicates": args.runs,
            "chunk_size": args.chunk,
            "out": str(out / "sweep"),
            "design": {"kind": "single"},
        }
    )
    report = run_sweep(spec, workers=args.workers, progress=False, overwrite=True)
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size = sum(f.stat().st_size for f in (out / "sweep").rglob("*.parquet")) / 2**20
    rows = load_results(out / "sweep").dataset("groups").count_rows()
    print(f"single core (batch engine, this process): {single:,.0f} courses/s")
    print(
        f"sweep: {report.runs:,} courses in {report.seconds:.1f} s with {args.workers} workers,"
        f" chunks of {args.chunk:,}: {report.rate:,.0f} courses/s"
        f" = {report.rate / (single * args.workers):.0%} of {args.workers} x single core"
    )
    print(f"peak memory: main process {main_rss:,.0f} MiB, largest worker {worker_rss:,.0f} MiB")
    print(f"written: {size:,.0f} MiB of Parquet; groups table {rows:,} rows")
    if args.keep is None:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
