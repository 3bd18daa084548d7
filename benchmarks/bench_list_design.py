"""How long a large list design takes to read before any course runs (issue 19).

    .venv/bin/python benchmarks/bench_list_design.py [--points 10000] [--repeat 3]

Writes a TOML spec whose design lists ``--points`` points, each setting four parameters (a
number, a whole number, a word and a boolean, as a researcher's table of scenarios would), then
times, best of ``--repeat``:
  parse    load_spec(file): reading and checking the spec (the target: under 2 s for 10,000 points);
  --out    load_spec then .replace(out=...), as `peersim sweep SPEC --out DIR` does;
  prepare  what run_sweep does before its first chunk: the design table and its parameter sets.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from _common import options

from peersim.sweep import load_spec

SETTINGS = ("civil_society", "mental_health_service")


def write_spec(path: Path, points: int) -> None:
    lines = ['name = "many_points"', "seed = 1", "replicates = 1", "[design]", 'kind = "list"', "points = ["]
    for k in range(points):
        lines.append(
            f"  {{ facilitator_skill = {0.2 + 0.7 * (k % 97) / 96:.4f}, group_size = {4 + k % 13},"
            f' setting = "{SETTINGS[k % 2]}", covid_restrictions = {"true" if k % 3 == 0 else "false"} }},'
        )
    lines.append("]")
    path.write_text("\n".join(lines) + "\n")


def best(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    args = options(__doc__, points=10_000, repeat=3)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "many_points.toml"
        write_spec(path, args.points)
        spec = load_spec(path)
        assert spec.n_points() == args.points
        parse = best(args.repeat, lambda: load_spec(path))
        out = best(args.repeat, lambda: load_spec(path).replace(out=str(Path(folder) / "raw")))

        def prepare() -> None:
            design = spec.design()
            spec.param_sets(design)

        ready = best(args.repeat, prepare)
    print(f"list design of {args.points:,} points (best of {args.repeat}):")
    print(f"  parse    {parse:6.2f} s   load_spec(file)")
    print(f"  --out    {out:6.2f} s   load_spec(file).replace(out=...)")
    print(f"  prepare  {ready:6.2f} s   design() and param_sets() before the first chunk")


if __name__ == "__main__":
    main()
