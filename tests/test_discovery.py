"""Scenario discovery: PRIM finds a planted box."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from peersim.stats.condition import ConditionError, parse_condition
from peersim.stats.discovery import DensityWarning, discover, find_box
from peersim.sweep.metadata import sealed


def test_prim_finds_the_planted_region():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"skill": rng.random(600), "size": rng.integers(4, 17, 600), "noise": rng.random(600)})
    cases = ((x.skill < 0.3) & (x["size"] > 10)).to_numpy()
    box, trajectory = discover(x, cases)
    lims = box.set_index("parameter")
    assert set(lims.index) >= {"skill", "size"}
    assert lims.loc["skill", "high"] == pytest.approx(0.3, abs=0.06)
    assert lims.loc["size", "low"] == pytest.approx(10.5, abs=1.0)
    assert box.coverage.iloc[0] >= 0.8 and box.density.iloc[0] >= 0.8
    assert len(trajectory) > 1


def test_nothing_to_discover():
    x = pd.DataFrame({"a": np.linspace(0, 1, 20)})
    with pytest.raises(ValueError, match="nothing to discover"):
        discover(x, np.zeros(20, dtype=bool))


def test_a_box_below_the_density_asked_for_comes_with_a_warning():
    # cases independent of the inputs: no box can be much denser than the base rate (30%)
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.random(300), "b": rng.random(300)})
    cases = rng.random(300) < 0.3
    with pytest.warns(DensityWarning, match="no box on the peeling trajectory reaches density 99%") as got:
        found = find_box(x, cases, min_density=0.99)
    assert not found.reached
    assert found.density == found.trajectory.density.max() < 0.99  # the densest box
    message = str(got[0].message)
    assert f"box {found.chosen} " in message and f"density {found.density:.0%}" in message
    assert found.cases == cases.sum() and found.points == 300
    assert found.cases_in_box == round(found.density * found.points_in_box)
    # a density the trajectory reaches: no warning, the most covering such box
    with warnings.catch_warnings():
        warnings.simplefilter("error", DensityWarning)
        easy = find_box(x, cases, min_density=found.trajectory.density.min())
    assert easy.reached and easy.coverage == 1.0
    # the two-table form is the same box
    with pytest.warns(DensityWarning):
        table, trajectory = discover(x, cases, min_density=0.99)
    assert table.density.iloc[0] == found.density and len(trajectory) == len(found.trajectory)


# --- the condition language ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "shown", "columns"),
    [
        ("dropout > 0.3", "dropout > 0.3", ["dropout"]),
        ("dropout>=.3", "dropout >= 0.3", ["dropout"]),
        ("trial_d < -1e-3", "trial_d < -0.001", ["trial_d"]),
        ("a == 2 and b <= 1", "a == 2 and b <= 1", ["a", "b"]),
        # and binds tighter than or, as in Python
        ("a > 1 or b < 2 and c > 3", "a > 1 or (b < 2 and c > 3)", ["a", "b", "c"]),
        ("(a > 1 OR b < 2) AND a > 0", "(a > 1 or b < 2) and a > 0", ["a", "b"]),
        ("((a > 1))", "a > 1", ["a"]),
    ],
)
def test_conditions_parse(text, shown, columns):
    condition = parse_condition(text)
    assert str(condition) == shown
    assert condition.columns == columns


def test_conditions_evaluate_exactly_with_nan_false():
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, np.nan], "b": [1, 1, 0, 0]})
    assert parse_condition("a >= 1 and b == 1 or a > 1.5").evaluate(frame).tolist() == [0, 1, 1, 0]
    assert parse_condition("a < 1 or a >= 1").evaluate(frame).tolist() == [1, 1, 1, 0]
    assert parse_condition("a > 1").evaluate(frame).dtype == bool
    with pytest.raises(ConditionError, match=r"unknown column 'aa'; did you mean 'a'\?"):
        parse_condition("aa > 1").evaluate(frame)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the condition is empty"),
        ("dropout >", "expected a number after 'dropout >', found the end"),
        ("dropout 0.3", "expected a comparison (>= <= == > <) after 'dropout', found '0.3' at character 9"),
        ("> 0.3", "expected a column name, found '>' at character 1"),
        ("dropout = 0.3", "unexpected '=' at character 9 (use == to compare)"),
        ("a != 3", "unexpected '!' at character 3"),
        ("a > 1 && b > 2", "unexpected '&' at character 7 (use and)"),
        ("a > 1 b", "expected 'and', 'or' or the end, found 'b' at character 7"),
        ("a > 1 and", "expected a column name, found the end"),
        ("a > 1 or or b > 2", "expected a column name, found 'or' at character 10"),
        ("(a > 1", "expected ')', found the end"),
        ("a > 1)", "found ')' at character 6"),
        ("a > 0.3.4", "malformed number '0.3.4' at character 5"),
        ("a > 1e", "malformed number '1e'"),
        ("a > nan", "expected a number after 'a >', found 'nan'"),
        ("a > 1e400", "the number 1e400 is out of range"),
        ("__import__('os') > 1", 'unexpected "\'" at character 12'),  # nothing here can run
        ("(" * 40 + "a > 1" + ")" * 40, "nested more than 30 deep"),
        ("a > 1 or " * 200 + "a > 1", "too long"),
    ],
)
def test_malformed_conditions_name_the_problem(text, message):
    with pytest.raises(ConditionError) as error:
        parse_condition(text)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


# --- a sweep's cases, and `peersim discover` ---------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    """40 design points, 4 groups each (a fraction of a second): dropout rises with its intercept."""
    from peersim.sweep import SerialExecutor, parse_spec, run_sweep

    ranges = {"dropout_intercept": [-4.0, -0.5], "facilitator_skill": [0.1, 1.0], "tie_rate": [0.2, 0.5]}
    spec = parse_spec(
        {
            "name": "tiny_discovery",
            "seed": 11,
            "replicates": 4,
            "chunk_size": 200,
            "tables": ["groups", "control"],
            "fixed": {"follow_up_weeks": 4},
            "out": str(tmp_path_factory.mktemp("discovery") / "raw"),
            "design": {"kind": "lhs", "n": 40, "ranges": ranges},
            "people": "shared",  # the numbers below were pinned on the same people at every point
        }
    )
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    return spec.out_dir


def test_sweep_cases_per_point_and_per_run(tiny_sweep):
    from peersim.stats.outputs import outputs_by_point
    from peersim.sweep import load_results
    from peersim.sweep.discovery import sweep_cases

    res = load_results(tiny_sweep)
    x, cases = sweep_cases(tiny_sweep, "dropout > 0.3")
    design = res.design.sort_values("point").reset_index(drop=True)
    pd.testing.assert_frame_equal(x, design[res.varied])
    assert (cases == (outputs_by_point(res).dropout > 0.3).to_numpy()).all()
    x, cases = sweep_cases(res, "dropout_rate > 0.3 or trial_d < 0.15", per="point")
    means = res.groups.groupby("point").dropout_rate.mean().to_numpy()
    assert (cases == ((means > 0.3) | (outputs_by_point(res).trial_d < 0.15).to_numpy())).all()
    x, cases = sweep_cases(res, "dropout > 0.3", per="run", inputs=["tie_rate"])
    assert list(x.columns) == ["tie_rate"] and len(x) == 40 * 4
    assert (cases == (res.groups.dropout_rate > 0.3).to_numpy()).all()
    with pytest.raises(ConditionError, match=r"unknown column 'trial_d'.*\(columns: dropout, "):
        sweep_cases(res, "trial_d < 0.2", per="run")  # d is a point's, not a group's


def test_sweep_cases_leave_out_words_and_need_the_control_arm_for_d(tmp_path):
    from peersim.sweep import SerialExecutor, load_results, parse_spec, run_sweep
    from peersim.sweep.discovery import InputWarning, sweep_cases
    from peersim.sweep.store import StoreWarning

    rng = np.random.default_rng(0)
    settings = ["civil_society", "mental_health_service"] * 10
    intercepts = rng.uniform(-4, -0.5, 20)
    points = [{"setting": s, "dropout_intercept": d} for s, d in zip(settings, intercepts, strict=True)]
    spec = parse_spec(
        {
            "name": "words",
            "seed": 3,
            "replicates": 3,
            "tables": ["groups"],
            "out": str(tmp_path / "raw"),
            "design": {"kind": "list", "points": points},
        }
    )
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    with pytest.warns(InputWarning, match="left out of the inputs, not numeric: setting"):
        x, _ = sweep_cases(spec.out_dir, "dropout > 0.3")
    assert list(x.columns) == ["dropout_intercept"]
    with pytest.raises(ValueError, match="input 'setting' is not numeric"):
        sweep_cases(spec.out_dir, "dropout > 0.3", inputs=["setting"])
    with pytest.raises(ConditionError, match="trial_d needs the control arm, which this sweep did not keep"):
        sweep_cases(spec.out_dir, "trial_d < 0.2")
    # an unfinished sweep says so once, however many of its tables are read
    provenance = spec.out_dir / "provenance.json"
    record = json.loads(provenance.read_text())  # as a writer stopped mid-sweep leaves it: sealed
    provenance.write_text(json.dumps(sealed({**record, "status": "interrupted"})))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        where = "dropout > 0.3 and dropout_rate > 0.2"  # two reads of the groups table
        sweep_cases(load_results(spec.out_dir), where, inputs=["dropout_intercept"])
    assert [w.category for w in caught] == [StoreWarning]


def test_cli_discover_prints_the_box_and_writes_its_files(tiny_sweep, tmp_path, capsys):
    from peersim.apps.cli import main

    out = tmp_path / "prim"
    assert main(["discover", str(tiny_sweep), "--where", "dropout > 0.3", "--out", str(out)]) == 0
    text, err = capsys.readouterr()
    assert "dropout > 0.3 holds at 17 of 40 design points (42%)" in text
    assert "the most covering with density >= 80%" in text and "dropout_intercept" in text
    assert re.search(r"Coverage \d+% \(\d+ of the 17 cases\), density \d+% .* mass \d+%", text)
    assert err == ""  # the box reaches the density asked for: no warning
    box = pd.read_csv(out / "prim_box.csv")
    assert set(box.parameter) <= {"dropout_intercept", "facilitator_skill", "tie_rate"}
    assert (box.density >= 0.8).all() and (box.cases == 17).all()
    assert (out / "peeling_trajectory.png").stat().st_size > 0
    assert len(pd.read_csv(out / "peeling_trajectory.csv")) > 1
    # the inputs that do not drive dropout cannot give a dense box: said in one warning line
    argv = ["discover", str(tiny_sweep), "--where", "dropout > 0.3", "--inputs", "facilitator_skill,tie_rate"]
    assert main([*argv, "--min-density", "0.99"]) == 0
    text, err = capsys.readouterr()
    assert "dropout_intercept" not in text and "the densest; none reaches density 99%" in text
    assert len(err.strip().splitlines()) == 1
    assert re.match(
        r"peersim: warning: no box on the peeling trajectory reaches density 99%; returning"
        r" the densest, box \d+ of the \d+ \(density \d+%",
        err,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "dropuot > 0.3"], "unknown column 'dropuot'; did you mean 'dropout'? (columns: dropout"),
        (["--where", "dropout >"], "expected a number after 'dropout >', found the end (columns: dropout,"),
        (["--where", "dropout = 0.3"], "use == to compare"),
        (["--where", "dropout > 5"], "holds for none of the 40 design points (dropout from"),
        (["--where", "dropout >= 0"], "holds for all of the 40 design points"),
        (["--where", "dropout > 0.3", "--inputs", "skill"], "input 'skill' is not a varied parameter"),
        (["--where", "dropout > 0.3", "--min-density", "1.5"], "min_density = 1.5"),
    ],
)
def test_cli_discover_errors_one_line_exit_2(tiny_sweep, capsys, args, message):
    from peersim.apps.cli import main

    assert main(["discover", str(tiny_sweep), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_cli_discover_without_the_workbench_says_how_to_install_it(tiny_sweep, capsys, monkeypatch):
    import sys

    from peersim.apps.cli import main

    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # as if not installed
    assert main(["discover", str(tiny_sweep), "--where", "dropout > 0.3"]) == 2
    assert capsys.readouterr().err == (
        "peersim: error: scenario discovery needs the EMA Workbench: pip install 'peersim[prim]'\n"
    )


def test_cli_discover_errors_in_a_real_process(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "discover", str(tmp_path), "--where", "dropout > 0.3"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"peersim: error: {tmp_path} holds no sweep results (no spec.json)"
