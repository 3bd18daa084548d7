"""Speed and memory of the two front ends, measured in one process and one run.

    make bench            # or: .venv/bin/python benchmarks/bench_engine.py [--runs 20000]

Reports courses per second of the batch engine (defaults, summary output, one core), of the Mesa
front end (same results, so the ratio is fair), the Mesa model's time per weekly step, and peak
memory. Targets (issue 2): batch >= 20,000 courses/s; Mesa < 2 ms per weekly step.
"""

from __future__ import annotations

import os
import resource
import time
import tracemalloc

# one core: no hidden threads in numerical libraries
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

from _common import options  # noqa: E402

import peersim  # noqa: E402
from peersim import Params, PeerGroupModel  # noqa: E402


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    args = options(__doc__, runs=20_000, mesa_runs=200, repeats=3)
    p = Params()
    weeks = p.n_sessions + p.follow_up_weeks

    peersim.simulate(p, runs=200, seed=0)  # warm up imports and caches
    batch = best_of(args.repeats, lambda: peersim.simulate(p, runs=args.runs, seed=1))
    batch_rate = args.runs / batch

    def mesa_courses() -> None:
        for run in range(args.mesa_runs):
            m = PeerGroupModel(params=p, rng=1, run=run)
            m.run_model()
            m.participants_frame()

    mesa = best_of(args.repeats, mesa_courses)
    mesa_rate = args.mesa_runs / mesa

    m = PeerGroupModel(params=p, rng=1, run=0)
    step_times = []
    while m.running:
        start = time.perf_counter()
        m.step()
        step_times.append(time.perf_counter() - start)
    course_steps = sorted(step_times[: p.n_sessions])
    step_ms = 1000 * sum(step_times) / len(step_times)

    tracemalloc.start()
    peersim.simulate(p, runs=args.runs, seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"peersim {peersim.__version__}: defaults, {weeks} weeks per course (10 sessions + follow-up)")
    print(
        f"batch engine    {batch_rate:10,.0f} courses/s  ({args.runs:,} courses, summary output,"
        f" best of {args.repeats})"
    )
    print(f"Mesa front end  {mesa_rate:10,.0f} courses/s  ({args.mesa_runs} courses incl. DataCollector)")
    print(f"ratio batch / Mesa: {batch_rate / mesa_rate:,.0f}x")
    print(
        f"Mesa weekly step: mean {step_ms:.2f} ms; course sessions median"
        f" {1000 * course_steps[len(course_steps) // 2]:.2f} ms, max {1000 * course_steps[-1]:.2f} ms"
    )
    print(
        f"peak traced memory of simulate({args.runs:,}): {peak / 2**20:.0f} MiB;"
        f" process max RSS {maxrss_mb:.0f} MiB"
    )


if __name__ == "__main__":
    main()
