"""Experiments at scale: spec validation, designs, executors, resumable store, load_results."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pandas as pd
import pytest

import peersim
from peersim.sweep import SerialExecutor, SpecError, load_results, load_spec, parse_spec, run_sweep
from peersim.sweep.runner import SharedPeopleWarning
from peersim.sweep.spec import people_warning
from peersim.sweep.store import write_sealed

BASE = {
    "name": "tiny",
    "seed": 5,
    "replicates": 30,
    "chunk_size": 8,
    "fixed": {"follow_up_weeks": 4},
    "design": {"kind": "grid", "factors": {"group_size": [5, 9], "covid_restrictions": [False, True]}},
}


def spec_at(tmp_path, folder="run", **changes):
    return parse_spec({**BASE, "out": str(tmp_path / folder / "raw"), **changes})


def tables(folder) -> dict[str, pd.DataFrame]:
    res = load_results(folder)
    return {"participants": res.participants, "groups": res.groups}


def assert_same_tables(a, b):
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


# --- specs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fixed": {"grup_size": 5}}, "unknown parameter 'grup_size'; did you mean 'group_size'"),
        (
            {"design": {"kind": "lhs", "n": 8, "ranges": {"facilitator_skill": [0.2, 1.5]}}},
            "outside the parameter's valid range 0.0 to 1.0",
        ),
        ({"design": {"kind": "grid", "factors": {}}}, "at least one parameter"),
        ({"design": {"kind": "grid", "factors": {"group_size": []}}}, "non-empty list"),
        ({"design": {"kind": "list", "points": []}}, "at least one"),
        ({"design": {"kind": "sobol", "n": 10, "ranges": {"age_sd": [1, 5]}}}, "power of two"),
        ({"design": {"kind": "cube"}}, "choose one of"),
        ({"design": {"kind": "grid", "factors": {"group_size": [5, 99]}}}, "group_size = 99 is out of range"),
        ({"design": {"kind": "lhs", "n": 4, "ranges": {"setting": [0, 1]}}}, "0 is not a value of setting"),
        (
            {"design": {"kind": "lhs", "n": 4, "ranges": {"setting": ["civil_society"]}}},
            'must list the values it takes, e.g. setting = ["civil_society", "mental_health_service"]',
        ),
        (
            {"design": {"kind": "sobol", "n": 4, "ranges": {"anonymity": [True, True]}}},
            "lists a value twice",
        ),
        (
            {
                "design": {
                    "kind": "morris",
                    "n": 4,
                    "ranges": {"theory": ["seed", "common_factors", "upward_comparison"]},
                }
            },
            "design.ranges.theory = ['seed', 'common_factors', 'upward_comparison']: 3 values have no order",
        ),
        (
            {"design": {"kind": "saltelli", "n": 4, "ranges": {"group_size": [4, 9.5]}}},
            "group_size is a whole number, so its range is two whole numbers",
        ),
        (
            {"design": {"kind": "lhs", "n": 4, "ranges": {"disabled_mechanisms": [[], ["safety"]]}}},
            "only numbers, booleans and words can be factors",
        ),
        (
            {"design": {"kind": "lhs", "n": 4, "ranges": {"group_size": [4, 9.5]}}},
            "group_size is a whole number, so its range is two whole numbers",
        ),
        (
            {"design": {"kind": "list", "points": [{"group_size": 5}, {"group_size": 99}]}},
            "design point 1: group_size = 99 is out of range",
        ),
        ({"design": {"kind": "list", "points": [{"group_sze": 5}]}}, "did you mean 'group_size'"),
        ({"design": {"kind": "grid", "factors": {"follow_up_weeks": [1, 2]}}}, "also in [fixed]"),
        ({"replicates": "ten"}, "replicates = 'ten' must be a whole number"),
        ({"replicates": 0}, "must be at least 1"),
        ({"seeed": 3}, "unknown key 'seeed'; did you mean 'seed'"),
        ({"tables": ["groups", "sesions"]}, "did you mean 'sessions'"),
        ({"tables": ["sessions"]}, 'set record = "sessions"'),
        ({"name": "my study"}, "must be a non-empty word"),
        ({"people": "same"}, "people = 'same' must be one of shared, own"),
        ({"people": True}, "people = True must be a string"),
    ],
)
def test_spec_errors_name_the_problem(tmp_path, changes, message):
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("(", r"\(")):
        spec_at(tmp_path, **changes)


def test_the_front_door_gives_the_sweep_functions():
    # the README's peersim.load_results(...): once an ImportError (a module renamed under it)
    assert peersim.load_results is load_results and peersim.run_sweep is run_sweep
    assert peersim.load_spec is load_spec


def test_spec_file_errors(tmp_path):
    with pytest.raises(SpecError, match="cannot read spec"):
        load_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = = 3\n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(bad)
    good = tmp_path / "good.toml"
    good.write_text('replicates = 4\n[design]\nkind = "single"\n')
    assert load_spec(good).name == "good"


def test_designs_are_deterministic_and_in_range(tmp_path):
    grid = spec_at(tmp_path).design()
    assert len(grid) == 4 and grid["point"].tolist() == [0, 1, 2, 3]
    lhs = spec_at(
        tmp_path,
        design={"kind": "lhs", "n": 12, "ranges": {"facilitator_skill": [0.2, 0.9], "group_size": [4, 12]}},
    )
    d = lhs.design()
    assert len(d) == 12 and d.facilitator_skill.between(0.2, 0.9).all()
    assert d.group_size.map(type).eq(int).all() and d.group_size.between(4, 12).all()
    pd.testing.assert_frame_equal(d, lhs.design())
    sobol = spec_at(tmp_path, design={"kind": "sobol", "n": 16, "ranges": {"age_sd": [1.0, 20.0]}})
    assert len(sobol.design()) == 16
    listed = spec_at(
        tmp_path,
        design={
            "kind": "list",
            "points": [{"setting": "civil_society"}, {"setting": "mental_health_service"}],
        },
    )
    assert listed.design().setting.tolist() == ["civil_society", "mental_health_service"]


def test_whole_numbers_and_words_come_up_equally_often_in_space_filling_designs(tmp_path):
    ranges = {
        "group_size": [4, 16],
        "covid_restrictions": [False, True],
        "setting": ["civil_society", "mental_health_service"],
        "facilitator_skill": [0.2, 0.9],
    }
    # a Latin hypercube has one point in each of n equal slices of every axis: 1,300 points give
    # each of the 13 sizes exactly 100 (rounding gave sizes 4 and 16 half as many as the others)
    cube = spec_at(tmp_path, design={"kind": "lhs", "n": 1300, "ranges": ranges}).design()
    assert cube.group_size.value_counts().to_dict() == {size: 100 for size in range(4, 17)}
    assert cube.covid_restrictions.value_counts().to_dict() == {False: 650, True: 650}
    assert cube.setting.value_counts().to_dict() == {"civil_society": 650, "mental_health_service": 650}
    assert cube.facilitator_skill.between(0.2, 0.9).all() and cube.group_size.map(type).eq(int).all()
    sobol = spec_at(tmp_path, design={"kind": "sobol", "n": 1024, "ranges": ranges}).design()
    counts = sobol.group_size.value_counts()
    assert counts.index.sort_values().tolist() == list(range(4, 17)) and counts.max() - counts.min() <= 2
    assert sobol.covid_restrictions.value_counts().to_dict() == {False: 512, True: 512}

    # with a whole-number factor the design is not an older peersim's for the same spec, so its
    # folders are not resumed; without one, and with shared people, they still are
    def older_fingerprint(spec):  # as peersim computed it before people and even whole numbers
        what = {k: v for k, v in spec.to_dict().items() if k not in ("out", "description", "people")}
        return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]

    floats = spec_at(tmp_path, people="shared", design={"kind": "lhs", "n": 8, "ranges": {"age_sd": [1, 5]}})
    assert floats.fingerprint() == older_fingerprint(floats)
    sizes = floats.replace(design={"kind": "lhs", "n": 8, "ranges": {"group_size": [4, 16]}})
    assert sizes.fingerprint() != older_fingerprint(sizes)


def test_a_hypercube_of_booleans_and_words_runs(tmp_path):
    ranges = {"covid_restrictions": [False, True], "setting": ["civil_society", "mental_health_service"]}
    spec = spec_at(tmp_path, replicates=3, design={"kind": "lhs", "n": 8, "ranges": ranges})
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    res = load_results(spec.out_dir)
    assert res.varied == ["covid_restrictions", "setting"]
    for name in ranges:  # each value at 4 of the 8 points (the margins are stratified, not the cells)
        assert res.groups.groupby(name).size().eq(4 * 3).all()
    point = res.design.iloc[5]
    one = res.groups[res.groups.point == 5]
    direct = peersim.simulate(
        peersim.Params(
            covid_restrictions=bool(point.covid_restrictions), setting=point.setting, follow_up_weeks=4
        ),
        runs=18,
        seed=5,
    ).groups
    assert one.run.tolist() == [15, 16, 17]  # its own people: runs 15-17 of the seed
    pd.testing.assert_frame_equal(
        one.drop(columns=["point", *ranges]).reset_index(drop=True),
        direct[direct.run >= 15].reset_index(drop=True),
    )
    design = json.loads((spec.out_dir / "design.json").read_text())
    assert design["points"][5]["setting"] == point.setting


# --- running ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("people", ["shared", "own"])
def test_serial_process_pool_and_dask_give_identical_tables(tmp_path, people):
    serial = spec_at(tmp_path, "serial", people=people)
    run_sweep(serial, workers=1, progress=False)
    reference = tables(serial.out_dir)
    pooled = spec_at(tmp_path, "pool", people=people)
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        run_sweep(pooled, executor=pool, progress=False)
    assert_same_tables(reference, tables(pooled.out_dir))
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask_spec = spec_at(tmp_path, "dask", people=people)
        run_sweep(dask_spec, executor=client.get_executor(), progress=False)
        by_address = spec_at(tmp_path, "dask_address", people=people)
        run_sweep(by_address, scheduler=cluster.scheduler_address, progress=False)
    assert_same_tables(reference, tables(dask_spec.out_dir))
    assert_same_tables(reference, tables(by_address.out_dir))
    assert "dask scheduler" in load_results(by_address.out_dir).provenance["executor"]


@pytest.mark.parametrize("people", ["shared", "own"])
def test_chunk_size_does_not_change_results(tmp_path, people):
    a = spec_at(tmp_path, "a", chunk_size=7, people=people)
    b = spec_at(tmp_path, "b", chunk_size=30, people=people)
    for spec in (a, b):
        run_sweep(spec, executor=SerialExecutor(), progress=False)
    assert_same_tables(tables(a.out_dir), tables(b.out_dir))


def test_results_match_simulate_with_design_parameters_joined(tmp_path):
    spec = spec_at(tmp_path)
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    res = load_results(spec.out_dir)
    part = res.participants
    assert list(part.columns[:3]) == ["point", "group_size", "covid_restrictions"]
    one = part[(part.group_size == 9) & part.covid_restrictions]
    direct = peersim.simulate(
        peersim.Params(group_size=9, covid_restrictions=True, follow_up_weeks=4), runs=30, seed=5
    ).participants
    pd.testing.assert_frame_equal(
        one.drop(columns=["point", "group_size", "covid_restrictions"]).reset_index(drop=True), direct
    )
    # common random numbers: the same people at every design point
    ages = part.groupby(["run", "member"]).age.nunique()
    assert ages[ages.index.get_level_values("member") < 5].eq(1).all()
    some = res.table("groups", columns=["dropout_rate"])
    assert some.columns.tolist() == ["point", "group_size", "covid_restrictions", "run", "dropout_rate"]
    pd.testing.assert_series_equal(some.dropout_rate, res.groups.dropout_rate)
    assert res.dataset("groups").count_rows() == 4 * 30


def test_points_with_their_own_people_meet_other_people(tmp_path):
    spec = spec_at(tmp_path, people="own")
    assert spec.distinct_groups() == 4 * 30
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    res = load_results(spec.out_dir)
    part = res.participants
    # point p holds runs p * 30 .. p * 30 + 29 of the seed: no run, and so no person, twice
    assert res.groups.groupby("point").run.agg(["min", "max"]).to_numpy().tolist() == [
        [p * 30, p * 30 + 29] for p in range(4)
    ]
    assert not res.groups.run.duplicated().any()
    # point 3 (groups of 9, COVID-19) is runs 90-119 of simulate() with its parameters
    one = part[part.point == 3].drop(columns=["point", "group_size", "covid_restrictions"])
    direct = peersim.simulate(
        peersim.Params(group_size=9, covid_restrictions=True, follow_up_weeks=4), runs=120, seed=5
    ).participants
    pd.testing.assert_frame_equal(one.reset_index(drop=True), direct[direct.run >= 90].reset_index(drop=True))
    assert spec.fingerprint() != spec_at(tmp_path).fingerprint()
    assert load_spec(spec.out_dir).people == "own"  # kept in spec.json, so --resume keeps it


class _Refusing(SerialExecutor):
    """An executor that refuses all work: what happened before it was asked is before the sweep ran."""

    def submit(self, fn, /, *args, **kwargs):
        raise RuntimeError("no work in this test")


def _hypercube(tmp_path, **changes):
    # the design: 10,000 points of a Latin hypercube, 2 replicates each
    design = {"kind": "lhs", "n": 10_000, "ranges": {"group_size": [4, 16], "facilitator_skill": [0.2, 0.95]}}
    return spec_at(
        tmp_path, changes.get("people", "default"), replicates=2, chunk_size=2_000, design=design, **changes
    )


def test_a_hypercube_draws_its_own_people_and_a_shared_one_is_warned_of_before_it_runs(tmp_path):
    own = _hypercube(tmp_path)
    assert own.people == "own" and own.distinct_groups() == 20_000
    with warnings.catch_warnings():
        warnings.simplefilter("error", SharedPeopleWarning)
        with pytest.raises(RuntimeError, match="no work"):
            run_sweep(own, executor=_Refusing(), progress=False)
    shared = _hypercube(tmp_path, people="shared")
    assert shared.distinct_groups() == 2
    with pytest.warns(SharedPeopleWarning) as caught, pytest.raises(RuntimeError, match="no work"):
        run_sweep(shared, executor=_Refusing(), progress=False)
    (message,) = [str(w.message) for w in caught]
    assert "all 10,000 design points meet the same 2 groups" in message
    assert "rest on 2 distinct groups, not 20,000" in message and 'people = "own"' in message
    # a grid compares its points, each with its interval: shared by default, warned below 30
    assert spec_at(tmp_path).people == "shared"
    grid = people_warning(spec_at(tmp_path, replicates=5))
    assert "raise replicates to 30 or more" in grid and "would unpair" in grid
    assert people_warning(spec_at(tmp_path)) == ""  # 30 replicates
    assert people_warning(spec_at(tmp_path, design={"kind": "single"}, replicates=2)) == ""


def test_the_cli_says_before_running_that_shared_points_rest_on_few_groups(tmp_path):
    spec_file = tmp_path / "few.toml"
    spec_file.write_text(
        'name = "few"\nseed = 1\nreplicates = 2\npeople = "shared"\n[fixed]\nfollow_up_weeks = 1\n'
        '[design]\nkind = "lhs"\nn = 20\n[design.ranges]\nfacilitator_skill = [0.2, 0.9]\n'
    )
    cmd = [sys.executable, "-m", "peersim.apps.cli", "sweep", str(spec_file), "--workers", "1"]
    proc = subprocess.run(
        [*cmd, "--quiet", "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(
        "peersim: warning: few: all 20 design points meet the same 2 groups of people"
    ), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "2 distinct groups of people (shared by every point: people = 'shared')" in proc.stdout


def test_a_stored_spec_of_an_older_peersim_keeps_its_shared_people(tmp_path):
    spec = spec_at(
        tmp_path, design={"kind": "lhs", "n": 4, "ranges": {"age_sd": [1.0, 5.0]}}, people="shared"
    )
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    stored = json.loads((spec.out_dir / "spec.json").read_text())
    del stored["people"], stored["seal"]  # as written before people was a choice
    write_sealed(spec.out_dir / "spec.json", stored)
    again = load_spec(spec.out_dir)
    assert again.people == "shared" and again.fingerprint() == stored["fingerprint"]
    assert run_sweep(again, executor=SerialExecutor(), progress=False).chunks_run == 0


def test_manifest_and_provenance(tmp_path):
    spec = spec_at(tmp_path)
    report = run_sweep(spec, executor=SerialExecutor(), progress=False)
    # chunks count courses, across design points: 4 points x 30 replicates in chunks of 8
    assert report.chunks_total == 15 and report.chunks_run == 15
    lines = (spec.out_dir / "manifest.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert sorted(e["chunk"] for e in entries) == sorted({e["chunk"] for e in entries})
    assert sum(e["stop"] - e["start"] for e in entries) == 4 * 30
    assert entries[0]["rows"] == {"participants": 8 * 5, "groups": 8}  # point 0: groups of 5
    # chunk 7 (courses 56-63) spans point 1 (groups of 5) and point 2 (groups of 9)
    seventh = next(e for e in entries if e["start"] == 56)
    assert seventh["rows"] == {"participants": 4 * 5 + 4 * 9, "groups": 8}
    prov = json.loads((spec.out_dir / "provenance.json").read_text())
    assert prov["status"] == "complete" and prov["seed"] == 5 and prov["finished"]
    assert {"python", "numpy", "pandas", "peersim"} <= set(prov["versions"])
    assert "system" in prov["platform"] and "started" in prov and "git_commit" in prov
    design = json.loads((spec.out_dir / "design.json").read_text())
    assert design["varied"] == ["group_size", "covid_restrictions"] and len(design["points"]) == 4
    assert design["fixed"]["follow_up_weeks"] == 4
    # the varied parameters apart: a point's values are in its row, not among the fixed ones
    assert "group_size" not in design["fixed"] and "covid_restrictions" not in design["fixed"]
    assert len(design["fixed"]) == len(peersim.Params().to_dict()) - 2
    assert load_results(spec.out_dir).params[3]["group_size"] == 9


def test_refuses_other_specs_results_and_needs_resume(tmp_path):
    spec = spec_at(tmp_path)
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    # a complete sweep run again: nothing to do, no error
    assert run_sweep(spec, executor=SerialExecutor(), progress=False).chunks_run == 0
    # an unfinished one (its last chunk not recorded) needs --resume to be continued
    manifest = spec.out_dir / "manifest.jsonl"
    manifest.write_text("".join(manifest.read_text().splitlines(keepends=True)[:-1]))
    with pytest.raises(SpecError, match="use --resume"):
        run_sweep(spec, executor=SerialExecutor(), progress=False)
    assert run_sweep(spec, executor=SerialExecutor(), progress=False, resume=True).chunks_run == 1
    other = spec_at(tmp_path, seed=6)
    with pytest.raises(SpecError, match="different spec"):
        run_sweep(other, executor=SerialExecutor(), progress=False, resume=True)
    run_sweep(other, executor=SerialExecutor(), progress=False, overwrite=True)
    assert load_results(other.out_dir).provenance["seed"] == 6


@pytest.mark.parametrize("people", ["shared", "own"])
def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path, people):
    spec_file = tmp_path / "kill.toml"
    spec_file.write_text(
        f'name = "kill"\nseed = 9\nreplicates = 400\nchunk_size = 10\npeople = "{people}"\n'
        f'out = "{tmp_path / "killed"}"\n[design]\nkind = "grid"\n[design.factors]\ngroup_size = [6, 8]\n'
    )
    cmd = [sys.executable, "-m", "peersim.apps.cli", "sweep", str(spec_file), "--workers", "1", "--quiet"]
    cmd.append("--allow-outside")  # the spec's out is in a temporary folder
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    manifest = tmp_path / "killed" / "manifest.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline:
        if manifest.exists() and len(manifest.read_text().splitlines()) >= 15:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(manifest.read_text().splitlines())
    assert 15 <= done_before < 80, "killed part-way"
    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "already done" in resumed.stdout
    whole = load_spec(spec_file).replace(out=str(tmp_path / "whole"))
    run_sweep(whole, executor=SerialExecutor(), progress=False)
    killed = tables(tmp_path / "killed")
    assert_same_tables(killed, tables(whole.out_dir))
    assert not killed["groups"].duplicated(["point", "run"]).any()
    assert load_results(tmp_path / "killed").complete


def test_cli_sweep_errors_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("replicates = 5\n[fixed]\nfacilitator_skil = 0.5\n")
    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "sweep", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "did you mean 'facilitator_skill'" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "sweep", str(tmp_path / "none.toml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "cannot read spec" in proc.stderr


def test_load_results_errors(tmp_path):
    with pytest.raises(SpecError, match="no sweep results"):
        load_results(tmp_path)
    spec = spec_at(tmp_path)
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    with pytest.raises(SpecError, match="was not kept"):
        load_results(spec.out_dir).sessions  # noqa: B018
    with pytest.raises(SpecError, match="did you mean 'hope_end'"):
        load_results(spec.out_dir).table("participants", columns=["hope_ed"])
    with pytest.raises(SpecError, match="its sweep is in"):
        load_results(tmp_path / "run")  # the study folder, not its raw/ sweep
    # an unfinished sweep's tables come with a warning
    provenance = spec.out_dir / "provenance.json"  # as a sweep that was interrupted wrote it
    write_sealed(provenance, {**json.loads(provenance.read_text()), "status": "interrupted"})
    with pytest.warns(UserWarning, match="not complete"):
        load_results(spec.out_dir).table("groups")


def test_resume_refuses_results_of_other_model_code(tmp_path):
    spec = spec_at(tmp_path, replicates=8)
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    meta = json.loads((spec.out_dir / "spec.json").read_text())  # as an older model code wrote it
    write_sealed(spec.out_dir / "spec.json", {**meta, "code": "an-older-model"})
    with pytest.raises(SpecError, match="different version of peersim's model code"):
        run_sweep(spec, executor=SerialExecutor(), progress=False, resume=True)


# --- a population in a spec; CSV export ----------------------------------------------------------
PEOPLE = (
    "age,employed,lives_alone,recovery_stage\n24,1,0,0.55\n44,0,1,0.35\n47,0,1,0.3\n41,0,1,0.4\n50,0,0,0.2\n"
)


def test_spec_with_a_population_file_runs_those_people(tmp_path):
    folder = tmp_path / "study"
    (folder / "people").mkdir(parents=True)
    (folder / "people" / "five.csv").write_text(PEOPLE)
    path = folder / "pop.toml"
    path.write_text(
        'name = "pop"\nseed = 3\nreplicates = 7\nchunk_size = 5\npopulation = "people/five.csv"\n'
        f'out = "{tmp_path / "out"}"\n'
        "[fixed]\nfollow_up_weeks = 2\n"
        '[design]\nkind = "grid"\n[design.factors]\ncovid_restrictions = [false, true]\n'
    )
    spec = load_spec(path)  # the path is relative to the spec file, not to the working folder
    assert spec.base_params().group_size == 5 and len(spec.population_rows) == 5
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    res = load_results(spec.out_dir)
    people = pd.read_csv(folder / "people" / "five.csv")
    for point, covid in enumerate((False, True)):
        expected = peersim.simulate(
            peersim.Params(follow_up_weeks=2, covid_restrictions=covid), runs=7, seed=3, population=people
        ).participants
        got = res.participants[res.participants.point == point].drop(columns=["point", "covid_restrictions"])
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)
    assert (res.participants.age.to_numpy().reshape(-1, 5) == people.age.to_numpy()).all()
    # the fingerprint follows the file's content, not its name
    moved = tmp_path / "elsewhere.csv"
    moved.write_text(PEOPLE)
    assert spec.replace(population=str(moved)).fingerprint() == spec.fingerprint()
    moved.write_text(PEOPLE.replace("24,1", "25,1"))
    assert spec.replace(population=str(moved)).fingerprint() != spec.fingerprint()
    assert "population" not in parse_spec({**BASE, "design": {"kind": "single"}}).to_dict()


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (None, "", "population = '.*missing.csv': cannot read it as CSV"),
        ("age,employd\n30,1\n40,0\n", "", "did you mean 'employed'"),
        (PEOPLE, "[fixed]\ngroup_size = 8\n", "has 5 participants, so the group size is 5"),
        (
            PEOPLE,
            '[design]\nkind = "grid"\n[design.factors]\ngroup_size = [5, 6]\n',
            "cannot vary group_size",
        ),
    ],
)
def test_spec_population_errors_are_one_line_naming_the_file(tmp_path, content, extra, message):
    if content is not None:
        (tmp_path / "missing.csv").write_text(content)
    path = tmp_path / "bad.toml"
    path.write_text(f'name = "bad"\nreplicates = 2\npopulation = "missing.csv"\n{extra}')
    with pytest.raises(SpecError, match=message) as error:
        load_spec(path)
    assert "missing.csv" in str(error.value) and "\n" not in str(error.value)


def test_export_writes_each_table_as_csv_chunk_by_chunk(tmp_path, capsys):
    from peersim.apps.cli import main

    spec = spec_at(tmp_path, tables=["participants", "groups", "control"])
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    res = load_results(spec.out_dir)
    assert main(["export", str(spec.out_dir), "--format", "csv"]) == 0
    assert "groups.csv" in capsys.readouterr().out
    for name in ("participants", "groups", "control"):
        csv = pd.read_csv(spec.out_dir / "csv" / f"{name}.csv")
        table = res.table(name)
        assert list(csv.columns) == list(table.columns) and len(csv) == len(table)
        for column in ("point", "run", "group_size", "n_dropouts", "hope_end", "covid_restrictions"):
            if column in table:
                # float32 columns are written at float32's shortest exact precision
                values = csv[column].to_numpy().astype(table[column].to_numpy().dtype)
                assert (values == table[column].to_numpy()).all(), (name, column)
    # not again over the files written, unless asked; one line, exit 2
    assert main(["export", str(spec.out_dir)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--overwrite" in err[0]
    out = tmp_path / "csv_groups"
    assert main(["export", str(spec.out_dir), "--tables", "groups", "--out", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == ["groups.csv"]
    assert main(["export", str(spec.out_dir), "--tables", "sessions", "--out", str(out)]) == 2
    assert "was not kept" in capsys.readouterr().err
    assert main(["export", str(tmp_path)]) == 2
    assert "holds no sweep results" in capsys.readouterr().err


def test_exported_booleans_are_logical_in_r(tmp_path):
    """docs/r.md's ``mean(dropped_out)`` on the exported CSV: booleans are TRUE/FALSE, which R's
    read.csv reads as logical (Python's True/False came back as text, and the mean as NA). With R
    installed, the docs' own line runs in R; without it, the CSV's cells are checked."""
    import csv
    import shutil

    from peersim.sweep.export import export_csv

    spec = spec_at(tmp_path, replicates=4, chunk_size=5)
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    (path, _), *_ = export_csv(spec.out_dir, tables=["participants"])
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for column in ("dropped_out", "covid_restrictions", "employed", "lives_alone", "companionship"):
        if column in rows[0]:
            assert {r[column] for r in rows} <= {"TRUE", "FALSE"}, column
    assert {r["dropped_out"] for r in rows} == {"TRUE", "FALSE"}
    expected = load_results(spec.out_dir).participants.dropped_out.mean()
    assert pd.read_csv(path).dropped_out.dtype == bool  # pandas reads them back as booleans too
    rscript = shutil.which("Rscript")
    if rscript is None:
        return
    script = f'p <- read.csv("{path}"); stopifnot(is.logical(p$dropped_out)); cat(mean(p$dropped_out))'
    done = subprocess.run([rscript, "-e", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) == pytest.approx(expected)


def test_a_script_with_its_own_spec_reads_it_and_picks_its_folder(tmp_path, monkeypatch):
    from peersim.sweep.study import own_spec_args

    script = tmp_path / "experiments" / "study_x.py"
    script.parent.mkdir()
    script.with_suffix(".toml").write_text("seed = 3\ndraws = 1000\nrepeats = 20\n")
    monkeypatch.chdir(tmp_path)
    small = {"draws": 60}
    options = {"--ship": {"action": "store_true"}}
    args, spec, out = own_spec_args(script, [], "doc", small, "quick", options)
    assert spec == {"seed": 3, "draws": 1000, "repeats": 20} and not args.small and not args.ship
    assert out == Path("results/study_x") and out.is_dir()
    args, spec, out = own_spec_args(script, ["--small", "--ship"], "doc", small, "quick", options)
    assert spec == {"seed": 3, "draws": 60, "repeats": 20} and args.small and args.ship
    assert out == Path("results/study_x/small") and out.is_dir()
    _, _, out = own_spec_args(script, ["--small", "--out", "elsewhere"], "doc", small, "quick")
    assert out == Path("elsewhere") and out.is_dir()
    with pytest.raises(SystemExit):  # an option the script does not take
        own_spec_args(script, ["--ship"], "doc", small, "quick")
