"""Global sensitivity: the sampling and analysis code checked on the Ishigami function, then run on
the model through the experiments runner."""

from __future__ import annotations

import numpy as np
import pytest

from peersim.stats.sensitivity import analyse, run_sensitivity, sample
from peersim.sweep import SerialExecutor, SpecError, load_results, parse_spec, run_sweep

PI = float(np.pi)
RANGES = {"x1": [-PI, PI], "x2": [-PI, PI], "x3": [-PI, PI]}


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_ishigami_match_the_known_values():
    # known values (Ishigami & Homma 1990; a=7, b=0.1): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244
    x = sample("saltelli", RANGES, 4096, seed=1)
    table = analyse("saltelli", RANGES, x, {"y": ishigami(x)}, seed=1, resamples=200).set_index("parameter")
    np.testing.assert_allclose(table.S1, [0.314, 0.442, 0.0], atol=0.03)
    np.testing.assert_allclose(table.ST, [0.558, 0.442, 0.244], atol=0.03)


def test_morris_ranks_ishigami_inputs():
    x = sample("morris", RANGES, 200, seed=2, levels=4)
    table = analyse("morris", RANGES, x, {"y": ishigami(x)}, seed=2, levels=4, resamples=200).set_index(
        "parameter"
    )
    # x2 has the largest mean absolute effect; x3 acts only through its interaction with x1
    assert table.mu_star["x2"] > table.mu_star["x1"] > table.mu_star["x3"] * 0.5
    assert table.sigma["x3"] > 0 and abs(table.mu["x3"]) < table.mu_star["x3"]


def test_sensitivity_of_the_model_through_the_runner(tmp_path):
    spec = parse_spec(
        {
            "name": "sens",
            "seed": 3,
            "replicates": 10,
            "chunk_size": 10,
            "out": str(tmp_path / "sens"),
            "tables": ["groups", "control"],
            "design": {
                "kind": "saltelli",
                "n": 8,
                "ranges": {"dropout_intercept": [-4.0, -0.5], "facilitator_skill": [0.1, 1.0]},
            },
        }
    )
    assert len(spec.design()) == 8 * (2 + 2)
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    table, outputs = run_sensitivity(load_results(spec.out_dir), seed=3, resamples=100)
    assert set(table.output) == {"dropout", "recovery_gain", "hope_gain", "trial_d"}
    assert np.isfinite(outputs.trial_d).all() and (outputs.trial_d > 0).all()
    # the dropout intercept drives dropout more than anything else
    dropout = table[table.output == "dropout"].set_index("parameter")
    assert dropout.ST["dropout_intercept"] > dropout.ST["facilitator_skill"]


@pytest.mark.parametrize(
    ("design", "message"),
    [
        ({"kind": "saltelli", "n": 10, "ranges": {"age_sd": [1, 5]}}, "power of two"),
        ({"kind": "morris", "n": 4, "levels": 3, "ranges": {"age_sd": [1, 5]}}, "even whole number"),
        ({"kind": "morris", "n": 4, "ranges": {"age_sd": [1, 50]}}, "outside the parameter's valid range"),
    ],
)
def test_sensitivity_spec_errors(tmp_path, design, message):
    with pytest.raises(SpecError, match=message):
        parse_spec({"name": "x", "replicates": 2, "out": str(tmp_path), "design": design})


def test_cli_sensitivity(tmp_path):
    import subprocess
    import sys

    spec = tmp_path / "s.toml"
    spec.write_text(
        f'name = "s"\nseed = 1\nreplicates = 6\nchunk_size = 6\nout = "{tmp_path / "out"}"\n'
        '[design]\nkind = "morris"\nn = 4\n[design.ranges]\nfacilitator_skill = [0.2, 1.0]\n'
        "safety_rate = [0.1, 0.6]\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "peersim.apps.cli",
            "sensitivity",
            str(spec),
            "--workers",
            "1",
            "--quiet",
            "--allow-outside",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "most influential" in proc.stdout
    assert (tmp_path / "out" / "sensitivity_indices.csv").exists() and (
        tmp_path / "out" / "sensitivity.png"
    ).exists()
    grid = tmp_path / "g.toml"
    grid.write_text('replicates = 2\n[design]\nkind = "grid"\n[design.factors]\ngroup_size = [5, 6]\n')
    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "sensitivity", str(grid)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "needs saltelli or morris" in proc.stderr
