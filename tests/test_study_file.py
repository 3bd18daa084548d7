"""Studies as data: the study file, its errors, and studies other than the PEER trial."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

import peersim
from peersim.data.study import StudyError, load_study, parse_key, peer_trial, study_from_dict

ROOT = Path(__file__).resolve().parent.parent

#: a site of one's own (docs/your-study.md): 4 groups of 8 against a waitlist of 30
SITE = (ROOT / "studies" / "example_site.toml").read_text(encoding="utf-8")


def _site(tmp_path, text=SITE):
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_peer_trial_file_is_the_package_data_and_reads():
    assert (ROOT / "studies" / "peer_trial.toml").read_bytes() == (
        ROOT / "peersim" / "data" / "studies" / "peer_trial.toml"
    ).read_bytes()
    study = peer_trial()
    assert [(a.name, a.kind, a.people, a.groups) for a in study.arms] == [
        ("peer", "peer", 145, 19),
        ("control", "usual", 151, 19),
    ]
    assert study.reference.name == "control" and study.analysis == "mixed model"
    assert study.observations["trial_d_qpr"].key == "d:qpr:peer"
    # every design value our sources do not give says so
    for field in ("waves", "covid_waves", "missing.stayed", "missing.leavers", "measurement.reliability"):
        assert study.evidence[field].startswith("assumption:"), field


def test_a_site_of_its_own_reads_runs_and_is_observed(tmp_path):
    study = load_study(_site(tmp_path))
    assert [(a.people, a.groups) for a in study.arms] == [(32, 4), (30, 4)]
    obs = study.observations
    assert obs["left"].binomial and obs["left"].value == 7 / 32 and obs["left"].se > 0
    # the attendance register: one count per session, how many had left by then
    assert [obs[f"register.session_{s}"].key for s in (1, 10)] == ["left_by:peer:1", "left_by:peer:10"]
    assert obs["register.session_2"].value == 5 / 32 and not obs["register.session_2"].fit
    r = peersim.trial(study=study, seed=3, trials=2)
    assert set(r.table.analysis) == {"ancova", "intention to treat", "completers"}
    assert set(r.participants.groupby("arm").size()) == {64, 60}
    from peersim.inference.calibration import keys, load_targets, statistics

    targets = load_targets(study=study)  # its own observations only, not the PEER literature
    assert set(targets) == set(obs)
    stats = statistics(np.zeros((3, 0)), study=study, names=keys(targets))
    assert stats.shape == (3, len(keys(targets))) and stats["dropout:peer"].between(0, 1).all()
    # a count of leavers by session never falls
    by = stats[[f"left_by:peer:{s}" for s in range(1, 11)]].to_numpy()
    assert (np.diff(by, axis=1) >= 0).all() and np.allclose(by[:, -1], stats["dropout:peer"])


def test_a_third_arm_of_another_scenario_is_compared_with_the_reference(tmp_path):
    text = SITE.replace(
        '[[arms]]\nname = "waitlist"',
        '[[arms]]\nname = "paid"\nkind = "peer"\ngroups = 4\nscenario = { facilitator_role = "paid" }\n'
        '[[arms]]\nname = "waitlist"',
    )
    study = load_study(_site(tmp_path, text))
    r = peersim.trial(study=study, seed=1)
    assert sorted(set(r.table.arm)) == ["paid", "peer"]
    people = r.participants
    # arms never share people: their run numbers are apart
    runs = people.groupby("arm").run.agg(["min", "max"])
    assert runs.loc["peer", "max"] < runs.loc["paid", "min"]
    assert "paid against waitlist" in peersim.studies.trial.format_trial(r)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "My site"', 'name = "My site"\ncolour = 3'), "unknown field 'colour'"),
        (("groups = 4", "groups = 0"), "groups = 0 must be a whole number, 1 to"),
        (("people = 30", "people = 1"), "people = 1 must be a whole number, 2 to"),
        (('kind = "waitlist"', 'kind = "wait"'), "kind = 'wait'"),
        (('statistic = "dropout"', 'statistic = "attrition"'), "statistic = 'attrition' names no statistic"),
        (('outcome = "qpr"', 'outcome = "wellbeing"'), "outcome = 'wellbeing'"),
        (("k = 7\nn = 32", "k = 40\nn = 32"), "k = 40 must be a whole number, 0 to 32"),
        (("value = 4.0\nse = 1.5", "value = 4.0\nse = 0"), "se = 0.0 must be positive"),
        (("[missing]", "scenario = { nope = 1 }\n[missing]"), "unknown parameter 'nope'"),
        (('method = "ancova"', 'method = "anova"'), "analysis.method = 'anova'"),
        (("waves = 2", "waves = 2\ncovid_waves = 3"), "covid_waves = 3 must be a whole number, 0 to 2"),
        (("[3, 5, 5", "[3, 2, 5"), "they cannot fall"),
        (
            ('"attendance register: 5 of the 7 leavers after sessions 1-2"', '""'),
            "source must be a non-empty",
        ),
        (("group_size = 8", "group_size = 8\n[[x]]"), "unknown field 'x'"),
        (("group_size = 8", "group_size = ["), "not valid TOML"),
    ],
)
def test_a_broken_study_file_gets_one_line_naming_the_field(tmp_path, capsys, change, message):
    path = _site(tmp_path, SITE.replace(*change, 1))
    with pytest.raises(StudyError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_study(path)
    from peersim.apps.cli import main

    assert main(["trial", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_statistic_keys_are_checked_against_the_study():
    study = peer_trial()
    assert parse_key("early_leavers:peer:2", study) == {
        "statistic": "early_leavers",
        "arm": "peer",
        "session": 2,
    }
    for bad, message in (
        ("d:qpr:control", "reference arm"),
        ("dropout:control", "needs a group arm"),
        ("d:qpr", "is named d:outcome:arm"),
        ("mean:joy:peer", "outcome 'joy'"),
        ("left_by:peer:x", "session must be"),
    ):
        with pytest.raises(StudyError, match=message):
            parse_key(bad, study)


def test_exactly_one_reference_arm():
    data = tomllib.loads(SITE)
    data["arms"][1]["kind"] = "peer"
    with pytest.raises(StudyError, match="exactly one arm must be the reference"):
        study_from_dict(data)
    data["arms"][1]["reference"] = True
    assert study_from_dict(data).reference.name == "waitlist"


def test_calibrate_a_site_from_the_command_line(tmp_path, capsys):
    from peersim.apps.cli import main

    out = tmp_path / "cal"
    argv = ["calibrate", str(_site(tmp_path)), "--parameters", "dropout_intercept,tie_rate"]
    argv += ["--simulations", "120", "--accept", "40", "--check-draws", "20", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Posterior of 2 parameters given My site" in text and "Predictive check" in text
    import pandas as pd

    posterior = pd.read_csv(out / "posterior.csv")
    assert len(posterior) == 40 and posterior.weight.sum() == pytest.approx(1.0)
    assert posterior.dropout_intercept.nunique() > 1 and posterior.facilitator_skill.nunique() == 1
    check = pd.read_csv(out / "predictive_check.csv")
    assert {"left", "early", "gain", "register.session_1"} <= set(check.target)
    # resumable: the same run again reuses every simulated batch and gives the same posterior
    assert main(argv) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "posterior.csv"), posterior)
    capsys.readouterr()
    for bad, message in (
        (["--parameters", "nope"], "nope: no entry in the evidence register"),
        (["--parameters", "group_size"], "a design choice"),
        (["--accept", "3"], "--accept 3: must be at least 10"),
        (["--accept", "500"], "--accept 500: must be fewer than --simulations 120"),
    ):
        assert main([*argv, *bad]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_your_study_page(tmp_path, capsys, monkeypatch):
    """Every command on docs/your-study.md prints what the page shows."""
    import re
    import shlex

    from peersim.apps.cli import main

    page = (ROOT / "docs" / "your-study.md").read_text(encoding="utf-8")
    pairs = re.findall(r"```sh\n\$ (.+?)\n```\n\n```text\n(.*?)\n```", page, re.S)
    assert len(pairs) == 5
    monkeypatch.chdir(tmp_path)
    (tmp_path / "studies").mkdir()
    for name in ("example_site.toml", "peer_trial.toml"):
        (tmp_path / "studies" / name).write_bytes((ROOT / "studies" / name).read_bytes())
    for command, shown in pairs:
        assert main(shlex.split(command)[1:]) == 0
        printed = capsys.readouterr().out
        assert shown in printed, command


def test_power_of_a_design_from_the_command_line(tmp_path, capsys):
    from peersim.apps.cli import main
    from peersim.inference.power import power_curve, smallest

    curve = power_curve(peer_trial(), "qpr", [10, 60], trials=40, seed=3)
    assert curve.power.is_monotonic_increasing and (curve.low <= curve.power).all()
    assert (curve.people_per_arm == [10, 60]).all() and (curve.groups_per_arm == [2, 8]).all()
    assert smallest(curve, 1.01) is None
    out = tmp_path / "power"
    argv = ["power", str(ROOT / "studies" / "peer_trial.toml"), "--sizes", "10,60", "--trials", "40"]
    assert main([*argv, "--seed", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Power of PEER trial") and "warning: every modelled effect rests on" in text
    assert (out / "power.png").stat().st_size > 0
    import pandas as pd

    pd.testing.assert_frame_equal(pd.read_csv(out / "power.csv"), curve, check_dtype=False, atol=1e-5)
    assert main([*argv, "--uncertainty", "posterior"]) == 0
    assert capsys.readouterr().out.startswith("Assurance (power averaged over the posterior)")
    for bad, message in (
        (["--outcome", "joy"], "outcome = 'joy'"),
        (["--sizes", "a,b"], "--sizes a,b"),
        (["--trials", "3"], "trials = 3"),
    ):
        assert main([*argv, *bad]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1


# --- fuzz: edited study files end in a Study or one line (issue 21) ----------------------------------
EDITS = (
    None,
    True,
    0,
    -1,
    1,
    2.5,
    10**12,
    float("nan"),
    float("inf"),
    "",
    "x",
    "peer",
    "usual",
    "waitlist",
    "d",
    "qpr",
    [],
    [1, "x"],
    {},
    {"nope": 1},
    {"kind": "peer"},
)


def _paths(value, prefix=()):
    """Every place in a parsed study file: each table's fields and each list's items."""
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _paths(inner, (*prefix, i))


def _edited(data, rng: np.random.Generator):
    """``data`` with one to three random edits: a value replaced or rescaled, a field dropped or an
    unknown one added."""
    import copy

    data = copy.deepcopy(data)
    for _ in range(int(rng.integers(1, 4))):
        places = [p for p in _paths(data) if p]
        place = places[int(rng.integers(len(places)))]
        parent = data
        for step in place[:-1]:
            parent = parent[step]
        action = rng.integers(4)
        value = parent[place[-1]]
        if action == 3 and isinstance(value, int | float) and not isinstance(value, bool):
            scaled = value * float(rng.choice([0.0, 0.5, 0.9, 1.1, 2.0, 10.0]))
            parent[place[-1]] = round(scaled) if isinstance(value, int) else scaled  # a plausible slip
        elif action == 0:
            parent[place[-1]] = copy.deepcopy(EDITS[int(rng.integers(len(EDITS)))])
        elif action == 1 and isinstance(parent, dict):
            del parent[place[-1]]
        elif isinstance(parent, dict):
            parent["unknown_field"] = 1
    return data


def study_fuzz(cases: int, seed: int = 21) -> dict:
    """Edit the PEER trial's and the example site's files ``cases`` times each; count the outcomes."""
    rng = np.random.default_rng(seed)
    sources = {
        "peer_trial": tomllib.loads((ROOT / "studies" / "peer_trial.toml").read_text(encoding="utf-8")),
        "example_site": tomllib.loads(SITE),
    }
    found = {"read": 0, "refused": 0, "tracebacks": [], "long": []}
    for name, data in sources.items():
        for _ in range(cases):
            edited = _edited(data, rng)
            try:
                study = study_from_dict(edited, where=name, folder=ROOT / "studies")
                for observation in study.observations.values():  # each names a statistic of it
                    parse_key(observation.key, study)
                for arm in study.arms:
                    study.params(arm)
            except ValueError as error:  # StudyError, or Params naming a scenario's bad value
                found["refused"] += 1
                if "\n" in str(error) or len(str(error)) > 700:
                    found["long"].append(str(error))
            except Exception as error:  # what the fuzz looks for: anything that is not a StudyError
                found["tracebacks"].append(f"{type(error).__name__}: {error}")
            else:
                found["read"] += 1
    return found


def test_edited_study_files_read_or_refuse_in_one_line():
    found = study_fuzz(150)
    assert found["tracebacks"] == [] and found["long"] == []
    assert found["refused"] > 100 and found["read"] > 20  # both outcomes are exercised


if __name__ == "__main__":  # the counts for the note: python tests/test_study_file.py [cases]
    import sys

    found = study_fuzz(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
    crashes = len(found["tracebacks"])
    print(f"read {found['read']}, refused in one line {found['refused']}, tracebacks {crashes}")
    for line in sorted(set(found["tracebacks"]))[:20]:
        print("  " + line)
