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


FACTORS = {
    "covid_restrictions": [False, True],
    "setting": ["civil_society", "mental_health_service"],
    "facilitator_skill": [0.2, 1.0],
}


def _spec(kind: str, ranges: dict, n: int, **extra) -> object:
    return parse_spec(
        {"name": "f", "seed": 4, "replicates": 1, "design": {"kind": kind, "n": n, **extra, "ranges": ranges}}
    )


def test_saltelli_takes_booleans_and_words_and_finds_their_indices():
    from peersim.stats.sensitivity import codes

    spec = _spec("saltelli", FACTORS, 1024)
    design = spec.design()
    # each value half the time, as the strata of the unit interval give it
    assert design.covid_restrictions.map(type).eq(bool).all()
    assert design.covid_restrictions.mean() == pytest.approx(0.5, abs=0.01)
    assert design.setting.eq("mental_health_service").mean() == pytest.approx(0.5, abs=0.01)
    # a number is sampled as before: as SALib scales it on its range
    numeric = sample("saltelli", {**FACTORS, "covid_restrictions": [0, 1], "setting": [0, 1]}, 1024, seed=4)
    np.testing.assert_array_equal(design.facilitator_skill.to_numpy(), numeric[:, 2])
    # a known answer: y = 3 (COVID) + 1 (in services) + skill; Var = 9/4, 1/4 and 0.64/12
    x = codes(design, FACTORS)
    y = 3 * x[:, 0] + x[:, 1] + x[:, 2]
    table = analyse("saltelli", FACTORS, x, {"y": y}, seed=4, resamples=100).set_index("parameter")
    total = 9 / 4 + 1 / 4 + 0.64 / 12
    np.testing.assert_allclose(table.S1, [9 / 4 / total, 1 / 4 / total, 0.64 / 12 / total], atol=0.02)


def test_morris_switches_a_boolean_at_every_step_of_it():
    from peersim.stats.sensitivity import codes

    spec = _spec("morris", FACTORS, 50, levels=4)
    design = spec.design()
    x = codes(design, FACTORS)
    steps = np.diff(x.reshape(50, 4, 3), axis=1)  # trajectories of d + 1 points, one factor moved a step
    moved = steps != 0
    assert (moved.sum(axis=2) == 1).all()  # one factor at a time
    # a boolean or a two-valued word moves by a whole value whenever it moves: it is switched
    assert set(np.abs(steps[..., 0][moved[..., 0]])) == {1.0} and set(
        np.abs(steps[..., 1][moved[..., 1]])
    ) == {1.0}
    y = 3 * x[:, 0] + x[:, 2]
    table = analyse("morris", FACTORS, x, {"y": y}, seed=4, levels=4, resamples=100).set_index("parameter")
    # its elementary effect is the switch's effect over the step (2/3 of the unit interval)
    assert table.mu_star["covid_restrictions"] == pytest.approx(3 / (2 / 3))
    assert table.mu_star["setting"] == 0 and table.mu_star["facilitator_skill"] == pytest.approx(0.8)


def test_a_sensitivity_sweep_with_a_word_and_a_boolean_runs(tmp_path):
    spec = parse_spec(
        {
            "name": "sens",
            "seed": 3,
            "replicates": 4,
            "chunk_size": 64,
            "out": str(tmp_path / "sens"),
            "tables": ["groups", "control"],
            "fixed": {"follow_up_weeks": 2},
            "design": {"kind": "saltelli", "n": 4, "ranges": FACTORS},
        }
    )
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    table, _ = run_sensitivity(load_results(spec.out_dir), seed=3, resamples=50)
    assert set(table.parameter) == set(FACTORS) and np.isfinite(table.ST).all()


def test_saltelli_spreads_whole_numbers_evenly_and_morris_keeps_its_grid():
    sizes = _spec("saltelli", {"group_size": [4, 16], "age_sd": [1, 5]}, 1024).design().group_size
    counts = sizes.value_counts()
    # rounding gave the end sizes half the weight of the others; strata give each about 1/13
    assert counts.index.sort_values().tolist() == list(range(4, 17))
    assert counts.min() > 0.85 * counts.max() and sizes.map(type).eq(int).all()
    grid = _spec("morris", {"group_size": [4, 16], "age_sd": [1, 5]}, 20, levels=4).design().group_size
    assert set(grid) <= {4, 8, 12, 16}  # the morris levels, scaled to the range


def test_the_sensitivity_study_varies_each_parameter_over_its_prior():
    """The committed study's ranges are the evidence register's priors (uniform, so their ends),
    not a range of its own: a range narrower than the prior hides part of what the parameter can
    do, one wider steps outside what the register allows. And it does not rest on a handful of
    groups: no shared-people warning at its replicates."""
    import tomllib
    from pathlib import Path

    from peersim.data.register import register
    from peersim.sweep.runner import people_warning
    from peersim.sweep.spec import load_spec

    path = Path(__file__).resolve().parents[1] / "experiments" / "sensitivity.toml"
    ranges = tomllib.loads(path.read_text(encoding="utf-8"))["design"]["ranges"]
    entries = register()
    for name, (low, high) in ranges.items():
        prior = entries[name].prior
        assert (low, high) == pytest.approx((prior.low, prior.high)), name
    assert not people_warning(load_spec(path))
