"""Sensitivity study: Sobol indices of the key outputs over 20 uncertain parameters.

python experiments/sensitivity.py [--small] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path

from peersim.stats.sensitivity import run_sensitivity, sensitivity_figure
from peersim.sweep.study import report_written, run_study, study_args


def main(argv=None) -> list:
    args = study_args(argv, __doc__)
    if args.small:  # a quick check: fewer base samples as well as fewer replicates
        args.small_design = {"n": 8}
    res, out = run_study(Path(__file__).with_suffix(".toml"), args)
    table, outputs = run_sensitivity(res, seed=2024, resamples=500)
    table.to_csv(out / "sobol_indices.csv", index=False, float_format="%.5g")
    outputs.to_csv(out / "outputs_by_point.csv", index=False, float_format="%.5g")
    return [sensitivity_figure(table, "saltelli", out / "sobol_indices.png"), out / "sobol_indices.csv"]


if __name__ == "__main__":
    sys.exit(report_written(main()))
