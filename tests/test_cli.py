"""The command line: a small run end to end, and every error path (one line, exit code 2)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from peersim.apps import cli
from peersim.apps.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "peersim.apps.cli", *args], capture_output=True, text=True)


def test_run_prints_summary_and_writes_outputs(tmp_path):
    out = tmp_path / "res"
    proc = run_cli("run", "--runs", "50", "--seed", "3", "--out", str(out), "--set", "group_size=6")
    assert proc.returncode == 0, proc.stderr
    assert "Dropout:" in proc.stdout and "Mechanism activation" in proc.stdout
    assert "6 per group" in proc.stdout
    assert "Effect against service as usual" in proc.stdout and "d = " in proc.stdout
    assert "Effect against service as usual" in proc.stdout and "d = " in proc.stdout
    for name in (
        "participants.parquet",
        "groups.parquet",
        "dropout_by_session.csv",
        "outcome_changes.csv",
        "mechanism_activation.csv",
        "headline.csv",
        "effect_vs_control.csv",
        "summary.png",
    ):
        assert (out / name).exists(), name


def test_params_lists_every_parameter(capsys):
    assert main(["params"]) == 0
    text = capsys.readouterr().out
    assert "group_size" in text and "facilitator_skill" in text and "[intervention]" in text
    assert main(["params", "--group", "safety"]) == 0
    assert "group_size" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--set", "grup_size=10"], "unknown parameter 'grup_size'; did you mean 'group_size'?"),
        (["run", "--set", "facilitator_skill=1.5"], "facilitator_skill = 1.5 is out of range"),
        (["run", "--set", "group_size"], "expected name=value"),
        (["run", "--set", "covid_restrictions=maybe"], "must be true or false"),
        (["run", "--set", "facilitator_skill=high"], "must be a number"),
        (["run", "--set", "setting=ngo"], "choose one of"),
        (["run", "--set", "disabled_mechanisms=sharng"], "did you mean 'sharing'"),
        (["run", "--set", "session_plan=x"], "cannot be set on the command line"),
        (["run", "--runs", "0"], "--runs 0"),
        (["run", "--seed", "-3"], "--seed -3"),
        (["params", "--group", "nope"], "unknown; groups are"),
    ],
)
def test_bad_input_one_line_exit_2_no_traceback(args, message):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_out_that_is_a_file_fails_before_simulating(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    proc = run_cli("run", "--runs", "5", "--out", str(target))
    assert proc.returncode == 2 and "not a folder" in proc.stderr
    assert "Dropout" not in proc.stdout  # nothing was computed and then thrown away
    assert target.read_text() == "keep me"


def test_argparse_errors_exit_2():
    proc = run_cli("run", "--runs", "many")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = run_cli("fly")
    assert proc.returncode == 2


def test_every_command_is_its_own_module_and_listed_in_the_help(capsys, monkeypatch):
    """peersim/apps/cli/ holds one module per command (and options.py, shared), each in COMMANDS
    under its own name with HELP, add and run; `peersim --help` lists each with its HELP line."""
    modules = {p.stem for p in Path(cli.__file__).parent.glob("*.py")} - {"__init__", "__main__", "options"}
    assert set(cli.COMMANDS) == modules
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping of the help lines
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "{" + ",".join(cli.COMMANDS) + "}" in text
    for name, module in cli.COMMANDS.items():
        assert module.__name__ == f"peersim.apps.cli.{name}"
        assert callable(module.add) and callable(module.run)
        assert re.search(rf"^ +{name} +{re.escape(module.HELP)}$", text, re.M), name
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: peersim {name} ")


OUTSIDER = "docs/examples/outsider.csv"


def test_population_for_run_trial_and_icamo(capsys, tmp_path):
    import pandas as pd

    import peersim

    people = pd.read_csv(OUTSIDER)
    assert (
        main(["run", "--runs", "12", "--population", OUTSIDER, "--no-control", "--out", str(tmp_path)]) == 0
    )
    assert "8 per group" in capsys.readouterr().out
    written = pd.read_parquet(tmp_path / "participants.parquet")
    assert (written.age.to_numpy().reshape(-1, 8) == people.age.to_numpy()).all()
    expected = peersim.simulate(peersim.Params(), runs=12, seed=2024, population=people).participants
    pd.testing.assert_frame_equal(written, expected)
    assert main(["trial", "--n-per-arm", "16", "--population", OUTSIDER, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "groups of 8" in out and "PEER [95% CI]" in out
    assert main(["icamo", "--runs", "20", "--population", OUTSIDER, "--strata", "employed"]) == 0
    assert "employed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--population", "nope.csv"], "--population nope.csv: cannot read it as CSV"),
        (["trial", "--population", OUTSIDER, "--set", "group_size=5"], "drop --set group_size"),
        (["icamo", "--sweep", "x", "--population", OUTSIDER], "--population does not apply to --sweep"),
    ],
)
def test_population_errors_one_line_exit_2(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
