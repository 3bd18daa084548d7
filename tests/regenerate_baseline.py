"""Regenerate tests/baseline.json: headline statistics of a fixed-seed run at the defaults.

Run it (``make baseline``) only when a change to the model is intended, and say so in the commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import peersim
from peersim.report.summary import headline

PATH = Path(__file__).with_name("baseline.json")
RUNS, SEED = 2000, 7


def compute() -> dict[str, float]:
    return headline(peersim.simulate(peersim.Params(), runs=RUNS, seed=SEED))


if __name__ == "__main__":
    values = compute()
    PATH.write_text(json.dumps({"runs": RUNS, "seed": SEED, "headline": values}, indent=2) + "\n")
    print(f"wrote {PATH}")
