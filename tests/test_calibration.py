"""Calibration: the target set, the loss, resumability, and the defaults meeting every target."""

from __future__ import annotations

import pandas as pd
import pytest

from peersim import Params
from peersim.analysis.calibration import calibrate, check, distance, evaluate, evaluate_sets, load_targets


def test_the_defaults_meet_every_target():
    targets = load_targets()
    fit = check(evaluate(Params(), runs=1500, seed=2024), targets)
    missed = fit[~fit.met]
    assert missed.empty, missed[["target", "value", "goal", "tolerance"]].to_string()


def test_targets_are_machine_readable_and_cover_the_patterns():
    targets = load_targets()
    assert {
        "dropout_rate",
        "trial_d_qpr",
        "companionship_uptake_covid",
        "cohesion_outcome_r",
        "trial_d_social_relations",
        "safety_knockout_share_ratio",
    } <= set(targets)
    assert all(t.get("source") for t in targets.values())


def test_check_and_distance_by_hand():
    targets = {
        "a": {"value": 0.2, "tolerance": 0.1, "kind": "near"},
        "b": {"value": 0.5, "kind": "at_least", "scale": 0.1},
        "c": {"value": 0.5, "kind": "at_most", "scale": 0.1},
    }
    fit = check({"a": 0.25, "b": 0.45, "c": 0.4}, targets).set_index("target")
    assert fit.met.tolist() == [True, False, True]
    # a: inside tolerance, centre term 0.1 * (0.05 / 0.1)^2 = 0.025; b: miss 0.05 / 0.1 = 0.5 -> 10 * 0.25
    assert distance({"a": 0.25, "b": 0.45, "c": 0.4}, targets) == pytest.approx(0.025 + 2.5)


def test_bad_target_file(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[x]\nvalue = 1\nkind = "near"\n')
    with pytest.raises(ValueError, match="needs a tolerance"):
        load_targets(path)


def test_calibration_resumes_from_its_journal(tmp_path):
    space = {"dropout_intercept": (-3.0, -1.5)}
    journal = tmp_path / "journal.log"
    first = calibrate(space, trials=2, journal=journal, runs=60, seed=1)
    assert len(first) == 2
    assert (
        first.loc[first.trial == 0, "dropout_intercept"].item() == Params().dropout_intercept
    )  # defaults first
    more = calibrate(space, trials=4, journal=journal, runs=60, seed=1)
    assert len(more) == 4 and set(first.trial) <= set(more.trial)


def test_evaluate_sets_is_evaluate_for_each_set():
    sets = pd.DataFrame({"dropout_intercept": [-3.0, -2.0], "tie_rate": [0.3, 0.45]}, index=["x", "y"])
    together = evaluate_sets(sets, runs=60, seed=3, n_per_arm=80)
    assert together.index.tolist() == ["x", "y"]
    for label, row in sets.iterrows():
        alone = evaluate(Params(**row.to_dict()), runs=60, seed=3, n_per_arm=80)
        assert together.loc[label].to_dict() == alone


def test_calibration_in_batches(tmp_path):
    space = {"dropout_intercept": (-3.0, -1.5), "tie_rate": (0.2, 0.5)}
    table = calibrate(space, trials=5, journal=tmp_path / "j.log", runs=40, seed=2, batch=3)
    assert len(table) == 5 and table.loss.is_monotonic_increasing
    assert table.dropout_intercept.between(-3.0, -1.5).all()
    with pytest.raises(ValueError, match="batch = 0"):
        calibrate(space, trials=1, journal=tmp_path / "k.log", batch=0)
