"""Sweeps of many parameter sets at the engine's speed (issue: parameters per run).

    .venv/bin/python benchmarks/bench_designs.py [--courses 20000] [--chunk 2000] [--repeat 2]

Runs, through the command line (`peersim sweep --workers 1`, a fresh process each, so peak memory
is the sweep's own), in one session and alternating:
  A. one scenario, 20,000 replicates;
  B. a Latin hypercube of 20,000 points over five parameters, one replicate each;
  C. a Latin hypercube of 1,000 points x 20 replicates.
Prints each one's courses/s (the sweep's own report), its ratio to A from the same round, peak
memory (max RSS of the sweep process) and the number of files written per table.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import options

RANGES = """[design.ranges]
facilitator_skill = [0.3, 1.0]
safety_rate = [0.15, 0.55]
safety_base = [0.3, 0.6]
tie_rate = [0.2, 0.5]
dropout_intercept = [-3.5, -1.5]
"""


def spec(name: str, replicates: int, chunk: int, design: str) -> str:
    return (
        f'name = "{name}"\nseed = 11\nreplicates = {replicates}\nchunk_size = {chunk}\n'
        f'tables = ["participants", "groups"]\n[design]\n{design}'
    )


def run(path: Path, out: Path) -> tuple[float, float, int]:
    """One sweep in a fresh process: its rate, its own peak memory (max RSS, MiB), files per table."""
    cmd = [
        sys.executable,
        "-m",
        "peersim.apps.cli",
        "sweep",
        str(path),
        "--workers",
        "1",
        "--quiet",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout = proc.stdout.read()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"sweep failed: {stderr}")
    rate = float(re.search(r"courses, ([\d,]+)/s", stdout).group(1).replace(",", ""))
    files = len(list((out / "groups").glob("*.parquet")))
    return rate, usage.ru_maxrss / 1024, files


def main() -> None:
    args = options(__doc__, courses=20_000, chunk=2000, repeat=2)
    tmp = Path(tempfile.mkdtemp(prefix="peersim-designs-"))
    n = args.courses
    designs = {
        "one scenario": spec("single", n, args.chunk, 'kind = "single"\n'),
        f"LHS {n:,} points x 1": spec("lhs1", 1, args.chunk, f'kind = "lhs"\nn = {n}\n' + RANGES),
        f"LHS {n // 20:,} points x 20": spec(
            "lhs20", 20, args.chunk, f'kind = "lhs"\nn = {n // 20}\n' + RANGES
        ),
    }
    paths = {}
    for i, (label, text) in enumerate(designs.items()):
        paths[label] = tmp / f"d{i}.toml"
        paths[label].write_text(text)
    # the first sweep process in a session pays for imports and caches: warm up once
    run(paths["one scenario"], tmp / "warm")
    for round_ in range(args.repeat):
        results = {}
        for i, label in enumerate(designs):
            out = tmp / f"out{round_}-{i}"
            results[label] = run(paths[label], out)
            shutil.rmtree(out)
        single = results["one scenario"][0]
        for label, (rate, rss, files) in results.items():
            print(
                f"round {round_ + 1}: {label:<24} {rate:>9,.0f} courses/s  {rate / single:5.2f} x one"
                f"  peak RSS {rss:,.0f} MiB  {files} files per table"
            )
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
